"""What the caller asks the kernel before a run (standard library only).

The launchers make their own syscalls (``launcher.c``, ``pylauncher.py``); the caller only
needs to know a few facts about the kernel, once per process.
"""

from __future__ import annotations

import functools
import sys

IS_LINUX = sys.platform.startswith("linux")

SYS_LANDLOCK_CREATE_RULESET = 444  # the same on every architecture
LANDLOCK_CREATE_RULESET_VERSION = 1


def last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return 40


@functools.cache
def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, or 0 when it has none (not built in, or
    not among the active LSMs)."""
    if not IS_LINUX:
        return 0
    import ctypes  # only when a run asks (safeimport.preload imports it before a payload)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(
        SYS_LANDLOCK_CREATE_RULESET,
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint(LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(0, int(abi))
