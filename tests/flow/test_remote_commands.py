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


FABRIC = """import invoke
from fabric import Connection, SerialGroup
from flask import request


def a():
    Connection("web1").run(request.args["c"])


def b():
    with Connection(request.args["host"]) as c:
        c.sudo(request.args["c"])


def d():
    SerialGroup("web1", "web2").run(request.args["c"])


def e():
    Connection("web1").local(request.args["c"])


def g():
    invoke.run(request.args["c"])
"""


def test_fabric_commands_run_on_the_remote_host(tmp_path: Path) -> None:
    """The catalogue's ``remote`` (rules/sinks.toml) says where a command runs: fabric's
    run and sudo on the remote host, its Connection.local and invoke.run on this one."""
    (tmp_path / "app.py").write_text(FABRIC)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    said = {f.line: (f.rule, f.message) for f in result.findings}
    assert {line: rule for line, (rule, _) in said.items()} == {
        7: "AUD001",
        12: "AUD001",
        16: "AUD001",
        20: "AUD001",
        24: "AUD001",
    }
    for line in (7, 12, 16):
        assert "runs commands on the remote host" in said[line][1], said[line][1]
    for line in (20, 24):
        assert "runs commands on this host" in said[line][1], said[line][1]


def test_a_policy_sink_may_run_remotely(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import ops\nfrom flask import request\n\n\n"
        "def a():\n    ops.remote_sh(request.args['c'])\n"
    )
    sink = {"name": "ops.remote_sh", "kind": "command", "shell": "always", "remote": True}
    policy = make_policy({"sinks": [sink]}, root=str(tmp_path))
    [finding] = scan([tmp_path], policy=policy, jobs=1).findings
    assert finding.rule == "AUD001"
    assert "runs commands on the remote host" in finding.message
