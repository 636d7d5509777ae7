"""The Python launcher: the twin of ``launcher.c``, for machines without a C compiler.

A standalone program (standard library only, no import of the package): ``sandbox.Popen``
runs it as ``python -I -S pylauncher.py PLAN... -- PROGRAM ARGV...`` with plain
``subprocess.Popen`` (vfork + exec), so, like the compiled launcher, it is a fresh process
that holds nothing of the caller.  Same plan, same steps, same info-pipe protocol as
``launcher.c`` (read its header): the launcher clones the pid-1 init with every namespace,
writes the id maps, forks the payload into the namespaces, and relays the payload's status.

One more path runs in the caller's own process: a caller's ``preexec_fn`` must run in the
payload, so :func:`preexec_launch` is the ``preexec_fn`` of a ``subprocess`` fork of the
caller.  There the init, a copy of the caller until then, execs the init program at once
(the compiled launcher's ``--init``, or this file's), so that pid 1 never holds the caller's
memory; the payload is a copy of the caller until its own exec, which runs nothing else.

Syscalls go through :mod:`ctypes`; clone(2) with namespace flags is called raw (the process
is single-threaded there), which :func:`os.fork` cannot do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import resource
import select
import signal
import stat
import struct
import sys
from collections.abc import Callable

PROTOCOL = "5"
NEWROOT = "/tmp"

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
#: name, /proc/PID/ns file, flag; in the order the launcher creates and joins them
NAMESPACES = (
    ("user", "user", CLONE_NEWUSER),
    ("pid", "pid", CLONE_NEWPID),
    ("mount", "mnt", CLONE_NEWNS),
    ("ipc", "ipc", CLONE_NEWIPC),
    ("uts", "uts", CLONE_NEWUTS),
    ("net", "net", CLONE_NEWNET),
)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE, MS_BIND = 0x4000, 1 << 18, 4096
MNT_DETACH = 2
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_IDMAP = 0x00100000
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
MOVE_MOUNT_F_EMPTY_PATH = 0x4

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAP_SETGID, CAP_SETUID, CAP_SETPCAP = 6, 7, 8
SECCOMP_MODE_FILTER = 2
KEYCTL_JOIN_SESSION_KEYRING = 1

# The same number on every architecture (the generic syscall table) ...
SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_OPENAT2, SYS_MOUNT_SETATTR = 428, 429, 437, 442
RESOLVE_NO_SYMLINKS = 0x04
SYS_LANDLOCK = (444, 445, 446)  # create_ruleset, add_rule, restrict_self
# ... and the rest per architecture
_ARCH_SYSCALLS = {
    "x86_64": {
        "clone": 56,
        "setns": 308,
        "pivot_root": 155,
        "keyctl": 250,
        "capget": 125,
        "capset": 126,
    },
    "aarch64": {
        "clone": 220,
        "setns": 268,
        "pivot_root": 41,
        "keyctl": 219,
        "capget": 90,
        "capset": 91,
    },
}

LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_TRUNCATE, LL_IOCTL_DEV = 1 << 14, 1 << 15
LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV
LL_SCOPES = 0x3  # abstract unix sockets, signals

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.prctl.argtypes = [
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_libc.setgroups.argtypes = [ctypes.c_size_t, ctypes.c_void_p]


def _arch() -> str:
    m = os.uname().machine
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


_NR = _ARCH_SYSCALLS.get(_arch(), {})


class _Fail(Exception):
    """A step failed: ``str()`` is the message, in OSError's words."""


def _err(what: str, err: int | None = None) -> _Fail:
    e = ctypes.get_errno() if err is None else err
    return _Fail(f"[Errno {e}] {what}: {os.strerror(e)}")


def _check(rc: int, what: str) -> int:
    if rc < 0:
        raise _err(what)
    return rc


def _sys(name: str, *args: object) -> int:
    nr = _NR.get(name)
    if nr is None:
        raise _err(f"{name} (no syscall number for {_arch()})", errno.ENOSYS)
    return int(_libc.syscall(nr, *args))


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Plan:
    """The launcher's argv plan (see launcher.c), parsed."""

    def __init__(self, items: list[str]) -> None:
        self.info_fd = self.exec_fd = self.ready_fd = self.lifeline_fd = -1
        self.parent_pid = 0
        self.uid = self.gid = 0
        self.idmap = self.initid = -1
        self.ns: list[str] = []
        self.req: set[str] = set()
        self.fault: set[str] = set()
        self.skip: set[str] = set()
        self.cg: list[str] = []
        self.ucounts: list[tuple[str, str]] = []
        self.rlimits: list[tuple[int, int, int]] = []
        self.ops: list[str] = []
        self.bpf = b""
        self.landlock = False
        self.no_lc_ctype = False
        self.strict = False
        self.cwd: str | None = None
        self.last_cap = 40
        self.version = ""
        self.own: list[int] = []
        self.fd_map: list[tuple[int, int]] = []
        self.ro: list[int] = []
        self.applied: list[str] = []
        for item in items:
            key, _, value = item.partition("=")
            if key in ("bind", "link", "tmpfs", "proc", "devpts", "hide"):
                self.ops.append(item)
            elif key in (
                "info",
                "exec",
                "ppid",
                "uid",
                "gid",
                "idmap",
                "lastcap",
                "ready",
                "lifeline",
                "initid",
            ):
                attr = {
                    "info": "info_fd",
                    "exec": "exec_fd",
                    "ppid": "parent_pid",
                    "lastcap": "last_cap",
                    "ready": "ready_fd",
                    "lifeline": "lifeline_fd",
                }.get(key, key)
                setattr(self, attr, int(value))
            elif key == "ns":
                self.ns.append(value)
            elif key == "req":
                self.req.add(value)
            elif key == "fault":
                self.fault.add(value)
            elif key == "skip":
                self.skip.add(value)
            elif key == "cg":
                self.cg.append(value)
            elif key == "ucount":
                name, _, count = value.partition(":")
                tail = name[4:]
                if not (
                    name.startswith("max_")
                    and 0 < len(tail) <= 60
                    and tail.strip("abcdefghijklmnopqrstuvwxyz_") == ""
                    and 0 < len(count) <= 10
                    and count.isascii()
                    and count.isdigit()
                ):
                    raise ValueError(f"bad plan item {item!r}")
                self.ucounts.append((name, count))
            elif key == "rl":
                res, soft, hard = (int(x) for x in value.split(":"))
                self.rlimits.append((res, soft, hard))
            elif key == "bpf":
                self.bpf = bytes.fromhex(value)
            elif key == "landlock":
                self.landlock = value == "1"
            elif key == "nolcctype":
                self.no_lc_ctype = value == "1"
            elif key == "profile":
                self.strict = value == "strict"
            elif key == "cwd":
                self.cwd = value
            elif key == "v":
                self.version = value
            elif key == "own":
                self.own.append(int(value))
            elif key == "ro":
                self.ro = [int(n) for n in value.split(",") if n]
            elif key == "fd":
                src, _, dst = value.partition(":")
                self.fd_map.append((int(src), int(dst)))
            elif key != "src":  # the compiled launcher's source check
                raise ValueError(f"unknown plan item {item!r}")

    def argv_of(self, keys: tuple[str, ...]) -> list[str]:
        """These keys' items again (the init program's argv)."""
        out = [f"info={self.info_fd}", f"lastcap={self.last_cap}"]
        out += [f"req={p}" for p in sorted(self.req) if p == "protected-init"]
        out += [f"skip={p}" for p in sorted(self.skip)]
        if "rl" in keys:
            out += [f"rl={r}:{s}:{h}" for r, s, h in self.rlimits]
        if "bpf" in keys and self.bpf:
            out.append(f"bpf={self.bpf.hex()}")
        return out


# -- reporting -------------------------------------------------------------------------

_plan: Plan


def _say(tag: str, text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(_plan.info_fd, f"{tag}{text}\n".encode(errors="replace"))


def _attempt(piece: str, fn: Callable[[], object]) -> bool:
    if piece in _plan.skip:  # benchmark-only
        return False
    try:
        if piece in _plan.fault:
            raise _Fail(f"[Errno {errno.EPERM}] simulated failure (fault injection)")
        fn()
    except (_Fail, OSError) as exc:
        msg = str(exc).replace("\n", " ")
        if piece in _plan.req:
            _say("E", f"{piece}|{msg}")
            os._exit(126)
        _say("S", f"{piece}|{msg}")
        return False
    if piece not in _plan.applied:
        _plan.applied.append(piece)
    return True


def _fatal(piece: str, msg: str) -> None:
    _say("E", f"{piece}|{msg}")
    os._exit(126)


# -- small steps -----------------------------------------------------------------------


def _write_file(path: str, data: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise _err(path, exc.errno) from None
    try:
        os.write(fd, data.encode())
    except OSError as exc:
        raise _err(path, exc.errno) from None
    finally:
        os.close(fd)


def _prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def _pdeathsig() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _check_lifeline(fd: int) -> None:
    p = select.poll()
    p.register(fd, 0)
    if any(ev & (select.POLLHUP | select.POLLERR) for _, ev in p.poll(0)):
        os._exit(137)


def _close_all_but(*keep: int) -> None:
    last = 0
    for fd in sorted({k for k in keep if k >= 0}):
        if fd > last:
            os.closerange(last, fd)
        last = fd + 1
    with contextlib.suppress(OSError, ValueError):
        os.closerange(last, os.sysconf("SC_OPEN_MAX"))


def _set_rlimits() -> None:
    """Every limit that can be set is (see set_rlimits in launcher.c)."""
    failed = None
    for res, soft, hard in _plan.rlimits:
        try:
            resource.setrlimit(res, (soft, hard))
        except (OSError, ValueError) as exc:
            failed = failed or f"setrlimit({res}): {exc}"
    if failed:
        raise _Fail(failed)


def _drop_caps() -> None:
    for cap in range(_plan.last_cap + 1):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 and ctypes.get_errno() != errno.EINVAL:
            raise _err("prctl(PR_CAPBSET_DROP)")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("Ii", 0x20080522, 0)
    data = bytes(24)
    _check(_sys("capset", header, data), "capset")


def _no_new_privs() -> None:
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _seccomp() -> None:
    if not _plan.bpf:
        raise _err("seccomp: no filter for this architecture", errno.ENOSYS)
    buf = ctypes.create_string_buffer(_plan.bpf, len(_plan.bpf))
    prog = _SockFprog(len(_plan.bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    rc = _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0)
    _check(rc, "prctl(PR_SET_SECCOMP)")


def _become(ident: int) -> None:
    _check(_libc.setgroups(0, None), "setgroups")
    try:
        os.setresgid(ident, ident, ident)
        os.setresuid(ident, ident, ident)
    except OSError as exc:
        raise _err("setresuid", exc.errno) from None


def _setns(fd: int, flag: int) -> None:
    _check(_sys("setns", fd, flag), "setns")


# -- the init --------------------------------------------------------------------------


def _init_lockdown() -> None:
    _prctl(PR_SET_DUMPABLE, 0)
    _no_new_privs()
    _drop_caps()
    with contextlib.suppress(_Fail):  # the payload's "rlimits" to report, not the filter's
        _set_rlimits()
    if "seccomp" not in _plan.skip:
        _seccomp()


def _reap_forever() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        signal.sigwaitinfo([signal.SIGCHLD])


def _init_finish() -> None:
    """The init once its credentials are final: lock down, tell the payload, reap."""
    _pdeathsig()
    _check_lifeline(_plan.lifeline_fd)
    _close_all_but(_plan.info_fd, _plan.ready_fd, _plan.lifeline_fd)
    ok = _attempt("protected-init", _init_lockdown)
    try:
        os.write(_plan.ready_fd, b"k" if ok else b"s")
    except OSError:
        # the payload is gone (it failed a piece of its own setup and said which): what
        # the caller reports is its error, not a broken pipe here (as launcher.c)
        os._exit(126)
    os.close(_plan.ready_fd)
    os.close(_plan.info_fd)
    _reap_forever()
    os._exit(0)


def _init_id() -> int:
    """A root caller's init: uid 1 of the sandbox's user namespace (the host's idmap+1), or
    that host id itself without a user namespace."""
    return 1 if "user" in _plan.applied else _plan.idmap + 1


def _keep_caps_across_exec(caps: tuple[int, ...]) -> None:
    """``caps`` survive the exec of the init program (ambient): CAP_SETPCAP to empty its
    bounding set and, for a root caller's init, which starts as the caller's uid to read
    its own program, CAP_SETUID and CAP_SETGID to become its own uid.  It drops them all."""
    header = struct.pack("Ii", 0x20080522, 0)
    data = ctypes.create_string_buffer(24)
    _check(_sys("capget", header, data), "capget")
    words = list(struct.unpack("6I", data.raw))  # eff, prm, inh (low), then the high words
    for cap in caps:
        words[2] |= 1 << cap
    _check(_sys("capset", header, struct.pack("6I", *words)), "capset")
    for cap in caps:
        _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0), "PR_CAP_AMBIENT")


def _init_child(
    go_r: int, exec_init: list[str] | None, init_fd: int = -1, diag_fd: int = -1
) -> None:
    _pdeathsig()
    try:
        os.chdir("/")  # pivot_root moves a cwd of "/" into the new root
        if os.read(go_r, 1) != b"g":
            os._exit(137)
    except OSError:
        os._exit(137)
    _plan.lifeline_fd = go_r
    if exec_init is not None:
        # A fork of the caller: run the init program instead, keeping only its descriptors.
        args = [*exec_init, *_plan.argv_of(("rl", "bpf"))]
        args += [f"ready={_plan.ready_fd}", f"lifeline={go_r}"]
        try:
            if _plan.idmap >= 0:
                _keep_caps_across_exec((CAP_SETPCAP, CAP_SETGID, CAP_SETUID))
                args.append(f"initid={_init_id()}")
            else:
                _keep_caps_across_exec((CAP_SETPCAP,))
            for fd in (_plan.info_fd, _plan.ready_fd, go_r):
                os.set_inheritable(fd, True)
            if diag_fd >= 0:
                # What the init program prints before it is ready (an interpreter that
                # cannot start) goes to the caller, for its error message; once ready it
                # closes every descriptor but its pipes.
                os.dup2(diag_fd, 2)
                os.set_inheritable(diag_fd, False)
            os.execve(init_fd, args, os.environ)
        except (OSError, _Fail) as exc:
            _fatal("protected-init", f"exec {args[0]}: {exc}")
    if _plan.idmap >= 0:
        try:
            _become(_init_id())
        except _Fail as exc:
            _fatal("protected-init", str(exc))
    _init_finish()


# -- the payload: the filesystem view --------------------------------------------------


def _split_len(value: str) -> tuple[str, str]:
    n, _, rest = value.partition(":")
    raw = rest.encode()
    k = int(n)
    return raw[:k].decode(), raw[k:].decode()


def _in_root(dst: str) -> str:
    return NEWROOT + ("" if dst == "/" else dst)


def _makedirs(path: str, mode: int = 0o755) -> None:
    try:
        os.makedirs(path, mode, exist_ok=True)
    except OSError as exc:
        raise _err(f"mkdir {path}", exc.errno) from None


def _setattr(fd: int, path: str, flags: int, attr_set: int, userns: int = 0) -> int:
    attr = _MountAttr(attr_set, 0, 0, userns)
    return int(
        _libc.syscall(
            SYS_MOUNT_SETATTR,
            ctypes.c_int(fd),
            path.encode(),
            ctypes.c_uint(flags),
            ctypes.byref(attr),
            ctypes.c_size_t(ctypes.sizeof(attr)),
        )
    )


def _clone_tree(src: str, mode: str, userns_fd: int) -> int:
    """See clone_tree in launcher.c: no symlink on the way (RESOLVE_NO_SYMLINKS)."""
    how = struct.pack("QQQ", os.O_PATH | os.O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS)
    path = int(
        _libc.syscall(
            SYS_OPENAT2, ctypes.c_int(AT_FDCWD), src.encode(), how, ctypes.c_size_t(len(how))
        )
    )
    _check(path, f"openat2(RESOLVE_NO_SYMLINKS) {src}")
    try:
        fd = int(
            _libc.syscall(
                SYS_OPEN_TREE,
                ctypes.c_int(path),
                b"",
                ctypes.c_uint(OPEN_TREE_CLONE | os.O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH),
            )
        )
        _check(fd, f"open_tree {src}")
    finally:
        os.close(path)
    flags = AT_EMPTY_PATH | AT_RECURSIVE
    if mode in ("ro", "roid", "dev") and _setattr(fd, "", flags, MOUNT_ATTR_RDONLY) < 0:
        e = ctypes.get_errno()
        os.close(fd)
        raise _err(f"mount_setattr(read-only) {src}", e)
    if mode in ("rwid", "roid") and userns_fd >= 0:  # see clone_tree in launcher.c
        _setattr(fd, "", flags, MOUNT_ATTR_IDMAP, userns_fd)
    return fd


def _attach(fd: int, dst: str) -> None:
    target = _in_root(dst)
    _makedirs(os.path.dirname(target))
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        _makedirs(target)
    elif not os.path.lexists(target):
        # a file mount point not there yet (one there, a working directory's file kept
        # read-only, may not be writable through the idmapped view): not opened
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
    rc = _libc.syscall(
        SYS_MOVE_MOUNT,
        ctypes.c_int(fd),
        b"",
        ctypes.c_int(AT_FDCWD),
        target.encode(),
        ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH),
    )
    _check(int(rc), f"move_mount {dst}")


def _mount(src: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    rc = _libc.mount(
        src.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    _check(rc, f"mount {target}")


class _View:
    """Builds the new root under NEWROOT from the plan's operations, in order.

    ``before_hiding`` runs once the mount sources are cloned, just before the tmpfs that
    becomes the new root is mounted over NEWROOT (which hides what lies under it)."""

    def __init__(self, userns_fd: int, before_hiding: Callable[[], None]) -> None:
        self.userns_fd = userns_fd
        self.before_hiding = before_hiding

    def build(self) -> None:
        fds: dict[int, int] = {}
        for i, op in enumerate(_plan.ops):
            if op.startswith("bind="):
                mode, _, rest = op[5:].partition(":")
                src, _ = _split_len(rest)
                fds[i] = _clone_tree(src, mode, self.userns_fd)
        _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
        self.before_hiding()
        _mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=755")
        for i, op in enumerate(_plan.ops):
            key, _, value = op.partition("=")
            if key == "bind":
                _, dst = _split_len(value.partition(":")[2])
                _attach(fds[i], dst)
                os.close(fds.pop(i))
            elif key == "link":
                path, target = _split_len(value)
                where = _in_root(path)
                _makedirs(os.path.dirname(where))
                try:
                    os.symlink(target, where)
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise _err(f"symlink {path}", exc.errno) from None
            elif key == "proc":
                _attempt("proc", functools.partial(self._proc, value))
            elif key == "tmpfs":
                _attempt("tmpfs-tmp", functools.partial(self._tmpfs, value))
            elif key == "hide":
                self._hide(value)
            elif key == "devpts":
                _makedirs(_in_root(value))
                _mount(
                    "devpts",
                    _in_root(value),
                    "devpts",
                    MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=620,max=16",
                )

    @staticmethod
    def _proc(path: str) -> None:
        _makedirs(_in_root(path))
        _mount("proc", _in_root(path), "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, None)

    @staticmethod
    def _hide(path: str) -> None:
        """See op_hide in launcher.c."""
        where = _in_root(path)
        if stat.S_ISDIR(os.lstat(where).st_mode):
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
            _mount("tmpfs", where, "tmpfs", flags, "size=4k,nr_inodes=1,mode=555")
            return
        _mount("/dev/null", where, None, MS_BIND, None)
        _check(_setattr(AT_FDCWD, where, 0, MOUNT_ATTR_RDONLY), f"hide {path}")

    @staticmethod
    def _tmpfs(value: str) -> None:
        size, inodes, mode, path = value.split(":", 3)
        _makedirs(_in_root(path))
        opts = f"size={size},nr_inodes={inodes},mode={mode}"
        _mount("tmpfs", _in_root(path), "tmpfs", MS_NOSUID | MS_NODEV, opts)


def _pivot() -> None:
    os.chdir(NEWROOT)
    _check(_sys("pivot_root", b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount the host's root")
    os.chdir("/")


def _readonly_root() -> None:
    _check(_setattr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY), "mount_setattr(read-only) /")


def _loopback_up() -> None:
    import socket  # only here: 2 ms of every start otherwise

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _hostname() -> None:
    _check(_libc.sethostname(b"sandbox", 7), "sethostname")


def _keyring() -> None:
    if _sys("keyctl", KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        e = ctypes.get_errno()
        if e not in (errno.ENOSYS, errno.EOPNOTSUPP):
            raise _err("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", e)


def _landlock() -> None:
    create, add, restrict = SYS_LANDLOCK
    abi = _landlock_abi()
    if abi <= 0:
        raise _err("landlock_create_ruleset", ctypes.get_errno() or errno.EOPNOTSUPP)
    fs = (1 << 13) - 1
    if abi >= 2:
        fs |= 1 << 13
    if abi >= 3:
        fs |= LL_TRUNCATE
    if abi >= 5:
        fs |= LL_IOCTL_DEV
    attr = struct.pack("QQQ", fs, 0, LL_SCOPES if abi >= 6 else 0)
    rs = _check(
        int(_libc.syscall(create, attr, ctypes.c_size_t(len(attr)), ctypes.c_uint(0))),
        "landlock_create_ruleset",
    )
    try:
        rules = [("/", LL_READ_FILE | LL_READ_DIR | LL_EXECUTE)]
        for op in _plan.ops:
            key, _, value = op.partition("=")
            if key == "bind" and value.startswith("rw"):
                rules.append((_split_len(value.partition(":")[2])[1], fs))
            elif key == "bind" and value.startswith("dev"):
                dst = _split_len(value.partition(":")[2])[1]
                rules.append(
                    (dst, LL_READ_FILE | LL_WRITE_FILE | LL_TRUNCATE | (fs & LL_IOCTL_DEV))
                )
            elif key == "tmpfs":
                rules.append((value.split(":", 3)[3], fs))
            elif key == "devpts":
                rules.append(
                    (value, LL_READ_FILE | LL_WRITE_FILE | LL_READ_DIR | (fs & LL_IOCTL_DEV))
                )
        # The payload's own stdio stays reopenable (see apply_landlock in launcher.c).
        for fd in (0, 1, 2):
            try:
                mode = os.fstat(fd).st_mode
                acc = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
            except OSError:
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
                continue
            access = 0 if acc == os.O_WRONLY else LL_READ_FILE
            if acc != os.O_RDONLY:
                access |= LL_WRITE_FILE | (fs & LL_TRUNCATE)
            if stat.S_ISCHR(mode):
                access |= fs & LL_IOCTL_DEV
            rules.append((f"/proc/self/fd/{fd}", access))
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise _err(f"landlock: open {path}", exc.errno) from None
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    access &= LL_FILE_RIGHTS
                rule = struct.pack("=Qi", access, fd)
                _check(
                    int(
                        _libc.syscall(
                            add, ctypes.c_int(rs), ctypes.c_int(1), rule, ctypes.c_uint(0)
                        )
                    ),
                    f"landlock_add_rule {path}",
                )
            finally:
                os.close(fd)
        _check(
            int(_libc.syscall(restrict, ctypes.c_int(rs), ctypes.c_uint(0))),
            "landlock_restrict_self",
        )
    finally:
        os.close(rs)


def _landlock_abi() -> int:
    return int(_libc.syscall(SYS_LANDLOCK[0], None, ctypes.c_size_t(0), ctypes.c_uint(1)))


def _init_ready(ready_r: int) -> None:
    said = os.read(ready_r, 1)
    if not said:
        os._exit(126)  # the init failed and said why
    if said == b"k":
        _plan.applied.append("protected-init")
    os.close(ready_r)


def _userns_limits() -> None:
    # The sandbox's own /proc/sys/user (per user namespace), through the host's /proc while
    # it is still in view: every counter of [userns] in rules/sandbox.toml this kernel has
    # (the caller sends only those). What the payload holds is charged up to the caller's
    # uid on the host too.
    for name, count in _plan.ucounts:
        _write_file(f"/proc/sys/user/{name}", count)


def _reopen_one(fd: int) -> None:
    """See reopen_one in launcher.c: the caller's read-only file or own device at ``fd``,
    reopened through a read-only clone of its mount (same access, flags and offset)."""
    try:
        fl = fcntl.fcntl(fd, fcntl.F_GETFL)
        inheritable = os.get_inheritable(fd)
        st = os.fstat(fd)
    except OSError:
        return  # not open: nothing to give
    reg = stat.S_ISREG(st.st_mode)
    if reg:
        if fl & os.O_ACCMODE != os.O_RDONLY:
            return
    elif not ((stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) and st.st_uid == _plan.uid):
        return
    if st.st_nlink == 0:
        return
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError as exc:
        raise _err(f"descriptor {fd}: readlink", exc.errno) from None
    if not path.startswith("/"):
        raise _err(f"descriptor {fd}: no path to reopen it read-only", errno.ENOENT)
    what = f"reopening {path} read-only"
    how = struct.pack("QQQ", os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS)
    pf = int(
        _libc.syscall(
            SYS_OPENAT2, ctypes.c_int(AT_FDCWD), os.fsencode(path), how, ctypes.c_size_t(len(how))
        )
    )
    _check(pf, f"{what}: open")
    try:
        tree = int(
            _libc.syscall(
                SYS_OPEN_TREE,
                ctypes.c_int(pf),
                b"",
                ctypes.c_uint(OPEN_TREE_CLONE | os.O_CLOEXEC | AT_EMPTY_PATH),
            )
        )
        _check(tree, f"{what}: open_tree")
    finally:
        os.close(pf)
    try:
        _check(_setattr(tree, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY), f"{what}: mount_setattr")
        there = os.fstat(tree)
        if (there.st_dev, there.st_ino) != (st.st_dev, st.st_ino):
            raise _err(f"{what}: another file is at its path now", errno.ESTALE)
        keep = (
            os.O_ACCMODE
            | os.O_APPEND
            | os.O_NONBLOCK
            | os.O_DSYNC
            | os.O_SYNC
            | os.O_DIRECT
            | os.O_NOATIME
        )
        # an O_PATH descriptor stays one: it gives no read access
        flags = (
            os.O_PATH | os.O_CLOEXEC if fl & os.O_PATH else (fl & keep) | os.O_NOCTTY | os.O_CLOEXEC
        )
        try:
            new = os.open(f"/proc/self/fd/{tree}", flags)
        except OSError as exc:
            raise _err(f"{what}: open", exc.errno) from None
    finally:
        os.close(tree)
    try:
        if reg and not fl & os.O_PATH:
            off = os.lseek(fd, 0, os.SEEK_CUR)
            if off > 0:
                os.lseek(new, off, os.SEEK_SET)
        os.dup2(new, fd, inheritable=inheritable)
    except OSError as exc:
        raise _err(what, exc.errno) from None
    finally:
        os.close(new)


def _reopen_ro() -> None:
    for fd in _plan.ro:
        _reopen_one(fd)


def _payload_setup(go_r: int, ready_r: int, ns_fds: dict[str, int], early_ready: bool) -> None:
    """In the payload, up to the point of exec."""
    _pdeathsig()
    # A process group of its own (see payload in launcher.c): a signal sent to the
    # launcher's group reaches the payload once, forwarded by the launcher.
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    _check_lifeline(go_r)
    for name, _file, flag in NAMESPACES[2:]:  # mount ipc uts net
        if name in _plan.applied and name in ns_fds:
            _attempt(name, functools.partial(_setns, ns_fds[name], flag))
    # Before the view: the caller's files are reached by their host paths (see payload in
    # launcher.c); without a mount namespace the payload has the host's filesystem anyway.
    if _plan.ro and "mount" in _plan.applied:
        try:
            _reopen_ro()
        except (_Fail, OSError) as exc:
            _fatal("stdio", str(exc).replace("\n", " "))
    waited = False

    def init_started() -> None:
        # The init execs its program in this mount namespace: until that program has
        # started (its interpreter found its prefix and imported what it needs) nothing of
        # the host may be hidden, neither by the tmpfs over NEWROOT (an interpreter or venv
        # under /tmp) nor by the move of the root.
        nonlocal waited
        if early_ready and not waited:
            waited = True
            _init_ready(ready_r)

    view = (
        "mount" in _plan.applied
        and bool(_plan.ops)
        and _attempt("allowlist-root", _View(ns_fds.get("user", -1), init_started).build)
    )
    if view:
        _attempt("hidden-home", lambda: None)  # none in view: see view.python_ops
    if _plan.idmap >= 0 and "user" in _plan.applied:
        try:
            _setns(ns_fds["user"], CLONE_NEWUSER)
        except _Fail as exc:
            _fatal("user", str(exc))
    if "user" in _plan.applied:
        _attempt("userns-limit", _userns_limits)
    init_started()  # when the view did not wait already
    piece = "readonly-root" if _plan.strict else "readonly-sys"
    if view and _attempt("allowlist-root", _pivot):
        _attempt(piece, _readonly_root)
    if "net" in _plan.applied:
        _attempt("lo", _loopback_up)
    if "uts" in _plan.applied:
        _attempt("hostname", _hostname)
    if _plan.idmap >= 0:
        _attempt("uid", lambda: _become(0 if "user" in _plan.applied else _plan.idmap))
    else:
        _attempt("uid", lambda: None)
    _pdeathsig()
    _check_lifeline(go_r)
    os.close(go_r)
    _attempt("keyring", _keyring)
    _attempt("nocaps", _drop_caps)
    _attempt("nnp", _no_new_privs)
    target = (
        _plan.cwd if _plan.cwd is not None else ("/tmp" if "tmpfs-tmp" in _plan.applied else None)
    )
    if target is not None:
        _attempt("cwd", lambda: os.chdir(target))
    if _plan.landlock:
        _attempt("landlock", _landlock)
    if not early_ready:
        _init_ready(ready_r)
    _attempt("seccomp", _seccomp)
    _attempt("rlimits", _set_rlimits)  # last: RLIMIT_AS leaves little room for Python


# -- the launcher ----------------------------------------------------------------------


def _clone(flags: int) -> int:
    return _sys(
        "clone", ctypes.c_ulong(flags | signal.SIGCHLD), None, None, None, ctypes.c_ulong(0)
    )


def _probe(flags: int) -> None:
    pid = _clone(flags)
    if pid < 0:
        raise _err("clone")
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _clone_init() -> int:
    flags = 0
    for name, _file, flag in NAMESPACES:
        if name in _plan.ns:
            flags |= flag
    for name, _file, flag in NAMESPACES:
        if flags & flag and name in _plan.fault and not _attempt(name, lambda: None):
            flags &= ~flag
    while True:
        pid = _clone(flags)
        if pid >= 0:
            for name, _file, flag in NAMESPACES:
                if flags & flag and name not in _plan.applied:
                    _plan.applied.append(name)
            return pid
        e = ctypes.get_errno()
        for i, (name, _file, flag) in enumerate(NAMESPACES):
            if not flags & flag:
                continue
            probe = flag | (flags & CLONE_NEWUSER if i else 0)
            if not _attempt(name, functools.partial(_probe, probe)):
                flags = 0 if i == 0 else flags & ~flag
                break
        else:
            _fatal("setup", str(_err("clone", e)))


def _write_maps(init: int) -> None:
    if _plan.idmap >= 0:  # root: 0 -> the payload's host id, 1 -> the init's
        for name in ("uid_map", "gid_map"):
            _write_file(f"/proc/{init}/{name}", f"0 {_plan.idmap} 2\n")
        return
    _write_file(f"/proc/{init}/setgroups", "deny")
    _write_file(f"/proc/{init}/uid_map", f"{_plan.uid} {_plan.uid} 1\n")
    _write_file(f"/proc/{init}/gid_map", f"{_plan.gid} {_plan.gid} 1\n")


def _die_like(status: int) -> None:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 255)


#: Signals the launcher forwards to the payload: every one it can catch (see
#: forwarded_signals in launcher.c), SIGCHLD included.  Blocked from the payload's fork on
#: and taken in :func:`_intermediate`.
FORWARDED_SIGNALS = frozenset(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP}


def _intermediate(payload: int, init: int, lifeline: int) -> None:
    """The launcher outlives its children (see intermediate in launcher.c): it exits only
    once the payload and the init are reaped, relaying the payload's status.  A signal sent
    to it meanwhile is forwarded to the payload, as subprocess delivers ``send_signal()`` to
    its child."""
    _close_all_but(_plan.info_fd, lifeline)
    iru: resource.struct_rusage | None = None
    # Any child is reaped (see intermediate in launcher.c): a payload's clone(CLONE_PARENT)
    # child is this process's, in the sandbox's pid namespace, and the init's exit waits
    # for it to be reaped.
    while True:
        pid, status, any_ru = os.wait4(-1, os.WNOHANG)
        if pid == payload:
            ru = any_ru
            break
        if pid == init:
            iru = any_ru
            continue
        if pid:
            continue
        # not reaped yet (only this thread reaps): its pid is still its own to signal
        info = signal.sigwaitinfo(FORWARDED_SIGNALS)  # blocked since the fork
        if info.si_signo == signal.SIGCHLD and info.si_code > 0:
            continue  # a child of ours changed state
        with contextlib.suppress(OSError):  # sent by a process (SIGCHLD too, by kill(2))
            os.kill(payload, info.si_signo)
    try:
        if iru is None:
            os.kill(init, signal.SIGKILL)
        while iru is None:
            pid, _, any_ru = os.wait4(-1, 0)
            if pid == init:
                iru = any_ru
        cpu = iru.ru_utime + iru.ru_stime
        rss = iru.ru_maxrss
    except OSError:
        cpu, rss = 0.0, 0
    _say("R", f"{ru.ru_utime + ru.ru_stime + cpu:.6f} {max(ru.ru_maxrss, rss)}")
    _die_like(status)


PIPEFS_MAGIC = 0x50495045


def _give_stdio_pipes() -> None:
    """See give_stdio_pipes in launcher.c: a root caller's payload gets the stdio pipes the
    sandbox made (own=), never one of the caller's."""
    buf = ctypes.create_string_buffer(256)  # struct statfs; f_type is its first word
    for fd in (0, 1, 2):
        if fd not in _plan.own:
            continue
        if _libc.fstatfs(fd, buf) == 0 and struct.unpack_from("l", buf.raw)[0] == PIPEFS_MAGIC:
            with contextlib.suppress(OSError):
                os.fchown(fd, _plan.idmap, _plan.idmap)


def _map_fds() -> None:
    """See map_fds in launcher.c: a relay's pipe end takes its pass_fds number."""
    for src, dst in _plan.fd_map:
        os.dup2(src, dst)  # inheritable
        if src != dst:
            os.close(src)


def _end(child: int) -> None:
    """A failed start: the child goes, reaped here (see end_init_and_exit in launcher.c)."""
    with contextlib.suppress(OSError):
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def _launch(exec_init: list[str] | None, diag_fd: int = -1) -> tuple[int, int, dict[str, int]]:
    """Everything up to the fork of the payload; returns (the payload's pid or 0 in the
    payload, the init's pid, the namespace fds)."""
    if _plan.cg:

        def join() -> None:
            for path in _plan.cg:
                _write_file(path, "0" if path.endswith("/tasks") else str(os.getpid()))

        _attempt("cgroup", join)
    if _plan.idmap >= 0:
        _give_stdio_pipes()
    go_r, go_w = os.pipe2(os.O_CLOEXEC)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
    # The init execs its program while the payload moves the root in the same mount
    # namespace: open the program now, while its path is in view, and exec the descriptor.
    init_fd = -1
    if exec_init is not None:
        try:
            init_fd = os.open(exec_init[0], os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            _fatal("protected-init", f"open {exec_init[0]}: {exc}")
    init = _clone_init()
    if init == 0:
        os.close(go_w)
        os.close(ready_r)
        _plan.ready_fd = ready_w
        _init_child(go_r, exec_init, init_fd, diag_fd)
        os._exit(0)
    if init_fd >= 0:
        os.close(init_fd)
    os.close(ready_w)
    ns_fds: dict[str, int] = {}
    for name, file, _flag in NAMESPACES:
        if name in _plan.applied:
            try:
                ns_fds[name] = os.open(f"/proc/{init}/ns/{file}", os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                _end(init)
                _fatal(name, str(_err(f"/proc/{init}/ns/{file}", exc.errno)))
    if "user" in _plan.applied and not _attempt("user", lambda: _write_maps(init)):
        _end(init)
        _fatal("user", "the id maps could not be written")
    try:
        if "user" in _plan.applied and _plan.idmap < 0:
            _setns(ns_fds["user"], CLONE_NEWUSER)
        if "pid" in _plan.applied:
            _setns(ns_fds["pid"], CLONE_NEWPID)
    except _Fail as exc:
        _end(init)
        _fatal("pid", str(exc))
    pid = os.fork()
    if pid == 0:
        _payload_setup(go_r, ready_r, ns_fds, early_ready=exec_init is not None)
        return 0, init, ns_fds
    # From here the launcher ends only through _intermediate.  Blocked before "go": the
    # payload says A, and the caller may signal us, only after it.
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED_SIGNALS)
    # The children's pids, then "go" (see launcher.c: the caller has Q when it reads A).
    _say("Q", f"{pid} {init}")
    try:
        os.write(go_w, b"g")
    except OSError:
        _end(pid)
        _end(init)
        os._exit(126)
    _intermediate(pid, init, go_w)
    return pid, init, ns_fds  # not reached


def _say_ready(init: int) -> None:
    """The pid to kill and "ready" in one write (see say_ready in launcher.c)."""
    pid = init if "pid" in _plan.applied else os.getpid()
    with contextlib.suppress(OSError):
        os.write(_plan.info_fd, f"P{pid}\nA{','.join(_plan.applied)}\n".encode())


def _reset_signals() -> None:
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _exec_payload(file: str, argv: list[str]) -> None:
    err, saved = errno.ENOENT, 0
    if "/" in file:
        try:
            os.execv(file, argv)
        except OSError as exc:
            err = exc.errno or errno.ENOENT
    else:
        for d in os.environ.get("PATH", "/bin:/usr/bin").split(":"):
            try:
                os.execv(os.path.join(d or ".", file), argv)
            except OSError as exc:
                err = exc.errno or errno.ENOENT
                if err not in (errno.ENOENT, errno.ENOTDIR) and not saved:
                    saved = err
        if saved:
            err = saved
    with contextlib.suppress(OSError):
        os.write(_plan.exec_fd, str(err).encode())
    os._exit(255)


def main(argv: list[str]) -> int:
    global _plan
    if len(argv) > 1 and argv[1] == "--init":
        _plan = Plan(argv[2:])
        if _plan.initid >= 0:
            try:
                _become(_plan.initid)
            except _Fail as exc:
                _fatal("protected-init", str(exc))
        _init_finish()
        return 126
    try:
        sep = argv.index("--")
        _plan = Plan(argv[1:sep])
    except ValueError as exc:
        print(f"auditor sandbox launcher: bad arguments: {exc}", file=sys.stderr)
        return 126
    if _plan.version != PROTOCOL:
        _say("E", f"launcher|this launcher speaks protocol {PROTOCOL}, the caller {_plan.version}")
        return 126
    file, payload_argv = argv[sep + 1], argv[sep + 2 :]
    _map_fds()
    if _plan.no_lc_ctype:
        os.environ.pop("LC_CTYPE", None)  # set by this interpreter's start (PEP 538)
    _reset_signals()
    os.set_inheritable(_plan.exec_fd, False)
    _pdeathsig()
    if os.getppid() != _plan.parent_pid:
        os._exit(137)
    _, init, _ = _launch(None)
    _say_ready(init)
    os.close(_plan.info_fd)
    _exec_payload(file, payload_argv)
    return 255


def preexec_launch(
    items: list[str],
    init_program: list[str],
    user_preexec: Callable[[], object],
    diag_fd: int = -1,
) -> None:
    """``preexec_fn`` of a ``subprocess`` fork of the caller: this process becomes the
    launcher (it never returns), its payload child returns here, ready for ``subprocess``
    to exec the program, after running ``user_preexec``.  ``diag_fd``, a memfd of the
    caller's, becomes the init program's stderr until it is ready."""
    global _plan
    _plan = Plan(items)
    _map_fds()
    _reset_signals()
    _pdeathsig()
    if os.getppid() != _plan.parent_pid:
        os._exit(137)
    _, init, _ = _launch(init_program, diag_fd)
    _say_ready(init)
    os.close(_plan.info_fd)
    if diag_fd >= 0:
        os.close(diag_fd)
    user_preexec()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:
        # A bug or an unexpected error, in the launcher or one of its children: say it on
        # the info pipe (the caller's error message), then the traceback on stderr.
        if "_plan" in globals():
            msg = f"{type(exc).__name__}: {exc}".replace("\n", " ")
            _say("E", f"setup|the Python launcher failed: {msg}")
        raise
