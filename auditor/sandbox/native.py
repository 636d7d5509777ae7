"""The compiled launcher (``auditor-sandbox-launcher``, built from ``launcher.c``).

The install compiles ``launcher.c`` into an executable next to this module (see setup.py;
optional: without a C compiler the install succeeds without it).  When it is there,
``sandbox.Popen`` spawns it with plain ``subprocess.Popen`` (no ``preexec_fn``, so CPython
uses ``vfork`` + ``exec`` instead of forking the calling interpreter) and it does in C what
:mod:`.launcher` does in the forked child: same plan, same steps, same info-pipe protocol.
Without it, or when the caller passes its own ``preexec_fn`` (which must run in the payload
process, so only the Python launcher can run it), the Python launcher runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

from auditor.sandbox.launcher import Plan

NAME = "auditor-sandbox-launcher"
#: Bumped whenever the argv plan or the protocol changes; the executable refuses any other
#: value (a stale build from an older launcher.c fails closed instead of misbehaving).
PROTOCOL = "1"

#: Test-only switch: force the Python launcher (the suites run against both).
_disabled = False

_found: str | None = None
_looked = False


def path() -> str | None:
    """The compiled launcher's path, or None when it was not built (or is disabled)."""
    global _found, _looked
    if _disabled:
        return None
    if not _looked:
        candidate = os.path.join(os.path.dirname(os.path.abspath(__file__)), NAME)
        _found = candidate if os.access(candidate, os.X_OK) else None
        _looked = True
    return _found


@functools.cache
def source_sha256() -> str | None:
    """sha256 of the ``launcher.c`` beside this module (installed with the package and
    present in a checkout), or None.  The launcher compares it with the hash of the source
    it was built from and refuses to run on a mismatch: a checkout whose launcher.c was
    edited without rebuilding fails closed instead of running the old launcher."""
    try:
        with open(
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "launcher.c"), "rb"
        ) as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def describe() -> dict[str, Any]:
    """Which launcher runs, for ``auditor sandbox doctor``."""
    found = path()
    if found:
        return {"kind": "c", "path": found}
    why = "disabled" if _disabled else f"{NAME} was not built (no C compiler at install time?)"
    return {"kind": "python", "reason": why}


def argv(plan: Plan, exec_fd: int, executable: Any, args: list[Any]) -> list[Any]:
    """The launcher's command line: the plan as ``key=value`` items, ``--``, the program to
    exec and its argv (str, bytes or path-like, as ``subprocess`` accepts them)."""
    exe = path()
    assert exe is not None
    out: list[Any] = [
        exe,
        f"v={PROTOCOL}",
        f"info={plan.info_fd}",
        f"exec={exec_fd}",
        f"ppid={plan.parent_pid}",
        f"uid={plan.uid}",
        f"gid={plan.gid}",
        f"lastcap={plan.last_cap}",
    ]
    src = source_sha256()
    if src is not None:
        out.append(f"src={src}")
    out += [f"ns={ns}" for ns in plan.namespaces]
    out += [f"req={p}" for p in sorted(plan.required)]
    out += [f"fault={p}" for p in sorted(plan.fault)]
    out += [f"cg={p}" for p in plan.cgroup_join]
    out += [f"rl={res}:{soft}:{hard}" for res, soft, hard in plan.rlimits]
    if plan.readonly_root:
        out.append("ro=1")
    if plan.private_tmp is not None:
        out.append(f"tmp={plan.private_tmp}")
    out += [f"hide={p}" for p in plan.hide]
    out += [f"expose={p}" for p in plan.expose]
    out += [f"exposetmp={p}" for p in plan.expose_tmp]
    if plan.cwd is not None:
        out.append(f"cwd={plan.cwd}")
    return [*out, "--", executable, *args]
