"""Suppression comments: ``# auditor: ignore[AUD101] reason`` (a rule id, a class name or a
sink name, comma-separated, on any line of the call) and, with ``--honor-nosec``, bandit's
``# nosec``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_IGNORE = re.compile(r"#.*?\bauditor:\s*ignore\[([^\]]*)\]\s*[-:—]*\s*(.*)$")
_NOSEC = re.compile(r"#.*\bnosec\b")


@dataclass(frozen=True, slots=True)
class Suppression:
    suppressed: bool
    reason: str | None
    note: str | None = None


NOT_SUPPRESSED = Suppression(False, None)


def find_suppression(
    lines: list[str], first: int, last: int, keys: set[str], honor_nosec: bool
) -> Suppression:
    """Look at lines ``first..last`` (1-based) for a comment that suppresses one of ``keys``."""
    note = None
    for number in range(first, min(last, len(lines)) + 1):
        text = lines[number - 1]
        if "#" not in text:
            continue
        match = _IGNORE.search(text)
        if match:
            names = {part.strip() for part in match.group(1).split(",") if part.strip()}
            if names & keys:
                reason = match.group(2).strip()
                if reason:
                    return Suppression(True, reason)
                note = "suppression comment ignored: it gives no reason"
        if honor_nosec and _NOSEC.search(text):
            return Suppression(True, "# nosec")
    return Suppression(False, None, note)
