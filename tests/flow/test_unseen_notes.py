"""The notes of the flows that end at a caller the analysis does not see say why it does
not see it: a receiver it cannot type, an unknown decorator, no call at all."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

CASE = Path(__file__).resolve().parent / "cases" / "unseen_callers"


def _notes() -> dict[int, list[str]]:
    result = scan([CASE], policy=make_policy(root=str(CASE)), jobs=1)
    return {
        f.line: [step.note for step in f.flow]
        for f in result.findings
        if f.path.endswith("interp.py")
    }


def test_unseen_caller_notes() -> None:
    notes = _notes()
    assert notes[8][0] == (
        "maybe passed to self.interp.run() as `code`: a receiver the analysis cannot type, "
        "so a caller it does not see"
    )
    assert notes[53][0] == (
        "parameter `command` of Runner.launch(), wrapped by a decorator the analysis does not "
        "follow"
    )
    assert notes[38][0] == (
        "parameter `source` of Evaluator.evaluate(), called from code the analysis cannot see"
    )
