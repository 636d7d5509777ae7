"""Classes whose instances the model fills in (rules/sources.toml ``message_class``): a
langroid tool message's fields are model output wherever they are read, through the
project's own subclasses in other files too. A pydantic model that is not one stays what
it was."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str, str, str]]:
    found = scan_files(tmp_path, files)
    return sorted((Path(f.path).name, f.line, f.rule, f.risk, str(f.origin)) for f in found)


TOOLS = (
    "from langroid.agent.tool_message import ToolMessage\n"
    "from pydantic import BaseModel\n"
    "class Plan(BaseModel):\n"
    "    calc: str\n"
    "class ShellBase(ToolMessage):\n"
    "    request: str = 'shell'\n"
    "    purpose: str = 'run <cmd>'\n"
    "    cmd: str\n"
    "class PlanTool(ToolMessage):\n"
    "    request: str = 'plan'\n"
    "    plan: Plan\n"
)


def test_a_subclass_in_another_file_runs_its_field(tmp_path: Path) -> None:
    # (a file that imports no langroid is not looked at: docs/flow.md, "What it misses")
    files = {
        "pkg/__init__.py": "",
        "pkg/tools.py": TOOLS,
        "pkg/shell.py": (
            "import subprocess\n"
            "import langroid as lr\n"
            "from .tools import ShellBase\n"
            "class Shell(ShellBase):\n"
            "    def handle(self) -> str:\n"
            "        return subprocess.getoutput(self.cmd)\n"
        ),
    }
    assert _scan(tmp_path, files) == [("shell.py", 6, "AUD001", "critical", "llm-output")]


def test_a_nested_field_of_a_handler_parameter_in_another_file(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/tools.py": TOOLS,
        "pkg/agent.py": (
            "import langroid as lr\n"
            "from pkg.tools import PlanTool\n"
            "class A(lr.ChatAgent):\n"
            "    def plan(self, msg: PlanTool) -> str:\n"
            "        p = msg.plan\n"
            "        return str(eval(p.calc))\n"
        ),
    }
    assert _scan(tmp_path, files) == [("agent.py", 6, "AUD003", "critical", "llm-output")]


def test_a_plain_pydantic_model_is_not_a_message(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/tools.py": TOOLS,
        "pkg/agent.py": (
            "import langroid as lr\n"
            "from pkg.tools import Plan\n"
            "class A(lr.ChatAgent):\n"
            "    def plan(self, p: Plan) -> str:\n"
            "        return str(eval(p.calc))\n"
        ),
    }
    [(_, _, rule, risk, origin)] = _scan(tmp_path, files)
    assert (rule, risk, origin) == ("AUD103", "high", "parameter")


def test_a_class_of_that_name_from_elsewhere_is_not_a_message(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/msgs.py": "class ToolMessage:\n    cmd: str = ''\n",
        "app/run.py": (
            "import os\n"
            "from .msgs import ToolMessage\n"
            "class Shell(ToolMessage):\n"
            "    def handle(self) -> None:\n"
            "        os.system(self.cmd)\n"
        ),
    }
    [(_, _, rule, risk, origin)] = _scan(tmp_path, files)
    assert risk != "critical" and origin != "llm-output", (rule, risk, origin)
