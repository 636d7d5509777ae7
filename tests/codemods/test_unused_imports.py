"""The removal of the imports a rewrite made unused writes what libcst's RemoveImportsVisitor
writes, and takes its short cut only when the text proves every scheduled import unused."""

from __future__ import annotations

import dataclasses
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


# (module, the callee a rewrite dropped, whether the module-level imports decide: no scopes)
BY_NODE = [
    ("import os\n\nos.system(cmd)\n", "os.system", True),
    ("import os, sys\nimport os.path\n\nos.system(cmd)\n", "os.system", True),
    ("import os.path\n\nos.path.join(a)\n", "os.path.join", True),
    ("import os.path as osp\n\nosp.join(a)\n", "osp.join", True),
    ("from os import system\n\nsystem(cmd)\n", "system", True),
    ("from os import system as sh, path\n\nsh(cmd)\n", "sh", True),
    ("import subprocess as sp\n\n\ndef f():\n    sp.run(x)\n", "sp.run", True),
    ("from os import system\nimport os\n\nos.system(cmd)\n", "os.system", True),
    ("if x:\n    import os\nelse:\n    os = None\nos.system(cmd)\n", "os.system", True),
    (
        "try:\n    import subprocess\nexcept ImportError:\n    pass\nsubprocess.call(c)\n",
        "subprocess.call",
        True,
    ),
    ("from . import tools\n\ntools.run(x)\n", "tools.run", True),
    ("import os\n\n\nclass A:\n    def f(self):\n        os.popen(c)\n", "os.popen", True),
    ("eval(x)\n", "eval", True),  # a builtin: nothing to remove
    ("import os\n\n\ndef f():\n    import os\n\n    os.system(cmd)\n", "os.system", False),
    ("def f():\n    global os\n    import os\n\n\nos.system(cmd)\n", "os.system", False),
    ("import os\n\n\nclass A:\n    import os.path\n\n    os.system(cmd)\n", "os.system", False),
    ("def f():\n    from os import path as system\n\n\nsystem(cmd)\n", "system", False),
]


def _callee(module: cst.Module, code: str) -> cst.CSTNode:
    found: list[cst.CSTNode] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if not found and module.code_for_node(node.func) == code:
                found.append(node.func)

    module.visit(Calls())
    assert found, code
    return found[0]


@pytest.mark.parametrize(("source", "callee", "decided"), BY_NODE)
def test_by_node_schedules_what_libcst_schedules(
    source: str, callee: str, decided: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = cst.parse_module(source)
    node = _callee(module, callee)
    theirs, ours = (  # with the module's metadata, as in a codemod
        dataclasses.replace(_context([]), wrapper=MetadataWrapper(module, unsafe_skip_copy=True))
        for _ in range(2)
    )
    RemoveImportsVisitor.remove_unused_import_by_node(theirs, node)
    resolved: list[str] = []
    real = MetadataWrapper.resolve

    def spy(self: MetadataWrapper, provider: Any) -> Any:
        resolved.append(provider.__name__)
        return real(self, provider)

    monkeypatch.setattr(MetadataWrapper, "resolve", spy)
    index = unused_imports.import_index(module)
    unused_imports.remove_unused_import_by_node(ours, node, index)
    expected = set(RemoveImportsVisitor._get_imports_from_context(theirs))
    assert set(RemoveImportsVisitor._get_imports_from_context(ours)) == expected
    assert expected or callee == "eval" or not decided  # (not vacuous)
    assert (not resolved) == decided, resolved  # decided: no scope analysis of the module
