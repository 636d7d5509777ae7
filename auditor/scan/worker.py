"""The per-file work of a scan, run in this process or in a pool of worker processes. This is
the only module of the scan path that imports libcst, and only cache misses reach it."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from auditor.findings import FileResult, ScanError
from auditor.judge.policy import Policy
from auditor.scan.analyze import Context, analyze_source
from auditor.scan.cache import content_key
from auditor.scan.options import Options

_CTX: Context | None = None
_SALT: bytes | None = None  # the result cache's salt, when the cache is on

# file path, shown path, path relative to the project root, named on the command line, and
# what the project-wide stage asks of the file ("call:NAME", "def:NAME"; see auditor.flow)
Job = tuple[str, str, str, bool, tuple[str, ...]]


# The parsers allocate millions of objects that hold no reference cycles; at the default
# threshold (700) the cycle collector runs every few hundred nodes and costs about a fifth
# of the libcst parse. Worker processes keep this threshold; the calling process only while
# it analyses (see few_collections).
_GC_THRESHOLD = (50_000, 20, 20)


def init(policy: Policy, options: Options, salt: bytes | None = None) -> None:
    global _CTX, _SALT
    _CTX = Context(policy, options)
    _SALT = salt


def init_worker(policy: Policy, options: Options, salt: bytes | None = None) -> None:
    """``init`` for a pool's worker process, which does nothing but analyse."""
    init(policy, options, salt)
    gc.set_threshold(*_GC_THRESHOLD)


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """The worker's collector threshold for the duration of an in-process analysis."""
    saved = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def run(job: Job) -> tuple[str | None, FileResult]:
    """Analyse one file; returns the cache key of the bytes it read (when the cache is on)
    and the result."""
    assert _CTX is not None, "worker.init() was not called"
    path, shown, rel, explicit, extra = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, FileResult(errors=[ScanError(shown, f"cannot read: {exc.strerror or exc}")])
    detail = f"{rel}|{explicit}" + (f"|{','.join(sorted(extra))}" if extra else "")
    key = None if _SALT is None else content_key(_SALT, data, shown, detail)
    return key, analyze_source(data, shown, rel, _CTX, explicit, extra)
