"""Node positions computed one top-level statement at a time (auditor.scan.positions)
against libcst's own PositionProvider over the whole module."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.scan.positions import NodePositions, statement_starts
from auditor.scan.skeleton import physical_lines

CASES = {
    "header and blank lines": (
        "#!/usr/bin/env python3\n# a comment\n\n\nimport os\n\n\nos.system(cmd)\n"
    ),
    "decorators and comments between them": (
        "import functools\n\n# leading comment\n@functools.cache\n\n# between\n"
        "@staticmethod\ndef f(x, y=os.getenv('A')):\n    return os.popen(x).read()\n\n"
        "class K(Base):\n    # inside\n    @property\n    def p(self):\n        return self.q\n"
    ),
    "several statements on one line": (
        "import os; import subprocess as sp\nx = 1; y = os.environ['B']; sp.run(y)\n"
        "if x: os.system(y); os.system('b')\n"
    ),
    "multi-line strings and continuations": (
        'doc = """\nos.system(a)\n"""\ncmd = ("a"\n       "b") + \\\n    tail\n'
        "os.system(cmd)  # trailing\n"
    ),
    "comment after a block, before the next statement": (
        "def f():\n    x = 1\n    # indented trailing comment\n\n# top comment\n"
        "def g():\n    return f()\n"
    ),
    "crlf endings": "import os\r\n\r\nos.system(a)\r\nb = os.environ\r\n",
    "no final newline": "import os\nos.system(a)",
}


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_node_is_where_the_whole_module_puts_it(name: str) -> None:
    text = CASES[name]
    module = cst.parse_module(text)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    placing = NodePositions(module, statement_starts(ast.parse(text)), physical_lines(text))
    checked = 0
    for node in _nodes(module):
        if not isinstance(node, cst.Name | cst.Attribute | cst.Call | cst.BaseStatement):
            continue
        assert placing.range(node) == whole[node], module.code_for_node(node)
        checked += 1
    assert checked > 3


def test_a_statement_is_placed_without_regenerating_the_module() -> None:
    text = CASES["decorators and comments between them"]
    module = cst.parse_module(text)
    placing = NodePositions(module, statement_starts(ast.parse(text)), physical_lines(text))
    call = next(n for n in _nodes(module) if isinstance(n, cst.Call) and "popen" in str(n.func))
    found = placing.range(call)
    assert found is not None and (found.start.line, found.start.column) == (9, 11)
    assert placing._whole is None  # one statement regenerated, not the module


def test_a_wrong_pairing_falls_back_to_the_whole_module() -> None:
    text = CASES["header and blank lines"]
    module = cst.parse_module(text)
    wrong = [s + 1 for s in statement_starts(ast.parse(text))]  # every statement a line off
    placing = NodePositions(module, wrong, physical_lines(text))
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    call = next(n for n in _nodes(module) if isinstance(n, cst.Call))
    assert placing.range(call) == whole[call]
    assert placing._whole is not None
