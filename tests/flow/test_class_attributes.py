"""``self.<attr>`` that no method sets reads the class attribute the class's body binds
(docs/flow.md): a constant one is the site's constant (open-interpreter's computer-use
``_BashSession`` starts ``command: str = "/bin/bash"`` and writes the model's command to its
standard input), unless a subclass's body or a write from outside the class binds it to
something else; one bound to data (``program = os.environ["SHELL"]``) carries that data to
the methods of the class and of its bases in other files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str, str | None, str]]:
    found = scan_files(tmp_path, {"app/__init__.py": "", **files})
    return sorted((Path(f.path).name, f.line, f.rule, f.origin, f.payload) for f in found)


# reduced from open-interpreter 0.4.3, interpreter/computer_use/tools/bash.py
BASH_SESSION = """\
    import asyncio
    import os


    class BaseAnthropicTool:
        pass


    class _BashSession:
        command: str = "/bin/bash"

        async def start(self):
            self._process = await asyncio.create_subprocess_shell(
                self.command,
                preexec_fn=os.setsid,
                shell=True,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )

        async def run(self, command: str):
            self._process.stdin.write(command.encode() + b"; echo '<<exit>>'\\n")
            await self._process.stdin.drain()


    class BashTool(BaseAnthropicTool):
        async def __call__(self, command: str | None = None, **kwargs):
            self._session = _BashSession()
            await self._session.start()
            return await self._session.run(command)
    """


def test_a_constant_class_attribute_names_the_shell_fed_the_tools_command(
    tmp_path: Path,
) -> None:
    found = _scan(tmp_path, {"app/bash.py": BASH_SESSION})
    assert found == [("bash.py", 13, "AUD001", "llm-output", "dynamic")]


def test_an_annotated_and_a_plain_class_attribute_are_read_alike(tmp_path: Path) -> None:
    plain = BASH_SESSION.replace('command: str = "/bin/bash"', 'command = "/bin/bash"')
    found = _scan(tmp_path, {"app/bash.py": plain})
    assert found == [("bash.py", 13, "AUD001", "llm-output", "dynamic")]


def test_a_constant_class_attribute_is_the_sites_constant(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/git.py": """\
                import subprocess

                class Git:
                    binary = "git"

                    def status(self):
                        return subprocess.run([self.binary, "status"])
                """,
        },
    )
    assert [(name, payload) for name, _, _, _, payload in found] == [("git.py", "constant")]


SESSION = """\
    import subprocess

    class Session:
        program = "/bin/sh"

        def start(self):
            return subprocess.run(self.program, shell=True)
    """


def _session_and(more: str) -> str:
    return SESSION + textwrap.indent(textwrap.dedent(more), "    ")


def test_a_subclass_binding_it_to_data_in_another_file(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/session.py": SESSION,
            "app/other.py": """\
                import os
                from app.session import Session

                class Other(Session):
                    program = os.environ["SHELL_CMD"]
                """,
        },
    )
    assert found == [("session.py", 7, "AUD101", "environment", "dynamic")]


def test_a_subclass_binding_it_to_data_in_the_same_file(tmp_path: Path) -> None:
    other = """\

        class Other(Session):
            program = input()
        """
    found = _scan(tmp_path, {"app/session.py": _session_and(other)})
    assert found == [("session.py", 7, "AUD101", "user-input", "dynamic")]


def test_a_write_from_outside_the_class_is_not_the_constant(tmp_path: Path) -> None:
    more = """\

        def configure(value):
            Session.program = value
        """
    found = _scan(tmp_path, {"app/session.py": _session_and(more)})
    assert [(name, payload) for name, _, _, _, payload in found] == [("session.py", "dynamic")]


def test_an_instance_written_from_another_file(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/session.py": SESSION,
            "app/web.py": """\
                from flask import Flask, request
                from app.session import Session

                app = Flask(__name__)

                @app.route("/")
                def index():
                    s = Session()
                    s.program = request.args["p"]
                    return s.start()
                """,
        },
    )
    assert found == [("session.py", 7, "AUD001", "remote-input", "dynamic")]


def test_a_subclass_binding_another_constant(tmp_path: Path) -> None:
    other = """\

        class Other(Session):
            program = "/bin/bash"
        """
    found = _scan(tmp_path, {"app/session.py": _session_and(other)})
    assert [(name, payload) for name, _, _, _, payload in found] == [("session.py", "constant")]


@pytest.mark.parametrize(
    "header",
    [
        "import dataclasses\n\n@dataclasses.dataclass\nclass Job:",
        "from pydantic import BaseModel\n\nclass Job(BaseModel):",
        "from typing import NamedTuple\n\nclass Job(NamedTuple):",
    ],
)
def test_a_declared_fields_default_is_no_constant(tmp_path: Path, header: str) -> None:
    """A field's default is what the instance holds only when its constructor is given none
    (``Job(command=request.args["c"])``)."""
    code = (
        header
        + '\n    command: str = "make"\n\n    def run(self):\n        import subprocess\n'
        + "        return subprocess.run(self.command, shell=True)\n"
    )
    found = _scan(tmp_path, {"app/job.py": code})
    assert [(name, payload) for name, _, _, _, payload in found] == [("job.py", "dynamic")]
