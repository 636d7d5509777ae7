"""eval-exec-to-sandbox: table-driven fix and no-op cases."""

from __future__ import annotations

import textwrap

import pytest
from libcst.codemod import CodemodContext, TransformSuccess, transform_module

from auditor.codemod_support import Outcome
from auditor.codemods.eval_exec_to_sandbox import EvalExecToSandbox
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, analyze_source

POLICY = load_policy(None)


def run(source: str) -> tuple[str, list[Outcome]]:
    source = textwrap.dedent(source)
    codemod = EvalExecToSandbox(CodemodContext(filename="mod.py"), policy=POLICY)
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess), result
    return result.code, codemod.outcomes


FIX = [
    pytest.param(
        "def f(expr):\n    return eval(expr)\n",
        "from auditor import sandbox\n\ndef f(expr):\n    return sandbox.eval_python(expr)\n",
        id="eval",
    ),
    pytest.param(
        "def f(code):\n    exec(code)\n",
        # check=True: an exception in the code stops the caller, as exec() did
        "from auditor import sandbox\n\ndef f(code):\n    sandbox.exec_python(code, check=True)\n",
        id="exec-in-function",
    ),
    pytest.param(
        "import sys\nexec(sys.argv[1])\n",
        "import sys\nfrom auditor import sandbox\nsandbox.exec_python(sys.argv[1], check=True)\n",
        id="exec-module-level-self-contained",
    ),
    pytest.param(  # Exception still catches the sandbox's errors
        "def f(e):\n    try:\n        return eval(e)\n    except Exception:\n        return 0\n",
        "from auditor import sandbox\n\ndef f(e):\n    try:\n"
        "        return sandbox.eval_python(e)\n    except Exception:\n        return 0\n",
        id="eval-in-try-catching-exception",
    ),
    pytest.param(
        "import builtins\n\ndef f(expr):\n    return builtins.eval(expr)\n",
        "from auditor import sandbox\n\ndef f(expr):\n    return sandbox.eval_python(expr)\n",
        id="builtins-eval-import-removed",
    ),
    pytest.param(
        """\
        def f(expr):
            return eval(  # evaluate
                expr  # the user's
            )
        """,
        """\
        from auditor import sandbox

        def f(expr):
            return sandbox.eval_python(  # evaluate
                expr  # the user's
            )
        """,
        id="multi-line-comments",
    ),
]


@pytest.mark.parametrize(("source", "expected"), FIX)
def test_fix(source: str, expected: str) -> None:
    code, outcomes = run(source)
    assert code == textwrap.dedent(expected)
    assert outcomes and all(o.rewritten for o in outcomes)
    result = analyze_source(code.encode(), "mod.py", "mod.py", Context(POLICY))
    assert result.findings and all(f.isolated for f in result.findings)


NOOP = [
    pytest.param("def f(e, g):\n    return eval(e, g)\n", "globals or locals", id="globals"),
    pytest.param("def f(e):\n    return eval(e, globals=None)\n", "globals", id="kw-globals"),
    pytest.param("def f(c):\n    exec(c, {})\n", "globals or locals", id="exec-namespace"),
    pytest.param("def f(a):\n    return eval(*a)\n", "*args", id="star"),
    pytest.param("def f(c):\n    exec(compile(c, 'f', 'exec'))\n", "compile()", id="code-obj"),
    pytest.param(
        "def f(c):\n    code = compile(c, 'f', 'exec')\n    exec(code)\n",
        "compile() (code)",
        id="code-obj-by-name",
    ),
    pytest.param("def f(c):\n    return exec(c)\n", "return value", id="exec-value-used"),
    pytest.param(
        "def f(c):\n    exec(c)\n    return locals()['x']\n", "locals()", id="reads-locals"
    ),
    pytest.param("class K:\n    exec(CODE)\n", "class body", id="class-body"),
    pytest.param(
        "import sys\nexec(sys.argv[1])\nprint(defined_by_exec)\n",
        "defined_by_exec",
        id="module-uses-exec-names",
    ),
    pytest.param(
        "import sys\nexec(sys.argv[1])\nprint(globals()['x'])\n", "globals()", id="globals-read"
    ),
    # the code's own exception would no longer reach the handler: the sandbox raises its own
    pytest.param(
        "def f(rule):\n    try:\n        exec(rule)\n    except ValueError:\n"
        "        return 'rejected'\n    return 'accepted'\n",
        "catches ValueError",
        id="exec-in-try-catching-valueerror",
    ),
    pytest.param(
        "def f(e):\n    try:\n        return eval(e)\n    except (ZeroDivisionError, Exception):\n"
        "        return 0\n",
        "catches ZeroDivisionError, Exception",
        id="eval-in-try-catching-a-tuple",
    ),
]


@pytest.mark.parametrize(("source", "reason"), NOOP)
def test_noop(source: str, reason: str) -> None:
    code, outcomes = run(source)
    assert code == source
    assert [o.rewritten for o in outcomes] == [False]
    assert reason in outcomes[0].reason


@pytest.mark.parametrize(
    "source",
    [
        "eval('1 + 2')\n",  # constant code: allowed by the policy
        "def eval(x):\n    return x\n\ndef f(e):\n    return eval(e)\n",  # shadowed builtin
        "import importlib\n\ndef f(m):\n    importlib.import_module(m)\n",  # dynamic import
    ],
)
def test_not_its_sites(source: str) -> None:
    code, outcomes = run(source)
    assert code == source
    assert outcomes == []
