"""What is read from a file descriptor is a file's content (``os.read``, ``os.fdopen``),
not the number that names the descriptor: a descriptor number taken from the command line
through ``int()`` made the code read from it "user input, converted by int()", and the
site's risk fell to medium (the standard library's multiprocessing spawn child)."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

CODE = """import os
import sys
from multiprocessing import reduction


def main(fd):
    with os.fdopen(fd, "rb") as f:
        data = reduction.pickle.load(f)
    exec(data["code"])


def raw(fd):
    exec(os.read(fd, 4096).decode())


if __name__ == "__main__":
    main(int(sys.argv[1]))
    raw(int(sys.argv[2]))
"""


def test_what_a_descriptor_gives_is_a_files_content(tmp_path: Path) -> None:
    (tmp_path / "child.py").write_text(CODE)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    found = {f.line: (f.rule, f.risk, f.origin) for f in result.findings}
    assert found == {9: ("AUD103", "high", "file"), 13: ("AUD103", "high", "file")}
