"""The agent's tools, in another file than the shell they feed."""

import subprocess

from langchain_core.tools import tool
from session import ShellSession


@tool
def execute_shell(code: str) -> str:
    """Run shell commands in the agent's shell."""
    shell = ShellSession()
    shell.run(code)
    return ""


@tool
def run_script(script: str) -> str:
    """Run a shell script and return its output."""
    result = subprocess.run(["sh"], input=script, capture_output=True, text=True)
    return result.stdout


def interpret(source: str) -> str:
    process = subprocess.Popen(["python3", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = process.communicate(input=source.encode())
    return out.decode()


@tool
def run_python(source: str) -> str:
    """Run Python source code."""
    return interpret(source)


@tool
def count_lines(text: str) -> str:
    """Count the lines of a text (wc reads it: it runs nothing)."""
    counter = subprocess.Popen(["wc", "-l"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = counter.communicate(text.encode())
    return out.decode()
