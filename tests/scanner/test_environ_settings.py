"""A setting of the process's own environment that chooses what runs (PATH, LD_PRELOAD,
BASH_ENV...: rules/launchers.toml's env ``chooser-assignments``) from a value known only at
run time is a finding of its own, at the setting (rules/sinks.toml's ``[[environ]]``):
``os.environ["PATH"] = d`` changes what every later command of the process runs, whichever
call starts it. A program chosen at run time: AUD102, AUD002 with request data."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from auditor.scan.environ import chooses, settings
from tests.conftest import REPO, make_policy

EXAMPLES = [
    (setting.name, code, reported)
    for setting in settings()
    for reported, codes in ((True, setting.report), (False, setting.ignore))
    for code in codes
]


@pytest.mark.parametrize("prefilter", [True, False])
@pytest.mark.parametrize(("name", "code", "reported"), EXAMPLES)
def test_the_tables_examples(name: str, code: str, reported: bool, prefilter: bool) -> None:
    """Each ``report`` example yields one AUD102 finding at the setting, each ``ignore``
    example none; with the pre-filter on or off (it must not skip such a file)."""
    policy = load_policy(REPO / "examples" / "llm_backend")
    result = analyze_source(
        code.encode(), "m.py", "m.py", Context(policy, Options(prefilter=prefilter))
    )
    assert result.errors == []
    if not reported:
        assert result.findings == []
        return
    [finding] = result.findings
    assert (finding.rule, finding.category, finding.payload) == (
        "AUD102",
        "dynamic-program",
        "dynamic",
    )
    assert finding.sink.startswith(name)
    assert finding.line == code.count("\n") + 1  # the setting: the example's last line


def test_the_finding_names_the_variable_and_keeps_the_statement(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n\n\ndef f(p):\n    x = 1\n    os.environ['LD_PRELOAD'] = p  # set\n"
    )
    [finding] = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1).findings
    assert finding.sink == "os.environ[LD_PRELOAD]"
    assert (finding.line, finding.column, finding.end_line) == (6, 5, 6)
    assert finding.snippet == "os.environ['LD_PRELOAD'] = p"
    assert finding.message.startswith("os.environ[LD_PRELOAD] = ... runs a program chosen")
    assert finding.function == "f"


def test_request_data_makes_the_setting_critical(tmp_path: Path) -> None:
    """The attacker's reproducer: the setting is reported (AUD002, with the request as its
    origin); the constant commands run after it stay as they are (the finding is at the
    setting, not at each later call)."""
    (tmp_path / "hook.py").write_text(
        "import os, subprocess\nfrom flask import Flask, request\n\n"
        "app = Flask(__name__)\n\n"
        '@app.post("/env")\ndef env():\n'
        '    os.environ["PATH"] = request.form["path"]\n'
        '    subprocess.run(["git", "status"])\n'
        '    os.environ.update(LD_PRELOAD=request.form["preload"])\n'
        '    os.putenv("BASH_ENV", request.form["rc"])\n'
        '    os.environ["TZ"] = request.form["tz"]\n'
        '    os.environ["PATH"] = "/usr/bin:/bin"\n'
        '    subprocess.run(["bash", "-c", "true"])\n'
        '    return "ok"\n'
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = [(f.line, f.rule, f.risk, f.origin) for f in result.findings]
    assert got == [
        (8, "AUD002", "critical", "remote-input"),
        (9, "AUD301", "low", None),
        (10, "AUD002", "critical", "remote-input"),
        (11, "AUD002", "critical", "remote-input"),
        (14, "AUD201", "medium", None),
    ]
    first = result.findings[0]
    assert first.flow[0].line == 8


def test_a_call_through_a_subscript_is_named_as_a_call(tmp_path: Path) -> None:
    """``__salt__["cmd.run"](cmd, shell=...)``: a sink name that ends in ``]`` is still a
    call (only os.environ[KEY] settings are named as assignments)."""
    (tmp_path / "m.py").write_text(
        'import sys\n\n\ndef go(cmd):\n    return __salt__["cmd.run_all"](cmd, shell=sys.argv[1])\n'
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    assert finding.message.startswith('__salt__["cmd.run_all"]() ')


@pytest.mark.parametrize(
    ("name", "chosen"),
    [
        ("PYTHONPATH", True),
        ("PYTHONSTARTUP", True),
        ("PYTHONWARNINGS", True),  # a warning category is imported by its dotted name
        ("PYTHON_PRESITE", True),
        ("PYTHONHASHSEEDX", True),  # not one CPython documents: still a chooser
        ("PYTHONHASHSEED", False),  # a seed (haystack's set_all_seeds)
        ("PYTHONUNBUFFERED", False),
        ("PYTHONIOENCODING", False),
        ("PYTHONDONTWRITEBYTECODE", False),
        ("PYTHON_CPU_COUNT", False),
    ],
)
def test_the_python_variables_that_choose_what_runs(name: str, chosen: bool) -> None:
    assert chooses(name) is chosen
