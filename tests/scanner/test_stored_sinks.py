"""A sink stored where calls the file cannot follow reach it (auditor.scan.stored), and a def
that a decorator replaces with a sink (auditor.scan.resolve's ``_decorated``). Before, each
of these attacker's cases gave no finding at all and ``check --fail-on low`` passed, though
every one runs argv[1] through a shell. The calls through an instance made there
(``R().run(x)``, ``r = R(); r.run(x)``) and through an item of a container an attribute
holds (``self.ops["r"](x)``) are the sink's calls too (auditor.scan.held)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import REPO, scan_files

CASES = [
    # (code, [(line, rule, sink, what holds it)])
    (  # a class attribute, called on an instance
        """\
        import sys, os
        class R:
            run = os.system
        R().run(sys.argv[1])
        """,
        [(3, "AUD101", "os.system", "R.run"), (4, "AUD101", "os.system", None)],
    ),
    (  # an instance attribute, called from outside the class
        """\
        import sys, os
        class R:
            def __init__(self): self.run = os.system
        R().run(sys.argv[1])
        """,
        [(3, "AUD101", "os.system", "self.run"), (4, "AUD101", "os.system", None)],
    ),
    (  # in a container an attribute holds
        """\
        import sys, os
        class R:
            def __init__(self):
                self.ops = {"r": os.system}
            def go(self, x):
                self.ops["r"](x)
        R().go(sys.argv[1])
        """,
        [(4, "AUD101", "os.system", "self.ops"), (6, "AUD101", "os.system", None)],
    ),
    (  # an instance bound once to a name
        """\
        import sys, os
        class R:
            run = os.system
        def main():
            r = R()
            r.run(sys.argv[1])
        """,
        [(3, "AUD101", "os.system", "R.run"), (6, "AUD101", "os.system", None)],
    ),
    (  # a dataclass field's default
        """\
        import sys, os
        from dataclasses import dataclass
        from typing import Callable
        @dataclass
        class R:
            runner: Callable = os.system
        R().runner(sys.argv[1])
        """,
        [(6, "AUD101", "os.system", "R.runner"), (7, "AUD101", "os.system", None)],
    ),
    (  # the builtins patched: every print() runs a shell
        """\
        import os, sys, builtins
        builtins.print = os.system
        print(sys.argv[1])
        """,
        [(2, "AUD101", "os.system", "builtins.print")],
    ),
    (  # another module's function patched
        """\
        import os, sys, json
        json.loads = os.system
        json.loads(sys.argv[1])
        """,
        [(2, "AUD101", "os.system", "json.loads")],
    ),
    (  # a container bound to a name and handed on (cProfile's ``globs`` for exec)
        """\
        import runpy, sys
        def main():
            globs = {"run_module": runpy.run_module, "modname": sys.argv[1]}
            exec("run_module(modname)", globs)
        """,
        [(3, "AUD103", "runpy.run_module", "globs"), (4, "AUD302", "builtins.exec", None)],
    ),
    (  # a decorator that returns a sink in the function's place
        """\
        import os, sys
        def swap(f):
            return os.system
        @swap
        def status(x):
            return "uptime"
        def h():
            status(sys.argv[1])
        """,
        [(8, "AUD101", "os.system", None)],
    ),
    (
        # not stored sinks: a container of sinks only looked up and iterated where it is
        # bound (the calls are the findings), a decorator that returns its wrapper, an
        # attribute assigned something else
        """\
        import os
        RUNNERS = [os.system]
        def a(x):
            for f in RUNNERS:
                f(x)
        def deco(f):
            def wrapper(*a):
                return f(*a)
            return wrapper
        @deco
        def status(x):
            return x
        class A:
            def __init__(self):
                self.sh = print
        def b(x):
            d = {"r": os.system}
            d["r"](x)
            status(x)
        """,
        [(5, "AUD101", "os.system", None), (18, "AUD101", "os.system", None)],
    ),
    (
        # a container of sink classes only looked at (django's migrations serializer): a
        # type check, a dict's key, grown where it is bound
        """\
        import types, functools
        FUNCTION_TYPES = (types.FunctionType, types.MethodType)
        if True:
            FUNCTION_TYPES += (functools._lru_cache_wrapper,)
        def f(v):
            return isinstance(v, FUNCTION_TYPES)
        class S:
            _registry = {FUNCTION_TYPES: 1}
        """,
        [],
    ),
    (
        # a sink put back under its own name (CPython's test_os restores os.execv)
        """\
        import os
        orig_execv = os.execv
        def fake(*a):
            pass
        os.execv = fake
        os.execv = orig_execv
        """,
        [],
    ),
]


@pytest.mark.parametrize("prefilter", [False, True])
@pytest.mark.parametrize(("code", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_stored_sinks(
    code: str, expected: list[tuple[int, str, str, str | None]], prefilter: bool
) -> None:
    ctx = Context(load_policy(REPO / "examples" / "llm_backend"), Options(prefilter=prefilter))
    result = analyze_source(textwrap.dedent(code).encode(), "t.py", "t.py", ctx)
    assert not result.errors
    got = [(f.line, f.rule, f.sink, f.handed_to) for f in result.findings]
    assert got == expected
    for finding in result.findings:
        if finding.handed_to is not None:
            assert f"stored in {finding.handed_to}: a call through it runs the sink" in (
                finding.message
            )


def test_a_decorated_sink_imported_from_another_module(tmp_path: Path) -> None:
    """``@swap def status`` in util.py, ``status(request...)`` in web.py: the call is the
    sink's, with the request's origin."""
    found = scan_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/util.py": "import os\ndef swap(f):\n    return os.system\n"
            "@swap\ndef status(x):\n    return 'uptime'\n",
            "pkg/web.py": "from flask import Flask, request\nfrom pkg.util import status\n"
            "app = Flask(__name__)\n@app.route('/')\ndef h():\n"
            "    status(request.args['c'])\n",
        },
    )
    got = [(Path(f.path).name, f.line, f.rule, f.origin) for f in found]
    assert got == [("web.py", 6, "AUD001", "remote-input")]
