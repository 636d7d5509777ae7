"""The propagation's cost stays bounded on code that defeats a naive instantiation: a
recursive evaluator (``evaluate(node)`` returns ``evaluate_x(node)``, which returns
``evaluate(node.x)``), the shape of smolagents' LocalPythonExecutor. Counted in calls
instantiated, not timed: instantiated anew for each way in, that shape costs the number of
its return calls to the power of the instantiation depth, per call and per pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.flow import propagate
from tests.conftest import make_policy

BRANCHES = 8


def _evaluator() -> str:
    lines = [
        "import ast",
        "from flask import Flask, request",
        "app = Flask(__name__)",
        "",
        "def evaluate(node, state):",
        "    if isinstance(node, ast.Constant):",
        "        return node.value",
    ]
    for i in range(BRANCHES):
        lines += [
            f"    if isinstance(node, ast.Node{i}):",
            f"        return evaluate_{i}(node, state)",
        ]
    lines.append("    return None")
    for i in range(BRANCHES):
        lines += [
            "",
            f"def evaluate_{i}(node, state):",
            "    if node.test:",
            "        return evaluate(node.body, state)",
            "    return evaluate(node.orelse, state)",
        ]
    lines += [
        "",
        "@app.post('/run')",
        "def run():",
        "    exec(evaluate(ast.parse(request.json['code']), {}))",
    ]
    return "\n".join(lines) + "\n"


def test_a_recursive_evaluator_is_instantiated_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "executor.py").write_text(_evaluator())
    count = 0
    original = propagate.Project._call_value

    def counted(self: propagate.Project, *args: object) -> propagate.Info:
        nonlocal count
        count += 1
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(propagate.Project, "_call_value", counted)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    (finding,) = result.findings
    assert (finding.rule, finding.origin) == ("AUD003", "remote-input")
    # once per call, depth and origins of the arguments, per pass: 256 here; instantiated
    # for each way in, 18,832 (and it grows as (2 x BRANCHES) ** depth)
    assert count < 1_000, count
