"""Sinks handed over as values and functions called by a name chosen at run time (issue 15,
part A2). A sink handed to a call that calls it (``Thread(target=os.system, args=(cmd,))``,
``functools.partial``, ``executor.submit``, ``map``...) is reported at that call, with the
payload it will be given; ``globals()[name]()`` and ``getattr(module, name)()`` are
reported as dynamic calls (AUD105), critical (AUD006) when the name comes from a request or
a model; ``getattr(self, name)()`` only in that critical case."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.scan.analyze import snippet_of
from tests.conftest import make_policy

H = (
    "import asyncio, functools, hashlib, os, subprocess, threading\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "from flask import request\n"
)


def _scan(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "m.py").write_text(H + textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return result.findings


HANDOVERS = [
    # (code, rule, payload, handed_to)
    (
        "def f(cmd):\n    threading.Thread(target=os.system, args=(cmd,)).start()\n",
        "AUD101",
        "dynamic",
        "threading.Thread",
    ),
    (
        "def f():\n    threading.Thread(target=os.system, args=('uptime',)).start()\n",
        "AUD201",
        "constant",
        "threading.Thread",
    ),
    (
        "def f(cmd):\n    return functools.partial(subprocess.run, cmd, shell=True)\n",
        "AUD101",
        "dynamic",
        "functools.partial",
    ),
    ("def f(lines):\n    return list(map(eval, lines))\n", "AUD103", "dynamic", "map"),
    (
        "async def f(code):\n"
        "    await asyncio.get_running_loop().run_in_executor(None, exec, code)\n",
        "AUD103",
        "dynamic",
        "asyncio.get_running_loop().run_in_executor",
    ),
    (
        "def f(cmd):\n    with ThreadPoolExecutor() as p:\n        p.submit(os.system, cmd)\n",
        "AUD101",
        "dynamic",
        "p.submit",
    ),
    (
        "def f():\n    threading.Thread(target=os.system, args=(request.args['c'],)).start()\n",
        "AUD001",
        "dynamic",
        "threading.Thread",
    ),
]


@pytest.mark.parametrize(("code", "rule", "payload", "handed_to"), HANDOVERS)
def test_a_sink_handed_over_is_reported_where_it_is_handed(
    tmp_path: Path, code: str, rule: str, payload: str, handed_to: str
) -> None:
    found = _scan(tmp_path, code)
    assert [(f.rule, f.payload, f.handed_to) for f in found] == [(rule, payload, handed_to)]
    assert f"handed over to {handed_to}()" in found[0].message


def test_a_handover_carries_the_origin_of_what_it_hands(tmp_path: Path) -> None:
    (finding,) = _scan(
        tmp_path,
        "def f():\n    threading.Thread(target=os.system, args=(request.args['c'],)).start()\n",
    )
    assert finding.origin == "remote-input"
    assert finding.flow[-1].kind == "reaches"


def test_a_sink_handed_to_an_unknown_keyword_has_an_unknown_payload(tmp_path: Path) -> None:
    # a protocol the analysis does not know: what the callee passes it is not known either
    (finding,) = _scan(tmp_path, "def f():\n    register(hook=os.system)\n")
    assert (finding.rule, finding.payload) == ("AUD101", "dynamic")


@pytest.mark.parametrize(
    "code",
    [
        "def f():\n    threading.Timer(1, eval, (request.args['e'],)).start()\n",
        # the arguments tuple and the keyword arguments dict given by keyword
        "def f():\n    threading.Timer(1, eval, args=(request.args['e'],)).start()\n",
        "def f():\n    threading.Timer(1, os.system, kwargs={'command': request.args['c']})\n",
        "def f(pool):\n    pool.apply_async(os.system, kwds={'command': request.args['c']})\n",
        "def f(pool):\n    pool.apply(os.system, (), {'command': request.args['c']})\n",
    ],
)
def test_an_apply_like_call_gives_its_tuple_and_dict_however_passed(
    tmp_path: Path, code: str
) -> None:
    (finding,) = _scan(tmp_path, code)
    assert (finding.payload, finding.origin) == ("dynamic", "remote-input")


@pytest.mark.parametrize(
    "code",
    [
        "def f(p):\n    return isinstance(p, subprocess.Popen)\n",
        "import types\ndef f(c):\n    return issubclass(c, types.FunctionType)\n",
        "import types\nclass T:\n    def t(self, f):\n"
        "        self.assertIsInstance(f, types.FunctionType)\n",
    ],
)
def test_a_sink_only_looked_at_is_not_handed_over(tmp_path: Path, code: str) -> None:
    # rules/handovers.toml's inspect-only calls look at a value, never call it
    assert _scan(tmp_path, code) == []


DISPATCH = [
    # (code, rules)
    ("def f(name):\n    globals()[name]()\n", ["AUD105"]),
    ("def f(name):\n    locals().get(name)()\n", ["AUD105"]),
    ("def f(name):\n    g = globals().get(name)\n    g()\n", ["AUD105"]),
    # a namespace held in a variable, or a function's module namespace
    ("def f(name):\n    g = globals()\n    g[name]()\n", ["AUD105"]),
    ("def f(name):\n    ns = locals()\n    fn = ns.get(name)\n    fn()\n", ["AUD105"]),
    ("def f(name):\n    fn = f.__globals__[name]\n    fn()\n", ["AUD105"]),
    ("def f():\n    g = globals()\n    g.get(request.args['fn'])()\n", ["AUD006"]),
    ("def f(name):\n    g = dict(handlers)\n    g[name]()\n", []),  # not a namespace
    ("def f(name, h):\n    g = globals()\n    g = h\n    g[name]()\n", []),  # rebound
    ("def f(name):\n    getattr(os, name)('x')\n", ["AUD105"]),
    ("def f():\n    globals().get(request.args['fn'])()\n", ["AUD006"]),
    ("def f():\n    getattr(os, request.args['fn'])('x')\n", ["AUD006"]),
    # operator's attrgetter and methodcaller look a function up by name too
    ("import operator\ndef f(name):\n    operator.attrgetter(name)(os)('x')\n", ["AUD105"]),
    (
        "import operator\ndef f(name):\n    m = operator.methodcaller(name, 'x')\n    m(os)\n",
        ["AUD105"],
    ),
    ("import operator\ndef f():\n    operator.methodcaller(request.args['m'])(os)\n", ["AUD006"]),
    ("import operator\ndef f(name):\n    operator.methodcaller(name)(hashlib)\n", []),
    (
        "import operator\nclass H:\n    def f(self):\n"
        "        operator.methodcaller(request.form['a'])(self)\n",
        ["AUD006"],
    ),
    # a method looked up on an object: reported only when the name comes from a request
    ("class H:\n    def f(self, name):\n        getattr(self, name)()\n", []),
    ("class H:\n    def f(self):\n        getattr(self, request.form['a'])()\n", ["AUD006"]),
    # a module that holds no sink: the same
    ("def f(name):\n    getattr(hashlib, name)()\n", []),
    # a name with a constant part can only pick among the functions so named
    ("class H:\n    def f(self):\n        getattr(self, 'do_' + request.form['a'])()\n", []),
    ("class H:\n    def f(self, k):\n        getattr(self, f'visit_{k}')()\n", []),
    ("class H:\n    def f(self, k):\n        getattr(self, '_get_%s_perms' % k)()\n", []),
    ("def f(k):\n    globals()['run_{}'.format(k)]()\n", []),
    # a constant name is no choice
    ("def run():\n    pass\ndef f():\n    globals()['run']()\n", []),
    # looked up but not called here: not a call site
    ("def f(name):\n    return getattr(os, name)\n", []),
]


@pytest.mark.parametrize(("code", "rules"), DISPATCH)
def test_a_function_called_by_a_name_chosen_at_run_time(
    tmp_path: Path, code: str, rules: list[str]
) -> None:
    found = _scan(tmp_path, code)
    assert [f.rule for f in found] == rules
    # the text and tree checks before the parse never skip a file that holds one
    unfiltered = scan([tmp_path], policy=make_policy(root=str(tmp_path)), prefilter=False)
    assert unfiltered.findings == found
    for finding in found:
        assert finding.cwe == 470
        assert finding.category in ("dynamic-call", "critical-call")
        assert finding.action == "review"


def test_a_critical_dispatch_shows_where_the_name_comes_from(tmp_path: Path) -> None:
    (finding,) = _scan(
        tmp_path, "class H:\n    def f(self):\n        getattr(self, request.form['a'])()\n"
    )
    assert finding.origin == "remote-input"
    assert finding.risk == "critical"
    assert "request" in finding.flow[0].detail


@pytest.mark.parametrize(
    ("code", "snippet"),
    [
        # the comma that makes a tuple of one item is kept: ("uptime") is a string
        ('Thread(target=f, args=("uptime",))', 'Thread(target=f, args=("uptime",))'),
        ("return (x,)", "return (x,)"),
        # a trailing comma before a call's closing bracket is dropped, on one line
        ("subprocess.run(\n    cmd,\n)", "subprocess.run(cmd)"),
        ("x = [1,\n 2,\n]", "x = [1, 2]"),
        # nothing inside a string is touched
        ('f(",)")', 'f(",)")'),
    ],
)
def test_snippets_keep_what_the_code_means(code: str, snippet: str) -> None:
    assert snippet_of(code) == snippet
