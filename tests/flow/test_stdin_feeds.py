"""What a program writes to a shell it started to read its standard input is that site's
payload (rules/stdin_feeds.toml, docs/flow.md): the summary records it as a label written at
the feeding call, the pre-filter keeps the body that writes it, and only the process the
site returns is followed. The end-to-end cases are in cases/stdin_fed_shells."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.file_summary import FileSummary
from auditor.findings import Finding
from reports.audit import locale
from tests.conftest import analyze, make_policy

SESSION = """\
import subprocess


class Session:
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)

    def helper(self):
        return 1

    def send(self, command):
        line = command + "\\n"
        self.process.stdin.write(line)
"""


def _scan(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return sorted(result.findings, key=lambda f: f.line)


def test_the_summary_records_the_write_as_the_sites_payload() -> None:
    result = analyze(SESSION, path="app/session.py")
    assert result.summary is not None
    [site] = result.summary.sites
    assert site.function == "Session.__init__"
    # written at line 13 by self.process.stdin.write, what send()'s parameter carries
    assert site.labels == (
        ("w", 13, 9, "self.process.stdin.write", ("p", "Session.send", "command")),
    )
    # send() is not the site's function: nothing of it can make the site constant
    assert site.params == ()
    # the pre-filter kept send()'s body (it holds no sink, but writes to the shell)
    assert result.summary.functions["Session.send"].complete
    assert not result.summary.functions["Session.helper"].complete


def test_the_written_label_survives_the_cache() -> None:
    result = analyze(SESSION, path="app/session.py")
    assert result.summary is not None
    again = FileSummary.from_json(result.summary.to_json())
    assert again.sites == result.summary.sites


def test_a_write_to_another_process_feeds_nothing(tmp_path: Path) -> None:
    bash, cat = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def relay(text: str) -> str:
            \"\"\"Copy a text.\"\"\"
            shell = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
            copier = subprocess.Popen(["cat"], stdin=subprocess.PIPE, text=True)
            copier.stdin.write(text)
            shell.stdin.write("true\\n")
            return ""
        """,
    )
    assert (bash.line, bash.rule, bash.origin, bash.flow) == (8, "AUD101", "internal", ())
    assert (cat.line, cat.rule) == (9, "AUD301")


def test_an_alias_of_the_process_is_followed(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def run(code: str) -> str:
            \"\"\"Run it.\"\"\"
            started = subprocess.Popen(["sh"], stdin=subprocess.PIPE, text=True)
            proc = started
            proc.communicate(code)
            return ""
        """,
    )
    assert (finding.rule, finding.origin) == ("AUD001", "llm-output")
    assert [(s.line, s.kind) for s in finding.flow] == [(6, "entry"), (10, "fed"), (8, "reaches")]


def test_a_fixed_program_fed_a_value_is_no_stdin_shell(tmp_path: Path) -> None:
    # ``bash -c CMD`` runs its operand: what is written to its input is data
    [finding] = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def run(code: str) -> str:
            \"\"\"Run it.\"\"\"
            proc = subprocess.Popen(["bash", "-c", "cat"], stdin=subprocess.PIPE, text=True)
            proc.communicate(code)
            return ""
        """,
    )
    assert (finding.rule, finding.payload, finding.origin) == ("AUD201", "constant", None)


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_step_is_worded_in_each_language(lang: str) -> None:
    words = locale(lang)["flow"]["fed"]
    text = words.format(detail="", code="x", origin="", param="", function="`p.stdin.write()`")
    assert "`p.stdin.write()`" in text
