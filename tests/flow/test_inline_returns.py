"""A function of the file whose return value is built from its parameters, called with
constants (camel-ai's ``find_command("npm", windows_variants=[...])``): the payload is what
it returns for them, as if written inline (auditor.scan.payload.Evaluator.functions). What
cannot be read so stays dynamic."""

from __future__ import annotations

import hashlib
from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(tmp_path, files)


def _by_line(findings: list[Finding]) -> dict[int, tuple[str, str, str | None]]:
    return {f.line: (f.rule, f.risk, f.origin) for f in findings}


_WHICH = """
import shutil
import subprocess


def which_cmd(name):
    return shutil.which(name) or name


def run():
    subprocess.run([shutil.which("git") or "git", "status"])
    subprocess.run([which_cmd("git"), "status"])
"""


def test_a_helper_called_with_a_literal_is_its_inline_expression(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"m.py": _WHICH})
    # line 11, inline: AUD301; line 12 through the helper, before: AUD102 high internal
    assert _by_line(findings) == {11: ("AUD301", "low", None), 12: ("AUD301", "low", None)}
    # the fingerprint is the one the dynamic finding had (a baseline still matches it)
    helper = next(f for f in findings if f.line == 12)
    identity = "|".join(("AUD102", "m.py", "subprocess.run", "run", helper.snippet))
    assert helper.fingerprint == hashlib.sha256(f"{identity}|1".encode()).hexdigest()[:20]


def test_camel_find_command(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "installer.py": """
            import platform
            import shutil
            import subprocess
            from typing import Optional


            def find_command(
                cmd_base: str,
                windows_variants: Optional[list] = None,
                unix_variant: Optional[str] = None,
            ) -> Optional[str]:
                is_windows = platform.system() == "Windows"
                if is_windows and windows_variants:
                    for variant in windows_variants:
                        if shutil.which(variant):
                            return variant
                else:
                    variant = unix_variant or cmd_base
                    if shutil.which(variant):
                        return variant
                if shutil.which(cmd_base):
                    return cmd_base
                return None


            def install():
                use_shell = platform.system() == "Windows"
                npm_cmd = find_command("npm", windows_variants=["npm.cmd", "npm.exe"])
                subprocess.run([npm_cmd, "--version"], shell=use_shell)
            """
        },
    )
    # before: AUD101 high internal; a constant argv that may be run by a shell: AUD201
    assert _by_line(findings) == {30: ("AUD201", "medium", None)}


def test_what_a_helper_returns_for_a_value_of_the_program_keeps_its_origin(
    tmp_path: Path,
) -> None:
    findings = _scan(
        tmp_path,
        {
            "m.py": """
            import subprocess
            import sys


            def tool(name, suffix="-cli"):
                return "/usr/bin/" + name + suffix


            def reread(name):
                name = input()
                return name


            def gen(name):
                yield name


            def star(*names):
                return names[0]


            def again(name):
                return again(name)


            def run():
                subprocess.run([tool("git"), "status"])
                subprocess.run([tool(sys.argv[1]), "status"])
                subprocess.run([reread("git"), "status"])
                subprocess.run([next(gen("git")), "status"])
                subprocess.run([star("git"), "status"])
                subprocess.run([again("git"), "status"])
            """
        },
    )
    assert _by_line(findings) == {
        28: ("AUD301", "low", None),  # before: AUD102 high internal
        29: ("AUD102", "high", "user-input"),  # the command line
        30: ("AUD102", "high", "user-input"),  # input() rebinds the parameter
        31: ("AUD102", "high", "internal"),  # a generator
        32: ("AUD102", "high", "internal"),  # *args
        33: ("AUD102", "high", "internal"),  # recursive
    }


def test_a_helper_replaced_from_another_module_stays_dynamic(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "tasks.py": _WHICH,
            "cli.py": "import sys\nimport tasks\ndef main():\n    tasks.which_cmd = sys.argv.pop\n",
        },
    )
    rules = {f.line: (f.rule, f.risk) for f in findings if f.path.endswith("tasks.py")}
    assert rules[11] == ("AUD301", "low") and rules[12] == ("AUD102", "high")
