"""Agent tools and MCP tools the project stage finds only across files (docs/flow.md): a
function of one file registered as a tool in another, and a tool class that derives from
a tool base class through a class of the project."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, str | None]]:
    for name, code in {"app/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [(Path(f.path).name, f.rule, f.origin) for f in result.findings]


def test_a_function_registered_as_a_tool_in_another_file(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/shell.py": """\
                import subprocess

                def run_command(command: str) -> str:
                    return subprocess.getoutput(command)
                """,
            "app/agent.py": """\
                from langchain_core.tools import StructuredTool
                from mcp.server.fastmcp import FastMCP
                from app.shell import run_command

                shell_tool = StructuredTool.from_function(func=run_command, name="shell")
                """,
        },
    )
    assert found == [("shell.py", "AUD001", "llm-output")]


def test_a_tool_class_derives_from_the_projects_tool_base(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/base.py": """\
                from langchain_core.tools import BaseTool

                class ProjectTool(BaseTool):
                    name: str = "project"
                """,
            "app/shell.py": """\
                import os
                from app.base import ProjectTool

                class Shell(ProjectTool):
                    def _run(self, command: str) -> str:
                        return os.popen(command).read()
                """,
        },
    )
    assert found == [("shell.py", "AUD001", "llm-output")]


def test_a_scan_of_the_package_folder_names_modules_from_the_package(tmp_path: Path) -> None:
    """Scanning ``gptme/`` itself (no project file above it) names its modules as Python
    does (``gptme.tools.base``), so the catalogue's dotted names match its own classes: a
    gptme tool's ``execute`` block is the model's, as when the parent folder is scanned."""
    files = {
        "gptme/__init__.py": "",
        "gptme/tools/__init__.py": "",
        "gptme/tools/base.py": """\
            class ToolSpec:
                def __init__(self, name, desc, execute=None):
                    self.execute = execute
            """,
        "gptme/tools/sh.py": """\
            import subprocess
            from .base import ToolSpec

            def execute_sh(code, args, kwargs, confirm):
                subprocess.run(code, shell=True)

            tool = ToolSpec(name="sh", desc="runs a block", execute=execute_sh)
            """,
    }
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    for root in (tmp_path, tmp_path / "gptme"):
        result = scan([root], policy=make_policy(root=str(root)), jobs=1)
        found = [(Path(f.path).name, f.rule, f.origin) for f in result.findings]
        assert found == [("sh.py", "AUD001", "llm-output")], root


# Composio's actions: the toolset calls ``execute(request, metadata)`` with the request it
# parsed from the model's tool call (rules/sources.toml); the metadata is its own.
COMPOSIO_ACTION = """\
    import subprocess
    import typing as t
    from pydantic import BaseModel
    from composio.tools.base.local import LocalAction

    class SpawnRequest(BaseModel):
        cmd: str

    class SpawnProcess(LocalAction[SpawnRequest, SpawnRequest]):
        def execute(self, request: SpawnRequest, metadata: t.Dict) -> SpawnRequest:
            _cmd, *args = request.cmd.split(" ")
            subprocess.Popen(args=[_cmd, *args], start_new_session=True)
            subprocess.run(metadata["lint"], check=False)
            return request
    """


def test_a_composio_actions_request_is_the_models(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"app/spawn.py": COMPOSIO_ACTION})
    # the request's command: the model's; the toolset's metadata: a parameter
    assert found == [("spawn.py", "AUD002", "llm-output"), ("spawn.py", "AUD102", "parameter")]


def test_composio_itself_its_actions_derive_from_its_own_base(tmp_path: Path) -> None:
    # scanning composio: the base class is one of the project, through another base
    found = _scan(
        tmp_path,
        {
            "composio/__init__.py": "",
            "composio/tools/__init__.py": "",
            "composio/tools/base/__init__.py": "from .abs import Action\n",
            "composio/tools/base/abs.py": """\
                import typing as t

                class Action(t.Generic[t.TypeVar("Req"), t.TypeVar("Resp")]):
                    def execute(self, request, metadata):
                        raise NotImplementedError
                """,
            "composio/tools/base/local.py": """\
                from composio.tools.base.abs import Action

                class LocalAction(Action[dict, dict], abs=True):
                    pass
                """,
            "composio/tools/local/notify.py": """\
                import subprocess
                from composio.tools.base.local import LocalAction

                class Notify(LocalAction[dict, dict]):
                    def execute(self, request, metadata):
                        command = ["osascript", "-e", request.script]
                        subprocess.run(command, check=True)
                """,
        },
    )
    assert found == [("notify.py", "AUD003", "llm-output")]


def test_a_function_composio_wraps_as_an_action(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/tools.py": """\
                import os
                from composio import action

                @action(toolname="shell")
                def run(command: str) -> str:
                    '''Run a command.'''
                    return os.popen(command).read()
                """,
        },
    )
    assert found == [("tools.py", "AUD001", "llm-output")]
