"""The Code Climate issue format: GitLab's code-quality report
(``artifacts:reports:codequality``), which the merge request shows inline, and other tools
that read Code Climate JSON.

A JSON array of issues, one per unsuppressed finding (suppressed findings are left out, as in
the ``github`` annotations; JSON and SARIF keep them), with the fields GitLab requires
(``description``, ``check_name``, ``fingerprint``, ``severity``, ``location.path`` and
``location.lines.begin``) and the spec's ``type``, ``categories``, ``content`` (markdown:
every other field of the JSON finding, labelled) and ``trace`` (the flow, from the source to
the call). Other engines' results that no finding covers are ``info`` issues; a file that
could not be analysed is a ``major`` issue of the check ``auditor/not-analysed``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.findings import Finding, ScanResult
from auditor.formats.fields import facts, solution, title
from auditor.judge.policy import Policy

SEVERITY = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor"}


def _lines(path: str, begin: int, end: int | None = None) -> dict[str, Any]:
    begin = max(begin, 1)
    return {"path": path, "lines": {"begin": begin, "end": max(end or begin, begin)}}


def _body(f: Finding, policy: Policy | None) -> str:
    rows = "\n".join(f"| {fact.label} | {_cell(fact.text)} |" for fact in facts(f))
    parts = [f"**{title(f, policy)}** ({f.rule}): {f.message}"]
    if f.flow:
        steps = "\n".join(
            f"{i}. `{s.path}:{s.line}` {s.note}" for i, s in enumerate(f.flow, start=1)
        )
        parts.append(f"**Flow, from the source to the call:**\n\n{steps}")
    parts.append(f"| Field | Value |\n| --- | --- |\n{rows}")
    fix = solution(f)
    if fix:
        parts.append(f"**How to fix:** {fix}")
    return "\n\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _issue(f: Finding, policy: Policy | None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "type": "issue",
        "check_name": f.rule,
        "description": f"{f.rule} {title(f, policy)}: {f.message}",
        "content": {"body": _body(f, policy)},
        "categories": ["Security"],
        "location": _lines(f.path, f.line, f.end_line),
        "severity": SEVERITY.get(f.risk, "major"),
        "fingerprint": f.fingerprint,
    }
    if f.flow:
        issue["trace"] = {
            "locations": [_lines(s.path, s.line) for s in f.flow],
            "stacktrace": False,
        }
    return issue


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def to_issues(result: ScanResult, policy: Policy | None = None) -> list[dict[str, Any]]:
    """The report as a list of issue dicts."""
    issues = [_issue(f, policy) for f in result.findings if not f.suppressed]
    for o in result.engine_only:
        rule = f"{o.engine}:{o.rule}"
        issues.append(
            {
                "type": "issue",
                "check_name": rule,
                "description": f"{rule} (no auditor finding covers it): {o.message or rule}",
                "categories": ["Security"],
                "location": _lines(o.path, o.line, o.end_line),
                "severity": "info",
                "fingerprint": _digest(rule, o.path, o.message),
            }
        )
    for e in result.errors:
        issues.append(
            {
                "type": "issue",
                "check_name": "auditor/not-analysed",
                "description": f"auditor could not analyse this file: {e.message}",
                "categories": ["Bug Risk"],
                "location": _lines(e.path, e.line or 1),
                "severity": "major",
                "fingerprint": _digest("auditor/not-analysed", e.path, e.message),
            }
        )
    return issues


def render(result: ScanResult, policy: Policy | None = None) -> str:
    return json.dumps(to_issues(result, policy), indent=2, ensure_ascii=False) + "\n"
