"""``auditor.sandbox`` loads the submodule behind a public name on first use: the tools that
read only the sandbox's settings and limits (``auditor report``, ``auditor migrate``) do not
load its runtime, and every public name is still there."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from auditor import sandbox


def test_importing_the_package_loads_no_runtime() -> None:
    code = (
        "import sys\n"
        "from auditor import sandbox\n"
        "from auditor.sandbox.config import load_settings\n"
        "runtime = ('auditor.sandbox.api', 'auditor.sandbox.pool', 'auditor.sandbox.process')\n"
        "print([m for m in runtime if m in sys.modules])\n"
        "print(sandbox.run.__module__, [m for m in runtime if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "[]"
    assert lines[1].startswith("auditor.sandbox.api ['auditor.sandbox.api'")


@pytest.mark.parametrize("name", sandbox.__all__)
def test_every_public_name_is_the_one_of_its_submodule(name: str) -> None:
    value = getattr(sandbox, name)
    assert name in dir(sandbox)
    if name in ("DEVNULL", "PIPE", "STDOUT", "CalledProcessError", "TimeoutExpired"):
        return  # subprocess's own
    where = sandbox._WHERE[name]
    assert getattr(importlib.import_module(f"auditor.sandbox.{where}"), name) is value


def test_submodules_and_unknown_names() -> None:
    assert sandbox.process is importlib.import_module("auditor.sandbox.process")
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = sandbox.no_such_name  # type: ignore[attr-defined]
