"""The JSON findings document for the fixture tree, compared whole with a reviewed golden
file (only the timing is normalised). Regenerate with:
    cd tests/fixtures/tree && auditor scan --format json  (then set stats.seconds to 0.0)
and review the diff before committing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import FIXTURES


def test_fixture_tree_matches_golden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES / "tree")
    assert main(["scan", "--format", "json"]) == 2  # two files cannot be analysed
    got = json.loads(capsys.readouterr().out)
    assert got["stats"]["seconds"] >= 0
    got["stats"]["seconds"] = 0.0
    expected = json.loads((FIXTURES / "tree.golden.json").read_text("utf-8"))
    assert got == expected


def test_fingerprints_survive_unrelated_edits(tmp_path: Path) -> None:
    from auditor.api import scan
    from tests.conftest import make_policy

    source = (FIXTURES / "tree" / "svc" / "jobs.py").read_text("utf-8")
    target = tmp_path / "jobs.py"
    target.write_text(source, "utf-8")
    policy = make_policy(root=str(tmp_path))
    before = {
        (f.rule, f.snippet): (f.fingerprint, f.line) for f in scan([target], policy=policy).findings
    }
    shifted = source.replace('"""Jobs with every payload class."""', '"""Jobs."""\n\n\nX = 1\n')
    target.write_text(shifted, "utf-8")
    after = {
        (f.rule, f.snippet): (f.fingerprint, f.line) for f in scan([target], policy=policy).findings
    }
    assert before.keys() == after.keys()
    for key, (fingerprint, line) in before.items():
        assert after[key] == (fingerprint, line + 4)
    # identical calls in one function get distinct fingerprints
    target.write_text("import os\ndef f(c):\n    os.system(c)\n    os.system(c)\n")
    prints = [f.fingerprint for f in scan([target], policy=policy).findings]
    assert len(set(prints)) == 2


def test_json_document_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text("import subprocess\nsubprocess.run(c, shell=True)\n")
    out = tmp_path / "out.json"
    assert main(["scan", str(tmp_path), "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["schema"] == "auditor/findings/v1"
    [finding] = data["findings"]
    assert set(finding) >= {
        "rule", "path", "line", "column", "end_line", "end_column", "sink", "kind", "shell",
        "payload", "isolated", "trusted_by", "risk", "action", "function", "snippet",
        "message", "fingerprint", "suppressed",
    }  # fmt: skip
    assert finding["function"] == "<module>"
    assert set(data["stats"]) >= {"files", "parsed", "seconds"}
    assert data["errors"] == []
