"""One file of a scan as the project-wide stage (auditor.flow.stage) sees it; apart from the
stage, so that a scan whose stage comes from the cache does not import it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor.findings import FileResult

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a file's words, as the stage reads them


@dataclass(slots=True)
class Entry:
    """One file of the scan: where it is, its latest result, and what it was asked."""

    path: str  # absolute
    shown: str
    rel: str
    explicit: bool
    result: FileResult
    extra: frozenset[str] = field(default_factory=frozenset)


def root_of(path: str, rel: str) -> str:
    """The folder ``rel`` is relative to (the policy's root), from a file's absolute
    ``path`` and ``rel``; "" when ``rel`` is not the end of ``path``."""
    if os.path.isabs(rel) or not path.endswith(rel):
        return ""
    return path[: len(path) - len(rel)] or os.sep


def read_text(data: bytes) -> str:
    """A file's text as the project-wide stage reads it (:func:`text_reader`)."""
    return data.decode("utf-8", "replace")


def text_reader() -> Callable[[Entry], str | None]:
    """A reader of the entries' text (UTF-8, undecodable bytes replaced; None when the file
    cannot be read), each file read once for all who ask."""
    texts: dict[str, str | None] = {}

    def text_of(entry: Entry) -> str | None:
        if entry.path not in texts:
            try:
                with open(entry.path, "rb") as handle:
                    texts[entry.path] = read_text(handle.read())
            except OSError:
                texts[entry.path] = None
        return texts[entry.path]

    return text_of
