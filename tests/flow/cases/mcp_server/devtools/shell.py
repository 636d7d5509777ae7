"""A helper of the MCP tools: run a shell command, return what it printed."""

import subprocess


def sh(command: str) -> str:
    return subprocess.check_output(command, shell=True, text=True)
