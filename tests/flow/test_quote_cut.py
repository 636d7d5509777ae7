"""A shell quote cut off again (``q[1:-1]``, ``q.strip("'")``) no longer counts: the notes
the function summaries compose (a cut voids a quote applied before it, never one after, nor
another sanitizer), and the value a cut leaves (attack round 6, #6)."""

from __future__ import annotations

from auditor.file_summary import quoting_note
from auditor.findings import Step
from auditor.flow.propagate import _CUT, Info, Reach, _composed

QUOTING = "pipes.quote shlex.join shlex.quote"
QUOTE = "quoted or converted (shlex.quote)"
INT = "quoted or converted (builtins.int)"
CUT = _CUT + QUOTING


def test_a_quoting_note_is_told_by_the_sanitizer_it_names() -> None:
    assert quoting_note(QUOTE, QUOTING)
    assert not quoting_note(INT, QUOTING)
    assert not quoting_note("checked against the allow-list ALLOWED", QUOTING)
    assert not quoting_note("converted to int by the framework", QUOTING)


def test_a_cut_voids_a_quote_applied_before_it() -> None:
    assert _composed(QUOTE, CUT) == CUT  # quoted, then sliced: nothing holds
    assert _composed(None, CUT) == CUT  # and it still voids a caller's quote
    assert _composed(CUT, QUOTE) == QUOTE  # sliced, then quoted: quoted
    assert _composed(INT, CUT) == INT  # a number cut is digits
    assert _composed(QUOTE, INT) == QUOTE  # the first sanitizer applied is kept
    assert _composed(None, QUOTE) == QUOTE
    assert _composed(QUOTE, None) == QUOTE


def test_a_cut_value_is_plain_only_when_its_sanitizer_quoted() -> None:
    step = Step("a.py", 1, 0, "source", "source", "x", "source")
    reach = Reach("remote-input", (step,))
    quoted = Info(None, reach, QUOTE)
    assert quoted.unquoted(QUOTING) == Info(reach, None, None)
    converted = Info(None, reach, INT)
    assert converted.unquoted(QUOTING) == converted
    plain = Info(reach)
    assert plain.unquoted(QUOTING) == plain
