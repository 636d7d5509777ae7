"""The propagation's worklist (auditor.flow.propagate.Project.run) skips a node when
nothing it read changed. It must reach what computing every node on every pass reaches:
checked here on every project of tests/flow/cases and on the benchmark-like shapes that
made the stage slow, against a plain implementation of those passes written in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.flow import propagate
from auditor.flow.propagate import NOTHING, Node, Project
from tests.conftest import make_policy

CASES = Path(__file__).parent / "cases"


def _every_node_every_pass(project: Project) -> dict[Node, tuple[int, int]]:
    """The fixpoint by full passes (each pass computes every node, in order), as the
    propagation was before the worklist; each node's origin key at the end."""
    nodes = project._nodes()
    for _ in range(propagate._MAX_PASSES):
        project._instances.clear()
        changed = False
        for node in nodes:
            project._budget = propagate._INSTANCE_BUDGET
            value = project._compute(node)
            store = project._store(node[0])
            old = store.get(node[1], NOTHING)
            merged = old.merge(value)
            if merged.key() != old.key():
                store[node[1]] = merged
                changed = True
        if not changed:
            break
    return {node: project._store(node[0]).get(node[1], NOTHING).key() for node in nodes}


def _compared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch Project.run to also run the full passes on a copy and compare; returns the
    sizes (nodes) of the projects compared."""
    original = Project.run
    sizes: list[int] = []

    def checked(self: Project) -> None:
        original(self)
        reference = Project(self.files, self.unseen)
        expected = _every_node_every_pass(reference)
        got = {node: self._store(node[0]).get(node[1], NOTHING).key() for node in expected}
        assert got == expected
        sizes.append(len(expected))

    monkeypatch.setattr(Project, "run", checked)
    return sizes


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_the_worklist_reaches_what_full_passes_reach(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _compared(monkeypatch)
    root = CASES / case
    scan([root], policy=make_policy(root=str(root)), jobs=1, use_cache=False)
    assert sizes and max(sizes) > 0


def test_the_worklist_on_a_chain_through_many_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a value handed down 40 functions defined in reverse order (each pass of the full
    # passes moves it one step), with a constant caller at each level too
    lines = ["import os", "from flask import Flask, request", "app = Flask(__name__)", ""]
    for n in range(40, 0, -1):
        nxt = f"f{n + 1}(x)" if n < 40 else "os.system(x)"
        lines += [f"def f{n}(x):", f"    {nxt}", f"    f{n + 1}('uptime')" if n < 40 else "", ""]
    lines += ["@app.route('/r')", "def r():", "    f1(request.args['c'])", ""]
    (tmp_path / "chain.py").write_text("\n".join(lines))
    sizes = _compared(monkeypatch)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    assert sizes
    assert [f.origin for f in result.findings] == ["remote-input"]
