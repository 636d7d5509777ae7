"""cmd.Cmd's ``do_*`` methods, which its loop looks up by the line typed (rules/sources.toml).
Before, the analysis counted only the calls it saw by their name: the method's one visible
caller passed a constant, so its site was AUD201, medium, "every caller passes constants"."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files


def _by_line(found: list[Finding], path: str = "") -> dict[int, tuple[str, str, str | None]]:
    return {f.line: (f.rule, f.risk, f.origin) for f in found if f.path.endswith(path)}


def test_a_cmd_interpreter_command_gets_the_line_typed(tmp_path: Path) -> None:
    """cmd.Cmd's loop calls ``do_sh`` with the rest of the line the user typed (it looks
    the method up by the line's first word, in the standard library): line 5 is AUD101,
    high, user-input, though ``preloop`` calls it with a constant (before: AUD201, medium,
    "every caller passes constants"). ``default`` gets the whole line likewise (line 7)."""
    found = scan_files(
        tmp_path,
        {
            "admin.py": """\
                import cmd, os

                class Admin(cmd.Cmd):
                    def do_sh(self, arg):
                        os.system(arg)
                    def default(self, line):
                        os.system(line)
                    def preloop(self):
                        self.do_sh("uptime")
                        self.default("uptime")
                """,
        },
    )
    lines = _by_line(found)
    assert lines[5] == ("AUD101", "high", "user-input")
    assert lines[7] == ("AUD101", "high", "user-input")
