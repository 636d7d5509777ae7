"""The project stage's rounds read again at most a share of the scan's files
(auditor.flow.stage._REREAD_MIN / _REREAD_SHARE). A call the rounds did not read must not
let its function's parameter look as if only the calls read reach it: the parameter then
also comes from code the analysis did not read (origin ``parameter``), never ``internal``."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.flow import stage
from tests.conftest import make_policy

FILES = {
    "tools.py": "import os\n\n\ndef run_it(c):\n    os.system(c)\n",
    # both files read the command line (near sources) but hold no sink: the per-file stage
    # skips them, and the rounds read them again for their calls of run_it
    "a.py": "import sys\nfrom tools import run_it\n\nprint(sys.argv)\nrun_it('uptime')\n",
    "b.py": "import sys\nfrom tools import run_it\n\nrun_it(sys.argv[1])\n",
    # a file with a sink of its own: parsed by the per-file stage, its call of run_it is
    # known before any round
    "c.py": "import os\nfrom tools import run_it\n\nos.system('ls')\nrun_it('id')\n",
}


def _scan(tmp_path: Path) -> list[tuple[str, str | None, str]]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    return [
        (f.rule, f.origin, f.flow[0].note if f.flow else "")
        for f in result.findings
        if f.path.endswith("tools.py")
    ]


def test_within_the_budget_every_caller_is_read(tmp_path: Path) -> None:
    [(rule, origin, note)] = _scan(tmp_path)
    assert (rule, origin) == ("AUD101", "user-input")
    assert note == "the command line: sys.argv"


@pytest.mark.parametrize(
    "bounds",
    [
        # a.py (first in the scan's order) is read, b.py is not: without the open parameter
        # the calls seen pass literals and the site would be taken for a constant command
        {"_REREAD_MIN": 1, "_REREAD_SHARE": 0},
        # run_it said in more files than the rounds follow a name through: only c.py's
        # call is known
        {"_MIN_MENTIONS": 1, "_MENTIONS_SHARE": 0},
    ],
    ids=["beyond-the-budget", "name-said-in-too-many-files"],
)
def test_a_caller_not_read_leaves_the_parameter_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bounds: dict[str, int]
) -> None:
    for name, value in bounds.items():
        monkeypatch.setattr(stage, name, value)
    [(_, origin, note)] = _scan(tmp_path)
    assert origin == "parameter"
    assert note == "parameter `c` of run_it(), called from files not read for it"


def test_a_base_class_asked_for_is_read_before_other_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the rounds' budget cannot hold every request, the files asked for a base class
    of the project's classes come first: every call of the base's abstract methods (an
    agent's ``self.executor.run(code)``) turns on knowing it."""
    from auditor.findings import FileResult
    from auditor.flow.entry import Entry

    monkeypatch.setattr(stage, "_REREAD_MIN", 1)
    monkeypatch.setattr(stage, "_REREAD_SHARE", 0)
    entries = [Entry(f"/p/m{n}.py", f"m{n}.py", f"m{n}.py", False, FileResult()) for n in range(3)]
    planner = stage.Planner(entries, lambda entry: "")
    planner.bases_asked.add((2, "def:Executor"))
    asked = {
        0: frozenset({"def:helper"}),
        1: frozenset({"call:run"}),
        2: frozenset({"def:Executor"}),
    }
    assert planner.budgeted(asked) == {2: frozenset({"def:Executor"})}


def test_a_file_asked_for_a_sinks_alias_is_read_whatever_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call of a sink's alias is a finding, not an origin: the files asked for one are
    read even when the budget is spent, and do not spend it."""
    from auditor.findings import FileResult
    from auditor.flow.entry import Entry

    monkeypatch.setattr(stage, "_REREAD_MIN", 1)
    monkeypatch.setattr(stage, "_REREAD_SHARE", 0)
    entries = [Entry(f"/p/m{n}.py", f"m{n}.py", f"m{n}.py", False, FileResult()) for n in range(4)]
    planner = stage.Planner(entries, lambda entry: "")
    asked = {
        0: frozenset({"sink:utils.sh=os.system"}),
        1: frozenset({"sink:utils.sh=os.system"}),
        2: frozenset({"call:run"}),
        3: frozenset({"call:go"}),
    }
    assert sorted(planner.budgeted(asked)) == [0, 1, 2]
    assert planner.reread == 1


def test_the_budget_grows_with_the_files_that_call_a_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each file whose text calls a model (a method heuristic of rules/sources.toml:
    ``model_client.create(``) adds _REREAD_PER_CALLER files to the budget, up to the
    scan's number of files: in an agent framework most files are near a model, and the
    first round's requests spent a fixed minimum before the chain from the model's reply to
    a sink was followed (AutoGen's local code executor). A file that only names a model,
    or calls ``create`` on something not named like one, adds nothing."""
    from auditor.findings import FileResult
    from auditor.flow.entry import Entry

    monkeypatch.setattr(stage, "_REREAD_MIN", 2)
    monkeypatch.setattr(stage, "_REREAD_SHARE", 0)
    monkeypatch.setattr(stage, "_REREAD_PER_CALLER", 3)
    texts = [
        "async def go(model_client, q):\n    return await model_client.create(q)\n",
        "def go(self, q):\n    return self.llm.invoke(q).content\n",
        "# the llm is asked elsewhere\nLLM = 'model_client'\n",
        "def go(objects):\n    return objects.create(name='x')\n",
    ] + ["x = 1\n"] * 6
    entries = [Entry(f"/p/m{n}.py", f"m{n}.py", f"m{n}.py", False, FileResult()) for n in range(10)]
    planner = stage.Planner(entries, lambda entry: texts[entries.index(entry)])
    asked = {n: frozenset({f"call:f{n}"}) for n in range(10)}
    # two files call a model: 2 x 3 = 6 files, not the minimum's 2
    assert sorted(planner.budgeted(asked)) == [0, 1, 2, 3, 4, 5]
    assert planner.reread == 6
    # up to the scan's number of files
    monkeypatch.setattr(stage, "_REREAD_PER_CALLER", 50)
    planner = stage.Planner(entries, lambda entry: texts[entries.index(entry)])
    assert planner.budget() == 10
