"""The cycle collector's threshold while the scan runs.

The parsers and the project-wide stage allocate millions of objects that hold no reference
cycles; at the default threshold (700) the cycle collector runs every few hundred
allocations, and each of its full passes walks every object the scan holds (the summaries
of every file, the propagation's tables). Worker processes keep :data:`THRESHOLD`; the
calling process only while a scan runs (:func:`few_collections`), then gets its own back.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLD = (50_000, 20, 20)


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """:data:`THRESHOLD` for the duration of the block, then the caller's again."""
    saved = gc.get_threshold()
    gc.set_threshold(*THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
