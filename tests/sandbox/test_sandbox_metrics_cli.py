"""Metrics, the per-run log record, import hygiene and the CLI."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import prometheus_client
import pytest

from auditor import sandbox
from auditor.sandbox import metrics, native


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return prometheus_client.REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_first_runs_from_several_threads_register_the_metrics_once() -> None:
    """The metrics are created on the first run; runs finishing at once in several threads
    (a fresh interpreter, so nothing is registered yet) must not register them twice."""
    code = (
        "import threading\n"
        "from auditor.sandbox import metrics\n"
        "barrier = threading.Barrier(8)\n"
        "errors = []\n"
        "def first_run():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        metrics.record(metrics.RunRecord(args=['true'], outcome='ok', returncode=0,"
        " isolation=()))\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=first_run) for _ in range(8)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "import prometheus_client\n"
        "done = prometheus_client.REGISTRY.get_sample_value("
        "'auditor_sandbox_executions_total', {'isolation': '', 'outcome': 'ok'})\n"
        "print(errors, done)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "8.0"]


def test_metrics_and_one_log_record_per_run(caplog: pytest.LogCaptureFixture) -> None:
    r0 = sandbox.run(["true"])
    labels = {"isolation": ",".join(r0.isolation), "outcome": "ok"}
    before_ok = _sample("auditor_sandbox_executions_total", labels)
    before_err = _sample("auditor_sandbox_executions_total", {**labels, "outcome": "error"})
    before_count = _sample("auditor_sandbox_duration_seconds_count")
    before_cpu = _sample("auditor_sandbox_cpu_seconds_total")
    caplog.set_level(logging.INFO, logger="auditor.sandbox")
    sandbox.run(["true"])
    sandbox.run(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 1"])
    assert _sample("auditor_sandbox_executions_total", labels) == before_ok + 1
    assert _sample("auditor_sandbox_executions_total", {**labels, "outcome": "error"}) == (
        before_err + 1
    )
    assert _sample("auditor_sandbox_duration_seconds_count") == before_count + 2
    assert _sample("auditor_sandbox_cpu_seconds_total") > before_cpu
    assert _sample("auditor_sandbox_memory_bytes_max") > 0
    records = [rec for rec in caplog.records if rec.name == "auditor.sandbox"]
    assert len(records) == 2
    data = records[1].sandbox  # type: ignore[attr-defined]
    assert data["outcome"] == "error" and data["returncode"] == 1
    assert data["isolation"] == r0.isolation
    assert data["launcher"] == ("c" if native.path() else "python") == r0.launcher


def test_timeout_and_oom_counters() -> None:
    before = _sample("auditor_sandbox_timeouts_total")
    with pytest.raises(subprocess.TimeoutExpired):
        sandbox.run(["sleep", "30"], timeout=0.3)
    assert _sample("auditor_sandbox_timeouts_total") == before + 1
    before_oom = _sample("auditor_sandbox_oom_kills_total")
    r = sandbox.exec_python(
        "b = []\nwhile True: b.append(bytearray(2**23))",
        limits=sandbox.Limits(memory="64M"),
        capture_output=True,
    )
    assert _sample("auditor_sandbox_oom_kills_total") == before_oom + (1 if r.oom_killed else 0)
    if "cgroup" in r.isolation:
        assert r.oom_killed
        assert _sample("auditor_sandbox_security_violations_total", {"reason": "memory"}) >= 1


def test_metrics_are_a_no_op_without_prometheus_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_metrics", None)
    monkeypatch.setattr(metrics, "_unavailable", False)
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails
    assert not metrics.available()
    assert sandbox.run(["true"]).returncode == 0


def test_import_needs_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "from auditor import sandbox\n"
        "heavy = ('click', 'libcst', 'jinja2', 'prometheus_client')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


def test_cli_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    assert main(["sandbox", "run", "--json", "--", "sh", "-c", "echo hi; exit 3"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["stdout"] == "hi\n"
    assert data["returncode"] == 3
    assert "pid" in data["isolation"]


def test_cli_run_options_and_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    rc = main(["sandbox", "run", "--json", "--pids", "7", "--profile", "strict", "--", "pwd"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stdout"] == "/tmp\n"
    assert "readonly-root" in data["isolation"]
    assert main(["sandbox", "run", "--timeout", "0.3", "--", "sleep", "30"]) == 124
    assert main(["sandbox", "run", "--memory", "lots", "--", "true"]) == 2
    assert main(["sandbox", "run", "--", "sh", "-c", "kill -9 $$"]) == 137


def test_cli_run_json_tells_its_own_statuses_from_the_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --json a command exiting 3 (or 124, 127) after printing "isolation ...
    unavailable" on stderr looks like the CLI's own failure. With --json every outcome is a
    JSON document on stdout, which the command does not share: its own output is inside."""
    from auditor.cli import main
    from auditor.sandbox import launcher

    forged = "echo \"auditor sandbox: isolation 'user' unavailable\" >&2; exit 3"
    assert main(["sandbox", "run", "--json", "--", "sh", "-c", forged]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["returncode"] == 3 and "unavailable" not in data
    assert main(["sandbox", "run", "--json", "--", "/nonexistent/cmd"]) == 127
    data = json.loads(capsys.readouterr().out)
    assert data["returncode"] is None and "/nonexistent/cmd" in data["error"]
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"seccomp"}))
    assert main(["sandbox", "run", "--json", "--", "true"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["returncode"] is None and "seccomp" in data["missing"], data
    assert "seccomp" in data["unavailable"]


def test_cli_doctor(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    rc = main(["sandbox", "doctor"])
    out = capsys.readouterr().out
    assert "user namespaces:" in out
    assert "cgroup:" in out
    assert "binaries (informational" in out
    assert "profile standard: OK" in out
    assert "profile strict: OK" in out
    assert ("launcher: compiled" in out) == (native.path() is not None)
    assert rc == 0
    assert main(["sandbox", "doctor", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["profiles"]["strict"]["ok"] is True
    assert "apparmor_restrict_unprivileged_userns" in rep["sysctls"]


def test_cli_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    assert main(["sandbox", "run", "--help"]) == 0
    out = capsys.readouterr().out
    for opt in (
        "--memory",
        "--cpu-time",
        "--timeout",
        "--pids",
        "--profile",
        "--network",
        "--json",
    ):
        assert opt in out


def test_cli_profile_choices_match_the_profiles() -> None:
    from auditor.commands import sandbox as sandbox_command

    assert set(sandbox_command.PROFILE_NAMES) == set(sandbox.PROFILES)


def test_cli_a_command_found_but_not_runnable_is_a_status_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that is not executable (or a folder) named as the command raised
    PermissionError through the CLI, a traceback with no JSON (an independent attacker's
    finding): it is the CLI's 126, as a shell says, with a JSON ``error`` under --json."""
    from auditor.cli import main

    monkeypatch.chdir(str(tmp_path))
    plain = tmp_path / "notes.txt"
    plain.write_text("not a program\n")
    assert main(["sandbox", "run", "--json", "--", str(plain)]) == 126
    data = json.loads(capsys.readouterr().out)
    assert data["returncode"] is None and "Permission denied" in data["error"]
    assert main(["sandbox", "run", "--", str(tmp_path)]) == 126
    assert "auditor sandbox: [Errno 13]" in capsys.readouterr().err
