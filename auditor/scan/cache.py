"""A content-addressed cache of per-file results.

The key hashes the file's bytes, its path (findings carry it, and trusted paths depend on it),
the tool version, the effective policy, the sink catalogue, the options that change
findings, and a random secret of the user made on first use in the user's own cache folder
(``local_secret``): anyone can compute the rest, so without it a cache committed to the
repository (or copied from another machine) could answer for files it never saw; with it,
such a cache is never trusted, its entries simply miss (and a ``.auditor_cache/`` that git
tracks is not used: auditor.api). It lives in ``.auditor_cache/`` at the project root
(git-ignored by a file inside it; the user's cache folder when the scanned folder has no
policy file) or in ``--cache-dir``, as one SQLite database, so a warm run opens one file
(and reads the secret) and reads one row per scanned file. A file's summary (what the
project-wide stage reads, most of the row) has a column of its own, read only when the
stage runs. Any problem with the cache (read-only disk, corrupt database, no secret) turns
it off with a warning; it never fails a scan.

The same database holds the results after the project-wide stage (auditor.flow), keyed by
every file's result key and the stage's code, so that a run where nothing changed does not
run the stage again either; and each file's migration plan (``auditor report``'s "specific lines to
fix", ``auditor migrate``), keyed by the file's result key and what the plan depends on
besides: the codemods' code, which codemods and sites, and the sandbox settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import warnings
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.findings import SUMMARY_UNREAD, FileResult, Finding, ScanError

# 2: results carry the file's summary for the project-wide stage; 3: latent; 5: the summary
# in a column of its own (table file_results), read only when the stage runs; 6: a site's
# imports (the names of other modules that would make it constant); 7: attributes set by
# name (setattr, __dict__, vars), what a call's ``*args``/``**kwargs`` carry; 8: the
# decorators that may wrap a function, a decorator's call of what it wraps, ``with`` targets
# as what ``__enter__`` returns, sinks bound by parameter defaults, loops and unpacking; 9:
# what is sent into a generator (its SENT parameter), sinks handed out by ``with``, a
# generator, ``next``, ``.get`` or a property
# 10: the methods an operation runs (``r[k]``: ``__getitem__``) as calls, tables of sinks among
# a module's bindings (``TABLE[run]``)
SCHEMA = 10
FOLDER = ".auditor_cache"
_BATCH = 500  # keys per query (SQLite allows 32766 parameters since 3.32)


class ResultCache:
    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt.encode()
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str | None]] = []
        self._pending_plans: list[tuple[str, str]] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by auditor: the scan cache is not source\n*\n")
            self._db = sqlite3.connect(folder / "results.sqlite3", timeout=5)
            # each file's result, and apart its summary (JSON texts): a warm scan whose stage
            # is cached reads only the results (stdlib: 2 MB, not 50 MB)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS file_results "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL, summary TEXT)"
            )
            # migration plans (auditor.plans), keyed by the file's result key and the plan salt
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS plans (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            # the results after the project-wide stage, keyed by every file's result key
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS stages (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
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

    def _rows(self, table: str, keys: list[str], columns: str = "value") -> list[Any]:
        """The (key, *columns) rows of ``table`` for ``keys`` (a query per 500 keys: one per
        file cost more than the rest of a warm run)."""
        if self._db is None:
            return []
        rows: list[Any] = []
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows += self._db.execute(
                    f"SELECT key, {columns} FROM {table} WHERE key IN ({marks})", batch
                ).fetchall()
        except sqlite3.Error as exc:
            self._disable(exc)
            return []
        return rows

    def get_many(self, keys: list[str], summaries: bool = True) -> dict[str, FileResult]:
        """The cached results of those ``keys`` that have one; without ``summaries``, their
        summaries are left unread (``SUMMARY_UNREAD``: see :meth:`summaries`)."""
        if not summaries:
            rows = self._rows("file_results", keys)
            return {key: _result(json.loads(value), SUMMARY_UNREAD) for key, value in rows}
        rows = self._rows("file_results", keys, "value, summary")
        return {key: _result(json.loads(value), summary) for key, value, summary in rows}

    def summaries(self, keys: list[str]) -> dict[str, str | None]:
        """The stored summary (a JSON text, None for a file not parsed) of those result
        ``keys`` the cache holds."""
        return {key: summary for key, summary in self._rows("file_results", keys, "summary")}

    def put(self, key: str, result: FileResult) -> None:
        if self._db is None:
            return
        held = result.summary
        summary = None if held is None else json.dumps(held.to_json())
        self._pending.append((key, json.dumps(_result_json(result)), summary))
        if len(self._pending) >= 500:
            self.flush()

    def stage_key(self, result_keys: list[str], code: str) -> str:
        """The key of a scan's project-wide stage: the result key of every file (their
        bytes, paths, the policy, the tool...) and the stage's own code."""
        digest = hashlib.blake2b(self.salt + code.encode(), digest_size=20)
        for key in sorted(result_keys):
            digest.update(key.encode())
        return digest.hexdigest()

    def get_stage(self, key: str) -> dict[str, FileResult] | None:
        """Each file's result after the project-wide stage (by shown path), as stored by
        ``put_stage``; None when the cache does not have it."""
        rows = self._rows("stages", [key])
        if not rows:
            return None
        return {path: _result(data, None) for path, data in json.loads(rows[0][1]).items()}

    def put_stage(self, key: str, results: dict[str, FileResult]) -> None:
        """Keep each file's final result (findings, errors; not what the stage needs)."""
        if self._db is None:
            return
        value = {path: _result_json(r, latent=False) for path, r in results.items()}
        try:
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO stages (key, value) VALUES (?, ?)",
                    (key, json.dumps(value)),
                )
        except sqlite3.Error as exc:
            self._disable(exc)

    def plan_key(self, result_key: str, plan_salt: str) -> str:
        """The key of a file's migration plan: its result key (bytes, path, policy, tool...)
        and what the plan depends on besides (``plan_salt``: the codemods' code, the
        selection and filter, the sandbox settings)."""
        digest = hashlib.blake2b(plan_salt.encode(), digest_size=20)
        digest.update(result_key.encode())
        return digest.hexdigest()

    def get_plans(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The cached plans of those ``keys`` that have one, as stored by ``put_plan``."""
        return {key: json.loads(value) for key, value in self._rows("plans", keys)}

    def put_plan(self, key: str, plan: dict[str, Any]) -> None:
        if self._db is None:
            return
        self._pending_plans.append((key, json.dumps(plan)))
        if len(self._pending_plans) >= 500:
            self.flush()

    def flush(self) -> None:
        if self._db is None or not (self._pending or self._pending_plans):
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO file_results (key, value, summary) VALUES (?, ?, ?)",
                    self._pending,
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO plans (key, value) VALUES (?, ?)", self._pending_plans
                )
        except sqlite3.Error as exc:
            self._disable(exc)
        self._pending.clear()
        self._pending_plans.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


def _result_json(result: FileResult, latent: bool = True) -> dict[str, Any]:
    value: dict[str, Any] = {
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
        "parsed": result.parsed,
    }
    if latent:  # (not after the stage; the summary has a column of its own: see put)
        value["latent"] = [f.to_json() for f in result.latent]
    return value


def _result(data: dict[str, Any], summary: Any) -> FileResult:
    """The result a row holds; ``summary``: its summary's JSON text, None when it has none,
    or ``SUMMARY_UNREAD``."""
    findings = [Finding.from_json(f) for f in data["findings"]]
    errors = [ScanError(e["path"], e["message"], e.get("line")) for e in data["errors"]]
    return FileResult(
        findings,
        errors,
        bool(data["parsed"]),
        [Finding.from_json(f) for f in data.get("latent", ())],
        stored_summary=summary,  # decoded when read (FileResult.summary)
    )


def user_folder() -> Path:
    """The user's own cache folder: ``$XDG_CACHE_HOME/auditor``, default
    ``~/.cache/auditor``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "auditor"


SECRET_FILE = "cache-secret"
_SECRET_BYTES = 32


class SecretError(OSError):
    """The cache's secret can be neither read nor made: the cache is off."""


def local_secret(folder: Path | None = None) -> str:
    """The random secret of this user on this machine, mixed into every cache key (hex):
    made on first use in the user's cache folder (``folder``, default :func:`user_folder`),
    mode 0600. A cache written anywhere else (committed to the repository, copied from
    another machine or user) was keyed with another secret: its entries simply miss. A
    secret file that is not a regular file of this user readable by it alone is replaced;
    :class:`SecretError` when no secret can be had."""
    folder = folder if folder is not None else user_folder()
    path = folder / SECRET_FILE
    found = _read_secret(path)
    if found is not None:
        return found
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = folder / f".{SECRET_FILE}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # left by a run that died
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, os.urandom(_SECRET_BYTES).hex().encode() + b"\n")
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # the first writer wins; a concurrent run reads its secret
        except FileExistsError:
            if _read_secret(path) is None:  # not a secret of ours: replaced
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    except OSError as exc:
        raise SecretError(f"cannot keep the cache's secret in {folder}: {exc}") from None
    found = _read_secret(path)
    if found is None:
        raise SecretError(f"cannot keep the cache's secret in {folder}: {path} is not usable")
    return found


def _read_secret(path: Path) -> str | None:
    """The secret ``path`` holds, when it is a regular file (not a link) of this user that
    no one else may read or write, holding a secret; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            return None
        text = os.read(fd, 256).decode("ascii", "replace").strip()
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(text) < 2 * _SECRET_BYTES or any(c not in "0123456789abcdef" for c in text):
        return None
    return text


def default_folder(policy_root: str, policy_file: str | None) -> Path:
    """Where the cache lives without ``--cache-dir``: ``.auditor_cache`` at the project root
    when the project has a policy file (it opted in, like ``.ruff_cache``), else the user's
    cache folder (``$XDG_CACHE_HOME/auditor``, default ``~/.cache/auditor``), so that a scan
    of a folder that is not a configured project never writes into it."""
    if policy_file is not None:
        return Path(policy_root) / FOLDER
    return user_folder()


def content_key(salt: bytes, data: bytes, path: str, rel_path: str) -> str:
    """The cache key of one file's result (also computed in worker processes, so that a
    file's bytes never travel back to the parent)."""
    digest = hashlib.blake2b(salt, digest_size=20)
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(rel_path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def salt_for(policy_fingerprint: str, catalogue_text: str, options: str, secret: str) -> str:
    """The salt of every key: the schema, the tool, the policy, the catalogue, the options
    and the user's :func:`local_secret` (without which anyone could compute a key and
    commit a cache that answers for a file it never saw)."""
    catalogue = hashlib.blake2b(catalogue_text.encode(), digest_size=12).hexdigest()
    return f"{SCHEMA}|{__version__}|{policy_fingerprint}|{catalogue}|{options}|{secret}"
