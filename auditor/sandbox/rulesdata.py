"""The sandbox's data file, ``rules/sandbox.toml`` (installed as ``auditor/rules``).

Read once per process, on the first run (not at import), straight from the package folder
with :mod:`tomllib`: the sandbox imports nothing of the scanner and only the standard library.
A damaged file raises :class:`SandboxConfigError` naming the file and the key.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import tomllib
from typing import Any

from auditor.sandbox.errors import SandboxConfigError

NAME = "sandbox.toml"


@functools.cache
def path() -> str:
    """Where ``sandbox.toml`` lives: ``auditor/rules`` when installed (``rules/`` of the
    checkout for an editable install), or ``rules/`` beside the package for a checkout used
    through ``PYTHONPATH``."""
    spec = importlib.util.find_spec("auditor.rules")
    if spec is not None and spec.submodule_search_locations:
        return os.path.join(next(iter(spec.submodule_search_locations)), NAME)
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.join(here, os.pardir, os.pardir, "rules", NAME)
    if os.path.exists(checkout):
        return os.path.normpath(checkout)
    raise SandboxConfigError("auditor.rules: the package is missing; reinstall auditor")


@functools.cache
def load() -> dict[str, Any]:
    """The parsed file (cached)."""
    where = path()
    try:
        with open(where, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise SandboxConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SandboxConfigError(f"{where}: {exc}") from None


def section(*keys: str) -> Any:
    """``load()[keys[0]][keys[1]]...``; a missing key is a one-line error naming it."""
    node: Any = load()
    for i, key in enumerate(keys):
        if not isinstance(node, dict) or key not in node:
            raise SandboxConfigError(f"{path()}: missing key {'.'.join(keys[: i + 1])}")
        node = node[key]
    return node


def bad(key: str, problem: str) -> SandboxConfigError:
    return SandboxConfigError(f"{path()}: {key}: {problem}")
