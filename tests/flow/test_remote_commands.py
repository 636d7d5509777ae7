"""A critical shell command's message says where the command runs: a command paramiko or
``ssh HOST CMD`` runs, on the remote host (it said "this host" for them too)."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

CODE = """import subprocess
import paramiko
from flask import request


def a():
    c = paramiko.SSHClient()
    c.exec_command(request.args["c"])


def b():
    subprocess.run(["ssh", "host", request.args["c"]])


def d():
    subprocess.run(request.args["c"], shell=True)
"""


def test_the_message_names_the_host_the_command_runs_on(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CODE)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    said = {f.line: (f.rule, f.message) for f in result.findings}
    assert {line: rule for line, (rule, _) in said.items()} == {
        8: "AUD001",
        12: "AUD001",
        16: "AUD001",
    }
    assert "runs commands on the remote host" in said[8][1]
    assert "runs commands on the remote host" in said[12][1]
    assert "runs commands on this host" in said[16][1]
