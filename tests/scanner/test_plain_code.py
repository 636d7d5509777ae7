"""auditor.scan.summary.plain_code: a dotted name's text without libcst's code generation,
the same as ``Module.code_for_node`` gives, or None."""

from __future__ import annotations

import inspect
import json
import subprocess

import libcst as cst
import pytest

from auditor.scan.summary import plain_code
from auditor.scan.walk import preorder

CASES = [
    ("run", "run"),
    ("os.system", "os.system"),
    ("a.b.c.d", "a.b.c.d"),
    ("a . b", "a . b"),
    ("a.\\\n    b", "a.\\\n    b"),
]


@pytest.mark.parametrize(("source", "text"), CASES)
def test_dotted_names(source: str, text: str) -> None:
    node = cst.parse_expression(source)
    assert plain_code(node) == text
    assert cst.Module([]).code_for_node(node) == text


@pytest.mark.parametrize(
    "source",
    ["(run)", "(a).b", "(a.b)", "(a\n .b)", "a.b()", "a[0].b", "'s'.join"],
)
def test_anything_else_is_left_to_libcst(source: str) -> None:
    assert plain_code(cst.parse_expression(source)) is None


@pytest.mark.parametrize("module", [json, subprocess, inspect])
def test_same_text_as_libcst_on_real_code(module: object) -> None:
    tree = cst.parse_module(inspect.getsource(module))  # type: ignore[arg-type]
    seen = 0
    for node in preorder(tree):
        text = plain_code(node)
        if text is not None:
            assert text == tree.code_for_node(node)
            seen += 1
        elif isinstance(node, (cst.Name, cst.Attribute)):
            assert node.lpar or isinstance(node, cst.Attribute)
    assert seen > 100
