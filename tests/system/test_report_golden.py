"""The system sections of the audit document (7-10 and the final status), as golden files in
both languages. Regenerate with AUDITOR_UPDATE_GOLDEN=1, then read the diff."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from auditor.reports import audit
from auditor.system.audit import audit_system

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
META = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=("bad",), commit=None)


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_system_sections_golden(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = audit_system([Path("bad/sudoers.d/omnimind")], [Path("bad/units")])
    assert result.errors == []
    text = audit.render(result, lang=lang, meta=META)
    part = text[text.index("\n## 7. ") + 1 :]
    path = GOLDEN / f"system.{lang}.md"
    if os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1":
        path.write_text(part, "utf-8")
    assert part == path.read_text("utf-8")
