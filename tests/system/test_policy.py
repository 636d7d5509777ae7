"""[tool.auditor.system]: which units are sandbox units, and rule risk/action overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.judge.policy import PolicyError, build_policy


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("sudoers").write_text("u ALL=(root) /usr/local/bin/appctl restart *\n")
    Path("worker.service").write_text(
        "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n"
        "[Service]\nExecStart=/bin/true\nRestart=on-failure\nRestartSec=5\n"
    )
    return tmp_path


def _findings(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    args = ["system", "--sudoers", "sudoers", "--units", "worker.service", "--format", "json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["risk"], f["action"]) for f in data["findings"]]


def test_defaults(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _findings(capsys) == [("AUD406", "low", "review")]


def test_hardened_services_are_scored(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """worker.service runs generated code, the policy says: its exposure (9.6, as root
    with nothing restricted) is a finding; without the setting it is not looked at."""
    assert [r for r, _, _ in _findings(capsys)] == ["AUD406"]
    Path("pyproject.toml").write_text("[tool.auditor.system]\nhardened_services = ['worker*']\n")
    args = ["system", "--sudoers", "sudoers", "--units", "worker.service", "--format", "json"]
    assert main(args) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    exposure = [f for f in found if f["rule"] == "AUD511"]
    assert len(exposure) == 1 and "scores 9.6 UNSAFE" in exposure[0]["message"]
    assert "its name matches the policy" in exposure[0]["message"]


def test_overrides_and_sandbox_names(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_text(
        "[tool.auditor.system]\nsandbox_names = ['worker*']\n"
        "[tool.auditor.system.rules.AUD406]\nrisk = 'high'\naction = 'convert'\n"
    )
    found = _findings(capsys)
    assert ("AUD406", "high", "convert") in found
    # worker.service is now a sandbox unit without a slice: it must bound memory, swap, CPU
    assert sorted(r for r, _, _ in found if r == "AUD506") == ["AUD506"] * 3


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"system": []}, "'system' must be a table"),
        ({"system": {"colour": 1}}, "unknown key 'system.colour'"),
        ({"system": {"sandbox_names": "x"}}, "'system.sandbox_names' must be a list of strings"),
        ({"system": {"hardened_services": [1]}}, "'system.hardened_services' must be a list"),
        ({"system": {"rules": {"AUD999": {"risk": "low"}}}}, "unknown rule 'system.rules.AUD999'"),
        ({"system": {"rules": {"AUD406": {"risk": "huge"}}}}, "must be one of low, medium, high"),
        ({"system": {"rules": {"AUD406": {"colour": "x"}}}}, "'system.rules.AUD406.colour'"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        build_policy(table, "pyproject.toml")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_policy_without_it_keeps_its_fingerprint() -> None:
    plain = build_policy({}, "x")
    assert "system" not in plain.to_json()
    assert build_policy({"system": {}}, "x").fingerprint() == plain.fingerprint()
