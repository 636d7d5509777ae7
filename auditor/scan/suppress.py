"""Suppression comments: ``# auditor: ignore[AUD101] reason`` (a rule id, a class name or a
sink name, comma-separated, on any line of the call) and, with ``--honor-nosec``, bandit's
``# nosec``. Only real comments count (the file is tokenized), never text inside strings."""

from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass

from auditor.rules_files import rule_table

_IGNORE = re.compile(r"#.*?\bauditor:\s*ignore\[([^\]]*)\]\s*[-:—]*\s*(.*)$")
# bandit's own (bandit/core/manager.py): "# nosec", "# nosec B602, B607", "# nosec: name"
_NOSEC = re.compile(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?")
_NOSEC_TESTS = re.compile(r"(?:(B\d+|[a-z\d_]+),?)+", re.IGNORECASE)


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


@functools.cache
def _bandit_ids() -> dict[str, str]:
    """Bandit's test id of each test name it may be named by (rules/bandit_tests.toml)."""
    names: dict[str, str] = rule_table("bandit_tests.toml")["names"]
    return {name.lower(): test for test, name in names.items()}


def nosec_tests(comment: str) -> frozenset[str] | None:
    """The bandit tests a ``# nosec`` comment names (ids, upper case): empty when it names
    none (it silences every test, as in bandit), None when it is not a ``# nosec``. A word
    that is neither an id nor a known name is not a test (bandit ignores it too)."""
    match = _NOSEC.search(comment)
    if match is None:
        return None
    out = set()
    names = _bandit_ids()
    for test in _NOSEC_TESTS.finditer(match.group("tests") or ""):
        word = test.group(1)
        if re.fullmatch(r"B\d+", word, re.IGNORECASE):
            out.add(word.upper())
        elif word.lower() in names:
            out.add(names[word.lower()])
    return frozenset(out)


def find_suppression(
    comments: dict[int, str],
    first: int,
    last: int,
    keys: set[str],
    honor_nosec: bool,
    bandit: tuple[str, ...] = (),
) -> Suppression:
    """Look at the comments of lines ``first..last`` for one that suppresses ``keys``.
    ``bandit``: the bandit tests that flag the call (a ``# nosec`` naming only other tests
    does not silence it)."""
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
        if honor_nosec:
            tests = nosec_tests(text)
            if tests is not None and (not tests or tests & set(bandit)):
                return Suppression(True, "# nosec")
    return Suppression(False, None, note)
