"""Helpers for the sandbox suite (imported by conftest and the tests).

The suite runs twice in CI: as root (cgroup v1, no user namespace needed) and as uid 65534
(user namespaces, no writable cgroup).  Helpers find processes by a unique token placed in
their command line, never by name; a mark that is not unique to this run (the warm
sandboxes' ``_auditor_warm()``) is looked for in this process's own tree only: the machine
is shared, and another user's pools (a benchmark, another engineer's suite) have the same
mark.  The suite's process is a child subreaper (conftest), so that a process it started
stays in its tree even when its parent dies: a leaked one is still found.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from auditor import sandbox
from auditor.sandbox import cgroups
from auditor.sandbox import pool as pool_mod


def own_cgroup_leftovers(pid: int | None = None) -> list[str]:
    """Per-run cgroups of this process (or ``pid``) still on disk, once the ones this
    process keeps for reuse are removed: anything found was leaked."""
    if pid is None:
        cgroups.drain_pool()
    prefix = f"{cgroups.PREFIX}{pid if pid is not None else os.getpid()}-"
    found = []
    for base in cgroups.discover().bases.values():
        try:
            names = os.listdir(base)
        except OSError:
            continue
        found += [os.path.join(base, n) for n in names if n.startswith(prefix)]
    return found


#: prctl(2) option: orphaned descendants are re-parented to this process.
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37


def become_subreaper(on: bool = True) -> None:
    """Make this process a child subreaper: a process it started (at any depth) whose parent
    dies is re-parented to it rather than to the host's init, so it stays in
    ``descendants(os.getpid())`` and ``procs_with(..., under=os.getpid())`` finds it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(err)}")


def is_subreaper() -> bool:
    value = ctypes.c_int(0)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_GET_CHILD_SUBREAPER): {os.strerror(err)}")
    return value.value != 0


def count_pid1_timeouts(monkeypatch: Any) -> list[float]:
    """From now on, every wait of a finishing sandbox for its init (and the launcher's other
    child) that ran out of time (then the init is SIGKILLed and waited for again): its
    timeout, in the list returned."""
    timeouts: list[float] = []
    real = sandbox.Popen._wait_pid1_gone

    def counting(self: sandbox.Popen, timeout: float) -> bool:
        gone = real(self, timeout)
        if not gone:
            timeouts.append(timeout)
        return gone

    monkeypatch.setattr(sandbox.Popen, "_wait_pid1_gone", counting)
    return timeouts


@contextlib.contextmanager
def orphans_go_to_init() -> Iterator[None]:
    """For a test that kills a process it started (a caller owning sandboxes): what that
    process leaves goes to the host's init, as for a real caller, not to the suite's
    process (whose zombies, never reaped, would keep a per-run cgroup in place)."""
    become_subreaper(False)
    try:
        yield
    finally:
        become_subreaper()


def procs_with(token: str, *, under: int | None = None) -> list[int]:
    """Pids of host processes whose command line contains ``token``; with ``under``, only
    those below that pid (for a mark that other users' processes may carry too)."""
    me = os.getpid()
    found = []
    scope = set(descendants(under)) if under is not None else None
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        if scope is not None and int(entry) not in scope:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def describe(pids: list[int] | set[int]) -> list[str]:
    """``pid state (comm) ppid=N`` for each of ``pids`` still there (a zombie too)."""
    out = []
    for pid in sorted(pids):
        with contextlib.suppress(OSError, IndexError):
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            comm = stat[stat.index("(") : stat.rindex(")") + 1]
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            out.append(f"{pid} {state} {comm} ppid={ppid}")
    return out


#: In the command line of every process of a warm sandbox (its launcher, init, waiting
#: interpreter, and what that interpreter forks): the bootstrap's source.
WARM_MARK = "_auditor_warm()"


def own_warm_procs() -> list[int]:
    """This process's warm-sandbox processes (never another user's pools on this machine)."""
    return procs_with(WARM_MARK, under=os.getpid())


def wait_gone(token: str, timeout: float = 5.0, *, under: int | None = None) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := procs_with(token, under=under)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def wait_present(
    token: str, count: int = 1, timeout: float = 10.0, *, under: int | None = None
) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := procs_with(token, under=under)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


#: The sandbox options a warm sandbox is started with (a Pool's own); the rest are per run.
POOL_OPTIONS = (
    "limits",
    "profile",
    "network",
    "cwd",
    "writable_cwd",
    "env",
    "cgroup",
    "require",
    "allow_degraded",
)


class Cold:
    """``sandbox.run`` / ``sandbox.exec_python`` as they are (the probes' reference)."""

    kind = "cold"

    def run(self, args: Any, **kw: Any) -> sandbox.SandboxResult:
        return sandbox.run(args, **kw)

    def exec_python(self, code: str, **kw: Any) -> sandbox.SandboxResult:
        return sandbox.exec_python(code, **kw)


class Pooled:
    """The same calls, each through a warm sandbox: a ``sandbox.Pool`` started with the
    call's sandbox options, waited for until its sandbox is ready, handed the payload with
    the call's run options.  A run that returns must have been served warm (a hit): a
    probe that passed cold would prove nothing about the pool; except a run whose stdio is
    a regular file or a terminal, or (unprivileged) whose pass_fds hold a file, which a
    pool runs cold by design (docs/sandbox.md): the
    escapes tests that give a file as stdout check that; a probe that leaves its stdio
    inherited (pytest's capture file) gets /dev/null instead, to run warm."""

    kind = "pooled"

    def _pooled(self, method: str, payload: Any, kw: dict[str, Any]) -> sandbox.SandboxResult:
        opts = {k: kw.pop(k) for k in POOL_OPTIONS if k in kw}
        if method == "run":
            opts.setdefault("profile", sandbox.load_settings().profile)  # run's default
        if method == "run" and not kw.get("capture_output"):
            # Inherited stdio is pytest's capture file here, which a pool runs cold: the
            # probes that leave it inherited do not read it, so /dev/null keeps them warm.
            for i, name in enumerate(("stdin", "stdout", "stderr")):
                alone = [None if j == i else subprocess.PIPE for j in range(3)]
                given = name in kw or (i == 0 and "input" in kw)
                if not given and pool_mod._reopenable_stdio(*alone):
                    kw[name] = subprocess.DEVNULL
        # The stdio the run gets (exec_python's defaults: pipes and /dev/null).
        default = subprocess.PIPE if method == "exec_python" else None
        streams = [kw.get(n, default) for n in ("stdin", "stdout", "stderr")]
        if "input" in kw:
            streams[0] = subprocess.PIPE
        if kw.get("capture_output"):
            streams[1:] = [subprocess.PIPE, subprocess.PIPE]
        # (and an unprivileged caller's file or device in pass_fds: reopened read-only cold)
        cold = pool_mod._reopenable_stdio(*streams) or pool_mod._reopened_fds(
            tuple(kw.get("pass_fds", ()))
        )
        with sandbox.Pool(1, **opts) as pool:
            pool.wait_ready(60)
            pool._core.size = 0  # no replacement: what is left afterwards is the run's
            result: sandbox.SandboxResult = getattr(pool, method)(payload, **kw)
            stats = pool.stats()
            assert (stats.hits, stats.cold) == ((0, 1) if cold else (1, 0)), stats
            if not cold:
                # Nothing of the run is left.  (The code, unlike a program's argv, is in no
                # command line: the probes' own token checks cannot see its processes.)
                assert own_warm_procs() == []
        assert own_warm_procs() == []  # and close() took any idle one down
        return result

    def run(self, args: Any, **kw: Any) -> sandbox.SandboxResult:
        return self._pooled("run", args, kw)

    def exec_python(self, code: str, **kw: Any) -> sandbox.SandboxResult:
        return self._pooled("exec_python", code, kw)


def interpreter_entries_in_tmp() -> list[str]:
    """What a fresh sandbox /tmp holds before its payload writes there: nothing, except the
    top folder of an interpreter installation (a venv) that lives under the host's /tmp,
    shown read-only at its path so that the interpreter runs (docs/sandbox.md)."""
    from auditor.sandbox import view

    return sorted({d.split("/")[2] for d in view.python_dirs() if d.startswith("/tmp/")})
