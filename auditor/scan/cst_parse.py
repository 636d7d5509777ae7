"""libcst's parse of a module, without checking every node it builds.

libcst validates each node in its constructor (``CSTNode.__post_init__`` calls
``_validate``): that guards trees built by hand, and costs about a fifth of parsing a file,
whose nodes come from the parser and are valid by construction (libcst's own comment on
``__post_init__`` says so). While :func:`parse_module` runs, the nodes the calling thread
builds are not validated; nodes that other threads build meanwhile, and every node built
after (the codemods' rewrites), still are.

The check of which thread builds a node costs about as much as the validation it skips
(a parse builds a node per token or so: two million on ansible-core). A worker process has
one thread: when the parsing thread is the only one alive, no other thread can build a node
until the parse returns, and the parse installs a ``__post_init__`` that does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import libcst as cst
from libcst._nodes.base import CSTNode

_lock = threading.Lock()
_parsing: set[int] = set()  # the threads in parse_module
_validating: Callable[[CSTNode], None] = CSTNode.__post_init__


def _post_init(node: CSTNode) -> None:
    if threading.get_ident() not in _parsing:
        _validating(node)


def _skip(node: CSTNode) -> None:
    """No validation: while the one thread alive parses."""


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module(source)``, its nodes not validated one by one."""
    me = threading.get_ident()
    with _lock:
        # alone: no other thread to build a node during the parse (another parse started
        # meanwhile, by a thread this one starts, installs the check by thread again)
        alone = not _parsing and threading.active_count() == 1
        _parsing.add(me)
        CSTNode.__post_init__ = _skip if alone else _post_init  # type: ignore[method-assign,assignment]
    try:
        return cst.parse_module(source)
    finally:
        with _lock:
            _parsing.discard(me)
            if not _parsing:
                CSTNode.__post_init__ = _validating  # type: ignore[method-assign,assignment]
