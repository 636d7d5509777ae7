"""More ways a module writes its own globals, each of which makes a "constant" command
chosen at run time (an attacker's cases: reported AUD201 constant, and migrate froze the
constant into an argv). Read with the module's namespace writes (auditor.scan.collect)."""

from __future__ import annotations

import pytest

from tests.conftest import findings

HEAD = 'import os, sys, inspect\nCMD = "uptime"\n'
TAIL = "def go():\n    os.system(CMD)\n"


@pytest.mark.parametrize(
    "write",
    [
        'sys._getframe().f_globals["CMD"] = sys.argv[1]\n',
        'inspect.currentframe().f_globals["CMD"] = sys.argv[1]\n',
        'dict.__setitem__(globals(), "CMD", sys.argv[1])\n',
        "dict.update(globals(), {'CMD': sys.argv[1]})\n",
        'g = globals\ng()["CMD"] = sys.argv[1]\n',
        'vars(sys.modules[__name__])["CMD"] = sys.argv[1]\n',
        'import builtins\nbuiltins.globals()["CMD"] = sys.argv[1]\n',
        'if sys.argv[1:]:\n    locals()["CMD"] = sys.argv[1]\n',
    ],
)
def test_a_global_written_through_the_namespace_is_no_constant(write: str) -> None:
    [finding] = findings(HEAD + write + TAIL)
    assert (finding.rule, finding.payload) == ("AUD101", "dynamic")


def test_locals_in_a_function_is_not_the_modules_namespace() -> None:
    code = HEAD + 'def setup():\n    locals()["CMD"] = sys.argv[1]\n' + TAIL
    [finding] = findings(code)
    assert (finding.rule, finding.payload) == ("AUD201", "constant")
