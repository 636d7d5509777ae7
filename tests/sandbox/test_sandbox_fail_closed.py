"""Fail closed: missing isolation raises SandboxUnavailable and runs nothing, unless
degraded mode was allowed, which is then recorded (result, warning, metric)."""

from __future__ import annotations

import os

import prometheus_client
import pytest

from auditor import sandbox
from auditor.sandbox import cgroups, launcher, process

pytestmark = pytest.mark.usefixtures("launcher_kind")

# Pieces refused in the forked child before the namespaces exist, and in the init after.
PIECES = ["net", "pid", "mount", "ipc", "uts", "proc", "lo", "hostname", "nnp", "nocaps"]
PIECES += ["rlimits"]
if process.needs_user_namespace():
    PIECES.append("user")
if cgroups.discover().version:  # joining the per-run cgroup is required when one is writable
    PIECES.append("cgroup")


def _violations(reason: str) -> float:
    value = prometheus_client.REGISTRY.get_sample_value(
        "auditor_sandbox_security_violations_total", {"reason": reason}
    )
    return value or 0.0


@pytest.mark.parametrize("piece", PIECES)
def test_missing_isolation_raises_and_runs_nothing(
    piece: str, host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({piece}))
    marker = os.path.join(host_dir, "ran")
    before = _violations("unavailable")
    with pytest.raises(sandbox.SandboxUnavailable) as info:
        sandbox.run(["touch", marker])
    assert f"'{piece}' unavailable" in str(info.value)
    assert "Fix:" in str(info.value)
    assert info.value.missing == (piece,)
    assert not os.path.exists(marker)
    assert _violations("unavailable") == before + 1


def test_user_namespace_message_names_the_apparmor_restriction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"user"}))
    monkeypatch.setattr(process, "needs_user_namespace", lambda: True)
    with pytest.raises(sandbox.SandboxUnavailable, match="apparmor_restrict_unprivileged_userns"):
        sandbox.run(["true"])


def test_strict_filesystem_failure_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"readonly-root"}))
    with pytest.raises(sandbox.SandboxUnavailable, match="readonly-root"):
        sandbox.exec_python("print('should not run')")
    # The standard profile does not ask for it, so it is unaffected.
    assert sandbox.run(["true"]).returncode == 0


def test_standard_kernel_interfaces_failure_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"readonly-sys"}))
    with pytest.raises(sandbox.SandboxUnavailable, match=r"'readonly-sys' unavailable.*read-only"):
        sandbox.run(["true"])
    # strict asks for readonly-root (nothing of the view writable but /tmp), not this.
    assert sandbox.exec_python("pass").returncode == 0


def test_allow_degraded_runs_and_records_what_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"net"}))
    before = _violations("degraded")
    with pytest.warns(sandbox.SandboxDegradedWarning, match="net"):
        r = sandbox.run(
            ["cat", "/proc/net/dev"], capture_output=True, text=True, allow_degraded=True
        )
    assert r.returncode == 0
    assert "net" not in r.isolation
    assert "pid" in r.isolation
    assert r.degraded == ("net",)
    assert _violations("degraded") == before + 1


def test_no_writable_cgroup_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = cgroups.CgroupSupport(0, {}, reason="simulated: no writable cgroup")
    monkeypatch.setattr(process, "_support", fake)
    with pytest.raises(sandbox.SandboxUnavailable, match="simulated: no writable cgroup"):
        sandbox.run(["true"], cgroup="require")
    # 'auto' (the default) runs on rlimits when no cgroup is writable, and says so.
    r = sandbox.run(["true"])
    assert r.returncode == 0
    assert "cgroup" not in r.isolation
    assert "rlimits" in r.isolation


def test_cgroup_is_used_and_required_when_writable() -> None:
    r = sandbox.run(["true"])
    writable = cgroups.discover().version != 0
    assert ("cgroup" in r.isolation) == writable
    if not writable:
        with pytest.raises(sandbox.SandboxUnavailable, match="cgroup"):
            sandbox.run(["true"], cgroup="require")


def test_require_memory_fails_closed_without_a_memory_cgroup(
    host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a memory cgroup the memory limit is rlimit-only; require=("memory",) refuses
    to run instead (and says so in the result otherwise)."""
    fake = cgroups.CgroupSupport(0, {}, reason="simulated: no writable cgroup")
    monkeypatch.setattr(process, "_support", fake)
    marker = os.path.join(host_dir, "ran")
    with pytest.raises(sandbox.SandboxUnavailable, match="'memory' unavailable") as info:
        sandbox.run(["touch", marker], cwd=host_dir, require=("memory",))
    assert info.value.missing == ("memory",)
    assert not os.path.exists(marker)
    r = sandbox.run(["true"])
    assert "memory:rlimit-only" in r.isolation and "pids:rlimit" in r.isolation
    assert "cpu:rlimit" in r.isolation  # RLIMIT_CPU per process, no total for the sandbox
    with pytest.raises(sandbox.SandboxConfigError, match="require: unknown 'disk'"):
        sandbox.run(["true"], require=("disk",))


def test_require_is_met_by_a_cgroup() -> None:
    if not process.cgroup_support().version:
        with pytest.raises(sandbox.SandboxUnavailable, match="'pids' unavailable"):
            sandbox.run(["true"], require=("pids",))
        return
    r = sandbox.run(["true"], require=("memory", "pids"))
    assert r.returncode == 0
    assert "memory:cgroup" in r.isolation and "pids:cgroup" in r.isolation
    assert "cpu:cgroup" in r.isolation


def test_limits_left_to_skipped_rlimits_are_said_not_to_be_enforced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """allow_degraded with the rlimits piece skipped and no cgroup: isolation must not claim
    `memory:rlimit-only`; each limit says it was not enforced."""
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"rlimits"}))
    with pytest.warns(sandbox.SandboxDegradedWarning, match="rlimits"):
        r = sandbox.run(["true"], cgroup="off", allow_degraded=True)
    assert r.returncode == 0
    assert "rlimits" not in r.isolation
    for what in ("memory", "pids", "cpu"):
        assert f"{what}:not-enforced" in r.isolation, r.isolation
