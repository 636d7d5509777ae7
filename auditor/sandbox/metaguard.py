"""The metadata of an unprivileged caller's writable files, set back after a run.

An unprivileged caller's payload runs as the caller and owns the caller's files.  The
launchers reopen a file given read-only, and the caller's terminal, through a read-only
mount (``reopen_ro`` in launcher.c), where every metadata change fails.  A file given for
*writing* (a file as stdout, one open ``O_RDWR`` in ``pass_fds``) cannot be: a read-only
mount refuses its writes too.  So the payload can ``fchmod`` it (set-user-ID bits
included, after writing a program into it), ``fchgrp`` it and set its extended attributes
and ACLs for the length of the run; this guard sets its mode, group and extended
attributes back afterwards, as :class:`auditor.sandbox.relay.FlagGuard` does its status
flags (docs/sandbox.md, Known limits).  Its times are left as the run leaves them (its
writes move them anyway).  The same holds, as a backstop, for a read-only file the
launcher could not reopen (one with no name left, a degraded run without a mount
namespace).  No reference is kept: a descriptor is set back only while it still is the
same file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat

#: (descriptor, (st_dev, st_ino), permission bits, gid, extended attributes)
_Kept = tuple[int, tuple[int, int], int, int, dict[str, bytes]]


def _xattrs(fd: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    try:
        names = os.listxattr(fd)
    except OSError:  # no xattrs on this filesystem
        return out
    for name in names:
        with contextlib.suppress(OSError):
            out[name] = os.getxattr(fd, name)
    return out


class MetaGuard:
    """The mode, group and extended attributes of the caller's regular files among
    ``fds``, for an unprivileged caller (a root caller's payload is another uid, which
    owns none of them)."""

    def __init__(self, fds: list[int]) -> None:
        self.kept: list[_Kept] = []
        if os.geteuid() == 0:
            return
        for fd in dict.fromkeys(fds):
            try:
                st = os.fstat(fd)
                access = fcntl.fcntl(fd, fcntl.F_GETFL) & (os.O_ACCMODE | os.O_PATH)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or access & os.O_PATH:
                continue  # a terminal, a pipe: reopened read-only, or relayed
            if st.st_uid != os.geteuid():
                continue  # the payload is not its owner
            ident = (st.st_dev, st.st_ino)
            self.kept.append((fd, ident, stat.S_IMODE(st.st_mode), st.st_gid, _xattrs(fd)))

    def restore(self) -> None:
        kept, self.kept = self.kept, []
        for fd, ident, mode, gid, xattrs in kept:
            try:
                st = os.fstat(fd)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) != ident:
                continue
            now = _xattrs(fd)
            for name in now.keys() - xattrs.keys():
                with contextlib.suppress(OSError):
                    os.removexattr(fd, name)
            for name, value in xattrs.items():  # ACLs first: chmod below sets their mask
                if now.get(name) != value:
                    with contextlib.suppress(OSError):
                        os.setxattr(fd, name, value)
            if st.st_gid != gid:
                with contextlib.suppress(OSError):
                    os.fchown(fd, -1, gid)
            if stat.S_IMODE(os.fstat(fd).st_mode) != mode:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, mode)

    def forget(self) -> None:
        self.kept = []
