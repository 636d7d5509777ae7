"""Helpers for the sandbox suite (imported by conftest and the tests).

The suite runs twice in CI: as root (cgroup v1, no user namespace needed) and as uid 65534
(user namespaces, no writable cgroup).  Helpers find processes by a unique token placed in
their command line, never by name.
"""

from __future__ import annotations

import os
import time

from auditor.sandbox import cgroups


def own_cgroup_leftovers(pid: int | None = None) -> list[str]:
    """Per-run cgroups of this process (or ``pid``) still on disk, once the ones this
    process keeps for reuse are removed: anything found was leaked."""
    if pid is None:
        cgroups.drain_pool()
    prefix = f"{cgroups.PREFIX}{pid if pid is not None else os.getpid()}-"
    found = []
    for base in cgroups.discover().bases.values():
        try:
            names = os.listdir(base)
        except OSError:
            continue
        found += [os.path.join(base, n) for n in names if n.startswith(prefix)]
    return found


def procs_with(token: str) -> list[int]:
    """Pids of host processes whose command line contains ``token``."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(entry))
    return found


def wait_gone(token: str, timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := procs_with(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def wait_present(token: str, count: int = 1, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := procs_with(token)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found
