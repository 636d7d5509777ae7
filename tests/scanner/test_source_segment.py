"""auditor.scan.lines.source_segment: ``ast.get_source_segment`` from lines split once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from auditor.flow.module_writes import module_writes
from auditor.scan.lines import physical_lines, source_segment

TEXTS = [
    "import os\nx = os.system('ls')\n",
    "a = 1\r\nb = (2 +\r\n     3)\r\nc = f(a,\r    b)\rd = 'é' + \"ü\"\n",
    "s = '\u00e9\u4e2d'; t = [\n  'x',\x0c\n  'y\u2028z',\n]\n",  # form feed; U+2028 in a string
    'def f(x):\n    """doc\n    more"""\n    return {k: v for k, v in x.items()}\n',
    "x = (\n1 +\n  y)",  # no final newline
    "import shlex\nshlex.quote = lambda s: s\n",
    "x = 1\r\ny = 'é' + \\\n  2\rz = (3,\r\n 4)",
    "s = '''a\r\nb\nc'''\nq = f'{s}ü'\n",
    "v = 'x\x0cy'\nw = 1\n\x0c\nu = [\n  'ß',\n  2]\n",
    "def f(a,\n      b='ä'):\n    return {a: b,\n            'k': [1, 2]}\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_node_has_the_standard_librarys_segment(text: str) -> None:
    lines = physical_lines(text)
    nodes = list(ast.walk(ast.parse(text)))
    assert len(nodes) >= 5
    for node in nodes:
        assert source_segment(lines, node) == ast.get_source_segment(text, node), ast.dump(node)


def test_an_auditor_source() -> None:
    text = Path(source_segment.__code__.co_filename).read_text()  # small: each node splits it
    lines = physical_lines(text)
    for node in ast.walk(ast.parse(text)):
        assert source_segment(lines, node) == ast.get_source_segment(text, node)


def test_a_module_write_shows_its_code() -> None:
    text = "import sys\n\n\nsetattr(\r\n    sys.modules['pkg.m'], 'CMD', 'é')\n"
    (write,) = module_writes(text, "pkg.other", False)
    assert (write.module, write.name, write.line) == ("pkg.m", "CMD", 4)
    assert write.code == "setattr( sys.modules['pkg.m'], 'CMD', 'é')"
