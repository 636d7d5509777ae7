"""The calls agent code runs commands and code with on a remote sandbox or a container
(rules/sinks.toml): E2B's ``Sandbox.run_code`` and ``sandbox.commands.run``, Daytona's
``sandbox.process.exec`` and ``code_run``, the Kubernetes client's ``stream(...
connect_get_namespaced_pod_exec, command=...)`` and docker-py's ``client.containers.run``.
Before, none was a sink: request data or model output run there was not reported at all (an
attacker's case). They run on another machine (``remote``: the message says so) but are not
counted as isolated (``isolated`` is auditor's own sandbox, whose options the scan checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

FLASK = "from flask import Flask, request\napp = Flask(__name__)\n"

CASES = {
    "e2b.Sandbox.commands.run": (
        "from e2b import Sandbox\n",
        "    sbx = Sandbox()\n    sbx.commands.run('grep ' + q)\n",
    ),
    "e2b_code_interpreter.Sandbox.run_code": (
        "from e2b_code_interpreter import Sandbox\n",
        "    with Sandbox() as sbx:\n        sbx.run_code(q)\n",
    ),
    "daytona.Sandbox.process.exec": (
        "from daytona import Daytona\n",
        "    sandbox = Daytona().create()\n    sandbox.process.exec('ls ' + q)\n",
    ),
    "daytona.Sandbox.process.code_run": (
        "from daytona import Daytona\n",
        "    sandbox = Daytona().create()\n    sandbox.process.code_run(q)\n",
    ),
    "kubernetes.stream.stream": (
        "from kubernetes import client\nfrom kubernetes.stream import stream\n",
        "    api = client.CoreV1Api()\n"
        "    stream(api.connect_get_namespaced_pod_exec, 'web', 'default',\n"
        "           command=['sh', '-c', q], stdout=True)\n",
    ),
    "docker.models.containers.ContainerCollection.run": (
        "import docker\n",
        "    client = docker.from_env()\n    client.containers.run('alpine', ['sh', '-c', q])\n",
    ),
}


@pytest.mark.parametrize("sink", sorted(CASES))
def test_request_data_run_there_is_critical(sink: str, tmp_path: Path) -> None:
    imports, body = CASES[sink]
    code = imports + FLASK + "@app.route('/x')\ndef x():\n    q = request.args['q']\n" + body
    [found] = scan_files(tmp_path, {"app.py": code})
    assert (found.sink, found.risk, found.origin, found.isolated) == (
        sink,
        "critical",
        "remote-input",
        False,
    )
    if found.kind == "code":  # (the message of code run says no host)
        assert "code that comes from request data" in found.message, found.message
    elif sink != "docker.models.containers.ContainerCollection.run":
        assert "remote host" in found.message, found.message
    else:  # a container of this host's daemon
        assert "this host" in found.message, found.message


def test_a_container_left_to_its_image_command_runs_nothing_chosen(tmp_path: Path) -> None:
    code = "import docker\ndocker.from_env().containers.run('alpine', detach=True)\n"
    assert scan_files(tmp_path, {"app.py": code}) == []
