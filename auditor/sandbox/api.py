"""``run``, ``exec_python`` and ``eval_python``."""

from __future__ import annotations

from typing import Any

from auditor.sandbox.config import load_settings
from auditor.sandbox.driving import drive, evaluate, python_argv, python_stdio, stdio_args
from auditor.sandbox.limits import Limits
from auditor.sandbox.process import Popen
from auditor.sandbox.profiles import Profile
from auditor.sandbox.result import SandboxResult


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
    stdio_args(input, capture_output, kwargs)
    return drive(
        Popen(args, **kwargs),
        args,
        input=input,
        timeout=timeout,
        check=check,
        raise_timeout=raise_timeout,
        sinks=sinks,
        encoding=kwargs.get("encoding"),
    )


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
    writable_cwd: bool = False,
    **kwargs: Any,
) -> SandboxResult:
    """``subprocess.run`` inside the sandbox.

    Returns a :class:`SandboxResult`.  On ``timeout`` the whole sandbox is killed (SIGKILL,
    as ``subprocess.run`` kills its child) and ``subprocess.TimeoutExpired`` is raised with
    the output read so far; ``check=True`` raises
    ``subprocess.CalledProcessError`` for a non-zero status.  The working directory
    (``cwd``, or the caller's) is read-only unless ``writable_cwd=True`` (``standard``
    only): a payload that writes there can change files the host reads or runs later.
    Other keyword arguments (``stdin``, ``encoding``, ``errors``, ``executable``,
    ``pass_fds``, ``cgroup`` ...) are passed to :class:`~auditor.sandbox.Popen`.
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
        writable_cwd=writable_cwd,
        **kwargs,
    )


#: What a warm sandbox takes per run; anything else sets up the sandbox itself (or is a
#: Popen option a started sandbox cannot honour): such runs with warm=True run cold.
_POOL_RUN_OPTIONS = frozenset({"stdin", "encoding", "errors", "pass_fds", "cgroup", "require"})


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
    warm: bool | None = None,
    writable_cwd: bool = False,
    **kwargs: Any,
) -> SandboxResult:
    """Run Python ``code`` in a fresh interpreter (``sys.executable -I``) in the sandbox.

    Same keyword options as :func:`run`; the default profile is ``strict``.  Output goes
    where the caller's ``sys.stdout``/``sys.stderr`` go (through the output cap) unless
    captured.  A timeout returns a result with ``timed_out=True`` instead of raising.

    ``warm=True`` (or ``AUDITOR_SANDBOX_WARM=1`` when ``warm`` is not given) runs it in a
    warm sandbox of the default :class:`~auditor.sandbox.Pool` when the sandbox options
    are the pool's (the ``[tool.auditor.sandbox]`` defaults): same result, faster start.
    Other options run cold (``auditor_sandbox_pool_misses_total{reason="options"}``).
    """
    settings = load_settings()
    if _warm(warm):
        pooled = _pooled_exec(
            code,
            settings,
            input=input,
            capture_output=capture_output,
            stdout=stdout,
            stderr=stderr,
            text=text,
            cwd=cwd,
            env=env,
            check=check,
            timeout=timeout,
            limits=limits,
            profile=profile,
            network=network,
            allow_degraded=allow_degraded,
            writable_cwd=writable_cwd,
            kwargs=kwargs,
        )
        if pooled is not None:
            return pooled
    kw: dict[str, Any] = {"stdout": stdout, "stderr": stderr, **kwargs}
    sinks = python_stdio(input, capture_output, kw)
    return _run(
        python_argv(code),
        input=input,
        capture_output=capture_output,
        timeout=timeout,
        check=check,
        raise_timeout=False,
        sinks=sinks,
        text=text,
        cwd=cwd,
        env=env,
        limits=limits,
        profile=profile,
        network=network,
        allow_degraded=allow_degraded,
        writable_cwd=writable_cwd,
        _settings=settings,
        _default_profile=settings.python_profile,
        **kw,
    )


def _warm(warm: bool | None) -> bool:
    from auditor.sandbox import pool

    return pool.warm_requested(warm)


def _pooled_exec(
    code: str,
    settings: Any,
    *,
    limits: Limits | None,
    profile: str | Profile | None,
    network: bool,
    cwd: Any,
    env: Any,
    allow_degraded: bool | None,
    writable_cwd: bool,
    kwargs: dict[str, Any],
    **run: Any,
) -> SandboxResult | None:
    """The run in the default pool, or None when its options are not the pool's (counted
    as a miss: the caller runs it cold)."""
    from auditor.sandbox import metrics, pool

    def config(**given: Any) -> Any:
        return pool.resolve(settings=settings, **given)

    options = {
        "profile": profile,
        "limits": limits,
        "network": network,
        "cwd": cwd,
        "env": env,
        "cgroup": kwargs.get("cgroup"),
        "require": kwargs.get("require"),
        "allow_degraded": allow_degraded,
        "writable_cwd": writable_cwd,
    }
    defaults = dict.fromkeys(options) | {"network": False, "writable_cwd": False}
    inherit_stdin = "stdin" in kwargs and kwargs["stdin"] is None  # not the pool's default
    if inherit_stdin or set(kwargs) - _POOL_RUN_OPTIONS or config(**options) != config(**defaults):
        metrics.pool_take(hit=False, reason="options")
        return None
    chosen = pool.default_pool()
    if chosen._config != config(**defaults):  # the settings changed since it started
        pool.close_default_pool(wait=False)
        chosen = pool.default_pool()
    per_run = {k: v for k, v in kwargs.items() if k not in ("cgroup", "require")}
    result: SandboxResult = chosen.exec_python(code, **run, **per_run)
    return result


def eval_python(expr: str, **opts: Any) -> Any:
    """Evaluate the expression ``expr`` in the sandbox (``strict`` by default) and return its
    value, which must survive JSON or ``ast.literal_eval``; raise
    :class:`SandboxEvalError` otherwise (the expression raised, timed out or was killed).
    ``warm=True``: in a warm sandbox, as for :func:`exec_python`.

    The caller parses the value outside the sandbox's limits, so the parse is bounded:
    ``result_limit`` (bytes, default 1 MiB) caps the printed value; one that is not JSON
    may hold at most ``result_limit // 20`` tokens and brackets 100 deep, and a set or dict
    at most 16 keys of one hash (docs/sandbox.md); over these, SandboxEvalError."""
    return evaluate(expr, exec_python, opts)
