"""Reading a deployment file (sudoers, systemd unit) the way the parsers need it."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import ScanError


def read_config_text(path: Path, display: str, errors: list[ScanError], kind: str) -> str | None:
    """The file's text as UTF-8, or as Latin-1 with an error naming the first bad line (the
    rest is still checked); None with an error when it cannot be read. ``kind`` prefixes the
    messages ("sudoers", "systemd")."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(ScanError(display, f"{kind}: cannot read: {exc.strerror or exc}"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(ScanError(display, f"{kind}: not valid UTF-8 (read as Latin-1)", line))
        return data.decode("latin-1")
