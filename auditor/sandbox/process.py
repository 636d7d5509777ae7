"""``sandbox.Popen``: ``subprocess.Popen`` whose child runs inside the sandbox."""

from __future__ import annotations

import contextlib
import io
import os
import select
import selectors
import signal
import stat
import subprocess
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Collection, Mapping
from typing import Any

from auditor.sandbox import (
    cgroups,
    config,
    launcher,
    linux,
    memfds,
    metrics,
    native,
    pylauncher,
    relay,
    safeimport,
    seccomp,
    view,
)
from auditor.sandbox.config import Settings, load_settings
from auditor.sandbox.errors import SandboxConfigError, SandboxUnavailable
from auditor.sandbox.limits import Limits
from auditor.sandbox.profiles import Profile, get_profile, scrub_env

#: Order in which applied pieces are reported in ``isolation``; the modes (``memory:...``,
#: ``pids:...``, ``uid:...``) follow.
ISOLATION_ORDER = (
    "user",
    "pid",
    "ipc",
    "uts",
    "net",
    "mount",
    "cgroup",
    "proc",
    "allowlist-root",
    "readonly-sys",
    "readonly-root",
    "tmpfs-tmp",
    "hidden-home",
    "landlock",
    "rlimits",
    "nnp",
    "nocaps",
    "seccomp",
    "keyring",
    "userns-limit",
    "protected-init",
)

#: What ``require=`` accepts: limits the caller wants enforced by a cgroup, not rlimits.
REQUIRABLE = config.REQUIRABLE


class SandboxDegradedWarning(RuntimeWarning):
    """Emitted when ``allow_degraded`` let a run go ahead with less isolation."""


_support: cgroups.CgroupSupport | None = None


def cgroup_support(refresh: bool = False) -> cgroups.CgroupSupport:
    global _support
    if _support is None or refresh:
        _support = cgroups.discover()
    return _support


def needs_user_namespace() -> bool:
    """Every run creates a user namespace now, root's too: a root caller's payload runs as an
    unused uid mapped in it, and the namespace's own user.max_user_namespaces is 0."""
    return True


_last_cap = linux.last_cap()

#: How often a waiting caller checks the sandbox's cgroup CPU usage (seconds).
_CPU_POLL = 0.1

#: How long a killed run's launcher is given to reap its children and exit before it is
#: killed too (seconds; see Popen.kill).  It takes a few milliseconds: only a child stuck in
#: the kernel (uninterruptible sleep) holds it longer.
_LAUNCHER_GRACE = 5.0


def _exited(pidfd: int) -> bool:
    """Whether the process of ``pidfd`` has exited (a zombie or reaped)."""
    p = select.poll()
    p.register(pidfd, select.POLLIN)
    return bool(p.poll(0))


def _applied_mode(mode: str, applied: Collection[str]) -> str:
    """``mode`` as it really applied: a limit said to be enforced by rlimits is not enforced
    at all when the rlimits piece was skipped (allow_degraded)."""
    what, _, how = mode.partition(":")
    if how in ("rlimit", "rlimit-only") and "rlimits" not in applied:
        return f"{what}:not-enforced"
    return mode


def _format_unavailable(piece: str, error: str) -> str:
    fix = launcher.FIXES.get(piece, "")
    sep = "" if error.endswith("\n") else ". "  # a quoted tail of output ends in a newline
    return f"sandbox isolation '{piece}' unavailable: {error}{sep}Fix: {fix}"


#: How much of a dead setup's stderr an error message quotes: its last lines, each cut.
TAIL_BYTES, TAIL_LINES, TAIL_LINE_CHARS = 64 * 1024, 12, 300


def _read_tail(fd: int | None) -> str:
    """The last lines of what is buffered in a pipe now (never blocks, bounded)."""
    if fd is None:
        return ""
    data = b""
    try:
        blocking = os.get_blocking(fd)
        os.set_blocking(fd, False)
        try:
            while len(data) < TAIL_BYTES:
                chunk = os.read(fd, TAIL_BYTES - len(data))
                if not chunk:
                    break
                data += chunk
        finally:
            os.set_blocking(fd, blocking)
    except OSError:  # BlockingIOError: nothing (more) there; or not a pipe we can read
        pass
    return _tail_lines(data)


def _file_tail(fd: int | None) -> str:
    """The last lines of a file (the setup's memfd), read from its last TAIL_BYTES."""
    if fd is None:
        return ""
    try:
        size = os.fstat(fd).st_size
        return _tail_lines(os.pread(fd, TAIL_BYTES, max(0, size - TAIL_BYTES)))
    except OSError:
        return ""


def _tail_lines(data: bytes) -> str:
    """The last TAIL_LINES lines of ``data``, indented, each cut to TAIL_LINE_CHARS."""
    lines = data.decode(errors="replace").rstrip().splitlines()[-TAIL_LINES:]
    return "\n".join(
        "  " + (ln if len(ln) <= TAIL_LINE_CHARS else ln[: TAIL_LINE_CHARS - 3] + "...")
        for ln in lines
    )


def _payload_argv(args: Any, executable: Any, shell: bool) -> tuple[Any, list[Any]]:
    """The program and argv ``subprocess`` would exec for these arguments (its own rules:
    a string is one program name, ``shell`` prepends ``/bin/sh -c``, ``executable`` replaces
    the program, or the shell)."""
    if isinstance(args, str | bytes):
        argv: list[Any] = [args]
    elif isinstance(args, os.PathLike):
        if shell:
            raise TypeError("path-like args is not allowed when shell is true")
        argv = [args]
    else:
        argv = list(args)
    if shell:
        argv = ["/bin/sh", "-c", *argv]
        if executable:
            argv[0] = executable
    if not argv:
        raise IndexError("list index out of range")  # what subprocess raises for []
    return (executable if executable is not None else argv[0]), argv


def _refuse_host_descriptors(fds: tuple[int, ...], *streams: Any, network: bool) -> None:
    """Descriptors of the host the payload must not get, for pass_fds and
    stdin/stdout/stderr (an int or an object with ``fileno()``): a directory would open the
    host's filesystem beyond its view (fchdir, openat, ".."), refused always; a socket
    reaches whatever it is connected to or listens on (a host service, the Docker daemon's
    ``/var/run/docker.sock``, another machine; a Unix socket may even receive more
    descriptors), which is the network the sandbox takes away: refused unless the call
    grants the network (``network=True``). Raised before anything runs."""
    cands: list[tuple[str, int]] = [("pass_fds", fd) for fd in fds]
    for name, stream in zip(("stdin", "stdout", "stderr"), streams, strict=True):
        if isinstance(stream, int) and stream >= 0:
            cands.append((name, stream))
        elif stream is not None and hasattr(stream, "fileno") and not isinstance(stream, int):
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                cands.append((name, stream.fileno()))
    for name, fd in cands:
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue  # subprocess reports a bad descriptor its own way
        if stat.S_ISDIR(mode):
            raise SandboxConfigError(
                f"{name}: descriptor {fd} is a directory: it would give the payload the host's "
                "filesystem beyond the sandbox's view"
            )
        if stat.S_ISREG(mode):
            memfds.check(name, fd)
        if stat.S_ISSOCK(mode) and not network:
            raise SandboxConfigError(
                f"{name}: descriptor {fd} is a socket: it would let the payload reach what it "
                "is connected to (a host service, the Docker socket) without the network; "
                "pass network=True to give it the network, or relay the data through a pipe"
            )


def check_writable_cwd(prof: Profile, writable_cwd: object) -> bool:
    """``writable_cwd`` validated: a bool, and true only with ``standard`` (``strict``
    shows nothing of the host writable)."""
    if not isinstance(writable_cwd, bool):
        raise SandboxConfigError(f"writable_cwd: expected True or False, got {writable_cwd!r}")
    if writable_cwd and prof.readonly_root:
        raise SandboxConfigError(
            f"writable_cwd: the {prof.name} profile shows nothing of the host writable; "
            "pass profile='standard' with writable_cwd=True"
        )
    return writable_cwd


def _workdir(prof: Profile, cwd: Any, writable_cwd: bool = False) -> tuple[str | None, bool]:
    """The directory to show the payload and whether it may write it: strict shows ``cwd``
    read-only and only when given; standard shows ``cwd`` or the caller's own, read-only
    unless the call asked for ``writable_cwd=True`` (a payload that writes there may
    change files the host reads or runs later: its own modules, scripts)."""
    if prof.readonly_root:  # the strict view
        if cwd is None:
            return None, False
        return os.path.realpath(os.fsdecode(cwd)), False
    try:
        where = os.fsdecode(cwd) if cwd is not None else os.getcwd()
    except OSError:  # the caller's cwd was removed
        return None, writable_cwd
    return os.path.realpath(where), writable_cwd


def _is_pipe(spec: Any) -> bool:
    return isinstance(spec, int) and spec == subprocess.PIPE


def _over_of(ref: weakref.ref[Popen]) -> Callable[[], None]:
    """The output cap's action for the Popen ``ref`` (held weakly by the relay's thread: a
    dropped Popen is still killed by its finaliser)."""

    def over() -> None:
        p = ref()
        if p is not None:
            p._output_over()

    return over


def _watch_cpu(ref: weakref.ref[Popen], fd: int) -> None:
    """See Popen._start_cpu_watch: ends once the launcher (``fd``, its pidfd) has exited,
    the object is gone, finished or killed for its CPU time."""
    try:
        exited = select.poll()
        exited.register(fd, select.POLLIN)
        while not exited.poll(_CPU_POLL * 1000):
            proc = ref()
            if proc is None or proc.returncode is not None or proc.cpu_limited:
                return
            with contextlib.suppress(Exception):  # never an error in a thread of the caller
                proc._check_cpu()
            del proc
    finally:
        os.close(fd)


class Popen(subprocess.Popen[Any]):
    """Same signature and behaviour as :class:`subprocess.Popen`, plus the keyword-only
    sandbox options ``limits``, ``profile``, ``network``, ``allow_degraded``, ``cgroup``
    (``"auto"``, ``"require"``, ``"off"``) and ``require`` (``("memory",)``, ``("pids",)``:
    limits a cgroup must enforce, or :class:`SandboxUnavailable`), and ``writable_cwd``
    (``standard`` only: let the payload write its working directory, which is read-only
    by default; a write there fails with ``EROFS``).

    Differences, all deliberate: the child always starts a new session with ``close_fds``;
    ``env=None`` means the scrubbed allow-list environment (PATH, LANG, LC_*, TERM), not the
    caller's; ``kill()`` kills the whole sandbox, while ``terminate()`` and ``send_signal()``
    reach the payload as they reach subprocess's child (:meth:`send_signal`);
    the output read from ``stdout=PIPE``/``stderr=PIPE`` (by ``communicate()``, or by the
    caller itself: ``read()``, ``readline()``, ``os.read`` on ``fileno()``) stops at
    ``limits.output``, both together: the streams then end and the sandbox is stopped
    (``truncated`` becomes true); the payload
    sees only the filesystem view of its profile (docs/sandbox.md); a directory descriptor
    in ``pass_fds`` or as a standard stream is refused (:class:`SandboxConfigError`), and so
    is a socket unless ``network=True``.
    """

    def __init__(
        self,
        args: Any,
        bufsize: int = -1,
        executable: Any = None,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        preexec_fn: Callable[[], object] | None = None,
        close_fds: bool = True,
        shell: bool = False,
        cwd: Any = None,
        env: Mapping[str, str] | None = None,
        *,
        limits: Limits | None = None,
        profile: str | Profile | None = None,
        network: bool = False,
        allow_degraded: bool | None = None,
        cgroup: str | None = None,
        require: tuple[str, ...] | list[str] | None = None,
        writable_cwd: bool = False,
        _settings: Settings | None = None,
        _default_profile: str | None = None,
        _pooled: bool = False,
        **kwargs: Any,
    ) -> None:
        self._finished = False
        #: A warm sandbox of a sandbox.Pool (its payload waits for code, see pool.py): it
        #: records a run, and warns of a degraded one, only once a run is handed to it.
        self._pooled = _pooled
        self._recording = not _pooled
        self.degraded_warning: str | None = None
        # Guards the end of the run against kill() from another thread (a watchdog timer):
        # once the cgroup is handed back for reuse, nothing here may touch it again.
        self._lock = threading.RLock()
        self._pid1_fd: int | None = None
        #: pidfds of the launcher's children (payload, init): see _open_launcher_children
        self._orphan_fds: list[int] = []
        #: the payload's pidfd (one of _orphan_fds, while it is open): send_signal(SIGSTOP)
        self._payload_fd: int | None = None
        self._own_pidfd: int | None = None
        #: set by kill(): when a launcher that has not ended the run by then is killed too
        self._kill_deadline: float | None = None
        self._info_r: int | None = None
        self._exec_r: int | None = None
        #: a memfd that is the setup's own stderr where it can be (the init program of a
        #: preexec_fn run, until it is ready), quoted when the setup dies: a file, not a
        #: pipe, so that a chatty dying init never blocks on it
        self._diag_fd: int | None = None
        #: the relays between the caller's pipes and the payload's (relay.py), and the
        #: status flags of the caller's descriptions the run shares, set back after it
        self._relay: relay.Relay | None = None
        self._flag_guard: relay.FlagGuard | None = None
        #: kill() was called: the relays get a short grace, not the time the caller takes
        self._killed = False
        #: "c" (the compiled launcher, spawned without forking this interpreter) or "python"
        self.launcher = "python"
        self._cgroup: cgroups.SandboxCgroup | None = None
        self._start = time.monotonic()
        self.isolation: tuple[str, ...] = ()
        self.degraded: tuple[str, ...] = ()
        self.timed_out = False
        self.truncated = False
        self.oom_killed = False
        self.cpu_limited = False
        self.cpu_seconds: float | None = None
        self.max_rss_bytes: int | None = None
        self.wall_seconds = 0.0
        self._rusage: tuple[float, int] | None = None
        self._bufs: dict[int, list[bytes]] = {}
        self._sinks: dict[int, Callable[[bytes], object]] = {}
        #: the relay of stdout=PIPE/stderr=PIPE, through the output cap (relay.capture),
        #: and the caller's ends it feeds (counted there, not again by communicate)
        self._capture: relay.Relay | None = None
        self._capped_fds: frozenset[int] = frozenset()
        #: how each limit is enforced and who the payload is ("memory:cgroup", ...)
        self.limit_modes: tuple[str, ...] = ()
        #: the payload's uid on the host
        self.payload_uid: int = os.geteuid()

        if not linux.IS_LINUX:
            raise SandboxUnavailable(
                f"the sandbox needs Linux namespaces; this is {sys.platform}. Fix: run on Linux",
                ("linux",),
            )
        settings = _settings if _settings is not None else load_settings()
        prof = get_profile(profile or _default_profile or settings.profile)
        self.limits = limits if limits is not None else settings.limits
        if not isinstance(self.limits, Limits):
            raise SandboxConfigError(f"limits: expected sandbox.Limits, got {self.limits!r}")
        self._output_cap = relay.OutputCap(self.limits.output_bytes, _over_of(weakref.ref(self)))
        degraded_ok = settings.allow_degraded if allow_degraded is None else allow_degraded
        cgroup_mode = cgroup or settings.cgroup
        if cgroup_mode not in ("auto", "require", "off"):
            raise SandboxConfigError(
                f"cgroup: must be 'auto', 'require' or 'off', got {cgroup_mode!r}"
            )
        self.profile = prof
        # Everything that can fail on bad arguments happens before a cgroup exists.
        writable_cwd = check_writable_cwd(prof, writable_cwd)
        env_final = scrub_env() if env is None else dict(env)
        user_fds = tuple(kwargs.pop("pass_fds", ()))
        # (a pool's own warm sandbox gets its channel, a socket, here: auditor.sandbox.pool)
        _refuse_host_descriptors(user_fds, stdin, stdout, stderr, network=network or _pooled)
        kwargs.pop("start_new_session", None)
        kwargs.pop("process_group", None)
        # A launcher program runs the payload unless a preexec_fn must run in it.
        payload_exe: Any = None
        payload_args: list[Any] = []
        if preexec_fn is None:
            payload_exe, payload_args = _payload_argv(args, executable, shell)

        namespaces = list(prof.namespaces)
        if "user" not in namespaces:
            namespaces.insert(0, "user")  # every run has one (see needs_user_namespace)
        if network and "net" in namespaces:
            namespaces.remove("net")
        root = os.geteuid() == 0
        require = tuple(settings.require if require is None else require)
        unknown = [r for r in require if r not in REQUIRABLE]
        if unknown:
            raise SandboxConfigError(
                f"require: unknown {', '.join(map(repr, unknown))} (known: {', '.join(REQUIRABLE)})"
            )
        skipped: list[str] = []

        # The cgroup: required when one is writable here or when the caller asked for it.
        support = cgroup_support() if cgroup_mode != "off" else None
        lim = self.limits
        if support is not None and support.version:
            try:
                self._cgroup = cgroups.acquire(support, lim.memory_bytes, lim.pids)
            except OSError as exc:
                if not degraded_ok:
                    self._record_unavailable(args, "cgroup")
                    raise SandboxUnavailable(
                        _format_unavailable("cgroup", f"creating a cgroup failed: {exc}"),
                        ("cgroup",),
                    ) from None
                skipped.append("cgroup")
        elif cgroup_mode == "require":
            if not degraded_ok:
                self._record_unavailable(args, "cgroup")
                reason = support.reason if support else "cgroup='off'"
                raise SandboxUnavailable(_format_unavailable("cgroup", reason), ("cgroup",))
            skipped.append("cgroup")
        has_cg = self._cgroup is not None
        for want in require:  # limits the caller wants enforced by a cgroup, or nothing
            if not has_cg:
                self._record_unavailable(args, want)
                why = support.reason if support and support.reason else "no cgroup for this run"
                raise SandboxUnavailable(_format_unavailable(want, why), (want,))
        # CPU time of the whole sandbox needs the cgroup's CPU accounting (v1 cpuacct, v2
        # cpu.stat); otherwise RLIMIT_CPU bounds each process alone.
        cg_cpu = self._cgroup is not None and (
            self._cgroup.version == 2 or "cpuacct" in self._cgroup.dirs
        )
        self.limit_modes = (
            "memory:"
            + ("unlimited" if lim.memory is None else "cgroup" if has_cg else "rlimit-only"),
            "pids:" + ("unlimited" if lim.pids is None else "cgroup" if has_cg else "rlimit"),
            "cpu:" + ("unlimited" if lim.cpu_time is None else "cgroup" if cg_cpu else "rlimit"),
            "uid:" + ("unused" if root else "caller"),
        )

        workdir, writable = _workdir(prof, cwd, writable_cwd)
        try:
            ops, chdir = view.build(
                "strict" if prof.readonly_root else "standard",
                workdir=workdir,
                writable=writable,
                memory=lim.memory_bytes,
                root_caller=root,
            )
        except view.WorkdirRefused as exc:
            self._cleanup_after_failed_start()
            self._record_unavailable(args, "cwd")
            raise SandboxUnavailable(
                _format_unavailable(
                    "cwd", f"{exc} is in {', '.join(view.never())}, which are never in view"
                ),
                ("cwd",),
            ) from None
        except view.WorkdirShared as exc:
            self._cleanup_after_failed_start()
            self._record_unavailable(args, "cwd")
            raise SandboxUnavailable(str(exc), ("cwd",)) from None
        except view.InterpreterRefused as exc:
            self._cleanup_after_failed_start()
            self._record_unavailable(args, "allowlist-root")
            raise SandboxUnavailable(str(exc), ("allowlist-root",)) from None
        for op in ops:
            if isinstance(op, view.Bind) and op.dst == workdir and op.mode in ("rw", "rwid"):
                # what a payload of this process may write, and what stays read-only there
                safeimport.note_writable(
                    workdir,
                    protected=[
                        o.dst
                        for o in ops
                        if isinstance(o, view.Bind)
                        and o.mode == "ro"
                        and view._under(o.dst, workdir)
                    ],
                )
        # Nothing is imported after a payload starts (it may plant modules, see safeimport).
        safeimport.preload()
        skip = launcher._skip
        if "allowlist-root" in skip:
            ops, chdir = [], None
        bpf = seccomp.for_run(memory_rlimit_only=not has_cg, network=network, root_caller=root)
        if "seccomp" in skip:
            bpf = None
        landlock = linux.landlock_abi() > 0 and "landlock" not in skip
        required: set[str] = set()
        if not degraded_ok:
            required = {
                *namespaces,
                "proc",
                "hostname",
                "rlimits",
                "nnp",
                "nocaps",
                "cwd",
                "allowlist-root",
                "tmpfs-tmp",
                "hidden-home",
                "readonly-root" if prof.readonly_root else "readonly-sys",
                "seccomp",
                "keyring",
                "userns-limit",
                "protected-init",
                "uid",
            }
            if "net" in namespaces:
                required.add("lo")
            if landlock:
                required.add("landlock")
            if has_cg:
                required.add("cgroup")
            required -= skip
            if "allowlist-root" in skip:
                required -= {"proc", "tmpfs-tmp", "hidden-home", "readonly-root", "readonly-sys"}
        idmap = launcher.payload_id() if root else None
        if idmap is not None:
            self.payload_uid = idmap

        # The caller's shared descriptions get their status flags back after the run; its
        # pipes, FIFOs and sockets are never the payload's: fresh pipes and a relay (relay.py).
        self._flag_guard = relay.FlagGuard.of(stdin, stdout, stderr, user_fds)
        try:
            self._relay, stdin, stdout, stderr = relay.build(stdin, stdout, stderr, user_fds)
        except BaseException:
            self._cleanup_after_failed_start()
            raise
        # stdout=PIPE/stderr=PIPE: the caller reads a pipe the capture relay feeds through
        # the output cap, whatever it reads it with (a pool's warm sandbox: its own startup
        # pipe; a pooled run's streams are capped by communicate)
        capture_reads: dict[int, int] = {}
        capped = [n for n, spec in ((1, stdout), (2, stderr)) if _is_pipe(spec)]
        if capped and not _pooled and lim.output_bytes is not None:
            try:
                self._capture, ends = relay.capture(len(capped), self._output_cap)
            except BaseException:
                self._cleanup_after_failed_start()
                raise
            for n, (child, read_end) in zip(capped, ends, strict=True):
                capture_reads[n] = read_end
                if n == 1:
                    stdout = child
                else:
                    stderr = child
        fd_map = tuple(self._relay.fd_map) if self._relay is not None else ()
        mapped = {target for _, target in fd_map}
        user_fds_kept = tuple(fd for fd in user_fds if fd not in mapped)
        spawn_fds = (*user_fds_kept, *(c for c, _ in fd_map))
        relay_ends = set(self._relay.child_ends()) if self._relay is not None else set()
        if self._capture is not None:
            relay_ends.update(self._capture.child_ends())
        # The stdio pipes the sandbox made (captures, relays): a root caller's payload, of
        # another uid, gets them (give_stdio_pipes), never a pipe of the caller's.
        own: list[int] = []
        for n, spec in enumerate((stdin, stdout, stderr)):
            if (
                spec == subprocess.PIPE
                or (isinstance(spec, int) and spec in relay_ends)
                or (n == 2 and spec == subprocess.STDOUT and 1 in own)
            ):
                own.append(n)

        # An unprivileged caller's payload owns the caller's files: the launcher reopens the
        # files and terminal it gets through a read-only mount (reopen_ro in launcher.c). A
        # root caller's payload is another uid, which owns none of them.
        reopen = () if root else (*(n for n in range(3) if n not in own), *user_fds_kept)
        info_r, info_w = os.pipe()
        self._info_r = info_r
        plan = launcher.Plan(
            namespaces=tuple(namespaces),
            required=frozenset(required),
            info_fd=info_w,
            parent_pid=os.getpid(),
            uid=os.geteuid(),
            gid=os.getegid(),
            cgroup_join=self._cgroup.join_files if self._cgroup else [],
            rlimits=launcher.rlimits_for(
                memory=lim.memory_bytes,
                cpu_time=lim.cpu_time,
                file_size=lim.file_size_bytes,
                open_files=lim.open_files,
                pids=lim.pids,
                cgroup_memory=has_cg,
                cgroup_pids=has_cg,
            ),
            ops=ops,
            cwd=chdir,
            idmap=idmap,
            bpf=bpf,
            landlock=landlock,
            strict=prof.readonly_root,
            last_cap=_last_cap,
            fault=launcher._fault_injection,
            skip=skip,
            userns_limits=launcher.userns_limits() if "user" in namespaces else (),
            own_pipes=tuple(own),
            fd_map=fd_map,
            reopen=reopen,
        )
        exec_w = -1
        spawn: dict[str, Any]
        if preexec_fn is None:
            # A launcher program: plain Popen (vfork + exec, no fork of this interpreter).
            self._exec_r, exec_w = os.pipe()
            exe = native.path()
            self.launcher = "c" if exe else "python"
            if exe:
                spawn_args: Any = native.argv(plan, exec_w, payload_exe, payload_args)
            else:
                spawn_args = native.python_argv(plan, exec_w, payload_exe, payload_args, env_final)
            spawn = {"executable": spawn_args[0], "shell": False}
            pass_fds: tuple[int, ...] = (*spawn_fds, info_w, exec_w)
        else:
            # The caller's preexec_fn must run in the payload: this process is forked, and
            # the fork becomes the launcher (its init execs the init program at once).
            self.launcher = "python"
            items = launcher.items(plan)
            init_program = native.init_program()
            user_preexec = preexec_fn
            diag_w = -1
            with contextlib.suppress(OSError):  # no memfd: the message quotes less
                self._diag_fd = diag_w = os.memfd_create("auditor-sandbox-setup-stderr")
            spawn_args = args
            spawn = {
                "executable": executable,
                "shell": shell,
                "preexec_fn": lambda: pylauncher.preexec_launch(
                    items, init_program, user_preexec, diag_w
                ),
            }
            # subprocess closes what pass_fds does not name after preexec_fn: the numbers
            # the relay's ends take there (fd_map) too
            pass_fds = (
                *spawn_fds,
                *sorted(mapped),
                info_w,
                *([diag_w] if diag_w >= 0 else []),
            )
        try:
            super().__init__(
                spawn_args,
                bufsize,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                close_fds=True,
                cwd=cwd,
                env=env_final,
                start_new_session=True,
                pass_fds=pass_fds,
                **spawn,
                **kwargs,
            )
        except BaseException:
            os.close(info_w)
            if exec_w != -1:
                os.close(exec_w)
            if self._relay is not None:
                self._relay.forget()
                self._relay = None
            if self._capture is not None:
                self._capture.forget()
                self._capture = None
                for fd in capture_reads.values():
                    os.close(fd)
            self._read_setup(args, raise_on_error=False)
            self._cleanup_after_failed_start()
            raise
        if self._relay is not None:
            self._relay.start()
        if self._capture is not None:
            self._capture_streams(capture_reads, bufsize)
            self._capture.start()
        self.args = args
        if exec_w != -1:
            os.close(exec_w)
        os.close(info_w)
        with contextlib.suppress(OSError):
            self._own_pidfd = os.pidfd_open(self.pid)
        self._out_fd = self.stdout.fileno() if self.stdout is not None else -1
        self._err_fd = self.stderr.fileno() if self.stderr is not None else -1
        self._read_setup(args, raise_on_error=True, skipped=skipped)
        if self._exec_r is not None:
            self._check_exec(args, payload_exe)
        self._start_cpu_watch()

    def _capture_streams(self, reads: dict[int, int], bufsize: int | None) -> None:
        """``self.stdout``/``self.stderr`` on the capture relay's read ends, made as
        ``subprocess.Popen`` makes them on its own pipes."""
        text = bool(getattr(self, "text_mode", False))
        if bufsize is None or (text and bufsize == 1):
            bufsize = -1  # subprocess: line buffering is for stdin only
        for n, fd in reads.items():
            stream: Any = open(fd, "rb", bufsize)  # noqa: SIM115 (owned by self)
            if text:
                stream = io.TextIOWrapper(
                    stream,
                    encoding=getattr(self, "encoding", None),
                    errors=getattr(self, "errors", None),
                )
            if n == 1:
                self.stdout = stream
            else:
                self.stderr = stream
        self._capped_fds = frozenset(reads.values())

    def _output_over(self) -> None:
        """The output cap is reached (relay.OutputCap): stop the run."""
        self.truncated = True
        self.kill()

    def _start_cpu_watch(self) -> None:
        """With a cgroup, ``limits.cpu_time`` bounds the CPU time of the whole sandbox
        whatever the caller does meanwhile (reads ``stdout`` itself, as the drop-in
        ``popen().read()`` does, or nothing): a daemon thread checks the cgroup's usage
        every ``_CPU_POLL`` seconds (:meth:`_check_cpu`) until the launcher exits.  It holds
        the object weakly (a dropped ``Popen`` is still killed by its finaliser) and a
        descriptor of the launcher's pidfd of its own."""
        if (
            self._cgroup is None
            or self.limits.cpu_time is None
            or self._own_pidfd is None
            or "cpu:cgroup" not in self.limit_modes
        ):
            return
        fd = os.dup(self._own_pidfd)
        try:
            threading.Thread(
                target=_watch_cpu, args=(weakref.ref(self), fd), name="sandbox-cpu", daemon=True
            ).start()
        except BaseException:
            os.close(fd)
            raise

    # -- setup protocol -------------------------------------------------------------
    def _read_lines_until_ready(self) -> list[str]:
        assert self._info_r is not None
        buf = b""
        lines: list[str] = []
        while True:
            chunk = os.read(self._info_r, 4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                lines.append(text)
                if text[:1] in ("A", "E"):
                    if buf:
                        lines.extend(x.decode(errors="replace") for x in buf.split(b"\n") if x)
                    return lines
        return lines

    def _read_setup(
        self, args: Any, *, raise_on_error: bool, skipped: list[str] | None = None
    ) -> None:
        lines = self._read_lines_until_ready()
        error: tuple[str, str] | None = None
        skips: list[tuple[str, str]] = [(s, "") for s in (skipped or [])]
        applied: list[str] = []
        for line in lines:
            tag, body = line[:1], line[1:]
            if tag == "P" and body.isdigit():
                self._open_pid1(int(body))
            elif tag == "Q":
                self._open_launcher_children(body)
            elif tag == "S":
                piece, _, msg = body.partition("|")
                skips.append((piece, msg))
            elif tag == "E":
                piece, _, msg = body.partition("|")
                error = (piece, msg)
            elif tag == "A":
                applied = body.split(",") if body else []
            elif tag == "R":
                self._parse_rusage(body)
        if not raise_on_error:
            return
        if error is not None or not any(line.startswith("A") for line in lines):
            with contextlib.suppress(Exception):
                super().wait()
            piece, msg = error or ("setup", self._setup_death())
            self._cleanup_after_failed_start()
            self._record_unavailable(args, piece)
            raise SandboxUnavailable(_format_unavailable(piece, msg), (piece,))
        self._close_diag()
        if "uid" not in applied:
            self.payload_uid = os.geteuid()
        modes = tuple(_applied_mode(m, applied) for m in self.limit_modes)
        modes = tuple(m for m in modes if m != "uid:unused" or "uid" in applied)
        self.isolation = tuple(p for p in ISOLATION_ORDER if p in applied) + modes
        self.degraded = tuple(dict.fromkeys(p for p, _ in skips))
        if self.degraded:
            detail = "; ".join(f"{p}: {m}" if m else p for p, m in skips)
            self.degraded_warning = (
                f"sandbox running degraded, without {', '.join(self.degraded)} ({detail})"
            )
            if not self._pooled:  # a pool warns when it hands a run to this sandbox
                warnings.warn(self.degraded_warning, SandboxDegradedWarning, stacklevel=3)

    def _close_diag(self) -> None:
        if self._diag_fd is not None:
            os.close(self._diag_fd)
            self._diag_fd = None

    def _setup_death(self) -> str:
        """Why the setup ended without a word on the info pipe: how the process we started
        ended and the last lines of what the setup wrote to its stderr, where that can be
        read (the init program's own memfd; the payload's stderr when it is our pipe)."""
        rc = self.returncode
        if rc is None:
            how = "the sandbox setup process died"
        elif rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = f"signal {-rc}"
            how = f"the sandbox setup process was killed by {name}"
            if rc == -signal.SIGKILL:
                how += " (as is every process of a sandbox whose init died)"
        else:
            how = f"the sandbox setup process died (exit status {rc})"
        tails = [_file_tail(self._diag_fd)]
        if self._capture is not None:
            # stderr=PIPE goes through the capture relay (the output cap): what the setup
            # wrote reaches the pipe read below once the relay has copied it (under load
            # the tail was read before it had: "without an error message")
            self._capture.finish(2.0)
        if self.stderr is not None:
            tails.append(_read_tail(self.stderr.fileno()))
        text = "\n".join(t for t in tails if t)
        if text:
            return f"{how}; its last error output:\n{text}\n"
        return f"{how} without an error message (its stderr, if not captured, is this process's)"

    def _check_exec(self, args: Any, executable: Any) -> None:  # executable: for the error
        """The compiled launcher's payload reports a failed ``exec`` (its errno) on the exec
        pipe, which closes on a successful one: raise what ``subprocess`` raises."""
        assert self._exec_r is not None
        data = b""
        while chunk := os.read(self._exec_r, 64):
            data += chunk
        os.close(self._exec_r)
        self._exec_r = None
        if not data.strip().isdigit():
            return
        err = int(data)
        with contextlib.suppress(Exception):
            super().wait()
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._cleanup_after_failed_start()
        raise OSError(err, os.strerror(err), executable)

    def _pidfd_of_launcher_child(self, pid: int) -> int | None:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            return None
        # The payload's pid cannot be reused while the intermediate (our child, not yet
        # reaped by us) has not reaped it; check the intermediate is still running.
        try:
            exited = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            exited = None
            os.close(fd)
            return None
        if exited is not None:
            os.close(fd)
            return None
        return fd

    def _open_pid1(self, pid: int) -> None:
        self._pid1_fd = self._pidfd_of_launcher_child(pid)

    def _open_launcher_children(self, body: str) -> None:
        """``Q<payload pid> <init pid>``: the launcher's two children.  The launcher reaps
        them, unless it is killed first (a degraded run without a pid namespace, a launcher
        that did not end a killed run in time: see :meth:`kill`, or a signal from elsewhere):
        then the kernel re-parents them to the nearest child subreaper above it,
        which is this process when it is one (PR_SET_CHILD_SUBREAPER, or pid 1 of a
        container, the usual service).  Nobody else would reap them, and the init, whose
        exit waits for every process of its pid namespace to be reaped, would never end:
        :meth:`_reap_orphans` reaps them through these pidfds (only ever these processes,
        and only once they are this process's children)."""
        for i, part in enumerate(body.split()):
            if part.isdigit() and (fd := self._pidfd_of_launcher_child(int(part))) is not None:
                self._orphan_fds.append(fd)
                if i == 0:
                    self._payload_fd = fd

    def _reap_orphans(self) -> None:
        """Reap the launcher's children that exited and became ours; forget those that
        exited and are not ours (the launcher reaped them: it is gone by now, so nothing of
        it can be re-parented to us later)."""
        for fd in list(self._orphan_fds):
            if not _exited(fd):
                continue
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PIDFD, fd, os.WEXITED | os.WNOHANG)
            os.close(fd)
            self._orphan_fds.remove(fd)
            if fd == self._payload_fd:
                self._payload_fd = None

    def _parse_rusage(self, body: str) -> None:
        with contextlib.suppress(ValueError):
            cpu, rss = body.split()
            self._rusage = (float(cpu), int(rss) * 1024)

    def _record_unavailable(self, args: Any, piece: str) -> None:
        if self._pooled:
            return  # no run was asked of it: the pool's cold fallback records the run
        metrics.record(
            metrics.RunRecord(
                args=args,
                outcome="unavailable",
                returncode=None,
                isolation=(),
                violations=("unavailable",),
                launcher=self.launcher,
            )
        )

    def _end_relay(self) -> None:
        """The run is over (the payload and its namespace are gone): the relays take what
        the payload read from the caller's descriptors and write out what it wrote, the
        caller's descriptions get their status flags back."""
        r, self._relay = self._relay, None
        if r is not None:
            if self._killed:
                grace: float | None = 1.0  # killed: its output may go, the caller may not wait
            elif "pid" in self.isolation:
                grace = None  # every writer is gone: end-of-file comes once it is all out
            else:
                grace = 2.0  # no pid namespace: something left behind may hold the pipe
            r.finish(grace)
        g, self._flag_guard = self._flag_guard, None
        if g is not None:
            g.restore()

    def _cleanup_after_failed_start(self) -> None:
        self._killed = True
        self._end_relay()
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        self._reap_orphans()
        for fd in (
            self._pid1_fd,
            self._own_pidfd,
            self._info_r,
            self._exec_r,
            self._diag_fd,
            *self._orphan_fds,
        ):
            if fd is not None:
                os.close(fd)
        self._pid1_fd = self._own_pidfd = self._info_r = self._exec_r = self._diag_fd = None
        self._orphan_fds = []
        self._payload_fd = None
        self._finished = True

    # -- lifecycle ------------------------------------------------------------------
    def poll(self) -> int | None:
        self._check_cpu()
        rc = super().poll()
        if rc is not None:
            self._finish()
        return rc

    def _await_killed_launcher(self, timeout: float | None) -> float | None:
        """After :meth:`kill`: wait for the launcher to end the run (it exits once its
        children are reaped), at most until the grace :meth:`kill` gave it, then kill it
        the old way (the cgroup, the init, the launcher).  Returns what is left of
        ``timeout``; raises ``TimeoutExpired`` when it runs out first."""
        deadline = self._kill_deadline
        if deadline is None or self.returncode is not None or self._own_pidfd is None:
            return timeout
        end = None if timeout is None else time.monotonic() + timeout
        until = deadline if end is None else min(deadline, end)
        exited = select.poll()
        exited.register(self._own_pidfd, select.POLLIN)
        if not exited.poll(max(0.0, until - time.monotonic()) * 1000):
            if time.monotonic() < deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            self._kill_deadline = None
            self._kill_all()  # stuck: the launcher goes too, its children left to be reaped
        return None if end is None else max(0.0, end - time.monotonic())

    def wait(self, timeout: float | None = None) -> int:
        timeout = self._await_killed_launcher(timeout)
        if (
            self._cgroup is None
            or self.limits.cpu_time is None
            or self.returncode is not None
            or self._own_pidfd is None
        ):
            rc = super().wait(timeout)
        else:
            # Enforce the CPU budget of the whole sandbox while waiting (see _check_cpu).
            deadline = None if timeout is None else time.monotonic() + timeout
            exited = select.poll()
            exited.register(self._own_pidfd, select.POLLIN)
            while True:
                step = _CPU_POLL
                if deadline is not None:
                    step = max(0.0, min(step, deadline - time.monotonic()))
                if exited.poll(step * 1000):  # the intermediate exited: reap it now
                    rc = super().wait()
                    break
                self._check_cpu()
                if deadline is not None and time.monotonic() >= deadline:
                    raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        self._finish()
        return rc

    def _check_cpu(self) -> None:
        """With a cgroup, ``limits.cpu_time`` bounds the CPU time of the whole sandbox (all
        its processes together), not only of each process as RLIMIT_CPU does: kill the
        sandbox once the cgroup's CPU usage goes over it."""
        budget = self.limits.cpu_time
        if self._cgroup is None or budget is None or self.returncode is not None:
            return
        with self._lock:
            cg = self._cgroup
            used = cg.cpu_seconds() if cg is not None else None
            if used is not None and used > budget and not self.cpu_limited:
                self.cpu_limited = True
                self.kill()

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to the payload, as :meth:`subprocess.Popen.send_signal` sends it to
        the child (to that process, not its group; ``terminate()`` is SIGTERM): a payload
        that handles it runs its handler, and ``returncode`` is what the payload then ends
        with (0 after ``trap 'exit 0' TERM``, -15 when SIGTERM ends it).  The launcher
        (``self.pid``) forwards every signal it can catch to the payload, so the same holds
        for a signal sent to ``self.pid`` by other means; SIGSTOP, which it cannot catch, goes
        to the payload through its pidfd; SIGKILL is :meth:`kill`, the whole sandbox.  When
        the payload exits, whatever it left in the sandbox is killed with it."""
        if sig == signal.SIGKILL:
            self.poll()
            if self.returncode is None:
                self.kill()
            return
        if sig == signal.SIGSTOP:
            with self._lock:
                self.poll()
                if self.returncode is not None:
                    return
                if self._payload_fd is not None:
                    with contextlib.suppress(OSError):  # exited: the launcher is reaping it
                        signal.pidfd_send_signal(self._payload_fd, sig)
                    return
        super().send_signal(sig)

    def kill(self) -> None:
        """SIGKILL the whole sandbox.  With a pid namespace (every run but a degraded one
        without it): its init, through its pidfd.  The kernel then kills every process of
        the namespace at once (nothing forks away from it), the payload included, and the
        launcher, which waits for them, reaps the payload and the init and exits with the
        payload's status.  The launcher itself is not killed: it would leave its children to
        the host's init (or the nearest child subreaper) to reap, late, and this process
        would wait for them (see _wait_pid1_gone).  One that has not exited
        ``_LAUNCHER_GRACE`` seconds later is killed by :meth:`wait`.  Without a pid
        namespace: everything in the per-run cgroup, the payload and the launcher."""
        with self._lock:
            self._killed = True
            if "pid" in self.isolation and self._pid1_fd is not None and self.returncode is None:
                # the payload too, directly: it dies of this SIGKILL, not of something else
                # meanwhile (a SIGPIPE once its output is closed), as a killed process does
                for fd in (*self._orphan_fds, self._pid1_fd):
                    with contextlib.suppress(OSError):  # exited: the launcher is ending it
                        signal.pidfd_send_signal(fd, signal.SIGKILL)
                if self._kill_deadline is None:
                    self._kill_deadline = time.monotonic() + _LAUNCHER_GRACE
                return
            self._kill_all()

    def _kill_all(self) -> None:
        """SIGKILL the payload (pid-namespace init, via its pidfd), the launcher, and
        everything in the per-run cgroup."""
        with self._lock:
            # the cgroup first: every process of the run at once (nothing forks away between
            # two signals); after the payload's death the run may already be finished (poll)
            # and its cgroup handed back, with what it still held not killed through it
            if self._cgroup is not None:
                self._cgroup.kill()
            if self._pid1_fd is not None:
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(self._pid1_fd, signal.SIGKILL)
            # the launcher itself, with subprocess's own SIGKILL (this class's send_signal
            # turns SIGKILL into kill(), which leaves the launcher be); it may finish the run
            # (poll), which hands the cgroup back
            subprocess.Popen.send_signal(self, signal.SIGKILL)

    def _wait_pid1_gone(self, timeout: float) -> bool:
        """Wait until the pid-namespace init and the launcher's children have exited (True),
        reaping those that became ours on the way (see _open_launcher_children).  Called
        once the launcher was reaped."""
        deadline = time.monotonic() + timeout
        while True:
            self._reap_orphans()
            waiting = [fd for fd in (self._pid1_fd, *self._orphan_fds) if fd is not None]
            waiting = [fd for fd in waiting if not _exited(fd)]
            if not waiting:
                self._reap_orphans()  # those that exited since the first look
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            p = select.poll()
            for fd in waiting:
                p.register(fd, select.POLLIN)
            p.poll(left * 1000)

    def _finish(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._finish_locked()

    def _finish_locked(self) -> None:
        self.wall_seconds = time.monotonic() - self._start
        # The payload (pid-namespace init) must be gone: its exit tears down the namespace.
        if not self._wait_pid1_gone(2.0):
            for fd in (self._pid1_fd, *self._orphan_fds):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        signal.pidfd_send_signal(fd, signal.SIGKILL)
            self._wait_pid1_gone(5.0)
        self._end_relay()
        if self._pid1_fd is not None:
            os.close(self._pid1_fd)
            self._pid1_fd = None
        for fd in self._orphan_fds:
            os.close(fd)
        self._orphan_fds = []
        self._payload_fd = None
        if self._own_pidfd is not None:
            os.close(self._own_pidfd)
            self._own_pidfd = None
        if self._info_r is not None:
            os.set_blocking(self._info_r, False)
            data = b""
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(self._info_r, 4096):
                    data += chunk
            for line in data.decode(errors="replace").splitlines():
                if line.startswith("R"):
                    self._parse_rusage(line[1:])
            os.close(self._info_r)
            self._info_r = None
        stats = None
        if self._cgroup is not None:
            cg, self._cgroup = self._cgroup, None
            # Offered for reuse only when the payload ran as an unprivileged uid; finish()
            # then reads every setting back from the host's cgroupfs before keeping it.
            reuse = "uid:unused" in self.isolation or "uid:caller" in self.isolation
            stats = cgroups.finish(cg, reuse=reuse)
        if self._rusage is not None:
            self.cpu_seconds, self.max_rss_bytes = self._rusage
        if stats is not None:
            if stats.cpu_seconds is not None:
                self.cpu_seconds = stats.cpu_seconds
            if stats.memory_max_bytes is not None:
                self.max_rss_bytes = stats.memory_max_bytes
            self.oom_killed = stats.oom_kills > 0
        self._record(stats)

    def _record(self, stats: cgroups.CgroupStats | None) -> None:
        if not self._recording:
            return  # a warm sandbox let go without a run: no run to count or log
        rc = self.returncode
        violations: list[str] = []
        if self.timed_out:
            outcome = "timeout"
            violations.append("timeout")
        elif self.oom_killed:
            outcome = "oom"
            violations.append("memory")
        elif self.truncated:
            outcome = "truncated"
            violations.append("output")
        elif rc == -signal.SIGKILL or rc == -signal.SIGXCPU:
            outcome = "killed"
        else:
            outcome = "ok" if rc == 0 else "error"
        if stats is not None and stats.pids_limited:
            violations.append("pids")
        cpu = self.limits.cpu_time
        over = cpu is not None and self.cpu_seconds is not None and self.cpu_seconds >= cpu
        if self.cpu_limited or over:
            violations.append("cpu_time")
        if self.degraded:
            violations.append("degraded")
        metrics.record(
            metrics.RunRecord(
                args=self.args,
                outcome=outcome,
                returncode=rc,
                isolation=self.isolation,
                degraded=self.degraded,
                wall_seconds=self.wall_seconds,
                cpu_seconds=self.cpu_seconds,
                max_rss_bytes=self.max_rss_bytes,
                violations=tuple(violations),
                launcher=self.launcher,
            )
        )

    def _forget(self) -> None:
        """In a forked child: this sandbox is the parent's.  Close this copy's descriptors
        and never signal, wait for or record it (``kill()`` would kill the parent's)."""
        with contextlib.suppress(Exception):
            for stream in (self.stdin, self.stdout, self.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError, ValueError):
                        stream.close()
        for fd in (self._pid1_fd, self._own_pidfd, self._info_r, self._exec_r, *self._orphan_fds):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._pid1_fd = self._own_pidfd = self._info_r = self._exec_r = None
        self._orphan_fds = []
        self._payload_fd = None
        if self._relay is not None:
            self._relay.forget()
            self._relay = None
        if self._flag_guard is not None:
            self._flag_guard.forget()
            self._flag_guard = None
        if self._capture is not None:
            self._capture.forget()
            self._capture = None
        self._cgroup = None  # the parent's to finish
        self._recording = False
        self._finished = True
        if self.returncode is None:
            self.returncode = -signal.SIGKILL  # not ours to wait for (subprocess's __del__)

    def __del__(self, *a: Any, **kw: Any) -> None:
        if not getattr(self, "_finished", True) and getattr(self, "returncode", 0) is None:
            with contextlib.suppress(Exception):
                self.kill()
                self.wait()
        with contextlib.suppress(Exception):
            super().__del__()

    # -- communicate with output cap ---------------------------------------------------
    def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[Any, Any]:
        """Like :meth:`subprocess.Popen.communicate`; stops the sandbox once the captured
        output exceeds ``limits.output`` and sets ``truncated`` (relay.OutputCap: in the
        capture relay, or here for a stream not behind it, a pooled run's)."""
        endtime = None if timeout is None else time.monotonic() + timeout
        streams: dict[int, Any] = {}
        if self.stdout is not None:
            streams[self.stdout.fileno()] = self.stdout
        if self.stderr is not None:
            streams[self.stderr.fileno()] = self.stderr
        text = bool(getattr(self, "text_mode", False)) or bool(self.universal_newlines)
        if self.stdin is not None and not getattr(self, "_input_started", False):
            self._input_started = True
            data = input
            if isinstance(data, str):
                stdin: Any = self.stdin
                data = data.encode(stdin.encoding, stdin.errors)
            self._input_view = memoryview(data or b"")
            self._input_off = 0
            with contextlib.suppress(BrokenPipeError, ValueError):
                self.stdin.flush()
            if not self._input_view:
                with contextlib.suppress(BrokenPipeError, OSError):
                    self.stdin.close()
        cap = self._output_cap
        sel = selectors.DefaultSelector()
        try:
            for fd in streams:
                if fd not in self._bufs:
                    self._bufs[fd] = []
                if not streams[fd].closed:
                    sel.register(fd, selectors.EVENT_READ)
            stdin_fd = -1
            if self.stdin is not None and not self.stdin.closed:
                stdin_fd = self.stdin.fileno()
                sel.register(stdin_fd, selectors.EVENT_WRITE)
            while sel.get_map():
                remaining = None if endtime is None else endtime - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise self._timeout_exc(timeout)
                self._check_cpu()
                step = _CPU_POLL if remaining is None else min(remaining, _CPU_POLL)
                for key, _ in sel.select(step):
                    fd = int(key.fd)
                    if fd == stdin_fd and self.stdin is not None:
                        chunk_v = self._input_view[self._input_off : self._input_off + 65536]
                        try:
                            self._input_off += os.write(fd, chunk_v)
                        except BrokenPipeError:
                            self._input_off = len(self._input_view)
                        if self._input_off >= len(self._input_view):
                            sel.unregister(fd)
                            self.stdin.close()
                        continue
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        sel.unregister(fd)
                        streams[fd].close()
                        continue
                    # the capture relay counted its streams already (and ends them at the
                    # cap); a stream not behind it is counted here
                    over = False
                    if fd not in self._capped_fds:
                        chunk = cap.take(chunk)  # nothing passes the cap (it kills)
                        over = cap.over
                    if fd in self._sinks:
                        self._sinks[fd](chunk)
                    else:
                        self._bufs[fd].append(chunk)
                    if over:
                        for k in list(sel.get_map()):
                            sel.unregister(k)
                        break
        finally:
            sel.close()
        for f in streams.values():
            with contextlib.suppress(OSError):
                f.close()
        remaining = None if endtime is None else max(0.0, endtime - time.monotonic())
        try:
            self.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            raise self._timeout_exc(timeout) from None
        out = self._collect(self._out_fd, self.stdout, text)
        err = self._collect(self._err_fd, self.stderr, text)
        return out, err

    def _collect(self, fd: int, stream: Any, text: bool) -> Any:
        if stream is None:
            return None
        data = b"".join(self._bufs.get(fd, []))
        if text:
            decoded: str = data.decode(stream.encoding, stream.errors)
            return decoded.replace("\r\n", "\n").replace("\r", "\n")
        return data

    def _timeout_exc(self, timeout: float | None) -> subprocess.TimeoutExpired:
        out = b"".join(self._bufs.get(self._out_fd, [])) if self.stdout else None
        err = b"".join(self._bufs.get(self._err_fd, [])) if self.stderr else None
        return subprocess.TimeoutExpired(
            self.args, timeout or 0, output=out or None, stderr=err or None
        )
