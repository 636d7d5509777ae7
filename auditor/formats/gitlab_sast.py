"""GitLab's SAST report (``artifacts:reports:sast``), so that the merge-request security
widget and the vulnerability report show the findings.

Schema version 15.0.6 of GitLab's security report schemas. One vulnerability per finding:
the class summary as its name, the finding's message, origin, flow and the way through
launchers in its description (markdown), the class's fix as its solution, the rule id as its
primary identifier and the CWE as the second, and every other field of the JSON finding in
``details`` (the flow as a table of file locations). Suppressed findings are kept, flagged
as likely false positives with their reason; other engines' results that no finding covers
(``--engines``) are Info vulnerabilities under their engine's rule id. Files that could not
be analysed and engines that could not run are ``scan.messages``, and make the scan's
status ``failure``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from auditor import __version__
from auditor.findings import EngineOnly, Finding, ScanResult
from auditor.formats.fields import facts, solution, timestamp, title
from auditor.judge.policy import Policy

SCHEMA_VERSION = "15.0.6"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
SEVERITY = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
# the namespace of the vulnerabilities' ids (uuid5 of the finding's fingerprint)
_NAMESPACE = uuid.UUID("2f4b8a52-3d0e-5c51-9a7e-0c8f5e6a1b19")
# GitLab limits (schema 15): name 255 characters, solution 7000
_NAME_MAX = 255
_SOLUTION_MAX = 7000
_TOOL = {
    "id": "auditor",
    "name": "auditor",
    "version": __version__,
    "vendor": {"name": "auditor"},
}


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "value": value}


def _location(path: str, line: int) -> dict[str, Any]:
    line = max(line, 1)
    return {"type": "file-location", "file_name": path, "line_start": line, "line_end": line}


def _description(f: Finding) -> str:
    parts = [f.message]
    if f.origin is not None and f.origin != "internal":
        parts.append(f"**Origin:** `{f.origin}`")
    if f.flow:
        steps = "\n".join(
            f"{i}. `{s.path}:{s.line}` {s.note}" for i, s in enumerate(f.flow, start=1)
        )
        parts.append(f"**Flow, from the source to the call:**\n\n{steps}")
    if f.via:
        privileged = " (changes user: privileged)" if f.privileged else ""
        parts.append(f"**Runs through:** {' → '.join(f'`{v}`' for v in f.via)}{privileged}")
    if f.handed_to:
        parts.append(f"**Handed to:** `{f.handed_to}`, which calls it")
    return "\n\n".join(parts)


def _details(f: Finding) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for fact in facts(f):
        entry: dict[str, Any]
        if isinstance(fact.value, list):
            entry = {"type": "list", "items": [_text(str(v)) for v in fact.value]}
        elif isinstance(fact.value, bool):  # the schema's "value" holds numbers and strings
            entry = {"type": "text", "value": "true" if fact.value else "false"}
        elif isinstance(fact.value, int):
            entry = {"type": "value", "value": fact.value}
        else:
            entry = {"type": "text", "value": str(fact.value)}
        details[fact.key] = {"name": fact.label, **entry}
    if f.flow:
        details["flow"] = {
            "name": "Flow",
            "type": "table",
            "header": [_text("Where"), _text("Step"), _text("What happens")],
            "rows": [
                [_location(s.path, s.line), _text(s.kind or "step"), _text(s.note)] for s in f.flow
            ],
        }
    return details


def _vulnerability(f: Finding, policy: Policy | None) -> dict[str, Any]:
    cwe = f.cwe
    identifiers = [
        {
            "type": "auditor_rule_id",
            "name": f"auditor {f.rule}",
            "value": f.rule,
        }
    ]
    if cwe:
        identifiers.append(
            {
                "type": "cwe",
                "name": f"CWE-{cwe}",
                "value": str(cwe),
                "url": f"https://cwe.mitre.org/data/definitions/{cwe}.html",
            }
        )
    location: dict[str, Any] = {
        "file": f.path,
        "start_line": max(f.line, 1),
        "end_line": max(f.end_line, f.line, 1),
    }
    if f.function and f.function != "<module>":
        location["method"] = f.function
    vulnerability: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{f.fingerprint}|{f.path}|{f.line}|{f.column}")),
        "name": title(f, policy)[:_NAME_MAX],
        "description": _description(f),
        "severity": SEVERITY.get(f.risk, "Unknown"),
        "solution": solution(f)[:_SOLUTION_MAX],
        "identifiers": identifiers,
        "location": location,
        "raw_source_code_extract": f.snippet,
        "details": _details(f),
    }
    if f.suppressed:
        vulnerability["flags"] = [
            {
                "type": "flagged-as-likely-false-positive",
                "origin": "auditor",
                "description": "suppressed in the code (# auditor: ignore): "
                + (f.suppression_reason or "no reason given"),
            }
        ]
    return vulnerability


def _engine_vulnerability(entry: EngineOnly) -> dict[str, Any]:
    rule = f"{entry.engine}:{entry.rule}"
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"{rule}|{entry.path}|{entry.line}|{entry.message}")),
        "name": f"{entry.engine} {entry.rule}: a result no auditor finding covers"[:_NAME_MAX],
        "description": (
            f"{entry.message or rule}\n\nReported by {entry.engine} ({entry.rule}) only: either "
            "a call the scanner missed or a mistake of that engine. Review the site."
        ),
        "severity": "Info",
        "identifiers": [{"type": f"{entry.engine}_rule_id", "name": rule, "value": entry.rule}],
        "location": {
            "file": entry.path,
            "start_line": max(entry.line, 1),
            "end_line": max(entry.end_line, entry.line, 1),
        },
        "details": {"engine": {"name": "Engine", "type": "text", "value": entry.engine}},
    }


def to_report(result: ScanResult, policy: Policy | None = None) -> dict[str, Any]:
    """The SAST report as a dict."""
    messages = [
        {
            "level": "warn",
            "value": f"{e.path}{f':{e.line}' if e.line else ''}: not analysed: {e.message}",
        }
        for e in result.errors
    ] + [
        {
            "level": "warn",
            "value": f"engine {e.engine}{f' ({e.path})' if e.path else ''}: {e.message}",
        }
        for e in result.engine_errors
    ]
    end = timestamp()
    start = timestamp(result.stats.seconds)
    return {
        "schema": SCHEMA_URL,
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": dict(_TOOL),
            "scanner": dict(_TOOL),
            "type": "sast",
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "end_time": end.strftime("%Y-%m-%dT%H:%M:%S"),
            "status": "failure" if messages else "success",
            "messages": messages,
        },
        "vulnerabilities": [_vulnerability(f, policy) for f in result.findings]
        + [_engine_vulnerability(e) for e in result.engine_only],
    }


def render(result: ScanResult, policy: Policy | None = None) -> str:
    return json.dumps(to_report(result, policy), indent=2, ensure_ascii=False) + "\n"
