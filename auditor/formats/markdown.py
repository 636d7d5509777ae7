"""The audit document as markdown (the renderer behind ``auditor report``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from auditor.findings import ScanResult
from auditor.judge.policy import Policy
from auditor.reports.audit import Fix, ReportMeta
from auditor.reports.audit import render as render_audit


def render(
    result: ScanResult,
    policy: Policy | None = None,
    *,
    lang: str = "en",
    template: Path | None = None,
    meta: ReportMeta | None = None,
    fixes: Mapping[str, Fix | tuple[str, str]] | None = None,
) -> str:
    text: str = render_audit(result, policy, lang=lang, template=template, meta=meta, fixes=fixes)
    return text
