"""``self.m()`` dispatched to the overrides of ``m`` only where the instance may be of
their class (docs/flow.md, "What it follows"). In a method of class C, ``self`` is a C or
an instance of one of C's subclasses: a call of an abstract method there runs C's own (or
inherited) method or a subclass's override, never the override of a class that is not C
nor derives from it. When the base's method is reached from a subclass D's code
(``self.listing()`` in D, ``super().exec()``), the instance is a D: the overrides of D's
sibling subclasses cannot run. Shaped like openai-agents' sandbox sessions: the docker
session's command ran the output of the Cloudflare session's ``_exec_internal`` (a
network response), a false ``critical``. Where the receiver's class is unknown (a
parameter typed as the base), every override stays possible."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

SESSION = """\
class Session:
    def _exec_internal(self, cmd):
        raise NotImplementedError

    def exec(self, cmd):
        return self._exec_internal(cmd)

    def listing(self):
        return self.exec("ls")
"""

REMOTE = """\
from flask import request

from app.base import Session


class RemoteSession(Session):
    def _exec_internal(self, cmd):
        return request.args["out"]
"""

LOCAL = """\
import os

from app.base import Session


class LocalSession(Session):
    def _exec_internal(self, cmd):
        with open(cmd) as handle:
            return handle.read()

    def cleanup(self):
        names = self.listing()
        os.system("rm " + names)

    def again(self):
        os.system("cat " + super().exec("x"))
"""

TASK = """\
from abc import ABC, abstractmethod


class Task(ABC):
    @abstractmethod
    def command(self):
        \"\"\"The command to run.\"\"\"

    @abstractmethod
    def run(self, cmd):
        \"\"\"Run it.\"\"\"

    def go(self):
        self.run(self.command())
"""

WEB_TASK = """\
from flask import request

from app.base import Task


class WebTask(Task):
    def command(self):
        return request.args["cmd"]

    def run(self, cmd):
        print(cmd)
"""

LOCAL_TASK = """\
import os

from app.base import Task


class LocalTask(Task):
    def command(self):
        return os.environ["TASK"]

    def run(self, cmd):
        os.system(cmd)
"""


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(tmp_path, {"app/__init__.py": "", **files})


def _by_function(found: list[Finding]) -> dict[str | None, tuple[str, str | None]]:
    return {f.function: (f.risk, f.origin) for f in found}


def _sessions(tmp_path: Path, **more: str) -> dict[str | None, tuple[str, str | None]]:
    files = {"app/base.py": SESSION, "app/remote.py": REMOTE, "app/local.py": LOCAL}
    files.update({f"app/{name}.py": code for name, code in more.items()})
    return _by_function(_scan(tmp_path, files))


def test_an_inherited_method_run_for_a_subclass_never_runs_a_sibling_override(
    tmp_path: Path,
) -> None:
    """``self.listing()`` in ``LocalSession``: the base's ``listing`` runs ``exec``, whose
    ``self._exec_internal()`` is ``LocalSession``'s (a file read), not
    ``RemoteSession``'s (the request): the instance is a ``LocalSession``."""
    found = _sessions(tmp_path)
    assert found["LocalSession.cleanup"] == ("high", "file")


def test_super_calls_run_on_the_subclass_instance(tmp_path: Path) -> None:
    """``super().exec("x")`` in ``LocalSession`` runs the base's ``exec`` on a
    ``LocalSession``: its ``self._exec_internal()`` is never ``RemoteSession``'s."""
    found = _sessions(tmp_path)
    assert found["LocalSession.again"] == ("high", "file")


def test_a_subclass_of_the_instance_class_may_still_run(tmp_path: Path) -> None:
    """A subclass of ``LocalSession`` whose ``_exec_internal`` returns the request: the
    instance ``cleanup`` runs on may be one of them, so the request reaches it."""
    proxied = (
        "from flask import request\n\nfrom app.local import LocalSession\n\n\n"
        "class ProxiedSession(LocalSession):\n"
        "    def _exec_internal(self, cmd):\n"
        '        return request.args["out"]\n'
    )
    found = _sessions(tmp_path, proxied=proxied)
    assert found["LocalSession.cleanup"] == ("critical", "remote-input")
    assert found["LocalSession.again"] == ("critical", "remote-input")


def test_a_receiver_typed_as_the_base_may_be_any_subclass(tmp_path: Path) -> None:
    """``session: Session`` may be a ``RemoteSession``: its listing is the request."""
    caller = (
        "import os\n\nfrom app.base import Session\n\n\n"
        "def clean(session: Session):\n"
        '    os.system("rm " + session.listing())\n'
    )
    found = _sessions(tmp_path, caller=caller)
    assert found["clean"] == ("critical", "remote-input")
    assert found["LocalSession.cleanup"] == ("high", "file")


TASK_RAISING = """\
class Task:
    def command(self):
        raise NotImplementedError

    def run(self, cmd):
        raise NotImplementedError

    def go(self):
        self.run(self.command())
"""


@pytest.mark.parametrize("base", [TASK, TASK_RAISING], ids=["abstractmethod", "raising"])
def test_a_template_method_passes_a_subclass_its_own_hook_only(tmp_path: Path, base: str) -> None:
    """``self.run(self.command())`` in the base: when ``self`` is a ``LocalTask``, its
    ``run`` gets ``LocalTask.command()`` (the environment), never ``WebTask``'s (the
    request), which only ``WebTask.run`` (a print) receives."""
    files = {"app/base.py": base, "app/web.py": WEB_TASK, "app/local.py": LOCAL_TASK}
    found = _by_function(_scan(tmp_path, files))
    assert found == {"LocalTask.run": ("high", "environment")}


def test_a_hook_a_subclass_fills_from_the_request_stays_critical(tmp_path: Path) -> None:
    """The base's method runs ``os.system(self.get_cmd())`` and a subclass's ``get_cmd``
    returns the request: ``self`` may be that subclass, the site is critical."""
    base = (
        "import os\n\n\nclass Job:\n"
        "    def get_cmd(self):\n        raise NotImplementedError\n\n"
        "    def start(self):\n        os.system(self.get_cmd())\n"
    )
    web = (
        "from flask import request\n\nfrom app.base import Job\n\n\n"
        "class WebJob(Job):\n"
        "    def get_cmd(self):\n"
        '        return request.args["cmd"]\n'
    )
    found = _by_function(_scan(tmp_path, {"app/base.py": base, "app/web.py": web}))
    assert found == {"Job.start": ("critical", "remote-input")}


def test_an_inherited_method_called_on_a_constructed_instance(tmp_path: Path) -> None:
    """``LocalSession().listing()``: the instance is a ``LocalSession``, its listing is
    the file read by its own ``_exec_internal``, never ``RemoteSession``'s request."""
    caller = (
        "import os\n\nfrom app.local import LocalSession\n\n\n"
        "def clean():\n"
        '    os.system("rm " + LocalSession().listing())\n'
    )
    found = _sessions(tmp_path, caller=caller)
    assert found["clean"] == ("high", "file")


RUNNER = """\
from abc import ABC, abstractmethod


class Runner(ABC):
    @abstractmethod
    def _exec_internal(self, command):
        \"\"\"Run ``command``.\"\"\"

    def exec(self, command, user=None):
        return self._exec_internal(self._prepare(command, user))

    def _prepare(self, command, user):
        return [command, user or "nobody"]
"""

REMOTE_RUNNER = """\
from flask import request

from app.base import Runner


class RemoteRunner(Runner):
    def _exec_internal(self, command):
        return command

    def read(self, path):
        return self.exec("cat " + path, user=request.args["user"])
"""

LOCAL_RUNNER = """\
import subprocess

from app.base import Runner


class LocalRunner(Runner):
    def _exec_internal(self, command):
        return subprocess.run(" ".join(command), shell=True)
"""


RUNNER_RAISING = """\
class Runner:
    def _exec_internal(self, command):
        raise NotImplementedError

    def exec(self, command, user=None):
        return self._exec_internal(self._prepare(command, user))

    def _prepare(self, command, user):
        return [command, user or "nobody"]
"""


def _runners(
    tmp_path: Path, base: str = RUNNER, **more: str
) -> dict[str | None, tuple[str, str | None]]:
    files = {"app/base.py": base, "app/remote.py": REMOTE_RUNNER, "app/local.py": LOCAL_RUNNER}
    files.update({f"app/{name}.py": code for name, code in more.items()})
    return _by_function(_scan(tmp_path, files))


@pytest.mark.parametrize("base", [RUNNER, RUNNER_RAISING], ids=["abstractmethod", "raising"])
def test_a_sibling_calling_the_base_method_on_itself_passes_nothing_to_another(
    tmp_path: Path, base: str
) -> None:
    """``self.exec(..., user=request...)`` in ``RemoteRunner`` runs the base's ``exec`` on
    a ``RemoteRunner``: its ``self._exec_internal(...)`` is never ``LocalRunner``'s, which
    no call reaches with the request (a parameter of code the analysis cannot see)."""
    found = _runners(tmp_path, base)
    assert found == {"LocalRunner._exec_internal": ("high", "parameter")}


@pytest.mark.parametrize("base", [RUNNER, RUNNER_RAISING], ids=["abstractmethod", "raising"])
def test_a_call_on_a_receiver_typed_as_the_base_reaches_every_override(
    tmp_path: Path, base: str
) -> None:
    """``runner.exec(...)`` on ``runner: Runner`` from a plain function may run on a
    ``LocalRunner``: the request reaches its shell."""
    caller = (
        "from flask import request\n\nfrom app.base import Runner\n\n\n"
        "def handle(runner: Runner):\n"
        '    return runner.exec(request.args["cmd"])\n'
    )
    found = _runners(tmp_path, base, caller=caller)
    assert found == {"LocalRunner._exec_internal": ("critical", "remote-input")}
