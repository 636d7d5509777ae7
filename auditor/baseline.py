"""The baseline: today's findings recorded by fingerprint, so that ``auditor check`` fails only
on new ones. Matching is by fingerprint: fingerprints do not change when lines move, nor
when a new caller changes what reaches a call (the per-file rule names the call).

A finding whose risk rose since it was recorded is not covered: ``run_cmd(cmd)`` accepted as
a dynamic shell command (AUD101, high) and now reached by a web route's request data
(AUD001, critical) is a new danger at an old call. Each entry's ``risk`` says what was
accepted; an entry written before ``risk`` was recorded has its ``rule``, and then only a
finding that became critical (AUD0xx) from another rule is taken as escalated. Each entry's
``origin`` says where the accepted payload came from: a finding whose payload now comes from
a more dangerous origin (auditor.judge.sources.RANK: a dated ``tar`` command built from a
parameter, now any command read from a world-writable file) is not covered either, even at
the same risk. An entry without ``origin`` (written before it was recorded) accepts any.

The file (``schema: auditor/baseline/v1``) also carries the path and line of each finding,
for the people who read it in a review; they play no part in matching."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.findings import RISK_ORDER, Finding
from auditor.judge.sources import ORIGINS, RANK

SCHEMA = "auditor/baseline/v1"
DEFAULT_FILE = ".auditor-baseline.json"


class BaselineError(ValueError):
    """The baseline file is missing or malformed; the message is one line naming it."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a baseline entry accepted: its rule and risk (None when the file lacks them)."""

    rule: str | None
    risk: str | None
    origin: str | None = None
    origin_recorded: bool = False  # False: written before origins were recorded


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: dict[str, Accepted]
    source: str

    def __contains__(self, finding: object) -> bool:
        if not isinstance(finding, Finding):
            return False
        accepted = self.entries.get(finding.fingerprint)
        return accepted is not None and escalated(finding, accepted) is None


def escalated(finding: Finding, accepted: Accepted) -> str | None:
    """Why ``finding`` is not what its baseline entry accepted (its risk rose, or its
    payload's origin became more dangerous), or None."""
    if accepted.risk in RISK_ORDER:
        if RISK_ORDER[finding.risk] > RISK_ORDER[str(accepted.risk)]:
            was = f"{accepted.rule} {accepted.risk}" if accepted.rule else str(accepted.risk)
            return f"escalated since the baseline: {was} -> {finding.rule} {finding.risk}"
    elif (
        accepted.rule is not None
        and accepted.rule != finding.rule
        and finding.rule.startswith("AUD0")
        and not accepted.rule.startswith("AUD0")
    ):
        return f"escalated since the baseline: {accepted.rule} -> {finding.rule} {finding.risk}"
    if accepted.origin_recorded and RANK.get(finding.origin or "", 0) > RANK.get(
        accepted.origin or "", 0
    ):
        was = accepted.origin or "no origin"
        return (
            f"escalated since the baseline: its payload came from {was}, now from {finding.origin}"
        )
    return None


def build(findings: Iterable[Finding]) -> dict[str, Any]:
    """The baseline document for ``findings`` (suppressed ones are left out: they are
    already accepted in the code, and removing the comment should bring them back)."""
    kept = sorted(
        (f for f in findings if not f.suppressed),
        key=lambda f: (f.path, f.line, f.rule, f.fingerprint),
    )
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule": f.rule,
            "risk": f.risk,
            "origin": f.origin,
            "path": f.path,
            "line": f.line,
        }
        for f in kept
    ]
    return {
        "schema": SCHEMA,
        "tool": {"name": "auditor", "version": __version__},
        "findings": entries,
    }


def render(findings: Iterable[Finding]) -> str:
    return json.dumps(build(findings), indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Baseline:
    """Read a baseline file, with a one-line :class:`BaselineError` on any problem."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: baseline file not found (create it with 'auditor baseline -o {path}')"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise BaselineError(f"{path}: a baseline must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise BaselineError(
            f"{path}: 'schema' must be {SCHEMA!r} (got {data.get('schema')!r}); "
            "is this an auditor baseline?"
        )
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' must be a list")
    accepted: dict[str, Accepted] = {}
    for i, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BaselineError(f"{path}: 'findings[{i}].fingerprint' must be a non-empty string")
        assert isinstance(entry, dict)
        rule, risk, origin = entry.get("rule"), entry.get("risk"), entry.get("origin")
        if risk is not None and risk not in RISK_ORDER:
            raise BaselineError(
                f"{path}: 'findings[{i}].risk' must be one of "
                f"{', '.join(sorted(RISK_ORDER, key=RISK_ORDER.__getitem__))} (got {risk!r})"
            )
        if origin is not None and origin not in ORIGINS:
            raise BaselineError(
                f"{path}: 'findings[{i}].origin' must be null or one of "
                f"{', '.join(ORIGINS)} (got {origin!r})"
            )
        accepted[fingerprint] = Accepted(
            rule if isinstance(rule, str) else None,
            risk if isinstance(risk, str) else None,
            origin,
            "origin" in entry,
        )
    return Baseline(accepted, str(path))
