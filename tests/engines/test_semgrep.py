"""The semgrep rule pack (generated from the catalogue, tested by `semgrep --test`) and the
semgrep engine: merged results, and its failure modes (simulated with fake executables)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.cli import main
from auditor.engines import Target
from auditor.engines import semgrep_engine as engine
from auditor.engines.semgrep_rules import PACK, family_of, generate, rule_ids
from auditor.findings import EngineError, ScanResult
from auditor.judge.catalogue import Sink, builtin_sinks
from tests.conftest import FIXTURES, REPO

PACK_DIR = REPO / "rules" / "semgrep"


def _pack() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = yaml.safe_load((PACK_DIR / PACK).read_text("utf-8"))["rules"]
    return rules


def test_committed_pack_is_generated_from_the_catalogue() -> None:
    committed = {p.name: p.read_text("utf-8") for p in PACK_DIR.glob("*.yaml")}
    assert committed == generate(), "run: python -m auditor.engines.semgrep_rules rules/semgrep"


def test_every_sink_is_covered_by_a_rule() -> None:
    rules = _pack()
    covered = {name for r in rules for name in r["metadata"]["auditor-sinks"]}
    assert covered == {s.name for s in builtin_sinks()}
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) == len(rule_ids())
    assert all(i.startswith("auditor.") for i in ids)
    assert "auditor.subprocess-shell-dynamic" in ids and "auditor.os-system" in ids
    for rule in rules:
        sinks = [s for s in builtin_sinks() if s.name in rule["metadata"]["auditor-sinks"]]
        if rule["id"] == "auditor.shell-wrapper":  # shell= to any other callee: bandit's B604
            assert rule["metadata"]["bandit"] == ["B604"]
            continue
        assert rule["metadata"]["bandit"] == sorted({b for s in sinks for b in s.bandit}), rule
        kinds = {s.kind for s in sinks}
        assert rule["metadata"]["auditor-kind"] == (kinds.pop() if len(kinds) == 1 else "any")
    with pytest.raises(ValueError, match="belongs to no semgrep family"):
        generate([Sink(name="mylib.run_it", kind="command", form="command")])
    assert family_of(Sink(name="os.execvpe", kind="command", form="program-argv")) is not None


def test_every_rule_has_a_test_case() -> None:
    tests = (PACK_DIR / "auditor.py").read_text("utf-8")
    for rule_id in rule_ids():
        assert f"# ruleid: {rule_id}\n" in tests, rule_id


def test_semgrep_rule_tests_pass() -> None:
    exe = engine.find_semgrep()
    assert exe is not None, "semgrep is part of the test extra"
    done = subprocess.run(
        [exe, "--test", "--metrics=off", "--disable-version-check", str(PACK_DIR)],
        capture_output=True, text=True, env=engine._environment(), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rule_ids())}/{len(rule_ids())}: ✓ All tests passed" in done.stdout


def _flags(result: ScanResult) -> dict[tuple[str, int, str], tuple[str, ...]]:
    return {(f.path, f.line, f.sink): f.also_flagged_by for f in result.findings}


def test_semgrep_results_merge_per_call(fixtures_scan: ScanResult) -> None:
    # (fixtures_scan also holds a few standard-library modules: one semgrep run for all)
    assert fixtures_scan.engine_errors == []
    flags = _flags(fixtures_scan)
    semgrep = {k: [t for t in v if t.startswith("semgrep:")] for k, v in flags.items()}
    assert semgrep[("engines/multiline.py", 7, "subprocess.run")] == [
        "semgrep:auditor.subprocess-shell-dynamic"
    ]
    assert semgrep[("engines/multiline.py", 20, "builtins.eval")] == ["semgrep:auditor.eval-exec"]
    assert semgrep[("engines/multiline.py", 21, "subprocess.check_output")] == [
        "semgrep:auditor.subprocess-shell-dynamic"
    ]
    assert semgrep[("engines/multiline.py", 26, "subprocess.getoutput")] == [
        "semgrep:auditor.subprocess-getoutput"
    ]
    assert semgrep[("tree/svc/jobs.py", 16, "subprocess.run")] == [
        "semgrep:auditor.subprocess-shell-constant"
    ]
    assert semgrep[("tree/svc/jobs.py", 18, "subprocess.check_output")] == [
        "semgrep:auditor.subprocess-argv"
    ]
    assert semgrep[("tree/svc/indirect.py", 16, "launch")] == ["semgrep:auditor.shell-wrapper"]
    # a name bound by two alternative imports: the scanner resolves it to subprocess too
    assert semgrep[("engines/conditional_import.py", 11, "subprocess.check_output")] == [
        "semgrep:auditor.subprocess-argv"
    ]
    # indirection through getattr: only the scanner sees it
    assert flags[("tree/svc/indirect.py", 12, "os.popen")] == ()
    fixtures = [o for o in fixtures_scan.engine_only if not Path(o.path).is_absolute()]
    assert [(o.engine, o.rule, o.path, o.line) for o in fixtures] == [
        ("bandit", "B307", "tree/svc/jobs.py", 33),
        ("semgrep", "auditor.eval-exec", "tree/svc/jobs.py", 33),
    ]


def _fake_semgrep(tmp_path: Path, body: str) -> str:
    script = tmp_path / "semgrep"
    script.write_text(f"#!{sys.executable}\nimport json, sys, time\n{body}\n", "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _cli(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["scan", "multiline.py", "--format", "json", "--engines", "semgrep"]) == 2
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert len(data["findings"]) == 7  # our findings are never lost
    return data


def test_semgrep_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES / "engines")
    monkeypatch.setattr(engine, "find_semgrep", lambda: None)
    assert _cli(capsys)["engine_errors"] == [
        {"engine": "semgrep", "path": None, "message": engine.NOT_INSTALLED}
    ]
    assert main(["scan", "multiline.py", "--engines", "semgrep"]) == 2
    captured = capsys.readouterr()
    assert f"engine semgrep: error: {engine.NOT_INSTALLED}\n" in captured.out
    assert "Traceback" not in captured.out + captured.err


# The crashes get a timeout they cannot reach even on a loaded machine (the fake exits at
# once; starting its interpreter took over 0.5 s under parallel tests), the hang a short one.
@pytest.mark.parametrize(
    ("body", "timeout", "message"),
    [
        (
            "sys.stderr.write('[00.1] Fatal error: boom\\n\\n'); sys.exit(2)",
            120,
            "failed (exit status 2): [00.1] Fatal error: boom",
        ),
        ("print('{not json'); sys.exit(0)", 120, "failed (exit status 0): {not json"),
        ("time.sleep(30)", 0.5, "timed out after 0.5 s"),
    ],
)
def test_semgrep_crash_and_timeout(
    body: str,
    timeout: float,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(FIXTURES / "engines")
    fake = _fake_semgrep(tmp_path, body)
    monkeypatch.setattr(engine, "find_semgrep", lambda: fake)
    monkeypatch.setattr(engine, "TIMEOUT", timeout)
    assert _cli(capsys)["engine_errors"] == [
        {"engine": "semgrep", "path": None, "message": message}
    ]


def test_semgrep_output_mapping_and_file_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefixed rule ids, paths as given, per-file errors; many files are split in batches."""
    target = os.path.abspath(FIXTURES / "engines" / "multiline.py")
    output = {
        "results": [
            {
                "check_id": "rules.semgrep.auditor.os-system",
                "path": target,
                "start": {"line": 13, "col": 5},
                "end": {"line": 15, "col": 6},
                "extra": {"message": "os.system()\n runs"},
            }
        ],
        "errors": [
            {"type": "Syntax error", "message": "bad\nsyntax", "path": target},
            {"type": ["Rule parse error"], "message": "rule x"},
        ],
    }
    fake = _fake_semgrep(tmp_path, f"print(json.dumps({output!r}))")
    monkeypatch.setattr(engine, "_ARGS_BUDGET", 10)
    targets = [Target(target, "multiline.py"), Target("/elsewhere/x.py", "x.py")]
    result = engine.SemgrepEngine(executable=fake).run(targets)
    # one result and two errors per batch of one file
    assert len(result.hits) == 2 and result.hits[0] == result.hits[1]
    hit = result.hits[0]
    assert (hit.rule, hit.path, hit.line, hit.end_line, hit.column, hit.kind) == (
        "auditor.os-system", "multiline.py", 13, 15, 5, "command",
    )  # fmt: skip
    assert hit.message == "os.system() runs"
    assert "os.popen" in hit.sinks
    assert result.errors[:2] == [
        EngineError("semgrep", "could not analyse: bad syntax", "multiline.py"),
        EngineError("semgrep", "rule x"),
    ]
