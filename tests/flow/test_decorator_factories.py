"""A decorator made by a factory (``@shell("x")``, where ``shell(opt)`` returns a ``deco``
whose wrapper runs a sink on what the decorated function returns) is followed like a plain
decorator (tests/flow/test_wrappers_and_enter.py): the functions a call of the factory
decorates are what the nested decorator wraps (auditor.scan.summary records ``shell()`` among
a function's decorators, auditor.flow.propagate's ``resolve`` finds the factory of a nested
decorator). Before, the wrapper's ``*args`` had origin ``parameter`` (high) though the
decorated function's callers pass request data (an attacker's case)."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

FACTORY = """\
import functools, subprocess

def shell(timeout):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args):
            return subprocess.run(fn(*args), shell=True, timeout=timeout).stdout
        return wrapper
    return deco
"""
FLASK = "from flask import Flask, request\napp = Flask(__name__)\n"
ROUTE = """\
@shell(30)
def disk_usage(path):
    return "du -sh " + path

@app.route("/du")
def du():
    return disk_usage(request.args["path"])
"""


def _found(found: list[Finding]) -> list[tuple[str, int, str, str | None]]:
    return [(Path(f.path).name, f.line, f.risk, f.origin) for f in found]


def test_a_factory_s_decorator_runs_what_the_function_returns(tmp_path: Path) -> None:
    found = scan_files(tmp_path, {"app.py": FACTORY + FLASK + ROUTE})
    assert _found(found) == [("app.py", 7, "critical", "remote-input")]
    steps = [(s.line, s.kind) for s in found[0].flow]
    assert (18, "source") in steps  # request.args, in du()


def test_a_factory_whose_functions_return_constants(tmp_path: Path) -> None:
    code = FACTORY + "@shell(5)\ndef uptime():\n    return 'uptime'\n\ndef main():\n    uptime()\n"
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.line, f.origin) for f in found] != [(7, "remote-input")]
    assert all(f.risk != "critical" for f in found)


def test_the_factory_in_another_module(tmp_path: Path) -> None:
    # the decorated function's file names no sink: the stage reads it for the factory
    found = scan_files(
        tmp_path, {"deco.py": FACTORY, "app.py": FLASK + "from deco import shell\n" + ROUTE}
    )
    assert _found(found) == [("deco.py", 7, "critical", "remote-input")]
