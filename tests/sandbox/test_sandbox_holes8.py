"""Holes of the eighth attack round: an unprivileged caller's payload runs as the caller, so
it owns the caller's files and terminal.  A file given read-only (as stdin or in
``pass_fds``) and the caller's terminal were ``fchmod``-ed (set-user-ID bits included),
``fchown``-ed, touched and given extended attributes, directly or by path through
``/proc/self/fd/N``.  The launchers now reopen them through a read-only clone of their
mount: each change fails with ``EROFS`` and the files keep their metadata.  Each test runs
with both launchers, as root (whose payload, another uid, never could) and as uid 65534
(``.ci/sandbox-unprivileged``)."""

from __future__ import annotations

import ast
import errno
import os
import pty
import subprocess
import sys

import pytest

from auditor import sandbox

pytestmark = pytest.mark.usefixtures("launcher_kind")

ROOT = os.geteuid() == 0
#: What each attempt gets: a root caller's payload is another uid (not the owner: EPERM, or
#: EACCES to touch a file it may not write); an unprivileged caller's, the owner, EROFS.
REFUSED = {errno.EPERM, errno.EACCES} if ROOT else {errno.EROFS}

#: Every metadata change the payload tries on descriptor N, directly and by path.
ATTACK = """
import os, sys
uid, gid = os.getuid(), os.getgid()
out = {}
for n in map(int, sys.argv[1:]):
    p = f"/proc/self/fd/{n}"
    for name, fn in (
        ("fchmod", lambda: os.chmod(n, 0o6777)),
        ("chmod", lambda: os.chmod(p, 0o6777)),
        ("futimens", lambda: os.utime(n, (1, 1))),
        ("utimensat", lambda: os.utime(p, (1, 1))),
        ("touch", lambda: os.utime(n)),
        ("fsetxattr", lambda: os.setxattr(n, "user.planted", b"1")),
        ("setxattr", lambda: os.setxattr(p, "user.planted", b"1")),
        ("fchown", lambda: os.chown(n, uid, gid)),
        ("chown", lambda: os.chown(p, uid, gid)),
    ):
        try:
            fn()
            out[f"{n}:{name}"] = 0
        except OSError as e:
            out[f"{n}:{name}"] = e.errno
print(repr(out), flush=True)
"""


def _meta(fd_or_path: int | str) -> tuple[int, int, int, int, int]:
    st = os.stat(fd_or_path)
    return st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, st.st_ctime_ns


def _xattrs(path: str) -> list[str]:
    try:
        return os.listxattr(path)
    except OSError:
        return []


def _attack(fds: tuple[int, ...], **kw: object) -> dict[str, int]:
    r = sandbox.run(
        [sys.executable, "-I", "-c", ATTACK, *map(str, fds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=60,
        **kw,  # type: ignore[arg-type]
    )
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    got: dict[str, int] = ast.literal_eval(r.stdout.decode().strip().splitlines()[-1])
    return got


@pytest.mark.parametrize("preexec", [False, True], ids=["launcher", "preexec_fn"])
def test_a_read_only_file_given_to_the_payload_keeps_its_metadata(
    host_dir: str, preexec: bool
) -> None:
    """A file the caller owns, given read-only as stdin and another in pass_fds: the
    payload set their mode to 06777, their times to 1970 and a user xattr (uid 65534).
    With a ``preexec_fn`` too (the payload is a fork of the caller)."""
    paths = [os.path.join(host_dir, name) for name in ("stdin.txt", "passed.txt")]
    for path in paths:
        with open(path, "w") as f:
            f.write("caller's data\n")
        os.chmod(path, 0o640)
    before = [(_meta(p), _xattrs(p)) for p in paths]
    with open(paths[0], "rb") as stdin, open(paths[1], "rb") as passed:
        extra = {"preexec_fn": lambda: None} if preexec else {}
        got = _attack((0, passed.fileno()), stdin=stdin, pass_fds=(passed.fileno(),), **extra)
    assert [(_meta(p), _xattrs(p)) for p in paths] == before, got
    assert got and set(got.values()) <= REFUSED, got


def test_the_callers_terminal_keeps_its_metadata_and_still_works() -> None:
    """The caller's terminal as the payload's stdin (open for reading and writing): the
    payload made it world-writable (then anyone may write to the caller's terminal) and
    changed its times.  Writing to it still works: a read-only mount refuses changes to a
    device's inode, not its reads and writes."""
    master, slave = pty.openpty()
    try:
        mode, uid, gid, _, _ = _meta(slave)
        code = ATTACK + "os.write(0, b'still a terminal' if os.isatty(0) else b'not a tty')\n"
        r = sandbox.run(
            [sys.executable, "-I", "-c", code, "0"],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        got = ast.literal_eval(r.stdout.decode().strip().splitlines()[-1])
        now = os.stat(slave)
        assert (now.st_mode, now.st_uid, now.st_gid) == (mode, uid, gid), got
        assert now.st_mtime_ns != 10**9 and now.st_atime_ns != 10**9, got
        # (the tty's times move with its use; the payload's own values never came)
        assert os.read(master, 4096) == b"still a terminal"
        assert got and {v for k, v in got.items() if "xattr" not in k} <= REFUSED, got
        # (user xattrs are never allowed on a device: EPERM, whoever asks)
        assert {v for k, v in got.items() if "xattr" in k} <= REFUSED | {errno.EPERM}, got
    finally:
        os.close(master)
        os.close(slave)


def test_the_payload_reads_a_reopened_file_from_the_callers_offset(host_dir: str) -> None:
    """The reopened file is the same file, with the caller's access mode and offset: the
    payload reads on from where the caller's descriptor stood, cannot write it (it was given
    read-only), and the caller's own offset does not move (its own open file
    description)."""
    path = os.path.join(host_dir, "data.txt")
    with open(path, "w") as f:
        f.write("0123456789")
    with open(path, "rb") as stdin, open(path, "rb") as passed:
        stdin.seek(3)
        passed.seek(6)
        n = passed.fileno()
        code = (
            "import os\n"
            f"a = os.read(0, 100); b = os.read({n}, 100)\n"
            "try:\n    os.write(0, b'x'); w = 'wrote'\nexcept OSError as e:\n    w = e.errno\n"
            "try:\n    open('/proc/self/fd/0', 'r+b'); o = 'opened'\n"
            "except OSError as e:\n    o = e.errno\n"
            "print(repr((a, b, w, o)))\n"
        )
        r = sandbox.run(
            [sys.executable, "-I", "-c", code],
            stdin=stdin,
            pass_fds=(n,),
            capture_output=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        a, b, w, o = ast.literal_eval(r.stdout.decode().strip())
        assert (a, b) == (b"3456789", b"6789")
        assert w == errno.EBADF and o in (errno.EACCES, errno.EROFS, errno.EPERM)
        if not ROOT:  # the payload read from its own open of the file
            assert (stdin.tell(), passed.tell()) == (3, 6)
    with open(path, "rb") as f:
        assert f.read() == b"0123456789"


@pytest.mark.skipif(ROOT, reason="a root caller's payload is another uid: nothing to reopen")
def test_a_file_that_cannot_be_reopened_read_only_fails_the_run_closed(host_dir: str) -> None:
    """A file whose name is gone (renamed over, still linked elsewhere) cannot be reached
    through its mount: the run is refused, the payload never gets it unprotected; so is one
    whose path now names another file."""
    path = os.path.join(host_dir, "f")
    with open(path, "w") as f:
        f.write("data")
    os.link(path, path + ".link")
    with open(path, "rb") as stdin:
        with open(path + ".new", "w") as f:
            f.write("other")
        os.rename(path + ".new", path)  # stdin's name now (deleted), its inode still linked
        with pytest.raises(sandbox.SandboxUnavailable, match="'stdio'") as exc:
            sandbox.run(["true"], stdin=stdin, timeout=60)
        assert exc.value.missing == ("stdio",)
        with open(path + " (deleted)", "w") as f:  # what /proc/self/fd/0 says now
            f.write("decoy")
        with pytest.raises(sandbox.SandboxUnavailable, match="another file is at its path"):
            sandbox.run(["true"], stdin=stdin, timeout=60)


def test_a_pooled_run_with_a_read_only_file_in_pass_fds_keeps_its_metadata(host_dir: str) -> None:
    """A warm sandbox was set up before its run's descriptors were known and cannot reopen
    them: an unprivileged caller's run with a file in pass_fds goes cold."""
    path = os.path.join(host_dir, "passed.txt")
    with open(path, "w") as f:
        f.write("caller's data\n")
    before = (_meta(path), _xattrs(path))
    with sandbox.Pool(1, profile="standard") as pool, open(path, "rb") as passed:
        pool.wait_ready(60)
        n = passed.fileno()
        r = pool.run(
            [sys.executable, "-I", "-c", ATTACK, str(n)],
            pass_fds=(n,),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        got = ast.literal_eval(r.stdout.decode().strip().splitlines()[-1])
        assert (pool.stats().hits, pool.stats().cold) == ((1, 0) if ROOT else (0, 1))
    assert (_meta(path), _xattrs(path)) == before, got
    assert got and set(got.values()) <= REFUSED, got


def test_an_o_path_descriptor_stays_one_and_keeps_its_file_unchanged(host_dir: str) -> None:
    """An ``O_PATH`` descriptor of the caller's file in pass_fds: the payload changed the
    file's mode through ``/proc/self/fd/N``.  Reopened read-only, it stays an ``O_PATH``
    descriptor: it gives the payload no read access it did not have."""
    path = os.path.join(host_dir, "secret.txt")
    with open(path, "w") as f:
        f.write("secret\n")
    os.chmod(path, 0o600)
    before = _meta(path)
    fd = os.open(path, os.O_PATH)
    try:
        code = (
            "import os, sys\n"
            "n = int(sys.argv[1]); p = f'/proc/self/fd/{n}'; out = []\n"
            "for fn in (lambda: os.chmod(p, 0o777), lambda: os.utime(p, (1, 1)),\n"
            "           lambda: open(p, 'rb').read(), lambda: os.read(n, 10)):\n"
            "    try:\n        fn(); out.append(0)\n"
            "    except OSError as e:\n        out.append(e.errno)\n"
            "print(repr(out))\n"
        )
        r = sandbox.run(
            [sys.executable, "-I", "-c", code, str(fd)],
            pass_fds=(fd,),
            capture_output=True,
            timeout=60,
        )
    finally:
        os.close(fd)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    chmod, utime, reopen, read = ast.literal_eval(r.stdout.decode().strip())
    assert _meta(path) == before
    assert {chmod, utime} <= REFUSED, (chmod, utime)
    assert reopen in (errno.EACCES, errno.EPERM), reopen  # Landlock: not in the view
    assert read == errno.EBADF  # still an O_PATH descriptor


@pytest.mark.parametrize("where", ["stdout", "pass_fds"])
def test_a_writable_file_gets_its_mode_group_and_xattrs_back_after_the_run(
    host_dir: str, where: str
) -> None:
    """A file given for writing cannot be reopened through a read-only mount (its writes
    would be refused): the payload wrote a program into it, made it set-user-ID and
    world-writable and gave it an ACL-like user xattr, which outlived the run (uid 65534).
    Its mode, group and xattrs are set back once the run is over; what it wrote stays."""
    path = os.path.join(host_dir, "out.bin")
    with open(path, "wb") as f:
        f.write(b"before\n")
    os.chmod(path, 0o640)
    mode, uid, gid = _meta(path)[:3]
    xattrs = _xattrs(path)
    with open(path, "ab") as out:
        n = 1 if where == "stdout" else out.fileno()
        code = ATTACK + f"os.write({n}, b'#!/bin/sh\\n')\n"
        kw: dict[str, object] = (
            {"stdout": out} if where == "stdout" else {"pass_fds": (n,), "stdout": subprocess.PIPE}
        )
        r = sandbox.run(
            [sys.executable, "-I", "-c", code, str(n)],
            stderr=subprocess.PIPE,
            timeout=60,
            **kw,  # type: ignore[arg-type]
        )
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert _meta(path)[:3] == (mode, uid, gid)
    assert _xattrs(path) == xattrs
    with open(path, "rb") as f:
        assert f.read().endswith(b"#!/bin/sh\n")
