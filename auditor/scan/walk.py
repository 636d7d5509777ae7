"""A read-only walk over a libcst tree, several times faster than ``node.visit(visitor)``.

libcst's own traversal rebuilds every node it passes (it is made for transforms), which cost
more than the parse itself in the scanner. This walk reads the dataclass fields instead, skips
the whitespace and punctuation fields (which hold no expression or statement), and calls the
visitor's ``visit_<Node>`` / ``leave_<Node>`` methods in the same order as libcst does: source
order. Where a node's fields are not declared in source order (decorators are declared after
the body, an ``if``-expression's test before its body), the order is given explicitly below.
``tests/scanner/test_walk.py`` checks that both traversals meet the calls in the same order.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst

_SKIP = frozenset(
    {
        "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon",
        "colon", "first_colon", "second_colon", "equal", "dot", "leading_lines",
        "lines_after_decorators", "trailing_whitespace", "header", "footer", "newline",
        "indent", "default_indent", "default_newline", "empty_lines", "encoding",
        "has_trailing_newline", "asynchronous", "posonly_ind", "star", "operator", "relative",
        "conversion", "comment", "separator", "leading_whitespace", "whitespace",
        "last_line", "first_line", "trailing_comma",
    }
)  # fmt: skip
_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Arg: ("keyword", "value"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
}

Entry = tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None, tuple[str, ...]]


def _fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    order = _ORDER.get(kind)
    if order is not None:
        return order
    return tuple(
        f.name
        for f in dataclasses.fields(kind)
        if f.name not in _SKIP and not f.name.startswith("whitespace")
    )


@functools.cache
def child_fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields of a node type that may hold expressions or statements, in source order
    (what :func:`walk` descends into)."""
    return _fields(kind)


# whether a type is a libcst node type, by type: ``isinstance(x, cst.CSTNode)`` goes through
# ``ABCMeta.__instancecheck__`` (a Python call) for every node that is not a CSTNode itself,
# millions of times a scan; the answer depends on the type alone (no class is registered
# as a virtual subclass of CSTNode)
_NODE_TYPES: dict[type, bool] = {}


def _is_node_type(kind: type) -> bool:
    known = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return known


def walk(root: cst.CSTNode, visitor: object) -> None:
    """Call ``visitor.visit_<Type>(node)`` before and ``visitor.leave_<Type>(node)`` after
    each node's children, for every node under ``root`` (return values are ignored)."""
    table: dict[type[cst.CSTNode], Entry] = {}
    is_node = _NODE_TYPES.get

    def go(node: cst.CSTNode) -> None:
        kind = type(node)
        entry = table.get(kind)
        if entry is None:
            name = kind.__name__
            entry = table[kind] = (
                getattr(visitor, f"visit_{name}", None),
                getattr(visitor, f"leave_{name}", None),
                _fields(kind),
            )
        enter, leave, fields = entry
        if enter is not None:
            enter(node)
        for field_name in fields:
            child = getattr(node, field_name)
            kind = type(child)
            if kind is tuple or kind is list:
                for item in child:
                    kind = type(item)
                    known = is_node(kind)
                    if known or (known is None and _is_node_type(kind)):
                        go(item)
            else:
                known = is_node(kind)
                if known or (known is None and _is_node_type(kind)):
                    go(child)
        if leave is not None:
            leave(node)

    go(root)


def preorder(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and every node under it that :func:`walk` descends into, parents first and
    children in source order (as ``node.children`` gives them, without building them)."""
    stack: list[cst.CSTNode] = [root]
    is_node = _NODE_TYPES.get
    while stack:
        node = stack.pop()
        yield node
        found: list[cst.CSTNode] = []
        for name in _fields(type(node)):
            child = getattr(node, name)
            kind = type(child)
            if kind is tuple or kind is list:
                for item in child:
                    kind = type(item)
                    known = is_node(kind)
                    if known or (known is None and _is_node_type(kind)):
                        found.append(item)
            else:
                known = is_node(kind)
                if known or (known is None and _is_node_type(kind)):
                    found.append(child)
        stack.extend(reversed(found))
