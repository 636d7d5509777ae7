"""The data files of ``rules/`` (installed as ``auditor.rules``), read straight from the
package folder: ``importlib.resources`` would import zipfile and friends on every run,
and the package is never imported from a zip (pip installs it unpacked)."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any


@functools.cache
def folder() -> Path:
    """Where ``auditor.rules`` lives (``rules/`` in a checkout, via the package-dir map)."""
    spec = importlib.util.find_spec("auditor.rules")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the auditor.rules package is missing: reinstall auditor")
    return Path(next(iter(spec.submodule_search_locations)))


def read_rule_file(name: str) -> str:
    """The text of ``rules/<name>`` (e.g. ``sinks.toml``)."""
    return (folder() / name).read_text("utf-8")


def rule_data(name: str) -> dict[str, Any]:
    """``rules/<name>`` parsed as TOML: a new object on each call (see :func:`package_toml`)."""
    return package_toml(read_rule_file(name))


@functools.cache
def rule_table(name: str) -> dict[str, Any]:
    """``rules/<name>`` parsed as TOML (read once; the caller must not change it)."""
    return rule_data(name)


def _json_folder() -> Path:
    """``rules/__pycache__`` (under ``sys.pycache_prefix`` when set): beside the package's
    own ``.pyc`` files, written by whoever may write the package; never a folder of the
    project scanned."""
    where = folder().resolve() / "__pycache__"
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix).joinpath(*where.parts[1:])
    return where


def package_toml(text: str) -> dict[str, Any]:
    """A TOML file of auditor's own (a rule table, a report's locale), parsed. Python's TOML
    parser is pure Python: ``rules/launchers.toml`` alone took 12 ms of every run, 25 times
    what reading its JSON form takes. So the JSON form is kept in ``rules/__pycache__``,
    named by a digest of the text (a changed file is parsed again), as Python keeps a
    module's bytecode: best effort, nothing written when Python writes no bytecode
    (``PYTHONDONTWRITEBYTECODE``) or the folder is not writable, a damaged file parsed
    again. JSON, not pickle: a file there can only ever be data. Raises
    ``tomllib.TOMLDecodeError`` as ``tomllib.loads`` does."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
    where = _json_folder() / f"{digest}.json"
    try:
        kept = json.loads(where.read_bytes())
        if isinstance(kept, dict):
            return kept
    except (OSError, ValueError):
        pass
    import tomllib  # (a run that finds the kept JSON form does not import the parser)

    data = tomllib.loads(text)
    if not sys.dont_write_bytecode:
        _keep(where, data)
    return data


def _keep(where: Path, data: dict[str, Any]) -> None:
    import tempfile  # (only when the kept form is written)

    try:
        encoded = json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):  # a date or time, a nan: not JSON, parsed each time
        return
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=where.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(encoded)
                os.fchmod(handle.fileno(), 0o644)  # readable by all, as a .pyc is
            os.replace(temporary, where)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass
