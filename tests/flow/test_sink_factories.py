"""A sink a function returns, or called in contrived ways (an attacker's cases, round 4,
items 2 and 14). Before, ``def pick(): return os.system`` then ``pick()(request.args["c"])``
gave no finding at all, nor did ``runner = pick(); runner(...)``, a method returning a sink,
a factory in another module of the project, ``os.system.__call__(x)``, ``(lambda:
os.system)()(x)`` or ``functools.reduce(lambda a, f: f(a), [os.system], x)``.

Each must be the finding the direct call of the sink with the same arguments is: every
test below scans the form and the direct call, and compares them."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

HEAD = """\
import os, subprocess, functools
from flask import Flask, request
from auditor import sandbox
app = Flask(__name__)
USE_SANDBOX = os.environ.get("USE_SANDBOX") == "1"
"""

FACTORIES = """\
def pick():
    return os.system

def get_runner():
    return subprocess.run if USE_SANDBOX else subprocess.call

def host_or_box():
    if USE_SANDBOX:
        return sandbox.run
    return subprocess.run

def shell_partial():
    return functools.partial(subprocess.run, shell=True)

def wrapped():
    return lambda c: os.system(c)

class Runner:
    def get_runner(self):
        return os.system

    def go(self, cmd):
        self.get_runner()(cmd)

    def go2(self, cmd):
        runner = self.get_runner()
        runner(cmd)

"""


def _shape(f: Finding) -> tuple[str, str, str | None, str, str | None, bool]:
    return (f.rule, f.risk, f.sink, f.payload, f.origin, f.isolated)


def _one_route(tmp_path: Path, body: str) -> list[Finding]:
    """The findings of one Flask view whose body is ``body`` (indented), at that view."""
    code = (
        HEAD
        + FACTORIES
        + "@app.route('/a')\ndef view():\n"
        + "".join(f"    {line}\n" for line in body.splitlines())
    )
    found = scan_files(tmp_path, {"app.py": code})
    view_line = code.splitlines().index("def view():") + 1
    return [f for f in found if f.line > view_line]


@pytest.mark.parametrize(
    ("form", "direct"),
    [
        ('pick()(request.args["c"])', 'os.system(request.args["c"])'),
        ('runner = pick()\nrunner(request.args["c"])', 'os.system(request.args["c"])'),
        ('pick()("ls -l")', 'os.system("ls -l")'),
        (
            'get_runner()(["sh", "-c", request.args["c"]])',
            'subprocess.run(["sh", "-c", request.args["c"]])',
        ),
        # the sandbox or the host's runner: the host's wins
        (
            'host_or_box()(["sh", "-c", request.args["c"]])',
            'subprocess.run(["sh", "-c", request.args["c"]])',
        ),
        (
            'shell_partial()(request.args["c"])',
            'subprocess.run(request.args["c"], shell=True)',
        ),
        (
            'run = shell_partial()\nrun(request.args["c"])',
            'subprocess.run(request.args["c"], shell=True)',
        ),
        ('wrapped()(request.args["c"])', 'os.system(request.args["c"])'),
        ('os.system.__call__(request.args["c"])', 'os.system(request.args["c"])'),
        ('(lambda: os.system)()(request.args["c"])', 'os.system(request.args["c"])'),
        ('f = (lambda: os.system)()\nf(request.args["c"])', 'os.system(request.args["c"])'),
        (
            'functools.reduce(lambda a, f: f(a), [os.system], request.args["c"])',
            'os.system(request.args["c"])',
        ),
    ],
)
def test_a_form_is_the_direct_call(tmp_path: Path, form: str, direct: str) -> None:
    found = _one_route(tmp_path / "form", form)
    [expected] = _one_route(tmp_path / "direct", direct)
    [finding] = found
    assert _shape(finding) == _shape(expected)
    assert finding.snippet == form.splitlines()[-1]


def test_a_method_returning_a_sink_called_with_request_data(tmp_path: Path) -> None:
    code = (
        HEAD
        + FACTORIES[FACTORIES.index("class Runner") :]
        + (
            "@app.route('/a')\ndef view():\n    Runner().go(request.args['c'])\n"
            "    Runner().go2(request.args['c'])\n"
        )
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.snippet, f.rule, f.origin) for f in found] == [
        ("self.get_runner()(cmd)", "AUD001", "remote-input"),
        ("runner(cmd)", "AUD001", "remote-input"),
    ]


def test_a_factory_of_the_sandbox_alone_stays_isolated(tmp_path: Path) -> None:
    code = HEAD + (
        "def box():\n    return sandbox.run\n\n"
        "@app.route('/a')\ndef view():\n    box()(['sh', '-c', request.args['c']])\n"
    )
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.sink, finding.isolated) == ("auditor.sandbox.run", True)


def test_what_is_no_factory_of_a_sink_gives_nothing(tmp_path: Path) -> None:
    """A function returning anything else, a lambda returning its own parameter, and the
    factory itself called with the data (it runs nothing)."""
    code = HEAD + (
        "def pick():\n    return os.system\n\n"
        "def where():\n    return os.getcwd\n\n"
        "@app.route('/a')\ndef view():\n"
        "    where()(request.args['c'])\n"
        "    (lambda os: os.system)(request.args['c'])\n"
        "    pick(request.args['c'])\n"
    )
    assert scan_files(tmp_path, {"app.py": code}) == []


UTIL = """\
import os, subprocess, functools
from auditor import sandbox

USE_SANDBOX = os.environ.get("USE_SANDBOX") == "1"
sh = os.system

def pick():
    return os.system

def get_runner():
    if USE_SANDBOX:
        return sandbox.run
    return subprocess.run

def via_alias():
    return sh

def where():
    return os.getcwd

def part():
    return functools.partial(subprocess.run, shell=True)
"""

VIEW_HEAD = """\
from flask import Flask, request
app = Flask(__name__)
"""


def _found(found: list[Finding]) -> list[tuple[str, int, str, str, str | None, bool]]:
    return [(Path(f.path).name, f.line, f.sink or "", f.risk, f.origin, f.isolated) for f in found]


def test_a_factory_in_another_module(tmp_path: Path) -> None:
    """The importing file names no sink: before, it was not even parsed."""
    found = scan_files(
        tmp_path,
        {
            "util.py": UTIL,
            "app.py": VIEW_HEAD
            + """\
from util import pick, get_runner, via_alias, where
import util

@app.route("/a")
def a():
    pick()(request.args["c"])
    runner = get_runner()
    runner(["sh", "-c", request.args["c"]])
    util.pick()(request.args["c"])
    via_alias()(request.args["c"])
    where()(request.args["c"])
    pick(request.args["c"])
""",
        },
    )
    found = [f for f in found if f.path.endswith("app.py")]  # (util.py: the partial)
    assert _found(found) == [
        ("app.py", 8, "os.system", "critical", "remote-input", False),
        ("app.py", 10, "subprocess.run", "critical", "remote-input", False),
        ("app.py", 11, "os.system", "critical", "remote-input", False),
        ("app.py", 12, "os.system", "critical", "remote-input", False),
    ]
    assert all(f.handed_to is None for f in found)


def test_a_partial_another_module_returns(tmp_path: Path) -> None:
    """Its own arguments (``shell=True``) are not carried over: the call is judged as the
    sink's with the call's arguments alone, and says the sink is handed over (no codemod
    rewrites it as the sink's call, which would drop them)."""
    found = scan_files(
        tmp_path,
        {
            "util.py": UTIL,
            "app.py": VIEW_HEAD
            + """from util import part

@app.route("/a")
def a():
    part()(request.args["c"])
""",
        },
    )
    app = [f for f in found if f.path.endswith("app.py")]
    assert _found(app) == [("app.py", 7, "subprocess.run", "critical", "remote-input", False)]
    assert app[0].handed_to == "part"


def test_a_factory_imported_relatively_or_by_a_star(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/helpers.py": "import subprocess\ndef runner():\n"
            "    return subprocess.check_output\n",
            "pkg/views.py": VIEW_HEAD
            + """\
from .helpers import runner

@app.route("/a")
def a():
    runner()(request.args["c"], shell=True)
""",
            "pkg/more.py": VIEW_HEAD
            + """\
from .helpers import *

@app.route("/b")
def b():
    runner()(["sh", "-c", request.args["c"]])
""",
        },
    )
    assert sorted(_found(found)) == [
        ("more.py", 7, "subprocess.check_output", "critical", "remote-input", False),
        ("views.py", 7, "subprocess.check_output", "critical", "remote-input", False),
    ]


@pytest.mark.parametrize("first", ["f", "g"])
def test_functions_returning_each_others_calls(tmp_path: Path, first: str) -> None:
    """A cycle (``f`` returns ``g()`` or the sink, ``g`` returns ``f()``): both calls name
    the sink, whichever is read first."""
    second = "g" if first == "f" else "f"
    code = HEAD + (
        "def f():\n    return g() or os.system\n\n"
        "def g():\n    return f()\n\n"
        "@app.route('/a')\ndef view():\n"
        f"    {first}()(request.args['c'])\n"
        f"    {second}()(request.args['c'])\n"
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.snippet, f.sink, f.risk) for f in found] == [
        (f"{first}()(request.args['c'])", "os.system", "critical"),
        (f"{second}()(request.args['c'])", "os.system", "critical"),
    ]
