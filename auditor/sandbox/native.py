"""The launchers as programs: the compiled one (``auditor-sandbox-launcher``, built from
``launcher.c``) and the Python one (``pylauncher.py`` run by a fresh interpreter).

The install compiles ``launcher.c`` into an executable next to this module (see setup.py;
optional: without a C compiler the install succeeds without it).  ``sandbox.Popen`` spawns
a launcher with plain ``subprocess.Popen`` (no ``preexec_fn``, so CPython uses ``vfork`` +
``exec`` instead of forking the calling interpreter): the compiled one when it was built,
otherwise ``python -I -S pylauncher.py``.  A caller's own ``preexec_fn`` must run in the
payload, so that case runs :func:`pylauncher.preexec_launch` in a fork of the caller, whose
pid-1 init execs :func:`init_program` at once.
"""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

from auditor.sandbox import launcher
from auditor.sandbox.launcher import Plan

NAME = "auditor-sandbox-launcher"
#: The plan's version (launcher.PROTOCOL); tests set it to simulate a stale build.
PROTOCOL = launcher.PROTOCOL

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
    return {"kind": "python", "reason": why, "path": launcher.PYLAUNCHER}


def _items(plan: Plan, exec_fd: int) -> list[str]:
    out = launcher.items(plan)
    out[0] = f"v={PROTOCOL}"
    return [*out, f"exec={exec_fd}"]


def argv(plan: Plan, exec_fd: int, executable: Any, args: list[Any]) -> list[Any]:
    """The compiled launcher's command line: the plan, ``--``, the program and its argv
    (str, bytes or path-like, as ``subprocess`` accepts them)."""
    exe = path()
    assert exe is not None
    out: list[Any] = [exe, *_items(plan, exec_fd)]
    src = source_sha256()
    if src is not None:
        out.append(f"src={src}")
    return [*out, "--", executable, *args]


def python_argv(
    plan: Plan, exec_fd: int, executable: Any, args: list[Any], env: dict[str, str]
) -> list[Any]:
    """The Python launcher's command line: the same plan after ``python -I -S
    pylauncher.py``.  An interpreter started in the C locale sets ``LC_CTYPE`` in its own
    environment (PEP 538), which the payload would inherit: ``nolcctype=1`` says the
    payload's environment has none."""
    extra = [] if "LC_CTYPE" in env else ["nolcctype=1"]
    return [*launcher.python_program(), *_items(plan, exec_fd), *extra, "--", executable, *args]


def init_program() -> list[str]:
    """The program the preexec_fn path's init execs (its ``--init`` mode)."""
    exe = path()
    return [exe, "--init"] if exe else [*launcher.python_init_program(), "--init"]
