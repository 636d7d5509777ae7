"""Codemod ``route-to-sandbox``: run dynamic commands in auditor's sandbox.

Each call that ``auditor scan`` classifies ``dynamic-shell`` or ``dynamic-program`` (and
each ``constant-shell`` one that needs a shell; one that does not is left for a person to
convert to an argv list, never sandboxed) becomes the sandbox drop-in with the very same
arguments:

=================================================  =====================================
``subprocess.run/call/check_call/check_output``    ``sandbox.run/call/check_call/...``
``subprocess.Popen/getoutput/getstatusoutput``     ``sandbox.Popen/getoutput/...``
``os.system``                                      ``sandbox.system`` (same wait status)
``os.popen``                                       ``sandbox.popen`` (same file object)
=================================================  =====================================

``from auditor import sandbox`` is added once (under another name when the module already
uses ``sandbox`` for something else), and an import the call used is removed only when
nothing else uses it (``from subprocess import run as r`` goes when ``r`` is unused).
Other sinks (``os.exec*``, ``os.spawn*``, ``asyncio``, ``pexpect``...) are not rewritten and
are reported for review.

The program of each command is looked up in ``rules/sandbox_needs.toml``
(:mod:`auditor.sandbox_needs`): a command known to need the network gets ``network=True``;
one known to need what the sandbox cannot give back (other processes, the host name, IPC,
privileges) is left for review; every rewritten site records what the sandbox takes away
that the command needs or may need (``Outcome.effect``).

Run it on its own with libcst's runner::

    python -m libcst.tool codemod --no-format \\
        -x auditor.codemods.route_to_sandbox.RouteToSandbox src/

(``--no-format``: libcst would run black over each file.) ``auditor migrate --codemod
route-to-sandbox`` does the same with the safety checks: compile, re-scan, atomic write.
"""

from __future__ import annotations

import libcst as cst

from auditor.codemod_support import (
    SiteCodemod,
    append_keyword,
    make_arg,
    stdout_of_receiver,
)
from auditor.command_reader import CommandReader
from auditor.findings import Finding
from auditor.plans import NEEDS_SHELL, TEXT_UNKNOWN, Decline
from auditor.sandbox.view import workdir_refusal
from auditor.sandbox_needs import SandboxEffect, effect_of, table
from auditor.scanner_view import exact_text

from .shell_to_argv import plan_conversion

NAME = "route-to-sandbox"

TARGETS = {
    "subprocess.run": "run",
    "subprocess.call": "call",
    "subprocess.check_call": "check_call",
    "subprocess.check_output": "check_output",
    "subprocess.Popen": "Popen",
    "subprocess.getoutput": "getoutput",
    "subprocess.getstatusoutput": "getstatusoutput",
    "os.system": "system",
    "os.popen": "popen",
}
# dynamic-code here: an argv that runs generated code through an interpreter
# ([sys.executable, "-c", code]), which the sandbox runs just as well
CATEGORIES = frozenset({"dynamic-shell", "dynamic-program", "constant-shell", "dynamic-code"})
# keywords of subprocess the sandbox refuses at run time (SandboxUnavailable) or replaces:
# another user or group, the umask of the caller's files, the program that runs the argv
_REFUSED_KEYWORDS = frozenset({"user", "group", "extra_groups", "umask", "executable"})


class RouteToSandbox(SiteCodemod):
    """Replace the callee of dynamic command sites with the sandbox drop-in."""

    NAME = NAME
    DESCRIPTION = "Route dynamic shell and process calls to auditor's sandbox drop-ins."

    @classmethod
    def responsible(cls, finding: Finding) -> bool:
        return finding.category in CATEGORIES and finding.sink in TARGETS

    def rewrite(
        self, original: cst.Call, updated: cst.Call, finding: Finding
    ) -> cst.BaseExpression:
        if finding.category == "constant-shell" and finding.shell is False:
            raise Decline(
                f"a constant command run through {', '.join(finding.via) or 'a shell'}: "
                "convert it to an argv list by hand if it needs no shell syntax",
                "convert-by-hand",
            )
        if finding.category == "constant-shell":
            try:
                plan_conversion(self, original, finding)
            except Decline as why:
                if why.key == TEXT_UNKNOWN:
                    raise Decline(
                        f"{why}: see whether it needs a shell, then convert it to an argv "
                        "list or route it to the sandbox by hand",
                        why.key,
                    ) from None
                if why.key != NEEDS_SHELL:  # an argv list would do: not the sandbox
                    raise Decline(
                        "the command needs no shell: convert it to an argv list by hand "
                        "(see shell-to-argv's reason)",
                        why.key,
                    ) from None
            else:
                raise Decline(
                    "a constant command without shell syntax: use shell-to-argv", "shell-to-argv"
                )
        effect = self._effect(original, finding)
        if effect.blocking:
            caps = table().capabilities
            lost = " and ".join(caps[n].label() for n in effect.blocking)
            raise Decline(
                f"{', '.join(effect.blocked_by)} needs {lost}, which the sandbox takes away "
                "and cannot give back",
                f"needs-{effect.blocking[0]}",
            )
        refused = [
            a.keyword.value
            for a in original.args
            if a.keyword is not None and a.keyword.value in _REFUSED_KEYWORDS
        ]
        if refused:
            raise Decline(
                f"{', '.join(k + '=' for k in refused)} cannot be honoured in the sandbox "
                "(the payload runs as its own user, with its own root and shell)",
                "refused-keywords",
            )
        self._check_workdir(original)
        target = TARGETS[finding.sink]
        if target == "run":
            positional = [a for a in original.args if a.keyword is None and not a.star]
            if len(positional) > 1 or any(a.star == "*" for a in original.args):
                raise Decline(
                    "sandbox.run() takes no positional argument after the command", "positional"
                )
        if target == "popen":
            replacement = self._popen(original, updated, finding, effect)
            self.set_effect(finding, effect)
            return replacement
        if target == "Popen":
            self._check_kept(original, "Popen", ("wait", "communicate"))
        self.drop_unused_import_of(original.func)
        args = _with_keywords(list(updated.args), effect)
        self.set_effect(finding, effect)
        return updated.with_changes(func=self.sandbox_attr(target), args=args)

    def _check_workdir(self, call: cst.Call) -> None:
        """A constant ``cwd=`` the sandbox refuses (/tmp, a home, a folder holding one: the
        run raises SandboxUnavailable): decline rather than turn a working call into one
        that always fails."""
        given = next(
            (a.value for a in call.args if a.keyword is not None and a.keyword.value == "cwd"),
            None,
        )
        scope = self.scope_in_scanner(call)
        if given is None or scope is None:
            return
        path = exact_text(given, scope)
        if path is None or not path.startswith("/"):
            return
        why = workdir_refusal(path)
        if why is not None:
            raise Decline(
                f"cwd={path!r}: the sandbox refuses it as a working directory ({why}), so the "
                "call would raise SandboxUnavailable; give it cwd= a folder of its own",
                "cwd-refused",
            )

    def _effect(self, call: cst.Call, finding: Finding) -> SandboxEffect:
        """What the sandbox will take away from this call's command, and give back."""
        profile = self.settings().profile
        scope = self.scope_in_scanner(call)
        payload = self.payload_of(call, finding)
        if scope is None or payload is None:
            return effect_of([], profile)
        shell = finding.shell is not False and not isinstance(payload, (cst.List, cst.Tuple))
        reader = CommandReader(self.scanner_view().resolver)
        passes_env = any(a.keyword is not None and a.keyword.value == "env" for a in call.args)
        return effect_of(reader.readings(payload, scope, shell), profile, passes_env)

    def _check_kept(self, call: cst.Call, name: str, waits: tuple[str, ...]) -> None:
        """The sandbox stops a run whose process object is garbage collected (subprocess
        lets it go on): decline where the object is dropped while the process may run.
        Calling one of ``waits`` on it at once (``Popen(...).wait()``) is fine: the
        process is over when the object goes."""
        parent = self.parent(call)
        if self.is_statement(call):
            raise Decline(
                f"the {name} object is dropped at once; the sandbox would stop the process",
                "dropped",
            )
        if isinstance(parent, cst.Attribute) and parent.value is call:
            outer = self.parent(parent)
            called = isinstance(outer, cst.Call) and outer.func is parent
            if not (called and parent.attr.value in waits):
                raise Decline(
                    f"only .{parent.attr.value} of the {name} object is used; the sandbox "
                    "would stop the process when the object is dropped",
                    "dropped",
                )
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
            raise Decline(
                f"the {name} object is only iterated; the sandbox would stop it", "dropped"
            )
        if isinstance(parent, cst.Return):
            raise Decline(
                f"the {name} object is returned; a caller that drops it would have the "
                "sandbox stop the process",
                "dropped",
            )
        if (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            self._check_name_kept(call, parent.targets[0].target.value, name, waits)

    def _check_name_kept(
        self, call: cst.Call, variable: str, name: str, waits: tuple[str, ...]
    ) -> None:
        """``proc = Popen(...)``: decline when ``proc`` is only read for attributes other
        than ``waits`` (``proc.pid``): the object goes with the function while the process
        may run. Any other use (waited, returned, passed, stored) keeps it as before."""
        scope = self.scope_of(call)
        if scope is None:
            return
        parents = self.parents_within(call)
        used: list[str] = []
        for access in scope.accesses[variable]:
            node = access.node
            holder = parents.get(id(node))
            if not (isinstance(holder, cst.Attribute) and holder.value is node):
                return  # passed, returned, stored, compared...: kept
            outer = parents.get(id(holder))
            if isinstance(outer, cst.Call) and outer.func is holder and holder.attr.value in waits:
                return
            used.append(holder.attr.value)
        what = ", ".join(f".{u}" for u in sorted(set(used))) or "nothing"
        raise Decline(
            f"only {what} of the {name} object is used; the sandbox would stop the process "
            "when the object is dropped",
            "dropped",
        )

    def _popen(
        self, original: cst.Call, updated: cst.Call, finding: Finding, effect: SandboxEffect
    ) -> cst.Call:
        read = self.read_of(original)
        if read is None:
            self._check_kept(original, "os.popen()", ("close",))
            self.drop_unused_import_of(original.func)
            args = _with_keywords(list(updated.args), effect)
            return updated.with_changes(func=self.sandbox_attr("popen"), args=args)
        # os.popen(cmd).read(): the same text from sandbox.run(cmd, shell=True, ...).stdout
        if len(original.args) != 1 or original.args[0].keyword or original.args[0].star:
            raise Decline("os.popen() is given a mode or buffering", "extra-args")
        self.drop_unused_import_of(original.func)
        self.replace_enclosing(read, finding, stdout_of_receiver)
        sandbox_name = self.sandbox_alias()
        args = [
            make_arg(updated.args[0].value),
            make_arg(cst.Name("True"), "shell"),
            make_arg(cst.Attribute(cst.Name(sandbox_name), cst.Name("PIPE")), "stdout"),
            make_arg(cst.Name("True"), "text", last=True),
        ]
        return updated.with_changes(
            func=self.sandbox_attr("run"), args=_with_keywords(args, effect)
        )


def _with_keywords(args: list[cst.Arg], effect: SandboxEffect) -> list[cst.Arg]:
    """``args`` and the keyword arguments that give back what the command needs
    (``network=True``)."""
    for given in effect.keywords:
        name, _, value = given.partition("=")
        args = append_keyword(args, name, cst.parse_expression(value))
    return args
