import os

from langchain.agents import Tool
from langchain_core.tools import StructuredTool


def run_shell(cmd: str) -> str:
    return os.popen(cmd).read()


def run_python(code: str) -> str:
    exec(code)
    return "ok"


shell = Tool("shell", run_shell, "runs a shell command")
python = StructuredTool.from_function(func=run_python, name="python")
