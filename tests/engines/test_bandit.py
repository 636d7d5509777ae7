"""bandit as a second opinion: in-process, dynamic-execution tests only, merged per call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.conftest import FIXTURES

ENGINES = FIXTURES / "engines"


def _scan_json(
    where: Path, capsys: pytest.CaptureFixture[str], *args: str, code: int = 0
) -> dict[str, Any]:
    assert main(["scan", str(where), "--format", "json", *args]) == code
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _flags(data: dict[str, Any]) -> dict[tuple[int, str], list[str]]:
    return {(f["line"], f["sink"]): f["also_flagged_by"] for f in data["findings"]}


def test_multi_line_and_nested_calls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ENGINES)
    data = _scan_json(Path("multiline.py"), capsys, "--engines", "libcst,bandit")
    assert data["engines"] == ["libcst", "bandit"]
    assert _flags(data) == {
        # bandit reports B602 on the `shell=True` line (10) of a call on lines 7-12
        (7, "subprocess.run"): ["bandit:B602"],
        (13, "os.system"): ["bandit:B605", "bandit:B607", "bandit:B609"],
        (20, "builtins.eval"): ["bandit:B307"],
        (21, "subprocess.check_output"): ["bandit:B602"],
        (22, "builtins.exec"): ["bandit:B102"],
        (26, "builtins.eval"): ["bandit:B307"],
        (26, "subprocess.getoutput"): ["bandit:B605"],
    }
    assert data["engine_only"] == []
    assert data["engine_errors"] == []


def test_fixture_tree_engine_only_and_text_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES / "tree")
    data = _scan_json(Path("."), capsys, "--engines", "bandit", code=2)  # 2 unparsable files
    # bandit flags a call of a parameter named eval; the scanner knows it is shadowed
    assert data["engine_only"] == [
        {
            "engine": "bandit",
            "rule": "B307",
            "path": "svc/jobs.py",
            "line": 33,
            "end_line": 33,
            "message": "Use of possibly insecure function - consider using safer ast.literal_eval.",
        }
    ]
    flags = _flags(data)
    assert flags[(15, "subprocess.run")] == ["bandit:B602"]
    assert flags[(23, "svc.helpers.sh")] == []  # our wrapper: bandit does not know it
    # the files the scanner could not parse are not handed to bandit: no second error
    assert data["engine_errors"] == []
    assert main(["scan", ".", "--engines", "libcst,bandit"]) == 2
    out = capsys.readouterr().out
    assert "    also flagged by: bandit:B602\n" in out
    assert "svc/jobs.py:33: bandit:B307 only (no finding of ours): Use of possibly" in out
    assert "engines libcst, bandit: 1 engine-only result, 0 engine errors" in out


def test_default_runs_libcst_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ENGINES)
    data = _scan_json(Path("multiline.py"), capsys)
    assert data["engines"] == ["libcst"]
    assert all(f["also_flagged_by"] == [] for f in data["findings"])
    assert "also flagged" not in (main(["scan", "multiline.py"]), capsys.readouterr().out)[1]
    assert main(["scan", "multiline.py", "--engines", "libcst,pylint"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Invalid value for '--engines': unknown engine 'pylint'" in captured.err
    assert "Traceback" not in captured.err


def test_bandit_missing_keeps_our_findings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ENGINES)
    for name in ("bandit", "bandit.core"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: import fails
    data = _scan_json(Path("multiline.py"), capsys, "--engines", "bandit", code=2)
    assert len(data["findings"]) == 7
    assert data["engine_errors"] == [
        {
            "engine": "bandit",
            "path": None,
            "message": "bandit is not installed (pip install bandit, or pip install "
            "'auditor[bandit]')",
        }
    ]


def test_bandit_crash_and_unparsable_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bandit.core.manager import BanditManager

    monkeypatch.chdir(ENGINES)

    def skip_all(self: BanditManager) -> None:
        self.skipped = [(f, "syntax error while parsing AST from file") for f in self.files_list]

    monkeypatch.setattr(BanditManager, "run_tests", skip_all)
    data = _scan_json(Path("multiline.py"), capsys, "--engines", "bandit", code=2)
    assert data["engine_errors"] == [
        {
            "engine": "bandit",
            "path": "multiline.py",
            "message": "could not analyse: syntax error while parsing AST from file",
        }
    ]

    def crash(self: BanditManager) -> None:
        raise KeyError("fname")

    monkeypatch.setattr(BanditManager, "run_tests", crash)
    data = _scan_json(Path("multiline.py"), capsys, "--engines", "bandit", code=2)
    assert len(data["findings"]) == 7
    assert data["engine_errors"] == [
        {"engine": "bandit", "path": None, "message": "crashed: KeyError: 'fname'"}
    ]
    assert main(["scan", "multiline.py", "--engines", "bandit"]) == 2
    captured = capsys.readouterr()
    assert "engine bandit: error: crashed: KeyError: 'fname'\n" in captured.out
    assert "Traceback" not in captured.out + captured.err
