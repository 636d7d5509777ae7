"""``auditor report``: the isolation audit document (markdown, English or Brazilian
Portuguese), generated from the code."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands.common import ScanInput, run_scan_and_plan, scan_options, write_output
from auditor.reports import LANGS


@click.command("report")
@scan_options
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
def command(inputs: ScanInput, output: Path | None, lang: str, template: Path | None) -> int:
    """Write the isolation audit of PATH (default: .): every dynamic call site by priority,
    the policy, the architecture, a phased checklist, the lines to fix, the metrics to
    monitor and a final status table. The date is today (UTC) or SOURCE_DATE_EPOCH.

    Exit status: 0 when written, 2 when some files could not be analysed (the document
    lists them) or on a usage error.
    """
    from auditor.formats import audit_fixes
    from auditor.reports.audit import ReportError, collect_meta, site_counts
    from auditor.reports.audit import render as render_audit
    from auditor.scan.discover import scan_globs

    policy, result, plans = run_scan_and_plan(inputs)
    try:
        meta = collect_meta(inputs.paths, scan_globs(policy, (), inputs.exclude))
        fixes = audit_fixes(result, policy, plans)
        text = render_audit(result, policy, lang=lang, template=template, meta=meta, fixes=fixes)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    write_output(text, output)
    if output is not None:
        n = site_counts(result)
        errors = f"; {len(result.errors)} file(s) could not be analysed" if result.errors else ""
        click.echo(
            f"auditor report: wrote {output}: {n['sites']} call site(s) in "
            f"{n['files_with_sites']} file(s), {n['todo']} to do ({n['todo_critical']} critical, "
            f"{n['todo_high']} high risk), "
            f"{n['isolated']} isolated, {n['allowed']} allowed{errors}",
            err=True,
        )
    return 2 if result.errors else 0
