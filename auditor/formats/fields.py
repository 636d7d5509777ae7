"""What the machine formats say about a finding beyond its location: the fields of the JSON
findings document (``auditor/findings/v1``), each with a label, and the words of its rule.

gitlab-sast and codeclimate place what their format has a place for (file, lines, severity,
rule, CWE, fingerprint, the flow as a trace) and carry every other field of the JSON finding
through :func:`facts`, so that no format knows less than JSON does (tests check it field by
field, so that a field added to :class:`~auditor.findings.Finding` must be placed here too).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from auditor.findings import Finding
from auditor.judge.policy import Policy

# The JSON fields that :func:`facts` carries, in the order they are shown, with their labels.
# path, line, end_line and message are where every format has a place for them; flow has
# its own structured form in each format.
LABELS: dict[str, str] = {
    "rule": "Rule",
    "category": "Class",
    "risk": "Risk",
    "action": "Action",
    "sink": "Sink",
    "kind": "Kind",
    "shell": "Shell",
    "payload": "Payload",
    "origin": "Origin",
    "via": "Runs through",
    "privileged": "Privileged",
    "handed_to": "Handed to",
    "language": "Language",
    "note": "Note",
    "isolated": "Isolated",
    "trusted_by": "Trusted by",
    "function": "Function",
    "snippet": "Call",
    "column": "Column",
    "end_column": "End column",
    "cwe": "CWE",
    "also_flagged_by": "Also flagged by",
    "suppressed": "Suppressed",
    "suppression_reason": "Suppression reason",
    "fingerprint": "Fingerprint",
}
# Placed by every machine format in its own fields (location, message, trace).
PLACED = ("path", "line", "end_line", "message", "flow")


@dataclass(frozen=True, slots=True)
class Fact:
    key: str  # the JSON field
    label: str
    value: Any  # as in JSON: str, int, bool, or a list of str

    @property
    def text(self) -> str:
        if isinstance(self.value, bool):
            return "yes" if self.value else "no"
        if isinstance(self.value, list | tuple):
            return ", ".join(str(v) for v in self.value)
        return str(self.value)


def facts(f: Finding) -> list[Fact]:
    """Every field of the JSON finding that is not placed elsewhere and is present: ``None``,
    empty strings and empty lists are left out (as "where present" in the README's table);
    booleans are always there."""
    data = f.to_json()
    out = []
    for key, label in LABELS.items():
        value = data[key]
        if value is None or value == "" or value == []:
            continue
        if key == "cwe" and not value:
            continue
        out.append(Fact(key, label, value))
    return out


def title(f: Finding, policy: Policy | None) -> str:
    """The rule's short, context-free name: the class summary (or the system rule's)."""
    if policy is not None and f.category in policy.classes:
        return policy.classes[f.category].summary
    from auditor.system.data import system_rules

    info = system_rules().get(f.rule)
    if info is not None:
        return info.summary
    return f.category or f.rule


def solution(f: Finding) -> str:
    """How to fix the finding's class, in markdown (``rules/help.toml``, or the system
    rule's fix)."""
    from auditor.formats.sarif import class_help

    fix = class_help().get(f.category, {}).get("fix")
    if fix:
        return fix
    from auditor.system.data import system_rules

    info = system_rules().get(f.rule)
    return info.fix if info is not None else ""


def timestamp(seconds_before: float = 0.0) -> dt.datetime:
    """Now in UTC, to the second, or ``SOURCE_DATE_EPOCH`` for reproducible output; minus
    ``seconds_before`` (a scan's duration gives its start)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        end = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        end = dt.datetime.now(dt.UTC)
    return (end - dt.timedelta(seconds=round(seconds_before))).replace(microsecond=0)
