"""The data files of ``rules/`` (installed as ``auditor.rules``), read straight from the
package folder: ``importlib.resources`` would import zipfile and friends on every run,
and the package is never imported from a zip (pip installs it unpacked)."""

from __future__ import annotations

import functools
import importlib.util
import tomllib
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


@functools.cache
def rule_table(name: str) -> dict[str, Any]:
    """``rules/<name>`` parsed as TOML (read once)."""
    data: dict[str, Any] = tomllib.loads(read_rule_file(name))
    return data
