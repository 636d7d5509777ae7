"""One scan per fixture set with every engine: semgrep starts slowly (~1-4 s a run), so the
tests of this folder share these results."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import ScanResult
from auditor.judge.catalogue import Sink, builtin_sinks
from tests.conftest import FIXTURES

ALL = ["libcst", "bandit", "semgrep"]
# real code: standard-library modules that run processes and code, bandit's own source
STDLIB_MODULES = ["subprocess", "os", "pty", "runpy", "code"]


def module_file(name: str) -> str:
    path = importlib.import_module(name).__file__  # (find_spec says "frozen" for os)
    assert path is not None
    return path


def example_file(sink: Sink, which: str, index: int) -> str:
    return f"{sink.name}.{which}{index}.py"


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue's report/ignore examples, one file each (see example_file)."""
    folder = tmp_path_factory.mktemp("catalogue")
    for sink in builtin_sinks():
        for which, examples in (("report", sink.report), ("ignore", sink.ignore)):
            for i, code in enumerate(examples):
                (folder / example_file(sink, which, i)).write_text(code + "\n", "utf-8")
    return folder


@pytest.fixture(scope="session")
def fixtures_scan(examples_dir: Path) -> ScanResult:
    """The scanner's fixture tree, the engines' multi-line fixtures, a few standard-library
    modules and the catalogue's examples, with every engine in one run (semgrep's start-up is
    paid once). Fixture paths are relative to tests/fixtures, the others absolute."""
    cwd = os.getcwd()
    os.chdir(FIXTURES)
    try:
        paths = [
            Path("tree"),
            Path("engines"),
            *(Path(module_file(m)) for m in STDLIB_MODULES),
            examples_dir,
        ]
        return scan(paths, engines=ALL)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def bandit_package_scan() -> ScanResult:
    """bandit's own installed package, with bandit (semgrep over it would take a minute)."""
    return scan([Path(module_file("bandit")).parent], engines=["libcst", "bandit"])
