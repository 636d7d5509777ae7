"""Suppression comments: ``# auditor: ignore[AUD101] reason`` (a rule id, a class name or a
sink name, comma-separated, on any line of the call) and, with ``--honor-nosec``, bandit's
``# nosec``. Only real comments count (the file is tokenized), never text inside strings."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_IGNORE = re.compile(r"#.*?\bauditor:\s*ignore\[([^\]]*)\]\s*[-:—]*\s*(.*)$")
_NOSEC = re.compile(r"#.*\bnosec\b")


@dataclass(frozen=True, slots=True)
class Suppression:
    suppressed: bool
    reason: str | None
    note: str | None = None


def comments_by_line(text: str) -> dict[int, str]:
    """The comment on each line of ``text`` that has one (empty when nothing could be a
    suppression, which keeps this off the hot path)."""
    if "auditor:" not in text and "nosec" not in text:
        return {}
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def find_suppression(
    comments: dict[int, str], first: int, last: int, keys: set[str], honor_nosec: bool
) -> Suppression:
    """Look at the comments of lines ``first..last`` for one that suppresses ``keys``."""
    note = None
    for number in range(first, last + 1):
        text = comments.get(number)
        if text is None:
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
