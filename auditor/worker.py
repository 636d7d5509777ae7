"""The per-file work of a scan, run in this process or in a pool of worker processes. This is
the only module of the scan path that imports libcst, and only cache misses reach it."""

from __future__ import annotations

from auditor.analyze import Context, analyze_source
from auditor.findings import FileResult, ScanError
from auditor.options import Options
from auditor.policy import Policy

_CTX: Context | None = None

# file path, shown path, path relative to the project root, named on the command line
Job = tuple[str, str, str, bool]


def init(policy: Policy, options: Options) -> None:
    global _CTX
    _CTX = Context(policy, options)


def run(job: Job) -> tuple[bytes | None, FileResult]:
    """Analyse one file; returns the bytes it read (for the cache key) and the result."""
    assert _CTX is not None, "worker.init() was not called"
    path, shown, rel, explicit = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, FileResult(errors=[ScanError(shown, f"cannot read: {exc.strerror or exc}")])
    return data, analyze_source(data, shown, rel, _CTX, explicit)
