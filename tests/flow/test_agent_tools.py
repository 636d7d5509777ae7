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
