"""The launch plan: what the launchers are told to do, as ``key=value`` items.

Two launchers carry a plan out, the compiled one (``launcher.c``, see :mod:`.native`) and
its Python twin (``pylauncher.py``, a program of its own).  Both read the same items and
speak the same info-pipe protocol (``P<pid>``, ``Q<payload pid> <init pid>``,
``S<piece>|<error>``, ``E<piece>|<error>``, ``A<pieces>``, ``R<cpu seconds> <max rss KiB>``):
the header of launcher.c describes both.
This module builds the plan in the caller; nothing here runs after ``fork``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import os
import re
import resource
import sys
from collections.abc import Callable

from auditor.sandbox import rulesdata, view

#: The argv plan's version; both launchers refuse any other (a stale compiled launcher fails
#: closed instead of misreading the plan).
PROTOCOL = "5"

#: Test-only fault injection: pieces listed here fail as if the kernel refused them.
#: Module-private; nothing in the environment or configuration can set it.
_fault_injection: frozenset[str] = frozenset()

#: Benchmark-only: pieces left out of every run (not attempted, not required), to measure
#: what each costs (benchmarks/sandbox_overhead.py --pieces): "seccomp", "landlock",
#: "keyring", "protected-init", "allowlist-root" (no view: the host's mounts).  Module-private.
_skip: frozenset[str] = frozenset()

PYLAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pylauncher.py")

FIXES = {
    "user": (
        "unprivileged user namespaces are unavailable: check sysctl user.max_user_namespaces "
        "(must be > 0) and kernel.unprivileged_userns_clone=1 (Debian); on Ubuntu >= 23.10 set "
        "kernel.apparmor_restrict_unprivileged_userns=0 or grant 'userns' in an AppArmor "
        "profile; in a container the seccomp profile must allow CLONE_NEWUSER"
    ),
    "mount": "the kernel refused a mount namespace (needs a user namespace)",
    "pid": "the kernel refused a pid namespace (needs a user namespace)",
    "ipc": "the kernel refused an ipc namespace (needs a user namespace)",
    "uts": "the kernel refused a uts namespace (needs a user namespace)",
    "net": "the kernel refused a network namespace (needs a user namespace)",
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
    "memory": (
        "require=('memory',) needs a memory cgroup: run as root, or inside a delegated cgroup "
        "v2 subtree with the memory controller; without one the memory limit is per process "
        "(RLIMIT_AS) and the tmpfs size only"
    ),
    "pids": (
        "require=('pids',) needs a pids cgroup: run as root, or inside a delegated cgroup v2 "
        "subtree with the pids controller; without one RLIMIT_NPROC bounds the processes"
    ),
    "allowlist-root": (
        "building the sandbox's root from the allow-list failed (bind mounts, pivot_root; "
        "needs Linux >= 5.12 for mount_setattr)"
    ),
    "readonly-root": "making the sandbox's root read-only failed (needs Linux >= 5.12)",
    "readonly-sys": "making the sandbox's root read-only failed (needs Linux >= 5.12)",
    "tmpfs-tmp": "mounting the writable tmpfs (/tmp, /dev/shm) failed",
    "hidden-home": "the home directories could not be kept out of view",
    "rlimits": "setting resource limits failed",
    "nnp": "prctl(PR_SET_NO_NEW_PRIVS) failed",
    "nocaps": "dropping capabilities failed",
    "seccomp": (
        "installing the seccomp filter failed (needs CONFIG_SECCOMP_FILTER; on an architecture "
        "without a syscall table in rules/sandbox.toml there is no filter)"
    ),
    "landlock": "Landlock is enabled in this kernel but restricting the payload failed",
    "keyring": "creating a new session keyring failed (keyctl quota: kernel.keys.maxkeys)",
    "userns-limit": (
        "setting the per-user limits of [userns] in rules/sandbox.toml "
        "(user.max_user_namespaces=0, user.max_inotify_instances...) inside the sandbox's "
        "user namespace failed"
    ),
    "protected-init": (
        "locking down the sandbox's pid-1 init failed (not dumpable, no capabilities, "
        "seccomp, rlimits)"
    ),
    "uid": "switching the payload to an unprivileged uid failed",
    "hostname": "sethostname failed in the new uts namespace",
    "cwd": "cannot enter the working directory inside the sandbox",
    "stdio": (
        "a file or terminal of the caller's given to the payload (stdin, stdout, stderr, "
        "pass_fds) could not be reopened through a read-only mount, which keeps an "
        "unprivileged caller's payload from changing its mode, owner, times or xattrs (its "
        "path is gone or names another file now, or the terminal is exclusive): give the "
        "payload a copy, or its data through a pipe (input=, stdin=PIPE)"
    ),
    "setup": (
        "a process of the sandbox's setup (the launcher, or the init of a preexec_fn run) "
        "died before the sandbox was ready: its error output is quoted above or, when the "
        "payload's stderr is not captured, went to this process's stderr. The Python "
        "launcher needs an interpreter (sys.executable) that starts and imports its standard "
        "library (python -I -S -c 'import ctypes'); with a C compiler at install time the "
        "compiled launcher runs instead (auditor sandbox doctor says which runs). A SIGKILL "
        "without any output may come from the OOM killer or from the caller's own limits"
    ),
    "launcher": (
        "the compiled launcher does not match this version of auditor: reinstall it "
        "(pip install .), or in a source checkout rebuild it (pip install -e .)"
    ),
}


@dataclasses.dataclass
class Plan:
    """Everything the launchers need, computed in the caller."""

    namespaces: tuple[str, ...]
    required: frozenset[str]
    info_fd: int
    parent_pid: int
    uid: int
    gid: int
    cgroup_join: list[str]  # v1 ``tasks`` files (written "0") or v2 ``cgroup.procs`` (pid)
    rlimits: list[tuple[int, int, int]]
    ops: list[view.Op] = dataclasses.field(default_factory=list)
    cwd: str | None = None
    idmap: int | None = None  # root caller: the payload's host uid/gid (the init's: +1)
    bpf: bytes | None = None
    landlock: bool = False
    strict: bool = False
    last_cap: int = 40
    fault: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    #: ``/proc/sys/user`` files written in the sandbox's user namespace (userns_limits())
    userns_limits: tuple[tuple[str, int], ...] = ()
    user_preexec: Callable[[], object] | None = None
    #: stdio numbers that are pipes the sandbox made (captures, relays): the only ones a
    #: root caller's payload gets (give_stdio_pipes); never a pipe of the caller's
    own_pipes: tuple[int, ...] = ()
    #: (a relay's fresh pipe end, the pass_fds number it takes in the payload)
    fd_map: tuple[tuple[int, int], ...] = ()
    #: an unprivileged caller's descriptors the payload gets (stdio numbers, pass_fds): the
    #: launcher reopens each read-only regular file and each device the caller owns (its
    #: terminal) through a read-only clone of its mount (reopen_ro in launcher.c)
    reopen: tuple[int, ...] = ()


def rlimits_for(
    *,
    memory: int | None,
    cpu_time: float | None,
    file_size: int | None,
    open_files: int | None,
    pids: int | None,
    cgroup_memory: bool,
    cgroup_pids: bool,
    is_root: bool = False,  # kept for callers; a root caller's payload is not root anymore
) -> list[tuple[int, int, int]]:
    """The rlimits for the payload (and the init).  With a memory cgroup, RLIMIT_AS is a
    loose backstop (4x) so the cgroup, which counts real memory and reports OOM kills, acts
    first.  Without a pids cgroup RLIMIT_NPROC bounds the processes: set inside the sandbox's
    user namespace it is counted per (user namespace, uid), so it bounds the sandbox alone,
    and it binds a root caller's payload too, which runs as an unprivileged uid."""
    out: list[tuple[int, int, int]] = [(resource.RLIMIT_CORE, 0, 0)]
    if memory is not None:
        cap = memory * 4 if cgroup_memory else memory
        out.append((resource.RLIMIT_AS, cap, cap))
        out.append((resource.RLIMIT_DATA, cap, cap))
    if cpu_time is not None:
        soft = max(1, math.ceil(cpu_time))
        # The hard limit (one second later) is a SIGKILL nothing can ignore.
        out.append((resource.RLIMIT_CPU, soft, soft + 1))
    if file_size is not None:
        out.append((resource.RLIMIT_FSIZE, file_size, file_size))
    if open_files is not None:
        out.append((resource.RLIMIT_NOFILE, open_files, open_files))
    if pids is not None and not cgroup_pids:
        out.append((resource.RLIMIT_NPROC, pids, pids))
    out += [(res, value, value) for res, value in fixed_rlimits()]
    return [_within_own(res, soft, hard) for res, soft, hard in out]


@functools.cache
def fixed_rlimits() -> tuple[tuple[int, int], ...]:
    """``[rlimits]`` of rules/sandbox.toml: (resource, value) set in every run, whatever the
    limits: per-user kernel quotas (queued signals, message queues, locked memory) that are
    charged up the user namespace chain to the caller's uid on the host."""
    table = rulesdata.section("rlimits")
    if not isinstance(table, dict):
        raise rulesdata.bad("rlimits", "expected a table of rlimit names")
    out = []
    for name, value in table.items():
        res = getattr(resource, "RLIMIT_" + name.upper(), None) if name.islower() else None
        if not isinstance(res, int) or name in ("as", "cpu", "data", "fsize", "nofile", "nproc"):
            raise rulesdata.bad(f"rlimits.{name}", "not an rlimit this table may set")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise rulesdata.bad(f"rlimits.{name}", "expected an integer 0 .. 2**63-1")
        out.append((res, value))
    return tuple(out)


def _within_own(res: int, soft: int, hard: int) -> tuple[int, int, int]:
    """A limit above the caller's own hard limit is that hard limit: the sandbox (in its own
    user namespace) cannot raise it, and it already binds.  Asking for more (``pids=1000000``)
    must not make setrlimit fail and, with allow_degraded, leave every limit unset."""
    try:
        _, own = resource.getrlimit(res)
    except (OSError, ValueError):
        return res, soft, hard
    if own == resource.RLIM_INFINITY:
        return res, soft, hard
    return res, min(soft, own), min(hard, own)


_slots = itertools.count()


def payload_id() -> int:
    """A root caller's payload's host uid/gid, from ``[identity]`` of rules/sandbox.toml: two
    ids per run (the payload's, the init's), at an offset that differs between concurrent
    runs of this process and, most likely, of others."""
    ident = rulesdata.section("identity")
    first, count = int(ident["first"]), int(ident["count"])
    if first <= 0 or count < 2 or first + count > 2**31 - 1:
        raise rulesdata.bad("identity", "first/count must stay within 1 .. 2**31-2")
    slot = (os.getpid() * 7919 + next(_slots)) % (count // 2)
    return first + 2 * slot


_SYSCTL_DIR = "/proc/sys/user"


@functools.cache
def userns_limits() -> tuple[tuple[str, int], ...]:
    """``[userns]`` of rules/sandbox.toml: the per-user counters of ``/proc/sys/user`` the
    launchers set in the sandbox's own user namespace, those this kernel has. What the
    payload holds of them (inotify instances, fanotify groups, namespaces) is charged up
    the user namespace chain to the caller's uid, host-wide: unbounded, the payload would
    take the caller's (root's) whole quota. A file this kernel has must be written, or the
    run fails closed (``userns-limit``)."""
    table = rulesdata.section("userns")
    if not isinstance(table, dict) or "max_user_namespaces" not in table:
        raise rulesdata.bad("userns", "a table that sets max_user_namespaces")
    out = []
    for name, value in table.items():
        if not re.fullmatch(r"max_[a-z_]+", name):
            raise rulesdata.bad(f"userns.{name}", "not a /proc/sys/user/max_* name")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
            raise rulesdata.bad(f"userns.{name}", "expected an integer 0 .. 2**31-1")
        if os.path.exists(os.path.join(_SYSCTL_DIR, name)):
            out.append((name, value))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _hex(bpf: bytes) -> str:
    return f"bpf={bpf.hex()}"


def items(plan: Plan) -> list[str]:
    """The plan as ``key=value`` items (both launchers; see the header of launcher.c)."""
    out = [
        f"v={PROTOCOL}",
        f"info={plan.info_fd}",
        f"ppid={plan.parent_pid}",
        f"uid={plan.uid}",
        f"gid={plan.gid}",
        f"lastcap={plan.last_cap}",
        f"profile={'strict' if plan.strict else 'standard'}",
    ]
    if plan.idmap is not None:
        out.append(f"idmap={plan.idmap}")
    out += [f"ns={ns}" for ns in plan.namespaces]
    out += [f"req={p}" for p in sorted(plan.required)]
    out += [f"fault={p}" for p in sorted(plan.fault)]
    out += [f"skip={p}" for p in sorted(plan.skip)]
    out += [f"cg={p}" for p in plan.cgroup_join]
    out += [f"rl={res}:{soft}:{hard}" for res, soft, hard in plan.rlimits]
    out += [f"ucount={name}:{value}" for name, value in plan.userns_limits]
    if plan.bpf:
        out.append(_hex(plan.bpf))
    if plan.landlock:
        out.append("landlock=1")
    out += view.plan_items(plan.ops)
    if plan.cwd is not None:
        out.append(f"cwd={plan.cwd}")
    out += [f"own={fd}" for fd in plan.own_pipes]
    out += [f"fd={src}:{dst}" for src, dst in plan.fd_map]
    if plan.reopen:
        out.append("ro=" + ",".join(str(fd) for fd in plan.reopen))
    return out


def python_program() -> list[str]:
    """How to run the Python launcher: a fresh interpreter, isolated, without site."""
    return [sys.executable, "-I", "-S", PYLAUNCHER]


@functools.cache
def _pylauncher_source() -> str:
    with open(PYLAUNCHER, encoding="utf-8") as f:
        return f.read()


def python_init_program() -> list[str]:
    """The Python launcher as the init of a ``preexec_fn`` run: its source on the command
    line, not its path. The init starts while the payload builds the view in the same mount
    namespace, so the interpreter may look for the file after the root has moved, where a
    package installed under /tmp or a home folder is out of view."""
    return [sys.executable, "-I", "-S", "-c", _pylauncher_source()]
