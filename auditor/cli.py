"""The thin click layer: ``main(argv) -> int`` is the entry point for everything."""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

import click

from auditor import __version__

# name -> (module under auditor.commands, one-line help). Commands are imported only when run,
# so that `auditor scan` on a warm cache does not pay for jinja2, rich or libcst.
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("scan", "Find and classify every dynamic-execution call site."),
    "report": ("report", "Write the isolation audit document (en or pt-BR)."),
    "check": ("check", "The CI gate: fail on new findings at or above --fail-on."),
    "baseline": ("baseline", "Record today's findings so that check reports only new ones."),
    "policy": ("policy", "Print the effective isolation policy."),
    "migrate": ("migrate", "Rewrite unsafe calls into sandbox calls or safe argv lists."),
    "system": ("system", "Check sudoers rules and systemd units against the isolation policy."),
    "sandbox": ("sandbox", "Run a command in the runtime sandbox; check what this host supports."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"auditor.commands.{entry[0]}")
        command = module.command
        assert isinstance(command, click.Command)
        if not command.short_help:
            command.short_help = entry[1]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """Find every place where Python code runs a shell, a process or generated code,
    classify each per your isolation policy, report it, gate CI on it, and sandbox it."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code instead of exiting. auditor's own
    warnings ("auditor: the result cache is off: ...") are one line on stderr, not Python's
    "file:line: UserWarning" and the source line; others are shown as ever."""
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if str(message).startswith("auditor:"):
                click.echo(str(message), err=True)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
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
