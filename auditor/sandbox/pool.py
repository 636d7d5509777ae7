"""Warm sandboxes: ``sandbox.Pool``, pre-started single-use sandboxes for ``exec_python``.

A warm sandbox is an ordinary sandbox (``sandbox.Popen``: namespaces, the view, cgroup,
rlimits, Landlock, seccomp, uid, everything a cold run sets up, in the same order, by the
same launcher) whose payload is ``sys.executable -I -c <warmboot.py> FD``: the interpreter
a cold ``exec_python`` would start, started before its code is known.  It says when it is
ready (a marker on its startup pipe), then blocks on FD, its end of a unix socket pair,
for one message: the code (or a program to exec) and, as ``SCM_RIGHTS``, the run's stdin,
stdout, stderr and ``pass_fds``.  It puts them in place, closes FD and everything else,
and runs the code; the pool then drives the run exactly as a cold one (output cap,
timeout from the hand-off, CPU budget, OOM, the result, metrics and the log record).  A
sandbox runs one payload: afterwards it is gone, and a replacement is already starting.

A pool keeps ``size`` warm sandboxes ready.  A thread per pool (the *manager*) starts them,
watches them (ready, died), starts a replacement for each one taken, reaps them after
``idle_timeout`` seconds without a run (the next run waits for a fresh one), and lets them
all go at ``close()``.  The manager is the thread that spawns every warm sandbox: the
launchers' ``PR_SET_PDEATHSIG`` fires when *that thread* ends, so it lives until the last
run handed one of its sandboxes has finished.  If the caller dies (even by SIGKILL), the
same parent-death signal, checked against a lifeline pipe, kills every launcher, init and
payload of the pool: nothing outlives the caller.

Fork: a forked child inherits the pool object but neither its thread nor its sandboxes
(they are the parent's children): the child forgets them without signalling them, and its
first run starts its own.  Threads: runs may come from any thread; each takes its own
sandbox under the pool's lock.

Module-level ``exec_python``/``eval_python`` use the default pool (:func:`default_pool`)
only when asked: ``warm=True``, or ``AUDITOR_SANDBOX_WARM=1`` in the environment.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import io
import locale
import marshal
import os
import select
import socket
import stat
import subprocess
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

from auditor.sandbox import driving, linux, metrics, process, relay
from auditor.sandbox.config import REQUIRABLE, Settings, load_settings
from auditor.sandbox.errors import SandboxConfigError, SandboxError, SandboxUnavailable
from auditor.sandbox.limits import Limits
from auditor.sandbox.profiles import Profile, get_profile, scrub_env
from auditor.sandbox.result import SandboxResult

#: What a warm sandbox writes on its startup pipe once it waits for its payload.
READY = b"\0auditor-warm-ready\n"
#: ``1``/``true``/``yes``/``on``: module-level exec_python/eval_python use the default pool.
ENV_WARM = "AUDITOR_SANDBOX_WARM"
#: The default pool's size (default :data:`DEFAULT_SIZE`).
ENV_SIZE = "AUDITOR_SANDBOX_POOL_SIZE"
DEFAULT_SIZE = 2
#: Seconds without a run after which a pool lets its warm sandboxes go.
DEFAULT_IDLE_TIMEOUT = 300.0
#: A run waits at most this long for a warm sandbox to finish starting, then runs cold.
MAX_WAIT = 60.0
#: After a failed start, no new one for this long (doubling up to the second figure); runs
#: that find no ready sandbox meanwhile run cold, and say why themselves.
BACKOFF = (0.1, 30.0)
#: Startup output (before READY) beyond this: the sandbox is let go and counted failed.
MAX_STARTUP_OUTPUT = 1 << 20
#: A hand-off that gets no answer from the sandbox in this long loses it (killed).
HANDOFF_TIMEOUT = 30.0

_WARM_WORDS = {"1": True, "true": True, "yes": True, "on": True}
_COLD_WORDS = {"": False, "0": False, "false": False, "no": False, "off": False}


@functools.cache
def _boot_source() -> str:
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "warmboot.py")) as f:
        return f.read()


@dataclasses.dataclass(frozen=True)
class PoolStats:
    """A pool's state and counters (``Pool.stats()``)."""

    size: int
    ready: int  # warm sandboxes waiting for a payload
    starting: int  # started, interpreter not ready yet
    in_use: int  # handed a run that has not finished
    hits: int  # runs that found a ready sandbox
    misses: int  # runs that waited for one, or ran cold
    cold: int  # runs that ran cold (misses that found no usable warm sandbox)
    started: int  # warm sandboxes started
    discarded: int  # warm sandboxes let go without a run
    wait_seconds: float  # total time runs waited for a warm sandbox


@dataclasses.dataclass(frozen=True)
class _Config:
    profile: Profile
    limits: Limits
    network: bool
    cwd: str | None
    env: tuple[tuple[str, str], ...] | None
    cgroup: str
    require: tuple[str, ...]
    allow_degraded: bool
    settings: Settings
    writable_cwd: bool = False

    def env_now(self) -> dict[str, str]:
        return scrub_env() if self.env is None else dict(self.env)

    def fingerprint(self) -> tuple[Any, ...]:
        """What a warm sandbox fixed when it started and a run may see changed since: the
        working directory (the caller's, for ``standard`` without ``cwd``) and the
        environment (the caller's scrubbed one, without ``env``)."""
        return (process._workdir(self.profile, self.cwd, self.writable_cwd), self.env_now())


def resolve(
    *,
    profile: str | Profile | None,
    limits: Limits | None,
    network: bool,
    cwd: Any,
    env: Mapping[str, str] | None,
    cgroup: str | None,
    require: tuple[str, ...] | list[str] | None,
    allow_degraded: bool | None,
    settings: Settings | None = None,
    writable_cwd: bool = False,
) -> _Config:
    """The options a warm sandbox starts with, defaults from ``[tool.auditor.sandbox]`` as
    for a cold ``exec_python``; bad values raise :class:`SandboxConfigError` here, not in
    the pool's thread."""
    st = settings if settings is not None else load_settings()
    lim = limits if limits is not None else st.limits
    if not isinstance(lim, Limits):
        raise SandboxConfigError(f"limits: expected sandbox.Limits, got {lim!r}")
    mode = cgroup or st.cgroup
    if mode not in ("auto", "require", "off"):
        raise SandboxConfigError(f"cgroup: must be 'auto', 'require' or 'off', got {mode!r}")
    req = tuple(st.require if require is None else require)
    unknown = [r for r in req if r not in REQUIRABLE]
    if unknown:
        raise SandboxConfigError(
            f"require: unknown {', '.join(map(repr, unknown))} (known: {', '.join(REQUIRABLE)})"
        )
    prof = get_profile(profile or st.python_profile)
    return _Config(
        profile=prof,
        limits=lim,
        network=bool(network),
        cwd=os.fspath(cwd) if cwd is not None else None,
        env=tuple(sorted(dict(env).items())) if env is not None else None,
        cgroup=mode,
        require=req,
        allow_degraded=st.allow_degraded if allow_degraded is None else bool(allow_degraded),
        settings=st,
        writable_cwd=process.check_writable_cwd(prof, writable_cwd),
    )


class _Warm:
    """One warm sandbox: its Popen, the pool's end of its channel, its startup output."""

    def __init__(self, popen: process.Popen, chan: socket.socket, fingerprint: Any) -> None:
        self.popen = popen
        self.chan = chan
        self.fingerprint = fingerprint
        self.env: dict[str, str] = fingerprint[1]
        assert popen.stdout is not None
        self.startup_fd = popen.stdout.fileno()
        self.out = b""  # read from the startup pipe and not yet understood
        self.prefix = b""  # what the interpreter's start wrote before READY
        self.ready = False

    def let_go(self) -> None:
        """Kill it and wait for it (no run is recorded: none was handed to it)."""
        p = self.popen
        p._recording = False
        with contextlib.suppress(Exception):
            p.kill()
        with contextlib.suppress(Exception):
            p.wait()
        self.close_channels()

    def close_channels(self) -> None:
        with contextlib.suppress(OSError):
            self.chan.close()
        if self.popen.stdout is not None:
            with contextlib.suppress(OSError, ValueError):
                self.popen.stdout.close()

    def forget(self) -> None:
        """In a forked child: the parent's sandbox; close our copies, signal nothing."""
        with contextlib.suppress(OSError):
            self.chan.close()
        self.popen._forget()


class _Broken(Exception):
    """The warm sandbox was lost before its payload started (nothing ran): take another."""


def _text_encoding() -> str:
    return "utf-8" if sys.flags.utf8_mode else locale.getencoding()


def _is_anonymous_pipe(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:[")
    except OSError:
        return False


class _Stdio:
    """The run's descriptors, built as ``subprocess.Popen`` builds them: the child's ends
    (sent to the sandbox), the parent's (read and written by the pool's caller)."""

    def __init__(self, stdin: Any, stdout: Any, stderr: Any, pass_fds: tuple[int, ...]) -> None:
        self.child: list[int] = [-1, -1, -1]  # -1: inherit the caller's 0, 1, 2
        self.parent: list[int] = [-1, -1, -1]
        self.ours: list[int] = []  # descriptors this object opened (closed after sending)
        self.pass_fds = pass_fds
        try:
            for i, spec in enumerate((stdin, stdout, stderr)):
                if spec is None:
                    continue
                if spec == subprocess.PIPE:
                    r, w = os.pipe()
                    self.ours += [r, w]
                    self.child[i], self.parent[i] = (r, w) if i == 0 else (w, r)
                elif spec == subprocess.DEVNULL:
                    fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
                    self.ours.append(fd)
                    self.child[i] = fd
                elif spec == subprocess.STDOUT and i == 2:
                    self.child[2] = self.child[1] if self.child[1] != -1 else -2
                elif isinstance(spec, int):
                    self.child[i] = spec
                else:
                    self.child[i] = spec.fileno()
        except BaseException:
            self.close_all()
            raise

    def message_fds(self) -> tuple[list[int], list[int], list[int]]:
        """(descriptors to send, their numbers in the sandbox, numbers to close there)."""
        send: list[int] = []
        targets: list[int] = []
        closed: list[int] = []
        for i, fd in enumerate(self.child):
            if fd == -2:  # stderr=STDOUT with an inherited stdout: the caller's stdout
                fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
            elif fd == -1:
                fd = i
            try:
                os.fstat(fd)
            except OSError:
                closed.append(i)  # not open here: not open in the payload either
                continue
            send.append(fd)
            targets.append(i)
        for fd in self.pass_fds:
            send.append(fd)
            targets.append(fd)
        return send, targets, closed

    def close_child_ends(self) -> None:
        for fd in list(self.ours):
            if fd not in self.parent:
                with contextlib.suppress(OSError):
                    os.close(fd)
                self.ours.remove(fd)

    def close_all(self) -> None:
        for fd in self.ours:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.ours = []


def _reopenable_stdio(stdin: Any, stdout: Any, stderr: Any) -> bool:
    """Whether a stdin/stdout/stderr of the run is a regular file or a terminal (a
    character device other than the null device).  A cold run's launcher gives its
    payload a Landlock rule for each such stream, so that it can reopen it as
    ``/dev/stdout`` and the like; a warm sandbox's Landlock rules were fixed before its
    run was known, so such runs go cold (``misses{reason="stdio"}``) rather than behave
    differently.  Pipes and ``/dev/null`` (in every view) need no rule."""
    for i, spec in enumerate((stdin, stdout, stderr)):
        if i == 2 and spec == subprocess.STDOUT:
            spec, i = stdout, 1
        if spec in (subprocess.PIPE, subprocess.DEVNULL):
            continue
        if spec is None:
            fd = i
        elif isinstance(spec, int):
            fd = spec
        else:
            try:
                fd = spec.fileno()
            except (OSError, ValueError, AttributeError):
                continue  # subprocess's own error comes later
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return True
        if stat.S_ISCHR(st.st_mode) and st.st_rdev != _null_rdev():
            return True
    return False


def _reopened_fds(pass_fds: tuple[int, ...]) -> bool:
    """Whether an unprivileged caller's ``pass_fds`` hold a file or a device, which a cold
    run's launcher reopens through a read-only mount (its payload owns the caller's files:
    reopen_ro in launcher.c); a warm sandbox, set up before its run, cannot, so such runs
    go cold.  A root caller's payload is another uid: nothing to reopen."""
    if os.geteuid() == 0:
        return False
    for fd in pass_fds:
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) or stat.S_ISBLK(st.st_mode):
            return True
        if stat.S_ISCHR(st.st_mode) and st.st_rdev != _null_rdev():
            return True
    return False


@functools.cache
def _null_rdev() -> int:
    return os.stat(os.devnull).st_rdev


def _adopt(
    p: process.Popen,
    stdio: _Stdio,
    args: Any,
    *,
    text: bool | None,
    encoding: str | None,
    errors: str | None,
) -> None:
    """Give ``p`` the run's streams, arguments and start time, as ``subprocess.Popen``
    would have set them had it spawned this run."""
    text_mode = bool(encoding or errors or text)
    if text_mode and encoding is None:
        encoding = _text_encoding()
    # subprocess.Popen's own attributes (set by its __init__; typeshed does not list them)
    setattr(p, "text_mode", text_mode)  # noqa: B010
    setattr(p, "encoding", encoding)  # noqa: B010
    setattr(p, "errors", errors)  # noqa: B010
    p.stdin = p.stdout = p.stderr = None
    w, r_out, r_err = stdio.parent
    if w != -1:
        p.stdin = open(w, "wb", -1)  # noqa: SIM115 (owned by p, closed by it)
        if text_mode:
            p.stdin = io.TextIOWrapper(
                p.stdin, write_through=True, encoding=encoding, errors=errors
            )
    if r_out != -1:
        p.stdout = open(r_out, "rb", -1)  # noqa: SIM115
        if text_mode:
            p.stdout = io.TextIOWrapper(p.stdout, encoding=encoding, errors=errors)
    if r_err != -1:
        p.stderr = open(r_err, "rb", -1)  # noqa: SIM115
        if text_mode:
            p.stderr = io.TextIOWrapper(p.stderr, encoding=encoding, errors=errors)
    stdio.ours = []  # the streams own them now
    p._out_fd = r_out
    p._err_fd = r_err
    p.args = args
    p._start = time.monotonic()  # wall time and the timeout count from the hand-off
    p._recording = True


class _Core:
    """A pool's state and its manager thread (the public :class:`Pool` is a handle on it,
    so that a forgotten pool can be collected: its ``__del__`` closes this)."""

    def __init__(self, cfg: _Config, size: int, idle_timeout: float | None) -> None:
        self.cfg = cfg
        self.size = size
        self.idle_timeout = idle_timeout
        self._reset_runtime()
        self.closed = False
        self.counts = {"hits": 0, "misses": 0, "cold": 0, "started": 0, "discarded": 0}
        self.waited = 0.0
        _cores.add(self)

    def _reset_runtime(self) -> None:
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.warm: list[_Warm] = []  # started and not yet taken (ready or starting)
        self.doomed: list[tuple[_Warm, str]] = []  # to let go, by the manager
        self.in_use = 0
        self.waiters = 0
        self.failures = 0
        self.retry_at = 0.0
        self.last_use = time.monotonic()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.wake_r, self.wake_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)

    # -- used by runs (any thread) ----------------------------------------------------
    def __del__(self) -> None:
        # Only now: a descriptor number closed earlier could be reused by anything (a
        # warm sandbox's channel...) by the time a late wake() wrote to it.
        for fd in (getattr(self, "wake_r", -1), getattr(self, "wake_w", -1)):
            with contextlib.suppress(OSError):
                os.close(fd)

    def ensure_manager(self) -> None:
        """Start the manager thread (under the lock), once per process."""
        if self.thread is None and not self.closed:
            self.thread = threading.Thread(
                target=_manage, args=(self,), name="auditor-sandbox-pool", daemon=True
            )
            self.thread.start()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"w")

    def take(self) -> tuple[_Warm | None, bool, str, float]:
        """A ready warm sandbox for a run, or None (run cold); whether it was a hit, the
        miss's reason, the seconds waited."""
        t0 = time.monotonic()
        fingerprint = self.cfg.fingerprint()
        with self.lock:
            if self.closed:
                raise SandboxError("sandbox.Pool: the pool is closed")
            self.ensure_manager()
            self.last_use = t0
            waited = False
            deadline = t0 + MAX_WAIT
            while True:
                for w in [w for w in self.warm if w.ready and w.fingerprint != fingerprint]:
                    self.warm.remove(w)
                    self.doomed.append((w, "stale"))
                ready = next((w for w in self.warm if w.ready), None)
                if ready is not None:
                    self.warm.remove(ready)
                    self.in_use += 1
                    if not any(w.ready for w in self.warm):
                        self.wake()  # a replacement now; else once the run is done
                    return ready, not waited, "" if not waited else "empty", time.monotonic() - t0
                now = time.monotonic()
                if self.closed:
                    raise SandboxError("sandbox.Pool: the pool is closed")
                if now < self.retry_at or now >= deadline:
                    reason = "failing" if now < self.retry_at else "timeout"
                    self.wake()
                    return None, False, reason, now - t0
                waited = True
                self.waiters += 1
                self.wake()
                try:
                    self.cond.wait(deadline - now)
                finally:
                    self.waiters -= 1

    def release(self) -> None:
        with self.lock:
            self.in_use -= 1
        self.wake()

    def close(self, wait: bool) -> None:
        with self.lock:
            self.closed = True
            self.cond.notify_all()
            thread = self.thread
            if thread is None:  # never ran: its warm list is empty
                return
        self.wake()
        if wait and thread is not threading.current_thread():
            thread.join()

    def stats(self) -> PoolStats:
        with self.lock:
            ready = sum(1 for w in self.warm if w.ready)
            return PoolStats(
                size=self.size,
                ready=ready,
                starting=len(self.warm) - ready,
                in_use=self.in_use,
                hits=self.counts["hits"],
                misses=self.counts["misses"],
                cold=self.counts["cold"],
                started=self.counts["started"],
                discarded=self.counts["discarded"],
                wait_seconds=self.waited,
            )

    def count_take(self, hit: bool, cold: bool, wait: float) -> None:
        with self.lock:
            self.counts["hits" if hit else "misses"] += 1
            self.counts["cold"] += int(cold)
            self.waited += wait

    def after_fork_in_child(self) -> None:
        """The parent's thread and sandboxes are not ours: forget them (never signal them)."""
        for w in self.warm:
            w.forget()
        for w, _ in self.doomed:
            w.forget()
        for fd in (self.wake_r, self.wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._reset_runtime()

    # -- the manager thread -------------------------------------------------------------
    def start_one(self) -> _Warm:
        cfg = self.cfg
        fingerprint = cfg.fingerprint()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            argv = [sys.executable, "-I", "-c", _boot_source(), str(theirs.fileno())]
            p = process.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                cwd=cfg.cwd,
                env=fingerprint[1],
                limits=cfg.limits,
                profile=cfg.profile,
                network=cfg.network,
                allow_degraded=cfg.allow_degraded,
                cgroup=cfg.cgroup,
                require=cfg.require,
                writable_cwd=cfg.writable_cwd,
                _settings=cfg.settings,
                _pooled=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        assert p.stdout is not None
        os.set_blocking(p.stdout.fileno(), False)
        return _Warm(p, ours, fingerprint)


_cores: weakref.WeakSet[_Core] = weakref.WeakSet()


def _manage(core: _Core) -> None:
    """The manager thread: keep ``size`` warm sandboxes (plus one per waiting run), watch
    them, let go the reaped, stale, dead and closed ones; end once closed and no run
    handed one of its sandboxes is still going (see the module docstring)."""
    try:
        _manage_loop(core)
    except BaseException:  # pragma: no cover - a bug: log it, let every sandbox go
        metrics.logger.exception("sandbox.Pool: the pool's thread failed")
        with core.lock:
            core.closed = True
            doomed = [w for w in core.warm] + [w for w, _ in core.doomed]
            core.warm, core.doomed = [], []
            core.cond.notify_all()
        for w in doomed:
            w.let_go()


def _backoff(failures: int) -> float:
    return float(min(BACKOFF[1], BACKOFF[0] * 2 ** max(0, failures - 1)))


def _manage_loop(core: _Core) -> None:
    poller = select.poll()
    polled: dict[int, _Warm] = {}
    while True:
        with core.lock:
            now = time.monotonic()
            doomed, core.doomed = core.doomed, []
            idle_for = now - core.last_use
            dormant = (
                core.idle_timeout is not None
                and idle_for >= core.idle_timeout
                and core.waiters == 0
            )
            if core.closed or dormant:
                reason = "closed" if core.closed else "idle"
                doomed += [(w, reason) for w in core.warm]
                core.warm = []
            finished = core.closed and core.in_use == 0 and not doomed
            want = 0
            if not core.closed and not dormant and now >= core.retry_at:
                want = max(0, core.size + core.waiters - len(core.warm))
                # Replacements wait for the runs in flight while one is still ready: a
                # start costs this process's GIL and the machine's CPU for tens of ms,
                # which the run would pay in latency.
                if core.in_use and not core.waiters and any(w.ready for w in core.warm):
                    want = 0
        for w, reason in doomed:
            w.let_go()
            metrics.pool_discarded(reason)
            with core.lock:
                core.counts["discarded"] += 1
        if finished:
            return  # the wake pipe stays open while anything may still write to it
        if doomed:
            continue  # look again: closing may be done now
        for _ in range(want):
            try:
                w = core.start_one()
            except Exception as exc:  # the next runs run cold and raise it themselves
                with core.lock:
                    core.failures += 1
                    core.retry_at = time.monotonic() + _backoff(core.failures)
                    core.cond.notify_all()
                metrics.pool_discarded("failed")
                metrics.logger.debug("sandbox.Pool: a warm sandbox did not start: %s", exc)
                break
            metrics.pool_started()
            with core.lock:
                core.counts["started"] += 1
                closed = core.closed
                if not closed:
                    core.warm.append(w)
            if closed:
                w.let_go()
                break
        # Watch: the wake pipe, every warm sandbox's startup pipe (READY, or EOF: it died).
        with core.lock:
            current = {w.startup_fd: w for w in core.warm}
            timeout: float | None = None
            now = time.monotonic()
            if core.idle_timeout is not None and core.warm:
                timeout = max(0.0, core.last_use + core.idle_timeout - now)
            if core.retry_at > now and not core.closed:
                left = core.retry_at - now
                timeout = left if timeout is None else min(timeout, left)
        for fd in set(polled) - set(current):
            with contextlib.suppress(KeyError):
                poller.unregister(fd)
        for fd, w in current.items():
            if polled.get(fd) is not w:
                poller.register(fd, select.POLLIN)
        polled = current
        poller.register(core.wake_r, select.POLLIN)
        events = poller.poll(None if timeout is None else timeout * 1000 + 1)
        poller.unregister(core.wake_r)
        with contextlib.suppress(OSError):
            while os.read(core.wake_r, 4096):
                pass
        for fd, _ in events:
            w_ev = polled.get(fd)
            if w_ev is not None:
                _watch(core, w_ev)


def _watch(core: _Core, w: _Warm) -> None:
    """Read a warm sandbox's startup pipe: READY makes it ready; EOF means it died."""
    with core.lock:
        if w not in core.warm:
            return  # taken (or let go) meanwhile: its pipe is not ours to read
        dead = False
        try:
            while chunk := os.read(w.startup_fd, 65536):
                w.out += chunk
            dead = True  # EOF
        except BlockingIOError:
            pass
        except OSError:
            dead = True
        if not w.ready and w.out.endswith(READY):
            w.ready = True
            w.prefix, w.out = w.out[: -len(READY)], b""
            core.failures = 0
            core.cond.notify_all()
            if not dead:
                return
        if not dead:
            if w.ready and not w.out:
                return  # ready: waiting for its payload
            if not w.ready and len(w.out) <= MAX_STARTUP_OUTPUT:
                return  # still starting
        # EOF (it died), output after READY (nothing may come before the hand-off), or a
        # start that writes without end: let it go.
        core.warm.remove(w)
        reason = "died"
        if not w.ready:  # it never got ready: its start failed; back off
            reason = "failed"
            core.failures += 1
            core.retry_at = time.monotonic() + _backoff(core.failures)
        core.doomed.append((w, reason))
        core.cond.notify_all()


def _hand_off(
    core: _Core,
    w: _Warm,
    mode: str,
    payload: Any,
    stdio: _Stdio,
) -> None:
    """Send the payload and the run's descriptors to ``w``; raise :class:`_Broken` when it
    was lost before its payload started, ``OSError`` when the program cannot be executed."""
    p = w.popen
    try:
        send, targets, closed = stdio.message_fds()
        if "uid:unused" in p.isolation:
            # A root caller's payload runs as another uid: its stdio pipes become that uid's,
            # as the launchers do for a cold run's (give_stdio_pipes).
            # Only the pipes this run's _Stdio made: never one of the caller's (a run with
            # one goes cold, to be relayed: relay.py).
            for fd, target in zip(send, targets, strict=True):
                if target < 3 and fd in stdio.ours and _is_anonymous_pipe(fd):
                    with contextlib.suppress(OSError):
                        os.fchown(fd, p.payload_uid, p.payload_uid)
        body = marshal.dumps((mode, payload, targets, closed, w.prefix))
        data = len(body).to_bytes(8, "big") + body
        sent = socket.send_fds(w.chan, [data[: 1 << 16]], send)
        if sent < len(data):  # never an empty send: the peer may be done and gone by now
            w.chan.sendall(data[sent:])
    except OSError as exc:
        raise _Broken(str(exc)) from None
    finally:
        stdio.close_child_ends()
    # The answer: "k" once the descriptors are in place (the payload starts), then for a
    # program the errno of a failed exec, or EOF (exec'd: the channel was close-on-exec).
    answer = b""
    deadline = time.monotonic() + HANDOFF_TIMEOUT
    poller = select.poll()
    poller.register(w.chan.fileno(), select.POLLIN)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise _Broken("no answer from the warm sandbox")
            chunk = w.chan.recv(64 - len(answer))
            answer += chunk
            if not chunk or (mode == "p" and answer[:1] == b"k") or len(answer) >= 64:
                break
    except OSError as exc:
        raise _Broken(str(exc)) from None
    if answer[:1] != b"k":
        raise _Broken("the warm sandbox ended before its payload started")
    if mode == "x" and answer[1:].isdigit():
        err = int(answer[1:])
        p._recording = False  # as a cold run's failed exec: raised, not recorded
        with contextlib.suppress(Exception):
            p.wait()
        raise OSError(err, os.strerror(err), os.fsdecode(payload[0]))


class Pool:
    """Warm, single-use sandboxes for ``exec_python``/``eval_python`` (and ``run``).

    ``Pool(size=2, profile=None, limits=None, network=False, cwd=None, env=None,
    cgroup=None, require=None, allow_degraded=None, idle_timeout=300,
    writable_cwd=False)`` keeps ``size``
    sandboxes started and set up (namespaces, view, cgroup, limits, seccomp, Landlock), each
    with the interpreter started, waiting for one payload; every run takes one, and a
    replacement starts in the background.  The sandbox options are fixed per pool (defaults
    from ``[tool.auditor.sandbox]``, as for a cold ``exec_python``: ``strict``); the run
    options are per run.  Results, limits, timeouts (from the hand-off), the output cap,
    ``oom_killed``/``timed_out``, metrics and the log record are those of a cold run.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        *,
        profile: str | Profile | None = None,
        limits: Limits | None = None,
        network: bool = False,
        cwd: Any = None,
        env: Mapping[str, str] | None = None,
        cgroup: str | None = None,
        require: tuple[str, ...] | list[str] | None = None,
        allow_degraded: bool | None = None,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        writable_cwd: bool = False,
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SandboxConfigError(f"size: expected a whole number >= 1, got {size!r}")
        if idle_timeout is not None and (
            isinstance(idle_timeout, bool)
            or not isinstance(idle_timeout, int | float)
            or idle_timeout <= 0
        ):
            raise SandboxConfigError(
                f"idle_timeout: expected seconds > 0 or None, got {idle_timeout!r}"
            )
        if not linux.IS_LINUX:
            raise SandboxUnavailable(
                f"the sandbox needs Linux namespaces; this is {sys.platform}. Fix: run on Linux",
                ("linux",),
            )
        self._config = resolve(
            profile=profile,
            limits=limits,
            network=network,
            cwd=cwd,
            env=env,
            cgroup=cgroup,
            require=require,
            allow_degraded=allow_degraded,
            writable_cwd=writable_cwd,
        )
        self._core = _Core(self._config, size, idle_timeout)
        with self._core.lock:
            self._core.ensure_manager()  # start warming now

    # -- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, wait: bool = True) -> None:
        """Let every warm sandbox go; with ``wait``, return once they are gone and every
        run in flight has finished.  Runs after this raise :class:`SandboxError`."""
        self._core.close(wait)

    def __del__(self) -> None:
        core = getattr(self, "_core", None)
        if core is not None:
            with contextlib.suppress(Exception):
                core.close(wait=False)

    @property
    def closed(self) -> bool:
        return self._core.closed

    @property
    def size(self) -> int:
        return self._core.size

    def stats(self) -> PoolStats:
        return self._core.stats()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until ``size`` warm sandboxes are ready (True), or ``timeout`` passed, or
        starting them failed (False).  Runs do not need it: they wait for their own."""
        core = self._core
        deadline = None if timeout is None else time.monotonic() + timeout
        with core.lock:
            if core.closed:
                raise SandboxError("sandbox.Pool: the pool is closed")
            core.last_use = time.monotonic()
            core.ensure_manager()
            while sum(1 for w in core.warm if w.ready) < core.size:
                now = time.monotonic()
                if core.closed or now < core.retry_at:
                    return False
                left = None if deadline is None else deadline - now
                if left is not None and left <= 0:
                    return False
                core.cond.wait(left)
            return True

    def describe(self) -> dict[str, Any]:
        """The options its sandboxes start with (for the doctor and logs)."""
        c = self._config
        return {
            "size": self.size,
            "profile": c.profile.name,
            "limits": c.limits.as_dict(),
            "network": c.network,
            "cwd": c.cwd,
            "writable_cwd": c.writable_cwd,
            "cgroup": c.cgroup,
            "require": list(c.require),
            "allow_degraded": c.allow_degraded,
            "idle_timeout": self._core.idle_timeout,
            "interpreter": sys.executable,
        }

    # -- runs -------------------------------------------------------------------------
    def exec_python(
        self,
        code: str | bytes,
        *,
        input: Any = None,
        capture_output: bool = False,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        text: bool | None = None,
        encoding: str | None = None,
        errors: str | None = None,
        check: bool = False,
        timeout: float | None = None,
        pass_fds: tuple[int, ...] | list[int] = (),
    ) -> SandboxResult:
        """``sandbox.exec_python(code, ...)`` in one of this pool's warm sandboxes: the same
        result (``args`` is ``[sys.executable, "-I", "-c", code]``); output goes to the
        caller's ``sys.stdout``/``sys.stderr`` unless captured; a timeout (counted from the
        hand-off) returns ``timed_out=True``."""
        if "\0" in code if isinstance(code, str) else b"\0" in code:
            raise ValueError("embedded null byte")  # what subprocess raises for the argv
        kw: dict[str, Any] = {"stdout": stdout, "stderr": stderr}
        if stdin is not None:
            kw["stdin"] = stdin
        sinks = driving.python_stdio(input, capture_output, kw)
        kw.setdefault("stdin", None)
        driving.stdio_args(input, capture_output, kw)
        args = driving.python_argv(code)
        return self._serve(
            _Run(
                mode="p",
                payload=os.fsencode(code),
                args=args,
                popen_args=args,
                shell=False,
                executable=None,
                input=input,
                text=text,
                encoding=encoding,
                errors=errors,
                check=check,
                timeout=timeout,
                pass_fds=tuple(pass_fds),
                raise_timeout=False,
                sinks=sinks,
                **kw,
            )
        )

    def eval_python(self, expr: str, **opts: Any) -> Any:
        """``sandbox.eval_python(expr, ...)`` in one of this pool's warm sandboxes."""
        return driving.evaluate(expr, self.exec_python, opts)

    def run(
        self,
        args: Any,
        *,
        shell: bool = False,
        executable: Any = None,
        input: Any = None,
        capture_output: bool = False,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        text: bool | None = None,
        encoding: str | None = None,
        errors: str | None = None,
        check: bool = False,
        timeout: float | None = None,
        pass_fds: tuple[int, ...] | list[int] = (),
    ) -> SandboxResult:
        """``sandbox.run(args, ...)`` in one of this pool's warm sandboxes: the program
        replaces the waiting interpreter (same process, same sandbox), with the pool's
        environment; ``subprocess.TimeoutExpired`` on a timeout, as ``sandbox.run``."""
        exe, argv = process._payload_argv(args, executable, shell)
        payload = (os.fsencode(exe), [os.fsencode(a) for a in argv])
        if any(b"\0" in item for item in (payload[0], *payload[1])):
            raise ValueError("embedded null byte")
        kw: dict[str, Any] = {"stdin": stdin, "stdout": stdout, "stderr": stderr}
        driving.stdio_args(input, capture_output, kw)
        return self._serve(
            _Run(
                mode="x",
                payload=payload,
                args=args,
                popen_args=args,
                shell=shell,
                executable=executable,
                input=input,
                text=text,
                encoding=encoding,
                errors=errors,
                check=check,
                timeout=timeout,
                pass_fds=tuple(pass_fds),
                raise_timeout=True,
                sinks=None,
                **kw,
            )
        )

    def _serve(self, run: _Run) -> SandboxResult:
        core = self._core
        process._refuse_host_descriptors(
            run.pass_fds, run.stdin, run.stdout, run.stderr, network=core.cfg.network
        )
        open_files = core.cfg.limits.open_files
        if open_files is not None and any(fd >= open_files for fd in run.pass_fds):
            # The sandbox's RLIMIT_NOFILE keeps it from placing such a descriptor: cold.
            return self._cold(run, reason="options")
        if _reopenable_stdio(run.stdin, run.stdout, run.stderr) or _reopened_fds(run.pass_fds):
            return self._cold(run, reason="stdio")
        if relay.needed(run.stdin, run.stdout, run.stderr, run.pass_fds):
            # a pipe, FIFO or socket of the caller's: a cold run relays it (relay.py)
            return self._cold(run, reason="stdio")
        for _attempt in range(3):
            w, hit, reason, waited = core.take()
            if w is None:
                return self._cold(run, reason=reason, wait=waited)
            core.count_take(hit, False, waited)
            metrics.pool_take(hit=hit, reason=reason, wait=waited)
            try:
                p = self._hand_off(w, run)
                if p is None:
                    continue  # lost before its payload started: nothing ran, take another
                return driving.drive(
                    p,
                    run.args,
                    input=run.input,
                    timeout=run.timeout,
                    check=run.check,
                    raise_timeout=run.raise_timeout,
                    sinks=run.sinks,
                    encoding=run.encoding,
                )
            finally:
                core.release()
        return self._cold(run, reason="broken")

    def _hand_off(self, w: _Warm, run: _Run) -> process.Popen | None:
        core = self._core
        payload = run.payload
        if run.mode == "x":  # the program gets the pool's environment, as the launchers do
            payload = (*payload, {os.fsencode(k): os.fsencode(v) for k, v in w.env.items()})
        stdio = _Stdio(run.stdin, run.stdout, run.stderr, run.pass_fds)
        try:
            _hand_off(core, w, run.mode, payload, stdio)
        except _Broken:
            stdio.close_all()
            w.let_go()
            metrics.pool_discarded("broken")
            with core.lock:
                core.counts["discarded"] += 1
            return None
        except BaseException:
            stdio.close_all()
            w.let_go()
            raise
        p = w.popen
        # the caller's descriptions the run shares get their status flags back after it
        if p._flag_guard is not None:
            p._flag_guard.forget()
        p._flag_guard = relay.FlagGuard.of(run.stdin, run.stdout, run.stderr, run.pass_fds)
        w.close_channels()  # the channel and the startup pipe: done with
        _adopt(p, stdio, run.args, text=run.text, encoding=run.encoding, errors=run.errors)
        if p.degraded_warning:
            warnings.warn(p.degraded_warning, process.SandboxDegradedWarning, stacklevel=5)
        return p

    def _cold(self, run: _Run, *, reason: str, wait: float | None = None) -> SandboxResult:
        """The run without a warm sandbox: what a cold exec_python/run does with this
        pool's options (and it raises what a cold run raises)."""
        self._core.count_take(False, True, wait or 0.0)
        metrics.pool_take(hit=False, reason=reason, wait=wait)
        c = self._config
        p = process.Popen(
            run.popen_args,
            shell=run.shell,
            executable=run.executable,
            stdin=run.stdin,
            stdout=run.stdout,
            stderr=run.stderr,
            text=run.text,
            encoding=run.encoding,
            errors=run.errors,
            pass_fds=run.pass_fds,
            limits=c.limits,
            profile=c.profile,
            network=c.network,
            cwd=c.cwd,
            env=dict(c.env) if c.env is not None else None,
            cgroup=c.cgroup,
            require=c.require,
            allow_degraded=c.allow_degraded,
            writable_cwd=c.writable_cwd,
            _settings=c.settings,
        )
        return driving.drive(
            p,
            run.args,
            input=run.input,
            timeout=run.timeout,
            check=run.check,
            raise_timeout=run.raise_timeout,
            sinks=run.sinks,
            encoding=run.encoding,
        )


@dataclasses.dataclass
class _Run:
    """One run's payload and options (stdin/stdout/stderr after ``input``/``capture_output``
    and exec_python's defaults were applied)."""

    mode: str  # "p": Python source, "x": a program
    payload: Any
    args: Any  # what the result and the log record show
    popen_args: Any
    shell: bool
    executable: Any
    stdin: Any
    stdout: Any
    stderr: Any
    input: Any
    text: bool | None
    encoding: str | None
    errors: str | None
    check: bool
    timeout: float | None
    pass_fds: tuple[int, ...]
    raise_timeout: bool
    sinks: dict[str, Any] | None


# -- the default pool (module-level exec_python/eval_python, when asked) ------------------

_default: Pool | None = None
_default_lock = threading.Lock()


def warm_requested(warm: bool | None) -> bool:
    """``warm`` when given, else ``AUDITOR_SANDBOX_WARM`` (unset: no pool, never silently)."""
    if warm is not None:
        return bool(warm)
    raw = os.environ.get(ENV_WARM, "").strip().lower()
    if raw in _WARM_WORDS:
        return True
    if raw in _COLD_WORDS:
        return False
    raise SandboxConfigError(
        f"{ENV_WARM}: expected 1/true/yes/on or 0/false/no/off, got {os.environ[ENV_WARM]!r}"
    )


def _default_size() -> int:
    raw = os.environ.get(ENV_SIZE, "").strip()
    if not raw:
        return DEFAULT_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise SandboxConfigError(f"{ENV_SIZE}: expected a whole number >= 1, got {raw!r}")
    return int(raw)


def default_pool() -> Pool:
    """The process's default pool (made at first use, from ``[tool.auditor.sandbox]`` and
    ``AUDITOR_SANDBOX_POOL_SIZE``), used by ``exec_python(..., warm=True)``."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = Pool(_default_size())
        return _default


def current_default_pool() -> Pool | None:
    """The default pool if one is running in this process (for the doctor and tests)."""
    return _default if _default is not None and not _default.closed else None


def close_default_pool(wait: bool = True) -> None:
    """Let the default pool's sandboxes go (a later ``warm=True`` run starts a new one)."""
    global _default
    with _default_lock:
        pool, _default = _default, None
    if pool is not None:
        pool.close(wait)


def _after_fork_in_child() -> None:
    global _default_lock
    _default_lock = threading.Lock()
    for core in list(_cores):
        core.after_fork_in_child()


def _at_exit() -> None:
    # Let idle sandboxes go (their cgroups removed) without waiting for runs still in
    # flight in other threads; whatever is left dies with this process (PDEATHSIG).
    cores = list(_cores)
    for core in cores:
        core.close(wait=False)
    deadline = time.monotonic() + 5.0
    for core in cores:
        t = core.thread
        if t is not None and t is not threading.current_thread():
            t.join(max(0.0, deadline - time.monotonic()))


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
