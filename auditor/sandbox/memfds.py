"""Memory files (``memfd_create``) the caller would hand the payload.

A descriptor is reopened through ``/proc/self/fd/N`` with any access the file's mode
allows, and a memfd's mode is 0777 on the kernel's internal mount, which Landlock does not
cover: a payload given a read-only memfd (in ``pass_fds`` or as a standard stream) could
rewrite the caller's data, and one given a write-only memfd (a log sink) could read what
the caller keeps there. Only a memfd that cannot change (sealed against writing, growing
and shrinking) and is passed read-only goes through; any other is refused before the run.
"""

from __future__ import annotations

import fcntl
import os

from auditor.sandbox.errors import SandboxConfigError

#: F_GET_SEALS and the seals that make a memfd's content immutable
_F_GET_SEALS = 1034
_IMMUTABLE = 0x0002 | 0x0004 | 0x0008  # F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE


def is_memfd(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:")
    except OSError:
        return False


def check(name: str, fd: int) -> None:
    """Refuse a memfd the payload could reopen with more access than ``fd`` has."""
    if not is_memfd(fd):
        return
    try:
        access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        seals = fcntl.fcntl(fd, _F_GET_SEALS)
    except OSError:
        seals = 0
        access = -1
    if access == os.O_RDONLY and seals & _IMMUTABLE == _IMMUTABLE:
        return
    raise SandboxConfigError(
        f"{name}: descriptor {fd} is a memfd: the payload could reopen it through "
        "/proc/self/fd with any access (read what it was given to write, rewrite what it was "
        "given to read); pass a pipe (it is relayed), a regular file, or a read-only "
        "descriptor of a memfd sealed with F_SEAL_WRITE, F_SEAL_GROW and F_SEAL_SHRINK"
    )
