"""The value of a string literal, memoised by its text.

``cst.SimpleString.evaluated_value`` runs :func:`ast.literal_eval` (a compile) on every call,
and the scan asks for the same literals over and over (each payload, label and name
evaluation of a file reads them again; a project repeats the same strings across files).
The value depends on the literal's text alone, so a cache by text gives the same value.
Long literals (a docstring, a script) are evaluated each time: the cache stays small.
"""

from __future__ import annotations

import ast
import functools
from typing import cast

import libcst as cst

_CACHED_MAX = 4096  # characters of a literal's text


@functools.lru_cache(maxsize=1 << 15)
def _evaluated(text: str) -> str | bytes:
    return cast("str | bytes", ast.literal_eval(text))


def string_value(node: cst.SimpleString) -> str | bytes:
    """``node.evaluated_value``, without compiling a literal already seen."""
    text = node.value
    if len(text) > _CACHED_MAX:
        return cast("str | bytes", ast.literal_eval(text))
    return _evaluated(text)
