"""What a decorator's wrapper runs of the function it wraps, and what ``with X() as v``
binds (auditor.scan.summary's ``_decorator_of`` and ``_entered``, auditor.flow.propagate's
``decorated``; docs/flow.md). Before, ``subprocess.run(fn(*args), shell=True)`` in a
decorator's wrapper had origin ``parameter`` (its ``*args`` "called from code the analysis
cannot see") though the decorated function's callers pass request data, and ``with
JobRequest() as cmd`` had origin ``internal`` though ``JobRequest.__enter__`` returns
request data (an attacker's case: both below the ``--fail-on critical`` gate)."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

DECORATOR = """\
import functools, subprocess

def shell_command(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return subprocess.run(fn(*args, **kwargs), shell=True, capture_output=True).stdout
    return wrapper
"""

ROUTE = """\
@shell_command
def disk_usage(path):
    return "du -sh " + path

@app.route("/du")
def du():
    return disk_usage(request.args["path"])
"""

FLASK = """\
from flask import Flask, request
app = Flask(__name__)
"""


def _found(found: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    return [(Path(f.path).name, f.line, f.rule, f.risk, f.origin) for f in found]


def test_a_decorator_runs_what_the_decorated_function_returns(tmp_path: Path) -> None:
    found = scan_files(tmp_path, {"app.py": DECORATOR + FLASK + ROUTE})
    assert _found(found) == [("app.py", 6, "AUD001", "critical", "remote-input")]
    steps = [(s.line, s.kind) for s in found[0].flow]
    assert (16, "source") in steps  # request.args, in du()


def test_the_decorator_in_another_module(tmp_path: Path) -> None:
    # the decorated function's file names no sink: the stage reads it for the decorator
    found = scan_files(
        tmp_path,
        {"deco.py": DECORATOR, "app.py": FLASK + "from deco import shell_command\n" + ROUTE},
    )
    assert _found(found) == [("deco.py", 6, "AUD001", "critical", "remote-input")]


def test_a_decorated_function_returning_a_constant_is_no_parameter(tmp_path: Path) -> None:
    # every function the decorator wraps is known and returns a constant: the wrapper's
    # ``*args`` (called from code not seen) no longer make it a parameter
    found = scan_files(
        tmp_path,
        {
            "app.py": DECORATOR
            + """\
@shell_command
def uptime():
    return "uptime"

def main():
    return uptime()
""",
        },
    )
    assert _found(found) == [("app.py", 6, "AUD101", "high", "internal")]


def test_with_as_is_what_enter_returns(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
import os
from flask import Flask, request
app = Flask(__name__)

class JobRequest:
    def __enter__(self):
        return request.json["cmd"]
    def __exit__(self, *exc):
        return False

@app.route("/job", methods=["POST"])
def job():
    with JobRequest() as cmd:
        os.system(cmd)
    return "ok"

class Shell:
    async def __aenter__(self):
        return os.environ["CMD"]
    async def __aexit__(self, *exc):
        return False

async def go():
    async with Shell() as line:
        os.system(line)

class Held:
    def __init__(self, c):
        self.c = c
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False

@app.route("/held")
def held():
    with Held(request.args["c"]) as h:
        os.system(h.c)
    return "ok"
""",
        },
    )
    assert _found(found) == [
        ("app.py", 14, "AUD001", "critical", "remote-input"),
        ("app.py", 25, "AUD101", "high", "environment"),
        # ``return self``: the object, which holds what it was made with
        ("app.py", 38, "AUD001", "critical", "remote-input"),
    ]
