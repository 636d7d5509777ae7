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
        "def f(expr):\n    print(eval(expr))\n",
        "from auditor import sandbox\n\ndef f(expr):\n    print(sandbox.eval_python(expr))\n",
        id="eval",
    ),
    pytest.param(
        "def f(code):\n    exec(code)\n",
        # check=True: an exception in the code stops the caller, as exec() did
        "from auditor import sandbox\n\ndef f(code):\n    sandbox.exec_python(code, check=True)\n",
        id="exec-in-function",
    ),
    pytest.param(  # a script's exec(): no importer sees its names, nothing reads them after
        'import sys\nif __name__ == "__main__":\n    exec(sys.argv[1])\n',
        'import sys\nfrom auditor import sandbox\nif __name__ == "__main__":\n'
        "    sandbox.exec_python(sys.argv[1], check=True)\n",
        id="exec-module-level-self-contained",
    ),
    pytest.param(  # names bound after the exec: nothing read
        "def f(code):\n    exec(code)\n    n = 1\n    return n\n",
        "from auditor import sandbox\n\ndef f(code):\n"
        "    sandbox.exec_python(code, check=True)\n    n = 1\n"
        "    return n\n",
        id="exec-then-only-new-names",
    ),
    pytest.param(  # the loop reads only the code itself
        "def f(codes):\n    for code in codes:\n        exec(code)\n",
        "from auditor import sandbox\n\ndef f(codes):\n    for code in codes:\n"
        "        sandbox.exec_python(code, check=True)\n",
        id="exec-in-loop",
    ),
    pytest.param(  # Exception still catches the sandbox's errors
        "def f(e):\n    try:\n        return str(eval(e))\n    except Exception:\n"
        "        return ''\n",
        "from auditor import sandbox\n\ndef f(e):\n    try:\n"
        "        return str(sandbox.eval_python(e))\n    except Exception:\n        return ''\n",
        id="eval-in-try-catching-exception",
    ),
    pytest.param(
        "import builtins\n\ndef f(expr):\n    return builtins.eval(expr) == 1\n",
        "from auditor import sandbox\n\ndef f(expr):\n    return sandbox.eval_python(expr) == 1\n",
        id="builtins-eval-import-removed",
    ),
    pytest.param(
        """\
        def f(expr):
            print(eval(  # evaluate
                expr  # the user's
            ))
        """,
        """\
        from auditor import sandbox

        def f(expr):
            print(sandbox.eval_python(  # evaluate
                expr  # the user's
            ))
        """,
        id="multi-line-comments",
    ),
]


# attack round 6, #13: an eval whose value is used as data only (compared, tested,
# computed with, formatted, printed, converted, iterated, indexed), here or through the
# local names it is bound to, is rewritten
DATA_USES = [
    pytest.param("def f(e):\n    return eval(e) is None\n", id="compared"),
    pytest.param("def f(e):\n    v = eval(e)\n    return isinstance(v, tuple)\n", id="isinstance"),
    pytest.param("def f(e):\n    if eval(e):\n        print('yes')\n", id="tested"),
    pytest.param("def f(e):\n    return f'{eval(e)}!'\n", id="formatted"),
    pytest.param(
        "import json\n\ndef f(e):\n    v = eval(e)\n    return json.dumps(v)\n", id="json"
    ),
    pytest.param(
        "def f(e):\n    total = 0\n    for x in eval(e):\n        total += x\n    return total\n",
        id="iterated",
    ),
    pytest.param("def f(e):\n    return len(eval(e)['rows']) + 1\n", id="indexed"),
    pytest.param("def f(e):\n    v = eval(e)\n    w = v\n    print(w)\n", id="name-to-name"),
    pytest.param("def f(e):\n    return ', '.join(sorted(eval(e)))\n", id="sorted-joined"),
]


@pytest.mark.parametrize("source", DATA_USES)
def test_an_eval_used_as_data_is_rewritten(source: str) -> None:
    code, outcomes = run(source)
    assert [o.rewritten for o in outcomes] == [True], outcomes
    assert code.count("sandbox.eval_python(e)") == 1 and "eval(e)" not in code.replace(
        "sandbox.eval_python(e)", ""
    )


# an eval whose value may be a function or another object: the sandbox returns plain data
# only, and the migrated program would raise SandboxEvalError where the original went on
NOT_DATA = [
    pytest.param(
        "def f(s):\n    t = eval(s)\n    return t(3)\n",
        "bound to t, which is called",
        id="called-later",
    ),
    pytest.param(
        "def f(s, rows):\n    t = eval(s)\n    return [t(r) for r in rows]\n",
        "bound to t, which is called",
        id="called-in-comprehension",
    ),
    pytest.param("def f(s):\n    return sorted([3, 1], key=eval(s))\n", "as key=", id="key"),
    pytest.param("def f(s):\n    return list(map(eval(s), [1, 2]))\n", "passed to map()", id="map"),
    pytest.param("def f(s):\n    return eval(s)\n", "is returned", id="returned"),
    pytest.param(
        "def f(s):\n    fn = eval(s)\n    return fn\n",
        "bound to fn, which is returned",
        id="returned-by-name",
    ),
    pytest.param("def f(s):\n    yield eval(s)\n", "is yielded", id="yielded"),
    pytest.param(
        "def f(s):\n    fns = [eval(s)]\n    return fns[0](3)\n", "container", id="in-a-list"
    ),
    pytest.param("def f(s, reg):\n    reg.add(eval(s))\n", "passed to reg.add()", id="passed-on"),
    pytest.param("def f(self, s):\n    self.hook = eval(s)\n", "stored", id="attribute"),
    pytest.param("def f(s):\n    return eval(s).run()\n", "attribute .run", id="method"),
    pytest.param(
        "import sys\nHOOK = eval(sys.argv[1])\n", "module global HOOK", id="module-global"
    ),
    pytest.param(
        "def f(s):\n    v = eval(s) or None\n    return v\n",
        "bound to v, which is returned",
        id="or",
    ),
]


@pytest.mark.parametrize(("source", "reason"), NOT_DATA)
def test_an_eval_whose_value_may_be_no_data_is_left_for_review(source: str, reason: str) -> None:
    code, outcomes = run(source)
    assert code == source
    assert [o.rewritten for o in outcomes] == [False]
    assert reason in outcomes[0].reason, outcomes[0].reason
    assert "the sandbox returns plain data only" in outcomes[0].reason


# attack round 6, #13 (t37): the code runs in this process with the module's globals: it
# may import modules, set the environment, rebind a global; a read of that after exec()
# would see what the sandboxed code cannot change
EXEC_STATE = [
    pytest.param(
        "import sys\n\ndef f(src):\n    exec(src)\n    return sys.modules.get('x')\n",
        "sys.modules",
        id="sys-modules",
    ),
    pytest.param(
        "import os\n\ndef f(code):\n    exec(code)\n    return os.environ.get('RESULT')\n",
        "os.environ",
        id="os-environ-imported-by-the-module",
    ),
    pytest.param(
        "RATE = 1\n\ndef f(code):\n    exec(code)\n    return RATE * 2\n", "RATE", id="global"
    ),
    pytest.param(
        "import os\n\ndef f(codes):\n    for c in codes:\n        print(os.getcwd())\n"
        "        exec(c)\n",
        "os.getcwd",
        id="read-in-the-loop",
    ),
    pytest.param(
        "import os\n\ndef f(code):\n    exec(code)\n    return lambda: os.environ['X']\n",
        "os.environ",
        id="read-in-a-lambda",
    ),
    pytest.param(
        "def f(code):\n    exec(code)\n    return helper()\n", "helper", id="unbound-name"
    ),
    # attack round 8 (t34): an object the caller passes in (it may read what the code set
    # on it), a mutable module global (any function may read it)
    pytest.param("def f(job, code):\n    exec(code)\n    job.done = True\n", "job", id="passed-in"),
    pytest.param("CONFIG = {}\n\ndef f(code):\n    exec(code)\n", "CONFIG", id="mutable-global"),
]


@pytest.mark.parametrize(("source", "read"), EXEC_STATE)
def test_an_exec_whose_process_state_is_read_after_is_left_for_review(
    source: str, read: str
) -> None:
    code, outcomes = run(source)
    assert code == source
    assert [o.rewritten for o in outcomes] == [False]
    assert f"the code can change {read}" in outcomes[0].reason, outcomes[0].reason


def test_an_exec_then_builtins_and_state_read_before_is_rewritten() -> None:
    source = (
        "import os\n\ndef f(code):\n    print(os.getcwd())\n    exec(code)\n    print(len('x'))\n"
    )
    code, outcomes = run(source)
    assert [o.rewritten for o in outcomes] == [True], outcomes
    assert "sandbox.exec_python(code, check=True)" in code


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
    # the namespace given is read afterwards: already declined before these cases were named
    pytest.param(
        "def f(code):\n    ns = {}\n    exec(code, ns)\n    return ns['handler']\n",
        "globals or locals",
        id="exec-dict-read-after",
    ),
    pytest.param(
        "def f(code, g, l):\n    exec(code, g, l)\n    return l.get('x')\n",
        "globals or locals",
        id="exec-globals-and-locals",
    ),
    pytest.param(
        "def f(plugin, code):\n    exec(code, plugin.__dict__)\n    return plugin.handler\n",
        "globals or locals",
        id="exec-into-object-dict",
    ),
    pytest.param(
        "def f(mod, code):\n    exec(code, vars(mod))\n    return mod.handler\n",
        "globals or locals",
        id="exec-into-vars",
    ),
    pytest.param(
        "def f(code):\n    exec(code, globals())\n    return handler\n",
        "globals or locals",
        id="exec-into-globals",
    ),
    pytest.param(
        "def f(code):\n    exec(code, locals())\n    return 1\n",
        "globals or locals",
        id="exec-into-locals",
    ),
    pytest.param(
        "def f(mod, src, fn):\n    exec(compile(src, fn, 'exec'), mod.__dict__)\n    return mod\n",
        "globals or locals",
        id="exec-compiled-into-module",
    ),
    pytest.param(  # django's scripts/manage_translations.py: a function of the module
        "def main(cmd, kwargs):\n    eval(cmd)(**kwargs)\n",
        "value is called",
        id="eval-value-called",
    ),
    pytest.param(  # objects cannot be sent to another process
        "def f(expr, objs):\n    return eval(expr, {'obj': objs})\n",
        "globals or locals",
        id="eval-namespace-of-objects",
    ),
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
    # exec() runs in the caller's namespace: the code may set what the caller reads after it
    pytest.param(
        "RATE = 1.0\n\ndef configure(code):\n    global RATE\n    exec(code)\n    return RATE\n",
        "declares global RATE",
        id="function-declares-global",
    ),
    pytest.param(
        "def outer():\n    n = 0\n    def f(code):\n        nonlocal n\n        exec(code)\n"
        "    return f\n",
        "declares nonlocal n",
        id="function-declares-nonlocal",
    ),
    pytest.param(
        "def load(plugin, code):\n    exec(code)\n    return plugin.handler\n",
        "plugin.handler",
        id="attribute-read-after",
    ),
    pytest.param(
        "def load(plugin, code):\n    exec(code)\n    register(plugin)\n",
        "plugin",
        id="object-passed-on-after",
    ),
    pytest.param(
        "def load(state, code):\n    exec(code)\n    return state['handler']\n",
        "state['handler']",
        id="item-read-after",
    ),
    pytest.param(
        "def f(state, codes):\n    for code in codes:\n        print(state.count)\n"
        "        exec(code)\n",
        "state.count",
        id="read-in-the-loop-before",
    ),
    pytest.param(
        "def f(state, code):\n    def show():\n        return state.x\n    exec(code)\n"
        "    return show\n",
        "state.x",
        id="read-by-a-closure",
    ),
    pytest.param(
        'import sys\nRATE = 1.0\nif __name__ == "__main__":\n    exec(sys.argv[1])\n'
        "    print(RATE)\n",
        "may rebind RATE",
        id="module-rebinds-name-read-after",
    ),
    pytest.param(
        'import sys\nLIMIT = 3\n\ndef f():\n    return LIMIT\n\nif __name__ == "__main__":\n'
        "    exec(sys.argv[1])\n",
        "may rebind LIMIT",
        id="module-name-read-by-a-function",
    ),
    pytest.param(  # settings.py: other modules read DEBUG (from settings import DEBUG)
        "DEBUG = False\nexec(open('local_settings.py').read())\n",
        "modules that import it",
        id="module-importers-may-read",
    ),
    pytest.param(
        "import sys\nexec(sys.argv[1])\n", "modules that import it", id="module-not-a-script"
    ),
    # the code's own exception would no longer reach the handler: the sandbox raises its own
    pytest.param(
        "def f(rule):\n    try:\n        exec(rule)\n    except ValueError:\n"
        "        return 'rejected'\n    return 'accepted'\n",
        "catches ValueError",
        id="exec-in-try-catching-valueerror",
    ),
    pytest.param(
        "def f(e):\n    try:\n        return eval(e) + 1\n"
        "    except (ZeroDivisionError, Exception):\n        return 0\n",
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
