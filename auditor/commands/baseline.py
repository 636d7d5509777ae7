"""``auditor baseline``: record today's findings, so that ``auditor check --baseline`` fails
only on new ones."""

from __future__ import annotations

from pathlib import Path

import click

from auditor import baseline as baseline_mod
from auditor.api import scan
from auditor.commands.common import load_policy_or_fail, write_output
from auditor.progress import progress_bar


@click.command("baseline")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path(baseline_mod.DEFAULT_FILE),
    show_default=True,
    help="The baseline file to write ('-' for stdout).",
)
@click.option("--include", multiple=True, metavar="GLOB", help="Only scan walked files matching.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip walked files matching GLOB.")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
)
@click.option("--honor-nosec", is_flag=True, help="Also honour bandit's '# nosec' comments.")
@click.option(
    "--allow-errors",
    is_flag=True,
    help="Write the baseline even when some files could not be analysed.",
)
def command(
    paths: tuple[Path, ...],
    output: Path,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    config: Path | None,
    honor_nosec: bool,
    allow_errors: bool,
) -> int:
    """Record every unsuppressed finding under PATH (default: .) by fingerprint.

    Run it, commit the file, and `auditor check --baseline FILE` then fails only on findings
    that are not in it: a legacy repository can adopt the gate on day one. Fingerprints
    survive line moves; run both commands from the same folder (the project root).

    Exit status: 0 when written; 2 when some files could not be analysed (nothing is written
    unless --allow-errors) or on a usage error.
    """
    given = list(paths) or [Path(".")]
    policy = load_policy_or_fail(given[0], config)
    with progress_bar() as progress:
        result = scan(
            given,
            policy=policy,
            honor_nosec=honor_nosec,
            include=include,
            exclude=exclude,
            progress=progress,
        )
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
