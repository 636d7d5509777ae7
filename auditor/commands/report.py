"""``auditor report``: the isolation audit document (markdown, English or Brazilian
Portuguese), generated from the code."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.api import scan
from auditor.commands.common import load_policy_or_fail, write_output
from auditor.progress import progress_bar
from auditor.reports.audit import LANGS, ReportError, collect_meta
from auditor.reports.audit import render as render_audit


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the document to FILE (e.g. AUDIT.md), not stdout.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the document.",
)
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A jinja2 template to use instead of the built-in one (it may extend "
    "'audit.en.md.j2' or 'audit.pt-BR.md.j2').",
)
@click.option("--include", multiple=True, metavar="GLOB", help="Only scan walked files matching.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip walked files matching GLOB.")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
)
@click.option("--honor-nosec", is_flag=True, help="Also honour bandit's '# nosec' comments.")
def command(
    paths: tuple[Path, ...],
    output: Path | None,
    lang: str,
    template: Path | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    config: Path | None,
    honor_nosec: bool,
) -> int:
    """Write the isolation audit of PATH (default: .): every dynamic call site by priority,
    the policy, the architecture, a phased checklist, the lines to fix, the metrics to
    monitor and a final status table. The date is today (UTC) or SOURCE_DATE_EPOCH.

    Exit status: 0 when written, 2 when some files could not be analysed (the document
    lists them) or on a usage error.
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
    try:
        text = render_audit(result, policy, lang=lang, template=template, meta=collect_meta(given))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    write_output(text, output)
    return 2 if result.errors else 0
