"""Who other than root can replace a program or script a sudoers rule runs: by where it
lies (a relative path, a user-writable folder) and, when it exists on the machine that runs
the audit, by the real owner and mode of the file and of every folder above it."""

from __future__ import annotations

import grp
import os
import posixpath
import pwd
import stat

from auditor.system.data import sudoers_list


def _under_writable_prefix(path: str) -> str | None:
    if not path.startswith("/") and not path.startswith("~"):
        return "it is a relative path"
    for prefix in sudoers_list("writable_prefixes"):
        if path.startswith(prefix):
            return f"it lies under {prefix}, which users can write"
    return None


def _owner(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _group(gid: int) -> str:
    try:
        return f"group {grp.getgrgid(gid).gr_name}"
    except KeyError:
        return f"gid {gid}"


def _chain_problem(path: str) -> str | None:
    """Who other than root can replace the existing file ``path``: its owner, or the owner
    or writers of a folder on the way to it (a sticky world-writable folder protects the
    files others own). None when the path does not exist or only root can."""
    parts = path.split("/")
    current = "/"
    for index, part in enumerate(["", *parts[1:]]):
        if part:
            current = posixpath.join(current, part)
        try:
            info = os.lstat(current)
        except OSError:
            return None
        last = index == len(parts) - 1
        if info.st_uid != 0:
            return f"{current} belongs to {_owner(info.st_uid)}"
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            continue
        sticky = bool(mode & stat.S_ISVTX) and not last
        if mode & stat.S_IWOTH and not sticky:
            return f"{current} is writable by everyone"
        if mode & stat.S_IWGRP and info.st_gid != 0 and not sticky:
            return f"{current} is writable by {_group(info.st_gid)}"
    return None


def replaceable(path: str) -> str | None:
    """Why a non-root user can replace the program or script at ``path`` (a relative path,
    a user-writable folder, or, when it exists on this machine, its real owner and mode and
    those of the folders above it, symbolic links resolved); None when only root can."""
    reason = _under_writable_prefix(path)
    if reason is not None:
        return reason
    if not os.path.lexists(path):
        return None
    found = _chain_problem(path)
    if found is None:
        real = os.path.realpath(path)
        if real != path:
            found = _chain_problem(real)
    return found
