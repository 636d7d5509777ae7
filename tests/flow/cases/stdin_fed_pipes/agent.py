"""The tools that drive the persistent shells of session.py."""

from langchain_core.tools import tool
from session import PopenShell, PrintingShell, RawShell


@tool
def printing(command: str) -> str:
    """Run a command in the printing shell."""
    PrintingShell().send(command)
    return ""


@tool
def raw(command: str) -> str:
    """Run a command in the raw shell."""
    RawShell().send(command.encode())
    return ""


@tool
def popen(command: str) -> str:
    """Run a command in the popen shell."""
    PopenShell().send(command)
    return ""
