"""Tools the agent may call: thin wrappers over system commands."""

from __future__ import annotations

import os
import shlex
import subprocess
from subprocess import Popen as Spawn


def run_shell(command: str) -> str:
    """Run a shell command line and return its output (declared as a sink in pyproject)."""
    return subprocess.getoutput(command)


def search(pattern: str, folder: str) -> str:
    proc = subprocess.run(f"grep -rn {pattern} {folder}", shell=True, capture_output=True, text=True)
    return proc.stdout


def archive(source: str, target: str) -> int:
    return os.system(f"tar czf {target} {source}")


def count_lines(path: str) -> str:
    return run_shell("wc -l " + shlex.quote(path))


def tail(path: str) -> Spawn[bytes]:
    return Spawn(["tail", "-f", path], stdout=subprocess.PIPE)


def git_log(repo: str, limit: int) -> bytes:
    return subprocess.check_output(["git", "-C", repo, "log", f"-{limit}", "--oneline"])


def legacy_cleanup(tmpdir: str) -> None:
    os.system("rm -rf " + tmpdir)  # auditor: ignore[AUD101] tmpdir is from tempfile.mkdtemp()


def run_tool(tool: str, *args: str) -> str:
    run = getattr(subprocess, "check_output")
    return run([tool, *args], text=True)
