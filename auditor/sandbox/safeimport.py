"""Imports the caller makes for the sandbox never search a folder a payload could write.

A ``standard`` payload writes its working directory, and that directory is often on the
caller's ``sys.path`` (``python -c``, ``python -m``, a script in the project: the cwd comes
first).  A module the caller imported *after* a run (``prometheus_client`` on the first
metrics record, a submodule of this package on first use, ``ctypes``) would be looked up
there first: a ``prometheus_client.py`` the payload planted would run in the caller, as
the caller (root, perhaps).  So:

* :func:`preload`, called before the first payload of the process starts, imports
  everything the run path imports lazily (this package's submodules, ``ctypes``, the
  optional ``prometheus_client`` and what they import): after it, a run imports nothing;
* every one of those imports, and :func:`optional` at any time, runs with a ``sys.path``
  without relative entries (``''``, the cwd) and without entries inside the caller's
  working directory or any writable working directory given to a payload of this process
  (the interpreter's installation and this package, kept read-only in the view, stay):
  a module planted there by an earlier run, of this process or another, is not found.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType

#: Submodules of auditor.sandbox a run may use (api -> pool, the CLI's doctor...).
SUBMODULES = (
    "api",
    "cgroups",
    "config",
    "doctor",
    "driving",
    "dropins",
    "errors",
    "launcher",
    "limits",
    "linux",
    "metaguard",
    "metrics",
    "mountinfo",
    "native",
    "pool",
    "process",
    "profiles",
    "relay",
    "result",
    "rulesdata",
    "seccomp",
    "view",
)
#: Standard-library modules imported inside functions of the run path.
STDLIB = ("ctypes",)

_lock = threading.RLock()
#: Writable working directories given to payloads by this process (resolved).
_written: set[str] = set()
#: Paths inside them mounted read-only for every run (view.workdir_read_only, this package).
_protected: set[str] = set()
#: Called when a new writable working directory is noted (config drops its lookup cache).
_on_written: list[Callable[[], object]] = []
_preloaded = False


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def note_writable(workdir: str, protected: Iterable[str] = ()) -> None:
    """A payload of this process may write ``workdir`` (and everything under it) except the
    ``protected`` paths in it, mounted read-only over it."""
    if workdir != "/":
        _written.add(workdir)
        _protected.update(protected)
        for hook in _on_written:
            hook()


def written() -> frozenset[str]:
    """The writable working directories given to payloads of this process."""
    return frozenset(_written)


def payload_may_have_written(path: str) -> bool:
    """Whether a payload of this process could have made or changed ``path`` (resolved):
    it lies in one of their writable working directories and was not kept read-only."""
    if any(_under(path, p) for p in _protected):
        return False
    return any(_under(path, w) for w in _written)


def _unsafe_roots() -> list[str]:
    roots = set(_written)
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # removed: relative entries are dropped anyway
        cwd = "/"
    if cwd != "/":
        roots.add(cwd)
    return sorted(roots)


def safe_path() -> list[str]:
    """``sys.path`` without relative entries and without entries a payload could write."""
    from auditor.sandbox import view

    roots = _unsafe_roots()
    keep = (*view.python_dirs(), *view.protected_dirs())
    out = []
    for entry in sys.path:
        if not isinstance(entry, str) or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if any(_under(real, r) for r in roots) and not any(_under(real, k) for k in keep):
            continue
        out.append(entry)
    return out


@contextmanager
def _safe_sys_path() -> Iterator[None]:
    with _lock:
        saved = sys.path
        sys.path = safe_path()
        try:
            yield
        finally:
            sys.path = saved


def optional(name: str) -> ModuleType | None:
    """Import ``name`` (an optional dependency) with :func:`safe_path`; None without it."""
    module = sys.modules.get(name)
    # (one another thread is still importing is only partly there: import_module waits
    # for that import to end, a read of sys.modules does not)
    if module is not None and not getattr(
        getattr(module, "__spec__", None), "_initializing", False
    ):
        return module
    with _safe_sys_path():
        try:
            return importlib.import_module(name)
        except ImportError:
            return None


def preload() -> None:
    """Import, once per process and before a payload starts, what a run imports lazily."""
    global _preloaded
    if _preloaded:
        return
    with _safe_sys_path():
        for name in STDLIB:
            importlib.import_module(name)
        for sub in SUBMODULES:
            importlib.import_module(f"auditor.sandbox.{sub}")
        from auditor.sandbox import view

        view._needed_paths()  # sysconfig's lazy _sysconfigdata import
    optional("prometheus_client")  # the metrics' optional library (auditor.sandbox.metrics)
    _preloaded = True
