"""Shared fixtures for the reports, formats and gate tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import ScanResult
from auditor.judge.policy import Policy, load_policy

HERE = Path(__file__).parent
TREE = HERE.parent / "fixtures" / "reports" / "tree"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the fixture tree, made the working directory (paths in findings
    are then relative to it, as when a user runs the tool at the root of a project)."""
    copy = tmp_path / "tree"
    shutil.copytree(TREE, copy)
    monkeypatch.chdir(copy)
    return copy


@pytest.fixture
def tree_policy(tree: Path) -> Policy:
    return load_policy(tree)


@pytest.fixture
def tree_result(tree: Path, tree_policy: Policy) -> ScanResult:
    return scan(["."], policy=tree_policy)
