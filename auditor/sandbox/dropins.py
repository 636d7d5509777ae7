"""Drop-ins for ``subprocess`` and ``os`` functions, same signatures and results.

Each accepts the keyword-only sandbox options (``limits``, ``profile``, ``network``,
``allow_degraded``, ``cgroup``) in addition to the original parameters.
"""

from __future__ import annotations

import subprocess
from typing import IO, Any

from auditor.sandbox.api import run
from auditor.sandbox.process import Popen


def call(*popenargs: Any, timeout: float | None = None, **kwargs: Any) -> int:
    """``subprocess.call`` in the sandbox: run, wait, return the return code."""
    with Popen(*popenargs, **kwargs) as p:
        try:
            return p.wait(timeout=timeout)
        except BaseException:
            p.kill()
            raise


def check_call(*popenargs: Any, **kwargs: Any) -> int:
    """``subprocess.check_call`` in the sandbox."""
    retcode = call(*popenargs, **kwargs)
    if retcode:
        cmd = kwargs.get("args")
        if cmd is None:
            cmd = popenargs[0]
        raise subprocess.CalledProcessError(retcode, cmd)
    return 0


def check_output(*popenargs: Any, timeout: float | None = None, **kwargs: Any) -> Any:
    """``subprocess.check_output`` in the sandbox."""
    for kw in ("stdout", "check"):
        if kw in kwargs:
            raise ValueError(f"{kw} argument not allowed, it will be overridden.")
    if "input" in kwargs and kwargs["input"] is None:
        # Like subprocess: an explicit input=None means empty stdin, not the inherited one.
        if (
            kwargs.get("universal_newlines")
            or kwargs.get("text")
            or kwargs.get("encoding")
            or kwargs.get("errors")
        ):
            kwargs["input"] = ""
        else:
            kwargs["input"] = b""
    args = popenargs[0] if popenargs else kwargs.pop("args")
    return run(args, stdout=subprocess.PIPE, timeout=timeout, check=True, **kwargs).stdout


def getstatusoutput(
    cmd: str, *, encoding: str | None = None, errors: str | None = None, **opts: Any
) -> tuple[int, str]:
    """``subprocess.getstatusoutput`` in the sandbox (the shell runs inside)."""
    try:
        data = check_output(
            cmd,
            shell=True,
            text=True,
            stderr=subprocess.STDOUT,
            encoding=encoding,
            errors=errors,
            **opts,
        )
        exitcode = 0
    except subprocess.CalledProcessError as ex:
        data = ex.output
        exitcode = ex.returncode
    if data[-1:] == "\n":
        data = data[:-1]
    return exitcode, data


def getoutput(
    cmd: str, *, encoding: str | None = None, errors: str | None = None, **opts: Any
) -> str:
    """``subprocess.getoutput`` in the sandbox."""
    return getstatusoutput(cmd, encoding=encoding, errors=errors, **opts)[1]


def _wait_status(returncode: int) -> int:
    """A return code as the wait status ``os.system`` returns."""
    if returncode < 0:
        return -returncode  # killed by a signal: the low 7 bits hold it
    return (returncode & 0xFF) << 8


def system(command: str, **opts: Any) -> int:
    """``os.system`` in the sandbox: ``/bin/sh -c command`` inside, stdio inherited,
    returns a wait status (use ``os.waitstatus_to_exitcode``)."""
    with Popen(command, shell=True, **opts) as p:
        try:
            return _wait_status(p.wait())
        except BaseException:
            p.kill()
            raise


class _WrapClose:
    """Like ``os._wrap_close``: a file whose ``close()`` returns ``None`` on success or the
    exit status (``returncode << 8``) as ``os.popen`` does."""

    def __init__(self, stream: IO[str], proc: Popen) -> None:
        self._stream = stream
        self._proc = proc

    def close(self) -> int | None:
        self._stream.close()
        returncode = self._proc.wait()
        if returncode == 0:
            return None
        return returncode << 8

    def __enter__(self) -> _WrapClose:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._stream, name)
        if not callable(attr):
            return attr

        # ``popen(cmd).read()`` keeps only the method it looked up: the method must keep this
        # wrapper (and so the sandbox) alive until it returns, or collecting the Popen would
        # stop the command before it has written anything.
        def method(*args: Any, _owner: _WrapClose = self, **kwargs: Any) -> Any:
            return attr(*args, **kwargs)

        return method

    def __iter__(self) -> Any:
        return iter(self._stream)


def popen(cmd: str, mode: str = "r", buffering: int = -1, **opts: Any) -> _WrapClose:
    """``os.popen`` in the sandbox."""
    if not isinstance(cmd, str):
        raise TypeError(f"invalid cmd type ({type(cmd)}, expected string)")
    if mode not in ("r", "w"):
        raise ValueError(f"invalid mode {mode!r}")
    if buffering == 0 or buffering is None:
        raise ValueError("popen() does not support unbuffered streams")
    if mode == "r":
        proc = Popen(cmd, shell=True, text=True, stdout=subprocess.PIPE, bufsize=buffering, **opts)
        assert proc.stdout is not None
        return _WrapClose(proc.stdout, proc)
    proc = Popen(cmd, shell=True, text=True, stdin=subprocess.PIPE, bufsize=buffering, **opts)
    assert proc.stdin is not None
    return _WrapClose(proc.stdin, proc)


__all__ = [
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "popen",
    "system",
]
