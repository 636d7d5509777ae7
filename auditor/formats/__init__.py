"""Output formats for a scan result. Each module exposes ``render(result, ...) -> str``;
:func:`render` picks one by name and imports only that one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.findings import ScanResult
from auditor.judge.policy import Policy

if TYPE_CHECKING:
    from auditor.plans import FilePlan

FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab-sast", "codeclimate")
# Finding kinds of `auditor system` (sudoers rules, systemd units): not Python code.
SYSTEM_KINDS = frozenset({"sudoers", "systemd"})


def render(
    fmt: str, result: ScanResult, policy: Policy, paths: Sequence[Path], colour: bool = False
) -> str:
    if fmt == "json":
        from auditor.formats import json

        return json.render(result)
    if fmt == "sarif":
        from auditor.formats import sarif

        return sarif.render(result, policy)
    if fmt == "gitlab-sast":
        from auditor.formats import gitlab_sast

        return gitlab_sast.render(result, policy)
    if fmt == "codeclimate":
        from auditor.formats import codeclimate

        return codeclimate.render(result, policy)
    if fmt == "github":
        from auditor.formats import github

        return github.render(result)
    if fmt == "markdown":
        from auditor.formats import markdown
        from auditor.reports.audit import collect_meta
        from auditor.scan.discover import scan_globs

        return markdown.render(
            result,
            policy,
            meta=collect_meta(list(paths), scan_globs(policy)),
            fixes=audit_fixes(result, policy),
        )
    from auditor.formats import text

    return text.render(result, colour=colour)


def audit_fixes(
    result: ScanResult, policy: Policy, plans: Sequence[FilePlan] | None = None
) -> dict[str, Any]:
    """What the codemods do with each site of ``result`` (before/after code, or left for
    review): the audit document's "specific lines to fix". Nothing is written. ``plans``:
    the plans the scan made with ``result`` (:func:`auditor.api.scan_and_plan`); without
    them the files of ``result`` are planned here."""
    import click

    from auditor.reports.fixes import fixes_from_plans

    if plans is not None:  # the plans of the files that hold a finding, as planned below
        paths = {f.path for f in result.findings if f.kind not in SYSTEM_KINDS}
        return dict(fixes_from_plans(p for p in plans if p.path in paths))
    from auditor.migrate import plan
    from auditor.plans import MigrateError

    python_only = ScanResult(
        findings=[f for f in result.findings if f.kind not in SYSTEM_KINDS],
        errors=result.errors,
        stats=result.stats,
    )
    try:
        plans = plan(python_only, policy)
    except MigrateError as exc:  # a mistake in [tool.auditor.sandbox]: one line, exit 2
        raise click.ClickException(str(exc)) from None
    return dict(fixes_from_plans(plans))
