"""The launch path: what runs in the forked child between ``fork`` and ``exec``.

This is the Python launcher, the fallback of the compiled one (``launcher.c``, see
:mod:`.native`), which does the same steps from the same plan and speaks the same protocol.
Here no helper binary and no extra interpreter is exec'd: ``subprocess`` forks, and in the
child (``preexec_fn``) this module, using only syscalls (see :mod:`.linux`):

1. resets signal dispositions, sets ``PR_SET_PDEATHSIG=SIGKILL`` (the sandbox dies with
   its parent) and joins the per-run cgroup (v1: ``0`` into ``tasks``, see :mod:`.cgroups`);
2. creates a user namespace mapping the caller's uid/gid (only when not root, or root
   without ``CAP_SYS_ADMIN``), then mount, pid, ipc, uts and net namespaces;
3. forks.  The *intermediate* process (the ``Popen.pid`` the caller sees) closes every
   descriptor, waits for the payload and relays its exit status (a signal death is
   re-raised on itself, so ``returncode`` matches what ``subprocess`` would report) and its
   rusage.  Killing it kills the payload (``PDEATHSIG``), and the payload is the pid
   namespace's init, whose death makes the kernel kill every process in the namespace,
   ``setsid`` grandchildren included;
4. the payload process makes its mounts private, mounts a fresh ``/proc``, applies the
   strict filesystem view (read-only ``/``, tmpfs ``/tmp``, hidden homes), brings ``lo`` up,
   sets the hostname, applies rlimits, sets ``no_new_privs``, drops every capability
   (bounding, ambient, effective, permitted, inheritable) and returns; ``subprocess`` then
   ``exec``s the payload.

Each step reports over a pipe: ``P<pid>`` (payload's host pid), ``S<piece>|<error>``
(piece skipped, degraded mode), ``E<piece>|<error>`` (required piece failed: nothing is
exec'd, the parent raises ``SandboxUnavailable``), ``A<pieces>`` (ready to exec) and
``R<cpu seconds> <max rss KiB>`` (after the payload exited).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import math
import os
import resource
import select
import signal
from collections.abc import Callable

from auditor.sandbox import linux
from auditor.sandbox.mountinfo import parse as parse_mountinfo

_RESET_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGALRM,
    signal.SIGPIPE,
    signal.SIGXFSZ,
    signal.SIGCHLD,
)

HOSTNAME = "sandbox"

#: Test-only fault injection: pieces listed here fail as if the kernel refused them.
#: Module-private; nothing in the environment or configuration can set it.
_fault_injection: frozenset[str] = frozenset()

FIXES = {
    "user": (
        "unprivileged user namespaces are unavailable: check sysctl user.max_user_namespaces "
        "(must be > 0) and kernel.unprivileged_userns_clone=1 (Debian); on Ubuntu >= 23.10 set "
        "kernel.apparmor_restrict_unprivileged_userns=0 or grant 'userns' in an AppArmor "
        "profile; in a container the seccomp profile must allow CLONE_NEWUSER"
    ),
    "mount": "the kernel refused a mount namespace (needs CAP_SYS_ADMIN or a user namespace)",
    "pid": "the kernel refused a pid namespace (needs CAP_SYS_ADMIN or a user namespace)",
    "ipc": "the kernel refused an ipc namespace (needs CAP_SYS_ADMIN or a user namespace)",
    "uts": "the kernel refused a uts namespace (needs CAP_SYS_ADMIN or a user namespace)",
    "net": "the kernel refused a network namespace (needs CAP_SYS_ADMIN or a user namespace)",
    "proc": (
        "mounting a fresh /proc failed; a container runtime masking parts of /proc causes "
        "this: run in a less restricted container"
    ),
    "lo": "bringing up the loopback interface failed",
    "cgroup": (
        "no writable cgroup for this user: run as root (cgroup v1/v2), or inside a delegated "
        "cgroup v2 subtree (e.g. systemd-run --user --scope -p Delegate=yes ...), or set "
        "cgroup = 'auto'/'off' in [tool.auditor.sandbox]"
    ),
    "readonly-root": "read-only remount failed (needs Linux >= 5.12 for mount_setattr)",
    "readonly-sys": (
        "making /sys and /proc read-only failed (needs Linux >= 5.12 for mount_setattr)"
    ),
    "tmpfs-tmp": "mounting a tmpfs on /tmp failed",
    "hidden-home": "mounting an empty tmpfs over the home directories failed",
    "rlimits": "setting resource limits failed",
    "nnp": "prctl(PR_SET_NO_NEW_PRIVS) failed",
    "nocaps": "dropping capabilities failed",
    "hostname": "sethostname failed in the new uts namespace",
    "cwd": "cannot enter the working directory inside the sandbox",
    "launcher": (
        "the compiled launcher does not match this version of auditor: reinstall it "
        "(pip install .), or in a source checkout rebuild it (pip install -e .)"
    ),
}


@dataclasses.dataclass
class Plan:
    """Everything the child needs, computed in the parent before ``fork``."""

    namespaces: tuple[str, ...]
    required: frozenset[str]
    info_fd: int
    parent_pid: int
    uid: int
    gid: int
    cgroup_join: list[str]  # v1 ``tasks`` files (written "0") or v2 ``cgroup.procs`` (pid)
    rlimits: list[tuple[int, int, int]]
    readonly_root: bool = False
    private_tmp: str | None = None  # tmpfs size option, e.g. "104857600"
    hide: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    expose_tmp: tuple[str, ...] = ()  # the interpreter's directories under /tmp (a venv there)
    cwd: str | None = None
    last_cap: int = 40
    fault: frozenset[str] = frozenset()
    user_preexec: Callable[[], object] | None = None
    applied: list[str] = dataclasses.field(default_factory=list)


def rlimits_for(
    *,
    memory: int | None,
    cpu_time: float | None,
    file_size: int | None,
    open_files: int | None,
    pids: int | None,
    cgroup_memory: bool,
    cgroup_pids: bool,
    is_root: bool,
) -> list[tuple[int, int, int]]:
    """The rlimits for the payload.  With a memory cgroup, RLIMIT_AS is a loose backstop
    (4x) so the cgroup, which counts real memory and reports OOM kills, acts first."""
    out: list[tuple[int, int, int]] = [(resource.RLIMIT_CORE, 0, 0)]
    if memory is not None:
        cap = memory * 4 if cgroup_memory else memory
        out.append((resource.RLIMIT_AS, cap, cap))
        out.append((resource.RLIMIT_DATA, cap, cap))
    if cpu_time is not None:
        soft = max(1, math.ceil(cpu_time))
        # The payload is a pid-namespace init, which ignores SIGXCPU at the soft limit;
        # the hard limit (one second later) is a SIGKILL nothing can ignore.
        out.append((resource.RLIMIT_CPU, soft, soft + 1))
    if file_size is not None:
        out.append((resource.RLIMIT_FSIZE, file_size, file_size))
    if open_files is not None:
        out.append((resource.RLIMIT_NOFILE, open_files, open_files))
    if pids is not None and not cgroup_pids and not is_root:
        # Without a pids cgroup: RLIMIT_NPROC, set inside the new user namespace, is counted
        # per (user namespace, uid) since Linux 5.14, so it bounds the sandbox alone.
        out.append((resource.RLIMIT_NPROC, pids, pids))
    return out


def _say(plan: Plan, tag: str, text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(plan.info_fd, f"{tag}{text}\n".encode(errors="replace"))


def _attempt(plan: Plan, piece: str, fn: Callable[[], object]) -> bool:
    try:
        if piece in plan.fault:
            raise OSError(errno.EPERM, "simulated failure (fault injection)")
        fn()
    except OSError as exc:
        msg = str(exc).replace("\n", " ")
        if piece in plan.required:
            _say(plan, "E", f"{piece}|{msg}")
            os._exit(126)
        _say(plan, "S", f"{piece}|{msg}")
        return False
    if piece not in plan.applied:
        plan.applied.append(piece)
    return True


def _write_file(path: str, data: str) -> None:
    with open(path, "w") as f:
        f.write(data)


def _user_ns(plan: Plan) -> None:
    linux.unshare(linux.CLONE_NEWUSER)
    _write_file("/proc/self/setgroups", "deny")
    _write_file("/proc/self/uid_map", f"{plan.uid} {plan.uid} 1")
    _write_file("/proc/self/gid_map", f"{plan.gid} {plan.gid} 1")


def _join_cgroup(plan: Plan) -> None:
    # v1 ``tasks``: "0" moves the calling thread only (no global threadgroup lock, see
    # cgroups); this child is single-threaded, so that is the whole process.
    me = str(os.getpid())
    for path in plan.cgroup_join:
        _write_file(path, "0" if path.endswith("/tasks") else me)


def _set_rlimits(plan: Plan, which: Callable[[int], bool]) -> None:
    for res, soft, hard in plan.rlimits:
        if which(res):
            resource.setrlimit(res, (soft, hard))


def child_setup(plan: Plan) -> None:
    """``preexec_fn``: runs in the forked child; returns only in the payload process."""
    for sig in _RESET_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    linux.set_pdeathsig(signal.SIGKILL)
    if os.getppid() != plan.parent_pid:  # the parent died before PDEATHSIG was armed
        os._exit(137)
    if plan.cgroup_join:
        _attempt(plan, "cgroup", lambda: _join_cgroup(plan))
    if "user" in plan.namespaces:
        _attempt(plan, "user", lambda: _user_ns(plan))
    # RLIMIT_NPROC after the user namespace, before any fork: counted per (user namespace,
    # uid), with every ancestor namespace checked against its creator's limit at creation.
    # Set before, it would also cap all of the caller's processes on the host; set inside,
    # it bounds the sandbox, which cannot raise it (CAP_SYS_RESOURCE in the initial
    # namespace).  The C twin is in main() of launcher.c.
    _set_rlimits(plan, lambda res: res == resource.RLIMIT_NPROC)
    for ns in ("mount", "pid", "ipc", "uts", "net"):
        if ns in plan.namespaces:
            flag = linux.NS_FLAGS[ns]
            _attempt(plan, ns, lambda flag=flag: linux.unshare(flag))  # type: ignore[misc]

    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(status_w)
        _intermediate(plan, pid, status_r)  # never returns
    os.close(status_r)
    _init(plan, status_w)
    _payload_setup(plan, status_w)


def _close_all_but(*keep: int) -> None:
    last = 0
    for fd in sorted(set(keep)):
        if fd > last:  # os.closerange(n, n) would close *everything* (close_range(n, ~0))
            with contextlib.suppress(OSError):
                os.closerange(last, fd)
        last = fd + 1
    with contextlib.suppress(OSError, ValueError):
        os.closerange(last, os.sysconf("SC_OPEN_MAX"))


def _die_like(status: int) -> None:
    """Exit with the same wait status as a child that ended with ``status``."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, signal.SIG_DFL)  # fails for SIGKILL/SIGSTOP: fine
        with contextlib.suppress(OSError, ValueError):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 255)


def _intermediate(plan: Plan, pid: int, status_r: int) -> None:
    """Outside the namespaces: wait for the init, relay the payload's status and rusage."""
    _say(plan, "P", str(pid))
    _close_all_but(plan.info_fd, status_r)
    try:
        _, status, ru = os.wait4(pid, 0)
    except ChildProcessError:
        os._exit(255)
    _say(plan, "R", f"{ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss}")
    data = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(status_r, 64):
            data += chunk
    if data.strip().lstrip(b"-").isdigit():
        status = int(data)
    _die_like(status)


def _init(plan: Plan, status_w: int) -> None:
    """The pid-namespace init: sets up mounts, network and hostname, drops its own
    privileges, forks the payload, reaps orphans and exits (tearing the namespace down)
    as soon as the payload exits, passing the payload's wait status on."""
    linux.set_pdeathsig(signal.SIGKILL)
    # If the intermediate died before PDEATHSIG was armed, the status pipe has no reader
    # any more (POLLERR): leave instead of running orphaned.
    lifeline = select.poll()
    lifeline.register(status_w, select.POLLOUT)
    if any(ev & (select.POLLERR | select.POLLHUP) for _, ev in lifeline.poll(0)):
        os._exit(137)
    applied = plan.applied
    if "mount" in applied:
        _attempt(
            plan, "mount", lambda: linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
        )
        if "pid" in applied:
            _attempt(plan, "proc", _mount_proc)
        if plan.readonly_root:
            _attempt(plan, "readonly-root", lambda: linux.make_tree_readonly("/"))
        else:  # the read-only root covers these
            _attempt(plan, "readonly-sys", lambda: _readonly_kernel(plan))
        if plan.hide:
            _attempt(plan, "hidden-home", lambda: _hide(plan.hide, plan.expose))
        if plan.private_tmp is not None:
            size = plan.private_tmp
            _attempt(plan, "tmpfs-tmp", lambda: _private_tmp(size, plan.expose_tmp))
    if "net" in applied:
        _attempt(plan, "lo", linux.loopback_up)
    if "uts" in applied:
        _attempt(plan, "hostname", lambda: linux.sethostname(HOSTNAME))
    _attempt(plan, "nnp", linux.set_no_new_privs)
    _attempt(plan, "nocaps", lambda: linux.drop_all_capabilities(plan.last_cap))
    payload = os.fork()
    if payload == 0:
        return
    _close_all_but(status_w)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(255)
        if pid == payload:
            break
    os.write(status_w, str(status).encode())
    os._exit(0)


#: Mounts a uid-0 payload could still write without any capability: made read-only.
KERNEL_FSTYPES = frozenset({"sysfs", "cgroup", "cgroup2", "proc"})


def _readonly_kernel(plan: Plan) -> None:
    """Kernel interfaces a uid-0 payload could still write without any capability, because
    it owns their files: every sysfs, cgroup (v1 and v2) and proc mount becomes read-only
    (cgroupfs: writing ``0`` to another cgroup's ``tasks`` file would leave the per-run
    cgroup and its limits; /proc/sys: host sysctls).  /sys goes recursively in one call when
    it is a mount point; the rest come from /proc/self/mountinfo (the fresh /proc, mounted
    read-only by :func:`_mount_proc`, is skipped).  The C twin is ``readonly_kernel`` in
    launcher.c."""
    sys_done = _readonly_if_mounted("/sys")
    with open("/proc/self/mountinfo") as f:
        text = f.read()
    for mountpoint in kernel_mounts(text):
        if sys_done and (mountpoint == "/sys" or mountpoint.startswith("/sys/")):
            continue
        if "proc" in plan.applied and mountpoint == "/proc":
            continue  # the fresh one
        _readonly_if_mounted(mountpoint)


def kernel_mounts(text: str) -> list[str]:
    """Mount points of the ``KERNEL_FSTYPES`` mounts in ``/proc/self/mountinfo`` text."""
    return [m.mountpoint for m in parse_mountinfo(text) if m.fstype in KERNEL_FSTYPES]


def _readonly_if_mounted(path: str) -> bool:
    try:
        linux.make_tree_readonly(path)
    except OSError as exc:
        # EINVAL: not a mount point (or covered by another mount); ENOENT: gone
        if exc.errno in (errno.EINVAL, errno.ENOENT):
            return False
        raise
    return True


def _mount_proc() -> None:
    flags = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC
    linux.mount("proc", "/proc", "proc", flags)


def _hide(hide: tuple[str, ...], expose: tuple[str, ...]) -> None:
    """Cover ``hide`` with empty read-only tmpfs mounts, keeping ``expose`` (the Python
    installation, when it lives under a hidden home) visible read-only inside them."""
    clones = [(path, linux.open_tree_clone(path)) for path in expose]
    for path in hide:
        linux.mount("tmpfs", path, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=64k,mode=755")
    for path, fd in clones:
        os.makedirs(path, exist_ok=True)
        linux.move_mount(fd, path)
        os.close(fd)
    for path in hide:
        linux.make_mount_readonly(path)


def _private_tmp(size: str, expose: tuple[str, ...]) -> None:
    """A fresh tmpfs on ``/tmp``, keeping ``expose`` (the Python installation, when it lives
    under /tmp, e.g. a CI virtualenv) visible read-only inside it."""
    clones = [(path, linux.open_tree_clone(path)) for path in expose]
    linux.mount(
        "tmpfs", "/tmp", "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, f"size={size},mode=1777"
    )
    for path, fd in clones:
        os.makedirs(path, exist_ok=True)
        linux.move_mount(fd, path)
        os.close(fd)
        linux.make_mount_readonly(path)


def _payload_setup(plan: Plan, status_w: int) -> None:
    """In the payload process, just before ``exec``."""
    os.close(status_w)
    linux.set_pdeathsig(signal.SIGKILL)
    applied = plan.applied
    cwd = plan.cwd
    if cwd is None and "tmpfs-tmp" in applied:
        cwd = "/tmp"
    if cwd is not None:
        target = cwd
        _attempt(plan, "cwd", lambda: os.chdir(target))
    _attempt(plan, "rlimits", lambda: _set_rlimits(plan, lambda res: res != resource.RLIMIT_NPROC))
    _say(plan, "A", ",".join(applied))
    os.close(plan.info_fd)
    if plan.user_preexec is not None:
        plan.user_preexec()
