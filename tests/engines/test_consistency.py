"""Recall kept honest: every bandit or semgrep result in our classes, on the fixture tree and
on real code, is covered by a finding of ours, or is a known engine mistake listed below."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.findings import EngineOnly, ScanResult
from tests.conftest import FIXTURES

# (engine, rule, path suffix, regex over the source line, why the engine is wrong)
ALLOWED: list[tuple[str, str, str, str, str]] = [
    # `eval` is a parameter of the function, not the builtin: bandit and semgrep do not know
    # about shadowing (the scanner's catalogue example "def f(exec): exec(x)" is the same)
    ("bandit", "B307", "tree/svc/jobs.py", r"return eval\(", "shadowed builtin"),
    ("semgrep", "auditor.eval-exec", "tree/svc/jobs.py", r"return eval\(", "shadowed builtin"),
]


def _source_line(entry: EngineOnly, base: Path) -> str:
    path = Path(entry.path) if Path(entry.path).is_absolute() else base / entry.path
    return path.read_text("utf-8").splitlines()[entry.line - 1]


def _unexplained(result: ScanResult, base: Path) -> list[str]:
    out = []
    for entry in result.engine_only:
        text = _source_line(entry, base)
        if not any(
            engine == entry.engine
            and rule == entry.rule
            and entry.path.endswith(suffix)
            and re.search(pattern, text)
            for engine, rule, suffix, pattern, _ in ALLOWED
        ):
            out.append(f"{entry.path}:{entry.line}: {entry.engine}:{entry.rule}: {text.strip()}")
    return out


def _part(result: ScanResult, real: bool) -> ScanResult:
    """The fixture files' (relative paths) or the real modules' (absolute) share."""
    keep = ScanResult(engines=result.engines)
    keep.findings = [f for f in result.findings if Path(f.path).is_absolute() == real]
    keep.engine_only = [o for o in result.engine_only if Path(o.path).is_absolute() == real]
    keep.engine_errors = list(result.engine_errors)
    return keep


def test_fixture_tree_every_engine_result_is_covered(fixtures_scan: ScanResult) -> None:
    assert fixtures_scan.engines == ["libcst", "bandit", "semgrep"]
    assert fixtures_scan.engine_errors == []
    fixtures = _part(fixtures_scan, real=False)
    assert _unexplained(fixtures, FIXTURES) == []
    # the allow-list is not stale: each entry still explains a result
    assert len(fixtures.engine_only) == len(ALLOWED)


def test_standard_library_every_engine_result_is_covered(fixtures_scan: ScanResult) -> None:
    real = _part(fixtures_scan, real=True)
    assert {Path(f.path).name for f in real.findings} >= {"subprocess.py", "os.py", "pty.py"}
    assert _unexplained(real, Path("/")) == []
    tags = {t for f in real.findings for t in f.also_flagged_by}
    # the engines did run and agree with us on real sites of several kinds
    assert {"bandit:B602", "bandit:B604", "bandit:B102", "bandit:B606"} <= tags
    assert {
        "semgrep:auditor.subprocess-shell-dynamic",
        "semgrep:auditor.os-spawn",
        "semgrep:auditor.eval-exec",
        "semgrep:auditor.os-exec",
    } <= tags


def test_bandit_package_every_bandit_result_is_covered(bandit_package_scan: ScanResult) -> None:
    result = bandit_package_scan
    assert result.engine_errors == [] and result.errors == []
    assert result.stats.files > 10
    assert _unexplained(result, Path("/")) == []
    assert any(
        Path(f.path).name == "baseline.py" and "bandit:B603" in f.also_flagged_by
        for f in result.findings
    )
