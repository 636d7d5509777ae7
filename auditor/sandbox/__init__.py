"""Runtime sandbox: run commands and generated code isolated on Linux.

Every run: user, pid (a fresh /proc), ipc, uts, net and mount namespaces; a root filesystem
built from the allow-list of its profile (rules/sandbox.toml); a seccomp filter; Landlock
where the kernel has it; a per-run cgroup (v2 delegated subtree or v1) where one is
writable and rlimits always; no capabilities and ``no_new_privs``; a root caller's payload
runs as an unused, unprivileged uid.  Fail closed; kill only what it started; Prometheus
metrics when ``prometheus_client`` is installed.  Only the standard library is imported.

What "the requested isolation" means (fail-closed semantics):

* every piece of the profile (the namespaces, the view, the filter, Landlock where the
  kernel has it, the protected init, the uid switch...) is always required;
* the cgroup is required when one is writable here (root on cgroup v1, a delegated v2
  subtree) or when ``cgroup="require"``; with ``cgroup="auto"`` (default) and no writable
  cgroup, the run relies on rlimits and ``isolation`` says ``memory:rlimit-only``;
  ``require=("memory",)`` refuses that instead; ``cgroup="off"`` never uses one;
* when a required piece fails, :class:`SandboxUnavailable` is raised before anything of
  the payload runs; ``allow_degraded=True`` runs with what worked instead, lists the rest
  in ``result.degraded``, emits :class:`SandboxDegradedWarning` and counts a
  ``degraded`` security violation.

Warm sandboxes: ``sandbox.Pool`` keeps sandboxes started and set up, each with its
interpreter waiting for one payload; ``exec_python(..., warm=True)`` (or
``AUDITOR_SANDBOX_WARM=1``) uses the default pool.  Never silently.

See ``docs/sandbox.md``.
"""

from __future__ import annotations

import importlib
from subprocess import DEVNULL, PIPE, STDOUT, CalledProcessError, TimeoutExpired
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.sandbox.api import eval_python, exec_python, run
    from auditor.sandbox.config import Settings, load_settings
    from auditor.sandbox.dropins import (
        call,
        check_call,
        check_output,
        getoutput,
        getstatusoutput,
        popen,
        system,
    )
    from auditor.sandbox.errors import (
        SandboxConfigError,
        SandboxError,
        SandboxEvalError,
        SandboxUnavailable,
    )
    from auditor.sandbox.limits import Limits
    from auditor.sandbox.pool import Pool, PoolStats, close_default_pool, default_pool
    from auditor.sandbox.process import Popen, SandboxDegradedWarning
    from auditor.sandbox.profiles import PROFILES, STANDARD, STRICT, Profile
    from auditor.sandbox.result import SandboxResult

# Each public name and the submodule that holds it, imported on first use (PEP 562): the
# tools that only read the sandbox's settings and limits (auditor report, auditor migrate)
# do not load the runtime (the launcher, the pool, seccomp, cgroups, ctypes, logging...).
_WHERE = {
    **dict.fromkeys(("eval_python", "exec_python", "run"), "api"),
    **dict.fromkeys(("Settings", "load_settings"), "config"),
    **dict.fromkeys(
        ("call", "check_call", "check_output", "getoutput", "getstatusoutput", "popen", "system"),
        "dropins",
    ),
    **dict.fromkeys(
        ("SandboxConfigError", "SandboxError", "SandboxEvalError", "SandboxUnavailable"),
        "errors",
    ),
    "Limits": "limits",
    **dict.fromkeys(("Pool", "PoolStats", "close_default_pool", "default_pool"), "pool"),
    **dict.fromkeys(("Popen", "SandboxDegradedWarning"), "process"),
    **dict.fromkeys(("PROFILES", "STANDARD", "STRICT", "Profile"), "profiles"),
    "SandboxResult": "result",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        try:  # a submodule not imported yet (``sandbox.process``)
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "DEVNULL",
    "PIPE",
    "PROFILES",
    "STANDARD",
    "STDOUT",
    "STRICT",
    "CalledProcessError",
    "Limits",
    "Pool",
    "PoolStats",
    "Popen",
    "Profile",
    "SandboxConfigError",
    "SandboxDegradedWarning",
    "SandboxError",
    "SandboxEvalError",
    "SandboxResult",
    "SandboxUnavailable",
    "Settings",
    "TimeoutExpired",
    "call",
    "check_call",
    "check_output",
    "close_default_pool",
    "default_pool",
    "eval_python",
    "exec_python",
    "getoutput",
    "getstatusoutput",
    "load_settings",
    "popen",
    "run",
    "system",
]
