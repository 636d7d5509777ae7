"""Reuse of finished per-run cgroups (cgroup v1): a run gets a kept cgroup only when it is
clean, and reads its counters against the end of the previous run.

These need a writable cgroup v1 hierarchy (root in CI); the unprivileged pass has none."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time

import pytest

from auditor import sandbox
from auditor.sandbox import cgroups, process

pytestmark = pytest.mark.skipif(
    process.cgroup_support().version != 1, reason="needs a writable cgroup v1 hierarchy"
)

SHOW_PIDS_CGROUP = "grep ':pids:' /proc/self/cgroup"


def _pids_cgroup(result: sandbox.SandboxResult) -> str:
    line = str(result.stdout).strip().splitlines()[-1]
    return line.rsplit("/", 1)[-1]


def _run(script: str, **kw: object) -> sandbox.SandboxResult:
    return sandbox.run(["sh", "-c", script], capture_output=True, text=True, **kw)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _empty_pool() -> None:
    cgroups.drain_pool()


def test_a_clean_cgroup_is_reused_and_its_cpu_time_restarts() -> None:
    spin = (
        "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n"
        "print([x for x in open('/proc/self/cgroup') if ':pids:' in x][0])\n"
    )
    first = sandbox.exec_python(spin, capture_output=True, text=True, profile="standard")
    second = _run(SHOW_PIDS_CGROUP)
    assert first.returncode == second.returncode == 0
    assert _pids_cgroup(first).startswith(f"{cgroups.PREFIX}{os.getpid()}-")
    assert _pids_cgroup(second) == _pids_cgroup(first)
    assert first.cpu_seconds is not None and first.cpu_seconds > 0.3
    assert second.cpu_seconds is not None and second.cpu_seconds < 0.2


def test_an_oom_kill_is_not_reported_again_by_the_next_run() -> None:
    limits = sandbox.Limits(memory="32M")
    code = (
        "print([x for x in open('/proc/self/cgroup') if ':pids:' in x][0], flush=True)\n"
        "b = []\nwhile True:\n    b.append(bytearray(4 << 20))\n"
    )
    bomb = sandbox.exec_python(code, limits=limits, capture_output=True, text=True, timeout=60)
    assert bomb.oom_killed
    after = _run(SHOW_PIDS_CGROUP, limits=limits)
    assert _pids_cgroup(after) == _pids_cgroup(bomb)
    assert after.returncode == 0 and not after.oom_killed
    # the peak memory is this run's own, not the bomb's ~32 MiB
    assert after.max_rss_bytes is not None and after.max_rss_bytes < 8 << 20


def test_a_pids_limit_hit_is_not_reported_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="auditor.sandbox")
    limits = sandbox.Limits(pids=6)
    forks = "(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done) 2>/dev/null; exec "
    first = _run(forks + SHOW_PIDS_CGROUP, limits=limits)
    second = _run(SHOW_PIDS_CGROUP, limits=limits)
    assert _pids_cgroup(second) == _pids_cgroup(first)
    runs = [r.sandbox for r in caplog.records if hasattr(r, "sandbox")]  # type: ignore[attr-defined]
    assert "pids" in runs[-2]["violations"]
    assert "pids" not in runs[-1]["violations"]


def test_other_limits_get_another_cgroup() -> None:
    first = _run(SHOW_PIDS_CGROUP, limits=sandbox.Limits(memory="64M"))
    second = _run(SHOW_PIDS_CGROUP, limits=sandbox.Limits(memory="96M"))
    assert _pids_cgroup(second) != _pids_cgroup(first)


def test_a_cgroup_still_charged_with_memory_is_removed_not_reused(tmp_path: object) -> None:
    # Page cache written by the run (to its working directory on disk, not to its tmpfs,
    # which goes with the run) stays charged to its memory cgroup after it exits.
    target = os.path.join(str(tmp_path), "charged.bin")
    first = _run(
        f"head -c {4 << 20} /dev/zero > {target}; " + SHOW_PIDS_CGROUP,
        cwd=tmp_path,
        writable_cwd=True,
    )
    second = _run(SHOW_PIDS_CGROUP)
    assert first.returncode == 0
    assert _pids_cgroup(second) != _pids_cgroup(first)
    kept = {os.path.basename(d) for cg in cgroups._pool for d in cg.dirs.values()}
    assert _pids_cgroup(first) not in kept


@pytest.mark.parametrize("where", ["every controller", "memory only"])
def test_a_cgroup_with_a_process_left_is_killed_and_removed(where: str) -> None:
    cg = cgroups.acquire(process.cgroup_support(), 64 << 20, 16)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        for path in cg.join_files:
            if where == "memory only" and path != os.path.join(cg.dirs["memory"], "tasks"):
                continue
            with open(path, "w") as f:
                f.write(str(sleeper.pid))
        dirs = list(cg.dirs.values())
        cgroups.finish(cg, reuse=True)
        assert sleeper.wait(timeout=5) == -9
        assert cgroups._pool == []
        assert dirs and not any(os.path.exists(d) for d in dirs)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_forked_child_neither_reuses_nor_removes_the_parents_cgroups() -> None:
    _run(SHOW_PIDS_CGROUP)
    kept = [d for cg in cgroups._pool for d in cg.dirs.values()]
    assert kept
    pid = os.fork()
    if pid == 0:  # the child: an empty pool, and draining it must not touch the parent's
        empty = cgroups._pool == []
        cgroups.drain_pool()
        os._exit(0 if empty else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert all(os.path.isdir(d) for d in kept)
    assert len(cgroups._pool) == 1


def test_drain_removes_every_kept_cgroup() -> None:
    _run(SHOW_PIDS_CGROUP)
    kept = [d for cg in cgroups._pool for d in cg.dirs.values()]
    assert kept and all(os.path.isdir(d) for d in kept)
    cgroups.drain_pool()
    assert not any(os.path.exists(d) for d in kept)


def test_concurrent_runs_never_share_a_cgroup() -> None:
    """Runs from several threads overlap in time: no two overlapping runs may get the same
    kept cgroup (each would see, and could kill, the other's processes)."""
    spans: list[tuple[float, float, str]] = []

    def worker() -> None:
        # The payload's own first and last moments (wall clock, the same inside and out): a
        # caller's time around run() would also cover the moments after its cgroup went
        # back to the pool.
        for _ in range(6):
            r = _run("date +%s.%N; sleep 0.05; " + SHOW_PIDS_CGROUP + "; date +%s.%N")
            lines = str(r.stdout).split()
            cgroup_line = next(x for x in str(r.stdout).splitlines() if ":pids:" in x)
            spans.append((float(lines[0]), float(lines[-1]), cgroup_line.rsplit("/", 1)[-1]))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(spans) == 24
    reused = len({name for _, _, name in spans})
    assert reused < 24  # the reuse happened at all
    for i, (s1, e1, n1) in enumerate(spans):
        for s2, e2, n2 in spans[i + 1 :]:
            if s1 < e2 and s2 < e1:  # overlapping runs
                assert n1 != n2


def _set(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


#: What a writer of cgroupfs could leave in a kept cgroup for the next run: each is read
#: back (or looked for) before a reuse.
TAMPER = {
    "pids.max raised": lambda cg: _set(f"{cg.dirs['pids']}/pids.max", "max"),
    "memory limit raised": lambda cg: (
        _set(f"{cg.dirs['memory']}/memory.memsw.limit_in_bytes", str(1 << 30))
        if os.path.exists(f"{cg.dirs['memory']}/memory.memsw.limit_in_bytes")
        else None,
        _set(f"{cg.dirs['memory']}/memory.limit_in_bytes", str(1 << 30)),
    ),
    "OOM killer disabled": lambda cg: _set(f"{cg.dirs['memory']}/memory.oom_control", "1"),
    "soft limit set": lambda cg: _set(
        f"{cg.dirs['memory']}/memory.soft_limit_in_bytes", str(1 << 20)
    ),
    "frozen": lambda cg: _set(f"{cg.dirs['freezer']}/freezer.state", "FROZEN"),
    "a child cgroup": lambda cg: os.mkdir(f"{cg.dirs['pids']}/escape"),
    "notify_on_release": lambda cg: _set(f"{cg.dirs['pids']}/notify_on_release", "1"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPER))
def test_a_kept_cgroup_whose_settings_changed_is_not_reused(tamper: str) -> None:
    """Reuse never trusts that nothing could write the kept cgroup: every setting is read
    back from the host's cgroupfs, and a child cgroup made inside is looked for (the payload
    cannot do either any more, as an unprivileged uid; here the test does it as root)."""
    limits = sandbox.Limits(memory="64M", pids=32)
    first = _run(SHOW_PIDS_CGROUP, limits=limits)
    assert len(cgroups._pool) == 1
    kept = cgroups._pool[0]
    TAMPER[tamper](kept)
    show = (
        SHOW_PIDS_CGROUP
        + '; cat "/sys/fs/cgroup/pids$(grep :pids: /proc/self/cgroup | cut -d: -f3)/pids.max"'
    )
    second = _run(show, limits=limits, timeout=30)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split()[-1] == "32"
    assert second.stdout.split()[0].rsplit("/", 1)[-1] != _pids_cgroup(first)
    assert kept.dirs == {}  # removed, child cgroup and all


def test_kill_from_another_thread_as_the_run_ends_spares_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A watchdog's ``kill()`` that lands while the run is handing its cgroup back must not
    reach the next run that got that cgroup."""
    real_finish = cgroups.finish
    state: dict[str, object] = {}

    def finish_then_interleave(cg: cgroups.SandboxCgroup, **kw: bool) -> cgroups.CgroupStats:
        stats = real_finish(cg, **kw)
        if "next" not in state:
            # the cgroup is back in the pool: another thread's run takes it ...
            state["next"] = threading.Thread(
                target=lambda: state.update(
                    result=_run("sleep 0.5; echo survived; " + SHOW_PIDS_CGROUP)
                )
            )
            state["next"].start()  # type: ignore[attr-defined]
            time.sleep(0.2)
            # ... and the watchdog of the first run fires now.
            state["watchdog"] = threading.Thread(target=state["first"].kill)  # type: ignore[attr-defined]
            state["watchdog"].start()  # type: ignore[attr-defined]
            time.sleep(0.1)
        return stats

    monkeypatch.setattr(cgroups, "finish", finish_then_interleave)
    state["first"] = first = sandbox.Popen(["sh", "-c", SHOW_PIDS_CGROUP], stdout=subprocess.PIPE)
    first_cgroup = first.communicate()[0].decode().strip().rsplit("/", 1)[-1]
    state["watchdog"].join()  # type: ignore[attr-defined]
    state["next"].join()  # type: ignore[attr-defined]
    result = state["result"]
    assert isinstance(result, sandbox.SandboxResult)
    assert _pids_cgroup(result) == first_cgroup  # the premise: the cgroup was reused
    assert result.returncode == 0 and "survived" in result.stdout


def test_a_kept_cgroup_removed_meanwhile_is_replaced() -> None:
    """Another pid namespace's stale-cgroup collection cannot see this process and may
    remove a kept (empty) cgroup: the next run must get a new one, not fail to join."""
    first = _run(SHOW_PIDS_CGROUP)
    for cg in cgroups._pool:
        for d in cg.dirs.values():
            os.rmdir(d)
    second = _run(SHOW_PIDS_CGROUP)
    assert second.returncode == 0 and "cgroup" in second.isolation
    assert _pids_cgroup(second) != _pids_cgroup(first)
