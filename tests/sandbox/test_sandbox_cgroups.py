"""cgroup discovery and the v2 backend, on fake /proc text and a fake cgroup tree, and the
v2 join/accounting/kill against the kernel's own cgroup2 mount where one is writable.

The CI machine has cgroup v1 controllers only (its cgroup2 mount delegates none), so the v2
memory and pids files are exercised against plain files (the kernel-backed v1 path is
exercised by the abuse suite as root)."""

from __future__ import annotations

import os
import signal
import subprocess
import warnings
from pathlib import Path

import pytest
from sandbox_helpers import wait_gone, wait_present

from auditor import sandbox
from auditor.sandbox import cgroups, launcher, process

V2_MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
V1_MOUNTINFO = (
    "32 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)


def _fake_v2(tmp_path: Path, controllers: str) -> tuple[str, str]:
    base = tmp_path / "user.slice" / "app.scope"
    base.mkdir(parents=True)
    (base / "cgroup.subtree_control").write_text(controllers)
    mountinfo = f"30 23 0:26 / {tmp_path} rw,nosuid - cgroup2 cgroup2 rw\n"
    return mountinfo, "0::/user.slice/app.scope\n"


def test_discover_v2_delegated_subtree(tmp_path: Path) -> None:
    mountinfo, proc_cgroup = _fake_v2(tmp_path, "cpu memory pids\n")
    sup = cgroups.discover(mountinfo, proc_cgroup)
    assert sup.version == 2
    assert sup.bases == {"unified": str(tmp_path / "user.slice" / "app.scope")}
    assert sup.mounted == ("v2",)


def test_discover_v2_without_delegation_explains_why(tmp_path: Path) -> None:
    mountinfo, proc_cgroup = _fake_v2(tmp_path, "cpu\n")
    sup = cgroups.discover(mountinfo, proc_cgroup)
    assert sup.version == 0
    assert "does not delegate memory+pids" in sup.reason


def test_discover_v1_unwritable_explains_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cgroups, "_writable_dir", lambda path: False)
    sup = cgroups.discover(V1_MOUNTINFO, "5:memory:/a\n4:pids:/a\n0::/a\n")
    assert sup.version == 0
    assert "/sys/fs/cgroup/memory/a" in sup.reason and "not writable" in sup.reason
    assert sup.mounted == ("v1", "v2")


def test_discover_v1_picks_own_cgroups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cgroups, "_writable_dir", lambda path: True)
    sup = cgroups.discover(V1_MOUNTINFO, "5:memory:/job/1\n4:pids:/\n0::/\n")
    assert sup.version == 1
    assert sup.bases == {"memory": "/sys/fs/cgroup/memory/job/1", "pids": "/sys/fs/cgroup/pids/"}


def test_v2_cgroup_limits_stats_kill_and_removal(tmp_path: Path) -> None:
    mountinfo, proc_cgroup = _fake_v2(tmp_path, "memory pids\n")
    sup = cgroups.discover(mountinfo, proc_cgroup)
    (Path(sup.bases["unified"]) / "stale-not-ours").mkdir()
    cg = cgroups.SandboxCgroup(sup, memory=64 << 20, pids=10)
    d = Path(cg.dirs["unified"])
    assert d.parent == Path(sup.bases["unified"])
    assert d.name.startswith(f"{cgroups.PREFIX}{os.getpid()}-")
    assert (d / "memory.max").read_text() == str(64 << 20)
    assert (d / "pids.max").read_text() == "10"
    assert cg.procs_files == [str(d / "cgroup.procs")]
    assert cg.join_files == [str(d / "cgroup.procs")]  # v2 has no per-thread "tasks" file
    (d / "memory.peak").write_text("12345\n")
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (d / "cpu.stat").write_text("usage_usec 250000\nuser_usec 200000\n")
    (d / "pids.events").write_text("max 2\n")
    st = cg.stats()
    assert (st.memory_max_bytes, st.oom_kills, st.cpu_seconds, st.pids_limited) == (
        12345,
        1,
        0.25,
        True,
    )
    (d / "cgroup.procs").write_text("")
    cg.kill()
    assert (d / "cgroup.kill").read_text() == "1"
    for name in os.listdir(d):  # a real cgroupfs removes these with the directory
        os.unlink(d / name)
    assert cg.remove()
    assert not d.exists()
    assert (Path(sup.bases["unified"]) / "stale-not-ours").exists()


def test_stale_cgroups_of_dead_parents_are_collected(tmp_path: Path) -> None:
    dead = tmp_path / f"{cgroups.PREFIX}999999999-0"
    alive = tmp_path / f"{cgroups.PREFIX}{os.getpid()}-99"
    other = tmp_path / "someone-else"
    for d in (dead, alive, other):
        d.mkdir()
    cgroups.collect_stale(str(tmp_path))
    assert not dead.exists()
    assert alive.exists() and other.exists()


def _cgroup_lines(text: str) -> dict[str, str]:
    """controller -> path, from /proc/PID/cgroup text."""
    out = {}
    for line in text.splitlines():
        _, ctrls, path = line.split(":", 2)
        for ctrl in ctrls.split(",") if ctrls else [""]:
            out[ctrl] = path
    return out


@pytest.mark.skipif(not process.cgroup_support().version, reason="no writable cgroup here")
def test_every_sandbox_process_is_in_the_per_run_cgroup(token: str) -> None:
    """The join (v1: "0" into ``tasks``, moving the single thread; v2: ``cgroup.procs``)
    really moves the launcher: the intermediate and the payload are in the per-run cgroup
    of every controller, and the kernel lists them there."""
    script = f"cat /proc/self/cgroup; echo END; exec sleep {token}"
    p = sandbox.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert p._cgroup is not None and p.stdout is not None
        with open("/proc/self/cgroup") as f:
            own = _cgroup_lines(f.read())
        expected = {
            ("" if ctrl == "unified" else ctrl): os.path.join(
                own["" if ctrl == "unified" else ctrl], os.path.basename(d)
            )
            for ctrl, d in p._cgroup.dirs.items()
        }
        lines = []
        while (line := p.stdout.readline()) not in ("END\n", ""):
            lines.append(line)
        inside = _cgroup_lines("".join(lines))
        with open(f"/proc/{p.pid}/cgroup") as f:
            intermediate = _cgroup_lines(f.read())
        for key, path in expected.items():
            assert inside[key] == path, (key, inside)
            assert intermediate[key] == path, (key, intermediate)
        for d in p._cgroup.dirs.values():
            with open(os.path.join(d, "cgroup.procs")) as f:
                members = {int(x) for x in f.read().split()}
            # intermediate, pid-1 init and the sleeping payload
            assert p.pid in members and len(members) == 3, members
    finally:
        p.kill()
        p.wait()


def _real_v2_base() -> str | None:
    """This process's cgroup in a real, writable cgroup2 mount (the CI machine has one
    without controllers beside its v1 hierarchies), or None."""
    with open("/proc/self/mountinfo") as f:
        mounts = cgroups._mounts(f.read())
    with open("/proc/self/cgroup") as f:
        own = cgroups._own_paths(f.read())
    for fstype, mountpoint, root, _opts in mounts:
        if fstype == "cgroup2" and "" in own:
            base = cgroups._join(mountpoint, root, own[""])
            if cgroups._writable_dir(base):
                return base
    return None


V2_BASE = _real_v2_base()


@pytest.mark.skipif(V2_BASE is None, reason="no writable cgroup2 mount here")
@pytest.mark.usefixtures("launcher_kind")
def test_v2_join_accounting_kill_and_removal_on_the_real_kernel(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """The v2 backend against the kernel's cgroup2 (not a fake tree): the launcher joins by
    ``cgroup.procs``, CPU time comes from ``cpu.stat``, ``kill()`` takes a setsid grandchild
    along (through the pid namespace's init, the launcher left to reap it, and, in a
    degraded run without a pid namespace, through ``cgroup.kill``), and the directory is
    removed.
    Discovery does not offer this mount (it delegates no memory/pids controller here), so the
    support is made by hand and the limits are off: the v2 memory and pids files are only
    tested against the fake tree above."""
    assert V2_BASE is not None
    monkeypatch.setattr(process, "_support", cgroups.CgroupSupport(2, {"unified": V2_BASE}))
    no_limits = sandbox.Limits(memory=None, pids=None)
    spin = (
        "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
        "print([x for x in open('/proc/self/cgroup') if x.startswith('0::')][0])\n"
    )
    r = sandbox.exec_python(spin, capture_output=True, text=True, limits=no_limits)
    assert r.returncode == 0, r.stderr
    assert "cgroup" in r.isolation
    assert r.stdout.strip().rsplit("/", 1)[-1].startswith(f"{cgroups.PREFIX}{os.getpid()}-")
    assert r.cpu_seconds is not None and r.cpu_seconds >= 0.3
    written: list[str] = []
    real_write = cgroups._write

    def spy(path: str, value: str) -> None:
        written.append(os.path.basename(path))
        real_write(path, value)

    monkeypatch.setattr(cgroups, "_write", spy)
    script = f"setsid sleep {token} & exec sleep {token}"
    for pid_namespace in (True, False):
        written.clear()
        if not pid_namespace:
            monkeypatch.setattr(launcher, "_fault_injection", frozenset({"pid"}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sandbox.SandboxDegradedWarning)
            p = sandbox.Popen(["sh", "-c", script], limits=no_limits, allow_degraded=True)
        try:
            assert ("pid" in p.isolation) is pid_namespace
            assert p._cgroup is not None
            d = p._cgroup.dirs["unified"]
            assert len(wait_present(token, count=2)) >= 2
            with open(os.path.join(d, "cgroup.procs")) as f:
                assert p.pid in {int(x) for x in f.read().split()}
        finally:
            p.kill()
            p.wait()
        # with a pid namespace, not through the cgroup: that would kill the launcher too
        assert ("cgroup.kill" in written) is not pid_namespace
        assert p.returncode == -signal.SIGKILL
        assert wait_gone(token) == []
        assert not os.path.exists(d)
        own = f"{cgroups.PREFIX}{os.getpid()}-"
        assert not [n for n in os.listdir(V2_BASE) if n.startswith(own)]


def test_a_failed_v1_swap_limit_fails_the_cgroup(monkeypatch: pytest.MonkeyPatch) -> None:
    """memory.memsw.limit_in_bytes (v1: memory + swap) was written with its errors
    ignored: the payload could swap past its memory limit. Where the file exists, a failed
    write now fails the cgroup, and nothing of it is left."""
    sup = process.cgroup_support()
    if sup.version != 1 or not os.path.exists(
        os.path.join(sup.bases.get("memory", "/nonexistent"), "memory.memsw.limit_in_bytes")
    ):
        pytest.skip("no writable cgroup v1 memory controller with swap accounting here")
    write = cgroups._write

    def refuse_memsw(path: str, value: str) -> None:
        if path.endswith("memory.memsw.limit_in_bytes"):
            raise PermissionError(13, "refused (test)", path)
        write(path, value)

    monkeypatch.setattr(cgroups, "_write", refuse_memsw)
    before = set(os.listdir(sup.bases["memory"]))
    try:
        cg = cgroups.SandboxCgroup(sup, memory=64 << 20, pids=10)
    except OSError as exc:
        assert "refused" in str(exc)
    else:
        cg.remove()
        pytest.fail("the cgroup was made without its swap limit")
    assert set(os.listdir(sup.bases["memory"])) == before
