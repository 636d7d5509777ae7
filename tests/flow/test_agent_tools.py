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
