"""The text libcst parses: the file with the bodies of the functions that cannot matter
replaced by an empty string literal spanning the same lines (``pass`` on one line).

libcst's parse is the scanner's main cost (about ten times the standard library's C parser
per character), and most of a file that calls a sink is made of functions that do not.
:func:`auditor.scan.prefilter.survey` lists the bodies to drop: the outermost function bodies
that start on a line of their own and hold no *marker* (a call that may resolve to a sink,
a call passing ``shell=``, a method sink, a builtin sink name, the ``def`` of a project
sink, a ``global`` or ``nonlocal`` statement, a call of ``globals()``, ``vars()`` or
``setattr(sys.modules[...], ...)``: the module's globals written by name).

Why the findings cannot change. The analysis reports calls, and every call it could report
is a marker, so no reportable call is dropped. What a kept call resolves to and what its
arguments evaluate to depends on the bindings its scope chain sees (``auditor.scan.scopes``
follows Python's rules: local, enclosing functions, module, builtins). A dropped body is a
function's own scope (and the scopes nested in it): none of a kept call's chain, because a
kept call is never inside a dropped body. Its bindings reach other scopes only through
``global`` and ``nonlocal`` and the writes by name (``globals()[k] = v``), which keep the
body. The ``def`` line itself (decorators,
parameters and their defaults, annotations: evaluated in the enclosing scope) stays as
written, so the function's name is still bound by a ``def``. Lines and columns of what is
kept do not move: each dropped line keeps its line ending (inside the string literal), so
positions, snippets (from the kept nodes) and suppression comments (read from the original
text) are unchanged. ``tests/scanner/test_skeleton.py`` checks full and skeleton analyses
against each other on cases built to break them, ``tests/scanner/test_prefilter.py`` on
real code, and ``benchmarks/scan_speed.py`` (its soundness check) on the benchmark corpora.
"""

from __future__ import annotations

from auditor.scan.lines import physical_lines


def skeleton(text: str, stubs: list[tuple[int, int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with the lines ``first..last`` (1-based, inclusive) of each stub replaced:
    by a string literal holding only their line endings, opened at the body's indentation
    (``column``) on the first line and closed on the last (one line: ``pass``); and the
    line ranges actually dropped. Not blank lines: libcst makes nodes of every blank line,
    a string is one token. A stub whose first statement does not start its line (after
    white space) is left as it is."""
    if not stubs:
        return text, []
    lines = physical_lines(text)
    dropped = []
    for first, last, column in stubs:
        head = lines[first - 1]
        indent = head[:column]
        if not indent or indent.strip(" \t\f") or len(indent) < column:
            # ``@ decorator`` with spaces after the @: the @ is the line's first non-blank
            body = head.lstrip(" \t\f")
            indent = head[: len(head) - len(body)]
            if not indent or not body.startswith("@") or len(indent) >= column:
                continue
        dropped.append((first, last))
        if first == last:
            lines[first - 1] = f"{indent}pass{_ending(head)}"
            continue
        lines[first - 1] = f'{indent}"""{_ending(head)}'
        for i in range(first, last - 1):
            lines[i] = _ending(lines[i])
        lines[last - 1] = f'"""{_ending(lines[last - 1])}'
    return "".join(lines), dropped


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""
