"""Source positions of calls, from the standard library's C parser.

libcst's PositionProvider re-generates the whole module to compute positions, which costs
several times the parse itself. The ``ast`` module gives every call's span for a fraction of
that. Both parsers see the same calls; a pre-order walk of libcst's tree meets them in the
order of their spans sorted by (start, longest first), so the n-th call of one is the n-th
call of the other. The pairing is checked (same count, same callee shape and name) and the
caller falls back to libcst's PositionProvider whenever the check fails.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from auditor.scan.walk import preorder


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int  # 0-based, in characters
    end_line: int
    end_column: int  # 0-based, exclusive, in characters


def _char_col(lines: list[str], line: int, byte_col: int) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def call_spans(calls: list[ast.Call], lines: list[str]) -> list[tuple[Span, ast.Call]]:
    """The spans of ``calls`` (every call of the text libcst parsed), in pre-order."""
    calls = sorted(
        calls,
        key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)),
    )
    out = []
    for n in calls:
        end_line = n.end_lineno or n.lineno
        end_col = n.end_col_offset if n.end_col_offset is not None else n.col_offset
        out.append(
            (
                Span(
                    n.lineno,
                    _char_col(lines, n.lineno, n.col_offset),
                    end_line,
                    _char_col(lines, end_line, end_col),
                ),
                n,
            )
        )
    return out


def agrees(node: cst.Call, twin: ast.Call) -> bool:
    """A cheap check that a libcst call and an ast call are the same call."""
    func, other = node.func, twin.func
    if isinstance(func, cst.Name):
        return isinstance(other, ast.Name) and other.id == func.value
    if isinstance(func, cst.Attribute):
        return isinstance(other, ast.Attribute) and other.attr == func.attr.value
    if isinstance(func, cst.Call):
        return isinstance(other, ast.Call)
    return not isinstance(other, (ast.Name, ast.Attribute))


def statement_starts(tree: ast.Module) -> list[int]:
    """The first line of each top-level statement of ``tree`` (its first decorator's, for a
    decorated definition): where :class:`NodePositions` places libcst's statements."""
    out = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", None) or ()
        out.append(min([d.lineno for d in decorators] + [stmt.lineno]))
    return out


class NodePositions:
    """Where nodes of a libcst module are, computed one top-level statement at a time.

    libcst's PositionProvider regenerates the whole module (about a tenth of a second for a
    large one) to place one node. Here the node's top-level statement is regenerated alone,
    as a module of its own, and its lines are moved to where the statement starts in the
    file: the first line the ``ast`` gives the statement, less the blank and comment lines
    libcst holds in front of it. Columns need no moving (a top-level statement starts at
    column 0). Each answer is checked against the text (the node's code starts where it is
    said to); when the check or the pairing of the two parsers' statements fails, the whole
    module is regenerated, as before.
    """

    def __init__(self, module: cst.Module, starts: list[int] | None, lines: list[str]) -> None:
        self.module = module
        self.lines = lines
        self._starts = self._pair(module, starts) if starts is not None else None
        self._owner: dict[int, int] | None = None
        self._done: dict[int, Mapping[cst.CSTNode, CodeRange]] = {}
        self._whole: Mapping[cst.CSTNode, CodeRange] | None = None

    @staticmethod
    def _pair(module: cst.Module, starts: list[int]) -> list[int] | None:
        """The line where each of libcst's top-level statements starts (its leading blank
        and comment lines included), from the ``ast``'s statement starts; None when the two
        do not pair (libcst holds several small statements of one line in one node)."""
        out, index = [], 0
        for stmt in module.body:
            if index >= len(starts):
                return None
            out.append(starts[index] - len(stmt.leading_lines))
            index += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        return out if index == len(starts) else None

    def range(self, node: cst.CSTNode, code: str | None = None) -> CodeRange | None:
        """Where ``node`` is (libcst's lines and 0-based columns); None when it is not in
        the module. ``code``: the node's text, when the caller has it."""
        found = self._from_statement(node, code)
        if found is not None:
            return found
        if self._whole is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._whole = wrapper.resolve(PositionProvider)
        return self._whole.get(node)

    def _from_statement(self, node: cst.CSTNode, code: str | None) -> CodeRange | None:
        if self._starts is None:
            return None
        if self._owner is None:
            self._owner = self._owners()
        index = self._owner.get(id(node))
        if index is None:
            return None
        ranges = self._done.get(index)
        if ranges is None:
            module = self.module
            alone = module.with_changes(body=[module.body[index]], header=(), footer=())
            wrapper = MetadataWrapper(alone, unsafe_skip_copy=True)
            ranges = self._done[index] = wrapper.resolve(PositionProvider)
        relative = ranges.get(node)
        if relative is None:
            return None
        shift = self._starts[index] - 1
        start = CodePosition(relative.start.line + shift, relative.start.column)
        end = CodePosition(relative.end.line + shift, relative.end.column)
        if code is None:
            code = self.module.code_for_node(node)
        head = code.split("\n", 1)[0].split("\r", 1)[0]
        if not 0 < start.line <= len(self.lines):
            return None
        if not self.lines[start.line - 1].startswith(head, start.column):
            return None  # the pairing was wrong: ask the whole module
        return CodeRange(start, end)

    def _owners(self) -> dict[int, int]:
        """The index of the top-level statement holding each node (by id)."""
        owner: dict[int, int] = {}
        for index, stmt in enumerate(self.module.body):
            for item in preorder(stmt):
                owner[id(item)] = index
        return owner
