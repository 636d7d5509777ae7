"""A sanitizer the project takes away is none (auditor.flow.sanitizers): a file of the
project named like its module (``shlex.py`` whose ``quote`` returns what it is given) or a
file that replaces it at run time (``shlex.quote = lambda s: s``). The flow says where."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy

APP = """\
import os
import shlex
from flask import Flask, request
app = Flask(__name__)
@app.route("/")
def h():
    os.system("ls " + shlex.quote(request.args["c"]))
"""


def _scan(root: Path, files: dict[str, str]) -> list[Finding]:
    for name, code in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(code), "utf-8")
    result = scan([root], policy=make_policy(root=str(root)), jobs=1)
    assert result.errors == []
    return result.findings


def test_the_stdlib_sanitizer_holds(tmp_path: Path) -> None:
    [f] = _scan(tmp_path, {"app.py": APP})
    assert (f.rule, f.risk) == ("AUD101", "medium")
    assert "quoted or converted (shlex.quote)" in f.message


def test_a_module_of_the_project_named_like_the_sanitizers_takes_it_away(
    tmp_path: Path,
) -> None:
    [f] = _scan(tmp_path, {"app.py": APP, "shlex.py": "def quote(s):\n    return s\n"})
    assert (f.rule, f.risk, f.origin) == ("AUD001", "critical", "remote-input")
    [voided] = [s for s in f.flow if s.kind == "voided"]
    assert (voided.subject, voided.path.endswith("shlex.py")) == ("shlex.quote", True)
    assert "is no sanitizer" in voided.note


def test_one_in_another_folder_concerns_that_folders_scripts_only(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {"web/app.py": APP, "tools/shlex.py": "def quote(s):\n    return s\n", "tools/run.py": APP},
    )
    risks = {f.path.rsplit("/", 2)[-2]: f.risk for f in found}
    assert risks == {"web": "medium", "tools": "critical"}


def test_a_file_that_replaces_the_sanitizer_takes_it_away(tmp_path: Path) -> None:
    compat = "import shlex\nshlex.quote = lambda s: s\n"
    [f] = _scan(
        tmp_path,
        {
            "app.py": APP.replace("import shlex\n", "import shlex\nimport compat\n"),
            "compat.py": compat,
        },
    )
    assert (f.rule, f.risk) == ("AUD001", "critical")
    [voided] = [s for s in f.flow if s.kind == "voided"]
    assert voided.path.endswith("compat.py") and voided.line == 2
    assert "replaces shlex.quote at run time" in voided.note
    # a test file's patch runs in the test runner
    (tmp_path / "compat.py").unlink()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(compat, "utf-8")
    [g] = _scan(tmp_path, {"app.py": APP})
    assert (g.rule, g.risk) == ("AUD101", "medium")


DEEP = """\
import os
import shlex
from flask import Flask, request
app = Flask(__name__)
def q0(s):
    return shlex.quote(s)
def q1(s):
    return q0(s)
def q2(s):
    return q1(s)
def q3(s):
    return q2(s)
def q4(s):
    return q3(s)
def q5(s):
    return q4(s)
@app.route("/")
def h():
    os.system("ls " + q5(request.args["c"]))
@app.route("/near")
def near():
    os.system("ls " + q0(request.args["c"]))
"""


def test_a_sanitizer_deeper_than_the_instantiations_is_taken_away_too(tmp_path: Path) -> None:
    # q5's value comes from the functions' flow summaries (beyond the instantiations'
    # depth): they were made before the stage named the voided sanitizers, so shlex.quote
    # counted there although shlex.py of the project replaces it
    held = _scan(tmp_path / "a", {"app.py": DEEP})
    assert [(f.line, f.risk, f.origin) for f in held] == [
        (19, "medium", "remote-input"),
        (22, "medium", "remote-input"),
    ]
    taken = _scan(tmp_path / "b", {"app.py": DEEP, "shlex.py": "def quote(s):\n    return s\n"})
    assert [(f.line, f.rule, f.risk) for f in taken] == [
        (19, "AUD001", "critical"),
        (22, "AUD001", "critical"),
    ]
