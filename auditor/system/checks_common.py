"""What the sudoers and systemd checks share: building a finding from a rule of
``rules/system.toml``, its fingerprint, and the policy's per-rule overrides."""

from __future__ import annotations

import dataclasses
import hashlib

from auditor.findings import Finding
from auditor.system.data import system_rules


def fingerprint(rule: str, path: str, text: str) -> str:
    return hashlib.sha256(f"{rule}|{path}|{text}".encode()).hexdigest()[:20]


def make_finding(
    rule: str,
    path: str,
    line: int,
    *,
    kind: str,
    sink: str,
    function: str,
    snippet: str,
    message: str,
    identity: str,
    end: tuple[int, int] | None = None,
) -> Finding:
    """``end``: the (line, column) where the rule ends, exclusive, when it spans lines."""
    info = system_rules()[rule]
    return Finding(
        rule=rule,
        path=path,
        line=line,
        column=1,
        end_line=end[0] if end and end[0] > line else line,
        end_column=end[1] if end and end[0] > line else len(snippet) + 1,
        sink=sink,
        kind=kind,
        shell=None,
        payload="constant",
        isolated=False,
        trusted_by=None,
        risk=info.risk,
        action=info.action,
        function=function,
        snippet=snippet,
        message=message,
        fingerprint=fingerprint(rule, path, identity),
        category=info.category,
        cwe=info.cwe,
    )


def unique_findings(findings: list[Finding]) -> list[Finding]:
    """Each fingerprint once, in order."""
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out


def apply_overrides(findings: list[Finding], rules: dict[str, dict[str, str]]) -> list[Finding]:
    """``[tool.auditor.system.rules.AUDnnn]`` risk/action overrides (findings the policy
    already allows keep their low/allow)."""
    out = []
    for f in findings:
        override = rules.get(f.rule)
        if override and f.trusted_by is None:
            f = dataclasses.replace(
                f, risk=override.get("risk", f.risk), action=override.get("action", f.action)
            )
        out.append(f)
    return out
