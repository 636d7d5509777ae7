"""The skeleton (function bodies that cannot matter replaced by an empty string literal on
the same lines) changes no finding: cases written to break it, each analysed in full and
through the skeleton. The argument is in auditor/scan/skeleton.py; test_prefilter.py checks the
same on real code."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from auditor.scan.prefilter import survey
from auditor.scan.skeleton import physical_lines, skeleton
from tests.conftest import REPO

POLICY = load_policy(REPO / "examples" / "llm_backend")  # with a project sink: run_shell
FULL = Context(POLICY, Options(prefilter=False))
FAST = Context(POLICY)

CASES = {
    "global-set-elsewhere": """
import subprocess
runner = None
def setup():
    global runner
    runner = subprocess.run
def go(cmd):
    runner(cmd)
""",
    "nonlocal": """
import os
def outer(cmd):
    fn = print
    def swap():
        nonlocal fn
        fn = os.system
    swap()
    fn(cmd)
""",
    "alias-of-builtin-used-in-nested": """
def test():
    orig = __import__
    def _import(*args):
        return orig(*args)
    return _import
""",
    "decorated-nested-function": """
import subprocess
from functools import wraps
class Display:
    @staticmethod
    def _proxy(func):
        @wraps(func)
        def wrapper(self, *args):
            return func(self, *args)
        return wrapper
    def run(self, cmd):
        subprocess.run(cmd, shell=True)
""",
    "header-continues-on-body-line": """
import os
def f(a,
      b): return a + b
def g(cmd):
    os.system(cmd)
""",
    "one-line-def-and-semicolons": """
import os
def f(): x = 1; return x
def g(cmd): os.system(cmd)
""",
    "constant-from-module-level": """
import subprocess
CMD = "uptime"
def helper():
    return 1
def go():
    subprocess.run(CMD, shell=True)
""",
    "project-sink-defined-and-called": """
def run_shell(cmd):
    import subprocess
    return subprocess.run(cmd, shell=True)
def caller(x):
    run_shell(x)
""",
    "string-spanning-stubbed-lines": '''
import os
def doc():
    """A docstring
    os.system(cmd) in text only
    """
    return """also
    multi-line"""
def go(cmd):
    os.system(cmd)
''',
    "alias-chain-to-a-sink-module": """
import os as _os
S = _os
R = S.system
def helper(self):
    D = self.decimal.Decimal
    return D(1)
def go(c):
    R(c)
""",
    "alias-through-getattr": """
import subprocess
def f(c):
    run = getattr(subprocess, "run")
    run(c, shell=True)
    fn = getattr(subprocess, "check_output")
    fn(c)
""",
    "environment-set-through-a-module-alias": """
import os
def helper():
    return 1
ENV = os.environ
def configure(path):
    ENV["PATH"] = path
""",
    "environment-chosen-working-directory": """
import os
import subprocess
def helper():
    return 1
def build(d):
    os.chdir(d)
    subprocess.run(["make"])
""",
    "getattr-name-bound-to-a-constant": """
import os
RUN = "system"
def helper():
    return 1
def go(c):
    getattr(os, RUN)(c)
def go2(c):
    fn = "popen"
    return getattr(os, fn)(c)
""",
    "getters-bound-at-module-level": """
import operator, os
m = operator.methodcaller("system", "uptime")
g = operator.attrgetter("popen")
def helper():
    return 1
def go():
    m(os)
def go2(c):
    h = g(os)
    h(c)
""",
    "library-loaded-at-module-level": """
import ctypes
libc = ctypes.CDLL(None)
def helper():
    return 1
def go(c):
    libc.system(c)
""",
    "instance-held-in-an-attribute": """
import ctypes
class Runner:
    def __init__(self):
        self.libc = ctypes.CDLL(None)
    def helper(self):
        return 1
    def go(self, c):
        self.libc.system(c)
""",
    "default-argument-calls-sink": """
import subprocess
def f(x=subprocess.check_output(["id"])):
    return x
""",
    # a helper with no sink writes the script its caller runs (auditor.scan.written): its
    # body must stay for the site to be dynamic code, as in full
    "helper-writes-the-script": """
import subprocess
import sys
def save(p, src):
    open(p, "w").write(src)
def run(code):
    save("/tmp/job.py", code)
    subprocess.run([sys.executable, "/tmp/job.py"])
""",
    # a sink a function returns, called in another function (auditor.scan.resolve's
    # _returned): the factory's body and its callers' stay
    "factory-called-elsewhere": """
import os
def helper():
    return 1
def pick():
    return os.system
def go(c):
    runner = pick()
    runner(c)
def go2(c):
    pick()(c)
""",
    "call-dunder-of-a-sink": """
import os
def helper():
    return 1
def go(c):
    os.system.__call__(c)
""",
    # a name bound to a chain that is a sink's start: ``p.insert`` is sys.path.insert
    "chain-alias-of-sys-path": """
import os, sys
def helper():
    return 1
def go(d):
    p = sys.path
    p.insert(0, d)
""",
    # ``path`` imported from sys and bound to os.defpath elsewhere: either may be called
    "chain-alias-and-import": """
import os
from sys import path
def helper():
    path = os.defpath
    return path
def go(d):
    path.insert(0, d)
""",
}


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_skeleton_changes_no_finding(name: str, ending: str) -> None:
    code = CASES[name].lstrip("\n").replace("\n", ending)
    full = analyze_source(code.encode(), "m.py", "app/m.py", FULL)
    fast = analyze_source(code.encode(), "m.py", "app/m.py", FAST)
    assert full.errors == fast.errors == []
    assert fast.findings == full.findings
    assert full.findings, "each case has something to find"


def test_only_bodies_without_markers_are_dropped() -> None:
    code = CASES["decorated-nested-function"].lstrip("\n")
    found = survey(ast.parse(code), FAST.words)
    text, dropped = skeleton(code, found.stubs)
    # _proxy's body (from the nested decorator to ``return wrapper``) goes; run() stays
    assert dropped == [(6, 9)]
    assert text.splitlines()[5:9] == ['        """', "", "", '"""']
    assert "subprocess.run(cmd, shell=True)" in text
    ast.parse(text)  # still Python, on the same lines
    assert len(physical_lines(text)) == len(physical_lines(code))


def test_alias_of_something_else_does_not_keep_a_body() -> None:
    code = CASES["alias-chain-to-a-sink-module"].lstrip("\n")
    found = survey(ast.parse(code), FAST.words)
    # helper()'s D = self.decimal.Decimal cannot resolve to a sink: its body goes
    assert [(first, last) for first, last, _ in found.stubs] == [(5, 6)]


@pytest.mark.parametrize(
    "body",
    [
        # os.open handed over: ends in ``open`` (shelve.open's) but is no sink
        "    onerror(os.open, path, sys.exc_info())\n",
        # path holds os.defpath (os.defpath.insert is no sink) and items added to it
        "    if path is None:\n        path = os.defpath\n    path.insert(0, os.curdir)\n",
    ],
)
def test_a_name_that_only_ends_like_a_sink_does_not_keep_a_body(body: str) -> None:
    code = (
        "import os, sys\ndef go(path, onerror):\n    x = 1\n    y = 2\n"
        + body
        + "def g(c):\n    os.system(c)\n"
    )
    found = survey(ast.parse(code), FAST.words)
    assert [first for first, _, _ in found.stubs] == [3]


def test_form_feed_is_not_a_line_break() -> None:
    # str.splitlines would split on the form feed; Python's tokenizer does not
    code = "import os\n\x0c\ndef f():\n    x = 1 \x0c\n    return x\ndef g(c):\n    os.system(c)\n"
    assert len(physical_lines(code)) == 7
    full = analyze_source(code.encode(), "m.py", "m.py", FULL)
    fast = analyze_source(code.encode(), "m.py", "m.py", FAST)
    assert fast.findings == full.findings and full.findings[0].line == 7


def test_skeleton_is_worth_having_on_real_code() -> None:
    text = Path(shutil.__file__).read_text("utf-8")
    found = survey(ast.parse(text), FAST.words)
    _, dropped = skeleton(text, found.stubs)
    kept = len(physical_lines(text)) - sum(last - first + 1 for first, last in dropped)
    assert kept < 0.5 * len(physical_lines(text))


@pytest.mark.parametrize(
    ("rel", "code"),
    [
        # CPython's os.py: its own defs are the catalogue's os.* names
        ("os.py", "def execvp(f, a):\n    pass\ndef execlp(f, *a):\n    execvp(f, a)\n"),
        # a vendored subprocess.py that imports no sink module and says no sink word
        ("lib/subprocess.py", "class Popen:\n    pass\ndef go(x):\n    return Popen(x)\n"),
    ],
)
def test_a_sink_module_itself_is_analysed_in_full(rel: str, code: str) -> None:
    full = analyze_source(code.encode(), rel, rel, FULL)
    fast = analyze_source(code.encode(), rel, rel, FAST)
    assert full.findings, "the module's own def is a catalogue name"
    assert fast.findings == full.findings


@pytest.mark.parametrize(
    "rel",
    ["test/units/test_runner.py", "tests/test_runner.py", "os/helpers.py", "asyncio_tools.py"],
)
def test_a_module_under_a_sink_root_is_not_a_sink_module(rel: str) -> None:
    """A project's test/ folder is not CPython's test.support: under a sink module's root
    name, a module no catalogue name is defined in goes through the text pre-filter like
    any other (here it says no sink word: not parsed at all)."""
    code = "def run(argv):\n    return call(argv)\n\n\ndef call(argv):\n    return argv\n"
    fast = analyze_source(code.encode(), rel, rel, FAST)
    assert (fast.parsed, fast.findings) == (False, [])
    assert analyze_source(code.encode(), rel, rel, FULL).findings == []


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        # a string naming the asked function, handed to a lookup by path, or a key of
        # globals(): the call of what the lookup gives is a call of it
        ('from x import import_string\ndef view(r):\n    import_string("ops.backup.run")(r)\n', 3),
        ('import pkgutil\ndef view(r):\n    f = pkgutil.resolve_name("ops:run")\n    f(r)\n', 3),
        ('def view(r):\n    globals()["run"](r)\n', 2),
        # a lookup by a name known at run time handed on, not called: what it gives escapes
        ('import handlers\ndef pick(op):\n    return getattr(handlers, "cmd_" + op)\n', 3),
    ],
)
def test_a_lookup_that_may_give_an_asked_function_keeps_its_body(code: str, kept: int) -> None:
    """Asked for the callers of ``run`` (``call:run``; ``cmd_run`` for the last), a file whose
    only mention of it is a lookup by name keeps that body (its line is a marker), and is
    ``asked``: parsed, whatever else the file holds."""
    asked = survey(ast.parse(code), FAST.words, extra_calls=frozenset({"run", "cmd_run"}))
    assert asked.asked and asked.may_report
    assert all(not first <= kept <= last for first, last, _ in asked.stubs)
