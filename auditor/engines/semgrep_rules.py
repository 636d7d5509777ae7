"""The semgrep rule pack (``rules/semgrep/``), generated from the sink catalogue.

One rule per sink family, in one file (``rules/semgrep/auditor.yaml``) with semgrep's own test
file beside it (``auditor.py``: ``# ruleid:`` / ``# ok:`` annotations, run by
``semgrep --test rules/semgrep``). Regenerate the rules after editing ``rules/sinks.toml``::

    python -m auditor.engines.semgrep_rules rules/semgrep

The test suite checks that the committed files equal this output and that every sink of the
catalogue belongs to a family. Semgrep resolves import aliases itself (``import subprocess as
sp``, ``from os import system``); it does not know about shadowing or constant propagation
through our policy, which is why the scanner stays the reference and semgrep a second opinion.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.judge.catalogue import Sink, builtin_sinks, task_parameters

_SHELL_FALSE = ("False", "0", "None")


@dataclass(frozen=True, slots=True)
class Family:
    """A group of sinks and the semgrep rule(s) that find them."""

    file: str  # the rule id is auditor.<file> (subprocess: three rules)
    prefixes: tuple[str, ...]  # catalogue names (or name prefixes) in this family
    description: str


FAMILIES: tuple[Family, ...] = (
    Family(
        "subprocess",
        tuple(f"subprocess.{n}" for n in ("run", "call", "check_call", "check_output", "Popen")),
        "subprocess call",
    ),
    Family(
        "subprocess-getoutput",
        ("subprocess.getoutput", "subprocess.getstatusoutput"),
        "subprocess.getoutput()/getstatusoutput() runs its command through a shell",
    ),
    Family("os-system", ("os.system", "os.popen"), "os.system()/os.popen() runs a shell command"),
    Family("os-exec", ("os.exec",), "os.exec*() replaces the process with another program"),
    Family("os-spawn", ("os.spawn", "os.posix_spawn"), "os.spawn*()/posix_spawn*() runs a program"),
    Family("os-startfile", ("os.startfile",), "os.startfile() opens a file with its program"),
    Family(
        "asyncio-shell",
        ("asyncio.create_subprocess_shell", "asyncio.AbstractEventLoop.subprocess_shell"),
        "asyncio runs a shell command",
    ),
    Family(
        "asyncio-exec",
        ("asyncio.create_subprocess_exec", "asyncio.AbstractEventLoop.subprocess_exec"),
        "asyncio runs a program",
    ),
    Family(
        "anyio-process",
        ("anyio.run_process",),
        "anyio.run_process()/open_process() runs a command (a str through the shell)",
    ),
    Family("pty-spawn", ("pty.spawn",), "pty.spawn() runs a program on a pseudo-terminal"),
    Family(
        "legacy-shell",
        ("commands.", "popen2.", "os.popen2", "os.popen3", "os.popen4"),
        "a Python 2 commands/popen2/os.popen2 function runs a shell command",
    ),
    Family("pexpect", ("pexpect.", "wexpect."), "pexpect (or wexpect) runs a program"),
    Family(
        "stdlib-shell",
        ("pydoc.pipepager", "pydoc.tempfilepager", "imaplib.IMAP4_stream", "platform.popen"),
        "a pager of pydoc, imaplib's IMAP4_stream or platform.popen runs a shell command",
    ),
    Family(
        "stdlib-program",
        ("webbrowser.get", "webbrowser.GenericBrowser", "distutils.spawn.spawn"),
        "a browser command line of webbrowser, or distutils' spawn, runs a program",
    ),
    Family(
        "ctypes-libc",
        ("ctypes.CDLL.",),
        "the C library's system()/popen(), called through ctypes, runs a shell command",
    ),
    Family(
        "interactive-interpreter",
        ("code.InteractiveInterpreter.", "code.InteractiveConsole."),
        "code.InteractiveInterpreter/InteractiveConsole runs Python source",
    ),
    Family(
        "ipython-run-cell",
        ("IPython.core.interactiveshell.InteractiveShell.",),
        "IPython's InteractiveShell.run_cell() runs Python source",
    ),
    Family(
        "jupyter-kernel",
        ("jupyter_client.", "nbclient."),
        "a Jupyter kernel client (or nbclient's notebook client) runs Python source in its kernel",
    ),
    Family(
        "subinterpreter",
        ("_xxsubinterpreters.run_string", "_testcapi.run_in_subinterp"),
        "a CPython sub-interpreter runs Python source in this process",
    ),
    Family(
        "paramiko-exec",
        ("paramiko.SSHClient.exec_command", "paramiko.SSHClient.invoke_shell"),
        "paramiko runs a command through the remote shell, or starts that shell to send it some",
    ),
    Family(
        "docker-exec",
        (
            "docker.models.containers.Container.exec_run",
            "docker.models.containers.ContainerCollection.run",
        ),
        "Docker's SDK (or podman's) runs a command in a container, as `docker exec` or"
        " `docker run` does",
    ),
    Family(
        "kubernetes-exec",
        ("kubernetes.stream.",),
        "the Kubernetes client's stream() runs a command in a pod, as `kubectl exec` does",
    ),
    Family(
        "remote-sandbox",
        ("e2b_code_interpreter.", "e2b.", "daytona."),
        "E2B or Daytona runs code or a command line in a sandbox on another host",
    ),
    Family(
        "invoke-fabric",
        ("invoke.", "fabric."),
        "invoke or fabric runs a command line through a shell (fabric's on the remote host)",
    ),
    Family(
        "sh-programs",
        ("sh.",),
        "sh (or plumbum.cmd) runs the program it names with the arguments given",
    ),
    Family(
        "shell-line-runners",
        ("sarge.", "delegator."),
        "sarge or delegator runs a command line with shell syntax",
    ),
    Family(
        "langchain-shell",
        ("langchain_community.tools.ShellTool.run",),
        "LangChain's shell tool runs its commands with bash",
    ),
    Family(
        "langchain-python",
        ("langchain_experimental.utilities.PythonREPL.run",),
        "LangChain's Python REPL tools exec() the code they are given",
    ),
    Family(
        "expression-evaluators",
        ("sympy.sympify", "numexpr.evaluate", "tkinter.Tk.eval", "execnet.Gateway.remote_exec"),
        "sympy and numexpr eval() an expression, Tk evaluates a Tcl script, execnet runs Python"
        " source in its gateway",
    ),
    Family("eval-exec", ("builtins.eval", "builtins.exec"), "eval()/exec() runs Python code"),
    Family(
        "code-runners",
        ("timeit.", "pdb.", "bdb.", "cProfile.", "profile.", "trace.", "doctest."),
        "a timer, debugger, profiler, tracer or doctest runner runs the Python source it is given",
    ),
    Family("runpy", ("runpy.",), "runpy runs a Python file or module"),
    Family(
        "deserialisation",
        (
            "pickle.",
            "jsonpickle.decode",
            "yaml.unsafe_load",
            "yaml.load",
            "pandas.read_pickle",
            "numpy.load",
            "torch.load",
            "shelve.open",
        ),
        "deserialises data that can run code (a pickle names the callables it calls)",
    ),
    Family(
        "code-object",
        ("types.FunctionType", "ctypes.pythonapi.PyRun_SimpleString"),
        "a function made from a code object, or CPython's PyRun_* through ctypes, runs Python code",
    ),
    Family(
        "dynamic-import",
        (
            "importlib.import_module",
            "builtins.__import__",
            "importlib.util.spec_from_file_location",
            "importlib.machinery.SourceFileLoader",
            "imp.load_source",
            "zipimport.zipimporter",
            "ctypes.CDLL",
            "sys.path.insert",
            "sys.path.append",
        ),
        "a module chosen at run time is imported (its top-level code runs)",
    ),
    Family(
        "sandbox",
        ("auditor.sandbox.",),
        "runs its payload through auditor's sandbox (isolated; listed for the inventory)",
    ),
)


def family_of(sink: Sink) -> Family | None:
    for family in FAMILIES:
        if any(sink.name == p or (p.endswith((".", "exec", "spawn")) and sink.name.startswith(p))
               for p in family.prefixes):  # fmt: skip
            return family
    return None


def kind_of(sinks: Sequence[Sink]) -> str | None:
    """The kind (command or code) shared by all ``sinks``, or None when they differ."""
    kinds = {s.kind for s in sinks}
    return kinds.pop() if len(kinds) == 1 else None


def _call_patterns(sink: Sink) -> list[str]:
    """Semgrep patterns for a call of ``sink`` (any arguments)."""
    if sink.match == "method":
        return [f"$OBJ.{sink.method_name}(...)"]
    out = []
    for name in (sink.name, *sink.aliases):
        if name.startswith("builtins."):
            out.append(f"{name.removeprefix('builtins.')}(...)")
        out.append(f"{name}(...)")
    return out


def _instance_clauses(sink: Sink) -> list[dict[str, object]]:
    """For a method of a class (``code.InteractiveConsole.push``, and its aliases:
    ``pdb.Pdb.run`` for ``bdb.Bdb.run``): its call on an instance created in place or
    assigned before, or bound by ``with`` (as auditor.scan.analyze's ``_instance_method``)."""
    if sink.match == "method":
        return []
    out: list[dict[str, object]] = []
    owner = sink.name.split(".")[-2:-1]
    # a method of a class: its aliases may name the factory that makes the instance
    # (``execnet.makegateway.remote_exec``)
    method_of_class = len(sink.name.split(".")) >= 3 and owner[0][:1].isupper()
    for name in (sink.name, *sink.aliases):
        parts = name.split(".")
        if len(parts) < 3 or not (parts[-2][:1].isupper() or method_of_class):
            continue
        cls, method = ".".join(parts[:-1]), parts[-1]
        out += [
            {"pattern": f"{cls}(...).{method}(...)"},
            {"patterns": [{"pattern-inside": f"$OBJ = {cls}(...)\n...\n"},
                          {"pattern": f"$OBJ.{method}(...)"}]},
            {"patterns": [{"pattern-inside": f"with {cls}(...) as $OBJ:\n  ...\n"},
                          {"pattern": f"$OBJ.{method}(...)"}]},
        ]  # fmt: skip
        # the first parameter of a task function (rules/sinks.toml's [[task_parameter]])
        for decorator, made in sorted(task_parameters().items()):
            if made != cls:
                continue
            for form in (decorator, f"{decorator}(...)"):
                out.append(
                    {"patterns": [{"pattern-inside": f"@{form}\ndef $F($OBJ, ...):\n  ...\n"},
                                  {"pattern": f"$OBJ.{method}(...)"}]}
                )  # fmt: skip
    return out


def _with_args(pattern: str, args: str) -> str:
    return pattern.removesuffix("(...)") + f"({args})"


def _cwe(sinks: Sequence[Sink]) -> str:
    cwe = sinks[0].cwe
    if cwe == 502:
        return "CWE-502: Deserialization of Untrusted Data"
    if cwe == 95:
        return "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code"
    return "CWE-78: Improper Neutralization of Special Elements used in an OS Command"


def _metadata(sinks: Sequence[Sink], category: str) -> dict[str, object]:
    return {
        "category": "security",
        "cwe": [_cwe(sinks)],
        "auditor-class": category,
        "auditor-kind": kind_of(sinks) or "any",
        "auditor-sinks": sorted(s.name for s in sinks),
        "bandit": sorted({b for s in sinks for b in s.bandit}),
        "source": "generated from auditor's rules/sinks.toml by auditor.engines.semgrep_rules",
    }


def _rule(
    rule_id: str, message: str, severity: str, body: dict[str, object], meta: dict[str, object]
) -> dict[str, object]:
    return {
        "id": f"auditor.{rule_id}",
        "languages": ["python"],
        "severity": severity,
        "message": message,
        **body,
        "metadata": meta,
    }


def _either(patterns: Sequence[str]) -> dict[str, object]:
    return {"pattern-either": [{"pattern": p} for p in patterns]}


def _subprocess_rules(sinks: Sequence[Sink]) -> list[dict[str, object]]:
    calls = [p for s in sinks for p in _call_patterns(s)]
    shell = [_with_args(p, "..., shell=$SHELL, ...") for p in calls]
    not_false = [
        {"pattern-not": _with_args("subprocess.$F(...)", f"..., shell={v}, ...")}
        for v in _SHELL_FALSE
    ]
    literal = [
        {"pattern-not": _with_args("subprocess.$F(...)", '"...", ...')},
        {"pattern-not": _with_args("subprocess.$F(...)", 'args="...", ...')},
    ]
    return [
        _rule(
            "subprocess-shell-dynamic",
            "a subprocess call runs a shell command built at run time (shell=$SHELL): "
            "isolate it in a sandbox, or pass an argv list without a shell",
            "ERROR",
            {"patterns": [_either(shell), *not_false, *literal]},
            _metadata(sinks, "dynamic-shell"),
        ),
        _rule(
            "subprocess-shell-constant",
            "a subprocess call runs a constant command through a shell (shell=$SHELL): "
            "convert it to an argv list",
            "WARNING",
            {
                "patterns": [
                    _either(
                        [_with_args(p, '"...", ..., shell=$SHELL, ...') for p in calls]
                        + [_with_args(p, 'args="...", ..., shell=$SHELL, ...') for p in calls]
                    ),
                    *not_false,
                ]
            },
            _metadata(sinks, "constant-shell"),
        ),
        _rule(
            "subprocess-argv",
            "a subprocess call runs a program without a shell: check that the program "
            "and its arguments cannot be chosen by an attacker",
            "INFO",
            {
                "pattern-either": [
                    {
                        "patterns": [
                            _either(calls),
                            {"pattern-not": _with_args("subprocess.$F(...)", "..., shell=$S, ...")},
                        ]
                    },
                    *(
                        {"pattern": _with_args(p, f"..., shell={v}, ...")}
                        for p in calls
                        for v in _SHELL_FALSE
                    ),
                ]
            },
            _metadata(sinks, "fixed-program"),
        ),
    ]


_SEVERITY = {
    "subprocess-getoutput": "ERROR",
    "os-system": "ERROR",
    "asyncio-shell": "ERROR",
    "legacy-shell": "ERROR",
    "ctypes-libc": "ERROR",
    "stdlib-shell": "ERROR",
    "eval-exec": "ERROR",
    "sandbox": "INFO",
}
_CLASS = {
    "eval-exec": "dynamic-code",
    "interactive-interpreter": "dynamic-code",
    "subinterpreter": "dynamic-code",
    "jupyter-kernel": "dynamic-code",
    "runpy": "dynamic-code",
    "deserialisation": "dynamic-code",
    "code-runners": "dynamic-code",
    "code-object": "dynamic-code",
    "dynamic-import": "dynamic-import",
    "sandbox": "isolated",
}


def _family_rules(family: Family, sinks: Sequence[Sink]) -> list[dict[str, object]]:
    if family.file == "subprocess":
        return _subprocess_rules(sinks)
    calls = [p for s in sinks for p in _call_patterns(s)]
    shell = any(s.shell == "always" for s in sinks)
    category = _CLASS.get(family.file, "dynamic-shell" if shell else "dynamic-program")
    if family.file == "dynamic-import":
        # a constant name (or path: its payload may be the second argument) is no finding,
        # nor None (ctypes.CDLL(None): the program itself)
        constant = [
            _with_args(p, "$X, " * s.payload + f"{value}, ...")
            for s in sinks
            for p in _call_patterns(s)
            for value in ('"..."', "None")
        ]
        body: dict[str, object] = {
            "patterns": [_either(calls), *({"pattern-not": p} for p in constant)]
        }
    else:
        clauses: list[dict[str, object]] = [{"pattern": p} for p in calls]
        clauses += [c for s in sinks for c in _instance_clauses(s)]
        body = {"pattern-either": clauses}
    advice = {
        "sandbox": "nothing to do",
        "deserialisation": "check that the data cannot come from outside the program",
        "dynamic-import": "check where the module name comes from",
    }.get(family.file, "isolate it in a sandbox when its payload is built at run time")
    return [
        _rule(
            family.file,
            f"{family.description}: {advice}",
            _SEVERITY.get(family.file, "WARNING"),
            body,
            _metadata(sinks, category),
        )
    ]


def shell_wrapper_rule(sinks: Sequence[Sink]) -> dict[str, object]:
    """``shell=`` passed to a callee outside the catalogue: a possible wrapper (AUD202)."""
    arg_sinks = [s for s in sinks if s.shell == "argument"]
    nots: list[dict[str, object]] = [
        {"pattern-not": _with_args("$F(...)", f"..., shell={v}, ...")} for v in _SHELL_FALSE
    ]
    nots.extend({"pattern-not": p} for s in arg_sinks for p in _call_patterns(s))
    return _rule(
        "shell-wrapper",
        "$F() is passed shell=$SHELL but is not a known sink: a possible wrapper around a "
        "shell; review it",
        "WARNING",
        {"patterns": [{"pattern": "$F(..., shell=$SHELL, ...)"}, *nots]},
        {
            "category": "security",
            "cwe": [_cwe(arg_sinks)],
            "auditor-class": "shell-wrapper",
            "auditor-kind": "command",
            "auditor-sinks": [],
            "bandit": ["B604"],
            "source": "generated from auditor's rules/sinks.toml by auditor.engines.semgrep_rules",
        },
    )


def _yaml(value: object, indent: int = 0) -> list[str]:
    """A small YAML emitter for dicts, lists, strings, numbers (strings JSON-quoted)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            sub = _yaml(item, indent + 1)
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return lines


def _scalar(value: object) -> str:
    if isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    if isinstance(value, str):
        plain = value.replace("-", "").replace(".", "").replace("_", "")
        if plain.isalnum() and plain.isascii() and not plain.isdigit():
            return value
    return json.dumps(value, ensure_ascii=False)


HEADER = (
    "# Generated from rules/sinks.toml by `python -m auditor.engines.semgrep_rules rules/semgrep`:"
    "\n# do not edit by hand. Tests: `semgrep --test rules/semgrep` (auditor.py, beside it).\n"
)


PACK = "auditor.yaml"


def generate(sinks: Sequence[Sink] | None = None) -> dict[str, str]:
    """``{file name: YAML text}`` for the whole pack: one file, one rule per sink family
    (three for subprocess: dynamic shell, constant shell, argv; plus the shell= wrapper rule).
    One file keeps ``semgrep --test`` to one scan (per-file packs took four times as long)."""
    sinks = builtin_sinks() if sinks is None else tuple(sinks)
    grouped: dict[str, list[Sink]] = {}
    for sink in sinks:
        family = family_of(sink)
        if family is None:
            raise ValueError(f"sink {sink.name} belongs to no semgrep family: add it to FAMILIES")
        grouped.setdefault(family.file, []).append(sink)
    rules: list[dict[str, object]] = []
    for family in FAMILIES:
        members = grouped.get(family.file, [])
        if members:
            rules.extend(_family_rules(family, members))
        if family.file == "subprocess":
            rules.append(shell_wrapper_rule(sinks))
    return {PACK: HEADER + "\n".join(_yaml({"rules": rules})) + "\n"}


def rule_ids(pack: dict[str, str] | None = None) -> list[str]:
    """Every rule id of the pack."""
    pack = generate() if pack is None else pack
    return sorted(
        line.split('"', 2)[1] if '"' in line else line.split(":", 1)[1].strip()
        for text in pack.values()
        for line in text.splitlines()
        if line.lstrip("- ").startswith("id:")
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else "rules/semgrep")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (folder / name).write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
