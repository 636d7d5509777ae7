"""A callee that is the sandbox or the host's runner, chosen at run time (a feature flag
rolling the sandbox out): the host's runner is what the judgement must assume. Before,
``runner = sandbox.run if USE_SANDBOX else subprocess.run`` then ``runner(cmd)`` with
request data was "isolated, low" and the gate passed, while the flag unset ran it on the
host (an attacker's case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

HEAD = """\
import os, subprocess
from flask import Flask, request
from auditor import sandbox
app = Flask(__name__)
USE_SANDBOX = os.environ.get("USE_SANDBOX") == "1"
"""


@pytest.mark.parametrize(
    "body",
    [
        "runner = sandbox.run if USE_SANDBOX else subprocess.run\n\n"
        "@app.route('/a')\ndef a():\n    runner(['sh', '-c', request.args['c']])\n",
        "runner = subprocess.run if not USE_SANDBOX else sandbox.run\n\n"
        "@app.route('/a')\ndef a():\n    runner(['sh', '-c', request.args['c']])\n",
        "@app.route('/a')\ndef a():\n    run = sandbox.run\n    if not USE_SANDBOX:\n"
        "        run = subprocess.run\n    run(['sh', '-c', request.args['c']])\n",
        "@app.route('/a')\ndef a():\n"
        "    (USE_SANDBOX and sandbox.run or subprocess.run)(['sh', '-c', request.args['c']])\n",
    ],
)
def test_the_host_runner_wins(tmp_path: Path, body: str) -> None:
    [finding] = scan_files(tmp_path, {"app.py": HEAD + body})
    assert (finding.isolated, finding.risk, finding.origin) == (False, "critical", "remote-input")


def test_the_sandbox_alone_stays_isolated(tmp_path: Path) -> None:
    body = (
        "runner = sandbox.run\n\n"
        "@app.route('/a')\ndef a():\n    runner(['sh', '-c', request.args['c']])\n"
    )
    [finding] = scan_files(tmp_path, {"app.py": HEAD + body})
    assert (finding.sink, finding.isolated) == ("auditor.sandbox.run", True)


def test_a_critical_site_keeps_why_the_sandbox_does_not_count(tmp_path: Path) -> None:
    """The stage writes a critical site's message anew: the reason the call of the sandbox
    is judged as the call without it stays in it."""
    body = (
        "OPTS = {'allow_degraded': True}\n\n"
        "@app.route('/a')\ndef a():\n    sandbox.run(request.args['c'], shell=True, **OPTS)\n"
    )
    [finding] = scan_files(tmp_path, {"app.py": HEAD + body})
    assert (finding.risk, finding.isolated) == ("critical", False)
    assert finding.message.endswith(
        "(not counted as isolated: options the scan cannot read (**OPTS) may set "
        "allow_degraded or profile)"
    )
