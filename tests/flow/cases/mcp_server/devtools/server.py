"""An MCP server that exposes developer tools to any MCP client."""

import subprocess
from pathlib import Path

from mcp.server.fastmcp import FastMCP

from devtools.shell import sh

mcp = FastMCP("devtools")
ROOT = Path("/srv/repo")


@mcp.tool()
def run_tests(pattern: str) -> str:
    """Run the test suite, filtered by a pytest -k pattern."""
    result = subprocess.run(
        f"pytest -q -k '{pattern}'", shell=True, cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout


@mcp.tool()
def git_log(branch: str, limit: int = 10) -> str:
    """The last commits of a branch."""
    return subprocess.check_output(["git", "log", f"-{limit}", branch], cwd=ROOT, text=True)


@mcp.tool()
def evaluate(expression: str) -> str:
    """Evaluate a Python expression."""
    return str(eval(expression))


@mcp.tool()
def checkout(ref: str) -> str:
    """Check out a branch or a tag."""
    return sh(f"git -C {ROOT} checkout {ref}")


@mcp.tool()
def disk_usage() -> str:
    """Free space on the build host."""
    return subprocess.check_output(["df", "-h"], text=True)


if __name__ == "__main__":
    mcp.run()
