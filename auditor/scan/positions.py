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
from dataclasses import dataclass

import libcst as cst


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
