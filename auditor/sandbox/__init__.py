"""Runtime sandbox: run commands and generated code isolated on Linux.

Namespaces (user, pid with a fresh /proc, ipc, uts, net, mount), a per-run cgroup (v2
delegated subtree or v1) and rlimits; no capabilities and ``no_new_privs`` for the payload;
fail closed; kill only what it started; Prometheus metrics when ``prometheus_client`` is
installed.  Only the standard library is imported.

What "the requested isolation" means (fail-closed semantics):

* every namespace of the profile (``user`` only when not root), the fresh ``/proc``, ``lo``,
  rlimits, ``no_new_privs`` and dropping capabilities, and for ``strict`` the read-only
  root, tmpfs ``/tmp`` and hidden homes are always required;
* the cgroup is required when one is writable here (root on cgroup v1, a delegated v2
  subtree) or when ``cgroup="require"``; with ``cgroup="auto"`` (default) and no writable
  cgroup, the run relies on rlimits (RLIMIT_NPROC instead of pids.max) and ``isolation``
  does not list ``"cgroup"``; ``cgroup="off"`` never uses one;
* when a required piece fails, :class:`SandboxUnavailable` is raised before anything of
  the payload runs; ``allow_degraded=True`` runs with what worked instead, lists the rest
  in ``result.degraded``, emits :class:`SandboxDegradedWarning` and counts a
  ``degraded`` security violation.

See ``docs/sandbox.md``.
"""

from __future__ import annotations

from subprocess import DEVNULL, PIPE, STDOUT, CalledProcessError, TimeoutExpired

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
from auditor.sandbox.process import Popen, SandboxDegradedWarning
from auditor.sandbox.profiles import PROFILES, STANDARD, STRICT, Profile
from auditor.sandbox.result import SandboxResult

__all__ = [
    "DEVNULL",
    "PIPE",
    "PROFILES",
    "STANDARD",
    "STDOUT",
    "STRICT",
    "CalledProcessError",
    "Limits",
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
    "eval_python",
    "exec_python",
    "getoutput",
    "getstatusoutput",
    "load_settings",
    "popen",
    "run",
    "system",
]
