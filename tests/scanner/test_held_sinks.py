"""Sinks reached without their name at the call: kept in an attribute of a class
(``self.sh = os.system`` then ``self.sh(cmd)``), a class of the file deriving from a catalogue
class (``class LoggedPopen(subprocess.Popen)``), a constant-key lookup in a module's namespace
(``sys.modules["os"].system``, ``vars(os)["system"]``), an item of a container written out
(``(os.system, os.popen)[0]``) or a choice (``os.system if c else print``). Each is reported at
the call, classified by the sink's own payload rules, with the pre-filter on and off alike
(the call is usually in a function other than the one holding the sink's name, which the
pre-filter must not drop)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import REPO, make_policy

CASES = [
    # (code, [(line, rule, sink)])
    (
        """\
        import os, subprocess, sys
        class Shell:
            def __init__(self):
                self.sh = os.system
                self.ev = eval
                self.out = subprocess.getoutput
            def a(self, cmd):
                return self.sh(cmd)
            def b(self, code):
                return self.ev(code)
            def c(self):
                return self.out("uptime")
        """,
        # the bindings too: a call through them from outside the class is not followed
        [(4, "AUD101", "os.system"), (5, "AUD103", "builtins.eval"),
         (6, "AUD101", "subprocess.getoutput"), (8, "AUD101", "os.system"),
         (10, "AUD103", "builtins.eval"), (12, "AUD201", "subprocess.getoutput")],
    ),
    (
        """\
        import os
        class Shell:
            run_line = os.system
            def a(self, cmd):
                return self.run_line(cmd)
        def g(cmd):
            return Shell.run_line(cmd)
        """,
        [(3, "AUD101", "os.system"), (5, "AUD101", "os.system"), (7, "AUD101", "os.system")],
    ),
    (
        """\
        import subprocess
        class Base:
            def setup(self):
                self.runner = subprocess.run
        class Child(Base):
            def go(self, cmd):
                self.runner(cmd, shell=True)
            def argv(self, prog):
                self.runner([prog, "-v"])
        """,
        [(4, "AUD102", "subprocess.run"), (7, "AUD101", "subprocess.run"),
         (9, "AUD102", "subprocess.run")],
    ),
    (
        """\
        import subprocess
        class S:
            run = staticmethod(subprocess.check_output)
            def go(self, cmd):
                return S.run(cmd, shell=True)
        """,
        # the staticmethod() handover stays reported where the sink is named
        [(3, "AUD102", "subprocess.check_output"), (5, "AUD101", "subprocess.check_output")],
    ),
    (
        """\
        import subprocess, sys
        class LoggedPopen(subprocess.Popen):
            def __init__(self, *a, **kw):
                super().__init__(*a, **kw)
        class Quiet(LoggedPopen):
            pass
        def go():
            LoggedPopen(sys.argv[1], shell=True).wait()
        def two():
            LoggedPopen(["sh", "-c", sys.argv[1]]).wait()
        def three():
            Quiet(["ls", "-l"]).wait()
        """,
        [(8, "AUD101", "subprocess.Popen"), (10, "AUD101", "subprocess.Popen"),
         (12, "AUD301", "subprocess.Popen")],
    ),
    (
        """\
        import code
        class MyConsole(code.InteractiveConsole):
            def feed(self, line):
                return self.push(line)
        def f(line):
            c = MyConsole()
            c.push(line)
        """,
        [(4, "AUD103", "code.InteractiveConsole.push"),
         (7, "AUD103", "code.InteractiveConsole.push")],
    ),
    (
        """\
        import sys
        def a(x):
            sys.modules["os"].system(x)
        def b(x):
            sys.modules.get("subprocess").getoutput(x)
        """,
        [(3, "AUD101", "os.system"), (5, "AUD101", "subprocess.getoutput")],
    ),
    (
        """\
        import os, builtins
        def a(x):
            vars(os)["system"](x)
        def b(x):
            os.__dict__["system"](x)
        def c(x):
            builtins.__dict__["exec"](x)
        def d(x):
            __builtins__.eval(x)
        """,
        [(3, "AUD101", "os.system"), (5, "AUD101", "os.system"),
         (7, "AUD103", "builtins.exec"), (9, "AUD103", "builtins.eval")],
    ),
    (
        """\
        import os
        def a(x):
            d = {"r": os.system, "p": print}
            d["r"](x)
        def b(x):
            (os.system, os.popen)[0](x)
        def c(x, flag):
            f = os.system if flag else print
            f(x)
        def d(x):
            d = {"r": os.system, "p": print}
            d["p"](x)
        """,
        [(4, "AUD101", "os.system"), (6, "AUD101", "os.system"), (9, "AUD101", "os.system")],
    ),
    (
        """\
        import timeit, pdb, cProfile, trace, doctest
        def a(s):
            timeit.timeit(s)
        def b(s):
            pdb.run(s)
        def c(s):
            cProfile.runctx(s, {}, {})
        def d(s):
            trace.Trace().run(s)
        def e(s):
            doctest.run_docstring_examples(s, {})
        def work():
            pass
        def f():
            timeit.timeit(work, number=3)
            timeit.timeit(lambda: work())
            doctest.run_docstring_examples(work, {})
        """,
        [(3, "AUD103", "timeit.timeit"), (5, "AUD103", "pdb.run"),
         (7, "AUD103", "cProfile.runctx"), (9, "AUD103", "trace.Trace.run"),
         (11, "AUD103", "doctest.run_docstring_examples")],
    ),
    (
        # not sinks: an attribute assigned something else, a method of the same name, a
        # subclass overriding the catalogue method
        """\
        import os, code
        class A:
            def __init__(self):
                self.sh = print
            def go(self, x):
                self.sh(x)
                self.system(x)
        class C(code.InteractiveConsole):
            def push(self, line):
                return line
            def go(self, line):
                return self.push(line)
        """,
        [],
    ),
]  # fmt: skip


@pytest.mark.parametrize("prefilter", [False, True])
@pytest.mark.parametrize(("code", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_held_sinks(code: str, expected: list[tuple[int, str, str]], prefilter: bool) -> None:
    ctx = Context(load_policy(REPO / "examples" / "llm_backend"), Options(prefilter=prefilter))
    source = textwrap.dedent(code).encode()
    result = analyze_source(source, "m.py", "m.py", ctx)
    assert result.errors == []
    got = [(f.line, f.rule, f.sink) for f in result.findings]
    assert got == expected


def test_attribute_sink_gets_its_origin(tmp_path: Path) -> None:
    """The request data passed to a method reaches the sink the attribute holds: the
    project-wide stage follows it as for any sink (critical, remote-input)."""
    (tmp_path / "agent.py").write_text(
        textwrap.dedent(
            """\
            import os, subprocess
            from flask import Flask, request
            app = Flask(__name__)

            class Shell:
                run_line = os.system
                def __init__(self):
                    self.ev = eval
                def a(self, cmd):
                    return self.run_line(cmd)
                def b(self, code):
                    return self.ev(code)

            @app.post("/a")
            def a():
                s = Shell()
                return str(s.a(request.json["cmd"])) + str(s.b(request.json["code"]))
            """
        )
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = [(f.line, f.rule, f.risk, f.sink, f.origin) for f in result.findings]
    assert got == [
        # the bindings (auditor.scan.stored): called from code not seen, with a payload not
        # seen (origin parameter: tests/flow/test_stored_origin.py)
        (6, "AUD101", "high", "os.system", "parameter"),
        (8, "AUD103", "high", "builtins.eval", "parameter"),
        (10, "AUD001", "critical", "os.system", "remote-input"),
        (12, "AUD003", "critical", "builtins.eval", "remote-input"),
    ]
