"""Per-run cgroups: create, limit, join, account, kill and remove.

Discovery looks at this process's own cgroups (``/proc/self/cgroup``) and the cgroup mounts
(``/proc/self/mountinfo``) at run time, nothing is hard-coded:

* cgroup v1: a child ``auditor-sandbox-<pid>-<n>`` is created under this process's own
  ``memory``, ``pids`` (required), ``cpuacct`` and ``freezer`` (optional) cgroups when they
  are writable (typically as root).
* cgroup v2: a child is created under this process's own cgroup when it is writable and
  already delegates the ``memory`` and ``pids`` controllers (``cgroup.subtree_control``).

The launcher moves itself into the per-run cgroup before anything else, so every process of
the sandbox is inside.  On cgroup v1 it writes ``0`` ("the calling thread") to each
controller's ``tasks`` file instead of its pid to ``cgroup.procs``: moving a whole thread
group takes the kernel's global ``cgroup_threadgroup_rwsem`` for writing, which waits for an
RCU grace period (~10-15 ms of wall time per run here), while moving a single thread does
not; the launcher is single-threaded right after ``fork``/``exec``, so moving its only thread
moves the whole process.  On v2 (no ``tasks`` file) it writes its pid to ``cgroup.procs``.

Killing is by ``cgroup.kill`` (v2) or
freeze → SIGKILL every pid listed in *our* cgroup → thaw (v1): only processes in a cgroup
this module created are ever signalled.

Reuse (v1 only): creating and removing four v1 cgroups costs ~0.4-0.7 ms per run, so a
finished run's cgroup is kept for the next run of this process when it is clean: no process
is left in it (every ``cgroup.procs`` empty, checked before the final counters are read),
less than :data:`REUSE_MAX_CHARGE` bytes are still charged to it, the next run asks for the
same limits under the same parents, and the same process owns it (a forked child starts
with an empty pool); at most :data:`POOL_SIZE` are kept.  Before a kept cgroup is reused,
every setting a writer could change is read back from the host's cgroupfs and compared with
the values read when it was made, and a child cgroup inside disqualifies it
(:meth:`SandboxCgroup.intact`): the payload cannot write cgroupfs (an unprivileged uid,
no mount, no nested namespace), and reuse does not trust that.  Its counters carry on, so
each run reads them against their values at the end of the previous one (CPU time, OOM
kills, pids-limit hits) and ``memory.max_usage_in_bytes`` is reset.  Kept cgroups are
removed at exit (runs finishing after that remove theirs), or by the next process's
stale-cgroup collection when this one was killed; one that vanished meanwhile is replaced.
cgroup v2 cgroups are never reused (``memory.peak`` cannot be reset there for every
reader).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import itertools
import os
import re
import signal
import threading
import time
from pathlib import Path

from auditor.sandbox.mountinfo import parse as parse_mountinfo

PREFIX = "auditor-sandbox-"
_STALE_RE = re.compile(rf"^{PREFIX}(\d+)-\d+$")
_counter = itertools.count()
_gc_done: set[str] = set()

#: At most this many finished cgroups are kept per process for reuse (0: no reuse).
POOL_SIZE = 4
#: A finished cgroup is reused only while less than this much memory is still charged to it.
REUSE_MAX_CHARGE = 2 << 20
_pool: list[SandboxCgroup] = []
#: v1 files a writer could change, by controller, and in every controller: read back before a
#: reuse (a missing file reads as None on both sides).
_SETTINGS = {
    "memory": (
        "memory.limit_in_bytes",
        "memory.memsw.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "memory.kmem.limit_in_bytes",
        "memory.kmem.tcp.limit_in_bytes",
        "memory.swappiness",
        "memory.oom_control",
        "memory.move_charge_at_immigrate",
        "memory.use_hierarchy",
    ),
    "pids": ("pids.max",),
    "freezer": ("freezer.state",),
}
_SETTINGS_ALL = ("notify_on_release", "cgroup.clone_children")
#: Re-entrant: a garbage collection while it is held can finish an abandoned Popen, whose
#: run then hands its cgroup back in the same thread.
_pool_lock = threading.RLock()
_closing = False  # set at exit: no more keeping


@dataclasses.dataclass(frozen=True)
class CgroupSupport:
    """What this machine offers this process: ``version`` is 1, 2 or 0 (none usable)."""

    version: int
    bases: dict[str, str]  # controller (or "unified") -> writable base directory
    reason: str = ""  # why none is usable (version 0)
    mounted: tuple[str, ...] = ()  # "v1", "v2" mounts seen, for the doctor


@dataclasses.dataclass
class CgroupStats:
    memory_max_bytes: int | None = None
    oom_kills: int = 0
    cpu_seconds: float | None = None
    pids_limited: bool = False


@dataclasses.dataclass
class _Counters:
    """Raw v1 counters that only grow; a reused cgroup reads them against these."""

    cpu_ns: int = 0
    oom_kills: int = 0
    pids_max_hits: int = 0


def _read_proc(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _mounts(text: str) -> list[tuple[str, str, str, set[str]]]:
    """(fstype, mount point, mount root, super options) for every cgroup mount."""
    return [
        (m.fstype, m.mountpoint, m.root, set(m.options))
        for m in parse_mountinfo(text)
        if m.fstype in ("cgroup", "cgroup2")
    ]


def _own_paths(text: str) -> dict[str, str]:
    """controller -> own cgroup path ("" key for the v2 unified line)."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for ctrl in parts[1].split(",") if parts[1] else [""]:
            paths[ctrl] = parts[2]
    return paths


def _join(mountpoint: str, root: str, path: str) -> str:
    if root != "/" and path.startswith(root):
        path = path[len(root) :]
    return os.path.join(mountpoint, path.lstrip("/"))


def _writable_dir(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def discover(mountinfo: str | None = None, proc_cgroup: str | None = None) -> CgroupSupport:
    """What this process can use; the arguments (the text of ``/proc/self/mountinfo`` and
    ``/proc/self/cgroup``) are read from /proc when not given."""
    if mountinfo is None:
        mountinfo = _read_proc("/proc/self/mountinfo")
    if proc_cgroup is None:
        proc_cgroup = _read_proc("/proc/self/cgroup")
    mounts = _mounts(mountinfo)
    own = _own_paths(proc_cgroup)
    seen = tuple(sorted({"v2" if m[0] == "cgroup2" else "v1" for m in mounts}))
    v1: dict[str, str] = {}
    for fstype, mp, root, opts in mounts:
        if fstype != "cgroup":
            continue
        for ctrl in ("memory", "pids", "cpuacct", "freezer"):
            if ctrl in opts and ctrl in own and ctrl not in v1:
                v1[ctrl] = _join(mp, root, own[ctrl])
    reasons = []
    if "memory" in v1 and "pids" in v1:
        writable = {c: p for c, p in v1.items() if _writable_dir(p)}
        if "memory" in writable and "pids" in writable:
            return CgroupSupport(1, writable, mounted=seen)
        reasons.append(
            f"cgroup v1 {v1['memory']} and {v1['pids']} are not writable by uid {os.geteuid()}"
        )
    for fstype, mp, root, _opts in mounts:
        if fstype != "cgroup2" or "" not in own:
            continue
        base = _join(mp, root, own[""])
        try:
            enabled = Path(base, "cgroup.subtree_control").read_text().split()
        except OSError:
            enabled = []
        if {"memory", "pids"} <= set(enabled) and _writable_dir(base):
            return CgroupSupport(2, {"unified": base}, mounted=seen)
        reasons.append(
            f"cgroup v2 {base} does not delegate memory+pids to uid {os.geteuid()} "
            f"(subtree_control: {' '.join(enabled) or 'empty'})"
        )
        break
    if not mounts:
        reasons.append("no cgroup filesystem is mounted")
    return CgroupSupport(0, {}, reason="; ".join(reasons), mounted=seen)


def _write(path: str, value: str) -> None:
    # Raw descriptors (the flags of open(path, "w")): cgroupfs files take one write() or
    # read() each, and the buffered text layers of open() cost more than the syscalls on
    # the per-run path.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read(path: str) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode()
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_small(path: str) -> str | None:
    """A cgroupfs settings file: one read() returns all of it (they are a line or three)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 4096).decode()
    except OSError:
        return None
    finally:
        os.close(fd)


def _kv(text: str | None, key: str) -> int | None:
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tree(d: str) -> list[str]:
    """``d`` and every cgroup below it, deepest first."""
    out: list[str] = []
    try:
        with os.scandir(d) as it:
            subs = [e.path for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        subs = []
    for sub in subs:
        out += _tree(sub)
    out.append(d)
    return out


def collect_stale(base: str) -> None:
    """Remove empty per-run cgroups left by sandbox parents that died (SIGKILL)."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        m = _STALE_RE.match(name)
        if m and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(base, name))


class SandboxCgroup:
    """One per-run cgroup (a directory per v1 controller, or one v2 directory)."""

    def __init__(self, support: CgroupSupport, memory: int | None, pids: int | None) -> None:
        self.version = support.version
        self.owner = os.getpid()
        self.limits = (memory, pids)
        self.settings: dict[str, str | None] = {}
        self._base = _Counters()  # the counters when this run began (zero when new)
        self._seen: _Counters | None = None  # the counters stats() read last
        self.bases = tuple(sorted(support.bases.items()))  # where it lives, for reuse
        name = f"{PREFIX}{self.owner}-{next(_counter)}"
        self.dirs: dict[str, str] = {}
        try:
            for ctrl, base in support.bases.items():
                if base not in _gc_done:
                    _gc_done.add(base)
                    collect_stale(base)
                path = os.path.join(base, name)
                os.mkdir(path)
                self.dirs[ctrl] = path
            self._limit(memory, pids)
            #: every setting as written, read back before the cgroup is reused
            self.settings = self._read_settings()
        except OSError:
            self.remove()
            raise

    def _limit(self, memory: int | None, pids: int | None) -> None:
        if self.version == 1:
            mem = self.dirs["memory"]
            if memory is not None:
                _write(f"{mem}/memory.limit_in_bytes", str(memory))
                # No swap escape. The file is missing when the kernel does not account swap
                # (swapaccount=0: docs/sandbox.md); where it is, a failed write fails the
                # cgroup (closed) rather than leaving the payload free to swap.
                memsw = f"{mem}/memory.memsw.limit_in_bytes"
                if os.path.exists(memsw):
                    _write(memsw, str(memory))
            if pids is not None:
                _write(f"{self.dirs['pids']}/pids.max", str(pids))
        else:
            d = self.dirs["unified"]
            if memory is not None:
                _write(f"{d}/memory.max", str(memory))
                if os.path.exists(f"{d}/memory.swap.max"):
                    _write(f"{d}/memory.swap.max", "0")
            if pids is not None:
                _write(f"{d}/pids.max", str(pids))

    def _settings_files(self) -> list[tuple[str, str]]:
        """(path, file) of everything a process with write access could change in this
        cgroup (v1; v2 cgroups are not reused)."""
        out = []
        for ctrl, d in self.dirs.items():
            names = list(_SETTINGS_ALL) + list(_SETTINGS.get(ctrl, ()))
            out += [(os.path.join(d, n), n) for n in names]
        return out

    def _read_settings(self) -> dict[str, str | None]:
        if self.version != 1:
            return {}
        out: dict[str, str | None] = {}
        for path, name in self._settings_files():
            text = _read_small(path)
            out[path] = text.splitlines()[0] if text and name == "memory.oom_control" else text
        return out

    def intact(self) -> bool:
        """Every setting still reads as written, and no child cgroup was made inside: what a
        payload that could write cgroupfs would have changed (it cannot: it runs as an
        unprivileged uid; this is checked all the same before a reuse)."""
        if self._read_settings() != self.settings:
            return False
        for d in self.dirs.values():
            try:
                with os.scandir(d) as it:
                    if any(e.is_dir(follow_symlinks=False) for e in it):
                        return False
            except OSError:
                return False
        return True

    @property
    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files (one per v1 controller, or the v2 one)."""
        return [os.path.join(d, "cgroup.procs") for d in self.dirs.values()]

    @property
    def join_files(self) -> list[str]:
        """The files the launcher writes to join: v1 ``tasks`` (it writes ``0``, moving only
        its single thread, see the module docstring), v2 ``cgroup.procs`` (its pid)."""
        name = "tasks" if self.version == 1 else "cgroup.procs"
        return [os.path.join(d, name) for d in self.dirs.values()]

    def pids(self) -> list[int]:
        """Every process in this cgroup, child cgroups included."""
        found: set[int] = set()
        for d in self.dirs.values():
            for sub in _tree(d):
                text = _read(os.path.join(sub, "cgroup.procs")) or ""
                found.update(int(x) for x in text.split())
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process in this cgroup (and only those)."""
        if not self.dirs:
            return
        if self.version == 2:
            try:
                _write(os.path.join(self.dirs["unified"], "cgroup.kill"), "1")
                return
            except OSError:
                pass
        freezer = self.dirs.get("freezer")
        if freezer:
            try:
                _write(f"{freezer}/freezer.state", "FROZEN")
                deadline = time.monotonic() + 1.0
                while (_read(f"{freezer}/freezer.state") or "").strip() != "FROZEN":
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.001)
            except OSError:
                freezer = None
        try:
            for _ in range(50):
                pids = self.pids()
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                if freezer:
                    break
                time.sleep(0.001)
        finally:
            if freezer:
                with contextlib.suppress(OSError):
                    _write(f"{freezer}/freezer.state", "THAWED")

    def wait_empty(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.pids():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by every process of the cgroup (None when not accounted)."""
        if self.version == 1:
            acct = self.dirs.get("cpuacct")
            raw = _read(f"{acct}/cpuacct.usage") if acct else None
            if not raw or not raw.strip().isdigit():
                return None
            return max(0, int(raw) - self._base.cpu_ns) / 1e9
        if self.dirs:
            usec = _kv(_read(f"{self.dirs['unified']}/cpu.stat"), "usage_usec")
            return usec / 1e6 if usec is not None else None
        return None

    def stats(self) -> CgroupStats:
        st = CgroupStats()
        if self.version == 1:
            seen = _Counters()
            base = self._base
            mem = self.dirs.get("memory")
            if mem:
                raw = _read(f"{mem}/memory.max_usage_in_bytes")
                st.memory_max_bytes = int(raw) if raw and raw.strip().isdigit() else None
                seen.oom_kills = _kv(_read(f"{mem}/memory.oom_control"), "oom_kill") or 0
                st.oom_kills = max(0, seen.oom_kills - base.oom_kills)
            acct = self.dirs.get("cpuacct")
            if acct:
                raw = _read(f"{acct}/cpuacct.usage")
                if raw and raw.strip().isdigit():
                    seen.cpu_ns = int(raw)
                    st.cpu_seconds = max(0, seen.cpu_ns - base.cpu_ns) / 1e9
            pids_dir = self.dirs.get("pids")
            if pids_dir:
                seen.pids_max_hits = _kv(_read(f"{pids_dir}/pids.events"), "max") or 0
                st.pids_limited = seen.pids_max_hits > base.pids_max_hits
            self._seen = seen
        elif self.dirs:
            d = self.dirs["unified"]
            raw = _read(f"{d}/memory.peak")
            st.memory_max_bytes = int(raw) if raw and raw.strip().isdigit() else None
            st.oom_kills = _kv(_read(f"{d}/memory.events"), "oom_kill") or 0
            usec = _kv(_read(f"{d}/cpu.stat"), "usage_usec")
            st.cpu_seconds = usec / 1e6 if usec is not None else None
            st.pids_limited = (_kv(_read(f"{d}/pids.events"), "max") or 0) > 0
        return st

    def remove(self) -> bool:
        """Kill what is left, wait for it to go, and remove the directories."""
        if not self.dirs:
            return True
        # Usually every process has gone already: one rmdir per directory, no reads.
        for ctrl, d in list(self.dirs.items()):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                continue
            del self.dirs[ctrl]
        if not self.dirs:
            return True
        if self.pids():
            self.kill()
            self.wait_empty()
        ok = True
        for ctrl, d in list(self.dirs.items()):
            for sub in _tree(d):  # child cgroups first (none unless someone made them)
                for _ in range(100):
                    try:
                        os.rmdir(sub)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.002)
            if os.path.exists(d):
                ok = False
                continue
            del self.dirs[ctrl]
        return ok


def acquire(support: CgroupSupport, memory: int | None, pids: int | None) -> SandboxCgroup:
    """A per-run cgroup with these limits: a kept one (see the module docstring) or a new
    one."""
    if support.version == 1 and _pool and POOL_SIZE:
        bases = tuple(sorted(support.bases.items()))
        with _pool_lock:
            for i, cg in enumerate(_pool):
                if cg.limits == (memory, pids) and cg.bases == bases:
                    kept = _pool.pop(i)
                    break
            else:
                kept = None
        if kept is not None:
            # Read back before reuse: every setting as written, no child cgroup; and another
            # pid namespace's stale-cgroup collection, which cannot see this process, may have
            # removed the (empty) directories meanwhile.
            if all(os.path.isdir(d) for d in kept.dirs.values()) and kept.intact():
                return kept
            kept.kill()  # a frozen one thaws here, and nothing is left in it
            kept.remove()
    return SandboxCgroup(support, memory, pids)


def finish(cg: SandboxCgroup, *, reuse: bool) -> CgroupStats:
    """The run's statistics, then keep ``cg`` for the next run when ``reuse`` is allowed
    (the payload ran as an unprivileged uid) and it is clean, else remove it (killing what
    is left).  :func:`acquire` reads its settings back before reusing it."""
    # Checked first: once no process is left, the counters read below are final.
    keep = reuse and _may_keep(cg) and _clean(cg)
    stats = cg.stats()
    if keep and _reset_peak(cg):
        assert cg._seen is not None
        cg._base, cg._seen = cg._seen, None
        with _pool_lock:
            if _may_keep(cg):
                _pool.append(cg)
                return stats
    cg.remove()
    return stats


def _may_keep(cg: SandboxCgroup) -> bool:
    """Whether the pool takes ``cg`` (checked again under the lock before it does)."""
    return cg.version == 1 and not _closing and cg.owner == os.getpid() and len(_pool) < POOL_SIZE


def _clean(cg: SandboxCgroup) -> bool:
    """No process left in any controller (one could have left some and not others), every
    controller still there, and little memory still charged."""
    if set(cg.dirs) != {c for c, _ in cg.bases}:
        return False
    if any(_read(path) != "" for path in cg.procs_files):
        return False
    charged = _read(f"{cg.dirs['memory']}/memory.usage_in_bytes")
    return bool(charged and charged.strip().isdigit() and int(charged) < REUSE_MAX_CHARGE)


def _reset_peak(cg: SandboxCgroup) -> bool:
    try:
        _write(f"{cg.dirs['memory']}/memory.max_usage_in_bytes", "0")
    except OSError:
        return False
    return True


def drain_pool() -> None:
    """Remove the cgroups kept for reuse (at exit; tests call it to check for leftovers)."""
    with _pool_lock:
        kept = [cg for cg in _pool if cg.owner == os.getpid()]
        _pool.clear()
    for cg in kept:
        cg.remove()


def _at_exit() -> None:
    # Runs that finish later (daemon threads, abandoned Popens collected at shutdown) remove
    # their cgroup instead of keeping it.
    global _closing
    _closing = True
    drain_pool()


def _forget_pool_in_child() -> None:
    # A forked child must neither reuse nor remove its parent's cgroups.
    global _pool_lock
    _pool.clear()
    _pool_lock = threading.RLock()


atexit.register(_at_exit)
os.register_at_fork(after_in_child=_forget_pool_in_child)
