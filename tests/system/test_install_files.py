"""``auditor sandbox install-files``: what it writes, and the round trip through
``auditor system`` (and visudo / systemd-analyze verify where they are installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.system.audit import audit_system
from auditor.system.installfiles import SliceLimits, generate, systemd_size

LIMITS = SliceLimits(memory=100 << 20, memory_swap=0, cpu_quota="100%", tasks=64)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _system_findings(capsys: pytest.CaptureFixture[str], out: Path) -> list[dict[str, object]]:
    capsys.readouterr()
    args = ["system", "--units", str(out), "--format", "json"]
    if (out / "sudoers.d/auditor-sandbox").exists():
        args += ["--sudoers", str(out / "sudoers.d/auditor-sandbox")]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == []
    findings: list[dict[str, object]] = data["findings"]
    return findings


def test_user_setup_needs_no_sudo(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a folder named user, as systemd keeps user units: auditor then knows them for such
    out = here / "out/systemd/user"
    args = ["sandbox", "install-files", "--user", "--service", "app", "-o", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert written == [
        "INSTALL.md",
        "app.service.d",
        "app.service.d/auditor-hardening.conf",
        "app.service.d/auditor-sandbox.conf",
        "auditor-sandbox.slice",
    ]
    assert "No sudoers snippet" in captured.err
    install = (out / "INSTALL.md").read_text()
    assert "needs no sudo" in install and "sudo " not in install.replace("needs no sudo", "")
    assert "systemctl --user" in install
    dropin = (out / "app.service.d/auditor-sandbox.conf").read_text()
    assert "Slice=auditor-sandbox.slice" in dropin and "Restart=on-failure" in dropin
    assert _system_findings(capsys, out) == []


def test_system_setup_without_an_operator_writes_no_sudoers(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", "install-files", "--system", "--service", "app", "-o", "o"]) == 0
    assert not (here / "o/sudoers.d").exists()
    assert "nothing in this setup needs sudo at run time" in (here / "o/INSTALL.md").read_text()


def test_slice_limits_come_from_the_policy(here: Path) -> None:
    (here / "pyproject.toml").write_text(
        "[tool.auditor.sandbox]\nmemory = '256M'\npids = 32\nmemory_swap = '1G'\n"
        "cpu_quota = '50%'\n"
    )
    assert main(["sandbox", "install-files", "-o", "out"]) == 0
    text = (here / "out/auditor-sandbox.slice").read_text()
    for line in ("MemoryMax=256M", "MemorySwapMax=1G", "CPUQuota=50%", "TasksMax=32"):
        assert f"\n{line}\n" in text
    assert not list((here / "out").glob("*.service.d"))  # no --service: no drop-in


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("cpu_quota = 50", "key 'cpu_quota' must be a percentage"),
        ("memory_swap = 'lots'", "key 'memory_swap' is invalid"),
    ],
)
def test_bad_policy_values_are_one_line_errors(
    here: Path, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    (here / "pyproject.toml").write_text(f"[tool.auditor.sandbox]\n{setting}\n")
    assert main(["sandbox", "install-files", "-o", "out"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (here / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "--service", "app", "--sudo-user", "ops"], "a --user setup needs no sudo"),
        (["--system", "--sudo-user", "ops"], "--sudo-user needs --service"),
        (["--system", "--service", "app", "--sudo-user", "ops ALL"], "not a valid user name"),
        (["--service", "../etc/passwd"], "not a valid unit name"),
        (["--system", "--service", "app", "--run-as", "root"], "not a valid non-root user"),
        (["--user", "--service", "app", "--run-as", "app"], "go with --system --service"),
        (["--system", "--writable", "/var/lib/app"], "go with --system --service"),
        (["--system", "--service", "app", "--writable", "var/lib"], "not an absolute path"),
    ],
)
def test_bad_options(
    here: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["sandbox", "install-files", *args, "-o", "out"]) == 2
    assert message in capsys.readouterr().err
    assert not (here / "out").exists()


def test_system_round_trip_passes_auditor_visudo_and_systemd_analyze(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sandbox", "install-files", "--system", "--service", "omnimind"]
    assert main([*args, "--sudo-user", "fahbrain", "-o", "out"]) == 0
    out = here / "out"
    snippet = out / "sudoers.d/auditor-sandbox"
    assert snippet.stat().st_mode & 0o777 == 0o440
    text = snippet.read_text()
    assert "*" not in text and "bash" not in text and "pkill" not in text.split("\n", 4)[-1]
    assert "fahbrain ALL=(root) NOPASSWD: AUDITOR_SANDBOX" in text
    assert _system_findings(capsys, out) == []
    assert sorted(p.name for p in out.rglob(".*")) == []  # no temporary files left behind

    visudo = shutil.which("visudo") or shutil.which("visudo", path="/usr/sbin:/sbin")
    if visudo:
        proc = subprocess.run([visudo, "-c", "-f", str(snippet)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    analyze = shutil.which("systemd-analyze")
    if analyze:
        # a stand-in service, so that verify loads the drop-in next to it
        (out / "omnimind.service").write_text("[Service]\nExecStart=/bin/true\n")
        proc = subprocess.run(
            [analyze, "verify", "--man=no", str(out / "omnimind.service"),
             str(out / "auditor-sandbox.slice")],
            capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_systemd_analyze_agrees_with_the_fixture_findings(tmp_path: Path) -> None:
    """Where systemd-analyze is installed, every line it warns about in the bad service is a
    line auditor reports, and the fixed twin draws no warning."""
    analyze = shutil.which("systemd-analyze")
    fixtures = Path(__file__).parent / "fixtures"
    shutil.copytree(fixtures / "bad/units", tmp_path / "bad")
    shutil.copytree(fixtures / "fixed/units", tmp_path / "fixed")
    if analyze is None:
        return
    bad = subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / "bad/omnimind.service")],
        capture_output=True, text=True,
    )  # fmt: skip
    lines = (re.match(r"^/\S*\.service:(\d+): ", raw) for raw in bad.stderr.splitlines())
    warned = {int(m.group(1)) for m in lines if m}
    assert warned == {7, 8, 9}  # MemoryLimit=, CPUShares=, WantedBy= in [Service]
    service = tmp_path / "bad/omnimind.service"
    ours = {f.line for f in audit_system([], [service]).findings}
    assert warned <= ours
    fixed = subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / "fixed/omnimind.service"),
         str(tmp_path / "fixed/omnimind-sandbox.slice")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert fixed.returncode == 0 and fixed.stderr == ""


def test_generate_is_pure_and_sizes_are_systemd_sizes() -> None:
    files = generate("system", LIMITS, "svc", "ops", systemctl="/bin/systemctl")
    assert set(files) == {
        "auditor-sandbox.slice",
        "svc.service.d/auditor-sandbox.conf",
        "svc.service.d/auditor-hardening.conf",
        "sudoers.d/auditor-sandbox",
        "INSTALL.md",
    }
    assert "/bin/systemctl restart svc.service" in files["sudoers.d/auditor-sandbox"]
    assert [systemd_size(n) for n in (None, 1 << 30, 3 << 20, 1536, 1000)] == [
        "infinity", "1G", "3M", "1536", "1000",
    ]  # fmt: skip


def _stand_in(out: Path, name: str) -> Path:
    """The service the drop-ins are for: a plain one, as the user's own unit would be."""
    service = out / name
    service.write_text("[Service]\nExecStart=/usr/bin/python3 -m app\n")
    return service


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ["--run-as", "app", "--writable", "/var/lib/app"],
            ["User=app", "CapabilityBoundingSet=\n", "ReadWritePaths=-/var/lib/app"],
        ),
        (
            [],
            ["CapabilityBoundingSet=CAP_SYS_ADMIN CAP_NET_ADMIN CAP_SETPCAP", "ProtectSystem=full"],
        ),
    ],
)  # fmt: skip
def test_the_hardened_service_scores_well_and_keeps_the_sandbox(
    here: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expected: list[str]
) -> None:
    """--system --service: the service with both drop-ins scores under 5 (auditor, and
    systemd-analyze security where installed, which must agree), has nothing that stops the
    sandbox, and passes auditor system and systemd-analyze verify."""
    from auditor.system.hardening import score_unit
    from auditor.system.units import load_units

    args = ["sandbox", "install-files", "--system", "--service", "app", *extra, "-o", "out"]
    assert main(args) == 0
    out = here / "out"
    text = (out / "app.service.d/auditor-hardening.conf").read_text()
    for line in expected:
        assert line in text
    service = _stand_in(out, "app.service")
    dropins = sorted((out / "app.service.d").glob("*.conf"))
    unit = next(u for u in load_units([service, *dropins], {}, []) if u.name == "app.service")
    ours = score_unit(unit)
    assert ours.exposure < 50, ours.score
    assert _system_findings(capsys, out) == []  # no AUD511, no AUD512, nothing else
    analyze = shutil.which("systemd-analyze")
    if analyze:
        proc = subprocess.run([analyze, "security", "--offline=true", str(service)],
                              capture_output=True, text=True)  # fmt: skip
        match = re.search(r"Overall exposure level for app.service: (\d+\.\d)", proc.stdout)
        assert match is not None and match.group(1) == ours.score, proc.stdout[-300:]
        verify = subprocess.run([analyze, "verify", "--man=no", str(service)],
                                capture_output=True, text=True)  # fmt: skip
        assert verify.returncode == 0 and verify.stderr == "", verify.stderr


def test_a_user_service_gets_only_what_needs_no_namespace(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = here / "deploy/systemd/user"
    args = ["sandbox", "install-files", "--user", "--service", "app", "-o", str(out)]
    assert main(args) == 0
    text = (out / "app.service.d/auditor-hardening.conf").read_text()
    assert "SystemCallFilter=@system-service @mount sethostname" in text
    for namespaced in ("ProtectSystem", "PrivateTmp", "PrivateDevices", "ProtectHome", "User="):
        assert namespaced not in text
    _stand_in(out, "app.service")
    # a user unit is not scored (it never runs as root), and nothing in it stops the sandbox
    assert _system_findings(capsys, out) == []
    (out / "app.service.d/zz-breaks.conf").write_text("[Service]\nProtectHostname=yes\n")
    assert [f["rule"] for f in _system_findings(capsys, out)] == ["AUD512"]
