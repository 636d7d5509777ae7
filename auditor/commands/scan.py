"""``auditor scan``: find and classify every dynamic-execution call site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.api import scan
from auditor.commands.common import load_policy_or_fail, write_output
from auditor.engines import parse_engines
from auditor.formats import json as json_format
from auditor.formats import text as text_format


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format. json is the stable findings document (schema auditor/findings/v1).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE, not stdout.")
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Only scan walked files matching GLOB (repeatable; ** spans folders).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip walked files matching GLOB (repeatable). Files named explicitly are always scanned.",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
)
@click.option("--honor-nosec", is_flag=True, help="Also honour bandit's '# nosec' comments.")
@click.option(
    "--engines",
    "engines_opt",
    default="libcst",
    show_default=True,
    metavar="LIST",
    help="Comma-separated engines: libcst (the scanner, always runs), bandit, semgrep. "
    "Their results fill also_flagged_by and engine_only.",
)
def command(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    config: Path | None,
    honor_nosec: bool,
    engines_opt: str,
) -> int:
    """Find every call that runs a shell, a process or Python code under PATH (default: .)
    and classify it per the isolation policy.

    Exit status: 0 when every file was analysed, 2 when some could not be (they are listed
    under errors), when an engine failed (engine_errors) or on a usage error.
    """
    try:
        engines = parse_engines(engines_opt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--engines'") from None
    given = list(paths) or [Path(".")]
    policy = load_policy_or_fail(given[0], config)
    result = scan(
        given,
        policy=policy,
        honor_nosec=honor_nosec,
        include=include,
        exclude=exclude,
        engines=engines,
    )
    if fmt == "json":
        rendered = json_format.render(result)
    else:
        colour = output is None and sys.stdout.isatty()
        rendered = text_format.render(result, colour=colour)
    write_output(rendered, output)
    return 2 if result.errors or result.engine_errors else 0
