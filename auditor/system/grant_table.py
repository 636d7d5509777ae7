"""The sudo grant table, ``rules/sudo_programs.toml``: its entries (programs and their
techniques) and how a command path finds its entry. What a rule then grants is
:mod:`auditor.system.grants`."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.rules_files import rule_data
from auditor.system.sudomatch import has_wildcard

KINDS = ("run", "write", "read", "defence", "kill", "info", "pager")
# the order grants are reported in
PLACES = (
    "option", "leading", "verb-option", "operand", "last", "first", "any", "always", "bare",
    "code", "script", "target",
)  # fmt: skip
WHAT = {
    "run": "root can run any program",
    "write": "root can write any file",
    "read": "root can read any file",
    "defence": "turns a defence off",
    "kill": "kills processes",
    "info": "shows what only root sees",
    "pager": "a root shell through the pager on systemd before 247",
}


class TableError(ValueError):
    """``rules/sudo_programs.toml`` is malformed (one line naming the entry and key)."""


@dataclass(frozen=True, slots=True)
class Technique:
    kind: str
    how: str
    place: str
    words: tuple[str, ...] = ()
    what: str = ""
    verbs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    needs_any: tuple[str, ...] = ()
    exec: bool = False  # it runs a program: the NOEXEC tag stops it
    noexec: str = ""  # what is left under NOEXEC (a kind), with noexec_how
    noexec_how: str = ""
    env: tuple[str, ...] = ()  # applies only when one of these variables reaches root
    grants: tuple[str, ...] = ()  # examples: sudoers commands it applies to
    denies: tuple[str, ...] = ()  # and commands it does not apply to


@dataclass(frozen=True, slots=True)
class Launcher:
    """A program that runs another command: after its options (``value_options`` take a
    value) come ``operands`` words of its own (timeout's DURATION), NAME=VALUE words with
    ``assignments``, then the command. ``stdin_args``: the command's arguments come from
    standard input (xargs). ``shell_string``: the rest is a shell command line (watch).
    ``bare_shell``: without a command it starts a shell (unshare, chroot)."""

    operands: int = 0
    assignments: bool = False
    stdin_args: bool = False
    shell_string: bool = False
    bare_shell: bool = False


@dataclass(frozen=True, slots=True)
class Program:
    names: tuple[str, ...]
    about: str
    techniques: tuple[Technique, ...] = ()
    value_options: frozenset[str] = frozenset()
    code_options: frozenset[str] = frozenset()
    code_operand: bool = False
    launcher: Launcher | None = None
    harmless: bool = False
    runs_after: frozenset[str] = frozenset()  # options followed by a command (find -exec)
    like: str = ""  # the entry whose techniques it shares

    @property
    def name(self) -> str:
        return self.names[0]


# ---------------------------------------------------------------------------------- table


@cache
def program_table() -> dict[str, Program]:
    """Base name -> program (names are exact; see :func:`find_program` for globs)."""
    data = rule_data("sudo_programs.toml")
    table: dict[str, Program] = {}
    for index, entry in enumerate(data.get("program", [])):
        program = _program(entry, index, table)
        for name in program.names:
            if name in table:
                raise TableError(f"sudo_programs.toml: program {name!r} is listed twice")
            table[name] = program
    return table


def _strings(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TableError(f"sudo_programs.toml: {where}: '{key}' must be a list of strings")
    return tuple(value)


def _program(entry: dict[str, Any], index: int, table: dict[str, Program]) -> Program:
    names = _strings(entry, "names", f"program #{index + 1}")
    if not names:
        raise TableError(f"sudo_programs.toml: program #{index + 1} has no names")
    where = f"program {names[0]}"
    known = {"names", "about", "grant", "value_options", "code_options", "code_operand",
             "launcher", "harmless", "runs_after", "like"}  # fmt: skip
    unknown = set(entry) - known
    if unknown:
        raise TableError(f"sudo_programs.toml: {where}: unknown key {sorted(unknown)[0]!r}")
    base: Program | None = None
    if "like" in entry:
        base = table.get(str(entry["like"]))
        if base is None:
            raise TableError(
                f"sudo_programs.toml: {where}: 'like' names {entry['like']!r}, "
                "which no earlier entry defines"
            )
    launcher = base.launcher if base else None
    if "launcher" in entry:
        spec = entry["launcher"]
        allowed = {"operands", "assignments", "stdin_args", "shell_string", "bare_shell"}
        if not isinstance(spec, dict) or set(spec) - allowed:
            raise TableError(f"sudo_programs.toml: {where}: bad 'launcher' table")
        launcher = Launcher(**spec)
    own = tuple(
        _technique(t, f"{where}, grant #{i + 1}") for i, t in enumerate(entry.get("grant", []))
    )
    techniques = (base.techniques if base else ()) + own
    harmless = bool(entry.get("harmless", base.harmless if base else False))
    if not techniques and not harmless and launcher is None:
        raise TableError(f"sudo_programs.toml: {where}: no grant, not harmless, not a launcher")

    def inherited(key: str) -> frozenset[str]:
        if key in entry:
            return frozenset(_strings(entry, key, where))
        return getattr(base, key) if base else frozenset()

    return Program(
        names=names,
        about=str(entry.get("about", "")),
        techniques=techniques,
        value_options=inherited("value_options"),
        code_options=inherited("code_options"),
        code_operand=bool(entry.get("code_operand", base.code_operand if base else False)),
        launcher=launcher,
        harmless=harmless,
        runs_after=inherited("runs_after"),
        like=base.name if base else "",
    )


def _technique(entry: dict[str, Any], where: str) -> Technique:
    known = {"kind", "what", "how", "words", "place", "verbs", "unless", "needs", "needs_any",
             "exec", "noexec", "noexec_how", "env", "grants", "denies"}  # fmt: skip
    unknown = set(entry) - known
    if unknown:
        raise TableError(f"sudo_programs.toml: {where}: unknown key {sorted(unknown)[0]!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise TableError(f"sudo_programs.toml: {where}: 'kind' must be one of {', '.join(KINDS)}")
    place = entry.get("place")
    if place not in PLACES:
        raise TableError(f"sudo_programs.toml: {where}: 'place' must be one of {', '.join(PLACES)}")
    how = entry.get("how")
    if not isinstance(how, str) or not how:
        raise TableError(f"sudo_programs.toml: {where}: 'how' must be a non-empty string")
    noexec = str(entry.get("noexec", ""))
    if noexec and noexec not in KINDS:
        raise TableError(f"sudo_programs.toml: {where}: 'noexec' must be a kind")
    technique = Technique(
        kind=kind,
        how=how,
        place=place,
        words=_strings(entry, "words", where),
        what=str(entry.get("what", "")),
        verbs=_strings(entry, "verbs", where),
        unless=_strings(entry, "unless", where),
        needs=_strings(entry, "needs", where),
        needs_any=_strings(entry, "needs_any", where),
        exec=bool(entry.get("exec", False)),
        noexec=noexec,
        noexec_how=str(entry.get("noexec_how", "")),
        env=_strings(entry, "env", where),
        grants=_strings(entry, "grants", where),
        denies=_strings(entry, "denies", where),
    )
    if place in ("option", "leading", "verb-option", "operand", "last", "first", "any") and not (
        technique.words
    ):
        raise TableError(f"sudo_programs.toml: {where}: place {place!r} needs 'words'")
    if not technique.grants:
        raise TableError(f"sudo_programs.toml: {where}: no example in 'grants'")
    return technique


def find_program(program: str) -> list[Program]:
    """The table's programs a sudoers command path names: its base name, or every entry
    whose name a wildcard base name matches (``/usr/bin/python3*``)."""
    base = posixpath.basename(program)
    table = program_table()
    if not has_wildcard(base):
        found = table.get(base)
        if found is None and re.fullmatch(r"[A-Za-z_-]+[0-9][0-9.]*", base):
            found = table.get(re.sub(r"[0-9][0-9.]*$", "", base))  # python3.11 -> python
        return [found] if found else []
    out: list[Program] = []
    for name, entry in table.items():
        if fnmatch.fnmatchcase(name, base) and entry not in out:
            out.append(entry)
    return out
