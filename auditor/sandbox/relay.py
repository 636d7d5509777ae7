"""Relays between the caller's pipes and the payload (docs/sandbox.md, "Stdio relays").

A pipe is reopened through ``/proc/self/fd/N`` with any access its owner may have: a
payload holding the caller's own stdin pipe could open it for *writing* and inject data the
caller then reads as if its client had sent it, and one holding the caller's stdout pipe
could open it for *reading* and drain what the caller wrote to its client.  Landlock does
not cover pipes, and an unprivileged caller's payload has the caller's uid.  So the payload
never holds such a descriptor of the caller: every standard stream of the run that is the
caller's pipe, FIFO or socket (inherited, or given as a descriptor or a file object), and
every pipe or FIFO in ``pass_fds``, is replaced by a fresh pipe of the sandbox, and a thread
of the caller copies data across, in the descriptor's own direction only.

Towards the payload (stdin, a read end in ``pass_fds``) the relay consumes from the caller's
descriptor only what the payload has read: it puts a copy of the caller's data in the
payload's pipe (``tee`` for a pipe, ``MSG_PEEK`` for a stream socket), without taking it,
and takes from the caller's descriptor, once the payload's pipe (one page) is empty, what
the payload read.  What the payload left unread stays the caller's, as with an inherited
stdin.  From the payload (stdout, stderr, a write end in ``pass_fds``) it copies until the
payload's pipe reaches end-of-file (every process of the sandbox is gone), and
``Popen.wait`` returns only once that is written out, so the payload's output comes before
what the caller writes after the run.

The pipes ``stdout=PIPE``/``stderr=PIPE`` give the caller are relayed too (:func:`capture`),
through the output cap (:class:`OutputCap`, ``Limits.output``): whatever reads them (the
caller's own ``read()``, ``readline()`` or ``os.read`` on ``fileno()``, ``communicate()``)
gets at most the cap, then end-of-file, and the run is stopped (``truncated``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import select
import socket
import stat
import struct
import subprocess
import termios
import threading
import weakref
from collections.abc import Callable
from typing import Any

from auditor.sandbox.errors import SandboxConfigError
from auditor.sandbox.metaguard import MetaGuard

_F_SETPIPE_SZ = 1031
_SPLICE_F_NONBLOCK = 2
_PIPE_BUF = 4096
_CHUNK = 1 << 16

_libc = ctypes.CDLL(None, use_errno=True)
_tee = _libc.tee
_tee.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_size_t, ctypes.c_uint)
_tee.restype = ctypes.c_ssize_t


def _queued(fd: int) -> int:
    """Bytes waiting in a pipe (either end)."""
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])


def _relayed(fd: int) -> int | None:
    """The file type of ``fd`` when a run must not hold it (a pipe, FIFO or socket of the
    caller's), else None (a file, a terminal, a device: see docs/sandbox.md)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return stat.S_IFMT(mode)
    return None


def _spec_fd(spec: Any, default: int) -> int | None:
    """The caller's descriptor behind a stdin/stdout/stderr argument (None: one the
    sandbox makes, PIPE or DEVNULL, or one subprocess will refuse)."""
    if spec is None:
        return default
    if isinstance(spec, int):
        return spec if spec >= 0 else None
    try:
        fd = spec.fileno()
    except (OSError, ValueError, AttributeError):
        return None
    return fd if isinstance(fd, int) else None


def _fresh_pipe(one_page: bool) -> tuple[int, int]:
    r, w = os.pipe2(os.O_CLOEXEC)
    if one_page:
        # one slot: POLLOUT on the write end then means "empty" (the payload read it all)
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, _F_SETPIPE_SZ, _PIPE_BUF)
    return r, w


class _In:
    """The caller's descriptor ``src`` -> a fresh pipe ``dst`` (the payload reads ``child``)."""

    def __init__(self, src: int, kind: int) -> None:
        self.src = src
        self.child, self.dst = _fresh_pipe(one_page=True)
        os.set_blocking(self.dst, False)
        self.sock: socket.socket | None = None
        self.mode = "tee" if kind == stat.S_IFIFO else "read"
        if kind == stat.S_IFSOCK:
            with contextlib.suppress(OSError):
                sock = socket.socket(fileno=os.dup(src))
                if sock.type == socket.SOCK_STREAM:
                    self.sock, self.mode = sock, "peek"
                else:
                    sock.close()
        #: bytes put in the payload's pipe and not yet taken from ``src`` (tee, peek)
        self.given = 0
        #: the payload's pipe has data: wait until it is empty (POLLOUT, one page)
        self.waiting = False
        #: read mode: data taken from ``src`` that the payload's (full) pipe did not take
        self.pending = b""
        self.done = False

    def settle(self) -> None:
        """Take from the caller's descriptor what the payload read of ``given``."""
        if self.given <= 0:
            return
        try:
            left = self.given - _queued(self.dst)
        except OSError:
            left = 0
        self.given = 0
        while left > 0:
            try:
                if self.sock is not None:
                    data = self.sock.recv(left, socket.MSG_DONTWAIT)
                else:
                    data = os.read(self.src, left)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break
            if not data:
                break
            left -= len(data)

    def pump(self, src_ready: bool = True) -> None:
        """The payload's pipe is empty: settle, then hand it the caller's next data.
        ``src_ready`` False (woken by the payload's pipe, not by ``src``): a blocking read
        of ``src`` would stall the relay thread, so read mode waits for ``src`` first."""
        self.settle()
        self.waiting = False
        if not src_ready and self.mode == "read" and not self.pending:
            return
        try:
            if self.mode == "tee":
                n = _tee(self.src, self.dst, _CHUNK, _SPLICE_F_NONBLOCK)
                if n < 0:
                    err = ctypes.get_errno()
                    if err == errno.EAGAIN:
                        # The payload filled its own pipe: wait until it reads (POLLOUT),
                        # not on the caller's readable descriptor (a busy loop). An empty
                        # pipe: the caller's has nothing yet (woken by the payload's pipe).
                        with contextlib.suppress(OSError):
                            self.waiting = _queued(self.dst) > 0
                        return
                    if err == errno.EINTR:
                        return
                    if err == errno.EINVAL:  # not a pipe after all: plain reads
                        self.mode = "read"
                        return
                    raise OSError(err, os.strerror(err))
                if n == 0:
                    self.close()
                    return
                self.given = n
                self.waiting = True
                return
            if self.pending:
                data = self.pending
            elif self.mode == "peek" and self.sock is not None:
                data = self.sock.recv(_PIPE_BUF, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            else:
                data = os.read(self.src, _PIPE_BUF)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        try:
            written = os.write(self.dst, data)  # an empty one-page pipe: all of it
        except BlockingIOError:
            # The payload filled its own pipe: keep what was taken from the caller (read;
            # peek took nothing) and wait until the payload reads (POLLOUT).
            if self.mode != "peek":
                self.pending = data
            self.waiting = True
            return
        except OSError:  # the payload closed its stdin
            self.close()
            return
        self.pending = b""
        self.waiting = True
        if self.mode == "peek":
            self.given = written

    def close(self) -> None:
        if not self.done:
            self.done = True
            with contextlib.suppress(OSError):
                os.close(self.dst)
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.close()


class OutputCap:
    """The output cap of one run (``Limits.output``): the bytes of its captured stdout and
    stderr together.  :meth:`take` lets through what fits; the first byte over it calls
    ``on_over`` (the run's :meth:`Popen.kill <auditor.sandbox.process.Popen.kill>`, which
    also sets ``truncated``) once, and nothing passes after it.  Shared by the capture relay
    (:func:`capture`) and ``communicate()`` of a stream that is not behind it (a pool's)."""

    def __init__(self, limit: int | None, on_over: Callable[[], object]) -> None:
        self.limit = limit
        self.taken = 0
        self.over = False
        self._on_over = on_over
        self._lock = threading.Lock()

    def take(self, data: bytes) -> bytes:
        if self.limit is None:
            return data
        with self._lock:
            if self.over:
                return b""
            room = self.limit - self.taken
            if len(data) <= room:
                self.taken += len(data)
                return data
            self.taken = self.limit
            self.over = True
        self._on_over()
        return data[:room]


class _Out:
    """A fresh pipe (the payload writes ``child``) -> the caller's descriptor ``dst``; or,
    ``own`` (:func:`capture`), -> a pipe of the relay's whose read end the caller holds
    (``stdout=PIPE``), through ``cap``: ``dst`` is closed once the payload's pipe ended
    and all of it went (the caller reads end-of-file then), or at the cap."""

    def __init__(self, dst: int, cap: OutputCap | None = None, own: bool = False) -> None:
        self.dst = dst
        self.cap = cap
        self.own = own
        self.src, self.child = _fresh_pipe(one_page=False)
        os.set_blocking(self.src, False)
        self.buf = b""
        self.done = False

    def read(self) -> None:
        try:
            data = os.read(self.src, _CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()
        elif self.cap is not None:
            data = self.cap.take(data)
            if self.cap.over:  # nothing more of the payload's (it is being killed)
                self.close()
        self.buf += data

    def write(self) -> None:
        # After POLLOUT a write of one page never blocks; the relay's own pipe is
        # non-blocking and takes what fits.
        try:
            n = os.write(self.dst, self.buf if self.own else self.buf[:_PIPE_BUF])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # the caller's reader is gone: so is the payload's (EPIPE there)
            self.buf = b""
            self.close()
            return
        self.buf = self.buf[n:]

    def close(self) -> None:
        if not self.done:
            self.done = True
            with contextlib.suppress(OSError):
                os.close(self.src)

    def release(self) -> None:
        """The relay's own ``dst``, once done: the caller's reader gets end-of-file."""
        if self.own and self.dst >= 0:
            fd, self.dst = self.dst, -1  # first: a fork meanwhile does not close it again
            with contextlib.suppress(OSError):
                os.close(fd)


class Relay:
    """The relays of one run: built before the spawn (:func:`build`), started after it."""

    def __init__(self) -> None:
        self.ins: list[_In] = []
        self.outs: list[_Out] = []
        #: pass_fds: (the fresh end for the payload, the number it gets there)
        self.fd_map: list[tuple[int, int]] = []
        self._wake_r, self._wake_w = os.pipe2(os.O_CLOEXEC)
        self._ending = False
        self._abort = False
        self._thread: threading.Thread | None = None

    def _channels(self) -> list[_In | _Out]:
        return [*self.ins, *self.outs]

    def child_ends(self) -> list[int]:
        return [c.child for c in self._channels()]

    def close_child_ends(self) -> None:
        """After the spawn: the payload holds them now."""
        for c in self._channels():
            if c.child >= 0:
                with contextlib.suppress(OSError):
                    os.close(c.child)
                c.child = -1

    def start(self) -> None:
        self.close_child_ends()
        self._thread = threading.Thread(target=self._run, name="auditor-sandbox-relay", daemon=True)
        self._thread.start()

    def finish(self, timeout: float | None) -> bool:
        """The run is over: settle the input relays, copy what the payload wrote until its
        pipes end (at most ``timeout`` seconds), then stop.  True when all of it went."""
        self._ending = True
        self._poke()
        t = self._thread
        if t is None:
            self._close_all()
            return True
        t.join(timeout)
        if t.is_alive():
            self._abort = True
            self._poke()
            t.join(5.0)
            return False
        return True

    def forget(self) -> None:
        """In a forked child: the parent's relay; close this copy's descriptors."""
        self._thread = None
        self._close_all()
        self._close_wake()

    def _close_wake(self) -> None:
        wake, (self._wake_r, self._wake_w) = (self._wake_r, self._wake_w), (-1, -1)
        for fd in wake:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _poke(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _close_all(self) -> None:
        self.close_child_ends()
        for i in self.ins:
            i.close()
        for o in self.outs:
            o.close()
            o.release()

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            for i in self.ins:
                if not self._abort:
                    i.settle()
            self._close_all()
            self._close_wake()

    def _loop(self) -> None:
        ins_ended = False
        while not self._abort:
            if self._ending and not ins_ended:
                ins_ended = True
                for i in self.ins:  # the payload is gone: take what it read, no more
                    i.settle()
                    i.close()
            live_out = []
            for o in self.outs:
                if not o.done or o.buf:
                    live_out.append(o)
                else:
                    o.release()
            if ins_ended and not live_out:
                return
            p = select.poll()
            p.register(self._wake_r, select.POLLIN)
            handlers: dict[int, list[Any]] = {}
            for i in self.ins:
                if i.done:
                    continue
                if i.waiting:  # for the payload to read it all
                    handlers.setdefault(i.dst, []).append(("in-dst", i))
                else:
                    handlers.setdefault(i.src, []).append(("in-src", i))
            for o in live_out:
                if o.buf:
                    handlers.setdefault(o.dst, []).append(("out-dst", o))
                elif not o.done:
                    handlers.setdefault(o.src, []).append(("out-src", o))
            for fd, hs in handlers.items():
                ev = 0
                for kind, _ in hs:
                    ev |= select.POLLOUT if kind in ("in-dst", "out-dst") else select.POLLIN
                p.register(fd, ev)
            try:
                ready = p.poll()
            except InterruptedError:
                continue
            for fd, ev in ready:
                if fd == self._wake_r:
                    with contextlib.suppress(OSError):
                        os.read(self._wake_r, 64)
                    continue
                for kind, c in handlers.get(fd, []):
                    if kind == "in-src" and ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                        c.pump()
                    elif kind == "in-dst":
                        if ev & select.POLLERR:  # the payload closed its stdin
                            c.settle()
                            c.close()
                        elif ev & select.POLLOUT:
                            c.pump(src_ready=False)
                    elif kind == "out-src" and ev & (
                        select.POLLIN | select.POLLHUP | select.POLLERR
                    ):
                        c.read()
                    elif kind == "out-dst":
                        # no reader left (POLLERR comes with POLLOUT): no write, which
                        # would raise SIGPIPE in a caller that does not ignore it
                        if ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                            c.buf = b""
                            c.close()
                        elif ev & select.POLLOUT:
                            c.write()


def build(
    stdin: Any, stdout: Any, stderr: Any, pass_fds: tuple[int, ...]
) -> tuple[Relay | None, Any, Any, Any]:
    """Replace the caller's pipes, FIFOs and sockets among the run's streams (and its pipes
    and FIFOs in ``pass_fds``, see :attr:`Relay.fd_map`) by fresh pipes; returns the relay
    (None when nothing needs one) and the stdin, stdout, stderr to spawn with."""
    relay = Relay()
    try:
        fd = _spec_fd(stdin, 0)
        kind = _relayed(fd) if fd is not None and stdin != subprocess.PIPE else None
        if fd is not None and kind is not None and stdin != subprocess.DEVNULL:
            i = _In(fd, kind)
            relay.ins.append(i)
            stdin = i.child
        out_key: tuple[int, int] | None = None
        out_child = -1
        for n, spec in ((1, stdout), (2, stderr)):
            if spec in (subprocess.PIPE, subprocess.DEVNULL) or (
                n == 2 and spec == subprocess.STDOUT
            ):
                continue
            fd = _spec_fd(spec, n)
            if fd is None or _relayed(fd) is None:
                continue
            st = os.fstat(fd)
            key = (st.st_dev, st.st_ino)
            if n == 2 and key == out_key:
                stderr = out_child  # the same pipe as stdout: one relay keeps their order
                continue
            o = _Out(fd)
            relay.outs.append(o)
            if n == 1:
                stdout, out_key, out_child = o.child, key, o.child
            else:
                stderr = o.child
        for fd in pass_fds:
            try:
                mode = os.fstat(fd).st_mode
            except OSError:
                continue  # subprocess's own error
            if not stat.S_ISFIFO(mode):
                continue  # a socket cannot be reopened through /proc (ENXIO)
            access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
            if access == os.O_RDONLY:
                i = _In(fd, stat.S_IFIFO)
                relay.ins.append(i)
                relay.fd_map.append((i.child, fd))
            elif access == os.O_WRONLY:
                o = _Out(fd)
                relay.outs.append(o)
                relay.fd_map.append((o.child, fd))
            else:
                raise SandboxConfigError(
                    f"pass_fds: descriptor {fd} is a FIFO open for reading and writing; "
                    "pass a pipe end open one way (it is relayed), or a socket"
                )
    except BaseException:
        relay.forget()
        raise
    if not relay.ins and not relay.outs:
        relay.forget()
        return None, stdin, stdout, stderr
    for child in relay.child_ends():
        os.set_inheritable(child, False)  # subprocess makes the ones it passes inheritable
    return relay, stdin, stdout, stderr


def capture(streams: int, cap: OutputCap) -> tuple[Relay, list[tuple[int, int]]]:
    """The relay of a run's ``stdout=PIPE``/``stderr=PIPE`` (``streams`` of them), through
    ``cap``: per stream, (the end the payload writes, the end the caller reads).  It runs
    until the payload's pipes end and what they held is read, or the caller closes its end
    (never joined by ``wait()``: like ``subprocess``'s pipe, the caller reads it when it
    likes).  A caller's reading, whatever it uses, stops at the cap."""
    relay = Relay()
    relay._ending = True  # nothing towards the payload: it ends with the payload's pipes
    _captures.add(relay)
    ends: list[tuple[int, int]] = []
    try:
        for _ in range(streams):
            r, w = os.pipe2(os.O_CLOEXEC)
            try:
                o = _Out(w, cap=cap, own=True)
            except BaseException:
                os.close(r)
                os.close(w)
                raise
            relay.outs.append(o)
            ends.append((o.child, r))
            os.set_blocking(w, False)
    except BaseException:
        relay.forget()
        for _, r in ends:
            os.close(r)
        raise
    return relay, ends


#: The capture relays of this process: a forked child closes its copies of the write ends
#: the caller reads at once (they would keep end-of-file from it). Only those: the child of
#: a preexec_fn run (subprocess runs these hooks there too) is about to pass the payload's
#: ends on.
_captures: weakref.WeakSet[Relay] = weakref.WeakSet()


def _forget_captures_in_child() -> None:
    for r in list(_captures):
        for o in r.outs:
            o.release()


os.register_at_fork(after_in_child=_forget_captures_in_child)


def needed(stdin: Any, stdout: Any, stderr: Any, pass_fds: tuple[int, ...]) -> bool:
    """Whether a run with these streams needs a relay (a warm sandbox's run goes cold)."""
    for n, spec in enumerate((stdin, stdout, stderr)):
        if spec in (subprocess.PIPE, subprocess.DEVNULL) or (n == 2 and spec == subprocess.STDOUT):
            continue
        fd = _spec_fd(spec, n)
        if fd is not None and _relayed(fd) is not None:
            return True
    for fd in pass_fds:
        with contextlib.suppress(OSError):
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                return True
    return False


class FlagGuard:
    """The caller's open file descriptions a run shares (a terminal, a file given as a
    stream or in ``pass_fds``): their status flags (``O_NONBLOCK``, ``O_APPEND``,
    ``O_ASYNC`` ...) are set back after the run, whatever the payload did to them with
    ``fcntl(F_SETFL)`` or ``ioctl(FIONBIO/FIOASYNC)``.  No reference is kept (a socket's
    peer must see it closed when the caller closes it): a descriptor is set back only
    while it still is the same file."""

    def __init__(self, fds: list[int]) -> None:
        self.kept: list[tuple[int, tuple[int, int], int]] = []
        #: and an unprivileged caller's files' mode, group and xattrs (metaguard.py)
        self.meta = MetaGuard(fds)
        seen: set[int] = set()
        for fd in fds:
            if fd in seen or fd < 0:
                continue
            seen.add(fd)
            try:
                st = os.fstat(fd)
                flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            except OSError:
                continue
            self.kept.append((fd, (st.st_dev, st.st_ino), flags))

    @classmethod
    def of(cls, stdin: Any, stdout: Any, stderr: Any, pass_fds: tuple[int, ...]) -> FlagGuard:
        fds: list[int] = []
        for n, spec in enumerate((stdin, stdout, stderr)):
            if spec in (subprocess.PIPE, subprocess.DEVNULL, subprocess.STDOUT):
                continue
            fd = _spec_fd(spec, n)
            if fd is not None:
                fds.append(fd)
        return cls([*fds, *pass_fds])

    def restore(self) -> None:
        self.meta.restore()
        kept, self.kept = self.kept, []
        for fd, ident, flags in kept:
            with contextlib.suppress(OSError):
                st = os.fstat(fd)
                if (st.st_dev, st.st_ino) == ident and fcntl.fcntl(fd, fcntl.F_GETFL) != flags:
                    fcntl.fcntl(fd, fcntl.F_SETFL, flags)

    def forget(self) -> None:
        self.meta.forget()
        self.kept = []
