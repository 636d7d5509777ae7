"""Which codemod fixes a finding, and the before/after code of each fix.

Until the codemods land, the audit document names the codemod that will fix each site; once
they do, a mapping ``fingerprint -> (before, after)`` passed to the renderer fills in the
code (see :class:`Fix`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.findings import Finding

SHELL_TO_ARGV = "shell-to-argv"
ROUTE_TO_SANDBOX = "route-to-sandbox"
EVAL_EXEC_TO_SANDBOX = "eval-exec-to-sandbox"
CODEMODS = (SHELL_TO_ARGV, ROUTE_TO_SANDBOX, EVAL_EXEC_TO_SANDBOX)

# Anything a POSIX shell would interpret: pipes, lists, redirections, substitutions, globs,
# quotes, escapes, comments, variables, home expansion, or a leading NAME=value assignment.
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\\"'*?\[\]{}~#\n]|^\s*\w+=")


@dataclass(frozen=True, slots=True)
class Fix:
    """Before/after code for one finding, as a codemod rewrites it. ``after`` is None for a
    site the codemods leave to a person (``codemod`` is then None too); ``codemod`` None with
    an ``after`` means "the codemod the finding's class suggests"."""

    before: str
    after: str | None
    codemod: str | None = None


def fixes_from_plans(plans: Iterable[Any]) -> dict[str, Fix]:
    """``{fingerprint: Fix}`` from ``auditor.migrate.plan()``: the real outcome of the
    codemods, rewrites and sites left for review alike."""
    out: dict[str, Fix] = {}
    for file_plan in plans:
        for review in file_plan.reviews:
            out[review.fingerprint] = Fix(before="", after=None, codemod=None)
        for site in file_plan.sites:
            out[site.fingerprint] = Fix(
                "\n".join(site.before_lines), "\n".join(site.after_lines), site.codemod
            )
    return out


def constant_command(snippet: str) -> str | None:
    """The constant command string of a call snippet, when it can be read back."""
    try:
        tree = ast.parse(snippet, mode="eval")
    except SyntaxError:
        return None  # a snippet cut at its maximum length
    call = tree.body
    if not isinstance(call, ast.Call):
        return None
    arg: ast.expr | None = call.args[0] if call.args else None
    if arg is None:
        arg = next((k.value for k in call.keywords if k.arg in ("args", "cmd", "command")), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def needs_shell(command: str) -> bool:
    """Whether a command string uses shell syntax (so an argv list cannot replace it)."""
    return bool(_SHELL_SYNTAX.search(command))


def codemod_for(finding: Finding) -> str | None:
    """The codemod that fixes ``finding``, or ``None`` when it needs a manual review."""
    category = finding.category
    if category == "constant-shell":
        command = constant_command(finding.snippet)
        if command is not None and command.strip() and not needs_shell(command):
            return SHELL_TO_ARGV
        return ROUTE_TO_SANDBOX
    if category in ("dynamic-shell", "dynamic-program"):
        return ROUTE_TO_SANDBOX
    if category == "dynamic-code" and finding.sink in ("builtins.eval", "builtins.exec"):
        return EVAL_EXEC_TO_SANDBOX
    return None
