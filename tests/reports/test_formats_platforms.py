"""``--format gitlab-sast`` and ``--format codeclimate`` (GitLab's security widget and
code-quality report), the fields every format carries, and SARIF read by sarif-tools.

gitlab-sast is validated against the fields GitLab's documentation requires
(``data/gitlab-sast-documented.schema.json``, written for these tests): GitLab's published
JSON schema is not shipped by any PyPI or npm package, so it cannot be had here."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sysconfig
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.api import scan
from auditor.cli import main
from auditor.findings import EngineOnly, Finding, ScanError, ScanResult, Step
from auditor.formats import codeclimate, fields, github, gitlab_sast, sarif, text
from auditor.judge.policy import Policy, load_policy

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parents[2] / "examples" / "llm_backend"


def _schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text("utf-8"))
    return data


def _validate(document: Any, schema: dict[str, Any]) -> None:
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    cls(schema).validate(document)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ScanResult, Policy]:
    """The bundled example (flows from request data and model output, launchers)."""
    copy = tmp_path / "llm_backend"
    shutil.copytree(EXAMPLE, copy)
    monkeypatch.chdir(copy)
    policy = load_policy(copy)
    return scan(["."], policy=policy), policy


def _everything() -> Finding:
    """A finding with every field set to a value no default has."""
    return Finding(
        rule="AUD001", path="app/a b.py", line=7, column=5, end_line=9, end_column=6,
        sink="subprocess.run", kind="command", shell=True, payload="dynamic", isolated=True,
        trusted_by="command:ls *", risk="critical", action="isolate", function="Job.run",
        snippet="subprocess.run(cmd, shell=True)", message="runs | a \"quoted\" command",
        fingerprint="0123456789abcdef0123", suppressed=True, category="critical-shell",
        cwe=78, suppression_reason="reviewed: sandboxed by the caller",
        also_flagged_by=("bandit:B602", "semgrep:auditor.subprocess-shell-dynamic"),
        origin="remote-input",
        flow=(
            Step("app/api.py", 3, 9, "request.args (Flask)", "source", "request.args",
                 "the HTTP request"),
            Step("app/api.py", 4, 5, "passed to run() as `cmd`", "passed", "run", "cmd"),
            Step("app/a b.py", 7, 5, "reaches subprocess.run()", "reaches", "subprocess.run"),
        ),
        via=("sudo", "bash -c"), privileged=True, handed_to="threading.Thread",
        language="perl",  # a synthetic finding: every field set
        note="pip install runs the build code of the packages it is given",
    )  # fmt: skip


# -- every format carries the fields of the JSON finding ----------------------------------


def test_every_json_field_is_placed_or_carried_by_the_machine_formats() -> None:
    names = {f.name for f in dataclasses.fields(Finding)}
    assert names == set(fields.LABELS) | set(fields.PLACED), (
        "a Finding field that the gitlab-sast and codeclimate formats do not carry: "
        "add it to auditor.formats.fields.LABELS"
    )
    finding = _everything()
    assert {fact.key for fact in fields.facts(finding)} == set(fields.LABELS)


def test_gitlab_sast_carries_every_field() -> None:
    f = _everything()
    [v] = gitlab_sast.to_report(ScanResult(findings=[f]))["vulnerabilities"]
    assert v["location"] == {"file": f.path, "start_line": 7, "end_line": 9, "method": "Job.run"}
    assert v["description"].startswith(f.message)
    assert v["severity"] == "Critical"
    assert [i["value"] for i in v["identifiers"]] == ["AUD001", "78"]
    details = v["details"]
    for fact in fields.facts(f):
        shown = details[fact.key]
        if shown["type"] == "list":
            assert [item["value"] for item in shown["items"]] == list(fact.value)
        elif isinstance(fact.value, bool):
            assert shown["value"] == str(fact.value).lower()
        else:
            assert shown["value"] == fact.value, fact.key
    assert [row[0]["file_name"] for row in details["flow"]["rows"]] == [s.path for s in f.flow]
    assert [row[2]["value"] for row in details["flow"]["rows"]] == [s.note for s in f.flow]
    assert "`sudo` → `bash -c` (changes user: privileged)" in v["description"]
    assert v["flags"][0]["description"].endswith("reviewed: sandboxed by the caller")


def test_codeclimate_carries_every_field_of_an_unsuppressed_finding() -> None:
    f = dataclasses.replace(_everything(), suppressed=False, suppression_reason=None)
    [issue] = codeclimate.to_issues(ScanResult(findings=[f]))
    assert issue["location"] == {"path": f.path, "lines": {"begin": 7, "end": 9}}
    assert issue["fingerprint"] == f.fingerprint and issue["check_name"] == "AUD001"
    assert issue["severity"] == "blocker"
    body = issue["content"]["body"]
    for fact in fields.facts(f):
        assert f"| {fact.label} | {fact.text.replace('|', chr(92) + '|')} |" in body, fact.key
    assert "| Runs through | sudo, bash -c |" in body and "| Privileged | yes |" in body
    assert [loc["lines"]["begin"] for loc in issue["trace"]["locations"]] == [3, 4, 7]
    for step in f.flow:
        assert step.note in body


def test_sarif_carries_every_field() -> None:
    f = _everything()
    [result] = sarif.to_sarif(ScanResult(findings=[f]))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    props = result["properties"]
    placed = {
        "rule": result["ruleId"],
        "path": result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "line": region["startLine"],
        "column": region["startColumn"],
        "end_line": region["endLine"],
        "end_column": region["endColumn"],
        "snippet": region["snippet"]["text"],
        "function": result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "message": result["message"]["text"],
        "fingerprint": result["partialFingerprints"]["auditor/v1"],
        "suppressed": bool(result["suppressions"]),
        "suppression_reason": result["suppressions"][0]["justification"],
        "also_flagged_by": tuple(props["alsoFlaggedBy"]),
        "trusted_by": props["trustedBy"],
        "handed_to": props["handedTo"],
        "language": props["language"],
        "note": props["note"],
        "via": tuple(props["via"]),
        **{k: props[k] for k in ("sink", "kind", "shell", "payload", "isolated", "risk",
                                 "action", "category", "cwe", "origin", "privileged")},
    }  # fmt: skip
    expected = {name: getattr(f, name) for name in placed}
    expected["path"] = "app/a%20b.py"  # a URI reference
    assert placed == expected
    assert set(placed) | {"flow"} == {x.name for x in dataclasses.fields(Finding)}
    thread = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [
        (
            loc["location"]["message"]["text"],
            loc["properties"]["kind"],
            loc["properties"]["subject"],
            loc["properties"]["detail"],
        )
        for loc in thread
    ] == [(s.note, s.kind, s.subject, s.detail) for s in f.flow]


def test_the_human_formats_show_origin_flow_via_and_privileged() -> None:
    f = dataclasses.replace(_everything(), suppressed=False)
    result = ScanResult(findings=[f])
    for rendered in (github.render(result), text.render(result)):
        assert "remote-input" in rendered or "request.args" in rendered
        for step in f.flow[:-1]:
            assert f"{step.path}:{step.line}" in rendered
        assert "sudo -> bash -c" in rendered
        assert "privileged" in rendered


# -- gitlab-sast ---------------------------------------------------------------------------


def test_gitlab_sast_validates_against_the_documented_fields(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    report = json.loads(gitlab_sast.render(tree_result, tree_policy))
    _validate(report, _schema("gitlab-sast-documented.schema.json"))
    assert len(report["vulnerabilities"]) == len(tree_result.findings) == 14
    assert report["scan"]["status"] == "success" and report["scan"]["messages"] == []
    flagged = [v for v in report["vulnerabilities"] if "flags" in v]
    assert len(flagged) == 1  # the suppressed exec(template)
    assert flagged[0]["raw_source_code_extract"] == "exec(template)"
    names = {v["name"] for v in report["vulnerabilities"]}
    assert "Shell command built at run time" in names


def test_gitlab_sast_of_the_example_with_flows_validates(
    example: tuple[ScanResult, Policy],
) -> None:
    result, policy = example
    report = gitlab_sast.to_report(result, policy)
    _validate(report, _schema("gitlab-sast-documented.schema.json"))
    critical = [v for v in report["vulnerabilities"] if v["severity"] == "Critical"]
    assert len(critical) == 7
    assert all("flow" in v["details"] for v in critical)
    ids = [v["id"] for v in report["vulnerabilities"]]
    assert len(set(ids)) == len(ids)


def test_gitlab_sast_reports_errors_and_other_engines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765972800")
    result = ScanResult(
        findings=[],
        errors=[ScanError("old.py", "Python 2 syntax is not supported", 3)],
        engine_only=[EngineOnly("bandit", "B307", "m.py", 4, 4, "Use of possibly insecure eval")],
    )
    report = gitlab_sast.to_report(result)
    _validate(report, _schema("gitlab-sast-documented.schema.json"))
    assert report["scan"]["status"] == "failure"
    assert report["scan"]["messages"] == [
        {"level": "warn", "value": "old.py:3: not analysed: Python 2 syntax is not supported"}
    ]
    assert report["scan"]["end_time"] == "2025-12-17T12:00:00"
    [v] = report["vulnerabilities"]
    assert v["severity"] == "Info" and v["identifiers"][0]["name"] == "bandit:B307"


def test_the_documented_fields_schema_catches_a_broken_report(
    tree_result: ScanResult,
) -> None:
    schema = _schema("gitlab-sast-documented.schema.json")
    for breaks in (
        lambda r: r["scan"].pop("status"),
        lambda r: r["scan"].update(start_time="2025-12-17T12:00:00Z"),  # no zone allowed
        lambda r: r["vulnerabilities"][0].update(identifiers=[]),
        lambda r: r["vulnerabilities"][0]["location"].update(start_line=0),
        lambda r: r["vulnerabilities"][0].update(severity="high"),
        lambda r: r["vulnerabilities"][0]["details"]["risk"].update(type="bold"),
    ):
        report = gitlab_sast.to_report(tree_result)
        breaks(report)
        with pytest.raises(jsonschema.ValidationError):
            _validate(report, schema)


# -- codeclimate ---------------------------------------------------------------------------


def test_codeclimate_validates_and_leaves_suppressed_findings_out(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    issues = json.loads(codeclimate.render(tree_result, tree_policy))
    _validate(issues, _schema("codeclimate-documented.schema.json"))
    active = [f for f in tree_result.findings if not f.suppressed]
    assert len(issues) == len(active) == 13
    assert sorted(i["fingerprint"] for i in issues) == sorted(f.fingerprint for f in active)
    assert Counter(i["severity"] for i in issues) == Counter(
        codeclimate.SEVERITY[f.risk] for f in active
    )


def test_codeclimate_of_the_example_traces_the_flows(example: tuple[ScanResult, Policy]) -> None:
    result, policy = example
    issues = codeclimate.to_issues(result, policy)
    _validate(issues, _schema("codeclimate-documented.schema.json"))
    traced = [i for i in issues if "trace" in i]
    flows = [f for f in result.findings if f.flow and not f.suppressed]
    assert len(traced) == len(flows) > 7


def test_codeclimate_reports_files_not_analysed() -> None:
    result = ScanResult(errors=[ScanError("old.py", "Python 2 syntax", 3)])
    [issue] = codeclimate.to_issues(result)
    _validate([issue], _schema("codeclimate-documented.schema.json"))
    assert issue["check_name"] == "auditor/not-analysed"
    assert issue["location"] == {"path": "old.py", "lines": {"begin": 3, "end": 3}}


def test_the_cli_writes_both_formats(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--format", "gitlab-sast", "-o", "gl-sast-report.json"]) == 0
    report = json.loads((tree / "gl-sast-report.json").read_text("utf-8"))
    assert len(report["vulnerabilities"]) == 14
    assert main(["scan", "--format", "codeclimate"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 13  # the unsuppressed findings
    assert main(["baseline", "-o", "base.json", "web"]) == 0
    argv = ["check", "--baseline", "base.json", "--format", "codeclimate", "-o", "cq.json"]
    assert main(argv) == 1
    issues = json.loads((tree / "cq.json").read_text("utf-8"))
    assert len(issues) == 8  # only the new ones: web/ is in the baseline
    assert not any(i["location"]["path"].startswith("web/") for i in issues)


# -- SARIF read by sarif-tools (what DefectDojo and other aggregators import) ------------


def test_sarif_passes_sarif_tools_summary(
    example: tuple[ScanResult, Policy], tmp_path: Path
) -> None:
    # the console script of the sarif-tools installed beside this interpreter
    tool = shutil.which("sarif", path=sysconfig.get_path("scripts")) or shutil.which("sarif")
    if tool is None:
        pytest.fail("sarif-tools is not installed: pip install -e '.[test]' installs it")
    result, policy = example
    log = tmp_path / "auditor.sarif"
    log.write_text(sarif.render(result, policy), "utf-8")
    done = subprocess.run(
        [tool, "summary", str(log)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    counts = {
        line.split(":")[0]: int(line.split(":")[1])
        for line in done.stdout.splitlines()
        if line and not line.startswith((" ", "-")) and ":" in line
    }
    expected = Counter(sarif.LEVELS[f.risk] for f in result.findings)
    assert counts == dict(expected)
    # and its strict mode sees the errors: what a CI step with `sarif --check error` does
    strict = subprocess.run(
        [tool, "--check", "error", "summary", str(log)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert strict.returncode != 0
