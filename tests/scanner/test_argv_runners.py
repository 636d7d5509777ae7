"""``runpy.run_module``/``run_path`` run a module as ``__main__``, which reads ``sys.argv``:
set by the caller to words chosen at run time, the module runs with those arguments
(simonw's llm 0.36: ``sys.argv = ["pip", "install", *packages]; run_module("pip")`` was
"constant Python code", low, allowed)."""

from __future__ import annotations

import pytest

from tests.conftest import findings

HEAD = "import sys\nfrom runpy import run_module, run_path\n\n\ndef install(packages):\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # arguments chosen at run time: a fixed module with arguments built at run time
        (
            "    sys.argv = ['pip', 'install', *packages]\n"
            "    run_module('pip', run_name='__main__')\n",
            ("AUD203", "medium", "fixed-program"),
        ),
        (
            "    sys.argv = ['tool.py'] + list(packages)\n"
            "    run_path('/opt/tool.py', run_name='__main__')\n",
            ("AUD203", "medium", "fixed-program"),
        ),
        # constant arguments, or none set: constant code as before
        (
            "    sys.argv = ['pip', 'list']\n    run_module('pip', run_name='__main__')\n",
            ("AUD302", "low", "constant"),
        ),
        ("    run_module('pip', run_name='__main__')\n", ("AUD302", "low", "constant")),
    ],
)
def test_a_module_run_with_arguments_set_at_run_time(
    body: str, expected: tuple[str, str, str]
) -> None:
    [f] = findings(HEAD + body)
    assert (f.rule, f.risk, f.payload) == expected
