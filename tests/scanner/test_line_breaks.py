"""Lines as Python counts them (auditor/scan/lines.py): ``\\n``, ``\\r\\n`` and a lone ``\\r``
end a line, a form feed, ``\\x1c`` or ``\\u2028`` does not. Before, the suppression comments
were read with ``io.StringIO(text).readline`` (``\\n`` only): a comment after a lone ``\\r``
was given the line above it, so ``# auditor: ignore[AUD101]`` on a line with no call
silenced the call before it, and a real suppression after a lone ``\\r`` did nothing; the
flow steps of the project-wide stage counted ``\\n`` only, and migrate's before/after lines
(``splitlines``) a form feed too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from auditor.scan.analyze import snippet_of
from auditor.scan.lines import line_end, line_number, line_start, source_lines, tokenizable
from auditor.scan.suppress import comments_by_line
from tests.conftest import findings, scan_files

TEXTS = [
    "a = 1\nb = 2\n",
    "a = 1\r\nb = 2\r\n",
    "a = 1\rb = 2\r",
    "a = (1,  # c\r  2)\r\nb = 3\nc = 4  # d\r",
    "a = 1\n\x0c\nb = [2,\x0c 3]  # \x1c \u2028 \x85 c\nc = d\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_line_numbers_are_the_parsers(text: str) -> None:
    """Every name's line and column, computed from its offset, are those of ``ast``."""
    lines = source_lines(text)
    offsets = {}
    at = 0
    for number, line in enumerate(lines, start=1):
        offsets[number] = at
        at += len(line)
        at += 2 if text.startswith("\r\n", at) else 1 if text[at : at + 1] in ("\r", "\n") else 0
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name):
            at = offsets[node.lineno] + node.col_offset
            assert text[at : at + len(node.id)] == node.id
            assert line_number(text, at) == node.lineno
            assert at - line_start(text, at) == node.col_offset
            assert text[line_start(text, at) : line_end(text, at)] == lines[node.lineno - 1]


def test_only_python_line_breaks_split() -> None:
    assert source_lines("a\x0cb\x1c\u2028c\rd\r\ne\nf") == ["a\x0cb\x1c\u2028c", "d", "e", "f"]
    assert tokenizable("a\rb\r\nc\n") == "a\nb\r\nc\n"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_comments_are_on_their_own_lines(ending: str) -> None:
    text = ending.join(["x = (1,  # one", "  2)", "y = 3  # auditor: ignore[AUD101] three", ""])
    assert comments_by_line(text) == {1: "# one", 3: "# auditor: ignore[AUD101] three"}


def test_a_comment_after_a_lone_cr_does_not_silence_the_line_above() -> None:
    """The attacker's file: the ignore comment is on line 5, which holds no call."""
    code = (
        "import os\nLIMITS = (1,  # max retries\r          2)\nos.system(input())\n"
        "DONE = True  # auditor: ignore[AUD101] no call on this line\n"
    )
    [f] = findings(code)
    assert (f.line, f.suppressed) == (4, False)


def test_a_suppression_after_a_lone_cr_still_works() -> None:
    code = (
        "import os\nx = (1  # a\r  )\n"
        "os.system(input())  # auditor: ignore[AUD101] fine\r"
        "os.system(input())\n"
    )
    first, second = findings(code)
    assert (first.line, first.suppressed, first.suppression_reason) == (4, True, "fine")
    assert (second.line, second.suppressed) == (5, False)


def test_a_snippet_holds_no_carriage_return() -> None:
    """A ``\\r`` left in the snippet moves a terminal's cursor back over what it shows."""
    assert snippet_of("f(1,  # c\r  2)") == "f(1, 2)"
    assert snippet_of("f(1,  # c\r\n  2)") == "f(1, 2)"


def test_a_nul_byte_is_reported_on_its_line(tmp_path: Path) -> None:
    from auditor.api import scan

    path = tmp_path / "bin.py"
    path.write_bytes(b"a = 1\rb = 2\rc = '\x00'\n")
    [error] = scan([path], jobs=1).errors
    assert error.line == 3


def test_a_write_from_another_file_is_placed_on_its_line(tmp_path: Path) -> None:
    """The flow step at ``tasks.CMD = ...`` in a file whose earlier lines end with a lone
    ``\\r`` names the line Python gives it."""
    tasks = "import subprocess\nCMD = 'uptime'\n\ndef go():\n    subprocess.run(CMD, shell=True)\n"
    steps = []
    for ending in ("\n", "\r"):
        cli = ending.join(["import sys", "import tasks", "# set it", "tasks.CMD = sys.argv[1]\n"])
        root = tmp_path / repr(ending).strip("'\\")
        found = scan_files(root, {"tasks.py": tasks, "cli.py": cli})
        [f] = [f for f in found if f.path.endswith("tasks.py")]
        steps += [(Path(s.path).name, s.line, s.column) for s in f.flow if s.kind == "written"]
    # the step starts at ``.CMD``, on line 4 either way
    assert steps == [("cli.py", 4, 5), ("cli.py", 4, 5)]
