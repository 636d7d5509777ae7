"""``run``, ``exec_python`` and ``eval_python``."""

from __future__ import annotations

import ast
import json
import secrets
import subprocess
import sys
from typing import Any

from auditor.sandbox.config import load_settings
from auditor.sandbox.errors import SandboxEvalError
from auditor.sandbox.limits import Limits
from auditor.sandbox.process import Popen
from auditor.sandbox.profiles import Profile
from auditor.sandbox.result import SandboxResult


def _result(p: Popen, args: Any, out: Any, err: Any, *, timed_out: bool = False) -> SandboxResult:
    return SandboxResult(
        args,
        p.returncode if p.returncode is not None else -9,
        out,
        err,
        isolation=p.isolation,
        degraded=p.degraded,
        timed_out=timed_out,
        oom_killed=p.oom_killed,
        cpu_limited=p.cpu_limited,
        truncated=p.truncated,
        cpu_seconds=p.cpu_seconds,
        max_rss_bytes=p.max_rss_bytes,
        wall_seconds=p.wall_seconds,
        launcher=p.launcher,
        payload_uid=p.payload_uid,
    )


def _run(
    args: Any,
    *,
    input: Any,
    capture_output: bool,
    timeout: float | None,
    check: bool,
    raise_timeout: bool,
    sinks: dict[str, Any] | None = None,
    **kwargs: Any,
) -> SandboxResult:
    if input is not None:
        if kwargs.get("stdin") is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        kwargs["stdin"] = subprocess.PIPE
    if capture_output:
        if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        kwargs["stdout"] = subprocess.PIPE
        kwargs["stderr"] = subprocess.PIPE
    with Popen(args, **kwargs) as p:
        if sinks:
            for name, sink in sinks.items():
                stream = getattr(p, name)
                if stream is not None:
                    p._sinks[stream.fileno()] = sink
        try:
            out, err = p.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            p.timed_out = True
            p.kill()
            p.wait()
            if raise_timeout:
                raise
            out, err = exc.output, exc.stderr
            if sinks:
                out = None if "stdout" in sinks else out
                err = None if "stderr" in sinks else err
            text = bool(getattr(p, "text_mode", False)) or bool(p.universal_newlines)
            if text:
                enc = kwargs.get("encoding") or "utf-8"
                out = out.decode(enc, "replace") if out is not None else None
                err = err.decode(enc, "replace") if err is not None else None
            return _result(p, args, out, err, timed_out=True)
        except BaseException:
            p.kill()
            raise
        rc = p.poll()
    assert rc is not None
    if sinks:
        out = None if "stdout" in sinks else out
        err = None if "stderr" in sinks else err
    result = _result(p, args, out, err)
    if check and rc:
        raise subprocess.CalledProcessError(rc, args, output=out, stderr=err)
    return result


def run(
    args: Any,
    *,
    shell: bool = False,
    input: Any = None,
    capture_output: bool = False,
    stdout: Any = None,
    stderr: Any = None,
    text: bool | None = None,
    cwd: Any = None,
    env: Any = None,
    check: bool = False,
    timeout: float | None = None,
    limits: Limits | None = None,
    profile: str | Profile | None = None,
    network: bool = False,
    allow_degraded: bool | None = None,
    **kwargs: Any,
) -> SandboxResult:
    """``subprocess.run`` inside the sandbox.

    Returns a :class:`SandboxResult`.  On ``timeout`` the whole sandbox is killed and
    ``subprocess.TimeoutExpired`` is raised; ``check=True`` raises
    ``subprocess.CalledProcessError`` for a non-zero status.  Other keyword arguments
    (``stdin``, ``encoding``, ``errors``, ``executable``, ``pass_fds``, ``cgroup`` ...) are
    passed to :class:`~auditor.sandbox.Popen`.
    """
    return _run(
        args,
        input=input,
        capture_output=capture_output,
        timeout=timeout,
        check=check,
        raise_timeout=True,
        shell=shell,
        stdout=stdout,
        stderr=stderr,
        text=text,
        cwd=cwd,
        env=env,
        limits=limits,
        profile=profile,
        network=network,
        allow_degraded=allow_degraded,
        **kwargs,
    )


def _python_argv(code: str) -> list[str]:
    # -I: isolated mode (no user site, no PYTHON* variables, no cwd on sys.path).
    return [sys.executable, "-I", "-c", code]


def _sink(name: str) -> Any:
    def write(chunk: bytes) -> None:
        stream = getattr(sys, name)
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            buffer.write(chunk)
            buffer.flush()
        else:
            stream.write(chunk.decode("utf-8", "replace"))

    return write


def exec_python(
    code: str,
    *,
    input: Any = None,
    capture_output: bool = False,
    stdout: Any = None,
    stderr: Any = None,
    text: bool | None = None,
    cwd: Any = None,
    env: Any = None,
    check: bool = False,
    timeout: float | None = None,
    limits: Limits | None = None,
    profile: str | Profile | None = None,
    network: bool = False,
    allow_degraded: bool | None = None,
    **kwargs: Any,
) -> SandboxResult:
    """Run Python ``code`` in a fresh interpreter (``sys.executable -I``) in the sandbox.

    Same keyword options as :func:`run`; the default profile is ``strict``.  Output goes
    where the caller's ``sys.stdout``/``sys.stderr`` go (through the output cap) unless
    captured.  A timeout returns a result with ``timed_out=True`` instead of raising.
    """
    settings = load_settings()
    sinks: dict[str, Any] = {}
    if not capture_output:
        if stdout is None:
            stdout = subprocess.PIPE
            sinks["stdout"] = _sink("stdout")
        if stderr is None:
            stderr = subprocess.PIPE
            sinks["stderr"] = _sink("stderr")
    if input is None:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    return _run(
        _python_argv(code),
        input=input,
        capture_output=capture_output,
        timeout=timeout,
        check=check,
        raise_timeout=False,
        sinks=sinks,
        stdout=stdout,
        stderr=stderr,
        text=text,
        cwd=cwd,
        env=env,
        limits=limits,
        profile=profile,
        network=network,
        allow_degraded=allow_degraded,
        _settings=settings,
        _default_profile=settings.python_profile,
        **kwargs,
    )


_EVAL_TEMPLATE = """
import json, sys
_v = eval(compile({expr!r}, "<sandbox>", "eval"), {{"__builtins__": __builtins__}})
try:
    _r = "J" + json.dumps(_v, allow_nan=False)
    if json.loads(_r[1:]) != _v:
        raise ValueError
except (TypeError, ValueError):
    _r = "L" + repr(_v)
sys.stdout.flush()
sys.stdout.write("\\n{marker}" + _r + "\\n")
"""


def eval_python(expr: str, **opts: Any) -> Any:
    """Evaluate the expression ``expr`` in the sandbox (``strict`` by default) and return its
    value, which must survive JSON or ``ast.literal_eval``; raise
    :class:`SandboxEvalError` otherwise (the expression raised, timed out or was killed)."""
    marker = "@@AUDITOR-RESULT-" + secrets.token_hex(8) + ":"
    opts.pop("capture_output", None)
    opts.pop("text", None)
    result = exec_python(
        _EVAL_TEMPLATE.format(expr=expr, marker=marker),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        **opts,
    )
    if result.timed_out:
        raise SandboxEvalError(f"eval_python: {expr!r} timed out")
    if result.returncode != 0:
        lines = (result.stderr or "").strip().splitlines()
        why = lines[-1] if lines else f"exit status {result.returncode}"
        if result.oom_killed:
            why = "killed: out of memory"
        raise SandboxEvalError(f"eval_python: {expr!r} failed: {why}")
    out: str = result.stdout or ""
    _, found, payload = out.rpartition(marker)
    if not found:
        raise SandboxEvalError(f"eval_python: {expr!r} produced no result")
    payload = payload.rstrip("\n")
    kind, body = payload[:1], payload[1:]
    if kind == "J":
        return json.loads(body)
    try:
        return ast.literal_eval(body)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise SandboxEvalError(
            f"eval_python: the value of {expr!r} survives neither JSON nor ast.literal_eval: "
            f"{body[:200]}"
        ) from None
