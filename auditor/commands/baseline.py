"""``auditor baseline``: record today's findings, so that ``auditor check --baseline`` fails
only on new ones."""

from __future__ import annotations

from pathlib import Path

import click

from auditor import baseline as baseline_mod
from auditor.commands.common import ScanInput, run_scan, scan_options, write_output


@click.command("baseline")
@scan_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path(baseline_mod.DEFAULT_FILE),
    show_default=True,
    help="The baseline file to write ('-' for stdout).",
)
@click.option(
    "--allow-errors",
    is_flag=True,
    help="Write the baseline even when some files could not be analysed.",
)
def command(inputs: ScanInput, output: Path, allow_errors: bool) -> int:
    """Record every unsuppressed finding under PATH (default: .) by fingerprint.

    Run it, commit the file, and `auditor check --baseline FILE` then fails only on findings
    that are not in it: a legacy repository can adopt the gate on day one. Fingerprints
    survive line moves and do not depend on the folder the commands run from.

    Exit status: 0 when written; 2 when some files could not be analysed (nothing is written
    unless --allow-errors) or on a usage error.
    """
    _, result = run_scan(inputs)
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        click.echo(f"{where}: error: {e.message}", err=True)
    if result.errors and not allow_errors:
        click.echo(
            f"auditor baseline: {len(result.errors)} file(s) could not be analysed; "
            "no baseline written (fix them, or pass --allow-errors)",
            err=True,
        )
        return 2
    write_output(baseline_mod.render(result.findings), None if str(output) == "-" else output)
    recorded = sum(1 for f in result.findings if not f.suppressed)
    if str(output) != "-":
        click.echo(f"auditor baseline: {recorded} finding(s) recorded in {output}", err=True)
    return 0
