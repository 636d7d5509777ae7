"""Already migrated: generated code runs in auditor's sandbox."""

from __future__ import annotations

from auditor import sandbox


def run_untrusted(code: str) -> str:
    result = sandbox.exec_python(code, capture_output=True, text=True, timeout=30)
    return result.stdout


def shell_untrusted(command: str) -> int:
    return sandbox.run(command, shell=True).returncode
