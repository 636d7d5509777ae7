"""Codemod ``shell-to-argv``: a constant shell command without shell syntax becomes an argv
list, and ``shell=True`` goes away.

What it rewrites (the sites ``auditor scan`` classifies ``constant-shell``):

* ``subprocess.run/call/check_call/check_output/Popen("ls -l /tmp", shell=True, ...)``
  becomes ``subprocess.run(["ls", "-l", "/tmp"], ...)``: the command is split with
  ``shlex.split`` at rewrite time and the ``shell=`` argument is removed;
* ``os.system("make all")`` used as a statement (its wait status unused) becomes
  ``subprocess.call(["make", "all"])``;
* ``os.popen("uname -r").read()`` becomes
  ``subprocess.run(["uname", "-r"], stdout=subprocess.PIPE, text=True).stdout`` (same text,
  and like ``os.popen`` no error on a non-zero status);
* ``asyncio.create_subprocess_shell("cat /proc/loadavg", stdout=PIPE)`` becomes
  ``asyncio.create_subprocess_exec("cat", "/proc/loadavg", stdout=PIPE)`` (and
  ``loop.subprocess_shell(factory, cmd)`` becomes ``loop.subprocess_exec(factory, *argv)``)
  when the command is its only positional argument and neither ``executable=`` nor
  ``shell=`` is passed.

The command is a string literal at the call site, or a name bound once to one (read through
the scanner's own scopes: what ``auditor scan`` calls constant), with nothing a shell would
interpret: no pipes, redirections, ``;``/``&``, globs, variables, quotes, backslashes,
comments, ``~``, braces, newlines, no ``NAME=value`` prefix, and not a shell builtin or
reserved word (``cd``, ``export``, ``if``...). Every site it leaves alone carries a reason
and a key (see ``Decline``): ``needs-shell`` when only a shell can run the command
(``route-to-sandbox`` takes it); any other key means an argv list would do but no rewrite
keeps the call's meaning (an ``os.system`` status that is used, an ``os.popen`` file object
kept, ``executable=``, an ``env=`` that may lack PATH, ``*args``/``**kwargs``, extra
arguments...), so the site is left to a person to convert. One difference remains by
nature: a program missing at run time raises ``FileNotFoundError`` where the shell
returned status 127.

Run it on its own with libcst's runner::

    python -m libcst.tool codemod --no-format \\
        -x auditor.codemods.shell_to_argv.ShellToArgv src/

(``--no-format``: libcst would run black over each file.) ``auditor migrate --codemod
shell-to-argv`` does the same with the safety checks: compile, re-scan, atomic write.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from auditor.codemod_support import (
    SiteCodemod,
    make_arg,
    remove_arg,
    stdout_of_receiver,
)
from auditor.findings import Finding
from auditor.plans import TEXT_UNKNOWN, Decline
from auditor.scan.resolve import literal_string
from auditor.scanner_view import exact_text
from auditor.shell_syntax import shell_free_argv

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
# asyncio's shell sinks -> (the exec function that replaces it, index of the command)
_ASYNCIO = {
    "asyncio.create_subprocess_shell": ("create_subprocess_exec", 0),
    "asyncio.AbstractEventLoop.subprocess_shell": ("subprocess_exec", 1),
}
SINKS = _SUBPROCESS | {"os.system", "os.popen"} | set(_ASYNCIO)


@dataclass(frozen=True, slots=True)
class Conversion:
    """How one site becomes an argv call: ``kind`` is "subprocess", "system", "popen" or
    "asyncio"; ``target`` is the node replaced (the call, or ``os.popen(...).read()``);
    ``payload`` the command argument."""

    kind: str
    argv: list[str]
    quote: str
    target: cst.Call
    payload: cst.BaseExpression


def _quote_of(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        return '"' if node.quote.endswith('"') else "'"
    if isinstance(node, cst.ConcatenatedString):
        return _quote_of(node.left)
    return '"'


def _string(word: str, quote: str) -> cst.SimpleString:
    """A string literal of ``word`` (printable, so only quotes and backslashes need care)."""
    other = "'" if quote == '"' else '"'
    if quote in word and other not in word:
        quote = other
    text = word.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{text}{quote}")


def _argv_list(argv: list[str], quote: str) -> cst.List:
    return cst.List([cst.Element(_string(word, quote)) for word in argv])


def command_text(codemod: SiteCodemod, call: cst.Call, payload: cst.BaseExpression | None) -> str:
    """The exact text of a constant command: a string literal, or a name bound once to one
    (read with the scanner's scopes, as ``auditor scan`` found it constant)."""
    if payload is None:
        raise Decline("the command is not a plain argument", TEXT_UNKNOWN)
    if isinstance(payload, cst.SimpleString) and "b" in payload.prefix.lower():
        raise Decline("the command is bytes", "bytes")
    text = literal_string(payload)
    if text is None:
        scope = codemod.scope_in_scanner(call)
        text = exact_text(payload, scope) if scope is not None else None
    if text is None:
        raise Decline(
            "the command's text is not known exactly here (only string literals and names "
            "bound once to one are read)",
            TEXT_UNKNOWN,
        )
    return text


def _check_plain_args(call: cst.Call) -> None:
    if any(arg.star for arg in call.args):
        raise Decline("the call passes *args or **kwargs", "star-args")


def plan_conversion(codemod: SiteCodemod, call: cst.Call, finding: Finding) -> Conversion:
    """Whether (and how) shell-to-argv converts this site; raises :class:`Decline` with the
    reason when it does not (key ``needs-shell`` when the command needs a shell; any other
    key means an argv list would do but this call cannot be rewritten faithfully). No side
    effects: ``route-to-sandbox`` asks it too."""
    payload = codemod.payload_of(call, finding)
    text = command_text(codemod, call, payload)
    argv = shell_free_argv(text)
    assert payload is not None
    if finding.sink not in SINKS:
        raise Decline(f"{finding.sink}() has no argv form", "no-argv-form")
    if finding.shell is not True:
        raise Decline("shell= is not a known constant", "shell-unknown")
    _check_plain_args(call)
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    quote = _quote_of(payload)
    if "env" in keywords and not _holds_path(keywords["env"].value):
        # sh falls back to its own PATH (with the sbin folders) where the environment has
        # none; Python's exec falls back to os.defpath (/bin:/usr/bin): `ip addr` with
        # env={} runs through the shell and raises FileNotFoundError as an argv
        raise Decline(
            "env= may lack PATH: the shell would look the program up in its own default "
            "PATH (with the sbin folders), an argv in os.defpath (/bin:/usr/bin)",
            "env-path",
        )
    if finding.sink in _SUBPROCESS:
        if "executable" in keywords:
            raise Decline("executable= replaces the shell; the command needs it", "executable")
        if len(positional) > 1:
            raise Decline("the call passes positional arguments after the command", "positional")
        return Conversion("subprocess", argv, quote, call, payload)
    if finding.sink in _ASYNCIO:
        index = _ASYNCIO[finding.sink][1]
        if len(positional) != index + 1 or positional[index].value is not payload:
            raise Decline(
                f"{finding.sink.rsplit('.', 1)[-1]}() is given its command by keyword or "
                "more positional arguments",
                "positional",
            )
        if "executable" in keywords or "shell" in keywords:
            raise Decline("executable= or shell= is passed; the command needs it", "executable")
        if isinstance(call.func, cst.Name):
            codemod.check_module_name("asyncio", call)
        return Conversion("asyncio", argv, quote, call, payload)
    if len(positional) != 1 or keywords:
        raise Decline(f"{finding.sink}() is called with more than the command", "extra-args")
    codemod.check_module_name("subprocess", call)
    if finding.sink == "os.system":
        if not codemod.is_statement(call):
            raise Decline(
                "os.system()'s wait status is used; subprocess.call() would return an exit code",
                "wait-status",
            )
        return Conversion("system", argv, quote, call, payload)
    # os.popen: only the os.popen(cmd).read() pattern has a plain-value equivalent
    outer = codemod.read_of(call)
    if outer is not None:
        return Conversion("popen", argv, quote, outer, payload)
    raise Decline(
        "os.popen()'s file object is used beyond .read() (its close() returns the status)",
        "popen-object",
    )


def _holds_path(env: cst.BaseExpression) -> bool:
    """Whether an ``env=`` mapping is known to hold PATH: ``None`` (the process's own
    environment), ``os.environ`` or a copy of it (``os.environ.copy()``, ``dict(os.environ,
    ...)``, ``{**os.environ, ...}``), or a dict written out with a "PATH" key."""
    if isinstance(env, cst.Name) and env.value == "None":
        return True
    if _is_environ(env):
        return True
    if isinstance(env, cst.Call):
        func = env.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not env.args:
            return _is_environ(func.value)
        if isinstance(func, cst.Name) and func.value == "dict" and env.args:
            first = env.args[0]
            return first.keyword is None and not first.star and _is_environ(first.value)
        return False
    if isinstance(env, cst.Dict):
        for element in env.elements:
            if isinstance(element, cst.StarredDictElement) and _is_environ(element.value):
                return True
            if isinstance(element, cst.DictElement) and literal_string(element.key) == "PATH":
                return True
    return False


def _is_environ(node: cst.BaseExpression) -> bool:
    """``os.environ`` (or ``environ`` imported from os) as written."""
    if isinstance(node, cst.Attribute):
        return (
            node.attr.value == "environ"
            and isinstance(node.value, cst.Name)
            and node.value.value == "os"
        )
    return isinstance(node, cst.Name) and node.value == "environ"


class ShellToArgv(SiteCodemod):
    """Rewrite constant shell commands without shell syntax into argv lists."""

    NAME = NAME
    DESCRIPTION = __doc__.splitlines()[0] if __doc__ else NAME

    @classmethod
    def responsible(cls, finding: Finding) -> bool:
        # (not an argv list run through a shell launcher: ["bash", "-c", "ls | wc"])
        return (
            finding.category == "constant-shell"
            and finding.sink in SINKS
            and not (finding.shell is False and finding.via)
        )

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
        if conversion.kind == "asyncio":
            return self._asyncio(original, updated, finding, conversion)
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

    def _asyncio(
        self, original: cst.Call, updated: cst.Call, finding: Finding, conversion: Conversion
    ) -> cst.Call:
        """``create_subprocess_shell(cmd, ...)`` -> ``create_subprocess_exec(*argv, ...)``
        (and ``loop.subprocess_shell`` -> ``loop.subprocess_exec``): the same keywords."""
        new_name = _ASYNCIO[finding.sink][0]
        func = updated.func
        if isinstance(func, cst.Attribute):
            func = func.with_changes(attr=cst.Name(new_name))
        else:
            func = cst.Attribute(self.use_module("asyncio", original), cst.Name(new_name))
            self.drop_unused_import_of(original.func)
        index = _ASYNCIO[finding.sink][1]
        args = list(updated.args)
        old = args[index]
        words = [
            cst.Arg(
                _string(word, conversion.quote),
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            )
            for word in conversion.argv
        ]
        words[-1] = words[-1].with_changes(
            comma=old.comma, whitespace_after_arg=old.whitespace_after_arg
        )
        return updated.with_changes(func=func, args=[*args[:index], *words, *args[index + 1 :]])
