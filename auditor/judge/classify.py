"""Turn what the analysis knows of a call site into a policy class, rule, risk and action."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.globs import path_matches
from auditor.judge.catalogue import Sink
from auditor.judge.policy import Policy
from auditor.judge.shellwords import argv_matches, shell_command_matches

_MESSAGES = {
    "dynamic-shell": "runs a shell command assembled at run time; isolate it in the sandbox",
    "dynamic-program": "runs a program chosen at run time; isolate it in the sandbox",
    "dynamic-code": "runs Python code generated at run time; isolate it in the sandbox",
    "dynamic-import": "imports a module chosen at run time; review where the name comes from",
    "constant-shell": "runs a constant command through a shell; convert it to an argv list "
    "(or isolate it where it needs shell syntax)",
    "shell-wrapper": "passes shell= to a callee outside the catalogue (a possible wrapper); "
    "review it, or declare it as a sink in the policy",
    "fixed-program": "runs a fixed program with arguments built at run time (no shell)",
    "constant-command": "runs a constant command without a shell",
    "constant-code": "runs constant Python code",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    category: str
    rule: str
    risk: str
    action: str
    isolated: bool
    trusted_by: str | None
    message: str


def category_of(sink: Sink | None, shell: bool | None, payload: str) -> str:
    if sink is None:
        return "shell-wrapper"
    if sink.form == "module":
        return "dynamic-import"
    if sink.kind == "code":
        return "dynamic-code" if payload == "dynamic" else "constant-code"
    if shell is not False:
        return "dynamic-shell" if payload == "dynamic" else "constant-shell"
    return {
        "dynamic": "dynamic-program",
        "fixed-program": "fixed-program",
        "constant": "constant-command",
    }[payload]


def classify(
    policy: Policy,
    sink: Sink | None,
    shell: bool | None,
    payload: str,
    rel_path: str,
    command: str | tuple[str, ...] | None,
    callee: str = "call",
) -> Verdict:
    """``command`` is the constant command of a constant site: the string a shell runs, or
    the argv list run without a shell. A trusted-command pattern matches only a simple
    command (no shell syntax: see auditor.judge.shellwords), word for word."""
    category = category_of(sink, shell, payload)
    rule = policy.rule_for(category)
    risk, action = rule.risk, rule.action
    trusted_by = None
    for pattern in policy.trusted_paths:
        if path_matches(rel_path, pattern):
            trusted_by = f"path:{pattern}"
            break
    if trusted_by is None and command is not None and payload == "constant":
        for pattern in policy.trusted_commands:
            if (
                shell_command_matches(pattern, command)
                if isinstance(command, str)
                else argv_matches(pattern, command)
            ):
                trusted_by = f"command:{pattern}"
                break
    isolated = bool(sink is not None and sink.isolated)
    name = sink.name.removeprefix("builtins.") if sink is not None else callee
    message = f"{name}() {_MESSAGES[category]}"
    if shell is None and sink is not None and category.endswith("shell"):
        message += " (shell= could not be determined; assumed true)"
    if isolated:
        risk, action = "low", "allow"
        message = f"{name}() runs its payload in the sandbox ({rule.summary.lower()})"
    elif trusted_by is not None:
        risk, action = "low", "allow"
        message = f"{name}(): {rule.summary.lower()}; allowed, trusted by the policy ({trusted_by})"
    return Verdict(category, rule.rule, risk, action, isolated, trusted_by, message)
