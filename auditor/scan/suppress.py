"""Suppression comments: ``# auditor: ignore[AUD101] reason`` (a rule id, a class name or a
sink name, comma-separated, on any line of the call) and, with ``--honor-nosec``, bandit's
``# nosec``. Only real comments count (the file is tokenized), never text inside strings,
and only a directive that opens the comment (or follows another ``#`` in it, as in
``# noqa: S602  # auditor: ignore[...] why``): a comment that merely mentions one (``# do
not add auditor: ignore[AUD101] here``) suppresses nothing.

A comment accepts one call. On a line that several calls span, it goes to the innermost
call it names (the constant ``git rev-parse`` inside a multi-line ``ssh`` call, not the
``ssh`` call around it); when it names two calls of which neither holds the other (``
os.system("uptime"); os.system(cmd)`` on one line), it is ambiguous and suppresses
neither: each says why."""

from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass

from auditor.rules_files import rule_table
from auditor.scan.lines import tokenizable

_IGNORE = re.compile(r"(?:^|#)\s*auditor:\s*ignore\[([^\]]*)\]\s*[-:—]*\s*(.*)$")
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
        # a lone \r ends a line for Python and libcst, not for StringIO's readline
        for tok in tokenize.generate_tokens(io.StringIO(tokenizable(text)).readline):
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


@dataclass(frozen=True, slots=True)
class Target:
    """A call a suppression comment may accept: where it starts and ends (line, column),
    the names it may be suppressed by (rule, class, sink) and the bandit tests that flag
    it (for ``# nosec``)."""

    start: tuple[int, int]
    end: tuple[int, int]
    keys: frozenset[str]
    bandit: tuple[str, ...] = ()


def _holds(outer: Target, inner: Target) -> bool:
    """``outer`` spans more than ``inner`` and holds it (not the same call)."""
    return (outer.start, outer.end) != (inner.start, inner.end) and (
        outer.start <= inner.start and inner.end <= outer.end
    )


def suppressions(
    comments: dict[int, str], targets: list[Target], honor_nosec: bool
) -> list[Suppression]:
    """The suppression of each of a file's calls (``targets``), each comment given to the
    one call it accepts (see the module's docstring). Bandit's ``# nosec`` keeps bandit's
    meaning: it silences whatever is on its lines."""
    out = [Suppression(False, None) for _ in targets]
    if not comments:
        return out
    for number, text in comments.items():
        match = _IGNORE.search(text)
        if match is None:
            continue
        names = {part.strip() for part in match.group(1).split(",") if part.strip()}
        named = [
            i for i, t in enumerate(targets) if t.start[0] <= number <= t.end[0] and names & t.keys
        ]
        innermost = [i for i in named if not any(_holds(targets[i], targets[j]) for j in named)]
        calls = {(targets[i].start, targets[i].end) for i in innermost}  # one call, 2 findings
        reason = match.group(2).strip()
        if len(calls) > 1:
            note = (
                f"the suppression comment of line {number} names {len(calls)} calls "
                "there and is ignored: give each call its own line and comment"
            )
            for i in innermost:
                if not out[i].suppressed:
                    out[i] = Suppression(False, None, note)
            continue
        for i in innermost:
            if not out[i].suppressed:
                out[i] = (
                    Suppression(True, reason)
                    if reason
                    else Suppression(False, None, "suppression comment ignored: it gives no reason")
                )
    if honor_nosec:
        for i, t in enumerate(targets):
            if out[i].suppressed:
                continue
            for number in range(t.start[0], t.end[0] + 1):
                line = comments.get(number)
                tests = nosec_tests(line) if line is not None else None
                if tests is not None and (not tests or tests & set(t.bandit)):
                    out[i] = Suppression(True, "# nosec")
                    break
    return out


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
    does not silence it). For one finding alone (a line of a deployment file); a file's
    calls are given theirs together by :func:`suppressions`."""
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
