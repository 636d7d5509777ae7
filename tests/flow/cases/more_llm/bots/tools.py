"""Agent tools of crewai, smolagents and pydantic-ai: the model fills in their arguments."""

import subprocess

from crewai.tools import BaseTool
from pydantic_ai import Agent
from smolagents import tool

agent = Agent("openai:gpt-4o")


class ShellTool(BaseTool):
    name: str = "shell"
    description: str = "Run a shell command."

    def _run(self, command: str) -> str:
        return subprocess.getoutput(command)


@tool
def run_python(code: str) -> str:
    """Run Python code.

    Args:
        code: the code to run.
    """
    exec(code)
    return "done"


@agent.tool_plain
def grep(pattern: str) -> str:
    """Search the repository."""
    return subprocess.check_output(["grep", "-rn", pattern, "."], text=True)
