"""``auditor system``: check sudoers rules and systemd units against the isolation policy."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.commands.common import load_policy_or_fail, write_output
from auditor.formats import FORMATS, render


@click.command("system")
@click.option(
    "--sudoers",
    "sudoers_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="A sudoers file (repeatable); its #include/#includedir files are read too.",
)
@click.option(
    "--units",
    "unit_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="DIR_OR_FILE",
    help="A systemd unit file, drop-in, or a folder of them (repeatable).",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from here.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format; the same choices and JSON schema (auditor/findings/v1) as 'scan'.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Also run 'systemd-analyze verify' on each unit (when installed) and report the "
    "warnings that name a line no other rule covers (AUD508).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE, not stdout.")
def command(
    sudoers_files: tuple[Path, ...],
    unit_paths: tuple[Path, ...],
    config: Path | None,
    fmt: str,
    verify: bool,
    output: Path | None,
) -> int:
    """Check sudoers rules (ALL, root shells through wildcards, NOPASSWD, killers by name,
    writable paths) and systemd units (restart policy, deprecated or ignored directives,
    sandbox limits) against the isolation policy.

    With no option, audits the sudoers files and units found anywhere under the current
    directory (as scan walks it: .gitignore respected, virtual environments skipped).
    Exit status: 0 when every file was read, 2 when some could not be (listed under errors)
    or on a usage error.
    """
    from auditor.system.audit import audit_system
    from auditor.system.discovery import discover

    if not sudoers_files and not unit_paths:
        found_sudoers, found_units = discover([Path(".")])
        if not found_sudoers and not found_units:
            raise click.UsageError(
                "no --sudoers or --units given, and no sudoers file or systemd unit found "
                "under the current directory"
            )
        sudoers_files, unit_paths = tuple(found_sudoers), tuple(found_units)
    policy = load_policy_or_fail(Path("."), config)
    result = audit_system(
        sudoers_files,
        unit_paths,
        verify=verify,
        trusted_commands=policy.trusted_commands,
        settings=policy.system,
    )
    paths = [*sudoers_files, *unit_paths]
    colour = output is None and sys.stdout.isatty()
    write_output(render(fmt, result, policy, paths, colour=colour), output)
    return 2 if result.errors else 0
