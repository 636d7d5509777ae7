"""The flow case suites (issue 15): small projects under tests/flow/cases/, each with an
``expected.toml`` that states every finding the scan must produce, and how.

An expected finding names its ``file`` (relative to the case folder) and ``line``, its ``rule``,
``risk``, ``origin`` ("none" for a constant payload) and ``flow``: the steps from the source to
the sink as ``"path:line"`` (the source first, the sink's call last). The runner compares them
exactly, and fails when a finding is missing or one that is not expected appears. A case
may carry a ``[policy]`` table (``[tool.auditor]`` keys), else it runs under the built-in one.

A gap of the tool is marked in the expectations, never by changing them: ``xfail = "..."`` on a
finding (its rule, risk, origin or flow is wrong) or ``xfail_findings = "..."`` at the top of the
file (a finding is missing or unexpected). Both become ``xfail(strict=True)``: when the tool is
fixed, the mark must go.
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.judge.sources import ORIGINS
from tests.conftest import make_policy

CASES_DIR = Path(__file__).resolve().parent / "cases"
RULES = {
    "AUD001", "AUD002", "AUD003", "AUD004", "AUD005", "AUD006",
    "AUD101", "AUD102", "AUD103", "AUD104", "AUD201", "AUD202", "AUD203", "AUD301", "AUD302",
}  # fmt: skip
RISKS = {"critical", "high", "medium", "low"}
_TOP_KEYS = {"about", "xfail_findings", "policy", "finding"}
_FINDING_KEYS = {"file", "line", "rule", "risk", "origin", "flow", "why", "xfail"}


@dataclass(frozen=True, slots=True)
class Expected:
    case: str
    file: str
    line: int
    rule: str
    risk: str
    origin: str | None
    flow: tuple[str, ...]
    why: str
    xfail: str | None

    @property
    def id(self) -> str:
        return f"{self.case}:{self.file}:{self.line}"

    def fields(self) -> dict[str, Any]:
        return {"rule": self.rule, "risk": self.risk, "origin": self.origin, "flow": self.flow}


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    root: Path
    about: str
    findings: tuple[Expected, ...]
    xfail: str | None
    policy: dict[str, Any]


def _load(root: Path) -> Case:
    where = root / "expected.toml"
    data = tomllib.loads(where.read_text(encoding="utf-8"))
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    findings = []
    for number, entry in enumerate(data.get("finding", []), 1):
        unknown = set(entry) - _FINDING_KEYS
        missing = _FINDING_KEYS - {"xfail"} - set(entry)
        if unknown or missing:
            raise ValueError(f"{where}: finding #{number}: bad keys {sorted(unknown or missing)}")
        origin = entry["origin"]
        findings.append(
            Expected(
                root.name,
                entry["file"],
                entry["line"],
                entry["rule"],
                entry["risk"],
                None if origin == "none" else origin,
                tuple(entry["flow"]),
                entry["why"],
                entry.get("xfail"),
            )
        )
    return Case(
        root.name,
        root,
        data["about"],
        tuple(findings),
        data.get("xfail_findings"),
        data.get("policy", {}),
    )


CASES = [_load(p) for p in sorted(CASES_DIR.iterdir()) if (p / "expected.toml").is_file()]
_POLICIES = {case.name: case.policy for case in CASES}
FINDINGS = [expected for case in CASES for expected in case.findings]


def _xfail(reason: str | None) -> list[pytest.MarkDecorator]:
    return [] if reason is None else [pytest.mark.xfail(strict=True, reason=reason)]


def _relative(path: str, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


@cache
def _scanned(name: str) -> tuple[Finding, ...]:
    root = CASES_DIR / name
    result = scan([root], policy=make_policy(_POLICIES[name], root=str(root)), jobs=1)
    assert result.errors == [], result.errors
    return tuple(result.findings)


def _actual(finding: Finding, root: Path) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "risk": finding.risk,
        "origin": finding.origin,
        "flow": tuple(f"{_relative(step.path, root)}:{step.line}" for step in finding.flow),
    }


def _describe(finding: Finding, root: Path) -> str:
    actual = _actual(finding, root)
    return (
        f"{_relative(finding.path, root)}:{finding.line} {actual['rule']} {actual['risk']} "
        f"origin={actual['origin']} flow={list(actual['flow'])}"
    )


def test_expectations_are_well_formed() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert case.about.strip(), case.name
        seen = set()
        for expected in case.findings:
            assert (expected.file, expected.line) not in seen, f"{expected.id} twice"
            seen.add((expected.file, expected.line))
            assert expected.rule in RULES, expected.id
            assert expected.risk in RISKS, expected.id
            assert expected.origin is None or expected.origin in ORIGINS, expected.id
            # a flow goes with an origin from somewhere; a constant or internal value has none
            outside = expected.origin not in (None, "internal")
            assert bool(expected.flow) == outside, f"{expected.id}: flow and origin disagree"
            steps = [*expected.flow, f"{expected.file}:{expected.line}"]
            for step in steps:
                path, _, line = step.rpartition(":")
                lines = (case.root / path).read_text(encoding="utf-8").splitlines()
                assert 1 <= int(line) <= len(lines), f"{expected.id}: {step}"
            if expected.flow:
                assert expected.flow[-1] == f"{expected.file}:{expected.line}", (
                    f"{expected.id}: the flow must end at the sink"
                )


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=case.name, marks=_xfail(case.xfail)) for case in CASES],
)
def test_the_scan_finds_exactly_the_expected_sites(case: Case) -> None:
    findings = _scanned(case.name)
    found = Counter((_relative(f.path, case.root), f.line) for f in findings)
    wanted = Counter((e.file, e.line) for e in case.findings)
    missing = sorted(wanted - found)
    unexpected = [
        _describe(f, case.root)
        for f in findings
        if (_relative(f.path, case.root), f.line) in (found - wanted)
    ]
    assert not missing and not unexpected, f"missing: {missing}; unexpected: {unexpected}"


@pytest.mark.parametrize(
    "expected",
    [pytest.param(e, id=e.id, marks=_xfail(e.xfail)) for e in FINDINGS],
)
def test_finding(expected: Expected) -> None:
    root = CASES_DIR / expected.case
    at = [
        f
        for f in _scanned(expected.case)
        if (_relative(f.path, root), f.line) == (expected.file, expected.line)
    ]
    assert len(at) == 1, f"{len(at)} findings at {expected.file}:{expected.line}"
    assert _actual(at[0], root) == expected.fields(), expected.why
