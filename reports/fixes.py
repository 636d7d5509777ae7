"""Which codemod fixes a finding, and the before/after code of each fix.

``auditor report`` runs the codemods (``auditor.migrate.plan``) and passes their real
outcome per site (:func:`fixes_from_plans`): the rewrite with what the sandbox takes away
from it, or the reasons the site is left to a person. Without it (a document built from a
scan result alone), :func:`codemod_for` guesses from the finding by the codemods' own rules
(which sinks each rewrites, which commands need a shell)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.findings import Finding
from auditor.sandbox_needs import SandboxEffect, effect_of
from auditor.shell_syntax import needs_shell

SHELL_TO_ARGV = "shell-to-argv"
ROUTE_TO_SANDBOX = "route-to-sandbox"
EVAL_EXEC_TO_SANDBOX = "eval-exec-to-sandbox"
CODEMODS = (SHELL_TO_ARGV, ROUTE_TO_SANDBOX, EVAL_EXEC_TO_SANDBOX)

CONVERT = "convert"  # a constant command that needs no shell: convert it to argv by hand
REVIEW = "review"  # anything else left to a person


@dataclass(frozen=True, slots=True)
class Fix:
    """Before/after code for one finding, as a codemod rewrites it. ``after`` is None for a
    site the codemods leave to a person (``codemod`` is then None too, ``manual`` says
    whether to convert it to an argv list or review it, and ``reasons`` why, as keys of
    ``[manual_reason]`` in the locale); ``codemod`` None with an ``after`` means "the
    codemod the finding's class suggests". ``effect``: what the sandbox takes away from the
    rewritten call."""

    before: str
    after: str | None
    codemod: str | None = None
    manual: str | None = None
    reasons: tuple[str, ...] = ()
    effect: SandboxEffect | None = None


def fixes_from_plans(plans: Iterable[Any]) -> dict[str, Fix]:
    """``{fingerprint: Fix}`` from ``auditor.migrate.plan()``: the real outcome of the
    codemods, rewrites and sites left for review alike."""
    out: dict[str, Fix] = {}
    for file_plan in plans:
        for review in file_plan.reviews:
            out[review.fingerprint] = Fix(
                before="\n".join(review.before_lines),
                after=None,
                codemod=None,
                manual=review.manual,
                reasons=tuple(review.keys),
            )
        for site in file_plan.sites:
            out[site.fingerprint] = Fix(
                "\n".join(site.before_lines),
                "\n".join(site.after_lines),
                site.codemod,
                effect=site.effect,
            )
    return out


def _call(snippet: str) -> ast.Call | None:
    try:
        tree = ast.parse(snippet, mode="eval")
    except SyntaxError:
        return None  # a snippet cut at its maximum length
    return tree.body if isinstance(tree.body, ast.Call) else None


def _payload(call: ast.Call, index: int) -> ast.expr | None:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if len(positional) > index:
        return positional[index]
    names = ("args", "cmd", "command")
    return next((k.value for k in call.keywords if k.arg in names), None)


def constant_command(snippet: str, index: int = 0) -> str | None:
    """The constant command string of a call snippet, when it is a literal there."""
    call = _call(snippet)
    if call is None:
        return None
    arg = _payload(call, index)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def _responsible(codemod: str, finding: Finding) -> bool:
    from auditor.planning import CODEMODS as CLASSES

    return CLASSES[codemod].responsible(finding)


_ASYNCIO = {"asyncio.create_subprocess_shell": 0, "asyncio.AbstractEventLoop.subprocess_shell": 1}


def _index(sink: str) -> int:
    """The position of the command among the call's arguments."""
    return _ASYNCIO.get(sink, 0)


def _argv_shape_ok(call: ast.Call, sink: str) -> bool:
    """Whether shell-to-argv can keep the meaning of this call's shape (from its snippet:
    a use of its value, such as an ``os.system`` status, cannot be seen there)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return False
    keywords = {k.arg for k in call.keywords}
    if sink.startswith("subprocess."):
        return "executable" not in keywords and len(call.args) <= 1
    if sink in ("os.system", "os.popen"):
        return len(call.args) == 1 and not keywords
    if sink in _ASYNCIO:
        return len(call.args) == _index(sink) + 1 and not ({"executable", "shell"} & keywords)
    return False


def _blocked(finding: Finding) -> bool:
    """Whether the command of the snippet runs a program that needs what the sandbox
    cannot give back (``ps``, ``sudo``...): route-to-sandbox leaves such a call alone."""
    import libcst as cst  # only for a guess: a document from cached plans never parses

    from auditor.command_reader import CommandReader
    from auditor.scan.resolve import Resolver
    from auditor.scan.scopes import Scope

    try:
        call = cst.parse_expression(finding.snippet)
    except cst.ParserSyntaxError:
        return False
    if not isinstance(call, cst.Call) or not call.args or call.args[0].keyword is not None:
        return False
    payload = call.args[0].value
    shell = finding.shell is not False and not isinstance(payload, (cst.List, cst.Tuple))
    readings = CommandReader(Resolver()).readings(payload, Scope("module", None), shell)
    return bool(effect_of(readings, "standard").blocking)


def _guess(finding: Finding) -> str | None:
    category = finding.category
    if category == "constant-shell":
        call = _call(finding.snippet)
        if call is None:
            return None  # the snippet was cut: its command is not known here
        arg = _payload(call, _index(finding.sink))
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if needs_shell(arg.value):
                routed = _responsible(ROUTE_TO_SANDBOX, finding) and not _blocked(finding)
                return ROUTE_TO_SANDBOX if routed else None
        elif not isinstance(arg, ast.Name):
            return None  # an expression the codemods cannot read exactly
        # a literal without shell syntax, or (likely) a name bound once to one
        if _responsible(SHELL_TO_ARGV, finding) and _argv_shape_ok(call, finding.sink):
            return SHELL_TO_ARGV
        return None
    if category in ("dynamic-shell", "dynamic-program"):
        if not _responsible(ROUTE_TO_SANDBOX, finding):
            return None
        return None if _blocked(finding) else ROUTE_TO_SANDBOX
    if category == "dynamic-code":
        return EVAL_EXEC_TO_SANDBOX if _responsible(EVAL_EXEC_TO_SANDBOX, finding) else None
    return None


def codemod_for(finding: Finding, fix: Fix | None = None) -> str | None:
    """The codemod that fixes ``finding``, or ``None`` when it needs a person. With the
    codemods' real outcome (``fix`` from :func:`fixes_from_plans`) that is what they do;
    without, a guess from the finding by their rules."""
    if fix is not None and (fix.codemod is not None or fix.after is None):
        return fix.codemod
    return _guess(finding)


def manual_for(finding: Finding, fix: Fix | None = None) -> str:
    """For a site no codemod rewrites: ``"convert"`` when its command needs no shell, so an
    argv list would run it (by hand: no codemod can keep the call's meaning), else
    ``"review"``."""
    if fix is not None and fix.manual is not None:
        return fix.manual
    if finding.category == "constant-shell":
        command = constant_command(finding.snippet, _index(finding.sink))
        if command is not None and not needs_shell(command):
            return CONVERT
    return REVIEW


def command_needs_shell(finding: Finding, fix: Fix | None = None) -> bool | None:
    """Whether the constant command of ``finding`` needs a shell (shell syntax, a builtin),
    by the codemods' outcome when there is one (``fix``), else by its literal text; None
    when that is not known. Not the same question as "which codemod": a command that needs
    a shell may still be left to a person (``ps`` needs the host's processes)."""
    if finding.category != "constant-shell":
        return None
    if fix is not None:
        if fix.codemod == SHELL_TO_ARGV:
            return False
        if fix.codemod == ROUTE_TO_SANDBOX or "needs-shell" in fix.reasons:
            return True
        if fix.manual == CONVERT:
            return False
    command = constant_command(finding.snippet, _index(finding.sink))
    return needs_shell(command) if command is not None else None
