"""SARIF 2.1.0 for code scanning (GitHub and other SARIF viewers).

One rule per policy class, with the class's help from ``rules/help.toml``; one result per
finding, with a region (1-based, end column exclusive, in Unicode code points) and the
finding's own fingerprint under ``partialFingerprints["auditor/v1"]``. Suppressed findings are
kept as results with an ``inSource`` suppression, so viewers can show them as dismissed.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.findings import EngineOnly, Finding, ScanResult
from auditor.judge.policy import CLASS_NAMES, Policy, build_policy
from auditor.rules_files import package_toml, read_rule_file

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "auditor/v1"

# GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9) and
# low (0.1-3.9).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.0", "low": "2.0"}
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
CODE_CLASSES = frozenset(
    {
        "dynamic-code",
        "dynamic-import",
        "constant-code",
        "critical-code",
        "critical-import",
        "dynamic-call",
        "critical-call",
    }
)


@cache
def class_help() -> dict[str, dict[str, str]]:
    """``rules/help.toml``: per class, ``full`` (a paragraph) and ``fix`` (markdown)."""
    text = read_rule_file("help.toml")
    data: dict[str, dict[str, str]] = package_toml(text)
    return data


def cwe_of(category: str) -> int:
    """The CWE of a class: 95 (code injection) for code, 78 (OS command injection) else."""
    return 95 if category in CODE_CLASSES else 78


def _rule_name(category: str) -> str:
    return "".join(part.capitalize() for part in category.split("-"))


def _rules(policy: Policy) -> list[dict[str, Any]]:
    helps = class_help()
    rules = []
    for name in CLASS_NAMES:
        if name not in policy.classes:
            continue
        c = policy.classes[name]
        info = helps.get(name, {})
        full = info.get("full", c.summary)
        fix = info.get("fix", "")
        cwe = cwe_of(name)
        markdown = (
            f"**{c.summary}** ({c.rule}, class `{name}`)\n\n{full}\n\n"
            f"**How to fix:** {fix}\n\n"
            f"Default risk: {c.risk}; action: {c.action}. "
            f"See [CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html).\n\n"
            f"Suppress a reviewed site with `# auditor: ignore[{c.rule}] reason`."
        )
        rules.append(
            {
                "id": c.rule,
                "name": _rule_name(name),
                "shortDescription": {"text": c.summary},
                "fullDescription": {"text": full},
                "help": {"text": f"{full} How to fix: {fix}", "markdown": markdown},
                "defaultConfiguration": {"level": LEVELS.get(c.risk, "warning")},
                "properties": {
                    "security-severity": SECURITY_SEVERITY.get(c.risk, "5.0"),
                    "tags": ["security", f"external/cwe/cwe-{cwe}", name],
                    "precision": "high",
                    "problem.severity": {"high": "error", "medium": "warning"}.get(
                        c.risk, "recommendation"
                    ),
                },
            }
        )
    return rules + _system_rules()


def _system_rules() -> list[dict[str, Any]]:
    """The sudoers and systemd rules of ``auditor system`` (``rules/system.toml``)."""
    from auditor.system.data import system_rules

    rules = []
    for info in system_rules().values():
        markdown = (
            f"**{info.summary}** ({info.rule}, class `{info.category}`)\n\n{info.full}\n\n"
            f"**How to fix:** {info.fix}\n\n"
            f"Default risk: {info.risk}; action: {info.action}. "
            f"See [CWE-{info.cwe}](https://cwe.mitre.org/data/definitions/{info.cwe}.html)."
        )
        rules.append(
            {
                "id": info.rule,
                "name": _rule_name(info.category),
                "shortDescription": {"text": info.summary},
                "fullDescription": {"text": info.full},
                "help": {"text": f"{info.full} How to fix: {info.fix}", "markdown": markdown},
                "defaultConfiguration": {"level": LEVELS.get(info.risk, "warning")},
                "properties": {
                    "security-severity": SECURITY_SEVERITY.get(info.risk, "5.0"),
                    "tags": ["security", f"external/cwe/cwe-{info.cwe}", info.category],
                    "precision": "high",
                    "problem.severity": {"high": "error", "medium": "warning"}.get(
                        info.risk, "recommendation"
                    ),
                },
            }
        )
    return rules


def artifact_uri(path: str) -> str:
    """A relative POSIX path as a URI reference; an absolute one as a file URI."""
    quoted = quote(path, safe="/")
    return f"file://{quoted}" if path.startswith("/") else quoted


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"uri": artifact_uri(f.path)}
    if not f.path.startswith("/"):
        location["uriBaseId"] = "%SRCROOT%"
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": LEVELS.get(f.risk, "warning"),
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.column,
                        "endLine": f.end_line,
                        "endColumn": f.end_column,
                        "snippet": {"text": f.snippet},
                    },
                },
                "logicalLocations": [{"fullyQualifiedName": f.function, "kind": "function"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "category": f.category,
            "sink": f.sink,
            "risk": f.risk,
            "action": f.action,
            "isolated": f.isolated,
            "trustedBy": f.trusted_by,
            "cwe": f.cwe,
            "alsoFlaggedBy": list(f.also_flagged_by),
            "origin": f.origin,
            "via": list(f.via),
            "privileged": f.privileged,
            "handedTo": f.handed_to,
            "language": f.language,
            "note": f.note,
            "kind": f.kind,
            "shell": f.shell,
            "payload": f.payload,
        },
    }
    if f.flow:
        result["codeFlows"] = [_code_flow(f)]
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if f.suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": f.suppression_reason or ""}]
    return result


def _code_flow(f: Finding) -> dict[str, Any]:
    """The finding's flow as one thread of locations, source first (code scanning shows
    the path from where the payload comes from to the call)."""
    locations = []
    for step in f.flow:
        where: dict[str, Any] = {"uri": artifact_uri(step.path)}
        if not step.path.startswith("/"):
            where["uriBaseId"] = "%SRCROOT%"
        region: dict[str, Any] = {"startLine": max(step.line, 1)}
        if step.column > 0:
            region["startColumn"] = step.column
        locations.append(
            {
                "location": {
                    "physicalLocation": {"artifactLocation": where, "region": region},
                    "message": {"text": step.note},
                },
                # what the step is, for viewers in other languages (as in JSON)
                "properties": {"kind": step.kind, "subject": step.subject, "detail": step.detail},
            }
        )
    return {
        "message": {"text": f"{f.origin}: from {f.flow[0].note}"},
        "threadFlows": [{"locations": locations}],
    }


def _engine_rules(result: ScanResult) -> list[dict[str, Any]]:
    """One rule per other-engine rule that has an engine-only result (``bandit:B602``)."""
    rules: dict[str, dict[str, Any]] = {}
    for entry in result.engine_only:
        rule_id = f"{entry.engine}:{entry.rule}"
        if rule_id in rules:
            continue
        text = f"{entry.engine} {entry.rule}: a result no auditor finding covers"
        rules[rule_id] = {
            "id": rule_id,
            "name": f"{entry.engine}-{entry.rule}".replace(".", "-"),
            "shortDescription": {"text": text},
            "fullDescription": {
                "text": f"{text}: either a call the scanner missed or a mistake of "
                f"{entry.engine}. Review the site."
            },
            "help": {
                "text": f"Reported by {entry.engine} ({entry.rule}) only.",
                "markdown": f"Reported by **{entry.engine}** (`{entry.rule}`) only.",
            },
            "defaultConfiguration": {"level": "note"},
            "properties": {"tags": ["security", "engine-only"], "security-severity": "4.0"},
        }
    return list(rules.values())


def _engine_result(entry: EngineOnly, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"uri": artifact_uri(entry.path)}
    if not entry.path.startswith("/"):
        location["uriBaseId"] = "%SRCROOT%"
    rule_id = f"{entry.engine}:{entry.rule}"
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": "note",
        "message": {"text": entry.message or rule_id},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": {"startLine": entry.line, "endLine": max(entry.line, entry.end_line)},
                }
            }
        ],
        "partialFingerprints": {
            FINGERPRINT_KEY: hashlib.sha256(
                f"{rule_id}|{entry.path}|{entry.message}".encode()
            ).hexdigest()[:20]
        },
        "properties": {"engineOnly": True, "engine": entry.engine},
    }


def to_sarif(result: ScanResult, policy: Policy | None = None) -> dict[str, Any]:
    """The SARIF log as a dict."""
    if policy is None:
        policy = build_policy({}, "defaults")
    rules = _rules(policy) + _engine_rules(result)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": e.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(e.path)},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }
                }
            ],
        }
        for e in result.errors
    ]
    notifications += [
        {
            "level": "error",
            "message": {"text": f"{e.engine}: {e.message}"},
            **(
                {
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(e.path)}}}
                    ]
                }
                if e.path
                else {}
            ),
        }
        for e in result.engine_errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "automationDetails": {"id": "auditor/"},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The scanned project."}}},
        "invocations": [
            {
                "executionSuccessful": not result.errors and not result.engine_errors,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [_result(f, index) for f in result.findings]
        + [_engine_result(e, index) for e in result.engine_only],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, policy: Policy | None = None) -> str:
    return json.dumps(to_sarif(result, policy), indent=2, ensure_ascii=False) + "\n"
