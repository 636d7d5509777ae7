"""Name resolution: which calls reach a sink, through imports, aliases and indirection, and
which are shadowed by a local name. (code, expected sinks in source order)."""

from __future__ import annotations

import pytest

from tests.conftest import findings

CASES = [
    # imports and aliases
    ("import subprocess\nsubprocess.run(x)", ["subprocess.run"]),
    ("import subprocess as sp\nsp.Popen(x)", ["subprocess.Popen"]),
    ("from subprocess import run as r\nr(x)", ["subprocess.run"]),
    ("from subprocess import *\ncheck_output(x)", ["subprocess.check_output"]),
    ("from os import *\nsystem(x)\npopen(x)", ["os.system", "os.popen"]),
    ("import os.path\nos.system(x)", ["os.system"]),
    ("import os.path as p\np.join(a, b)", []),
    ("def f():\n    import subprocess\n    subprocess.call(x)", ["subprocess.call"]),
    ("def f():\n    from os import system\n    system(x)\nsystem(x)", ["os.system"]),
    # a module or function bound to a local name
    ("import subprocess\nm = subprocess\nm.run(x)", ["subprocess.run"]),
    ("import subprocess\nr = subprocess.run\nr(x)", ["subprocess.run"]),
    ("e = eval\ne(x)", ["builtins.eval"]),
    ("import subprocess\ndef f():\n    r = subprocess.run\n    return r(x)", ["subprocess.run"]),
    # getattr, __import__, importlib.import_module with literals
    ("import os\ngetattr(os, 'system')(x)", ["os.system"]),
    ("__import__('os').system(x)", ["os.system"]),
    ("__import__('subprocess').run(x)", ["subprocess.run"]),
    ("import importlib\nimportlib.import_module('subprocess').run(x)", ["subprocess.run"]),
    ("import importlib\nm = importlib.import_module('os')\nm.popen(x)", ["os.popen"]),
    ("import builtins\nbuiltins.exec(x)", ["builtins.exec"]),
    # ... and with a name bound only to constant strings, or constants joined
    ("import os\nRUN = 'system'\ndef f(c):\n    getattr(os, RUN)(c)", ["os.system"]),
    ("import os\ndef f(c):\n    fn = 'popen'\n    return getattr(os, fn)(c)", ["os.popen"]),
    ("import builtins\ngetattr(builtins, 'ev' + 'al')(x)", ["builtins.eval"]),
    ("import os\nA = 'sys'\ngetattr(os, f'{A}tem')(x)", ["os.system"]),
    ("import os\nn = 'getcwd'\nif fast:\n    n = 'system'\ngetattr(os, n)(x)", ["os.system"]),
    ("import os\nf = getattr(os, 'po' 'pen')\nf(x)", ["os.popen"]),
    ("M = 'subprocess'\n__import__(M).run(x)", ["subprocess.run"]),
    ("import importlib\nM = 'o' + 's'\nimportlib.import_module(M).system(x)", ["os.system"]),
    ("import os\nRUN = 'getcwd'\ngetattr(os, RUN)()", []),
    ("import os\ngetattr(os, 'os.system')(x)", []),  # no attribute has a dot in its name
    # a name bound to something not constant is a name chosen at run time (AUD105)
    ("import os\nRUN = 'system'\nRUN = input()\ngetattr(os, RUN)(x)", ["builtins.getattr"]),
    # operator's attrgetter and methodcaller look an attribute up by its name
    ("import operator, os\noperator.attrgetter('system')(os)(x)", ["os.system"]),
    ("from operator import attrgetter\nimport os\ng = attrgetter('popen')\ng(os)(x)", ["os.popen"]),
    ("import operator, os\nh = operator.attrgetter('system')(os)\nh(x)", ["os.system"]),
    ("import operator, os\noperator.methodcaller('system', x)(os)", ["os.system"]),
    ("import operator, os\nm = operator.methodcaller('popen', x)\nm(os).read()", ["os.popen"]),
    ("import operator, os\noperator.attrgetter('getcwd')(os)()", []),
    ("import operator, os\noperator.methodcaller('getcwd')(os)", []),
    # a function made from a code object compiled at run time; the C library's system()
    ("import types\ntypes.FunctionType(compile(s, 'f', 'exec'), {})()", ["types.FunctionType"]),
    ("import types\ntypes.FunctionType(f.__code__, {}, 'g')", []),
    # exec of a function's own code object: a constant, still reported (bandit's B102)
    ("def f():\n    pass\nexec(f.__code__, {})", ["builtins.exec"]),
    ("def f():\n    pass\neval(f.__code__.replace(co_name='g'))", ["builtins.eval"]),
    ("import ctypes\nctypes.CDLL(None).system(x)", ["ctypes.CDLL.system"]),
    (
        "import ctypes\nlibc = ctypes.CDLL('libc.so.6')\ndef f(c):\n    libc.system(c)",
        ["ctypes.CDLL.system"],
    ),
    ("import ctypes\nlib = ctypes.CDLL('libfoo.so')\nlib.run(x)", []),
    # an instance held in an attribute of a class of the file
    (
        "import ctypes\nclass R:\n    def __init__(self):\n        self.libc = ctypes.CDLL(None)\n"
        "    def go(self, c):\n        self.libc.system(c)",
        ["ctypes.CDLL.system"],
    ),
    (
        "import code\nclass S:\n    console = code.InteractiveConsole()\n"
        "    def go(self, x):\n        self.console.push(x)",
        ["code.InteractiveConsole.push"],
    ),
    (
        "import code\nclass S:\n    def __init__(self):\n        self.stack = Stack()\n"
        "    def go(self, x):\n        self.stack.push(x)",
        [],
    ),
    (
        "import asyncio.subprocess\nasyncio.subprocess.create_subprocess_shell(x)",
        ["asyncio.create_subprocess_shell"],
    ),
    # try/except imports keep the sink
    (
        "try:\n    from subprocess import run\nexcept ImportError:\n    run = None\nrun(x)",
        ["subprocess.run"],
    ),
    (
        "try:\n    import subprocess\nexcept ImportError:\n    import _boot as subprocess\n"
        "subprocess.check_output(x)",
        ["subprocess.check_output"],
    ),
    (
        "try:\n    import _boot as subprocess\nexcept ImportError:\n    import subprocess\n"
        "subprocess.check_output(x)",
        ["subprocess.check_output"],
    ),
    # global declarations
    (
        "import subprocess\ndef f():\n    global sp\n    sp = subprocess\ndef g():\n    sp.run(x)",
        ["subprocess.run"],
    ),
    # nonlocal: the assignment rebinds the enclosing function's name
    (
        "import os\ndef f(c):\n    fn = print\n    def g():\n        nonlocal fn\n"
        "        fn = os.system\n    g()\n    fn(c)",
        ["os.system"],
    ),
    # shadowing: no finding
    ("model.eval()", []),
    ("self.model.eval()", []),
    ("def run(x):\n    pass\nrun(x, shell=False)", []),
    ("def eval(x):\n    return x\neval(y)", []),
    ("eval = safe_eval\neval(y)", []),
    ("def f(eval):\n    return eval(y)", []),
    ("subprocess = Fake()\nsubprocess.run(x)", []),
    ("import subprocess\ndef f(subprocess):\n    subprocess.run(x)", []),
    ("import subprocess\ndef f():\n    for subprocess in items:\n        subprocess.run(x)", []),
    ("import subprocess\ndef f():\n    with ctx() as subprocess:\n        subprocess.run(x)", []),
    # several bindings in one scope, one of them a sink: reported (a conditional import or a
    # fallback must never hide a sink; the scanner errs on the side of recall)
    ("import subprocess\nwith ctx() as subprocess:\n    subprocess.run(x)", ["subprocess.run"]),
    # a name bound to a sink's module, then to the sink: the call calls the sink
    ("import subprocess\nx = subprocess\nx = x.run\nx(c)", ["subprocess.run"]),
    ("import os\nf = os\nif fast:\n    f = os.system\nf(c)", ["os.system"]),
    ("class A:\n    def exec(self, q):\n        pass\n    def go(self):\n        self.exec(q)", []),
    ("[eval(x) for eval in fns]", []),
    ("f = lambda eval: eval(x)", []),
    ("import mylib as subprocess\nsubprocess.run(x)", []),
    ("from mylib import os\nos.system(x)", []),
    ("from . import subprocess\nsubprocess.run(x)", []),
    # a builtin's name bound only later in the module: a call that may run before the
    # binding runs the builtin (at module level above it, or in a function defined above
    # it, which may be called before the import); below it, the binding
    ("exec(x)\nfrom mylib import exec\nexec(x)", ["builtins.exec"]),
    ("def f(c):\n    eval(c)\nfrom mylib import eval\ndef g(c):\n    eval(c)", ["builtins.eval"]),
    ("exec(x)\ndef exec(c):\n    pass", ["builtins.exec"]),
    ("class A:\n    def m(self):\n        exec(x)\nexec = safe", ["builtins.exec"]),
    ("f = lambda: eval(x)\neval = safe", ["builtins.eval"]),
    ("def f():\n    exec = g\n    exec(x)\nfrom mylib import exec", []),
    # a class attribute does not shadow inside a method
    (
        "class A:\n    eval = staticmethod(g)\n    def m(self):\n        return eval(x)",
        ["builtins.eval"],
    ),
    # nested calls and calls as callee
    ("import os\nos.system(os.popen(x).read())", ["os.system", "os.popen"]),
    # a standard-library module used without an import (a snippet, a notebook's export, a
    # namespace prepared by its runner, a star import): that module
    ("os.system(x)", ["os.system"]),
    ("def f(c):\n    subprocess.run(c, shell=True)", ["subprocess.run"]),
    ("from helpers import *\nos.popen(x)", ["os.popen"]),
    ("def f(os):\n    os.system(x)", []),
    ("os = Fake()\nos.system(x)", []),
    ("mylib.system(x)", []),
    # a method sink of a class, on an instance the code creates in sight
    ("import code\nc = code.InteractiveConsole()\nc.push(x)", ["code.InteractiveConsole.push"]),
    (
        "from code import InteractiveConsole as IC\ndef f(x):\n    IC().push(x)",
        ["code.InteractiveConsole.push"],
    ),
    ("import code\ndef f(c, x):\n    c.push(x)", []),  # not seen created: a stack's push
    ("import code\nc = code.InteractiveConsole()\nc = Stack()\nc.push(x)", []),
    ("c = InteractiveConsole()\nc.push(x)", []),  # not the standard library's
    # event-loop methods match any receiver
    (
        "async def f(loop):\n    await loop.subprocess_exec(P, x)",
        ["asyncio.AbstractEventLoop.subprocess_exec"],
    ),
]


@pytest.mark.parametrize(("code", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_resolution(code: str, expected: list[str]) -> None:
    assert [f.sink for f in findings(code)] == expected


def test_project_sink_matches_in_its_own_module_and_importers() -> None:
    from tests.conftest import make_policy

    policy = make_policy(
        {"sinks": [{"name": "app.tools.run_shell", "kind": "command", "shell": "always"}]}
    )
    own = "def run_shell(c):\n    pass\nrun_shell(cmd)\n"
    assert [f.sink for f in findings(own, path="app/tools.py", policy=policy)] == [
        "app.tools.run_shell"
    ]
    other = "from app.tools import run_shell\nrun_shell('ls')\n"
    found = findings(other, path="app/main.py", policy=policy)
    assert [(f.sink, f.category) for f in found] == [("app.tools.run_shell", "constant-shell")]
