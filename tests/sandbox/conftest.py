"""Fixtures for the sandbox suite (helpers live in sandbox_helpers.py)."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from sandbox_helpers import Cold, Pooled, become_subreaper, own_cgroup_leftovers

from auditor import sandbox
from auditor.sandbox import native


@pytest.fixture(scope="session", autouse=True)
def _subreaper() -> None:
    """Every process the suite starts stays in its tree, orphaned or not (see
    sandbox_helpers): the checks for leftover warm sandboxes look there, not host-wide."""
    become_subreaper()


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
        shutil.rmtree(d)  # does not follow symlinks


def _require_compiled_launcher() -> None:
    """The suite tests both launchers, so it needs the compiled one (CI installs a C
    compiler): a missing launcher fails the test rather than skipping half the suite."""
    if native.path() is None:
        why = (
            "a C compiler is here: reinstall the package (pip install . / pip install -e .) "
            "so setup.py compiles it"
            if shutil.which("cc") or shutil.which("gcc")
            else "install a C compiler (gcc, libc6-dev) and reinstall the package"
        )
        pytest.fail(f"{native.NAME} was not built; {why}")


@pytest.fixture(params=["c", "python"])
def launcher_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the compiled launcher and again with the Python one (suites that
    attack the sandbox use it: ``pytestmark = pytest.mark.usefixtures("launcher_kind")``)."""
    kind: str = request.param
    if kind == "python":
        monkeypatch.setattr(native, "_disabled", True)
    else:
        _require_compiled_launcher()
    return kind


@pytest.fixture
def compiled_launcher() -> None:
    """For tests of the compiled launcher's own checks."""
    _require_compiled_launcher()


@pytest.fixture(autouse=True)
def _no_leftover_cgroups() -> Iterator[None]:
    yield
    sandbox.close_default_pool()  # a test's warm sandboxes (and their cgroups) go with it
    assert own_cgroup_leftovers() == []


@pytest.fixture(params=["cold", "pooled"])
def sbx(request: pytest.FixtureRequest) -> Cold | Pooled:
    """``run``/``exec_python`` cold, and again through a warm sandbox of a ``sandbox.Pool``
    (the attack suites run every probe both ways: a warm sandbox must hold as a cold one)."""
    return Cold() if request.param == "cold" else Pooled()
