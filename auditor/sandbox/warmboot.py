"""The program a warm sandbox runs while it waits for its one payload (see :mod:`.pool`).

``sandbox.Pool`` starts an ordinary sandbox whose payload is ``sys.executable -I -c SOURCE
FD``, SOURCE being this file: everything a cold run sets up (namespaces, the view, the
cgroup, rlimits, Landlock, the seccomp filter, the uid) is in place before this code runs,
exactly as before a cold ``exec_python``'s interpreter starts.  It then:

1. says it is ready: ``READY`` on its stdout, a pipe only the pool reads (whatever the
   interpreter's start wrote before, e.g. a broken ``.pth`` warning, comes first on it);
2. blocks on ``FD``, its end of a unix socket pair, for ONE message: the payload (Python
   source, or a program and its argv and environment) and, as ``SCM_RIGHTS``, the run's
   stdin, stdout, stderr and ``pass_fds``;
3. puts those descriptors in place (0, 1, 2 and the ``pass_fds`` numbers), closes every other
   one, writes the start's output to the new stderr (where a cold run would have had it);
4. Python source: closes ``FD`` and runs the source as ``python -c`` would, in ``__main__``;
   a program: resets the signals the interpreter changed and execs it, ``FD`` being
   close-on-exec.  Before either it writes ``k`` on ``FD``: the pool then knows the payload
   starts (EOF without it: the sandbox died before, nothing ran, the pool takes another);
   after ``k`` come the digits of the ``exec`` errno when the program could not be run
   (exit 255), as on the launchers' exec-error pipe.

The payload never holds ``FD``: only this trusted code reads it, before the payload starts.
Nothing here imports the package; it runs with the interpreter's own modules, plus
``_socket`` (for ``recvmsg``) and ``gc``, both out of ``sys.modules`` again before the
payload runs.  No module-level names survive: ``__main__`` is left as ``python -c``
leaves it.  What the interpreter's start allocated is frozen (``gc.freeze()``): the
collector leaves it alone, which takes 1-2 ms off every run's exit (its final collections
would traverse all of it); ``gc.get_freeze_count()`` is the one trace of it.
"""


def _auditor_warm() -> None:
    TYPE_CHECKING = False  # typing is not imported at run time: a payload's start stays lean
    if TYPE_CHECKING:
        from typing import Any, NoReturn
    import sys

    preloaded = set(sys.modules)
    import _signal  # type: ignore[import-not-found]  # builtin, unlike signal (enum...)
    import _socket
    import gc
    import marshal
    import os

    main = sys.modules["__main__"].__dict__
    del main["_auditor_warm"]
    main["__doc__"] = None

    chan_fd = int(sys.argv.pop())
    os.set_inheritable(chan_fd, False)
    # What the interpreter's start made is never garbage: out of the collector's way (its
    # last collections at exit traversed all of it: 2 ms of every run's end, here).
    compile("pass", "<string>", "exec", dont_inherit=True)  # its first call costs ~0.8 ms
    gc.freeze()
    os.write(1, b"\0auditor-warm-ready\n")  # READY in pool.py

    chan = _socket.socket(fileno=chan_fd)
    fds: list[int] = []
    data = b""
    msg_cmsg_cloexec = 0x40000000
    while len(data) < 8 or len(data) < 8 + int.from_bytes(data[:8], "big"):
        try:
            chunk, anc, flags, _ = chan.recvmsg(
                1 << 16, _socket.CMSG_SPACE(253 * 4), msg_cmsg_cloexec
            )
        except InterruptedError:
            continue
        for level, kind, blob in anc:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += [
                    int.from_bytes(blob[i : i + 4], sys.byteorder, signed=True)
                    for i in range(0, len(blob) - len(blob) % 4, 4)
                ]
        if not chunk or flags & _socket.MSG_CTRUNC:
            os._exit(0)  # the pool let this sandbox go (or the message was cut): nothing ran
        data += chunk
    mode, payload, targets, closed, prefix = marshal.loads(data[8:])

    # Descriptors: move every received one (and the channel) off the target numbers, dup2
    # each to its target (inheritable, like the stdio of a spawned process), close the rest.
    want = set(targets) | set(closed)

    def off_targets(fd: int) -> int:
        while fd in want:  # the copies left behind are closed below with the rest
            fd = os.dup(fd)
        return fd

    fds = [off_targets(fd) for fd in fds]
    moved = off_targets(chan_fd)
    if moved != chan_fd:
        chan.detach()
        chan_fd = moved
        chan = _socket.socket(fileno=chan_fd)
    for fd, target in zip(fds, targets, strict=True):
        os.dup2(fd, target)
    for fd in closed:
        try:  # noqa: SIM105 (contextlib is not loaded: the start stays lean)
            os.close(fd)
        except OSError:
            pass
    keep = sorted({0, 1, 2, chan_fd, *targets} - set(closed))
    low = 0
    for fd in keep:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(low, os.sysconf("SC_OPEN_MAX")))
    del fds
    while prefix:
        try:
            prefix = prefix[os.write(2, prefix) :]
        except OSError:
            break
    try:
        chan.sendall(b"k")  # the descriptors are in place: the payload starts now
    except OSError:
        os._exit(0)  # the pool is gone

    if mode == "x":  # a program: exec it as the launchers do (their PATH search)
        file, argv, env = payload
        for sig in (_signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGINT):
            _signal.signal(sig, _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, [])
        err, saved = 2, 0  # ENOENT
        search = env.get(b"PATH", b"/bin:/usr/bin")  # os.defpath, as the launchers
        dirs = [file] if b"/" in file else [d or b"." for d in search.split(b":")]
        for d in dirs:
            path = d if b"/" in file else d + b"/" + file
            try:
                os.execve(path, argv, env)
            except OSError as exc:
                err = exc.errno or 2
                if err not in (2, 20) and not saved:  # ENOENT, ENOTDIR
                    saved = err
        try:
            chan.sendall(str(saved or err).encode())
        finally:
            os._exit(255)

    chan.close()
    for name in set(sys.modules) - preloaded:  # _socket, gc: as a cold run has them (not)
        del sys.modules[name]
    code = os.fsdecode(payload)
    sys.orig_argv[-2:] = [code]  # [python, -I, -c, code], as for a cold run
    if os.isatty(1):  # the interpreter chose the buffering of stdout for a pipe
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    del marshal, data, payload, chan

    def uncaught(exc: BaseException, tb: "Any") -> "NoReturn":
        """What the interpreter does with an exception out of ``-c`` code: print it through
        sys.excepthook (without this function's frame) and exit 1, or for
        KeyboardInterrupt, die of SIGINT once the exit handlers ran."""
        exc = exc.with_traceback(tb)
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
        sys.excepthook(type(exc), exc, exc.__traceback__)
        if not isinstance(exc, KeyboardInterrupt):
            raise SystemExit(1) from None
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105
                stream.flush()
            except Exception:
                pass
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
        os._exit(130)

    try:
        compiled = compile(code, "<string>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        uncaught(exc, None)
    try:
        exec(compiled, main)
    except SystemExit:
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        uncaught(exc, tb.tb_next if tb is not None else None)


_auditor_warm()
