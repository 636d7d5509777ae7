"""A sink bound to a name other than by ``=`` (auditor.scan.resolve, auditor.scan.prefilter;
docs/flow.md). Before, each of these gave no finding at all (an attacker's case): a
parameter whose default is the sink (``def run_command(cmd, system=os.system)``, the
"tests can pass a fake" idiom), a ``for`` over a container of sinks, a tuple unpacked, a
dict's ``.items()``, a ``match`` capture, a walrus in the callee and a lambda's default.
The call is reported like the sink's own, its payload followed from its arguments."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.findings import Finding
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import make_policy, scan_files

HEAD = """\
import os, subprocess
from flask import Flask, request
app = Flask(__name__)
"""


def _found(found: list[Finding]) -> list[tuple[int, str, str, str, str | None]]:
    return [(f.line, f.sink or "", f.rule, f.risk, f.origin) for f in found]


def test_a_parameter_whose_default_is_a_sink(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app.py": HEAD
            + """\
def run_command(cmd, system=os.system):
    # the system parameter exists so that tests can pass a fake
    return system(cmd)

@app.route("/exec")
def exec_route():
    return str(run_command(request.args["cmd"]))
""",
        },
    )
    assert _found(found) == [(6, "os.system", "AUD001", "critical", "remote-input")]


def test_a_keyword_only_default_and_eval_fed_model_output(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "agent.py": """\
from openai import OpenAI
client = OpenAI()

def evaluate(expr, *, evaluator=eval):
    return evaluator(expr)

def answer(question):
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])
    return evaluate(r.choices[0].message.content)
""",
        },
    )
    assert _found(found) == [(5, "builtins.eval", "AUD003", "critical", "llm-output")]


def test_a_constructor_default_kept_in_an_attribute(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "executor.py": HEAD
            + """\
class Executor:
    def __init__(self, backend=os.system):
        self.backend = backend

    def __call__(self, cmd):
        return self.backend(cmd)

@app.route("/exec2")
def exec2():
    Executor()(request.args["cmd"])
    return "ok"
""",
        },
    )
    # the binding too (auditor.scan.stored): Executor().backend(x) elsewhere is not followed,
    # so its caller and payload are not seen (origin parameter, tests/flow/test_stored_origin.py)
    assert _found(found) == [
        (6, "os.system", "AUD101", "high", "parameter"),
        (9, "os.system", "AUD001", "critical", "remote-input"),
    ]


def test_loops_unpacking_items_and_match(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "loop.py": HEAD
            + """\
BACKENDS = [os.system]
RUNNERS = (os.system, subprocess.run)
HANDLERS = {"shell": os.system}

@app.route("/all")
def run_all():
    for backend in BACKENDS:
        backend(request.args["cmd"])

@app.route("/first")
def first():
    system, _ = RUNNERS
    system(request.args["cmd"])

@app.route("/items")
def items():
    for name, fn in HANDLERS.items():
        if name == request.args["kind"]:
            fn(request.args["cmd"])

@app.route("/m")
def m():
    match os.system:
        case run:
            run(request.args["cmd"])

@app.route("/e")
def e():
    for i, f in enumerate(RUNNERS):
        f(request.args["cmd"])
""",
        },
    )
    # ``system, _ = RUNNERS`` takes RUNNERS[0] (os.system), not any item of it; the loop
    # over both RUNNERS reports the one that runs a shell (recall first)
    assert _found(found) == [
        (11, "os.system", "AUD001", "critical", "remote-input"),
        (16, "os.system", "AUD001", "critical", "remote-input"),
        (22, "os.system", "AUD001", "critical", "remote-input"),
        (28, "os.system", "AUD001", "critical", "remote-input"),
        (33, "os.system", "AUD001", "critical", "remote-input"),
    ]


def test_a_walrus_callee_and_a_lambda_default(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "a.py": HEAD
            + """\
@app.route("/2")
def r2():
    (f := os.system)(request.args["c"])

@app.route("/3")
def r3():
    g = (lambda f=os.system: f)()
    g(request.args["c"])
""",
        },
    )
    assert _found(found) == [
        (6, "os.system", "AUD001", "critical", "remote-input"),
        (11, "os.system", "AUD001", "critical", "remote-input"),
    ]


def test_a_default_that_is_no_sink_names_nothing(tmp_path: Path) -> None:
    # a parameter defaulting to something else, or a loop over other functions, is no sink
    found = scan_files(
        tmp_path,
        {
            "ok.py": HEAD
            + """\
def show(cmd, out=print):
    return out(cmd)

@app.route("/x")
def x():
    for f in [print, len]:
        f(request.args["c"])
    return show(request.args["c"])
""",
        },
    )
    assert found == []


# The binding in one function or at module level, the call in another: the pre-filter's
# stubs must keep the calling body (its soundness: the same findings as the full analysis)
_SPLIT = [
    "import os\ndef run(cmd, system=os.system):\n    x = 1\n    return system(cmd)\n",
    "def run(cmd, *, ev=eval):\n    x = 1\n    return ev(cmd)\n",
    "import os\nclass E:\n    def __init__(self, b=os.system):\n        self.b = b\n"
    "    def go(self, c):\n        return self.b(c)\n",
    "import os\nB = [os.system]\ndef go(c):\n    for b in B:\n        b(c)\n",
    "import os\nB = []\nB.append(os.system)\ndef go(c):\n    for b in B:\n        b(c)\n",
    "import os, subprocess\nR = (os.system, subprocess.run)\ndef go(c):\n    s, _ = R\n    s(c)\n",
    "import os\nH = {'sh': os.system}\ndef go(c):\n    for _, f in H.items():\n        f(c)\n",
    "import os\nH = {'sh': os.system}\ndef go(c):\n    return [f(c) for f in H.values()]\n",
    "import os\nS = os.system\ndef go(c):\n    match S:\n        case run:\n            run(c)\n",
    "import os\nS = os.system\ndef go(c):\n    (f := S)(c)\n",
    "import os\nG = (lambda f=os.system: f)()\ndef go(c):\n    G(c)\n",
    "import os\nG = (lambda: os.system)()\ndef go(c):\n    G(c)\n",
]


@pytest.mark.parametrize("code", _SPLIT)
def test_the_prefilter_keeps_such_calls(code: str) -> None:
    code = textwrap.dedent(code)
    policy = make_policy()
    full = analyze_source(code.encode(), "m.py", "m.py", Context(policy, Options(prefilter=False)))
    fast = analyze_source(code.encode(), "m.py", "m.py", Context(policy))
    # the call in the last line (``B.append(os.system)`` is a finding of its own)
    last = code.rstrip().count("\n") + 1
    assert [f.sink for f in full.findings if f.line == last] in (["os.system"], ["builtins.eval"])
    assert fast.findings == full.findings
