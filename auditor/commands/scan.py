"""``auditor scan``: find and classify every dynamic-execution call site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.api import scan
from auditor.commands.common import load_policy_or_fail, write_output
from auditor.formats import github as github_format
from auditor.formats import json as json_format
from auditor.formats import markdown as markdown_format
from auditor.formats import sarif as sarif_format
from auditor.formats import text as text_format
from auditor.progress import progress_bar
from auditor.reports.audit import collect_meta


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github", "markdown"]),
    default="text",
    show_default=True,
    help="Output format. json is the stable findings document (schema auditor/findings/v1); "
    "sarif is SARIF 2.1.0 for code scanning; github prints workflow-command annotations; "
    "markdown is the audit document (see 'auditor report').",
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
def command(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    config: Path | None,
    honor_nosec: bool,
) -> int:
    """Find every call that runs a shell, a process or Python code under PATH (default: .)
    and classify it per the isolation policy.

    Exit status: 0 when every file was analysed, 2 when some could not be (they are listed
    under errors) or on a usage error.
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
    if fmt == "json":
        rendered = json_format.render(result)
    elif fmt == "sarif":
        rendered = sarif_format.render(result, policy)
    elif fmt == "github":
        rendered = github_format.render(result)
    elif fmt == "markdown":
        rendered = markdown_format.render(result, policy, meta=collect_meta(given))
    else:
        colour = output is None and sys.stdout.isatty()
        rendered = text_format.render(result, colour=colour)
    write_output(rendered, output)
    return 2 if result.errors else 0
