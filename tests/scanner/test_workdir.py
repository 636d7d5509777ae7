"""A working directory known only at run time chooses what runs (auditor.scan.workdir):
``subprocess.run(["./build.sh"], cwd=d)`` runs ``d/build.sh``, ``["make"]`` the recipes of
``d/Makefile``, ``["npm", "install"]`` the scripts of ``d/package.json``. The site is then a
program chosen at run time (AUD102; AUD002 with request data). A constant working directory,
or a program that reads nothing from it, changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.launchers import example_words
from auditor.scan.workdir import workdir_chooses, workdir_table
from tests.conftest import make_policy


@pytest.mark.parametrize(
    ("argv", "chosen"),
    workdir_table().examples,
    ids=[" ".join(a) for a, _ in workdir_table().examples],
)
def test_the_tables_examples(argv: tuple[str, ...], chosen: bool) -> None:
    """rules/workdir.toml's examples: the argv reads code from the working directory."""
    assert (workdir_chooses(example_words(argv)) is not None) == chosen


CALLS = [
    # (the body of run(x), rule, risk, action)
    ('subprocess.run(["./build.sh"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run(["make"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run(["npm", "install"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run(["python3", "setup.py", "install"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run(["pip", "install", "-e", "."], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run(["make", "-j4", "all"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.Popen(["sudo", "make", "install"], cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run("make all && make install", shell=True, cwd=x)', "AUD102", "high", "isolate"),
    ('subprocess.run("./configure", cwd=x)', "AUD102", "high", "isolate"),
    ('asyncio.create_subprocess_exec("cargo", "build", cwd=x)', "AUD102", "high", "isolate"),
    ('pexpect.spawn("./run.sh", cwd=x)', "AUD102", "high", "isolate"),
    # os.chdir(dir) before the call, in the same function
    ('os.chdir(x)\n    subprocess.run(["make"])', "AUD102", "high", "isolate"),
    # controls: a constant directory, programs that read no code there, no cwd
    ('subprocess.run(["make"], cwd="/srv/app")', "AUD301", "low", "allow"),
    ('subprocess.run(["make"], cwd=os.path.dirname(__file__))', "AUD301", "low", "allow"),
    ('subprocess.run(["make"], cwd=None)', "AUD301", "low", "allow"),
    ('subprocess.run(["ls", "-l"], cwd=x)', "AUD301", "low", "allow"),
    ('subprocess.run(["/opt/tools/build.sh"], cwd=x)', "AUD301", "low", "allow"),
    ('subprocess.run(["git", "status"], cwd=x)', "AUD301", "low", "allow"),
    ('subprocess.run(["pip", "install", "requests"], cwd=x)', "AUD301", "low", "allow"),
    ('subprocess.run(["./build.sh"])', "AUD301", "low", "allow"),
    ('os.chdir("/srv")\n    subprocess.run(["make"])', "AUD301", "low", "allow"),
    ('subprocess.run(["make"])\n    os.chdir(x)', "AUD301", "low", "allow"),
]


def _one(tmp_path: Path, body: str) -> tuple[str, str, str, str]:
    (tmp_path / "app.py").write_text(
        "import asyncio\nimport os\nimport subprocess\n\nimport pexpect\n\n\n"
        f"def run(x):\n    {body}\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    return finding.rule, finding.risk, finding.action, finding.message


@pytest.mark.parametrize(("body", "rule", "risk", "action"), CALLS)
def test_a_working_directory_chosen_at_run_time(
    tmp_path: Path, body: str, rule: str, risk: str, action: str
) -> None:
    got = _one(tmp_path, body)
    assert got[:3] == (rule, risk, action)
    if rule == "AUD102":  # the message says why
        assert "the working directory is chosen at run time: " in got[3]


def test_request_data_chooses_the_working_directory(tmp_path: Path) -> None:
    """The project-wide stage follows cwd= (and os.chdir's directory) to its origin."""
    (tmp_path / "app.py").write_text(
        "import os\nimport subprocess\nfrom flask import Flask, request\n"
        "app = Flask(__name__)\n\n"
        '@app.post("/a")\ndef a():\n'
        '    subprocess.run(["make"], cwd=request.form["dir"])\n\n'
        '@app.post("/b")\ndef b():\n'
        '    os.chdir(request.form["dir"])\n'
        '    subprocess.run(["npm", "test"])\n\n'
        '@app.post("/c")\ndef c():\n'
        '    subprocess.run(["make"], cwd=os.path.join("/srv", "app"))\n'
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = sorted((f.function, f.rule, f.risk, f.origin) for f in result.findings)
    assert got == [
        ("a", "AUD002", "critical", "remote-input"),
        ("b", "AUD002", "critical", "remote-input"),
        ("c", "AUD301", "low", None),
    ]
