"""Output formats for a scan result. Each module exposes ``render(result, ...) -> str``;
:func:`render` picks one by name and imports only that one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor.findings import ScanResult
from auditor.policy import Policy

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(
    fmt: str, result: ScanResult, policy: Policy, paths: Sequence[Path], colour: bool = False
) -> str:
    if fmt == "json":
        from auditor.formats import json

        return json.render(result)
    if fmt == "sarif":
        from auditor.formats import sarif

        return sarif.render(result, policy)
    if fmt == "github":
        from auditor.formats import github

        return github.render(result)
    if fmt == "markdown":
        from auditor.formats import markdown
        from auditor.reports.audit import collect_meta

        return markdown.render(result, policy, meta=collect_meta(list(paths)))
    from auditor.formats import text

    return text.render(result, colour=colour)
