"""An attribute a base class sets from its constructor's parameter, read in a subclass, holds
what that subclass's line passes (Project._inherited); a subclass that passes the attribute
back to the base's constructor makes that value depend on itself, which must end."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

LOOP = """import os


class Base:
    def __init__(self, value):
        self.value = value


class Sub(Base):
    def __init__(self, value):
        super().__init__(value)

    def again(self):
        super().__init__(self.value + "x")

    def show(self):
        os.system("echo " + self.value)
"""


def test_an_attribute_passed_back_to_the_base_constructor_ends(tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_text(LOOP)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    (finding,) = result.findings
    assert finding.line == 17
    assert finding.origin == "parameter"  # Sub's constructor has no caller
    assert [(s.line, s.kind) for s in finding.flow] == [
        (10, "parameter"),
        (11, "passed"),
        (17, "reaches"),
    ]
