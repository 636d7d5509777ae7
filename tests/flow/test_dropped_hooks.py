"""A hook whose body the per-file stage dropped (docs/flow.md, "What it follows"): a base
class read only for its template method (``self.run(request.args["cmd"])``) has its
``def run(self, cmd): raise NotImplementedError`` skeletonised, so the analysis could not
tell it from a concrete method and followed the call into the base's ``run`` alone: the
subclass's override, the one that runs the command, had no visible caller and its
parameter was only ``parameter`` (high) instead of the request (critical). The base's
file is asked for the method's body when a subclass overrides it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

LOCAL = """\
import os

from app.base import Task


class LocalTask(Task):
    def run(self, cmd):
        os.system(cmd)
"""

HOOKS = {
    "raise": "        raise NotImplementedError\n",
    "raise-call": '        raise NotImplementedError("subclasses run it")\n',
    "ellipsis": "        ...\n",
    "docstring": '        """Run ``cmd``."""\n',
}


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_a_template_method_reaches_the_override_of_a_dropped_hook(
    tmp_path: Path, hook: str
) -> None:
    base = (
        "from flask import request\n\n\nclass Task:\n"
        f"    def run(self, cmd):\n{HOOKS[hook]}\n"
        '    def go(self):\n        self.run(request.args["cmd"])\n'
    )
    found = scan_files(
        tmp_path, {"app/__init__.py": "", "app/base.py": base, "app/local.py": LOCAL}
    )
    assert [(f.function, f.risk, f.origin) for f in found] == [
        ("LocalTask.run", "critical", "remote-input")
    ]


def test_a_concrete_method_overridden_is_dispatched_too(tmp_path: Path) -> None:
    """A base's ``run`` with a body of its own is no hook, but ``self.run(x)`` in the base
    may still run on a ``LocalTask`` (docs/flow.md): the call reaches the base's ``run``
    and the overrides of its subclasses (it used to reach the base's alone, and the
    override's parameter was only ``parameter``, high)."""
    base = (
        "from flask import request\n\n\nclass Task:\n"
        "    def run(self, cmd):\n        print(cmd)\n        return cmd\n\n"
        '    def go(self):\n        self.run(request.args["cmd"])\n'
    )
    found = scan_files(
        tmp_path, {"app/__init__.py": "", "app/base.py": base, "app/local.py": LOCAL}
    )
    assert [(f.function, f.risk, f.origin) for f in found] == [
        ("LocalTask.run", "critical", "remote-input")
    ]
