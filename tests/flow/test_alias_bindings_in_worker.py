"""The module-level bindings the project-wide stage reads for sinks' aliases
(auditor.flow.aliases) are read by the worker with the file's analysis, from the tree the
analysis parsed, instead of by the stage's one process parsing every candidate file again
(django: 1,328 files, about a sixth of the cold scan's CPU time). A result from the cache
does not hold them: the stage reads them itself then."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import api
from auditor.findings import Finding
from auditor.flow import aliases, stage
from auditor.scan.options import Options
from tests.conftest import make_policy, scan_files

UTILS = """\
import os, subprocess

sx = os.system
sp = subprocess
"""

APP = """\
from flask import Flask, request
from utils import sx, sp
app = Flask(__name__)

@app.route("/a")
def a():
    sx(request.args["c"])
    sp.getoutput(request.args["c"])
"""

EXPECTED = [
    ("app.py", 7, "os.system", "critical", "remote-input"),
    ("app.py", 8, "subprocess.getoutput", "critical", "remote-input"),
]


def _found(findings: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    return [(Path(f.path).name, f.line, f.sink or "", f.risk, f.origin) for f in findings]


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, bool]]:
    """Every call of aliases.bindings from now on: (module, whether it was given a tree,
    whether the stage's Planner.alias_requests made it)."""
    calls: list[tuple[str, bool, bool]] = []
    real, real_requests = aliases.bindings, stage.Planner.alias_requests
    in_stage = [False]

    def spy(text: str, here: str, package: bool, tree: object = None) -> list[tuple[str, str]]:
        calls.append((here, tree is not None, in_stage[0]))
        return real(text, here, package, tree)  # type: ignore[arg-type]

    def requests(self: stage.Planner) -> dict[int, set[str]]:
        in_stage[0] = True
        try:
            return real_requests(self)
        finally:
            in_stage[0] = False

    monkeypatch.setattr(aliases, "bindings", spy)
    monkeypatch.setattr(stage.Planner, "alias_requests", requests)
    return calls


def test_the_worker_reads_the_bindings_from_the_analysis_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _calls(monkeypatch)
    found = scan_files(tmp_path, {"utils.py": UTILS, "app.py": APP})
    assert _found(found) == EXPECTED
    # utils.py holds sinks: the analysis parsed it, and its tree gave the bindings; app.py
    # says "sx" and "import", the worker parsed it for them; the stage read none itself
    assert ("utils", True, False) in calls
    assert ("app", False, False) in calls
    assert [c for c in calls if c[2]] == []


def test_a_result_of_the_worker_holds_the_bindings_the_stage_reads(tmp_path: Path) -> None:
    from auditor import worker

    (tmp_path / "utils.py").write_text(UTILS)
    (tmp_path / "plain.py").write_text("x = 1\n")
    worker.init(make_policy(root=str(tmp_path)), Options())
    path = str(tmp_path / "utils.py")
    _, result, _ = worker.run((path, "utils.py", "utils.py", False, ()))
    assert result.bindings == tuple(aliases.bindings(UTILS, "utils", False))
    assert ("sx", "os.system") in result.bindings
    # a file no sink's name is said in is no candidate: nothing read
    plain = str(tmp_path / "plain.py")
    _, result, _ = worker.run((plain, "plain.py", "plain.py", False, ()))
    assert result.bindings is None


def test_results_from_the_cache_have_the_stage_read_the_bindings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "utils.py").write_text(UTILS)
    (project / "app.py").write_text(APP)
    (project / "other.py").write_text("x = 1\n")
    policy = make_policy(root=str(project))
    cache = tmp_path / "cache"
    first = api.scan([project], policy=policy, jobs=1, use_cache=True, cache_dir=cache)
    assert _found(first.findings) == EXPECTED
    # another file changed: the stage runs again over the cached results of the others
    (project / "other.py").write_text("x = 2\n")
    calls = _calls(monkeypatch)
    again = api.scan([project], policy=policy, jobs=1, use_cache=True, cache_dir=cache)
    assert again.stats.cached >= 2
    assert _found(again.findings) == EXPECTED
    assert ("utils", False, True) in calls  # read by the stage, from the text
