"""SARIF 2.1.0: valid against the official schema, and what GitHub code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.cli import main
from auditor.findings import ScanResult
from auditor.formats import sarif
from auditor.judge.policy import Policy

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "sarif-schema-2.1.0.json").read_text("utf-8"))
    return data


def _validate(log: dict[str, Any], schema: dict[str, Any]) -> None:
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(log)


def test_sarif_validates_against_the_official_schema(
    tree_result: ScanResult, tree_policy: Policy, schema: dict[str, Any]
) -> None:
    log = json.loads(sarif.render(tree_result, tree_policy))
    _validate(log, schema)
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == len(tree_result.findings) == 14


def test_the_schema_check_catches_a_broken_log(
    tree_result: ScanResult, schema: dict[str, Any]
) -> None:
    log = sarif.to_sarif(tree_result)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validate(log, schema)


def test_rules_carry_what_github_code_scanning_reads(tree_result: ScanResult) -> None:
    rules = sarif.to_sarif(tree_result)["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids[:14] == [
        "AUD001", "AUD002", "AUD003", "AUD004", "AUD005",
        "AUD101", "AUD102", "AUD103", "AUD104", "AUD201", "AUD202", "AUD203", "AUD301", "AUD302"
    ]  # fmt: skip
    # then the sudoers (AUD4xx) and systemd (AUD5xx) rules of `auditor system`
    assert {i[:4] for i in ids[14:]} == {"AUD4", "AUD5"}
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert len(rule["fullDescription"]["text"]) > len(rule["shortDescription"]["text"])
        assert rule["help"]["text"] and rule["help"]["markdown"]
        severity = float(rule["properties"]["security-severity"])
        assert 0.0 < severity <= 10.0
        assert "security" in rule["properties"]["tags"]
    by_id = {r["id"]: r for r in rules}
    assert "external/cwe/cwe-78" in by_id["AUD101"]["properties"]["tags"]
    assert "external/cwe/cwe-95" in by_id["AUD103"]["properties"]["tags"]
    assert float(by_id["AUD101"]["properties"]["security-severity"]) >= 7.0  # GitHub: high
    assert float(by_id["AUD001"]["properties"]["security-severity"]) >= 9.0  # GitHub: critical
    assert "external/cwe/cwe-95" in by_id["AUD003"]["properties"]["tags"]
    assert 4.0 <= float(by_id["AUD201"]["properties"]["security-severity"]) < 7.0


def test_results_have_region_fingerprint_and_rule_index(tree_result: ScanResult) -> None:
    run = sarif.to_sarif(tree_result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_key = {(f.path, f.line): f for f in tree_result.findings}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        finding = by_key[(loc["artifactLocation"]["uri"], loc["region"]["startLine"])]
        assert loc["region"]["startColumn"] == finding.column
        assert loc["region"]["endColumn"] == finding.end_column
        assert res["partialFingerprints"] == {"auditor/v1": finding.fingerprint}
        assert "primaryLocationLineHash" not in res["partialFingerprints"]
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "scripts/canonical/cleanup.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5,
        "startColumn": 5,
        "endLine": 5,
        "endColumn": 34,
        "snippet": {"text": 'os.system("rm -rf " + folder)'},
    }


def test_levels_and_suppressions(tree_result: ScanResult) -> None:
    results = sarif.to_sarif(tree_result)["runs"][0]["results"]
    levels = {(r["ruleId"], r["level"]) for r in results}
    assert ("AUD101", "error") in levels  # the dynamic shell in vectorize.py
    assert ("AUD201", "warning") in levels
    assert ("AUD101", "note") in levels  # the trusted and the isolated ones
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "justification": "templates come from our own package, reviewed"}
    ]


def test_unreadable_files_become_notifications_and_the_log_stays_valid(
    tree: Path, schema: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "broken.py").write_text("def broken(:\n    eval(x)\n", "utf-8")
    (tree / "my file.py").write_text("import os\nos.system(cmd)\n", "utf-8")
    assert main(["scan", ".", "--format", "sarif"]) == 2
    log = json.loads(capsys.readouterr().out)
    _validate(log, schema)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert note["message"]["text"].startswith("syntax error")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "my%20file.py" in uris


def test_sarif_to_a_file(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    assert main(["scan", ".", "--format", "sarif", "-o", str(out)]) == 0
    assert json.loads(out.read_text("utf-8"))["runs"][0]["tool"]["driver"]["name"] == "auditor"


def test_engine_results_are_results_of_that_engines_rule(
    tree_result: ScanResult, schema: dict[str, Any]
) -> None:
    from auditor.findings import EngineError, EngineOnly

    tree_result.engine_only = [
        EngineOnly("bandit", "B307", "app/x.py", 3, 3, "Use of possibly insecure function"),
        EngineOnly("semgrep", "auditor.os-system", "app/y.py", 5, 6, "os.system call"),
    ]
    tree_result.engine_errors = [EngineError("semgrep", "cannot parse", "app/z.py")]
    log = sarif.to_sarif(tree_result)
    _validate(log, schema)
    run = log["runs"][0]
    rules = {r["id"]: i for i, r in enumerate(run["tool"]["driver"]["rules"])}
    extra = [r for r in run["results"] if r["properties"].get("engineOnly")]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in extra
    ] == [
        ("bandit:B307", 3),
        ("semgrep:auditor.os-system", 5),
    ]
    for r in extra:
        assert r["ruleIndex"] == rules[r["ruleId"]]
        assert r["partialFingerprints"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["message"]["text"] == "semgrep: cannot parse" for n in notes)
    assert run["invocations"][0]["executionSuccessful"] is False
