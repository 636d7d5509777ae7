"""The README's usage block lists every command that `auditor --help` lists (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from auditor.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: click.Group, prefix: str = "") -> set[str]:
    ctx = click.Context(group)
    out: set[str] = set()
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            out |= _commands(command, f"{prefix}{name} ")
        else:
            out.add(f"{prefix}{name}")
    return out


def test_the_usage_block_lists_every_command() -> None:
    text = README.read_text("utf-8")
    usage = text.split("## Usage", 1)[1].split("```", 2)[1]
    listed = set(re.findall(r"^auditor ((?:[a-z-]+ )?[a-z-]+)", usage, re.MULTILINE))
    commands = _commands(cli)
    assert "sandbox run" in commands and "migrate" in commands
    missing = {c for c in commands if c not in listed}
    assert not missing, f"README usage block misses: {sorted(missing)}"
