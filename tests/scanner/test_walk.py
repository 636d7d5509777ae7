"""The fast read-only walk meets nodes in the same order as libcst's own traversal, so the
scanner sees the same calls, bindings and sites either way."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import libcst as cst
import pytest

from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, _match
from auditor.scan.collect import Collector
from auditor.scan.walk import preorder, walk
from tests.conftest import FIXTURES, REPO

TRICKY = """
@deco(a())
def f(p=b(), /, q=c(), *r, s=d(), **t) -> e():
    return g() if h() else i()
class K(Base(j()), metaclass=k()):
    x = [l(y) for y in m() if n(y)]
match o():
    case {"a": p} if q(p):
        r()
f(s(), key=t(), *u(), **v())
lambda w=x(): y()
try:
    z()
except aa() as bb:
    cc()
"""


@functools.cache  # parsed once per process, not once per test (and at collection)
def _sources() -> list[str]:
    stdlib = Path(os.__file__).parent
    files = [Path(subprocess.__file__), stdlib / "argparse.py", stdlib / "typing.py"]
    files += sorted((REPO / "examples").rglob("*.py")) + sorted((FIXTURES / "tree").rglob("*.py"))
    texts = [TRICKY]
    for path in files:
        try:
            text = path.read_text("utf-8")
            cst.parse_module(text)
        except (UnicodeDecodeError, cst.ParserSyntaxError):
            continue
        texts.append(text)
    return texts


@pytest.mark.parametrize("index", range(len(_sources())))
def test_walk_matches_libcst_visit(index: int) -> None:
    text = _sources()[index]
    module = cst.parse_module(text)
    ctx = Context(load_policy(FIXTURES / "tree"))
    slow, fast = (Collector(ctx.catalogue, ctx.interesting) for _ in range(2))
    module.visit(slow)
    walk(module, fast)
    assert fast.call_count == slow.call_count
    assert [(c.index, c.node, c.function) for c in fast.calls] == [
        (c.index, c.node, c.function) for c in slow.calls
    ]
    sites = [(s.sink, s.shell, s.payload, s.call.index) for s in _match(slow.calls, ctx)]
    assert [(s.sink, s.shell, s.payload, s.call.index) for s in _match(fast.calls, ctx)] == sites


def _children_preorder(root: cst.CSTNode) -> list[cst.CSTNode]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


@pytest.mark.parametrize("index", range(len(_sources())))
def test_preorder_meets_names_in_the_order_of_libcst_children(index: int) -> None:
    # what auditor.scan.summary ranks names and attributes by (and NodePositions owns by)
    module = cst.parse_module(_sources()[index])
    kinds = (cst.Name, cst.Attribute, cst.Call)
    slow = [n for n in _children_preorder(module) if isinstance(n, kinds)]
    fast = [n for n in preorder(module) if isinstance(n, kinds)]
    assert [id(n) for n in fast] == [id(n) for n in slow]
