"""A sink that a module of the project binds under a name of its own, imported by another
module (auditor.flow.aliases; docs/flow.md). Before, ``from utils import sh`` then
``sh(request.args["c"])`` gave no finding at all: the importing file names no sink, so it
was not even parsed, and ``utils.sh`` is no catalogue name (an attacker's case: a one-line
way to hide any ``os.system`` or ``eval`` from the gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from auditor.flow.aliases import imports_alias
from tests.conftest import scan_files

UTILS = """\
import os, subprocess
from subprocess import Popen as P

sh = os.system
ev = eval
sp = subprocess
"""

VIEW_HEAD = """\
from flask import Flask, request
app = Flask(__name__)
"""


def _found(found: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    return [(Path(f.path).name, f.line, f.sink or "", f.risk, f.origin) for f in found]


def test_names_bound_to_sinks_in_another_module(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "utils.py": UTILS,
            "app.py": VIEW_HEAD
            + """\
from utils import sh, ev, sp, P
import utils

@app.route("/a")
def a():
    sh(request.args["c"])
    ev(request.args["c"])
    utils.sh(request.args["c"])
    sp.getoutput(request.args["c"])
    P(request.args["c"], shell=True)
""",
        },
    )
    assert _found(found) == [
        ("app.py", 8, "os.system", "critical", "remote-input"),
        ("app.py", 9, "builtins.eval", "critical", "remote-input"),
        ("app.py", 10, "os.system", "critical", "remote-input"),
        ("app.py", 11, "subprocess.getoutput", "critical", "remote-input"),
        ("app.py", 12, "subprocess.Popen", "critical", "remote-input"),
    ]


def test_a_star_import_of_such_a_module(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "utils.py": UTILS,
            "app.py": VIEW_HEAD
            + """\
from utils import *

@app.route("/a")
def a():
    sh(request.args["c"])
""",
        },
    )
    assert _found(found) == [("app.py", 7, "os.system", "critical", "remote-input")]


def test_a_compat_module_re_exporting_through_a_relative_import(tmp_path: Path) -> None:
    """The realistic form: a package's compat module whose imports may fail, a second one
    re-exporting the first's, and views importing both relatively."""
    found = scan_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/compat.py": """\
                try:
                    from subprocess import check_output, run
                except ImportError:
                    check_output = run = None
                import os
                system = os.system
                """,
            "pkg/shims.py": "from .compat import run as start\n",
            "pkg/views.py": VIEW_HEAD
            + """\
from .compat import system, run
from . import shims

@app.route("/c")
def c():
    system(request.args["c"])
    run(["sh", "-c", request.args["c"]])
    shims.start(["sh", "-c", request.args["c"]])
""",
        },
    )
    assert _found(found) == [
        ("views.py", 8, "os.system", "critical", "remote-input"),
        ("views.py", 9, "subprocess.run", "critical", "remote-input"),
        ("views.py", 10, "subprocess.run", "critical", "remote-input"),
    ]


def test_an_alias_called_with_a_constant_is_a_constant_site(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {"utils.py": UTILS, "job.py": "from utils import sh\n\nsh('uptime')\n"},
    )
    assert [(Path(f.path).name, f.rule, f.risk) for f in found] == [("job.py", "AUD201", "medium")]


def test_a_name_bound_to_something_else_is_no_alias(tmp_path: Path) -> None:
    """``run = print`` and a module's own function named ``system`` are not sinks."""
    found = scan_files(
        tmp_path,
        {
            "helpers.py": (
                "import os\n\nrun = print\n\ndef system(x):\n    return os.path.basename(x)\n"
            ),
            "app.py": VIEW_HEAD
            + """\
from helpers import run, system

@app.route("/a")
def a():
    run(request.args["c"])
    system(request.args["c"])
""",
        },
    )
    assert found == []


@pytest.mark.parametrize(
    ("text", "module", "here", "expected"),
    [
        ("from utils import sh, ev", "utils", "app", True),
        ("from .compat import (\n    system,\n    sh)\n", "pkg.compat", "pkg.views", True),
        ("from . import compat\ncompat.sh(x)", "pkg.compat", "pkg.views", True),
        ("import utils\nutils.sh(1)", "utils", "app", True),
        ("from utils import *", "utils", "app", True),
        # the module imported, the alias never named from it: not asked
        ("from utils import other\nsh = 1", "utils", "app", False),
        ("import utils\nutils.other(sh)", "utils", "app", False),
        ("from other.utils import sh", "utils", "app", False),
    ],
)
def test_which_files_are_asked_for_an_alias(
    text: str, module: str, here: str, expected: bool
) -> None:
    assert imports_alias(text, module, {"sh"}, here, False) is expected
