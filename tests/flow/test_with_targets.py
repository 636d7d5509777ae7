"""``with launch(cmd) as (argv, fds)``: the names a with statement unpacks carry what its
context manager gives (a ``@contextmanager`` generator's yield, an override of an abstract
method in another file). They used to carry nothing: the argv built around the command was
'chosen at run time' with no origin, and a sanitized option elsewhere in it lowered the
risk to medium (llm-sandbox 0.3.46's local sessions)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files


def _findings(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str, str, str | None]]:
    found = scan_files(tmp_path, files)
    return {f"{Path(f.path).name}:{f.line}": (f.rule, f.risk, f.origin) for f in found}


def test_a_tuple_unpacked_from_a_context_manager_carries_the_command(tmp_path: Path) -> None:
    files = {
        "app.py": (
            "import subprocess\n"
            "from contextlib import contextmanager\n"
            "from flask import request\n"
            "@contextmanager\n"
            "def launch(command):\n"
            "    yield ['/bin/sh', '-c', command], 3\n"
            "def run():\n"
            "    with launch(request.args['c']) as (argv, fds):\n"
            "        subprocess.Popen(argv)\n"
        ),
    }
    rule, risk, origin = _findings(tmp_path, files)["app.py:9"]
    assert (risk, origin) == ("critical", "remote-input"), rule


def test_an_override_in_another_file_yields_the_argv(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/base.py": (
            "import subprocess\n"
            "from contextlib import AbstractContextManager\n"
            "class Session:\n"
            "    def __init__(self, limit: int) -> None:\n"
            "        self.limit = int(limit)\n"
            "    def _launch(self, command: str) -> AbstractContextManager[list[str]]:\n"
            "        raise NotImplementedError\n"
            "    def execute(self, command: str) -> None:\n"
            "        with self._launch(command) as (argv, fds):\n"
            "            subprocess.Popen(['prlimit', f'--as={self.limit}', '--', *argv])\n"
        ),
        "pkg/bw.py": (
            "from contextlib import contextmanager\n"
            "from .base import Session\n"
            "class Bwrap(Session):\n"
            "    @contextmanager\n"
            "    def _launch(self, command):\n"
            "        yield ['/usr/bin/bwrap', '--unshare-all', '--', '/bin/sh', '-c', command], 3\n"
        ),
    }
    rule, risk, origin = _findings(tmp_path, files)["base.py:10"]
    # the command, a parameter of a library entry point, as it is: not lowered by the
    # int() the limit goes through
    assert (risk, origin) == ("high", "parameter"), rule
