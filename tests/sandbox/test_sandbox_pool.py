"""Warm sandboxes (``sandbox.Pool``): a pooled run is a cold run that started earlier.

The attack suites (test_sandbox_abuse.py, test_sandbox_escapes.py) run every probe through
a warm sandbox too (their ``sbx`` fixture); this file checks what is the pool's own: the
same results as cold, one payload per sandbox, no way back to the pool, timeouts from the
hand-off, metrics and log records, threads, fork, reaping, the caller's death, and that
module-level functions use a pool only when asked.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_helpers import (
    WARM_MARK,
    become_subreaper,
    count_pid1_timeouts,
    descendants,
    describe,
    interpreter_entries_in_tmp,
    is_subreaper,
    orphans_go_to_init,
    own_warm_procs,
    procs_with,
    wait_gone,
)

from auditor import sandbox
from auditor.sandbox import doctor, launcher
from auditor.sandbox import pool as pool_mod

ROOT = os.geteuid() == 0


@pytest.fixture
def pool() -> Iterator[sandbox.Pool]:
    with sandbox.Pool(2) as p:
        assert p.wait_ready(60)
        yield p


def _same(cold: sandbox.SandboxResult, warm: sandbox.SandboxResult) -> None:
    for field in ("args", "returncode", "stdout", "stderr", "isolation", "degraded"):
        assert getattr(warm, field) == getattr(cold, field), field
    for field in ("timed_out", "oom_killed", "truncated", "cpu_limited", "launcher"):
        assert getattr(warm, field) == getattr(cold, field), field
    assert (warm.payload_uid == os.geteuid()) == (cold.payload_uid == os.geteuid())


SNIPPETS = {
    "print": "print('hi', 'é')",
    "exit status": "import sys; sys.exit(3)",
    "exit message": "import sys; sys.exit('bye')",
    "exception": "def f():\n    return 1 / 0\nf()",
    "syntax error": "x = (",
    "keyboard interrupt": "raise KeyboardInterrupt",
    "interpreter state": (
        "import sys, os\n"
        "print(sys.argv, sys.orig_argv[1:], sorted(globals()), __name__, __doc__)\n"
        "print(sys.flags.isolated, sys.path[0], os.getcwd(), sys.stdout.line_buffering)\n"
        "print(sorted(os.listdir('/proc/self/fd')), os.getpid() > 1)\n"
        "print(sorted(sys.modules))"
    ),
    "signals": "import signal; print([signal.getsignal(s) for s in (2, 13, 25)])",
    "rlimits": "import resource as r; print([r.getrlimit(x) for x in (r.RLIMIT_NOFILE, 9)])",
    "threads and exit handlers": (
        "import atexit, threading, time\n"
        "atexit.register(print, 'at exit')\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()"
    ),
    "unflushed file at exit": (
        "f = open('/tmp/x', 'w'); f.write('kept')\n"
        "import atexit; atexit.register(lambda: print(open('/tmp/x').read()))"
    ),
    "stdin": "import sys; print(sys.stdin.read()[::-1])",
    "environment": "import os; print(sorted(os.environ))",
}


@pytest.mark.usefixtures("launcher_kind")
def test_a_pooled_run_gives_what_a_cold_run_gives(pool: sandbox.Pool) -> None:
    for name, code in SNIPPETS.items():
        kw: dict[str, Any] = {"capture_output": True, "text": True, "timeout": 60}
        if name == "stdin":
            kw["input"] = "abc"
        cold = sandbox.exec_python(code, **kw)
        warm = pool.exec_python(code, **kw)
        try:
            _same(cold, warm)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    assert pool.stats().cold == 0


def test_a_file_or_a_terminal_as_stdio_runs_cold(pool: sandbox.Pool, host_dir: str) -> None:
    """A cold run lets its payload reopen a file or a terminal given as its stdio
    (/dev/stdout): Landlock gets a rule for it when the sandbox is set up, before a warm
    sandbox knows its run.  Such runs go cold, pipes and /dev/null stay warm."""
    before = _sample("auditor_sandbox_pool_misses_total", reason="stdio")
    path = os.path.join(host_dir, "out.txt")
    with open(path, "w") as f:
        r = pool.run(["sh", "-c", "echo reopened > /dev/stdout"], stdout=f, stderr=subprocess.PIPE)
    assert r.returncode == 0 or ROOT  # a root caller's payload (another uid) may not reopen
    assert pool.stats().cold == 1
    assert _sample("auditor_sandbox_pool_misses_total", reason="stdio") == before + 1
    r = pool.run(["sh", "-c", "echo x > /dev/stdout"], capture_output=True, timeout=60)
    assert r.stdout == b"x\n" and pool.stats().hits == 1


def test_a_pooled_run_of_a_program_gives_what_run_gives(pool: sandbox.Pool) -> None:
    for args, kw in (
        (["sh", "-c", "echo $0 $#; env | sort; exit 4"], {}),
        ("echo $$ shell; hostname; id -u", {"shell": True}),
        (["cat"], {"input": b"in"}),
    ):
        opts: dict[str, Any] = {"capture_output": True, "timeout": 60, "profile": "strict", **kw}
        cold = sandbox.run(args, **opts)
        del opts["profile"]
        _same(cold, pool.run(args, **opts))
    for exc in (FileNotFoundError, PermissionError):
        prog = "no-such-program" if exc is FileNotFoundError else "/etc/passwd"
        with pytest.raises(exc) as cold_err:
            sandbox.run([prog], profile="strict", capture_output=True)
        with pytest.raises(exc) as warm_err:
            pool.run([prog], capture_output=True)
        assert str(warm_err.value) == str(cold_err.value)
    assert pool.stats().cold == 0


def test_output_goes_to_the_callers_stdout_and_stderr(
    pool: sandbox.Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    r = pool.exec_python("import sys; print('to out'); print('to err', file=sys.stderr)")
    assert (r.returncode, r.stdout, r.stderr) == (0, None, None)
    assert capsys.readouterr() == ("to out\n", "to err\n")


def test_eval_python_in_a_warm_sandbox(pool: sandbox.Pool) -> None:
    assert pool.eval_python("{'a': [1, 2], 'b': (3, None)}") == {"a": [1, 2], "b": (3, None)}
    with pytest.raises(sandbox.SandboxEvalError, match="ZeroDivisionError"):
        pool.eval_python("1 / 0")


def test_each_sandbox_runs_one_payload(host_dir: str) -> None:
    """Nothing carries over: a fresh pid namespace and /tmp every run, and each payload runs
    exactly once (a payload that exits at once closes its end of the channel right away)."""
    code = textwrap.dedent(
        """
        import os
        seen = os.listdir("/tmp")
        open("/tmp/mark", "w").close()
        with open("runs.log", "a") as f:
            f.write(str(os.getpid()) + " " + str(seen) + "\\n")
        os._exit(0)
        """
    )
    with sandbox.Pool(2, profile="standard", cwd=host_dir, writable_cwd=True) as p:
        for _ in range(16):
            assert p.exec_python(code, timeout=60).returncode == 0
        stats = p.stats()
    with open(os.path.join(host_dir, "runs.log")) as f:
        lines = f.read().splitlines()
    assert len(lines) == 16  # each payload ran once
    fresh = f" {interpreter_entries_in_tmp()}"  # [], or the interpreter's folder under /tmp
    assert all(line.endswith(fresh) for line in lines), lines  # a /tmp nobody used before
    assert all(int(line.split()[0]) <= 3 for line in lines)  # in a new pid namespace
    assert stats.started >= 16 and stats.hits + stats.misses == 16


def test_the_payload_has_no_way_back_to_the_pool_nor_to_the_other_sandboxes(
    pool: sandbox.Pool,
) -> None:
    """The channel the payload came through is closed before it runs (the pool closes its
    end too): no socket, no descriptor but its stdio; the idle sandboxes' processes are
    neither visible nor signalable."""
    others = [w.popen.pid for w in pool._core.warm]
    code = textwrap.dedent(
        f"""
        import os, stat
        fds = []
        for fd in range(1024):
            try:
                st = os.fstat(fd)
            except OSError:
                continue
            fds.append((fd, stat.S_ISSOCK(st.st_mode)))
        print(fds)
        print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        for pid in {others!r}:
            try:
                os.kill(pid, 0)
                print("reached", pid)
            except OSError as exc:
                print("unreachable", type(exc).__name__)
        """
    )
    r = pool.exec_python(code, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    fds, procs, *kills = r.stdout.splitlines()
    assert fds == "[(0, False), (1, False), (2, False)]"
    assert len(eval(procs)) <= 2  # the init and itself: a pid namespace of its own
    assert kills and all(line.startswith("unreachable") for line in kills), kills


def test_the_timeout_counts_from_the_hand_off(pool: sandbox.Pool, token: str) -> None:
    time.sleep(1.5)  # the warm sandboxes are older than the timeout below
    r = pool.exec_python("import time; time.sleep(0.1)", timeout=1.0)
    assert not r.timed_out and r.returncode == 0
    r = pool.exec_python(f"import time; time.sleep({token})", timeout=0.5)
    assert r.timed_out and r.returncode == -signal.SIGKILL
    assert procs_with(token) == []
    with pytest.raises(subprocess.TimeoutExpired):
        pool.run(["sleep", token], timeout=0.5)
    assert procs_with(token) == []


def _sample(name: str, **labels: str) -> float:
    prometheus_client = pytest.importorskip("prometheus_client")
    value = prometheus_client.REGISTRY.get_sample_value(name, labels or None)
    return float(value or 0.0)


def test_metrics_count_hits_misses_waits_and_starts() -> None:
    names = {
        "hits": ("auditor_sandbox_pool_hits_total", {}),
        "empty": ("auditor_sandbox_pool_misses_total", {"reason": "empty"}),
        "waits": ("auditor_sandbox_pool_wait_seconds_count", {}),
        "started": ("auditor_sandbox_pool_sandboxes_started_total", {}),
        "runs": ("auditor_sandbox_executions_total", {}),
    }
    before = {k: _sample(n, **lab) for k, (n, lab) in names.items() if k != "runs"}
    with sandbox.Pool(1) as p:
        p.exec_python("pass")  # at once: its sandbox is still starting (a miss, it waits)
        p.wait_ready(60)
        p.exec_python("pass")  # ready: a hit
    stats = p.stats()  # after close(): its last replacement may have started meanwhile
    after = {k: _sample(n, **lab) for k, (n, lab) in names.items() if k != "runs"}
    assert after["hits"] - before["hits"] == 1 == stats.hits
    assert after["empty"] - before["empty"] == 1 == stats.misses
    assert after["waits"] - before["waits"] == 2
    assert after["started"] - before["started"] == stats.started >= 2
    assert stats.wait_seconds > 0


def test_one_log_record_per_run_as_cold_and_none_for_idle_sandboxes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="auditor.sandbox")
    with sandbox.Pool(2) as p:
        p.wait_ready(60)
        warm = p.exec_python("print(1)", capture_output=True)
    cold = sandbox.exec_python("print(1)", capture_output=True)
    records = [r.sandbox for r in caplog.records if hasattr(r, "sandbox")]  # type: ignore[attr-defined]
    assert len(records) == 2  # the pool's idle sandboxes let go at close: no record
    w, c = records
    assert w["args"] == c["args"] == [str(a) for a in warm.args]
    assert (w["outcome"], w["isolation"], w["violations"]) == (
        c["outcome"],
        c["isolation"],
        c["violations"],
    )
    assert w["wall_seconds"] == warm.wall_seconds
    assert cold.returncode == warm.returncode == 0


def test_runs_from_many_threads_each_get_their_own_sandbox() -> None:
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def work(n: int, p: sandbox.Pool) -> None:
        try:
            for _ in range(3):
                r = p.exec_python(
                    f"import os; print({n}, os.listdir('/tmp')); open('/tmp/used', 'w')",
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                results.setdefault(n, []).append(r.stdout)
        except BaseException as exc:
            errors.append(exc)

    with sandbox.Pool(2) as p:
        threads = [threading.Thread(target=work, args=(n, p)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = p.stats()
    assert errors == []
    outs = [line for lines in results.values() for line in lines]
    assert len(outs) == 18
    assert all(out.split()[0] == str(n) for n, lines in results.items() for out in lines)
    fresh = f"{interpreter_entries_in_tmp()}\n"  # [], or the interpreter's folder under /tmp
    assert all(out.split(maxsplit=1)[1] == fresh for out in outs), outs  # never a used one
    assert stats.hits + stats.misses == 18 and stats.cold == 0 and stats.started >= 18


def test_a_pool_made_in_a_thread_that_ended_still_works() -> None:
    """The launchers' PR_SET_PDEATHSIG fires when the *thread* that spawned them ends: the
    pool's own thread spawns every warm sandbox, not the thread that made the pool."""
    made: list[sandbox.Pool] = []
    t = threading.Thread(target=lambda: made.append(sandbox.Pool(1)))
    t.start()
    t.join()
    with made[0] as p:
        assert p.wait_ready(60)
        time.sleep(0.3)
        r = p.exec_python("print('alive')", capture_output=True, text=True, timeout=60)
        assert r.stdout == "alive\n"
        assert p.stats().hits == 1


def test_after_fork_the_child_has_its_own_sandboxes_and_leaves_the_parents_alone() -> None:
    with sandbox.Pool(1) as p:
        assert p.wait_ready(60)
        parents = [w.popen.pid for w in p._core.warm]
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                # A child subreaper like the suite's process (the attribute is not inherited
                # by fork): what its sandboxes leave when killed stays its own to reap, not
                # the parent's, which would never reap it (the child's close() would wait 7 s
                # for an init that cannot end, and leave it behind).
                become_subreaper()
                r = p.exec_python("print(7)", capture_output=True, text=True, timeout=60)
                code = 0 if r.stdout == "7\n" and p.stats().hits + p.stats().misses == 1 else 2
                p.close()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # The parent's warm sandbox was not touched: it still serves, warm.
        assert [w.popen.pid for w in p._core.warm] == parents
        r = p.exec_python("print(8)", capture_output=True, text=True, timeout=60)
        assert r.stdout == "8\n" and p.stats().hits == 1


def test_idle_sandboxes_are_reaped_and_come_back_on_demand() -> None:
    with sandbox.Pool(2, idle_timeout=0.5) as p:
        assert p.wait_ready(60)
        pids = [w.popen.pid for w in p._core.warm]
        deadline = time.monotonic() + 30
        while p.stats().discarded < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (p.stats().ready, p.stats().starting, p.stats().discarded) == (0, 0, 2)
        assert [pid for pid in pids if _state(pid) not in ("Z", "X")] == []
        r = p.exec_python("print('again')", capture_output=True, text=True, timeout=60)
        assert r.stdout == "again\n"


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


def test_warm_sandboxes_die_with_the_caller() -> None:
    """SIGKILL the process that owns a pool: every launcher, init and waiting interpreter
    of its warm sandboxes goes with it (PR_SET_PDEATHSIG and the lifeline pipe)."""
    with orphans_go_to_init():  # as for a real caller: what it leaves is not ours
        helper = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys, time\nfrom auditor import sandbox\np = sandbox.Pool(3)\n"
                "print(p.wait_ready(60), flush=True)\ntime.sleep(600)\n",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert helper.stdout is not None
            assert helper.stdout.readline() == "True\n"
            tree = descendants(helper.pid)
            assert len(tree) >= 9  # 3 x (launcher, init, interpreter)
        finally:
            helper.kill()
            helper.wait()
            if helper.stdout is not None:
                helper.stdout.close()
        deadline = time.monotonic() + 10
        while any(_state(pid) not in ("Z", "X") for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [pid for pid in tree if _state(pid) not in ("Z", "X")] == []


def test_close_waits_for_runs_in_flight_and_leaves_nothing() -> None:
    p = sandbox.Pool(2)
    assert p.wait_ready(60)
    got: list[sandbox.SandboxResult] = []
    t = threading.Thread(target=lambda: got.append(p.exec_python("import time; time.sleep(0.5)")))
    t.start()
    deadline = time.monotonic() + 30
    while not p.stats().in_use and time.monotonic() < deadline:
        time.sleep(0.01)
    assert p.stats().in_use == 1  # the run is going
    p.close()
    # close() returned once the run was done with its sandbox (the thread may still be on
    # its way to keep the result), and the run was not cut short
    assert p.stats().in_use == 0
    t.join()
    assert got and got[0].returncode == 0
    assert wait_gone(WARM_MARK, under=os.getpid()) == []
    with pytest.raises(sandbox.SandboxError, match="closed"):
        p.exec_python("pass")


def test_close_under_a_subreaper_caller_reaps_what_the_sandboxes_leave(
    launcher_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite is a child subreaper (conftest), as a service running as pid 1 of a
    container is: a warm sandbox's launcher killed at close() leaves its init and payload to
    this process.  Nobody else reaps them, and the init's exit waits for every process of
    its pid namespace to be reaped: close() used to wait 2 s for each init, SIGKILL it, wait
    5 s more, and leave both behind, a stuck init and a zombie."""
    assert is_subreaper()
    timeouts = count_pid1_timeouts(monkeypatch)
    me = os.getpid()
    before = set(descendants(me))
    p = sandbox.Pool(2)
    assert p.wait_ready(60)
    started = set(descendants(me)) - before
    assert len(started) >= 6  # 2 x (launcher, init, interpreter)
    p.close()
    assert describe(started & set(descendants(me))) == []  # nothing left, not even a zombie
    assert len(timeouts) <= 1  # was 4: 2 s then 5 s for each sandbox


def test_module_level_functions_use_a_pool_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(pool_mod.ENV_WARM, raising=False)
    sandbox.exec_python("pass")
    assert pool_mod.current_default_pool() is None  # never silently
    sandbox.exec_python("pass", warm=True)
    default = pool_mod.current_default_pool()
    assert default is not None and default.stats().hits + default.stats().misses == 1
    assert sandbox.eval_python("6 * 7", warm=True) == 42
    assert default.stats().hits + default.stats().misses == 2
    monkeypatch.setenv(pool_mod.ENV_WARM, "1")
    sandbox.exec_python("pass")
    assert default.stats().hits + default.stats().misses == 3
    sandbox.exec_python("pass", warm=False)
    assert default.stats().hits + default.stats().misses == 3
    # Options the default pool's sandboxes were not started with: a cold run, counted.
    before = _sample("auditor_sandbox_pool_misses_total", reason="options")
    r = sandbox.exec_python("pass", limits=sandbox.Limits(memory="64M"))
    assert r.returncode == 0
    assert default.stats().hits + default.stats().misses == 3
    assert _sample("auditor_sandbox_pool_misses_total", reason="options") == before + 1
    monkeypatch.setenv(pool_mod.ENV_WARM, "maybe")
    with pytest.raises(sandbox.SandboxConfigError, match=pool_mod.ENV_WARM):
        sandbox.exec_python("pass")


def test_a_warm_sandbox_started_before_a_chdir_or_env_change_is_not_used(
    host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "import os; print(os.getcwd(), os.environ.get('LC_AUDITOR_TEST'))"
    with sandbox.Pool(1, profile="standard") as p:
        assert p.wait_ready(60)
        monkeypatch.chdir(host_dir)
        monkeypatch.setenv("LC_AUDITOR_TEST", "new")
        r = p.exec_python(code, capture_output=True, text=True, timeout=60)
        assert r.stdout == f"{os.path.realpath(host_dir)} new\n"
        assert p.stats().discarded >= 1


def test_a_pool_whose_sandboxes_cannot_start_runs_cold_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A required piece that fails: warm starts fail closed; the run fails closed as cold.
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"keyring"}))
    with sandbox.Pool(1) as p:
        assert not p.wait_ready(60)
        with pytest.raises(sandbox.SandboxUnavailable, match="keyring"):
            p.exec_python("print('never')")
        assert p.stats().cold == 1
    # An interpreter that cannot start in its limits: the result is a cold run's.
    monkeypatch.setattr(launcher, "_fault_injection", frozenset())
    tiny = sandbox.Limits(memory="2M")  # too little for the interpreter to start
    cold = sandbox.exec_python("pass", limits=tiny, capture_output=True, timeout=60)
    with sandbox.Pool(1, limits=tiny) as p:
        p.wait_ready(60)
        warm = p.exec_python("pass", capture_output=True, timeout=60)
        assert p.stats().cold >= 1
    assert cold.returncode != 0
    _same(cold, warm)


def test_a_degraded_warm_sandbox_warns_when_its_run_is_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(launcher, "_fault_injection", frozenset({"keyring"}))
    with sandbox.Pool(1, allow_degraded=True) as p:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing while it starts, in the pool's thread
            assert p.wait_ready(60)
        with pytest.warns(sandbox.SandboxDegradedWarning, match="keyring"):
            r = p.exec_python("pass")
    assert "keyring" in r.degraded and r.returncode == 0


def test_null_bytes_are_refused_as_subprocess_refuses_them(pool: sandbox.Pool) -> None:
    with pytest.raises(ValueError, match="embedded null byte"):
        sandbox.exec_python("x = '\0'")
    with pytest.raises(ValueError, match="embedded null byte"):
        pool.exec_python("x = '\0'")


def test_bad_pool_options_are_one_line_errors() -> None:
    with pytest.raises(sandbox.SandboxConfigError, match="size"):
        sandbox.Pool(0)
    with pytest.raises(sandbox.SandboxConfigError, match="profile"):
        sandbox.Pool(1, profile="nope")
    with pytest.raises(sandbox.SandboxConfigError, match="idle_timeout"):
        sandbox.Pool(1, idle_timeout=-1)


def test_doctor_reports_the_pool() -> None:
    rep = doctor.report()
    pool_rep = rep["pool"]
    assert pool_rep["ok"], pool_rep
    assert pool_rep["isolation"] == rep["profiles"]["strict"]["isolation"]
    assert pool_rep["warm_by_default"] is False
    text = doctor.format_report(rep)
    assert "pool: OK" in text


def _orphan_with_the_warm_mark(token: str) -> int:
    """A process whose command line carries the warm sandboxes' mark, its parent gone."""
    script = f'{sys.executable} -c "import time; time.sleep({token})" "{WARM_MARK}" &'
    subprocess.run(["sh", "-c", script], check=True, stdout=subprocess.DEVNULL)
    found = procs_with(token)
    assert len(found) == 1
    return found[0]


def test_the_leftover_checks_see_this_suites_orphans_and_not_other_callers_pools(
    token: str,
) -> None:
    """The pooled probes look for leftover warm-sandbox processes by their mark in this
    process's tree: another caller's pool on this shared machine (a benchmark running as
    root) carries the same mark and must not fail them, as it did 12 pooled probes of an
    unprivileged run; and a process of ours whose parent died must still count (the suite
    is a child subreaper, so it is re-parented to us, not to the host's init)."""
    ours = _orphan_with_the_warm_mark(token + "1")
    with orphans_go_to_init():  # as if another caller had started it
        foreign = _orphan_with_the_warm_mark(token + "2")
    try:
        assert ours in own_warm_procs()
        assert foreign in procs_with(WARM_MARK) and foreign not in own_warm_procs()
    finally:
        for pid in (ours, foreign):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(ours, 0)  # ours to reap: re-parented to this process
