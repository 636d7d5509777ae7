"""Holes of the eighth attack round (per-user kernel quotas charged to the caller's uid,
host-wide kernel tables, descriptors reopened with more access, the caller's relay thread):
each test reproduces an attack that worked before its fix, as root and unprivileged."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from sandbox_helpers import Cold, Pooled

from auditor import sandbox
from auditor.sandbox import launcher, rulesdata
from auditor.sandbox.errors import SandboxConfigError

Sbx = Cold | Pooled


def _held(payload: str, **kw: Any) -> tuple[sandbox.Popen, str]:
    """Start a payload that prints one line once it holds what it takes, then waits for its
    stdin to close; returns the process and that line."""
    p = sandbox.Popen(
        [sys.executable, "-I", "-c", payload],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        **kw,
    )
    line = p.stdout.readline()  # type: ignore[union-attr]
    return p, line


def _release(p: sandbox.Popen) -> None:
    p.stdin.close()  # type: ignore[union-attr]
    p.wait(60)


# -- 1. queued signals, message queues, locked memory: the caller's per-user rlimits -----------

SIGQUEUE = r"""
import ctypes, os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
libc = ctypes.CDLL(None, use_errno=True)
class siginfo(ctypes.Structure):
    _fields_ = [("signo", ctypes.c_int), ("errno", ctypes.c_int), ("code", ctypes.c_int),
                ("pad", ctypes.c_char * 116)]
n = 0
while n < 200000 and libc.syscall(129, os.getpid(), int(signal.SIGRTMIN),
                                  ctypes.byref(siginfo(signal.SIGRTMIN, 0, -1))) == 0:
    n += 1
import resource as r
print(n, r.getrlimit(r.RLIMIT_MSGQUEUE)[1], r.getrlimit(r.RLIMIT_MEMLOCK)[1], flush=True)
sys.stdin.read()
"""


def _host_timer_create_ok() -> bool:
    """timer_create(SIGEV_SIGNAL) takes a queued signal of this process's uid."""
    libc = ctypes.CDLL(None, use_errno=True)
    timer = ctypes.c_void_p()
    if libc.timer_create(1, None, ctypes.byref(timer)) != 0:  # CLOCK_MONOTONIC
        return False
    libc.timer_delete(timer)
    return True


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_queues_only_a_few_signals_of_the_callers_quota() -> None:
    """Queued signals are charged up the user namespace chain to the caller's host uid: a
    payload queueing ~96000 blocked realtime signals took the whole RLIMIT_SIGPENDING of the
    caller's uid, and every host process of that uid got EAGAIN from timer_create() (and
    glibc's setuid() in a threaded one left threads with the old uid). [rlimits] of
    rules/sandbox.toml now bounds it, and message queues and locked memory with it."""
    table = rulesdata.section("rlimits")
    assert _host_timer_create_ok()
    p, line = _held(SIGQUEUE)
    try:
        queued, msgqueue, memlock = map(int, line.split())
        assert 0 < queued <= table["sigpending"] < 1024, line
        assert msgqueue == table["msgqueue"] == 0, line  # no POSIX message queue
        assert memlock <= table["memlock"] <= 1 << 20, line
        # this process, and any other host process of its uid, still creates a timer
        assert _host_timer_create_ok()
        probe = (
            "import ctypes as c;t=c.c_void_p();print(c.CDLL(None).timer_create(1,None,c.byref(t)))"
        )
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert out.stdout.strip() == "0", out
    finally:
        _release(p)


def test_the_rlimits_table_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def table(value: object) -> tuple[tuple[int, int], ...]:
        monkeypatch.setattr(rulesdata, "section", lambda *keys: value)
        return launcher.fixed_rlimits.__wrapped__()  # type: ignore[attr-defined,no-any-return]

    for bad in (
        {"no_such_limit": 1},
        {"SIGPENDING": 1},
        {"nofile": 10},  # Limits(open_files=) sets that one
        {"sigpending": -1},
        {"sigpending": "64"},
        {"sigpending": True},
        [1],
    ):
        with pytest.raises(SandboxConfigError, match="rlimits"):
            table(bad)
    import resource

    assert table({"sigpending": 64}) == ((resource.RLIMIT_SIGPENDING, 64),)


# -- 2. Linux AIO: the host-wide fs.aio-max-nr ------------------------------------------------

AIO = r"""
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
n, err = 0, 0
for size in (32768, 4096, 512):
    while n < 64:
        ctx = ctypes.c_ulong(0)
        if libc.syscall(206 if os.uname().machine == "x86_64" else 0, size, ctypes.byref(ctx)):
            err = ctypes.get_errno()
            break
        n += 1
print(n, errno.errorcode.get(err, err), flush=True)
sys.stdin.read()
"""


def _host_io_setup_ok() -> bool:
    import platform

    libc = ctypes.CDLL(None, use_errno=True)
    ctx = ctypes.c_ulong(0)
    nr = {"x86_64": (206, 207), "aarch64": (0, 1)}[platform.machine()]
    if libc.syscall(nr[0], 128, ctypes.byref(ctx)) != 0:
        return False
    libc.syscall(nr[1], ctx)
    return True


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_takes_no_aio_context_of_the_hosts() -> None:
    """io_setup's events count against fs.aio-max-nr, one number for the whole host: two
    contexts of 32768 events took all of it, and every host process's io_setup failed with
    EAGAIN while the payload ran. The filter refuses Linux AIO with ENOSYS (libraries fall
    back to threads); io_uring was refused already."""
    p, line = _held(AIO)
    try:
        assert line.split() == ["0", "ENOSYS"], line
        assert _host_io_setup_ok()
    finally:
        _release(p)


# -- 5. huge pages: the host's reserved pool, charged to no memory cgroup ---------------------

HUGETLB = r"""
import ctypes, errno, json, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
out = {}
try:
    mmap.mmap(-1, 2 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40000)  # MAP_HUGETLB
    out["mmap"] = "ok"
except OSError as e:
    out["mmap"] = errno.errorcode[e.errno]
fd = libc.memfd_create(b"h", 0x4)  # MFD_HUGETLB
out["memfd_create"] = "ok" if fd >= 0 else errno.errorcode[ctypes.get_errno()]
seg = libc.shmget(0, 2 << 20, 0o1600 | 0o4000)  # IPC_PRIVATE, IPC_CREAT, SHM_HUGETLB
out["shmget"] = "ok" if seg >= 0 else errno.errorcode[ctypes.get_errno()]
if seg >= 0:
    libc.shmctl(seg, 0, None)  # IPC_RMID
print(json.dumps(out))
"""


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_takes_no_huge_page_of_the_hosts_pool(sbx: Sbx) -> None:
    """MAP_HUGETLB, MFD_HUGETLB and SHM_HUGETLB take pages from the host's reserved pool
    (vm.nr_hugepages), which the memory cgroup does not charge: a payload limited to
    16 MiB took every huge page host services had reserved. The filter refuses the three
    flags with EINVAL (without a memory cgroup memfd_create and shmget answer ENOSYS whole)."""
    r = sbx.exec_python(HUGETLB, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    whole = "ENOSYS" if "memory:rlimit-only" in r.isolation else "EINVAL"
    assert json.loads(r.stdout) == {"mmap": "EINVAL", "memfd_create": whole, "shmget": whole}


# -- 4. ptys: the host-wide kernel.pty.max ----------------------------------------------------

PTYS = r"""
import errno, os
fds = []
while len(fds) < 200:
    try:
        fds.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
    except OSError as e:
        print(len(fds), errno.errorcode[e.errno])
        break
else:
    print(len(fds), "none")
"""


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_takes_a_few_ptys_of_the_hosts(sbx: Sbx) -> None:
    """standard's private devpts had no max=: its ptys count against kernel.pty.max less
    the initial instance's reserve, for every container and sandbox of the host, and one
    payload (a few processes of 1024 descriptors) took them all: the others got ENOSPC."""
    r = sbx.run([sys.executable, "-I", "-c", PTYS], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["16", "ENOSPC"]


# -- 3. a memfd reopened through /proc/self/fd with more access ------------------------------

REOPEN = r"""
import os, sys
out = []
for n, how in zip(map(int, sys.argv[1::2]), sys.argv[2::2]):
    try:
        fd = os.open(f"/proc/self/fd/{n}", os.O_WRONLY if how == "w" else os.O_RDONLY)
        out.append(os.pwrite(fd, b"X", 0) if how == "w" else os.pread(fd, 64, 0).decode())
    except OSError as e:
        out.append(e.strerror)
print(out)
"""


def _memfd(data: bytes, *, seal: bool = False) -> int:
    fd = os.memfd_create("caller-data", os.MFD_ALLOW_SEALING if seal else 0)
    os.write(fd, data)
    if seal:
        fcntl_seals = 0x0001 | 0x0002 | 0x0004 | 0x0008  # SEAL, SHRINK, GROW, WRITE
        import fcntl

        fcntl.fcntl(fd, 1033, fcntl_seals)  # F_ADD_SEALS
    return fd


@pytest.mark.usefixtures("launcher_kind")
def test_a_memfd_is_not_handed_to_the_payload_to_reopen(sbx: Sbx) -> None:
    """A memfd's mode is 0777 on an internal mount Landlock does not cover: the payload
    reopened a read-only memfd of the caller's for writing through /proc/self/fd (and
    rewrote the caller's data), and a write-only one for reading. Such a descriptor, in
    pass_fds or as a standard stream, is refused before the run, unless it is read-only and
    sealed against writing, growing and shrinking."""
    mfd = _memfd(b"trusted=1\n")
    ro = os.open(f"/proc/self/fd/{mfd}", os.O_RDONLY)
    wo = os.open(f"/proc/self/fd/{mfd}", os.O_WRONLY)
    try:
        for kw in ({"pass_fds": (ro,)}, {"pass_fds": (wo,)}, {"stdin": ro}, {"stdout": wo}):
            argv = [sys.executable, "-I", "-c", REOPEN, str(ro), "w", str(wo), "r"]
            with pytest.raises(SandboxConfigError, match=r"descriptor \d+ is a memfd"):
                sbx.run(argv, timeout=60, **kw)
        assert os.pread(mfd, 64, 0) == b"trusted=1\n"
    finally:
        for fd in (mfd, ro, wo):
            os.close(fd)
    # a sealed one goes through read-only, and stays as it was
    sealed = _memfd(b"trusted=1\n", seal=True)
    ro = os.open(f"/proc/self/fd/{sealed}", os.O_RDONLY)
    try:
        r = sbx.run(
            [sys.executable, "-I", "-c", REOPEN, str(ro), "w", str(ro), "r"],
            pass_fds=(ro,),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        assert r.stdout.strip() == str(["Operation not permitted", "trusted=1\n"])
        assert os.pread(sealed, 64, 0) == b"trusted=1\n"
    finally:
        os.close(sealed)
        os.close(ro)


@pytest.mark.usefixtures("launcher_kind")
def test_a_deleted_or_unnamed_file_is_not_reopened_for_writing(host_dir: str) -> None:
    """The same reopen on a read-only descriptor of a deleted file, or of an O_TMPFILE
    file, outside the view: Landlock checks the path it resolves to (outside every rule)."""
    if "landlock" not in sandbox.run(["true"]).isolation:
        pytest.skip("no Landlock on this kernel")
    path = os.path.join(host_dir, "gone")
    with open(path, "w") as f:
        f.write("trusted=1\n")
    os.chmod(path, 0o666)
    gone = os.open(path, os.O_RDONLY)
    os.unlink(path)
    tmp = os.open(host_dir, os.O_TMPFILE | os.O_RDWR, 0o666)
    os.write(tmp, b"trusted=1\n")
    tmp_ro = os.open(f"/proc/self/fd/{tmp}", os.O_RDONLY)
    try:
        r = sandbox.run(
            [sys.executable, "-I", "-c", REOPEN, str(gone), "w", str(tmp_ro), "w"],
            pass_fds=(gone, tmp_ro),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        assert r.stdout.strip() == str(["Permission denied", "Permission denied"])
        assert os.pread(gone, 64, 0) == os.pread(tmp, 64, 0) == b"trusted=1\n"
    finally:
        for fd in (gone, tmp, tmp_ro):
            os.close(fd)


# -- 6. the stdin relay: a busy loop in the caller, a message dropped ------------------------

FILL_STDIN = r"""
import os, sys, time
fd = os.open("/proc/self/fd/0", os.O_WRONLY | os.O_NONBLOCK)
os.set_blocking(0, False)
while True:  # a page of its own in its (one-page) stdin pipe
    try:
        os.write(fd, b"x" * 4096)
        break
    except BlockingIOError:
        try:
            os.read(0, 65536)
        except BlockingIOError:
            pass
print("full", flush=True)
time.sleep(float(sys.argv[1]))
os.set_blocking(0, True)
data = b""
while len(data) < 4096 + 6:
    got = os.read(0, 8192)
    if not got:
        break
    data += got
print(repr(data[4090:]), flush=True)
time.sleep(float(sys.argv[2]))  # its stdin empty, the caller's open
"""


def _cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


@pytest.mark.usefixtures("launcher_kind")
def test_the_stdin_relay_waits_while_the_payload_keeps_its_pipe_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The payload filled its stdin relay pipe with data of its own, then the caller's stdin
    got data: tee failed with EAGAIN and the relay thread polled the caller's readable pipe
    and called tee again, a busy loop in the caller, outside the sandbox's cgroup and
    cpu_time, for as long as the payload ran. The relay now waits for the payload's pipe."""
    from auditor.sandbox import relay

    calls = []

    def tee(*args: Any) -> Any:
        calls.append(args)
        return real_tee(*args)

    real_tee = relay._tee
    monkeypatch.setattr(relay, "_tee", tee)
    r, w = os.pipe()
    try:
        p = sandbox.Popen(
            [sys.executable, "-I", "-c", FILL_STDIN, "2", "2"],
            stdin=r,
            stdout=subprocess.PIPE,
            text=True,
        )
        threading.Timer(30, p.kill).start()  # a relay that never delivers fails, not hangs
        assert p.stdout.readline() == "full\n"  # type: ignore[union-attr]
        c0 = _cpu()
        os.write(w, b"hello\n")  # then nothing more, w left open
        out = p.stdout.read()  # type: ignore[union-attr]
        p.wait(60)
        spent = _cpu() - c0
        assert p.returncode == 0
        assert out.strip() == repr(b"xxxxxxhello\n")  # the payload's page, then the caller's
        # A few calls: the payload's data, the caller's; a busy loop made thousands (on a
        # loaded machine its CPU time alone, 0.25-0.6 s here, says less).
        assert len(calls) < 50, f"{len(calls)} tee calls while the payload slept 4 s"
        assert spent < 1.0, f"the caller spent {spent:.2f} CPU-s while the payload slept 4 s"
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


@pytest.mark.usefixtures("launcher_kind")
def test_a_message_the_payloads_full_pipe_did_not_take_is_kept() -> None:
    """A datagram socket as stdin is relayed by reading: a message read from the caller's
    socket while the payload's pipe was full (of its own data) was dropped, and its stdin
    closed. It is kept until the payload reads."""
    import socket

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        p = sandbox.Popen(
            [sys.executable, "-I", "-c", FILL_STDIN, "1", "0"],
            stdin=b,
            stdout=subprocess.PIPE,
            text=True,
            network=True,  # a socket as stdin
        )
        threading.Timer(30, p.kill).start()  # a relay that never delivers fails, not hangs
        assert p.stdout.readline() == "full\n"  # type: ignore[union-attr]
        a.send(b"hello\n")
        out = p.stdout.read()  # type: ignore[union-attr]
        p.wait(60)
        assert out.strip() == repr(b"xxxxxxhello\n")
    finally:
        a.close()
        b.close()
