"""Mapping other engines' results onto our findings, per file and call span."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from auditor.engines import (
    EngineFailure,
    EngineResult,
    Hit,
    Target,
    merge,
    parse_engines,
    run_engines,
)
from auditor.findings import EngineError, EngineOnly, Finding


def _finding(
    line: int,
    column: int,
    end_line: int,
    end_column: int,
    sink: str = "subprocess.run",
    kind: str = "command",
    path: str = "m.py",
) -> Finding:
    return Finding(
        rule="AUD101", path=path, line=line, column=column, end_line=end_line,
        end_column=end_column, sink=sink, kind=kind, shell=True, payload="dynamic",
        isolated=False, trusted_by=None, risk="high", action="isolate", function="f",
        snippet="", message="", fingerprint=f"{line}.{column}",
    )  # fmt: skip


def _hit(rule: str, line: int, **kw: object) -> Hit:
    return Hit(
        engine=str(kw.pop("engine", "bandit")),
        rule=rule,
        path=str(kw.pop("path", "m.py")),
        line=line,
        end_line=int(kw.pop("end_line", line)),  # type: ignore[call-overload]
        message=f"{rule} here",
        **kw,  # type: ignore[arg-type]
    )


def test_parse_engines() -> None:
    assert parse_engines("libcst") == ["libcst"]
    assert parse_engines("semgrep, BANDIT") == ["libcst", "bandit", "semgrep"]
    assert parse_engines("bandit,bandit,libcst") == ["libcst", "bandit"]
    with pytest.raises(ValueError, match="unknown engine 'pylint'"):
        parse_engines("bandit,pylint")


def test_hit_inside_a_multi_line_call_maps_to_it() -> None:
    # bandit reports B602 on the `shell=True` line of a call spanning lines 7-12
    call = _finding(7, 14, 12, 6)
    [merged], only = merge([call], [_hit("B602", 10)])
    assert merged.also_flagged_by == ("bandit:B602",)
    assert only == []


def test_innermost_finding_wins_and_kinds_must_agree() -> None:
    # eval(               line 20
    #     subprocess.check_output(cmd, shell=True)   line 21, nested
    # ), exec(expr)       line 22
    outer = _finding(20, 12, 22, 6, sink="builtins.eval", kind="code")
    inner = _finding(21, 9, 21, 49, sink="subprocess.check_output")
    hits = [
        _hit("B307", 20, end_line=22, kind="code"),
        _hit("B602", 21, kind="command"),
        # a semgrep result about code reported on the inner line still maps to eval
        _hit("auditor.eval-exec", 21, engine="semgrep", kind="code"),
    ]
    merged, only = merge([outer, inner], hits)
    assert merged[0].also_flagged_by == ("bandit:B307", "semgrep:auditor.eval-exec")
    assert merged[1].also_flagged_by == ("bandit:B602",)
    assert only == []


def test_same_line_nesting_uses_the_column_and_the_sink() -> None:
    # eval(str(subprocess.getoutput(cmd))) on one line
    outer = _finding(26, 12, 26, 48, sink="builtins.eval", kind="code")
    inner = _finding(26, 21, 26, 46, sink="subprocess.getoutput")
    wrapper = _finding(26, 1, 26, 60, sink="launch")  # a shell= wrapper around both
    merged, _ = merge(
        [wrapper, outer, inner],
        [
            _hit("B605", 26, column=21, kind="command"),
            _hit("B604", 26, column=1, kind="command"),
            _hit("X1", 26, engine="semgrep", kind="command", sinks=frozenset({"launch"})),
        ],
    )
    assert merged[0].also_flagged_by == ("bandit:B604", "semgrep:X1")
    assert merged[1].also_flagged_by == ()
    assert merged[2].also_flagged_by == ("bandit:B605",)


def test_uncovered_results_are_engine_only_sorted_and_unique() -> None:
    ours = [_finding(5, 1, 5, 20, path="b.py")]
    hits = [
        _hit("B307", 9, path="b.py", kind="code"),
        _hit("B102", 3, path="a.py", kind="code"),
        _hit("B307", 9, path="b.py", kind="code"),  # duplicate
        _hit("B102", 5, path="b.py", kind="code"),  # same line, but ours is a command
        _hit("B602", 5, path="c.py"),  # another file with no findings
    ]
    merged, only = merge(ours, hits)
    assert merged[0].also_flagged_by == ()
    assert [(o.path, o.line, o.rule) for o in only] == [
        ("a.py", 3, "B102"),
        ("b.py", 5, "B102"),
        ("b.py", 9, "B307"),
        ("c.py", 5, "B602"),
    ]
    assert only[0] == EngineOnly("bandit", "B102", "a.py", 3, 3, "B102 here")


def test_merge_keeps_existing_tags_and_order() -> None:
    f = _finding(1, 1, 1, 10)
    merged, _ = merge([f, _finding(3, 1, 3, 10)], [_hit("B602", 1), _hit("B602", 1)])
    assert merged[0].also_flagged_by == ("bandit:B602",)
    assert merged[1] == _finding(3, 1, 3, 10)
    again, _ = merge(merged, [_hit("auditor.x", 1, engine="semgrep")])
    assert again[0].also_flagged_by == ("bandit:B602", "semgrep:auditor.x")


class _Fake:
    def __init__(self, name: str, outcome: Exception | EngineResult) -> None:
        self.name = name
        self.outcome = outcome

    def run(self, targets: Sequence[Target]) -> EngineResult:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_a_failing_engine_is_one_error_and_the_others_still_run() -> None:
    good = EngineResult(
        hits=[_hit("B602", 1)], errors=[EngineError("bandit", "could not analyse", "x.py")]
    )
    engines = {
        "bandit": _Fake("bandit", good),
        "semgrep": _Fake("semgrep", EngineFailure("semgrep is not installed")),
    }
    hits, errors = run_engines(["libcst", "semgrep", "bandit"], [], engines.__getitem__)
    assert hits == good.hits
    assert errors == [
        EngineError("semgrep", "semgrep is not installed"),
        EngineError("bandit", "could not analyse", "x.py"),
    ]
    engines["bandit"] = _Fake("bandit", RuntimeError("boom\nat line 3"))
    hits, errors = run_engines(["bandit"], [], engines.__getitem__)
    assert hits == []
    assert errors == [EngineError("bandit", "crashed: RuntimeError: boom at line 3")]


def test_json_round_trip_and_text_output() -> None:
    from auditor.findings import ScanResult
    from auditor.formats import text

    tagged = _finding(1, 1, 1, 10).__class__.from_json(
        {**_finding(1, 1, 1, 10).to_json(), "also_flagged_by": ["bandit:B602"]}
    )
    assert tagged.also_flagged_by == ("bandit:B602",)
    assert tagged.to_json()["also_flagged_by"] == ["bandit:B602"]
    result = ScanResult(findings=[tagged], engines=["libcst", "bandit", "semgrep"])
    result.engine_only = [EngineOnly("semgrep", "auditor.os-system", "m.py", 9, 10, "os.system")]
    result.engine_errors = [
        EngineError("semgrep", "could not analyse: Syntax error", "m.py"),
        EngineError("bandit", "bandit is not installed"),
    ]
    result.sort()
    data = result.to_json()
    assert data["engines"] == ["libcst", "bandit", "semgrep"]
    assert [e["engine"] for e in data["engine_errors"]] == ["bandit", "semgrep"]
    out = text.render(result)
    assert "    also flagged by: bandit:B602\n" in out
    assert "m.py:9: semgrep:auditor.os-system only (no finding of ours): os.system\n" in out
    assert "m.py: engine semgrep: error: could not analyse: Syntax error\n" in out
    assert "engine bandit: error: bandit is not installed\n" in out
    assert out.rstrip().endswith("1 engine-only result, 2 engine errors")
