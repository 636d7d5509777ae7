"""The removal of the imports a rewrite made unused writes what libcst's RemoveImportsVisitor
writes, and takes its short cut only when the text proves every scheduled import unused."""

from __future__ import annotations

import textwrap
from typing import Any

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import MetadataWrapper

from auditor import unused_imports

# (source, scheduled removals (module, obj, asname), whether the text proves them unused)
CASES = [
    ("import os\nimport subprocess\n\nos.getcwd()\n", [("subprocess", None, None)], True),
    ("import os, subprocess\n\nos.getcwd()\n", [("subprocess", None, None)], True),
    ("import subprocess, os  # tools\n\nos.getcwd()\n", [("subprocess", None, None)], True),
    ("import subprocess as sp\n\nx = 1\n", [("subprocess", None, "sp")], True),
    ("import subprocess as sp\n\nx = 1\n", [("subprocess", None, None)], True),  # no match
    ("import subprocess\n\nsubprocess.run(['ls'])\n", [("subprocess", None, None)], False),
    ("import subprocess\n\n__all__ = ['subprocess']\n", [("subprocess", None, None)], False),
    ("import subprocess\n\n# subprocess is gone\n", [("subprocess", None, None)], False),
    ("import os.path\n\nx = 1\n", [("os.path", None, None)], True),
    ("import os.path\n\nos.sep\n", [("os.path", None, None)], False),
    (
        "from subprocess import (\n    PIPE,  # kept\n    run,  # gone\n    call,\n)\n\nPIPE\n",
        [("subprocess", "run", None), ("subprocess", "call", None)],
        True,
    ),
    ("from os import system as sh, getcwd\n\ngetcwd()\n", [("os", "system", "sh")], True),
    (
        "def f():\n    import subprocess\n    return 1\n\n\ndef g():\n    import subprocess\n",
        [("subprocess", None, None)],
        True,
    ),
    (
        "if True:\n    import subprocess\nelse:\n    import os\nos.getcwd()\n",
        [("subprocess", None, None)],
        True,
    ),
    ("from . import tools\n\nx = 1\n", [("pkg.tools", None, None)], True),
    ("from __future__ import annotations\n", [("__future__", "annotations", None)], False),
    ("from os import *\n\nx = 1\n", [("os", "path", None)], True),
    (
        "def f(x: 'subprocess.Popen'):\n    pass\nimport subprocess\n",
        [("subprocess", None, None)],
        False,
    ),
]


def _context(scheduled: list[tuple[str, str | None, str | None]]) -> CodemodContext:
    context = CodemodContext(filename="pkg/mod.py", full_module_name="pkg.mod",
                             full_package_name="pkg")  # fmt: skip
    for module, obj, asname in scheduled:
        RemoveImportsVisitor.remove_unused_import(context, module, obj, asname)
    return context


@pytest.mark.parametrize(("source", "scheduled", "proven"), CASES)
def test_same_as_libcst(
    source: str,
    scheduled: list[tuple[str, str | None, str | None]],
    proven: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = RemoveImportsVisitor(_context(scheduled)).transform_module(cst.parse_module(source))
    resolved: list[str] = []  # the metadata resolved from now on (libcst's scope analysis)
    real = MetadataWrapper.resolve_many

    def spy(self: MetadataWrapper, providers: Any) -> Any:
        resolved.extend(p.__name__ for p in providers)
        return real(self, providers)

    monkeypatch.setattr(MetadataWrapper, "resolve_many", spy)
    got = unused_imports.remove_unused_imports(_context(scheduled), cst.parse_module(source))
    assert got.code == expected.code
    # the short cut: when the text proves the imports unused, no analysis of the module
    assert (not resolved) == proven, resolved


def test_a_removal_changes_the_text() -> None:
    source = textwrap.dedent(
        """\
        import os
        import subprocess

        os.getcwd()
        """
    )
    got = unused_imports.remove_unused_imports(
        _context([("subprocess", None, None)]), cst.parse_module(source)
    )
    assert got.code == "import os\n\nos.getcwd()\n"
