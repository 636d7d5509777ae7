"""Fixtures for the sandbox suite (helpers live in sandbox_helpers.py)."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from sandbox_helpers import own_cgroup_leftovers

from auditor.sandbox import native


@pytest.fixture
def token() -> str:
    """A unique sleep duration, e.g. ``3417.582913``: greppable in /proc/*/cmdline."""
    return f"{random.randint(3000, 3999)}.{random.randint(100000, 999999)}"


@pytest.fixture
def host_dir() -> Iterator[str]:
    """A writable directory outside /tmp (so the strict profile's tmpfs /tmp does not
    hide it by accident)."""
    d = tempfile.mkdtemp(prefix="auditor-sandbox-test-", dir="/var/tmp")
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        for root, dirs, files in os.walk(d, topdown=False):
            for name in files:
                os.unlink(os.path.join(root, name))
            for name in dirs:
                os.rmdir(os.path.join(root, name))
        os.rmdir(d)


@pytest.fixture(params=["c", "python"])
def launcher_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the compiled launcher and again with the Python one (suites that
    attack the sandbox use it: ``pytestmark = pytest.mark.usefixtures("launcher_kind")``)."""
    kind: str = request.param
    if kind == "python":
        monkeypatch.setattr(native, "_disabled", True)
    elif native.path() is None:
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail(
                f"{native.NAME} was not built although a C compiler is here: install the "
                "package (pip install . / pip install -e .) so setup.py compiles it"
            )
        pytest.skip("no compiled launcher and no C compiler: only the Python launcher runs")
    return kind


@pytest.fixture(autouse=True)
def _no_leftover_cgroups() -> Iterator[None]:
    yield
    assert own_cgroup_leftovers() == []
