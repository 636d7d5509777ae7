"""The sink catalogue (``rules/sinks.toml``): which calls run a shell, a process or code."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.rules_files import package_toml, read_rule_file

KINDS = ("command", "code")
FORMS = ("command", "program-args", "program-argv", "code", "module", "data")
SHELLS = ("always", "never", "argument", "string")
GUARD_MISSING = ("safe", "unsafe")


class CatalogueError(ValueError):
    """A sink entry is malformed; the message names the entry and the key."""


@dataclass(frozen=True, slots=True)
class Sink:
    name: str
    kind: str
    form: str
    payload: int = 0
    keyword: str | None = None
    shell: str = "never"
    match: str = "qualified"
    isolated: bool = False
    cwe: int = 78
    aliases: tuple[str, ...] = ()
    bandit: tuple[str, ...] = ()
    ruff: tuple[str, ...] = ()
    note: str | None = None
    # the keyword whose value replaces the program run (``executable=``): argv[0] is then
    # only the name it runs under; with a shell, the shell itself
    executable: str | None = None
    # where the environment the program runs with is given: a keyword, a position (-1: the
    # last positional argument, os.execle)
    env: str | None = None
    env_position: int | None = None
    # the keyword of the working directory the program starts in (``cwd=``)
    cwd: str | None = None
    # program-args: the argument after the program is only the name it runs under (argv[0]:
    # os.execl); false when the arguments follow the program directly (create_subprocess_exec)
    argv0: bool = True
    # the payload argument may be left out: a call without it (``webbrowser.get()``) runs
    # nothing its caller chose and is not reported
    optional: bool = False
    # form "command": a string payload is split into words as a shell would split them (shlex)
    # and run without a shell (``pexpect.spawn("bash -c x")``: bash, -c, x)
    split: bool = False
    # the command the call starts when its payload argument is left out
    # (``pexpect.replwrap.bash()``: "bash"); with ``payload`` -1 no argument carries it
    # (``paramiko.SSHClient.invoke_shell()`` always starts the remote user's shell)
    default: str | None = None
    # form "command" without a shell: the argument that, when given and not empty, holds
    # the program's arguments, the payload then being the program alone, not split
    # (``pexpect.spawn("bash", ["-c", cmd])``): its keyword, its position
    rest: str | None = None
    rest_position: int | None = None
    # the argument that decides whether the call runs anything (yaml.load's Loader=,
    # numpy.load's allow_pickle=, torch.load's weights_only=): its keyword, its position;
    # ``safe`` the values (dotted names, or True/False/None) with which it runs nothing,
    # ``guard_missing`` what a call without it does. Any other value, or one not known
    # here, is taken as unsafe.
    guard: str | None = None
    guard_position: int | None = None
    safe: tuple[str, ...] = ()
    guard_missing: str = "unsafe"
    # the command runs on another host (paramiko, fabric): a message says "the remote host"
    remote: bool = False
    report: tuple[str, ...] = field(default=(), compare=False, repr=False)
    ignore: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def method_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


_SINK_KEYS = {
    "name": str,
    "kind": str,
    "form": str,
    "payload": int,
    "keyword": str,
    "shell": str,
    "match": str,
    "isolated": bool,
    "cwe": int,
    "aliases": list,
    "bandit": list,
    "ruff": list,
    "note": str,
    "executable": str,
    "env": str,
    "env-position": int,
    "cwd": str,
    "argv0": bool,
    "optional": bool,
    "split": bool,
    "default": str,
    "rest": str,
    "rest-position": int,
    "guard": str,
    "guard-position": int,
    "safe": list,
    "guard-missing": str,
    "remote": bool,
    "report": list,
    "ignore": list,
}


def sink_from_dict(data: dict[str, Any], where: str) -> Sink:
    """Build a sink from a TOML table, with errors that name ``where`` and the key."""
    for key, value in data.items():
        expected = _SINK_KEYS.get(key)
        if expected is None:
            raise CatalogueError(f"{where}: unknown key {key!r}")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise CatalogueError(f"{where}: {key!r} must be a {expected.__name__}")
    if "name" not in data:
        raise CatalogueError(f"{where}: missing key 'name'")
    kind = data.get("kind", "command")
    if kind not in KINDS:
        raise CatalogueError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    form = data.get("form", "code" if kind == "code" else "command")
    if form not in FORMS:
        raise CatalogueError(f"{where}: 'form' must be one of {', '.join(FORMS)}")
    shell = data.get("shell", "never")
    if shell not in SHELLS:
        raise CatalogueError(f"{where}: 'shell' must be one of {', '.join(SHELLS)}")
    match = data.get("match", "qualified")
    if match not in ("qualified", "method"):
        raise CatalogueError(f"{where}: 'match' must be 'qualified' or 'method'")
    guard_missing = data.get("guard-missing", "unsafe")
    if guard_missing not in GUARD_MISSING:
        raise CatalogueError(f"{where}: 'guard-missing' must be one of {', '.join(GUARD_MISSING)}")
    if data.get("payload", 0) < 0 and "default" not in data:
        raise CatalogueError(f"{where}: a negative 'payload' needs 'default'")
    if "guard" not in data and any(k in data for k in ("guard-position", "safe", "guard-missing")):
        raise CatalogueError(f"{where}: 'guard-position', 'safe' and 'guard-missing' need 'guard'")
    return Sink(
        name=data["name"],
        kind=kind,
        form=form,
        payload=data.get("payload", 0),
        keyword=data.get("keyword"),
        shell=shell,
        match=match,
        isolated=data.get("isolated", False),
        cwe=data.get("cwe", 95 if kind == "code" else 78),
        aliases=tuple(data.get("aliases", ())),
        bandit=tuple(data.get("bandit", ())),
        ruff=tuple(data.get("ruff", ())),
        note=data.get("note"),
        executable=data.get("executable"),
        env=data.get("env"),
        env_position=data.get("env-position"),
        cwd=data.get("cwd"),
        argv0=data.get("argv0", True),
        optional=data.get("optional", False),
        split=data.get("split", False),
        default=data.get("default"),
        rest=data.get("rest"),
        rest_position=data.get("rest-position"),
        guard=data.get("guard"),
        guard_position=data.get("guard-position"),
        safe=tuple(data.get("safe", ())),
        guard_missing=guard_missing,
        remote=data.get("remote", False),
        report=tuple(data.get("report", ())),
        ignore=tuple(data.get("ignore", ())),
    )


def catalogue_text() -> str:
    return read_rule_file("sinks.toml")


@cache
def task_parameters() -> dict[str, str]:
    """rules/sinks.toml's ``[[task_parameter]]``: decorator name -> the class of the object
    a task runner passes as the decorated function's first parameter (``@invoke.task``:
    ``c``, an ``invoke.Context``)."""
    out: dict[str, str] = {}
    for i, entry in enumerate(package_toml(catalogue_text()).get("task_parameter", [])):
        names, cls = entry.get("decorators"), entry.get("class")
        if not isinstance(names, list) or not isinstance(cls, str):
            raise CatalogueError(
                f"rules/sinks.toml: task_parameter #{i + 1}: needs 'decorators' and 'class'"
            )
        for name in names:
            out[str(name)] = cls
    return out


@cache
def builtin_sinks() -> tuple[Sink, ...]:
    data = package_toml(catalogue_text())
    return tuple(
        sink_from_dict(entry, f"rules/sinks.toml: sink #{i + 1}")
        for i, entry in enumerate(data["sink"])
    )


class Catalogue:
    """Lookup tables over a list of sinks."""

    def __init__(self, sinks: tuple[Sink, ...]) -> None:
        self.sinks = sinks
        self.by_name: dict[str, Sink] = {}
        self.by_method: dict[str, Sink] = {}
        for sink in sinks:
            if sink.match == "method":
                self.by_method[sink.method_name] = sink
                continue
            for name in (sink.name, *sink.aliases):
                self.by_name[name] = sink
        # modules whose star import binds sink names: module -> {attr: sink}
        self.module_members: dict[str, dict[str, Sink]] = {}
        for name, sink in self.by_name.items():
            module, _, attr = name.rpartition(".")
            self.module_members.setdefault(module, {})[attr] = sink
        # the last names of the sinks of every module (system, run, exec...)
        self.member_names = frozenset(
            attr for members in self.module_members.values() for attr in members
        )

    def lookup(self, qualname: str) -> Sink | None:
        return self.by_name.get(qualname)

    def needles(self) -> frozenset[str]:
        """Identifiers one of which any reportable file must contain (see prefilter)."""
        words: set[str] = {"shell", "getattr"}
        for name in self.by_name:
            parts = name.split(".")
            words.add(parts[0])
            if parts[0] == "builtins":
                words.add(parts[-1])
        words.update(self.by_method)
        return frozenset(words)
