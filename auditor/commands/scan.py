"""``auditor scan``: find and classify every dynamic-execution call site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.commands.common import ScanInput, run_scan, scan_options, write_output
from auditor.engines import parse_engines
from auditor.formats import FORMATS, render


@click.command("scan")
@scan_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format. json is the stable findings document (schema auditor/findings/v1); "
    "sarif is SARIF 2.1.0 for code scanning; github prints workflow-command annotations; "
    "markdown is the audit document (see 'auditor report'); gitlab-sast is GitLab's SAST "
    "report (security widget); codeclimate is the code-quality report GitLab and others read.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE, not stdout.")
@click.option(
    "--engines",
    "engines_opt",
    default="libcst",
    show_default=True,
    metavar="LIST",
    help="Comma-separated engines: libcst (the scanner, always runs), bandit, semgrep. "
    "Their results fill also_flagged_by and engine_only.",
)
def command(inputs: ScanInput, fmt: str, output: Path | None, engines_opt: str) -> int:
    """Find every call that runs a shell, a process or Python code under PATH (default: .)
    and classify it per the isolation policy.

    Results are cached per file content in .auditor_cache/ at the project root, so a run
    where nothing changed is fast.

    Exit status: 0 when every file was analysed, 2 when some could not be (they are listed
    under errors), when an engine failed (engine_errors) or on a usage error.
    """
    try:
        engines = parse_engines(engines_opt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--engines'") from None
    policy, result = run_scan(inputs, engines=engines)
    colour = output is None and sys.stdout.isatty()
    write_output(render(fmt, result, policy, inputs.paths, colour=colour), output)
    return 2 if result.errors or result.engine_errors else 0
