"""Monkeypatches of an isolation wrapper's module made in another file of the project: a
call of auditor's sandbox (``sandbox.run(cmd)`` in ``app/jobs.py``) runs on the host when
``app/compat.py`` holds ``sb.run = subprocess.run``, ``setattr(sandbox, "run", f)``,
``auditor.sandbox.Popen = subprocess.Popen`` or ``mock.patch("auditor.sandbox.run", ...)``
in code the application runs. The per-file stage sees such a write only in the call's own
file (auditor.scan.isolation); this is the project's view, read for the stage
(auditor.flow.stage.apply) when some finding is isolated.

A patch is any write that replaces the wrapper's module, one of its attributes, an
attribute of one of them (``sandbox.Popen.__init__ = f``) or one of its submodules
(``auditor.sandbox.api.run = f``), as auditor.flow.module_writes reads them, in a file
whose text names the module's last name (``sandbox``). Not counted: the wrapper's own
package (its implementation) and the test files of ``rules/isolation.toml`` (a
``monkeypatch.setattr(sandbox, "run", fake)`` in ``tests/`` or ``conftest.py`` runs in the
test runner). Not seen: a patch through a module named at run time, or of what the sandbox
itself relies on (``os.execve``, ``subprocess.Popen`` replaced for the whole process).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditor.flow.entry import Entry
from auditor.flow.module_writes import Write, module_writes
from auditor.globs import path_matches
from auditor.rules_files import rule_table


@functools.cache
def _test_globs() -> tuple[str, ...]:
    table = rule_table("isolation.toml").get("test_files", {})
    return tuple(str(g) for g in table.get("globs", ()))


def test_file(rel: str) -> bool:
    """Whether the file at ``rel`` (relative to the project root, POSIX) is a test file
    (rules/isolation.toml)."""
    path = rel.replace(os.sep, "/")
    return any(path_matches(path, glob) for glob in _test_globs())


def replaces(write: Write, target: str) -> bool:
    """Whether ``write`` replaces module ``target``, something of it, or an attribute of a
    package above it that is ``target`` (``auditor.sandbox = fake``)."""
    if write.name == "*":  # a name chosen at run time: any attribute
        return (
            write.module == target
            or write.module.startswith(target + ".")
            or target.startswith(write.module + ".")
        )
    full = f"{write.module}.{write.name}"
    return full == target or full.startswith(target + ".") or target.startswith(full + ".")


@dataclass(frozen=True, slots=True)
class Patch:
    """Where a file replaces something of an isolation wrapper's module."""

    path: str  # as shown
    write: Write

    def why(self) -> str:
        """What a finding's message says of it."""
        return f"{self.path}:{self.write.line} replaces `{self.subject()}` at run time"

    def subject(self) -> str:
        """What it replaces: ``auditor.sandbox.run``, or the module for a name chosen at
        run time."""
        write = self.write
        return write.module if write.name == "*" else f"{write.module}.{write.name}"


class Patches:
    """The first patch of each isolation wrapper's module in the scan's files (read once
    per module, in the order of the scan)."""

    def __init__(
        self,
        entries: list[Entry],
        text_of: Callable[[Entry], str | None],
        module_of: Callable[[Entry], str],
    ) -> None:
        self.entries = entries
        self.text_of = text_of
        self.module_of = module_of
        self._found: dict[str, Patch | None] = {}
        self._writes: dict[str, list[Write]] = {}  # see project_writes

    def of(self, target: str) -> Patch | None:
        """The first patch of module ``target`` (``auditor.sandbox``), or None."""
        if target not in self._found:
            self._found[target] = self._first(target)
        return self._found[target]

    def _first(self, target: str) -> Patch | None:
        last = target.rsplit(".", 1)[-1]
        found = project_writes(self.entries, self.text_of, self.module_of, last, self._writes)
        for entry, here, write in found:
            if here == target or here.startswith(target + "."):
                continue  # the wrapper's own code
            if replaces(write, target):
                return Patch(entry.shown, write)
        return None


def project_writes(
    entries: list[Entry],
    text_of: Callable[[Entry], str | None],
    module_of: Callable[[Entry], str],
    word: str,
    memo: dict[str, list[Write]] | None = None,
) -> Iterator[tuple[Entry, str, Write]]:
    """The writes of modules' names (auditor.flow.module_writes) in the scan's files whose
    text holds ``word``, test files left out, in the order of the scan: each with its file
    and that file's module name. ``memo``: each file's writes by its path, kept for the
    next word (a file holding several words is parsed once)."""
    for entry in entries:
        text = text_of(entry)
        if not text or word not in text or test_file(entry.rel):
            continue
        here = module_of(entry)
        writes = memo.get(entry.path) if memo is not None else None
        if writes is None:
            package = entry.rel.endswith(("__init__.py", "__init__.pyw"))
            writes = module_writes(text, here, package)
            if memo is not None:
                memo[entry.path] = writes
        for write in writes:
            yield entry, here, write
