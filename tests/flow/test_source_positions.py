"""Where a flow's source step points when the source's text is several times in its function
(``os.environ`` read twice): the occurrence the flow goes through, found without libcst's
position metadata when the text is unambiguous by rank, and with it when it is not."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.scan import positions
from tests.conftest import make_policy


def _scan(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "m.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    assert result.errors == []
    return result.findings


def _where(code: str, marker: str, text: str) -> tuple[int, int]:
    """The line and column (1-based) of ``text`` on the line that ends with ``marker``."""
    for number, line in enumerate(textwrap.dedent(code).splitlines(), 1):
        if line.endswith(marker):
            return number, line.index(text) + 1
    raise AssertionError(marker)


class _NoMetadata:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("libcst's position metadata was asked for")


ATTRIBUTE = """
import os, subprocess
def run():
    home = os.environ.get("HOME")  # a
    print(os.environ, home)  # b
    cmd = os.environ["CMD"]  # c
    subprocess.run(cmd, shell=True)
"""

NAME = """
import subprocess
from sys import argv
def run():
    print(argv)  # a
    script = argv[1]  # b
    subprocess.run(script, shell=True)
"""


@pytest.mark.parametrize(
    ("code", "marker", "text"),
    [(ATTRIBUTE, "# c", "os.environ"), (NAME, "# b", "argv")],
    ids=["attribute", "name"],
)
def test_the_source_step_is_the_occurrence_the_flow_goes_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, marker: str, text: str
) -> None:
    monkeypatch.setattr(positions, "MetadataWrapper", _NoMetadata)
    [finding] = _scan(tmp_path, code)
    source = finding.flow[0]
    assert source.kind == "source"
    assert (source.line, source.column) == _where(code, marker, text)


def test_a_text_also_in_a_comment_or_string_asks_libcst_and_is_still_right(
    tmp_path: Path,
) -> None:
    code = """
    import os, subprocess
    def run():
        # os.environ is read below
        home = os.environ.get("HOME")  # a
        print("os.environ", home)
        cmd = os.environ["CMD"]  # c
        subprocess.run(cmd, shell=True)
    """
    [finding] = _scan(tmp_path, code)
    source = finding.flow[0]
    assert (source.line, source.column) == _where(code, "# c", "os.environ")


HANDED = """
import subprocess, sys, threading
def notify(cmd):
    subprocess.run(cmd, shell=True)
def main():
    threading.Thread(target=notify, args=(sys.argv[1],)).start()  # a
"""


def test_a_handed_over_call_is_placed_where_its_function_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The call a handover makes up (``notify(sys.argv[1])``) has no place in the text: it
    is placed where the function is named, found in the caller's lines, not by asking
    libcst to regenerate the module (14 files of ansible-core did, 1.3 s of a scan)."""
    monkeypatch.setattr(positions, "MetadataWrapper", _NoMetadata)
    [finding] = _scan(tmp_path, HANDED)
    assert finding.origin == "user-input"
    passed = [s for s in finding.flow if s.kind == "passed"]
    assert [(s.line, s.column) for s in passed] == [_where(HANDED, "# a", "notify")]
