"""One file of a scan as the project-wide stage (auditor.flow.stage) sees it; apart from the
stage, so that a scan whose stage comes from the cache does not import it."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.findings import FileResult


@dataclass(slots=True)
class Entry:
    """One file of the scan: where it is, its latest result, and what it was asked."""

    path: str  # absolute
    shown: str
    rel: str
    explicit: bool
    result: FileResult
    extra: frozenset[str] = field(default_factory=frozenset)
