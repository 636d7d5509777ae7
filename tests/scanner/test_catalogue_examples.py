"""Every sink in rules/sinks.toml carries its own examples (Fixit-style): each `report`
snippet must yield exactly one finding for that sink, each `ignore` snippet none."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.judge.catalogue import builtin_sinks
from tests.conftest import findings, make_policy

SINKS = builtin_sinks()
BY_NAME = {s.name: s for s in SINKS}
REPORT = [(s.name, code) for s in SINKS for code in s.report]
IGNORE = [(s.name, code) for s in SINKS for code in s.ignore]


def test_every_sink_has_examples() -> None:
    for sink in SINKS:
        assert sink.report, f"{sink.name} has no report example"
        assert sink.ignore, f"{sink.name} has no ignore example"


@pytest.mark.parametrize(
    ("sink", "code"), REPORT, ids=[f"{s}:{i}" for i, (s, _) in enumerate(REPORT)]
)
def test_report_example(sink: str, code: str, tmp_path: Path) -> None:
    if BY_NAME[sink].form == "data":
        # reported only when the project-wide stage finds the data comes from outside
        found = project_findings(code, tmp_path)
        assert [(f.sink, f.rule, f.cwe) for f in found] == [(sink, "AUD003", 502)], code
        return
    found = findings(code)
    assert [f.sink for f in found] == [sink], code


@pytest.mark.parametrize(
    ("sink", "code"), IGNORE, ids=[f"{s}:{i}" for i, (s, _) in enumerate(IGNORE)]
)
def test_ignore_example(sink: str, code: str, tmp_path: Path) -> None:
    assert [f.sink for f in findings(code) if f.sink == sink] == [], code
    if BY_NAME[sink].form == "data":
        assert [f.sink for f in project_findings(code, tmp_path) if f.sink == sink] == [], code


def project_findings(code: str, tmp_path: Path) -> list[Finding]:
    (tmp_path / "app.py").write_text(code + "\n")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return result.findings


def test_catalogue_covers_the_issue_list() -> None:
    names = {s.name for s in SINKS}
    required = {
        "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
        "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput", "os.system",
        "os.popen", "os.execv", "os.execlp", "os.spawnv", "os.spawnlpe", "os.posix_spawn",
        "os.posix_spawnp", "os.startfile", "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec", "pty.spawn", "commands.getoutput", "popen2.popen2",
        "pexpect.run", "pexpect.spawn", "builtins.eval", "builtins.exec", "runpy.run_path",
        "runpy.run_module", "importlib.import_module", "builtins.__import__",
        "asyncio.AbstractEventLoop.subprocess_shell", "asyncio.AbstractEventLoop.subprocess_exec",
    }  # fmt: skip
    assert required <= names
    for sink in SINKS:
        assert sink.cwe in ((502,) if sink.form == "data" else (78, 95))
        assert sink.kind in ("command", "code")


def test_catalogue_covers_the_execution_sinks_semgrep_tests() -> None:
    """The sinks semgrep-rules' labelled tests for command and code execution name
    (benchmarks/origins_eval.py): Python 2's os.popen2 family, the interactive console and
    CPython's sub-interpreter entry points."""
    names = {name for s in SINKS for name in (s.name, *s.aliases)}
    assert {
        "os.popen2", "os.popen3", "os.popen4", "code.InteractiveConsole.push",
        "code.InteractiveInterpreter.runsource", "code.InteractiveInterpreter.runcode",
        "_xxsubinterpreters.run_string", "_interpreters.run_string",
        "_testcapi.run_in_subinterp", "test.support.run_in_subinterp",
    } <= names  # fmt: skip
