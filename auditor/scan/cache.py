"""A content-addressed cache of per-file results.

The key hashes the file's bytes, its path (findings carry it, and trusted paths depend on it),
the tool version, the effective policy, the sink catalogue and the options that change
findings. It lives in ``.auditor_cache/`` at the project root (git-ignored by a file inside it;
the user's cache folder when the scanned folder has no policy file) or in ``--cache-dir``, as
one SQLite database, so a warm run opens one file and reads one row per scanned file. Any
problem with the cache (read-only disk, corrupt database) turns it off with a warning; it
never fails a scan.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.findings import FileResult, Finding, ScanError
from auditor.flow.model import FileSummary

SCHEMA = 2  # 2: results carry the file's summary for the project-wide stage
FOLDER = ".auditor_cache"
_BATCH = 500  # keys per query (SQLite allows 32766 parameters since 3.32)


class ResultCache:
    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt.encode()
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str]] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by auditor: the scan cache is not source\n*\n")
            self._db = sqlite3.connect(folder / "results.sqlite3", timeout=5)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            self._disable(exc)

    def _disable(self, exc: Exception) -> None:
        warnings.warn(f"auditor: result cache in {self.folder} is off: {exc}", stacklevel=3)
        if self._db is not None:
            self._db.close()
        self._db = None

    def key(self, data: bytes, path: str, rel_path: str) -> str:
        return content_key(self.salt, data, path, rel_path)

    def get_many(self, keys: list[str]) -> dict[str, FileResult]:
        """The cached results of those ``keys`` that have one (a query per 500 keys: one
        per file cost more than the rest of a warm run)."""
        out: dict[str, FileResult] = {}
        if self._db is None:
            return out
        rows: list[tuple[str, str]] = []
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows += self._db.execute(
                    f"SELECT key, value FROM results WHERE key IN ({marks})", batch
                ).fetchall()
        except sqlite3.Error as exc:
            self._disable(exc)
            return {}
        for key, value in rows:
            data = json.loads(value)
            findings = [Finding.from_json(f) for f in data["findings"]]
            errors = [ScanError(e["path"], e["message"], e.get("line")) for e in data["errors"]]
            summary = data.get("summary")
            out[key] = FileResult(
                findings,
                errors,
                bool(data["parsed"]),
                FileSummary.from_json(summary) if summary is not None else None,
            )
        return out

    def put(self, key: str, result: FileResult) -> None:
        if self._db is None:
            return
        value: dict[str, Any] = {
            "findings": [f.to_json() for f in result.findings],
            "errors": [e.to_json() for e in result.errors],
            "parsed": result.parsed,
            "summary": None if result.summary is None else result.summary.to_json(),
        }
        self._pending.append((key, json.dumps(value)))
        if len(self._pending) >= 500:
            self.flush()

    def flush(self) -> None:
        if self._db is None or not self._pending:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", self._pending
                )
        except sqlite3.Error as exc:
            self._disable(exc)
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


def default_folder(policy_root: str, policy_file: str | None) -> Path:
    """Where the cache lives without ``--cache-dir``: ``.auditor_cache`` at the project root
    when the project has a policy file (it opted in, like ``.ruff_cache``), else the user's
    cache folder (``$XDG_CACHE_HOME/auditor``, default ``~/.cache/auditor``), so that a scan
    of a folder that is not a configured project never writes into it."""
    if policy_file is not None:
        return Path(policy_root) / FOLDER
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "auditor"


def content_key(salt: bytes, data: bytes, path: str, rel_path: str) -> str:
    """The cache key of one file's result (also computed in worker processes, so that a
    file's bytes never travel back to the parent)."""
    digest = hashlib.blake2b(salt, digest_size=20)
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(rel_path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def salt_for(policy_fingerprint: str, catalogue_text: str, options: str) -> str:
    catalogue = hashlib.blake2b(catalogue_text.encode(), digest_size=12).hexdigest()
    return f"{SCHEMA}|{__version__}|{policy_fingerprint}|{catalogue}|{options}"
