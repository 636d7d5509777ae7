"""The audit document names the language of the code a site runs, in both of its languages
(``summary_language`` of the code classes in reports/locale), and keeps the class summaries,
which hold code in every language, free of one."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import ScanResult
from auditor.judge.policy import Policy
from auditor.reports import audit
from tests.conftest import make_policy

META = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=(".",), commit="0123456789ab")
CODE = """
import subprocess

def perl(x):
    subprocess.run(["perl", "-e", x])

def python(x):
    eval(x)
"""


def _result(tmp_path: Path, table: dict[str, object] | None = None) -> tuple[ScanResult, Policy]:
    (tmp_path / "m.py").write_text(textwrap.dedent(CODE))
    policy = make_policy(table or {}, root=str(tmp_path))
    return scan([tmp_path], policy=policy, jobs=1), policy


@pytest.mark.parametrize(
    ("lang", "perl", "python", "generic"),
    [
        ("en", "Perl code generated at run time (AUD103)",
         "Python code generated at run time (AUD103)", "Code generated at run time (AUD103)"),
        ("pt-BR", "Código Perl gerado em tempo de execução (AUD103)",
         "Código Python gerado em tempo de execução (AUD103)",
         "Código gerado em tempo de execução (AUD103)"),
    ],
)  # fmt: skip
def test_each_site_names_its_language_and_the_class_none(
    tmp_path: Path, lang: str, perl: str, python: str, generic: str
) -> None:
    result, policy = _result(tmp_path)
    text = audit.render(result, policy, lang=lang, meta=META)
    lines = text.splitlines()
    site_type = "**Type:**" if lang == "en" else "**Tipo:**"
    types = [line for line in lines if site_type in line]
    assert any("`subprocess.run()`" in t and t.endswith(perl) for t in types), types
    assert any("`eval()`" in t and t.endswith(python) for t in types), types
    assert not any("`subprocess.run()`" in t and "Python" in t for t in types)
    # the checklist and the class lists speak of the class: no language
    assert any(line.startswith("- [ ] " + generic) for line in lines)
    # the fix list names each site's language too; Python is said only of eval()
    assert f"`subprocess.run()`: {perl.removesuffix(' (AUD103)')}." in lines
    assert f"`eval()`: {python.removesuffix(' (AUD103)')}." in lines
    name = "Python code generated" if lang == "en" else "Código Python gerado"
    assert all("`eval()`" in line for line in lines if name in line)


def test_a_project_summary_of_the_class_is_shown_for_every_site(tmp_path: Path) -> None:
    table = {"classes": {"dynamic-code": {"summary": "Generated snippet"}}}
    result, policy = _result(tmp_path, table)
    text = audit.render(result, policy, lang="en", meta=META)
    types = [line for line in text.splitlines() if "**Type:**" in line]
    assert sum(t.endswith("Generated snippet (AUD103)") for t in types) == 2, types
