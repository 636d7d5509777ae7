"""What a sink ran is what its names held when it ran: a name bound again after the call
(in its function, in no loop around both) does not change its origin; a loop, a global or
another branch may bring that value to the call, and it is kept (recall first).
Each case: one site, rule AUD101 (a dynamic shell command), risk high, and its origin."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy


def _finding(tmp_path: Path, code: str) -> Finding:
    (tmp_path / "m.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    [finding] = result.findings
    assert (finding.rule, finding.risk) == ("AUD101", "high")
    return finding


@pytest.mark.parametrize(
    ("code", "origin"),
    [
        # bound to a file's content after the command ran: the environment's value ran
        (
            """
            import os
            def edit(path):
                tool = os.getenv("EDITOR")
                os.system(tool + " " + path)
                tool = open(path).read()
                return tool
            """,
            "environment",
        ),
        # through an intermediate name: `full` was built before `tool` changed
        (
            """
            import os
            def edit(path):
                tool = os.getenv("EDITOR")
                full = f"{tool} {path}"
                tool = open(path).read()
                os.system(full)
            """,
            "environment",
        ),
        # a `while` loop brings the later value back to the call on its next pass
        (
            """
            import os
            def edit(path):
                tool = os.getenv("EDITOR")
                while tool:
                    os.system(tool + " " + path)
                    tool = open(path).read()
            """,
            "file",
        ),
        # a global: another call of the function may have bound it first
        (
            """
            import os
            TOOL = "vi"
            def edit(path):
                global TOOL
                os.system(os.getenv("EDITOR", "") + TOOL + path)
                TOOL = open(path).read()
            """,
            "file",
        ),
        # before the call, in the other branch of an `if`: it may reach the call
        (
            """
            import os
            def edit(path, fresh):
                tool = os.getenv("EDITOR")
                if fresh:
                    tool = open(path).read()
                os.system(tool + " " + path)
            """,
            "file",
        ),
    ],
)
def test_a_binding_after_the_sink_does_not_change_its_origin(
    tmp_path: Path, code: str, origin: str
) -> None:
    assert _finding(tmp_path, code).origin == origin


def test_a_value_read_again_after_the_name_is_bound_anew_keeps_its_origin(tmp_path: Path) -> None:
    # `randseed` at line 15 is what parse() made of the first run's output (line 13), not
    # of the second's (bound at line 15 itself) nor the third's: the environment reaches the
    # command through the first run's output (a call the analysis cannot follow carries
    # what it is given); rule AUD101, risk high, origin environment
    finding = _finding(
        tmp_path,
        """
        import os
        import subprocess
        class T:
            def run_command(self, args):
                env = dict(os.environ)
                return subprocess.run(" ".join(args), shell=True, env=env).stdout
            def run_tests(self, *testargs):
                return self.run_command(list(testargs))
            def parse(self, output):
                return output.split()[0]
            def test(self):
                output = self.run_tests("-r")
                randseed = self.parse(output)
                output = self.run_tests(f"--randseed={randseed}")
                again = self.parse(output)
                output = self.run_tests("x")
                randseed = self.parse(output)
        """,
    )
    assert finding.origin == "environment"
