"""A progress bar for long scans: rich, on stderr, only when stderr is a terminal and not in
CI. In pipes, files and CI logs nothing is drawn."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from auditor.api import Progress

# A scan quicker than this shows no bar at all.
DELAY_SECONDS = 0.5


def wanted(stream: TextIO | None = None) -> bool:
    """Whether a bar may be drawn on ``stream`` (default: stderr)."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress_bar(
    label: str = "Scanning", enabled: bool | None = None, delay: float | None = None
) -> Iterator[Progress | None]:
    """Yield a ``progress(done, total)`` callback for :func:`auditor.api.scan`, or ``None``
    when no bar is wanted. The bar appears once the scan has run for ``delay`` seconds
    (default: :data:`DELAY_SECONDS`, read at each call)."""
    if enabled is None:
        enabled = wanted()
    if not enabled:
        yield None
        return
    if delay is None:
        delay = DELAY_SECONDS
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    started = time.monotonic()
    state: dict[str, Any] = {}

    def update(done: int, total: int | None) -> None:
        if "bar" not in state:
            if time.monotonic() - started < delay:
                return
            bar = RichProgress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=_console(),
                transient=True,
            )
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task(label, total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()
