"""The Mermaid sources of the audit document (reports/diagrams.py and the model in
reports/audit.py), as text. test_mermaid_render.py renders them with the real Mermaid CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from auditor.findings import Finding, ScanResult, Step
from auditor.judge.policy import Policy, build_policy
from auditor.reports import audit, diagrams


def test_text_writes_what_mermaid_reads_as_syntax_as_entities() -> None:
    assert diagrams.text('a "b" <c> #d; `e` |f| & g\\h') == (
        "a #quot;b#quot; #lt;c#gt; #35;d#59; #96;e#96; #124;f#124; #amp; g#92;h"
    )
    assert diagrams.text("ação [x] {y} (z)") == "ação [x] {y} (z)"  # kept as they are
    assert diagrams.text("one\nline\t too") == "one line too"
    assert diagrams.text("x" * 200) == "x" * 89 + "…"
    assert diagrams.lines("title", "", "a<b", bold=True) == "<b>title</b><br/>a#lt;b"


def test_the_pie_has_a_slice_and_a_colour_per_risk_present() -> None:
    names = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
    pie = diagrams.risk_pie({"low": 2, "critical": 1}, names, "Title")
    assert pie.splitlines() == [
        '%%{init: {"theme": "default", "themeVariables": {"pie1": "#7b1fa2", '
        '"pie2": "#388e3c"}}}%%',
        "pie showData title Title",
        '    "Critical" : 1',
        '    "Low" : 2',
    ]


def test_folder_bars_are_stacked_from_the_total_down() -> None:
    rows = [("web", {"critical": 1, "high": 2, "low": 3}), ("lib", {"low": 1})]
    lines = diagrams.folder_bars(rows, "T", "sites").splitlines()
    assert '"plotColorPalette": "#7b1fa2, #d32f2f, #388e3c"' in lines[0]
    assert lines[1:] == [
        "xychart-beta horizontal",
        '    title "T"',
        '    x-axis ["web", "lib"]',
        '    y-axis "sites" 0 --> 6',
        "    bar [6, 1]",  # critical + high + low: the critical part shows past the others
        "    bar [5, 1]",  # high + low (no medium bar: there is no medium site)
        "    bar [3, 1]",  # low
    ]


def _finding(path: str, risk: str = "high", **changes: object) -> Finding:
    base = Finding(
        rule="AUD101", path=path, line=3, column=1, end_line=3, end_column=9,
        sink="os.system", kind="command", shell=True, payload="dynamic", isolated=False,
        trusted_by=None, risk=risk, action="isolate", function="f", snippet="os.system(x)",
        message="m", fingerprint=path, category="dynamic-shell", cwe=78,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def policy_defaults() -> Policy:
    return build_policy({}, "defaults")


def test_folders_are_counted_below_the_scanned_folder(policy_defaults: Policy) -> None:
    findings = [
        _finding("proj/web/a.py"),
        _finding("proj/web/deep/b.py", risk="medium"),
        _finding("proj/setup.py", risk="low", action="isolate"),
        _finding("other/x.py"),
    ]
    meta = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=("proj", "other/x.py"))
    context = audit.build_context(ScanResult(findings=findings), policy_defaults, meta=meta)
    bars = context["charts"]["folders"]
    assert '    x-axis ["web", "(top level)", "other"]' in bars.splitlines()


def test_no_chart_without_sites_to_do(policy_defaults: Policy) -> None:
    done = _finding("a/b.py", isolated=True, risk="low", action="allow")
    meta = audit.ReportMeta(date=dt.date(2025, 12, 17))
    context = audit.build_context(ScanResult(findings=[done]), policy_defaults, meta=meta)
    assert context["charts"] == {"pie": None, "folders": None, "caption": ""}
    assert "flowchart TD" in context["architecture_diagram"]


def test_each_site_from_outside_the_program_gets_its_flow(policy_defaults: Policy) -> None:
    flow = (
        Step("app/api.py", 5, 1, "request.args", "source", "request.args", "the request"),
        Step("app/t.py", 3, 1, "reaches os.system()", "reaches", "os.system"),
    )
    critical = _finding("app/t.py", risk="critical", origin="remote-input", flow=flow,
                        rule="AUD001", category="critical-shell", via=("sudo", "bash -c"),
                        privileged=True)  # fmt: skip
    env = _finding("app/u.py", origin="environment", flow=flow)
    internal = _finding("app/v.py", origin="parameter", flow=flow[1:])
    meta = audit.ReportMeta(date=dt.date(2025, 12, 17))
    context = audit.build_context(
        ScanResult(findings=[critical, env, internal]), policy_defaults, meta=meta
    )
    [attention] = context["attention"]
    assert attention["diagram"].startswith("flowchart TD")
    assert (
        's0(["<b>Request data</b><br/>app/api.py:5<br/>the request: request.args"])'
        in (attention["diagram"])
    )
    assert "Runs through: sudo → bash -c (changes user: privileged)" in attention["diagram"]
    assert attention["via"] == "`sudo` → `bash -c` (changes user: privileged)"
    others = context["other_flows"]
    assert [o["path"] for o in others["sites"]] == ["app/u.py"]  # not the parameter one
    assert "The environment" in others["sites"][0]["diagram"]
