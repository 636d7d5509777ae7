"""Values that come back from code the caller chooses (an attacker's cases, round 9, items
4 and 5): what ``g.send(x)`` sends into a generator is what its ``yield`` expression
evaluates to, and ``self.command()`` in a base class's method runs the override of the
subclass the instance is made of. Before, ``c = yield; os.system(c)`` with
``g.send(request.args["c"])`` was high with origin ``internal``, and so was
``os.system(self.command())`` in ``Job.run`` though the route runs ``WebJob(request.args[
"c"]).run()`` and ``WebJob.command`` returns that argument."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

FLASK = """\
import os
from flask import Flask, request
app = Flask(__name__)
"""

GEN = """\
def gen():
    while True:
        c = yield
        os.system(c)
"""


def _found(found: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    return [(Path(f.path).name, f.line, f.rule, f.risk, f.origin) for f in found]


def test_what_is_sent_into_a_generator_reaches_its_yield(tmp_path: Path) -> None:
    code = (
        FLASK
        + GEN
        + ("@app.route('/k')\ndef k():\n    g = gen(); next(g); g.send(request.args['c'])\n")
    )
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert _found([finding]) == [("app.py", 7, "AUD001", "critical", "remote-input")]
    kinds = [(s.line, s.kind) for s in finding.flow]
    assert kinds[0] == (10, "source")
    assert (10, "passed") in kinds


def test_a_generator_sent_in_another_module(tmp_path: Path) -> None:
    files = {
        "worker.py": "import os\n" + GEN,
        "app.py": FLASK
        + "from worker import gen\n"
        + ("@app.route('/k')\ndef k():\n    gen().send(request.args['c'])\n"),
    }
    assert _found(scan_files(tmp_path, files)) == [
        ("worker.py", 5, "AUD001", "critical", "remote-input")
    ]


def test_a_generator_never_sent_anything_seen_is_no_internal_value(tmp_path: Path) -> None:
    """Only iterated, or sent a constant: what code not seen may send is not known, so the
    ``yield`` is a parameter's value (as a function's parameter is), never "internal"."""
    code = (
        FLASK
        + GEN
        + (
            "def loop():\n    for _ in gen():\n        pass\n\n"
            "def constant():\n    g = gen(); next(g); g.send('uptime')\n"
        )
    )
    assert _found(scan_files(tmp_path, {"app.py": code})) == [
        ("app.py", 7, "AUD101", "high", "parameter")
    ]


JOBS = """\
class Job:
    def command(self):
        return "uptime"
    def run(self):
        os.system(self.command())

class WebJob(Job):
    def __init__(self, c):
        self.c = c
    def command(self):
        return self.c
"""


def test_a_base_method_runs_the_override_of_the_subclass(tmp_path: Path) -> None:
    code = FLASK + JOBS + ("@app.route('/b')\ndef b():\n    WebJob(request.args['c']).run()\n")
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert _found([finding]) == [("app.py", 8, "AUD001", "critical", "remote-input")]
    kinds = [(s.line, s.kind) for s in finding.flow]
    assert kinds[0] == (17, "source")
    assert (8, "returned") in kinds


def test_the_subclass_in_another_module(tmp_path: Path) -> None:
    base, sub = JOBS.split("class WebJob")
    files = {
        "jobs.py": "import os\n" + base,
        "web.py": FLASK
        + "from jobs import Job\n\nclass WebJob"
        + sub
        + ("@app.route('/b')\ndef b():\n    WebJob(request.args['c']).run()\n"),
    }
    assert _found(scan_files(tmp_path, files)) == [
        ("jobs.py", 6, "AUD001", "critical", "remote-input")
    ]


def test_overrides_returning_constants_keep_the_site_constant_fed(tmp_path: Path) -> None:
    """Every override returns a constant: still no origin outside the code."""
    code = (
        FLASK
        + JOBS.replace("return self.c", "return 'df -h'")
        + ("@app.route('/b')\ndef b():\n    WebJob(request.args['c']).run()\n")
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.line, f.origin) for f in found] == [(8, "internal")]
