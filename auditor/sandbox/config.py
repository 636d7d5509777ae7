"""Defaults from ``[tool.auditor.sandbox]`` in the nearest ``pyproject.toml`` above cwd.

Keys: ``memory``, ``cpu_time``, ``pids``, ``file_size``, ``open_files``, ``output`` (see
:class:`~auditor.sandbox.limits.Limits`), ``profile`` (default profile of ``run`` and the
drop-ins), ``python_profile`` (default of ``exec_python``/``eval_python``),
``allow_degraded`` (bool), ``cgroup`` (``"auto"``, ``"require"`` or ``"off"``), and for the
systemd slice that ``auditor sandbox install-files`` writes, ``memory_swap`` (a size, default
``"0"``: no swap) and ``cpu_quota`` (a percentage of one CPU, default ``"100%"``).
An unknown key or a wrong type raises :class:`SandboxConfigError` naming the key.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from auditor.sandbox.errors import SandboxConfigError
from auditor.sandbox.limits import Limits, parse_size
from auditor.sandbox.profiles import PROFILES

CGROUP_MODES = ("auto", "require", "off")
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


_LIMIT_KEYS = {f.name for f in dataclasses.fields(Limits)}
_cache: dict[str, tuple[float, Settings]] = {}


def find_pyproject(start: str | os.PathLike[str] | None = None) -> Path | None:
    here = Path(start if start is not None else os.getcwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / "pyproject.toml"
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            return None
    return None


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
