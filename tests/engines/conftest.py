"""One scan per fixture set with every engine: semgrep starts slowly (~1-4 s a run), so the
tests of this folder share these results."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import ScanResult
from tests.conftest import FIXTURES

ALL = ["libcst", "bandit", "semgrep"]
# real code: standard-library modules that run processes and code, bandit's own source
STDLIB_MODULES = ["subprocess", "os", "pty", "runpy", "code"]


def module_file(name: str) -> str:
    path = importlib.import_module(name).__file__  # (find_spec says "frozen" for os)
    assert path is not None
    return path


@pytest.fixture(scope="session")
def fixtures_scan() -> ScanResult:
    """The scanner's fixture tree, the engines' multi-line fixtures and a few standard-library
    modules, with every engine in one run (paths relative to tests/fixtures, the modules'
    absolute)."""
    cwd = os.getcwd()
    os.chdir(FIXTURES)
    try:
        paths = [Path("tree"), Path("engines"), *(Path(module_file(m)) for m in STDLIB_MODULES)]
        return scan(paths, engines=ALL)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def bandit_package_scan() -> ScanResult:
    """bandit's own installed package, with bandit (semgrep over it would take a minute)."""
    return scan([Path(module_file("bandit")).parent], engines=["libcst", "bandit"])
