"""A recursive helper (ansible's ``to_text`` calls itself for bytes and other types) put
the same "returned by to_text()" step in a finding's flow once per recursive call: five
identical lines in a row on ansible-core's local connection. A flow shows a step once."""

from __future__ import annotations

import itertools
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

CODE = """import subprocess
import sys


def to_text(x, depth=0):
    if isinstance(x, bytes):
        return to_text(x.decode(), depth + 1)
    if isinstance(x, list):
        return to_text(" ".join(x), depth + 1)
    return x


subprocess.run(to_text(sys.argv[1]), shell=True)
"""


def test_a_recursive_helper_appears_once_per_line(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CODE)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    assert finding.origin == "user-input"
    steps = [(s.line, s.note) for s in finding.flow]
    assert steps[0] == (13, "the command line: sys.argv")
    assert steps[-1][0] == 13 and steps[-1][1].startswith("reaches")
    assert all(a != b for a, b in itertools.pairwise(steps)), steps
