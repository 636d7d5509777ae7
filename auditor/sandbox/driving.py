"""Driving one started sandbox to its result: what ``run``/``exec_python``/``eval_python``
(auditor.sandbox.api) and a warm pool's runs (auditor.sandbox.pool) share: the stdio
arguments, feeding and reading the process through the output cap, the timeout, and
reading an evaluated value back."""

from __future__ import annotations

import ast
import io
import json
import secrets
import subprocess
import sys
import tokenize
from collections.abc import Callable
from typing import Any

from auditor.sandbox.errors import SandboxConfigError, SandboxEvalError
from auditor.sandbox.process import Popen
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


def stdio_args(input: Any, capture_output: bool, kwargs: dict[str, Any]) -> None:
    """``input`` and ``capture_output`` as ``stdin``/``stdout``/``stderr`` (in ``kwargs``),
    with ``subprocess.run``'s errors."""
    if input is not None:
        if kwargs.get("stdin") is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        kwargs["stdin"] = subprocess.PIPE
    if capture_output:
        if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        kwargs["stdout"] = subprocess.PIPE
        kwargs["stderr"] = subprocess.PIPE


def drive(
    p: Popen,
    args: Any,
    *,
    input: Any,
    timeout: float | None,
    check: bool,
    raise_timeout: bool,
    sinks: dict[str, Any] | None,
    encoding: str | None,
) -> SandboxResult:
    """Feed, read (through the output cap), time out and finish the started sandbox ``p``:
    the run of ``run``/``exec_python``, and of a sandbox.Pool's warm sandbox once handed its
    payload (``timeout`` counts from here)."""
    with p:
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
                enc = encoding or "utf-8"
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


def python_argv(code: str | bytes) -> list[Any]:
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


def python_stdio(input: Any, capture_output: bool, kw: dict[str, Any]) -> dict[str, Any]:
    """exec_python's stdio defaults, in ``kw`` (``stdin``, ``stdout``, ``stderr``): output
    not captured nor redirected goes through a pipe to the caller's ``sys.stdout`` and
    ``sys.stderr`` (the returned sinks, behind the output cap); no input: ``/dev/null``."""
    sinks: dict[str, Any] = {}
    if not capture_output:
        for name in ("stdout", "stderr"):
            if kw.get(name) is None:
                kw[name] = subprocess.PIPE
                sinks[name] = _sink(name)
    if input is None and "stdin" not in kw:
        kw["stdin"] = subprocess.DEVNULL
    return sinks


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


#: ``eval_python``'s default ``result_limit``: the most bytes of a printed result the caller
#: parses. The caller parses it outside every limit of the sandbox, so it is much smaller
#: than the output cap (Limits.output).
RESULT_LIMIT = 1 << 20
#: A result that is not JSON (``ast.literal_eval``'s syntax) may hold at most
#: ``result_limit // RESULT_BYTES_PER_TOKEN`` tokens: the caller's parser takes about 1 KB
#: per token (a 1 MiB literal would take about 500 MB), JSON's 20-70 bytes per byte.
RESULT_BYTES_PER_TOKEN = 20
#: Brackets nested deeper than this in a non-JSON result are refused.
RESULT_DEPTH = 100
#: Keys of one set or dict sharing one hash: more are refused. A number's hash is not
#: randomised (``hash(1 + k * (2**61 - 1)) == 1`` for every k), and a set of n such keys
#: takes n**2 comparisons to build; a real value the payload printed has no such keys.
RESULT_SAME_HASH = 16


def evaluate(expr: str, exec_fn: Callable[..., SandboxResult], opts: dict[str, Any]) -> Any:
    """eval_python through ``exec_fn`` (``exec_python``, or a pool's)."""
    limit = opts.pop("result_limit", RESULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise SandboxConfigError(f"result_limit: expected a number of bytes >= 1, got {limit!r}")
    marker = "@@AUDITOR-RESULT-" + secrets.token_hex(8) + ":"
    opts.pop("capture_output", None)
    opts.pop("text", None)
    result = exec_fn(
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
    size = len(body.encode("utf-8", "surrogateescape"))
    if size > limit:
        raise SandboxEvalError(
            f"eval_python: the value of {expr!r} takes {size} bytes, over result_limit={limit}"
        )
    try:
        # The payload wrote this: a crafted one (deep nesting, a 5000-digit integer, keys
        # of one hash) must not raise RecursionError or ValueError in the caller, nor take
        # its memory or CPU (the caller parses it outside the sandbox's limits)
        if kind == "J":
            return json.loads(body)
        return _literal(body, max(1, limit // RESULT_BYTES_PER_TOKEN))
    except _OverBudget as exc:
        raise SandboxEvalError(f"eval_python: the value of {expr!r} is refused: {exc}") from None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise SandboxEvalError(
            f"eval_python: the value of {expr!r} survives neither JSON nor ast.literal_eval: "
            f"{body[:200]}"
        ) from None


class _OverBudget(Exception):
    pass


def _literal(text: str, max_tokens: int) -> Any:
    """``ast.literal_eval(text)``, bounded: the tokens are counted (and the brackets' depth)
    before anything is parsed, and no set or dict gets more than RESULT_SAME_HASH keys of one
    hash."""
    tokens = depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            tokens += 1
            if tokens > max_tokens:
                raise _OverBudget(
                    f"more than {max_tokens} tokens (result_limit // {RESULT_BYTES_PER_TOKEN})"
                )
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
                if depth > RESULT_DEPTH:
                    raise _OverBudget(f"nested deeper than {RESULT_DEPTH}")
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
    except tokenize.TokenError as exc:
        raise SyntaxError(str(exc)) from None
    return _build(ast.parse(text.strip(" \t"), mode="eval").body)


def _build(node: ast.AST) -> Any:
    """What ``ast.literal_eval`` makes of ``node``, with sets and dicts built under the
    RESULT_SAME_HASH bound (the depth is bounded already)."""
    if isinstance(node, ast.Tuple):
        return tuple(_build(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_build(e) for e in node.elts]
    if isinstance(node, ast.Set):
        items = [_build(e) for e in node.elts]
        _check_hashes(items)
        return set(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):  # {**x}
            raise ValueError("malformed node")
        keys = [_build(k) for k in node.keys if k is not None]
        _check_hashes(keys)
        return dict(zip(keys, (_build(v) for v in node.values), strict=True))
    # constants, signed numbers, complex numbers, set(): nothing to bound
    return ast.literal_eval(node)


def _check_hashes(keys: list[Any]) -> None:
    # Counted by the hash's bytes, whose own hash is randomised: counting by the hash as an
    # int would be open to the same collisions.
    seen: dict[bytes, int] = {}
    for key in keys:
        h = hash(key).to_bytes(8, "little", signed=True)
        seen[h] = n = seen.get(h, 0) + 1
        if n > RESULT_SAME_HASH:
            raise _OverBudget(f"more than {RESULT_SAME_HASH} keys of one set or dict share a hash")
