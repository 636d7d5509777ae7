"""Holes of the ninth attack round (the output cap of a caller that reads its pipes itself,
scheduling rlimits passed on from the caller, inotify on the host's trees): each test
reproduces an attack that worked before its fix, as root and unprivileged."""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest
from sandbox_helpers import Cold, Pooled

from auditor import sandbox
from auditor.sandbox import rulesdata

Sbx = Cold | Pooled

pytestmark = pytest.mark.usefixtures("launcher_kind")


CAP = 1 << 20
SMALL = sandbox.Limits(output="1M")


# -- 1. the output cap bounds what the caller reads from stdout=PIPE itself ---------------------


def test_popen_read_stops_at_the_output_cap() -> None:
    """``sandbox.popen(cmd).read()`` read 600 MB into the caller (the cap, 10 MB by default,
    held only for communicate/run/check_output): now it gets the cap, then end-of-file,
    and the run is killed, as when communicate() hits the cap."""
    f = sandbox.popen("head -c 8000000 /dev/zero", cwd="/usr", limits=SMALL)
    data = f.read()
    assert len(data) == CAP
    assert f.close() == -signal.SIGKILL << 8  # os.popen's status of a killed command


def test_stdout_read_of_popen_stops_at_the_output_cap() -> None:
    p = sandbox.Popen(
        ["head", "-c", "50000000", "/dev/zero"], stdout=subprocess.PIPE, cwd="/usr", limits=SMALL
    )
    assert p.stdout is not None
    data = p.stdout.read()
    assert len(data) == CAP
    assert p.wait(30) == -signal.SIGKILL
    assert p.truncated


def test_the_cap_holds_with_a_preexec_fn() -> None:
    p = sandbox.Popen(
        ["head", "-c", "5000000", "/dev/zero"],
        stdout=subprocess.PIPE,
        preexec_fn=lambda: None,
        cwd="/usr",
        limits=SMALL,
    )
    assert p.stdout is not None
    assert len(p.stdout.read()) == CAP
    assert p.wait(30) == -signal.SIGKILL
    assert p.truncated
    p.stdout.close()


def test_os_read_on_the_fileno_stops_at_the_output_cap() -> None:
    """The select/os.read loop of ansible's cmd_functions and service modules: whatever reads
    the descriptor, the cap holds (the pipe the caller reads is fed by the relay)."""
    p = sandbox.Popen(
        ["sh", "-c", "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/usr",
        limits=SMALL,
    )
    assert p.stdout is not None and p.stderr is not None
    fds = {p.stdout.fileno(): 0, p.stderr.fileno(): 0}
    open_fds = set(fds)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 30)
        assert ready, "no end-of-file"
        for fd in ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                open_fds.discard(fd)
            fds[fd] += len(chunk)
    assert sum(fds.values()) == CAP  # stdout and stderr together
    p.wait(30)
    assert p.truncated
    p.stdout.close()
    p.stderr.close()


def test_text_lines_stop_at_the_output_cap() -> None:
    p = sandbox.Popen(
        ["sh", "-c", "yes 'a line' | head -c 20000000"],
        stdout=subprocess.PIPE,
        text=True,
        cwd="/usr",
        limits=SMALL,
    )
    assert p.stdout is not None
    n = sum(len(line) for line in p.stdout)
    assert n == CAP
    p.wait(30)
    assert p.truncated
    p.stdout.close()


def test_streams_under_the_cap_behave_as_subprocess_pipes() -> None:
    """Below the cap nothing changes: lines, iteration, stderr=STDOUT, the exit status, a
    wait() before the read, and end-of-file once the payload closes its stdout (not only
    when it exits)."""
    script = "for i in 1 2 3; do echo line$i; done; echo err >&2"
    f = sandbox.popen(script, cwd="/usr")
    assert f.readline() == "line1\n"
    assert list(f) == ["line2\n", "line3\n"]
    assert f.close() is None

    p = sandbox.Popen(
        ["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/usr"
    )
    assert p.wait(30) == 0
    assert p.stdout is not None
    assert p.stdout.read() == b"line1\nline2\nline3\nerr\n"
    assert not p.truncated
    p.stdout.close()

    # exactly the cap: all of it, not truncated
    p = sandbox.Popen(
        ["head", "-c", str(CAP), "/dev/zero"], stdout=subprocess.PIPE, cwd="/usr", limits=SMALL
    )
    assert p.stdout is not None
    assert len(p.stdout.read()) == CAP
    assert p.wait(30) == 0
    assert not p.truncated
    p.stdout.close()

    p = sandbox.Popen(
        ["sh", "-c", "echo hi; exec >&-; sleep 20"], stdout=subprocess.PIPE, cwd="/usr"
    )
    assert p.stdout is not None
    t = time.monotonic()
    assert p.stdout.read() == b"hi\n"
    assert time.monotonic() - t < 10
    p.kill()
    p.wait(30)
    p.stdout.close()


def test_a_caller_that_closes_its_pipe_early_ends_the_writer_as_subprocess_does() -> None:
    p = sandbox.Popen(["yes"], stdout=subprocess.PIPE, cwd="/usr")
    assert p.stdout is not None
    assert p.stdout.read(10) == b"y\n" * 5
    p.stdout.close()
    assert p.wait(30) == -signal.SIGPIPE
    assert not p.truncated


def test_a_forked_child_of_the_caller_does_not_hold_back_end_of_file() -> None:
    """The capture relay's end of the caller's pipe is closed in a forked child (a
    multiprocessing worker): the caller still reads end-of-file when the payload ends."""
    p = sandbox.Popen(["sh", "-c", "sleep 1; echo hi"], stdout=subprocess.PIPE, cwd="/usr")
    assert p.stdout is not None
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        time.sleep(20)
        os._exit(0)
    try:
        t = time.monotonic()
        assert p.stdout.read() == b"hi\n"
        assert time.monotonic() - t < 10
        assert p.wait(30) == 0
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        p.stdout.close()


def test_check_output_and_communicate_still_stop_at_the_cap(sbx: Sbx) -> None:
    r = sbx.run(["head", "-c", "5000000", "/dev/zero"], capture_output=True, limits=SMALL)
    assert len(r.stdout) == CAP
    assert r.truncated
    out = sandbox.check_output(["printf", "ok"], cwd="/usr")
    assert out == b"ok"


# -- 2. the caller's scheduling rlimits -----------------------------------------------------------

SCHED = r"""
import json, os, resource as r
try:
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    fifo = True
except OSError:
    fifo = False
try:
    os.setpriority(os.PRIO_PROCESS, 0, -1)
    raised = True
except OSError:
    raised = False
print(json.dumps([r.getrlimit(r.RLIMIT_RTTIME), r.getrlimit(r.RLIMIT_RTPRIO),
                  r.getrlimit(r.RLIMIT_NICE), fifo, raised]))
"""

CALLER = """
import sys
from auditor import sandbox
from auditor.sandbox import native
native._disabled = sys.argv[2] == "python"
r = sandbox.exec_python(sys.argv[1], capture_output=True, text=True, cwd="/usr")
sys.stdout.write(r.stdout + r.stderr)
"""


def test_the_caller_s_rttime_rtprio_and_nice_do_not_pass_to_the_payload(
    launcher_kind: str,
) -> None:
    """RLIMIT_RTPRIO, RLIMIT_NICE and RLIMIT_RTTIME passed from the caller to the payload: a
    caller allowed real-time priority gave its payload SCHED_FIFO. (This machine cannot raise
    RTPRIO; a lowered RTTIME shows the pass-through.) [rlimits] sets all three to 0."""
    table = rulesdata.section("rlimits")
    assert table["rtprio"] == table["nice"] == table["rttime"] == 0
    out = subprocess.run(
        ["prlimit", "--rttime=12345", sys.executable, "-c", CALLER, SCHED, launcher_kind],
        capture_output=True,
        text=True,
        cwd="/usr",
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    rttime, rtprio, nice, fifo, raised = json.loads(out.stdout)
    assert rttime == [0, 0]
    assert rtprio == [0, 0]
    assert nice == [0, 0]
    assert not fifo and not raised


# -- 3. inotify and fanotify ---------------------------------------------------------------------

WATCH = r"""
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
out = []
for call in (lambda: libc.inotify_init(), lambda: libc.inotify_init1(os.O_CLOEXEC),
             lambda: libc.fanotify_init(0x200, os.O_RDONLY)):
    fd = call()
    out.append([fd, ctypes.get_errno() if fd < 0 else 0])
print(json.dumps(out))
"""


def test_the_payload_cannot_watch_the_host_s_trees_with_inotify(sbx: Sbx) -> None:
    """inotify reported by name, live, the files the host created in /etc, /usr or the
    working directory while the payload ran (dnotify, F_NOTIFY, was refused already for
    that): inotify_init, inotify_init1 and fanotify_init fail with ENOSYS now."""
    r = sbx.exec_python(WATCH, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(r.stdout)
    assert results == [[-1, 38], [-1, 38], [-1, 38]]  # ENOSYS
    # the caller's own inotify is untouched
    fd = ctypes.CDLL(None, use_errno=True).inotify_init()
    assert fd >= 0
    os.close(fd)


def test_tail_f_falls_back_to_polling() -> None:
    r = sandbox.run(
        [
            "sh",
            "-c",
            "echo a > /tmp/f; (sleep 1.5; echo b >> /tmp/f) & timeout 4 tail -f /tmp/f; true",
        ],
        capture_output=True,
        text=True,
        cwd="/usr",
        timeout=60,
    )
    assert r.stdout == "a\nb\n"
    assert "reverting to polling" in r.stderr
