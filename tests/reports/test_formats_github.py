"""``--format github``: workflow-command annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings import Finding, ScanResult
from auditor.formats import github


def test_one_annotation_per_unsuppressed_finding(tree_result: ScanResult) -> None:
    lines = github.render(tree_result).splitlines()
    assert len(lines) == len([f for f in tree_result.findings if not f.suppressed]) == 13
    assert lines[1] == (
        "::error file=scripts/indexing/vectorize.py,line=7,col=15,endColumn=89,endLine=7,"
        "title=AUD101 high/isolate::subprocess.run() runs a shell command assembled at run "
        "time; isolate it in the sandbox"
    )
    commands = [line.split(" ", 1)[0] for line in lines]
    assert commands.count("::error") == 4
    assert commands.count("::warning") == 4
    assert commands.count("::notice") == 5
    assert not any("exec(template)" in line for line in lines)


def test_special_characters_are_escaped() -> None:
    finding = Finding(
        rule="AUD101", path="a,b:c%.py", line=1, column=1, end_line=2, end_column=3,
        sink="os.system", kind="command", shell=True, payload="dynamic", isolated=False,
        trusted_by=None, risk="high", action="isolate", function="f", snippet="os.system(x)",
        message="50% bad\nsecond line", fingerprint="f" * 20,
    )  # fmt: skip
    [line] = github.render(ScanResult(findings=[finding])).splitlines()
    # a multi-line call gets no columns: GitHub ignores them there
    assert line == (
        "::error file=a%2Cb%3Ac%25.py,line=1,endLine=2,title=AUD101 high/isolate"
        "::50%25 bad%0Asecond line"
    )


def test_errors_are_annotated(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "broken.py").write_text("x = (\n", "utf-8")
    assert main(["scan", "broken.py", "--format", "github"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("::error file=broken.py,line=")
    assert "title=auditor: file not analysed::syntax error" in out
