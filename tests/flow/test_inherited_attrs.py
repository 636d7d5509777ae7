"""An attribute a base class sets from its constructor's parameter, read in a subclass, holds
what that subclass's line passes (Project._inherited); a subclass that passes the attribute
back to the base's constructor makes that value depend on itself, which must end."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy, scan_files

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


def test_an_attribute_set_from_the_same_attribute_of_another_instance(tmp_path: Path) -> None:
    """``self.prefix`` set from ``parent.prefix``, a parameter typed as the same class (as
    click's ``Context.auto_envvar_prefix``): what the class's methods set on it is read
    once, not again for each parent (the stage recursed until Python gave up)."""
    code = """\
        from __future__ import annotations

        import os


        class Ctx:
            def __init__(self, parent: Ctx | None = None, prefix: str | None = None) -> None:
                if prefix is None and parent is not None:
                    prefix = f"{parent.prefix}_X"
                self.prefix = prefix


        def run(ctx: Ctx) -> None:
            os.system("env | grep " + ctx.prefix)
        """
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.rule, finding.origin) == ("AUD101", "parameter")
