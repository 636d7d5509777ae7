"""What the project stage's main process does once instead of again and again, with the
same outcome: each file's writes of modules' names read once for every sanitizer's module
(auditor.flow.patches.project_writes), the propagation's own tables made only when it
runs (the rounds build the project for its structure alone), and Info.merge's shortcuts."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest

from auditor.findings import FileResult, Step
from auditor.flow import module_writes, patches, propagate, stage
from auditor.flow.entry import Entry, text_reader
from auditor.flow.propagate import NOTHING, Info, Reach
from auditor.flow.sanitizers import VoidedSanitizers
from auditor.scan.analyze import Context, analyze_source
from auditor.scan.options import Options
from tests.conftest import make_policy, scan_files


def _entries(root: Path, files: dict[str, str]) -> list[Entry]:
    out = []
    for name, code in files.items():
        (root / name).write_text(code, "utf-8")
        out.append(Entry(str(root / name), name, name, True, FileResult()))
    return out


def test_a_file_is_parsed_once_for_every_sanitizer_module_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _entries(
        tmp_path,
        {
            "compat.py": "import shlex, pipes\nshlex.quote = lambda s: s\n",
            "other.py": "import pipes\n",
        },
    )
    parsed: list[str] = []
    original = module_writes.module_writes

    def counted(text: str, here: str, package: bool) -> list[module_writes.Write]:
        parsed.append(here)
        return original(text, here, package)

    monkeypatch.setattr(patches, "module_writes", counted)
    voids = VoidedSanitizers(entries, text_reader(), lambda e: e.rel[:-3])
    [(scope, step)] = voids.of("shlex.quote")
    assert scope is None and step.path == "compat.py" and step.line == 2
    assert voids.of("pipes.quote") == ()
    # compat.py names both modules: read for the first, its writes kept for the second
    assert sorted(parsed) == ["compat", "other"]


def test_the_rounds_builds_do_not_make_the_propagations_tables() -> None:
    code = textwrap.dedent(
        """\
        import os, shlex
        def run(cmd):
            os.system(wrap(cmd))
        def wrap(c):
            return shlex.quote(c)
        run(input())
        """
    )
    ctx = Context(make_policy(), Options())
    result = analyze_source(code.encode(), "app.py", "app.py", ctx, extra=("def:wrap",))
    assert result.summary is not None
    entry = Entry("/project/app.py", "app.py", "app.py", True, result)
    project, _ = stage.build([entry], propagate=False)
    assert (project._flows, project._untyped, project._read_calls) == (None, None, None)
    # made when the propagation runs, with the sanitizers the stage takes away
    # (auditor.flow.sanitizers): a voided shlex.quote is no sanitizer in wrap's flow
    assert project.flows["app.wrap"] == {"c": frozenset({"quoted or converted (shlex.quote)"})}
    step = Step("shlex.py", 1, 0, "a module of the project named shlex", "voided", "x")
    project.sanitizers_voided = lambda name: ((None, step),)
    assert project._flows is None
    project.run()
    assert project.flows["app.wrap"] == {"c": frozenset({None})}


def _reference_merge(self: Info, other: Info) -> Info:
    """Info.merge without its shortcuts."""
    plain = propagate._best(self.plain, other.plain)
    clean = propagate._best(self.clean, other.clean)
    sanitizer = self.sanitizer if clean is self.clean else other.sanitizer
    if plain is self.plain and clean is self.clean:
        return self
    return Info(plain, clean, sanitizer)


def test_merge_gives_what_it_gave_without_its_shortcuts() -> None:
    step = Step("a.py", 1, 0, "n", "source")
    reaches = [
        None,
        Reach("remote-input", (step,)),
        Reach("remote-input", (step, step)),
        Reach("parameter", (step,)),
    ]
    infos = [NOTHING] + [
        Info(p, c, s) for p, c, s in itertools.product(reaches, reaches, [None, "quoted", "other"])
    ]
    for a, b in itertools.product(infos, repeat=2):
        got, want = a.merge(b), _reference_merge(a, b)
        assert (got.plain, got.clean, got.sanitizer) == (want.plain, want.clean, want.sanitizer)
        assert (got is a) == (want is a), (a, b)


def test_one_reader_of_the_globals_written_elsewhere_serves_the_whole_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = 0
    original = stage.Writers.__init__

    def counted(self: stage.Writers, *args: Any) -> None:
        nonlocal made
        made += 1
        original(self, *args)

    monkeypatch.setattr(stage.Writers, "__init__", counted)
    [finding] = scan_files(
        tmp_path,
        {
            "tasks.py": """\
                import subprocess
                from consts import OPTS
                PAGER = "less"
                def page():
                    subprocess.run(PAGER + OPTS, shell=True)
                """,
            "consts.py": 'OPTS = " -R"\n',
            "cli.py": "import tasks\ntasks.PAGER = input()\n",
        },
    )
    written = [s for s in finding.flow if s.kind == "written"]
    assert [s.path.endswith("cli.py") for s in written] == [True], finding.flow
    # the rounds (who may write PAGER), the constants (OPTS) and the findings' flows
    assert made == 1
