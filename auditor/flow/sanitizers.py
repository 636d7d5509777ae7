"""Sanitizers the project takes away: a sanitizer (rules/sources.toml's ``[[sanitizer]]``:
``shlex.quote``, ``ipaddress.ip_address``) is trusted by its dotted name, which proves
nothing when a file of the project is named like its module (``shlex.py`` with ``def
quote(s): return s``: Python puts the folder of the script it runs, or the current folder,
first on ``sys.path``) or replaces it at run time (``shlex.quote = lambda s: s``,
``setattr(shlex, "quote", f)`` in ``compat.py``). What such a sanitizer returns is what it
was given (auditor.flow.propagate), and the flow says why, at the file that does it (so
``check --changed`` of that file judges the site too).

A module of the project named like the sanitizer's module counts for the files of the
folder it may be imported from (``tools/shlex.py``: the scripts of ``tools/``), or for all
when it is a module of that name from the project's root (``shlex.py``, ``src/shlex.py``).
Not counted: a patch in a test file (rules/isolation.toml's test files, as for the sandbox),
and the builtins (``int``), whose shadowing in the file itself the per-file stage sees.
The same reading as auditor.flow.shadows and auditor.flow.patches give the sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from auditor.findings import Step
from auditor.flow.entry import Entry
from auditor.flow.module_writes import Write
from auditor.flow.patches import project_writes, replaces
from auditor.flow.shadows import module_parts

# (the folder whose files it concerns, as shown; None: every file) and the step of the flow
Void = tuple[str | None, Step]


class VoidedSanitizers:
    """For a sanitizer's dotted name, where the project shadows or patches it (read once
    per name, in the order of the scan)."""

    def __init__(
        self,
        entries: list[Entry],
        text_of: Callable[[Entry], str | None],
        module_of: Callable[[Entry], str],
    ) -> None:
        self.entries = entries
        self.text_of = text_of
        self.module_of = module_of
        self._found: dict[str, tuple[Void, ...]] = {}
        self._writes: dict[str, list[Write]] = {}  # see project_writes

    def of(self, name: str) -> tuple[Void, ...]:
        if name not in self._found:
            self._found[name] = tuple(self._read(name))
        return self._found[name]

    def _read(self, name: str) -> list[Void]:
        module, _, function = name.rpartition(".")
        if not module or not function:
            return []
        out: list[Void] = []
        if module != "builtins":
            out += self._shadows(name, module)
        patch = self._patch(name, module)
        if patch is not None:
            out.append((None, patch))
        return out

    def _shadows(self, name: str, module: str) -> list[Void]:
        parts = module.split(".")
        out: list[Void] = []
        for entry in self.entries:
            found = module_parts(entry, self.module_of)
            if len(found) < len(parts) or found[-len(parts) :] != parts:
                continue
            shown = entry.shown.replace(os.sep, "/")
            base = shown.rsplit(".", 1)[0]
            if base.endswith("/__init__") or base == "__init__":
                base = base.rsplit("/", 1)[0] if "/" in base else ""
            folder = base
            for _ in parts:
                folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
            scope = None if found == parts else folder
            note = (
                f"a module of the project named {module}, which `import {module}` may "
                f"import instead: {name}() is no sanitizer"
            )
            out.append((scope, Step(entry.shown, 1, 0, note, "voided", name, entry.shown)))
        return out

    def _patch(self, name: str, module: str) -> Step | None:
        last = module.rsplit(".", 1)[-1]
        found = project_writes(self.entries, self.text_of, self.module_of, last, self._writes)
        for entry, _, write in found:
            if replaces(write, name):
                note = (
                    f"{entry.shown} replaces {name} at run time ({write.code}): it is no sanitizer"
                )
                return Step(entry.shown, write.line, write.column, note, "voided", name, "")
        return None
