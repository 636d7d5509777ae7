"""The baseline: today's findings recorded by fingerprint, so that ``auditor check`` fails only
on new ones. Matching is by fingerprint alone: fingerprints do not change when lines move.

The file (``schema: auditor/baseline/v1``) also carries the path, rule and line of each
finding, for the people who read it in a review; they play no part in matching."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.findings import Finding

SCHEMA = "auditor/baseline/v1"
DEFAULT_FILE = ".auditor-baseline.json"


class BaselineError(ValueError):
    """The baseline file is missing or malformed; the message is one line naming it."""


@dataclass(frozen=True, slots=True)
class Baseline:
    fingerprints: frozenset[str]
    source: str

    def __contains__(self, finding: object) -> bool:
        return isinstance(finding, Finding) and finding.fingerprint in self.fingerprints


def build(findings: Iterable[Finding]) -> dict[str, Any]:
    """The baseline document for ``findings`` (suppressed ones are left out: they are
    already accepted in the code, and removing the comment should bring them back)."""
    kept = sorted(
        (f for f in findings if not f.suppressed),
        key=lambda f: (f.path, f.line, f.rule, f.fingerprint),
    )
    entries = [
        {"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "line": f.line} for f in kept
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
    fingerprints = set()
    for i, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BaselineError(f"{path}: 'findings[{i}].fingerprint' must be a non-empty string")
        fingerprints.add(fingerprint)
    return Baseline(frozenset(fingerprints), str(path))
