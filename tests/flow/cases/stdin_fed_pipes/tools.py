"""An agent's tools that feed a shell they start through its pipe in other ways than
``p.stdin.write(v)``: the pipe held in a variable, print(..., file=), os.write on its file
descriptor, os.popen(..., "w"), a process made by a factory of the file."""

import os
import subprocess
import sys

from langchain_core.tools import tool


@tool
def held_pipe(command: str) -> str:
    """Run a command in bash."""
    proc = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
    stdin = proc.stdin
    stdin.write(command)
    stdin.close()
    return ""


@tool
def printed(command: str) -> str:
    """Run a command in sh."""
    shell = subprocess.Popen(["sh"], stdin=subprocess.PIPE, text=True)
    print(command, file=shell.stdin)
    return ""


@tool
def raw_write(code: str) -> str:
    """Run Python code."""
    proc = subprocess.Popen([sys.executable, "-"], stdin=subprocess.PIPE)
    os.write(proc.stdin.fileno(), code.encode())
    return ""


@tool
def popen_write(command: str) -> str:
    """Run a command in sh through os.popen."""
    pipe = os.popen("sh", "w")
    pipe.write(command)
    pipe.close()
    return ""


def start_shell() -> subprocess.Popen[str]:
    return subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)


@tool
def from_factory(command: str) -> str:
    """Run a command in a shell made by start_shell()."""
    shell = start_shell()
    shell.stdin.write(command)
    return ""


@tool
def with_pipe(lines: list[str]) -> str:
    """Run lines in bash."""
    proc = subprocess.Popen(["bash", "-s"], stdin=subprocess.PIPE, text=True)
    with proc.stdin as pipe:
        pipe.writelines(lines)
    return ""
