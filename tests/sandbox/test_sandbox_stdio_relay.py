"""Holes of the seventh attack round: the caller's pipes reopened through /proc/self/fd
with the opposite access (its stdin written, its stdout read, a pipe end of pass_fds
written), a root caller's stdio pipes handed to the payload's uid, and the caller's
terminal or file left with the status flags the payload set.  Each runs with both
launchers, as root and unprivileged; the service that runs the sandbox is a child
interpreter whose stdio are pipes of this test (a stdio MCP/LSP server, a worker)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from auditor.sandbox import native

pytestmark = pytest.mark.usefixtures("launcher_kind")


def _service(code: str, *args: str, **kw: object) -> subprocess.Popen[bytes]:
    """``code`` in a child interpreter with this test's launcher (stdio: ``kw``)."""
    prologue = (
        "import os, subprocess, sys\nfrom auditor import sandbox\n"
        f"from auditor.sandbox import native\nnative._disabled = {native._disabled!r}\n"
    )
    argv = [sys.executable, "-c", prologue + textwrap.dedent(code), *args]
    return subprocess.Popen(argv, **kw)  # type: ignore[call-overload,no-any-return]


def test_the_payload_cannot_write_into_the_callers_stdin_pipe() -> None:
    """An inherited stdin pipe (the service's requests from its client), opened for writing
    through /proc/self/fd/0: the forged request landed in the service's own stdin."""
    svc = _service(
        """
        before = os.fstat(0).st_uid
        r = sandbox.run(["/bin/sh", "-c", "echo forged > /proc/self/fd/0; echo wrote=$?"],
                        capture_output=True, text=True, timeout=60)
        os.set_blocking(0, False)
        try:
            got = os.read(0, 4096)
        except BlockingIOError:
            got = b""
        print(repr((r.returncode, got, before, os.fstat(0).st_uid)))
        """,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = svc.communicate(timeout=120)  # closes our end only once it is done
    assert svc.returncode == 0, err.decode()[-2000:]
    rc, got, before, after = ast.literal_eval(out.decode().strip().splitlines()[-1])
    assert rc == 0
    assert got == b"", got  # nothing forged in the caller's stdin
    assert after == before  # not handed to the payload's uid either


def test_the_payload_cannot_read_what_the_caller_wrote_to_its_stdout_pipe() -> None:
    """An inherited stdout pipe holding the service's earlier answer (its client reads
    slowly), opened for reading through /proc/self/fd/1: the payload drained it."""
    svc = _service(
        """
        before = os.fstat(1).st_uid
        os.write(1, b"api_token=SECRET-1234\\n")
        r = sandbox.run(["/bin/sh", "-c",
                         "exec 3</proc/self/fd/1; s=$(timeout 2 head -c 21 <&3); "
                         "echo \\"stolen=[$s]\\" >&2"],
                        stderr=subprocess.PIPE, text=True, timeout=60)
        print("after the run", flush=True)
        print(repr((r.returncode, r.stderr, before, os.fstat(1).st_uid)), file=sys.stderr)
        """,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    svc.wait(timeout=120)  # the client reads only once the service is done
    out, err = svc.communicate(timeout=30)
    assert svc.returncode == 0, err.decode()[-2000:]
    rc, said, before, after = ast.literal_eval(err.decode().strip().splitlines()[-1])
    assert rc == 0, said
    assert "SECRET" not in said, said
    assert out == b"api_token=SECRET-1234\nafter the run\n", out  # all of it, in order
    assert after == before


def test_a_pipe_in_pass_fds_is_read_only_and_the_caller_keeps_what_was_not_read() -> None:
    """A pipe's read end in pass_fds, reopened for writing: the payload wrote into the
    caller's channel.  It is relayed: the payload reads it, writes nothing into it, and
    what it did not read stays the caller's."""
    svc = _service(
        """
        r_fd, w_fd = os.pipe()
        os.write(w_fd, b"config from the host\\n")
        r = sandbox.run(["/bin/sh", "-c",
                         f"timeout 5 sh -c 'echo forged > /proc/self/fd/{r_fd}'; "
                         f"dd bs=1 count=7 <&{r_fd} 2>/dev/null"],
                        pass_fds=(r_fd,), capture_output=True, text=True, timeout=60)
        os.set_blocking(r_fd, False)
        print(repr((r.returncode, r.stdout, os.read(r_fd, 4096))))
        """,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = svc.communicate(timeout=120)
    assert svc.returncode == 0, err.decode()[-2000:]
    rc, read, left = ast.literal_eval(out.decode().strip().splitlines()[-1])
    assert (rc, read) == (0, "config "), (rc, read)
    assert left == b"from the host\n", left


def test_an_inherited_stdin_pipe_is_read_as_far_as_the_payload_reads() -> None:
    """The relay takes from the caller's stdin only what the payload read: the rest, and
    end-of-file, are as with an inherited pipe."""
    svc = _service(
        """
        a = sandbox.run(["dd", "bs=1", "count=6"], capture_output=True, timeout=60)
        b = sandbox.run(["true"], capture_output=True, timeout=60)
        c = sandbox.run(["cat"], capture_output=True, timeout=60)
        print(repr((a.stdout, b.returncode, c.stdout, sys.stdin.buffer.read())))
        """,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = svc.communicate(b"first\nsecond\nthird\n" + b"x" * 200_000, timeout=120)
    assert svc.returncode == 0, err.decode()[-2000:]
    a, b, c, rest = ast.literal_eval(out.decode().strip().splitlines()[-1])
    assert (a, b) == (b"first\n", 0)
    assert c == b"second\nthird\n" + b"x" * 200_000  # to end-of-file
    assert rest == b""


def test_large_output_through_an_inherited_stdout_pipe_and_a_timeout_do_not_hang() -> None:
    """Several MiB through the relay arrive whole, before what the caller writes next; a
    payload killed by its timeout while the caller's client is not reading ends the run."""
    svc = _service(
        """
        r = sandbox.run(["/bin/sh", "-c", "head -c 5000000 /dev/zero; echo; echo err >&2"],
                        timeout=60)
        sys.stderr.write(f"rc={r.returncode}\\n")
        sys.stdout.flush()
        os.write(1, b"after\\n")
        """,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = svc.communicate(timeout=120)
    assert svc.returncode == 0, out[-2000:]
    assert out.count(b"\0") == 5_000_000
    assert out.endswith(b"after\n") and b"err\n" in out and b"rc=0" in out
    # the client reads nothing until the service is done: the payload fills the pipes and
    # blocks, its timeout kills it, the service goes on
    svc = _service(
        """
        import subprocess as sp
        t = __import__("time").monotonic()
        try:
            sandbox.run(["/bin/sh", "-c", "head -c 5000000 /dev/zero"], timeout=3)
        except sp.TimeoutExpired:
            pass
        sys.stderr.write(f"took={__import__('time').monotonic() - t:.1f}\\n")
        """,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    start = time.monotonic()
    while svc.poll() is None and time.monotonic() - start < 60:
        time.sleep(0.2)
    assert svc.poll() is not None, "the service hung on its relay"
    out, err = svc.communicate(timeout=30)
    assert svc.returncode == 0, err.decode()[-2000:]
    assert float(err.decode().split("took=")[1]) < 20, err


def test_the_payload_cannot_leave_the_callers_terminal_or_file_non_blocking(tmp_path: Path) -> None:
    """The caller's terminal as stdio and its log file in pass_fds: O_NONBLOCK (fcntl,
    FIONBIO), O_ASYNC (FIOASYNC) set and O_APPEND cleared on the shared open file
    descriptions outlived the run (the caller's next read of its terminal: EAGAIN)."""
    log = f"{tmp_path}/log"
    svc = _service(
        """
        import fcntl, pty, termios, struct
        master, slave = pty.openpty()
        log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        fds = (slave, log)
        before = [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in fds]
        code = (
            "import fcntl, os, struct, termios\\n"
            "fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK)\\n"
            "fcntl.ioctl(1, termios.FIONBIO, struct.pack('i', 1))\\n"
            "fcntl.ioctl(2, termios.FIOASYNC, struct.pack('i', 1))\\n"
            f"fl = fcntl.fcntl({log}, fcntl.F_GETFL)\\n"
            f"fcntl.fcntl({log}, fcntl.F_SETFL, fl & ~os.O_APPEND)\\n"
            f"during = [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in (0, {log})]\\n"
            "print(repr(during), flush=True)\\n"
        )
        r = sandbox.run([sys.executable, "-I", "-c", code], stdin=slave, stdout=slave,
                        stderr=slave, pass_fds=(log,), timeout=60)
        after = [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in fds]
        os.set_blocking(master, False)
        said = os.read(master, 4096).decode()
        print(repr((r.returncode, said, before, after)))
        """,
        log,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    svc.wait(timeout=120)  # the client reads only once the service is done
    out, err = svc.communicate(timeout=30)
    assert svc.returncode == 0, err.decode()[-2000:]
    rc, said, before, after = ast.literal_eval(out.decode().strip().splitlines()[-1])
    assert rc == 0, said
    during = ast.literal_eval(said.strip().splitlines()[-1])
    assert during != before  # the payload did change them, for the length of the run
    assert after == before
