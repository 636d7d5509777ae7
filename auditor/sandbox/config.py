"""Defaults from ``[tool.auditor.sandbox]`` in the nearest ``pyproject.toml`` above cwd.

The search goes up from the current directory and stops at a folder another user (not root)
owns or anyone may write (``/tmp``, ``/var/tmp``); a ``pyproject.toml`` another user owns or
anyone may write is never read (see :func:`_search`).

A ``pyproject.toml`` a payload of this process could have made or changed (inside a writable
working directory it was given, and not one of the files kept read-only there) is passed
over: a payload must not set the limits and profile of the caller's next runs.

Keys: ``memory``, ``cpu_time``, ``pids``, ``file_size``, ``open_files``, ``output`` (see
:class:`~auditor.sandbox.limits.Limits`), ``profile`` (default profile of ``run`` and the
drop-ins), ``python_profile`` (default of ``exec_python``/``eval_python``),
``allow_degraded`` (bool), ``cgroup`` (``"auto"``, ``"require"`` or ``"off"``), ``require``
(a list of ``"memory"``, ``"pids"``: limits a cgroup must enforce, or runs fail closed), and
for the
systemd slice that ``auditor sandbox install-files`` writes, ``memory_swap`` (a size, default
``"0"``: no swap) and ``cpu_quota`` (a percentage of one CPU, default ``"100%"``).
An unknown key or a wrong type raises :class:`SandboxConfigError` naming the key.
``writable_cwd`` is refused by name: a writable working directory is asked for by the call
that needs it (``writable_cwd=True``), never for every run of a project (and a payload given
one could then rewrite what turned it on).
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import time
import tomllib
from pathlib import Path
from typing import Any

from auditor.sandbox import safeimport
from auditor.sandbox.errors import SandboxConfigError
from auditor.sandbox.limits import Limits, parse_size
from auditor.sandbox.profiles import PROFILES

CGROUP_MODES = ("auto", "require", "off")
#: what ``require`` accepts: limits to be enforced by a cgroup, never by rlimits alone
REQUIRABLE = ("memory", "pids")
_QUOTA_RE = re.compile(r"^[1-9][0-9]*%$")


@dataclasses.dataclass(frozen=True)
class Settings:
    limits: Limits = dataclasses.field(default_factory=Limits)
    profile: str = "standard"
    python_profile: str = "strict"
    allow_degraded: bool = False
    cgroup: str = "auto"
    source: str | None = None
    memory_swap: str = "0"
    cpu_quota: str = "100%"
    #: limits that must be enforced by a cgroup, or the run fails closed ("memory", "pids")
    require: tuple[str, ...] = ()


_LIMIT_KEYS = {f.name for f in dataclasses.fields(Limits)}
_cache: dict[str, tuple[float, Settings]] = {}

#: (cwd, start) -> (the directories searched with their mtimes, the file found and its
#: mtime).  Creating, removing or renaming a pyproject.toml changes its directory's mtime
#: and editing one changes its own, so one stat per directory revalidates an entry instead
#: of resolving the path and probing every parent on every sandbox run.
_found: dict[tuple[str, str], tuple[tuple[tuple[str, int], ...], Path | None, int]] = {}
#: Timestamps this recent may not have ticked yet for a change made right now (coarse
#: filesystem clocks): such lookups are not cached.
_RACY_NS = 2_000_000_000


def _trusted(path: Path) -> os.stat_result | None:
    """``path``'s status when it belongs to this process's user or root and others may not
    write it (a sticky world-writable folder such as ``/tmp`` or ``/var/tmp`` is written by
    anyone): settings come only from where the caller's own user or root put them."""
    st = path.stat()
    if st.st_uid not in (os.geteuid(), 0) or st.st_mode & stat.S_IWOTH:
        return None
    return st


def _search(here: Path) -> tuple[Path | None, list[Path]]:
    """The nearest usable ``pyproject.toml`` at or above ``here``.  The search stops (no
    settings: the defaults) at the first folder another user owns or anyone may write
    (``/tmp``, ``/var/tmp``), as git stops at a repository another user owns: a local user
    must not weaken, or break, the sandbox of a service that runs below such a folder.  A
    ``pyproject.toml`` another user owns, or anyone may write, stops it as well."""
    searched = []
    for d in (here, *here.parents):
        searched.append(d)
        candidate = d / "pyproject.toml"
        try:
            if _trusted(d) is None:
                return None, searched
            if candidate.is_file() and not safeimport.payload_may_have_written(str(candidate)):
                if _trusted(candidate) is None:
                    return None, searched
                return candidate, searched
        except OSError:
            return None, searched
    return None, searched


def _forget_lookups() -> None:
    _found.clear()


safeimport._on_written.append(_forget_lookups)


def _mtime_ns(path: str | Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def find_pyproject(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the cwd)."""
    try:
        key = (os.getcwd(), os.fspath(start) if start is not None else "")
    except OSError:  # the cwd was removed
        key = None
    entry = _found.get(key) if key is not None else None
    if entry is not None:
        dirs, path, file_mtime = entry
        if all(_mtime_ns(d) == m for d, m in dirs) and (
            path is None or _mtime_ns(path) == file_mtime
        ):
            return path
    here = Path(start if start is not None else os.getcwd()).resolve()
    path, searched = _search(here)
    if key is not None:
        dirs = tuple((str(d), _mtime_ns(d)) for d in searched)
        file_mtime = _mtime_ns(path) if path is not None else 0
        newest = max([m for _, m in dirs] + [file_mtime])
        if newest < time.time_ns() - _RACY_NS:
            _found[key] = (dirs, path, file_mtime)
    return path


def _err(src: str, key: str, what: str) -> SandboxConfigError:
    return SandboxConfigError(f"{src}: [tool.auditor.sandbox] key '{key}' {what}")


def parse_table(table: dict[str, Any], src: str = "pyproject.toml") -> Settings:
    """Validate a ``[tool.auditor.sandbox]`` table and return the resulting settings."""
    limit_args: dict[str, Any] = {}
    other: dict[str, Any] = {}
    for key, value in table.items():
        if key in _LIMIT_KEYS:
            try:
                Limits(**{key: value})
            except SandboxConfigError as exc:
                raise _err(src, key, f"is invalid: {exc}") from None
            limit_args[key] = value
        elif key in ("profile", "python_profile"):
            if not isinstance(value, str) or value not in PROFILES:
                raise _err(src, key, f"must be one of {sorted(PROFILES)}, got {value!r}")
            other[key] = value
        elif key == "allow_degraded":
            if not isinstance(value, bool):
                raise _err(src, key, f"must be true or false, got {value!r}")
            other[key] = value
        elif key == "memory_swap":
            try:
                parse_size(value, key)
            except SandboxConfigError as exc:
                raise _err(src, key, f"is invalid: {exc}") from None
            other[key] = str(value)
        elif key == "cpu_quota":
            if not isinstance(value, str) or not _QUOTA_RE.match(value):
                raise _err(src, key, f"must be a percentage like '50%', got {value!r}")
            other[key] = value
        elif key == "require":
            if not isinstance(value, list) or not all(v in REQUIRABLE for v in value):
                raise _err(src, key, f"must be a list of {list(REQUIRABLE)}, got {value!r}")
            other[key] = tuple(value)
        elif key == "writable_cwd":
            raise _err(
                src,
                key,
                "cannot be set here: a writable working directory is asked for by the call "
                "that needs it (writable_cwd=True), not for every run of the project",
            )
        elif key == "cgroup":
            if value not in CGROUP_MODES:
                raise _err(src, key, f"must be one of {list(CGROUP_MODES)}, got {value!r}")
            other[key] = value
        else:
            raise _err(src, key, "is unknown")
    return Settings(limits=Limits(**limit_args), source=src, **other)


def load_settings(start: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from the nearest pyproject.toml (cached by path and mtime)."""
    path = find_pyproject(start)
    if path is None:
        return Settings()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Settings()
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SandboxConfigError(f"{path}: cannot read: {exc}") from None
    table = data.get("tool", {}).get("auditor", {}).get("sandbox")
    if table is None:
        settings = Settings()
    elif not isinstance(table, dict):
        raise SandboxConfigError(f"{path}: [tool.auditor.sandbox] must be a table")
    else:
        settings = parse_table(table, str(path))
    _cache[str(path)] = (mtime, settings)
    return settings
