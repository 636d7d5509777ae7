"""The docs say what the sandbox does with the working directory: read-only unless the
call passes ``writable_cwd=True`` (docs/sandbox.md), and the migration guide no longer
tells users to hand a migrated call a project folder (docs/migrate.md)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from auditor import sandbox

DOCS = Path(__file__).resolve().parent.parent / "docs"
TESTS = Path(__file__).resolve().parent / "sandbox"


def _row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row {first_cell!r}")


def test_the_working_directory_row_says_read_only_unless_asked() -> None:
    text = (DOCS / "sandbox.md").read_text()
    _, standard, strict = _row(text, "the working directory")
    assert "**read-only**" in standard and "`writable_cwd=True`" in standard
    assert "**writable**" not in standard
    assert "read-only" in strict
    assert "Nothing of the host is writable by default." in text


def test_every_keyword_of_run_and_pool_is_in_the_api_section() -> None:
    api = (DOCS / "sandbox.md").read_text().split("## API", 1)[1].split("\n## ", 1)[0]
    for function in (sandbox.run, sandbox.Pool):
        for name, param in inspect.signature(function).parameters.items():
            if param.kind is inspect.Parameter.KEYWORD_ONLY:
                assert f"{name}=" in api, (function.__name__, name)


def test_the_migration_guide_recommends_no_project_folder() -> None:
    text = (DOCS / "migrate.md").read_text()
    assert "cwd=` of a project folder" not in text
    assert "The migration never adds `writable_cwd=True` itself" in text
    _, _, lost, given_back = _row(text, "writing")
    assert "read-only" in lost and "`writable_cwd=True`" in given_back


def test_every_test_the_sandbox_docs_name_exists() -> None:
    text = (DOCS / "sandbox.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    defined = {
        node.name
        for path in TESTS.glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    assert named and not named - defined, sorted(named - defined)
