"""The thin click layer: ``main(argv) -> int`` is the entry point for everything."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from auditor import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """Find every place where Python code runs a shell, a process or generated code,
    classify each per your isolation policy, report it, gate CI on it, and sandbox it."""


def _register() -> None:
    from auditor.commands import migrate as migrate_command
    from auditor.commands import policy, scan
    from auditor.commands import sandbox as sandbox_command

    cli.add_command(scan.command)
    cli.add_command(policy.command)
    cli.add_command(migrate_command.command)
    cli.add_command(sandbox_command.command)


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code instead of exiting."""
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="auditor",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        # Usage errors and bad input (a policy file with an unknown key, say): one line, exit 2.
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except SystemExit as exc:  # raised by commands that exit explicitly
        return exc.code if isinstance(exc.code, int) else 0
    return rv if isinstance(rv, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))
