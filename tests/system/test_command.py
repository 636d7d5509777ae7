"""``auditor system``: the same formats and JSON contract as ``scan``, exit codes, SARIF rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.cli import main
from auditor.findings import SCHEMA, Finding

FIXTURES = Path(__file__).parent / "fixtures"
SARIF_SCHEMA = Path(__file__).parents[1] / "reports" / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "bad", tmp_path / "deploy")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, dict[str, Any]]:
    code = main(args)
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, data


def test_json_is_the_scan_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(
        capsys,
        ["system", "--sudoers", "deploy/sudoers.d/omnimind", "--units", "deploy/units",
         "--format", "json"],
    )  # fmt: skip
    assert code == 0
    assert data["schema"] == SCHEMA and data["errors"] == []
    findings = [Finding.from_json(f) for f in data["findings"]]
    assert set(data["findings"][0]) == set(Finding.__dataclass_fields__)
    rules = {f.rule for f in findings}
    assert {"AUD401", "AUD402", "AUD403", "AUD404", "AUD405", "AUD412"} <= rules
    assert {"AUD501", "AUD503", "AUD504", "AUD505", "AUD506", "AUD507"} <= rules
    paths = {f.path for f in findings}
    assert paths == {
        "deploy/sudoers.d/omnimind",
        "deploy/units/omnimind.service",
        "deploy/units/omnimind-sandbox.scope",
        "deploy/units/omnimind-sandbox.slice",
    }
    assert len({f.fingerprint for f in findings}) == len(findings)
    assert all(f.kind in ("sudoers", "systemd") and f.payload == "constant" for f in findings)


def test_without_options_it_finds_the_deployment_folders(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = _json(capsys, ["system", "--format", "json"])
    assert code == 0
    assert {f["path"] for f in data["findings"]} >= {
        "deploy/sudoers.d/omnimind",
        "deploy/units/omnimind.service",
    }


def test_nothing_to_check_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["system"]) == 2
    assert "no --sudoers or --units given" in capsys.readouterr().err


def test_sarif_carries_the_system_rules(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log = _json(capsys, ["system", "--units", "deploy/units", "--format", "sarif"])
    assert code == 0
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls(schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert {"AUD401", "AUD404", "AUD501", "AUD506"} <= set(by_id)
    assert "external/cwe/cwe-250" in by_id["AUD401"]["properties"]["tags"]
    assert "external/cwe/cwe-400" in by_id["AUD506"]["properties"]["tags"]
    assert float(by_id["AUD401"]["properties"]["security-severity"]) >= 7.0
    assert run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_parse_errors_are_listed_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("sudoers").write_text("u ALL=(ALL) ALL\nnonsense\n")
    Path("bad.service").write_text("[Service]\nExecStart=/bin/true\nwords\n")
    code, data = _json(
        capsys,
        ["system", "--sudoers", "sudoers", "--sudoers", "missing", "--units", "bad.service",
         "--units", "nodir", "--format", "json"],
    )  # fmt: skip
    assert code == 2
    errors = {(e["path"], e["line"]) for e in data["errors"]}
    assert errors == {("sudoers", 2), ("missing", None), ("nodir", None)}
    # a unit's stray line is a finding with its line (systemd ignores it), not an error
    found = {(f["path"], f["line"], f["rule"]) for f in data["findings"]}
    assert found == {("sudoers", 1, "AUD401"), ("bad.service", 1, "AUD501"),
                     ("bad.service", 3, "AUD509")}  # fmt: skip


def test_a_stray_eof_does_not_fail_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("app.service").write_text(
        "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\n"
        "ExecStart=/bin/true\nRestart=on-failure\nRestartSec=5\nEOF\n"
    )
    code, data = _json(capsys, ["system", "--units", "app.service", "--format", "json"])
    assert code == 0 and data["errors"] == []
    assert [(f["line"], f["rule"], f["snippet"]) for f in data["findings"]] == [
        (8, "AUD509", "EOF")
    ]


def test_text_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["system", "--sudoers", "deploy/sudoers.d/omnimind"]) == 0
    out = capsys.readouterr().out
    assert "deploy/sudoers.d/omnimind:10:1: AUD401 high/convert" in out


def test_visudo_cross_checks_what_the_parser_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # auditor's parser reads Defaults settings without knowing their names; sudo refuses an
    # unknown one and with it the whole file.
    Path("sudoers").write_text('u ALL=(root) /usr/bin/id ""\nDefaults no_such_option_xyz\n')
    code, data = _json(capsys, ["system", "--sudoers", "sudoers", "--format", "json"])
    visudo = shutil.which("visudo") or shutil.which("visudo", path="/usr/sbin:/sbin")
    if visudo is None:
        assert (code, data["errors"]) == (0, [])
        return
    assert code == 2
    assert [(e["path"], e["line"]) for e in data["errors"]] == [("sudoers", 2)]
    assert data["errors"][0]["message"].startswith("sudoers: visudo -c rejects the file: ")
    assert "no_such_option_xyz" in data["errors"][0]["message"]


def test_suppression_comments_work_in_deploy_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("sudoers").write_text(
        "# auditor: ignore[AUD412] restarts only our own units, reviewed\n"
        "u ALL=(root) /usr/bin/systemctl restart app*\n"
        "u ALL=(root) /usr/bin/systemctl stop app*  # auditor: ignore[AUD412]\n"
        "u ALL=(root) /bin/sh\n"
    )
    Path("app.service").write_text(
        # systemd has no trailing comments: the suppression goes on the line above
        "# auditor: ignore[systemd-no-restart] a oneshot-like job, run by a timer\n"
        "[Service]\n"
        "ExecStart=/bin/true\n"
    )
    code, data = _json(
        capsys,
        ["system", "--sudoers", "sudoers", "--units", "app.service", "--format", "json"],
    )
    assert code == 0
    state = {(f["path"], f["line"], f["rule"]): f for f in data["findings"]}
    assert state[("sudoers", 2, "AUD412")]["suppressed"] is True
    reason = state[("sudoers", 2, "AUD412")]["suppression_reason"]
    assert reason == "restarts only our own units, reviewed"
    no_reason = state[("sudoers", 3, "AUD412")]
    assert no_reason["suppressed"] is False and "gives no reason" in no_reason["message"]
    assert state[("sudoers", 4, "AUD402")]["suppressed"] is False
    assert state[("app.service", 2, "AUD501")]["suppressed"] is True


def test_verify_adds_what_systemd_analyze_warns_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.service").write_text(
        "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/true\n"
        "Restart=on-failure\nRestartSec=5\nTypo=1\nMemoryLimit=1G\n"
    )
    base = ["system", "--units", "a.service", "--format", "json"]
    code, plain = _json(capsys, base)
    assert code == 0
    assert [(f["line"], f["rule"]) for f in plain["findings"]] == [(9, "AUD503")]
    code, verified = _json(capsys, [*base, "--verify"])
    assert code == 0
    found = [(f["line"], f["rule"]) for f in verified["findings"]]
    if shutil.which("systemd-analyze") is None:
        assert found == [(9, "AUD503")]
        return
    # line 9 draws a warning too, but AUD503 covers it already
    assert found == [(8, "AUD508"), (9, "AUD503")]
    typo = verified["findings"][0]
    assert "Unknown key 'Typo' in section [Service]" in typo["message"]
    assert typo["snippet"] == "Typo=1" and typo["path"] == "a.service"
