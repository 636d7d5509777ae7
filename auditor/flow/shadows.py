"""A module of the scanned project that ``from auditor import sandbox`` may import instead of
auditor's sandbox: ``auditor.py``, ``auditor/__init__.py``, ``auditor/sandbox.py`` or
anything under ``auditor/sandbox/`` in the project. Python puts the folder of the script it
runs (or the current folder, for ``python -m`` and most servers) first on ``sys.path``, so
the project's own ``auditor`` comes before the installed one, and a call the scan reads as
``auditor.sandbox.run`` may be ``subprocess.run`` (``from subprocess import run`` in the
project's ``auditor/sandbox.py``). The name alone proves nothing then: every call of
auditor's sandbox in the project is judged as it would be without the sandbox
(auditor.flow.stage), wherever the shadowing file is.

A folder below the project root counts too (``tools/auditor.py``: a script of ``tools/``
run as ``python tools/run.py`` imports it first), and so does a scan of auditor's own
repository (its ``auditor/sandbox/`` is, to the scan, a module of the project like any
other). Not seen: a shadow outside the scanned files (excluded, or not among the paths
given), a ``.pth`` file or ``PYTHONPATH`` that puts another folder first, or an
``auditor`` installed from elsewhere."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from auditor.flow.entry import Entry

SANDBOX = "auditor.sandbox"  # the module of auditor's sandbox; its package is "auditor"
_PACKAGE, _MODULE = SANDBOX.split(".")


def shadowed(parts: list[str]) -> str | None:
    """The dotted name of auditor's sandbox (or of the package holding it) that a module of
    the project whose dotted name is ``parts`` may stand for when its folder is first on
    ``sys.path``: ``auditor``, ``auditor.sandbox``, ``auditor.sandbox.api``; None when it
    is none of them (``auditor.report``, ``app.audit``)."""
    for index, part in enumerate(parts):
        if part != _PACKAGE:
            continue
        rest = parts[index + 1 :]
        if not rest or rest[0] == _MODULE:
            return ".".join(parts[index:])
    return None


def module_parts(entry: Entry, module_of: Callable[[Entry], str]) -> list[str]:
    """The dotted name of ``entry``'s module as parts: its module name (``module_of``), or
    its path's parts when that has none (``my-tools/auditor.py``: a script of
    ``my-tools/`` still imports it); [] for a file Python does not import (not ``.py``)."""
    rel = entry.rel.replace("\\", "/")
    if not rel.endswith((".py", ".pyw")):
        return []
    name = module_of(entry)
    if name:
        return name.split(".")
    parts = rel.removesuffix(".py").removesuffix(".pyw").split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [part for part in parts if part not in ("", ".", "..")]


@dataclass(frozen=True, slots=True)
class Shadow:
    """A file of the project named like auditor's sandbox (or its package)."""

    path: str  # as shown
    name: str  # what it stands for: "auditor", "auditor.sandbox", "auditor.sandbox.api"

    def why(self) -> str:
        """What a finding's message says of it."""
        return (
            f"{self.path} is the project's own `{self.name}`, which `import {SANDBOX}` may "
            "import instead of auditor's sandbox"
        )


# what Python imports as ``auditor`` from a folder of sys.path, besides a scanned .py file:
# a compiled module or package without its source, an extension module (a folder without
# ``__init__`` is a namespace portion, which a regular package elsewhere wins over)
_COMPILED = (
    "auditor.pyc", "auditor.so", "auditor.abi3.so",
    os.path.join("auditor", "__init__.pyc"), os.path.join("auditor", "__init__.py"),
    os.path.join("auditor", "__init__.pyw"),
)  # fmt: skip


def first_shadow(entries: list[Entry], module_of: Callable[[Entry], str]) -> Shadow | None:
    """The first file of the scan (in its order) named like auditor's sandbox, or None;
    then, in the folders that hold the scanned files and the folder holding them all, an
    ``auditor`` the walk does not list (``auditor/__init__.pyc`` without its source, a
    link ``auditor -> vendor/x`` to a package scanned under its real path)."""
    for entry in entries:
        name = shadowed(module_parts(entry, module_of))
        if name is not None:
            return Shadow(entry.shown, name)
    folders = dict.fromkeys(os.path.dirname(os.path.abspath(e.path)) for e in entries)
    if folders:
        folders[os.path.commonpath(list(folders))] = None
    for folder in folders:
        for name in _COMPILED:
            found = os.path.join(folder, name)
            if os.path.exists(found):
                shown = os.path.relpath(found)
                return Shadow(found if shown.startswith("..") else shown, _PACKAGE)
    return None
