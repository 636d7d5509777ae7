"""A call of auditor's sandbox is no longer isolated when another file of the project
replaces something of the sandbox's module at run time (auditor/flow/patches.py): the call
is judged as it would be without the sandbox (request data: AUD001, critical), its message
names the file and line of the patch and its flow has a step there. A test file's
monkeypatch (``tests/``, ``conftest.py``, ``test_*.py``) is normal testing: the
application's calls stay isolated. Before, only the call's own file was looked at, and
every case below was "runs its payload in the sandbox", low, allow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy, scan_files

JOBS = """
from flask import Flask, request
from auditor import sandbox
app = Flask(__name__)

@app.post("/run")
def run():
    return sandbox.run(request.form["cmd"], shell=True).stdout
"""

# the compat module's code -> (line of the patch, what it replaces)
PATCHES = {
    "an attribute assigned": (
        "import subprocess\nimport auditor.sandbox as sb\n\nsb.run = subprocess.run\n",
        4,
        "auditor.sandbox.run",
    ),
    "setattr": (
        "import subprocess\nfrom auditor import sandbox\n\n"
        "setattr(sandbox, 'run', subprocess.run)\n",
        4,
        "auditor.sandbox.run",
    ),
    "setattr under a name chosen at run time": (
        "import subprocess\nfrom auditor import sandbox\n\n"
        "for name in ('run', 'call'):\n    setattr(sandbox, name, getattr(subprocess, name))\n",
        5,
        "auditor.sandbox",
    ),
    "the dotted module": (
        "import subprocess\nimport auditor.sandbox\n\nauditor.sandbox.Popen = subprocess.Popen\n",
        4,
        "auditor.sandbox.Popen",
    ),
    "a lambda": (
        "from auditor import sandbox\n\n\nsandbox.exec_python = lambda c, **k: exec(c)\n",
        4,
        "auditor.sandbox.exec_python",
    ),
    "mock.patch in application code": (
        "import subprocess\nfrom unittest import mock\n\n"
        "mock.patch('auditor.sandbox.run', subprocess.run).start()\n",
        4,
        "auditor.sandbox.run",
    ),
    "patch.object": (
        "import subprocess\nfrom unittest import mock\nfrom auditor import sandbox as sb\n"
        "mock.patch.object(sb, 'run', subprocess.run).start()\n",
        4,
        "auditor.sandbox.run",
    ),
    "a submodule": (
        "import subprocess\nfrom auditor.sandbox import api\n\n\ndef setup():\n"
        "    api.run = subprocess.run\n",
        6,
        "auditor.sandbox.api.run",
    ),
    "the module replaced in sys.modules": (
        "import subprocess\nimport sys\n\nsys.modules['auditor.sandbox'] = subprocess\n",
        4,
        "auditor.sandbox",
    ),
    # an independent attacker's ways round the subscript (session 18)
    "sys.modules.update": (
        "import subprocess\nimport sys\n\nsys.modules.update({'auditor.sandbox': subprocess})\n",
        4,
        "auditor.sandbox",
    ),
    "sys.modules.setdefault": (
        "import subprocess\nimport sys\n\nsys.modules.setdefault('auditor.sandbox', subprocess)\n",
        4,
        "auditor.sandbox",
    ),
    "sys.modules |=": (
        "import subprocess\nimport sys\n\nsys.modules |= {'auditor.sandbox': subprocess}\n",
        4,
        "auditor.sandbox",
    ),
    "sys.modules through a name": (
        "import subprocess\nimport sys\n\nm = sys.modules\nm['auditor.sandbox'] = subprocess\n",
        5,
        "auditor.sandbox",
    ),
    "modules imported from sys": (
        "import subprocess\nfrom sys import modules\n\nmodules['auditor.sandbox'] = subprocess\n",
        4,
        "auditor.sandbox",
    ),
}


def _by_file(found: list[Finding], name: str) -> list[Finding]:
    return [f for f in found if Path(f.path).name == name]


@pytest.mark.parametrize("case", sorted(PATCHES))
def test_a_patch_of_the_sandbox_in_another_file_makes_the_call_not_isolated(
    tmp_path: Path, case: str
) -> None:
    compat, line, subject = PATCHES[case]
    found = scan_files(
        tmp_path, {"app/__init__.py": "", "app/jobs.py": JOBS, "app/compat.py": compat}
    )
    [f] = _by_file(found, "jobs.py")
    assert (f.rule, f.risk, f.action, f.isolated, f.origin) == (
        "AUD001", "critical", "isolate", False, "remote-input",
    )  # fmt: skip
    where = f"{tmp_path / 'app' / 'compat.py'}:{line}"
    assert f"(not counted as isolated: {where} replaces `{subject}` at run time" in f.message
    patched = [s for s in f.flow if s.kind == "patched"]
    assert [(Path(s.path).name, s.line, s.subject) for s in patched] == [
        ("compat.py", line, subject)
    ]
    assert [s.kind for s in f.flow] == ["source", "patched", "reaches"]


def test_model_output_run_by_a_patched_exec_python_is_critical_code(tmp_path: Path) -> None:
    jobs = """
    from openai import OpenAI
    from auditor import sandbox

    def answer(question):
        reply = OpenAI().chat.completions.create(model="m", messages=[question])
        return sandbox.exec_python(reply.choices[0].message.content)
    """
    compat = "from auditor import sandbox\n\nsandbox.exec_python = lambda c, **k: exec(c)\n"
    found = scan_files(tmp_path, {"app/jobs.py": jobs, "app/compat.py": compat})
    [f] = _by_file(found, "jobs.py")
    assert (f.rule, f.risk, f.isolated, f.origin) == ("AUD003", "critical", False, "llm-output")
    assert "compat.py:3 replaces `auditor.sandbox.exec_python`" in f.message


def test_a_constant_command_loses_isolation_but_stays_a_constant(tmp_path: Path) -> None:
    jobs = "from auditor import sandbox\n\n\ndef uptime():\n    return sandbox.run(['uptime'])\n"
    compat = "import subprocess\nfrom auditor import sandbox\nsandbox.run = subprocess.run\n"
    found = scan_files(tmp_path, {"app/jobs.py": jobs, "app/compat.py": compat})
    [f] = _by_file(found, "jobs.py")
    assert (f.rule, f.payload, f.isolated) == ("AUD301", "constant", False)
    assert "not counted as isolated" in f.message
    assert [(Path(s.path).name, s.kind) for s in f.flow] == [("compat.py", "patched")]


@pytest.mark.parametrize(
    "tests",
    [
        {
            "tests/conftest.py": """
            import pytest
            from auditor import sandbox

            @pytest.fixture(autouse=True)
            def fake_sandbox(monkeypatch):
                monkeypatch.setattr(sandbox, "run", lambda *a, **k: None)
            """
        },
        {"tests/test_jobs.py": "from unittest import mock\nmock.patch('auditor.sandbox.run')\n"},
        {"test_jobs.py": "from auditor import sandbox\nsandbox.run = print\n"},
        {"app/jobs_test.py": "import auditor.sandbox as sb\nsetattr(sb, 'run', print)\n"},
        {"conftest.py": "import sys\nsys.modules['auditor.sandbox'] = object()\n"},
    ],
)
def test_a_test_files_monkeypatch_leaves_the_application_isolated(
    tmp_path: Path, tests: dict[str, str]
) -> None:
    found = scan_files(tmp_path, {"app/__init__.py": "", "app/jobs.py": JOBS, **tests})
    [f] = _by_file(found, "jobs.py")
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)
    assert "not counted" not in f.message and "patched" not in [s.kind for s in f.flow]


@pytest.mark.parametrize(
    "compat",
    [
        # its own names rebound, not the sandbox's
        "import subprocess\nfrom auditor.sandbox import run\nrun = subprocess.run\n",
        # an attribute of another module that happens to be named so
        "import subprocess\nfrom app import tools as sandbox_tools\n"
        "sandbox_tools.run = subprocess.run\n",
        # read, not written
        "from auditor import sandbox\nRUN = sandbox.run\nprint(sandbox.run)\n",
    ],
)
def test_what_is_no_patch_of_the_sandbox_leaves_it_isolated(tmp_path: Path, compat: str) -> None:
    files = {"app/__init__.py": "", "app/tools.py": "", "app/jobs.py": JOBS}
    found = scan_files(tmp_path, {**files, "app/compat.py": compat})
    [f] = _by_file(found, "jobs.py")
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)


def test_a_patch_of_the_policys_own_isolation_wrapper_counts_too(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/jail.py": "def run(cmd):\n    pass\n",
        "app/jobs.py": "import sys\nfrom app import jail\n\njail.run(sys.argv[1])\n",
        "app/compat.py": "import subprocess\nimport app.jail\n\napp.jail.run = subprocess.run\n",
    }
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(code))
    sink = {"name": "app.jail.run", "kind": "command", "payload": 0, "isolated": True}
    policy = make_policy({"sinks": [sink]}, root=str(tmp_path))
    found = scan([tmp_path], policy=policy, jobs=1).findings
    [f] = _by_file(found, "jobs.py")
    assert (f.isolated, f.origin) == (False, "user-input")
    assert "compat.py:4 replaces `app.jail.run` at run time" in f.message
