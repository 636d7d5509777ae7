"""The dispatches on a node's exact type (``type(node) is cst.X``, faster than isinstance
against libcst's ABC-based classes) are right only while each such class has no subclass:
a libcst upgrade that adds one must fail here, not change findings silently."""

from __future__ import annotations

import ast
import inspect
import textwrap

import libcst as cst
import pytest

from auditor.scan import payload, resolve, summary

FUNCTIONS = [
    payload.Evaluator.value,
    summary.Summarizer._compute,
    summary.plain_code,
    resolve.Resolver.qualname,
]


def _exact_types(function: object) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Is | ast.IsNot):
            left, right = node.left, node.comparators[0]
            if (
                isinstance(left, ast.Call)
                and isinstance(left.func, ast.Name)
                and left.func.id == "type"
                and isinstance(right, ast.Attribute)
                and isinstance(right.value, ast.Name)
                and right.value.id == "cst"
            ):
                names.add(right.attr)
    return names


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__qualname__)
def test_the_exact_types_have_no_subclass(function: object) -> None:
    names = _exact_types(function)
    assert len(names) >= 3
    for name in sorted(names):
        kind = getattr(cst, name)
        assert kind.__subclasses__() == [], f"cst.{name} has subclasses"
