"""The bundled example project, a real third-party package, and position accuracy."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.api import scan
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context
from auditor.scan.collect import Collector
from auditor.scan.positions import call_spans
from auditor.scan.skeleton import physical_lines
from tests.conftest import FIXTURES, REPO

EXAMPLE = REPO / "examples" / "llm_backend"


def test_example_project() -> None:
    result = scan([EXAMPLE])
    assert result.errors == []
    by_place = {(Path(f.path).name, f.function): f for f in result.findings}
    # LLM output run in-process: critical, from the model client's call in llm.py
    run_generated = by_place[("chat.py", "ChatService.run_generated")]
    assert (run_generated.rule, run_generated.origin) == ("AUD003", "llm-output")
    assert [(Path(s.path).name, s.line) for s in run_generated.flow] == [
        ("llm.py", 13),
        ("chat.py", 18),
        ("chat.py", 24),
        ("chat.py", 26),
    ]
    assert by_place[("chat.py", "ChatService.calculate")].sink == "builtins.eval"
    # tools fed by the web API's routes in api.py: critical, remote input
    search = by_place[("tools.py", "search")]
    assert (search.rule, search.risk, search.origin) == ("AUD001", "critical", "remote-input")
    assert Path(search.flow[0].path).name == "api.py"
    assert by_place[("tools.py", "archive")].sink == "os.system"
    # quoted with shlex.quote: the origin stays, the risk is lowered
    count = by_place[("tools.py", "count_lines")]
    assert (count.origin, count.risk) == ("remote-input", "medium")
    # the project's own wrapper, declared in its pyproject.toml
    assert by_place[("tools.py", "count_lines")].sink == "app.tools.run_shell"
    # constant monitoring commands are allowed, trusted ones say why
    assert by_place[("monitor.py", "disk_usage")].action == "allow"
    assert by_place[("monitor.py", "service_status")].trusted_by == "command:systemctl status *"
    assert by_place[("monitor.py", "uptime")].rule == "AUD201"
    # already sandboxed calls are reported isolated
    assert by_place[("isolated.py", "run_untrusted")].isolated
    # a trusted path, and a suppressed legacy call
    assert by_place[("reindex.py", "main")].trusted_by == "path:scripts/canonical/**"
    assert by_place[("tools.py", "legacy_cleanup")].suppressed
    critical = Counter(f.rule for f in result.findings if f.risk == "critical")
    assert critical["AUD001"] >= 3 and critical["AUD003"] >= 2


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


@pytest.mark.parametrize("package", ["bandit", "click"])
def test_real_third_party_package_scans_without_errors(package: str) -> None:
    result = scan([_package_dir(package)])
    assert result.errors == []
    assert result.stats.files > 10
    assert 0 < result.stats.parsed <= result.stats.files


def test_bandit_source_findings_are_the_expected_ones() -> None:
    """bandit's own source runs one subprocess (its baseline command) and imports plugins by
    name; the scanner must see exactly those."""
    result = scan([_package_dir("bandit")])
    seen = sorted((Path(f.path).name, f.sink, f.category) for f in result.findings)
    assert ("baseline.py", "subprocess.check_output", "fixed-program") in seen
    assert {s for _, s, _ in seen} <= {"subprocess.check_output", "importlib.import_module"}


def _libcst_positions(text: str) -> list[tuple[int, int, int, int]]:
    module = cst.parse_module(text)
    collector = Collector(Context(load_policy(FIXTURES)).catalogue, frozenset())
    module.visit(collector)
    calls: list[cst.Call] = []

    class All(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    module.visit(All())
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return [
        (p.start.line, p.start.column, p.end.line, p.end.column)
        for p in (positions[c] for c in calls)
    ]


TRICKY = """
@decorator(arg())
def f(x=default()):
    g(h(1), k=i(2), *j(3), **l(4))(5)(6)
    s = f"{a(1)} and {b(c(2))!r:>{w()}}"
    t = "é" + u("ü", v("ß"))
    return [m(n) for n in o()] or (lambda: p())()
class K(Base(q())):
    r = s(
        t(),  # comment
    )
"""


@pytest.mark.parametrize("source", ["tricky", "stdlib-subprocess", "example"])
def test_ast_positions_match_libcst(source: str) -> None:
    if source == "tricky":
        text = TRICKY
    elif source == "stdlib-subprocess":
        text = Path(subprocess.__file__).read_text("utf-8")
    else:
        text = (EXAMPLE / "app" / "monitor.py").read_text("utf-8")
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
    spans = call_spans(calls, physical_lines(text))
    got = [(s.line, s.column, s.end_line, s.end_column) for s, _ in spans]
    assert got == _libcst_positions(text)


def test_python_dash_m_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "--exclude GLOB" in out.stdout and "--format" in out.stdout
