"""A sandbox call handed over as a value (``executor.submit(sandbox.run, ...)``,
``asyncio.to_thread``, ``functools.partial``) is judged as the call it stands for: the
options that undo the isolation (a profile the scan cannot read, ``allow_degraded``, the
network, host descriptors) count there as on a direct call. An independent attacker found
such calls gave no finding at all (an isolated sink handed over was dropped before any
check), while the same call made directly failed the gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

HEAD = """\
import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from flask import request

from auditor import sandbox
from auditor.sandbox import Profile

"""

CASES = {
    "submit, a profile the scan cannot read": (
        "def go(ex: ThreadPoolExecutor):\n"
        "    ex.submit(sandbox.run, request.args['c'], shell=True,"
        " profile=Profile('h', namespaces=()))\n",
        ("critical", False),
    ),
    "to_thread, allow_degraded": (
        "async def go():\n"
        "    await asyncio.to_thread(sandbox.run, request.args['c'], allow_degraded=True)\n",
        ("critical", False),
    ),
    "partial, the network": (
        "def go():\n    functools.partial(sandbox.run, network=True)(request.args['c'])\n",
        ("medium", True),
    ),
    "submit, nothing undone": (
        "def go(ex: ThreadPoolExecutor):\n"
        "    ex.submit(sandbox.run, request.args['c'], shell=True)\n",
        ("low", True),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_handed_over_sandbox_call_is_judged_as_the_call(tmp_path: Path, case: str) -> None:
    code, (risk, isolated) = CASES[case]
    found = scan_files(tmp_path, {"app.py": HEAD + code})
    assert found, "no finding"
    worst = max(found, key=lambda f: ["low", "medium", "high", "critical"].index(f.risk))
    assert (worst.risk, worst.isolated) == (risk, isolated)
