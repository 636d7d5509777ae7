"""Resource limits for one sandboxed run.

Sizes accept an int (bytes) or a string with a binary suffix: ``"100M"``, ``"512K"``,
``"1G"`` (``K``/``KB``/``KiB`` all mean 1024).  ``None`` disables that limit.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from auditor.sandbox.errors import SandboxConfigError

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}

Size = int | str | None


def parse_size(value: Size, name: str = "size") -> int | None:
    """Return ``value`` in bytes (``None`` stays ``None``); raise a one-line error otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SandboxConfigError(f"{name}: expected a size like '100M' or an int, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise SandboxConfigError(f"{name}: must not be negative, got {value}")
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m:
            return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    raise SandboxConfigError(f"{name}: expected a size like '100M' or an int, got {value!r}")


def _parse_number(value: object, name: str, *, integer: bool) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SandboxConfigError(f"{name}: expected a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise SandboxConfigError(f"{name}: expected an integer, got {value!r}")
    if value <= 0:
        raise SandboxConfigError(f"{name}: must be positive, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Limits:
    """Limits applied to every process in one sandbox.

    ``memory``: memory cgroup limit (and RLIMIT_AS when no memory cgroup is available);
    ``cpu_time``: CPU seconds (RLIMIT_CPU per process); ``pids``: processes (pids cgroup,
    RLIMIT_NPROC without one); ``file_size``: RLIMIT_FSIZE; ``open_files``: RLIMIT_NOFILE;
    ``output``: bytes of captured stdout+stderr before the run is stopped (``truncated``).
    """

    memory: Size = "100M"
    cpu_time: float | None = 30
    pids: int | None = 64
    file_size: Size = "10M"
    open_files: int | None = 256
    output: Size = "10M"

    def __post_init__(self) -> None:
        # Validate eagerly so a bad value fails at construction with the field name.
        for name in ("memory", "file_size", "output"):
            parse_size(getattr(self, name), name)
        _parse_number(self.cpu_time, "cpu_time", integer=False)
        _parse_number(self.pids, "pids", integer=True)
        _parse_number(self.open_files, "open_files", integer=True)

    @functools.cached_property  # frozen: parsed once (cached_property bypasses __setattr__)
    def memory_bytes(self) -> int | None:
        return parse_size(self.memory, "memory")

    @functools.cached_property  # frozen: parsed once (cached_property bypasses __setattr__)
    def file_size_bytes(self) -> int | None:
        return parse_size(self.file_size, "file_size")

    @functools.cached_property  # frozen: parsed once (cached_property bypasses __setattr__)
    def output_bytes(self) -> int | None:
        return parse_size(self.output, "output")

    def replace(self, **changes: object) -> Limits:
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)
