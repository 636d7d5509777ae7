"""Codemod ``shell-to-argv``: a constant shell command without shell syntax becomes an argv
list, and ``shell=True`` goes away.

What it rewrites (the sites ``auditor scan`` classifies ``constant-shell``):

* ``subprocess.run/call/check_call/check_output/Popen("ls -l /tmp", shell=True, ...)``
  becomes ``subprocess.run(["ls", "-l", "/tmp"], ...)``: the command is split with
  ``shlex.split`` at rewrite time and the ``shell=`` argument is removed;
* ``os.system("make all")`` used as a statement (its wait status unused) becomes
  ``subprocess.call(["make", "all"])``; where the wait status is used the call is left to
  ``route-to-sandbox`` (``sandbox.system`` keeps the wait status; ``subprocess.call``
  returns an exit code, 768 != 3);
* ``os.popen("uname -r").read()`` becomes
  ``subprocess.run(["uname", "-r"], stdout=subprocess.PIPE, text=True).stdout`` (same text,
  and like ``os.popen`` no error on a non-zero status); other uses of ``os.popen`` keep
  their file object and are left to ``route-to-sandbox``.

The command must be a string literal at the call site with nothing a shell would
interpret: no pipes, redirections, ``;``/``&``, globs, variables, quotes, backslashes,
comments, ``~``, braces, newlines, no ``NAME=value`` prefix, and not a shell builtin or
reserved word (``cd``, ``export``, ``if``...). Calls with ``*args``/``**kwargs``,
``executable=``, or extra positional arguments are left alone. One difference remains by
nature: a program missing at run time raises ``FileNotFoundError`` where the shell returned
status 127.

Run it on its own with libcst's runner::

    python -m libcst.tool codemod --no-format \\
        -x auditor.codemods.shell_to_argv.ShellToArgv src/

(``--no-format``: libcst would run black over each file.) ``auditor migrate --codemod
shell-to-argv`` does the same with the safety checks: compile, re-scan, atomic write.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import libcst as cst

from auditor.codemod_support import (
    Decline,
    SiteCodemod,
    make_arg,
    remove_arg,
    stdout_of_receiver,
)
from auditor.findings import Finding
from auditor.scan.resolve import literal_string

NAME = "shell-to-argv"

_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    }
)
SINKS = _SUBPROCESS | {"os.system", "os.popen"}

# Characters a POSIX shell gives a meaning to (besides separating words).
# (``%`` is only special inside ``${...}``, which needs ``$``: ``date +%Y`` is fine.)
_SHELL_CHARS = frozenset("|&;<>()$`\\\"'*?[]{}~#!\n\r\t\v\f^")
# Words that are shell builtins or reserved words, or behave differently as a builtin.
_SHELL_WORDS = frozenset(
    [
        "!",
        ".",
        ":",
        "[[",
        "alias",
        "bg",
        "break",
        "builtin",
        "case",
        "cd",
        "command",
        "continue",
        "declare",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "history",
        "if",
        "in",
        "jobs",
        "let",
        "local",
        "logout",
        "printf",
        "pwd",
        "read",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "source",
        "suspend",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
        "[",
    ]
)


def shell_free_argv(command: str) -> list[str]:
    """The argv of a shell command that has no shell syntax, or :class:`Decline`."""
    bad = sorted({ch for ch in command if ch in _SHELL_CHARS})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise Decline(f"the command uses shell syntax ({shown}); it needs a shell")
    argv = shlex.split(command)
    if not argv:
        raise Decline("the command is empty")
    if argv != command.split(" ") and argv != command.split():
        raise Decline("shlex cannot split the command exactly")
    if argv[0] in _SHELL_WORDS:
        raise Decline(f"{argv[0]!r} is a shell builtin or reserved word; it needs a shell")
    if not all(word.isprintable() for word in argv):
        raise Decline("the command holds non-printable characters")
    if "=" in argv[0]:
        raise Decline("the command starts with a variable assignment; it needs a shell")
    return argv


@dataclass(frozen=True, slots=True)
class Conversion:
    """How one site becomes an argv call: ``kind`` is "subprocess", "system" or "popen";
    ``target`` is the node replaced (the call, or ``os.popen(...).read()``)."""

    kind: str
    argv: list[str]
    quote: str
    target: cst.Call


def _quote_of(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        return '"' if node.quote.endswith('"') else "'"
    if isinstance(node, cst.ConcatenatedString):
        return _quote_of(node.left)
    return '"'


def _argv_list(argv: list[str], quote: str) -> cst.List:
    elements = [cst.Element(cst.SimpleString(f"{quote}{word}{quote}")) for word in argv]
    return cst.List(elements)


def _literal_command(node: cst.BaseExpression | None) -> str:
    if node is None:
        raise Decline("the command is not a plain argument")
    if isinstance(node, cst.SimpleString) and "b" in node.prefix.lower():
        raise Decline("the command is bytes")
    text = literal_string(node)
    if text is None:
        raise Decline("the command is not a string literal at the call site")
    return text


def _check_plain_args(call: cst.Call) -> None:
    if any(arg.star for arg in call.args):
        raise Decline("the call passes *args or **kwargs")


def plan_conversion(codemod: SiteCodemod, call: cst.Call, finding: Finding) -> Conversion:
    """Whether (and how) shell-to-argv converts this site; raises :class:`Decline` with the
    reason when it does not. No side effects: ``route-to-sandbox`` asks it too."""
    if finding.sink not in SINKS:
        raise Decline(f"{finding.sink} is not converted to an argv list")
    if finding.shell is not True:
        raise Decline("shell= is not a known constant")
    _check_plain_args(call)
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    if finding.sink in _SUBPROCESS:
        if "executable" in keywords:
            raise Decline("executable= replaces the shell; the command needs it")
        if len(positional) > 1:
            raise Decline("the call passes positional arguments after the command")
        payload = positional[0].value if positional else None
        if payload is None and "args" in keywords:
            payload = keywords["args"].value
        text = _literal_command(payload)
        assert payload is not None
        return Conversion("subprocess", shell_free_argv(text), _quote_of(payload), call)
    if len(positional) != 1 or keywords:
        raise Decline(f"{finding.sink}() is called with more than the command")
    payload = positional[0].value
    text = _literal_command(payload)
    argv = shell_free_argv(text)
    codemod.check_module_name("subprocess", call)
    if finding.sink == "os.system":
        if not codemod.is_statement(call):
            raise Decline(
                "os.system()'s wait status is used; subprocess.call() would return an exit code"
            )
        return Conversion("system", argv, _quote_of(payload), call)
    # os.popen: only the os.popen(cmd).read() pattern has a plain-value equivalent
    outer = codemod.read_of(call)
    if outer is not None:
        return Conversion("popen", argv, _quote_of(payload), outer)
    raise Decline("os.popen()'s file object is used beyond .read(); it keeps a pipe")


class ShellToArgv(SiteCodemod):
    """Rewrite constant shell commands without shell syntax into argv lists."""

    NAME = NAME
    DESCRIPTION = __doc__.splitlines()[0] if __doc__ else NAME

    @classmethod
    def responsible(cls, finding: Finding) -> bool:
        return finding.category == "constant-shell" and finding.sink in SINKS

    def rewrite(
        self, original: cst.Call, updated: cst.Call, finding: Finding
    ) -> cst.BaseExpression:
        conversion = plan_conversion(self, original, finding)
        argv = _argv_list(conversion.argv, conversion.quote)
        if conversion.kind == "subprocess":
            args = list(updated.args)
            for i, arg in enumerate(args):
                if arg.keyword is None or arg.keyword.value == "args":
                    args[i] = arg.with_changes(value=argv)
                    break
            index = next(
                i
                for i, a in enumerate(args)
                if a.keyword is not None and a.keyword.value == "shell"
            )
            return updated.with_changes(args=remove_arg(args, index))
        subprocess_name = self.use_module("subprocess", original)
        self.drop_unused_import_of(original.func)
        arg = updated.args[0].with_changes(value=argv)
        if conversion.kind == "system":
            func = cst.Attribute(subprocess_name, cst.Name("call"))
            return updated.with_changes(func=func, args=[arg])
        # popen: ``.read()`` of the new run() call becomes its ``.stdout``
        self.replace_enclosing(conversion.target, finding, stdout_of_receiver)
        pipe = cst.Attribute(cst.Name("subprocess"), cst.Name("PIPE"))
        return updated.with_changes(
            func=cst.Attribute(subprocess_name, cst.Name("run")),
            args=[
                make_arg(arg.value),
                make_arg(pipe, "stdout"),
                make_arg(cst.Name("True"), "text", last=True),
            ],
        )
