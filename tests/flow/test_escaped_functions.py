"""Constant code run by eval/exec, and functions reached other than by their name (an
attacker's cases): ``eval("os.system")(argv)`` gave only "eval() runs constant Python code";
``exec("def run(c): ... os.system(c)")`` and ``exec("run = s.getoutput", ns)`` likewise; and
a project function called through ``eval("lib.run2")``, ``sys.modules["app.lib"].run3``,
``vars(lib)["run4"]`` or ``lib.run5.__call__`` left its sink "constant (every caller passes
constants)", though the caller passes request data. Now the constant text is analysed as
code (auditor.scan.analyze's ``_embedded``, auditor.scan.resolve's ``_evaluated``), and such
a function is called from code the analysis cannot see (auditor.scan.prefilter's
``_escaped_names``): its parameter's origin is ``parameter``, never constant."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest

from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import REPO, scan_files

CASES = [
    # (code, [(line, rule, sink, origin-free message part)])
    (
        """\
        import os, sys
        eval("os.system")(sys.argv[1])
        """,
        [(2, "AUD101", "os.system", ""), (2, "AUD302", "builtins.eval", "")],
    ),
    (
        """\
        import sys
        exec("def run(c):\\n    import os\\n    os.system(c)\\n")
        run(sys.argv[1])
        """,
        [(2, "AUD302", "builtins.exec", ""),
         (2, "AUD101", "os.system", "(in the code exec() runs: os.system(c))")],
    ),
    (
        """\
        import subprocess, sys
        ns = {}
        exec("import subprocess as s\\nrun = s.getoutput", ns)
        ns["run"](sys.argv[1])
        """,
        [(3, "AUD302", "builtins.exec", ""),
         (3, "AUD101", "subprocess.getoutput", "stored in run: a call through it")],
    ),
    (  # constant code that runs nothing of the catalogue: the exec alone
        """\
        exec("x = 1\\nprint(x)")
        """,
        [(1, "AUD302", "builtins.exec", "")],
    ),
]  # fmt: skip


@pytest.mark.parametrize("prefilter", [False, True])
@pytest.mark.parametrize(("code", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_constant_code_is_analysed(
    code: str, expected: list[tuple[int, str, str, str]], prefilter: bool
) -> None:
    ctx = Context(load_policy(REPO / "examples" / "llm_backend"), Options(prefilter=prefilter))
    result = analyze_source(textwrap.dedent(code).encode(), "t.py", "t.py", ctx)
    assert not result.errors
    got = [(f.line, f.rule, f.sink) for f in result.findings]
    assert got == [e[:3] for e in expected]
    for finding, (_, _, _, part) in zip(result.findings, expected, strict=True):
        assert part in finding.message


def test_functions_reached_other_than_by_name(tmp_path: Path) -> None:
    lib = (
        "import os\n"
        + "".join(f"def run{n}(cmd):\n    os.system(cmd)\n" for n in range(2, 7))
        + "def boot():\n"
        + "".join(f"    run{n}('uptime')\n" for n in range(2, 7))
    )
    found = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/lib.py": lib,
            "app/web.py": """\
                from flask import Flask, request
                import sys
                from app import lib
                app = Flask(__name__)
                @app.route("/b")
                def b():
                    eval("lib.run2")(request.args["c"])
                @app.route("/c")
                def c():
                    sys.modules["app.lib"].run3(request.args["c"])
                @app.route("/d")
                def d():
                    vars(lib)["run4"](request.args["c"])
                @app.route("/e")
                def e():
                    lib.run5.__call__(request.args["c"])
                """,
        },
    )
    got = {f.function: (f.rule, f.origin) for f in found if f.path.endswith("lib.py")}
    assert got == {
        "run2": ("AUD101", "parameter"),
        "run3": ("AUD101", "parameter"),
        "run4": ("AUD101", "parameter"),
        "run5": ("AUD101", "parameter"),
        # called only with a constant, by its name: as before
        "run6": ("AUD201", None),
    }


def test_constant_code_that_warns_prints_nothing() -> None:
    """CPython's test_grammar hands eval/compile texts that Python warns of (``1if 1else
    0``): reading them as code must not print the SyntaxWarning on the scan's stderr."""
    ctx = Context(load_policy(REPO / "examples" / "llm_backend"), Options())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyze_source(b'exec("x = 1if 1else 0")\n', "t.py", "t.py", ctx)
    assert [f.rule for f in result.findings] == ["AUD302"]
    assert [w for w in caught if issubclass(w.category, SyntaxWarning)] == []
