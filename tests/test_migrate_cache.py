"""The migration plans are made in the scan's workers and cached with its results: the same
plans as planning each file on its own, a warm ``report`` or ``migrate`` dry run reads them
without loading libcst, the cache forgets a plan when what it depends on changes, and
``migrate --apply`` never writes a plan it did not make in the same run."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest

from auditor import migrate, planning
from auditor.api import scan
from auditor.cli import main
from auditor.judge.policy import load_policy
from auditor.scan.discover import Candidate
from tests.conftest import cli_in_a_new_process

TOOLS = textwrap.dedent(
    """\
    import os
    import subprocess


    def build(target):
        subprocess.run("make all", shell=True)
        os.system("make " + target)
        return eval(target)


    def top():
        return subprocess.check_output("ps aux | head", shell=True)
    """
)
PLAIN = "import subprocess\n\n\ndef ls():\n    subprocess.run(['ls', '-l'])\n"


def _project(root: Path, count: int = 1) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.auditor]\n")
    pkg = root / "pkg"
    pkg.mkdir()
    for n in range(count):
        (pkg / f"tools{n:02}.py").write_text(TOOLS.replace("def top", f"def top{n}"))
    (pkg / "plain.py").write_text(PLAIN)
    return root


def _same(a: list[migrate.FilePlan], b: list[migrate.FilePlan]) -> None:
    assert [p.path for p in a] == [p.path for p in b]
    for x, y in zip(a, b, strict=True):
        assert (x.updated, x.sites, x.reviews, x.rewritten, x.error) == (
            y.updated,
            y.sites,
            y.reviews,
            y.rewritten,
            y.error,
        )


def _count_plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the codemods run on from now on, in this process (the shown path of each
    call of :func:`auditor.planning.plan_source`; a worker of a pool is not seen)."""
    planned: list[str] = []
    real = planning.plan_source

    def spy(*args: Any, **kwargs: Any) -> migrate.FilePlan:
        planned.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "plan_source", spy)
    return planned


def test_the_scans_plans_are_the_plans_of_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.api import plan_files, scan_and_plan

    root = _project(tmp_path / "p", count=30)  # enough files for the worker pool
    monkeypatch.chdir(root)
    policy = load_policy(root)
    each = [
        planning.plan_file(Candidate(str(p), explicit=False), policy)
        for p in sorted((root / "pkg").glob("tools*.py"))
    ]
    result, plans = scan_and_plan(["pkg"], policy=policy, jobs=2)
    assert len(result.findings) == 30 * 4 + 1  # and plain.py's argv list
    _same(sorted(plans, key=lambda p: p.path), each)
    files = [Candidate(p, False) for p in sorted(map(str, (root / "pkg").glob("*.py")))]
    _same(plan_files(files, policy, jobs=2), each)  # in the pool
    _same(plan_files(files, policy, jobs=1), each)  # in this process
    # --honor-nosec changes the scan's findings, not the plans (migrate ignores nosec)
    noisy = root / "pkg" / "tools00.py"
    noisy.write_text(TOOLS.replace("os.system(", "os.system(  # nosec\n        "))
    fresh = planning.plan_file(Candidate(str(noisy), explicit=False), policy)
    _, nosec_plans = scan_and_plan(["pkg"], policy=policy, jobs=1, honor_nosec=True)
    (planned,) = [p for p in nosec_plans if p.path == "pkg/tools00.py"]
    _same([planned], [fresh])


def test_a_file_named_explicitly_is_planned_as_migrate_plans_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.api import scan_and_plan

    root = _project(tmp_path / "p")
    broken = root / "pkg" / "broken.py"
    broken.write_text("def f(:\n    pass\n")  # no sink name: migrate's analysis skips it
    monkeypatch.chdir(root)
    policy = load_policy(root)
    result, plans = scan_and_plan(["pkg/broken.py", "pkg/tools00.py"], policy=policy, jobs=1)
    assert [e.path for e in result.errors] == ["pkg/broken.py"]  # the scan parses it
    assert [p.path for p in plans] == ["pkg/tools00.py"]
    assert migrate.plan(["pkg/broken.py"], policy) == []


def _probe(argv: list[str], cwd: Path) -> dict[str, object]:
    data = cli_in_a_new_process(argv, cwd)
    modules = data["modules"]
    assert isinstance(modules, list)
    data["libcst"] = "libcst" in modules
    data["codemods"] = "auditor.migrate" in modules
    return data


def test_warm_report_and_dry_run_read_the_plans_without_libcst(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    cache = str(tmp_path / "cache")
    report = ["report", "pkg", "--cache-dir", cache]
    dry_run = ["migrate", "pkg", "--cache-dir", cache]
    cold_report, cold_migrate = _probe(report, root), _probe(dry_run, root)
    assert cold_report["libcst"] is True and cold_migrate["code"] == 0
    assert "sandbox.system(" in str(cold_migrate["out"])
    warm_report, warm_migrate = _probe(report, root), _probe(dry_run, root)
    assert (warm_report["libcst"], warm_report["codemods"]) == (False, False)
    assert (warm_migrate["libcst"], warm_migrate["codemods"]) == (False, False)
    assert warm_report["out"] == cold_report["out"]
    assert (warm_migrate["out"], warm_migrate["err"]) == (cold_migrate["out"], cold_migrate["err"])
    assert "sandbox.system(" in str(warm_report["out"])
    # a dry run with --only: the spec that matched is known from the cached plan too
    only = [*dry_run, "--only", "pkg/tools00.py:7"]
    first, second = _probe(only, root), _probe(only, root)
    assert second["libcst"] is False
    assert "no site needing action" not in str(second["err"])
    assert (second["out"], second["err"]) == (first["out"], first["err"])
    assert "sandbox.system(" in str(second["out"])
    assert '["make", "all"]' not in str(second["out"])


def test_the_plans_are_made_again_when_the_sandbox_settings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.api import plan_files
    from auditor.plans import PlanSpec
    from auditor.sandbox.config import Settings

    root = _project(tmp_path / "p")
    cache = str(tmp_path / "cache")
    # the settings are in the plans' key of their own (same policy, same files)
    monkeypatch.chdir(root)
    policy, files = load_policy(root), [Candidate("pkg/tools00.py", False)]
    planned = _count_plans(monkeypatch)

    def planned_with(settings: Settings) -> str:
        (plan,) = plan_files(files, policy, PlanSpec(), settings=settings, jobs=1,
                             use_cache=True, cache_dir=cache)  # fmt: skip
        sites = plan.to_json()["sites"]
        (profile,) = {s["effect"]["profile"] for s in sites if s["codemod"] == "route-to-sandbox"}
        return str(profile)

    assert planned_with(Settings()) == "standard" and planned == ["pkg/tools00.py"]
    assert planned_with(Settings()) == "standard" and len(planned) == 1  # from the cache
    assert planned_with(Settings(profile="strict")) == "strict" and len(planned) == 2
    # and through the command line, with the project's [tool.auditor.sandbox]
    dry_run = ["migrate", "pkg", "--cache-dir", cache]
    _probe(dry_run, root)
    assert _probe(dry_run, root)["libcst"] is False
    (root / "pyproject.toml").write_text(
        '[tool.auditor]\n[tool.auditor.sandbox]\nprofile = "strict"\n'
    )
    changed = _probe(dry_run, root)
    assert changed["libcst"] is True
    assert "(profile strict)" in str(changed["err"])
    assert "(profile standard)" not in str(changed["err"])


def test_apply_plans_afresh_and_never_writes_a_cached_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    monkeypatch.chdir(root)
    assert main(["migrate", "pkg", "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    with sqlite3.connect(cache / "results.sqlite3") as db:
        rows = db.execute("SELECT key, value FROM plans").fetchall()
        assert len(rows) == 1
        key, value = rows[0]
        plan = json.loads(value)
        assert plan["updated"] and "sandbox.system(" in plan["updated"]
        plan["updated"] = "tampered = True\n"
        db.execute("UPDATE plans SET value = ? WHERE key = ?", (json.dumps(plan), key))
    # a dry run trusts the cache (the key is the file's bytes and the code)...
    assert main(["migrate", "pkg", "--cache-dir", str(cache)]) == 0
    assert "+tampered = True" in capsys.readouterr().out
    # ...--apply plans again: compile, re-scan, then the atomic write
    assert main(["migrate", "pkg", "--apply", "--allow-dirty", "--cache-dir", str(cache)]) == 0
    written = (root / "pkg" / "tools00.py").read_text()
    assert "tampered" not in written and "sandbox.system(" in written
    assert (root / "pkg" / "plain.py").read_text() == PLAIN


def test_a_plan_comes_from_the_cache_until_its_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "p")
    monkeypatch.chdir(root)
    policy = load_policy(root)
    cache = tmp_path / "cache"
    planned = _count_plans(monkeypatch)
    first = migrate.plan(["pkg"], policy, use_cache=True, cache_dir=cache, jobs=1)
    # plain.py has no site to rewrite: its analysis alone is its plan, no codemod runs
    assert planned == ["pkg/tools00.py"]
    again = migrate.plan(["pkg"], policy, use_cache=True, cache_dir=cache, jobs=1)
    assert planned == ["pkg/tools00.py"]  # read from the cache: no codemod ran
    _same(again, first)
    assert again[0].data == (root / "pkg" / "tools00.py").read_bytes()  # for --apply's check
    (root / "pkg" / "tools00.py").write_text(TOOLS.replace('"make all"', '"make clean"'))
    third = migrate.plan(["pkg"], policy, use_cache=True, cache_dir=cache, jobs=1)
    assert planned == ["pkg/tools00.py", "pkg/tools00.py"]  # planned again, only that file
    assert '["make", "clean"]' in third[0].updated


@pytest.mark.parametrize(
    ("command", "label"),
    [("migrate", "Planning"), ("report", "Scanning and planning")],
)
def test_planning_draws_a_progress_bar_on_a_terminal_only(
    command: str,
    label: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    from rich.console import Console

    from auditor import progress

    root = _project(tmp_path / "p", count=3)
    monkeypatch.chdir(root)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    screen = io.StringIO()
    monkeypatch.setattr(progress, "_console", lambda: Console(file=screen, force_terminal=True))
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0)  # no wait before the bar appears
    argv = [command, "pkg", "--no-cache", "-j", "1"]
    assert main(argv) == 0  # stderr is pytest's capture, not a terminal: no bar
    assert screen.getvalue() == ""
    monkeypatch.setattr(progress, "wanted", lambda stream=None: True)  # a terminal
    assert main(argv) == 0
    assert label in screen.getvalue() and "4/4" in screen.getvalue()
    capsys.readouterr()


def test_the_progress_counts_a_file_once_it_is_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.api import plan_files, scan_and_plan
    from auditor.plans import PlanSpec

    root = _project(tmp_path / "p", count=3)
    monkeypatch.chdir(root)
    policy = load_policy(root)
    events: list[tuple[object, ...]] = []
    planned = _count_plans(monkeypatch)

    def progress(done: int, total: int | None) -> None:
        seen = sum(1 for e in events if e[0] == "plan")
        events.extend(("plan", path) for path in planned[seen:])
        events.append(("progress", done, total))

    def check() -> None:
        # each file with a site is planned before it counts, none after the last count:
        # the bar ends when the planning does
        assert len(planned) == 3 and [e[1] for e in events if e[0] == "plan"] == planned
        assert [e[1:] for e in events if e[0] == "progress"] == [(n, 4) for n in (1, 2, 3, 4)]
        assert events[-1] == ("progress", 4, 4)

    _, plans = scan_and_plan(["pkg"], policy=policy, jobs=1, progress=progress)  # report
    assert len(plans) == 3
    check()
    events.clear()
    planned.clear()
    files = [Candidate(str(p), False) for p in sorted((root / "pkg").glob("*.py"))]
    plan_files(files, policy, PlanSpec(), jobs=1, progress=progress)  # migrate
    check()


def test_scan_results_and_plans_share_one_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.api import scan_and_plan

    root = _project(tmp_path / "p")
    monkeypatch.chdir(root)
    policy = load_policy(root)
    cache = tmp_path / "cache"
    scanned = scan(["pkg"], policy=policy, use_cache=True, cache_dir=cache)
    assert scanned.stats.cached == 0
    # a report after a scan: the results are cached, the plans are made (and kept)
    result, plans = scan_and_plan(["pkg"], policy=policy, use_cache=True, cache_dir=cache)
    assert result.findings == scanned.findings and len(plans) == 1
    again, same = scan_and_plan(["pkg"], policy=policy, use_cache=True, cache_dir=cache)
    assert again.stats.cached == 2
    _same(same, plans)


def test_the_stages_rounds_do_not_load_the_codemods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import worker
    from auditor.api import scan_and_plan

    root = tmp_path / "src"
    root.mkdir()
    (root / "runner.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[1])\n")
    monkeypatch.chdir(tmp_path)
    planners: list[object] = []
    asked: list[tuple[str, ...]] = []
    real_init, real_run = worker.Planner.__init__, worker.run

    def counting_init(self: worker.Planner, *args: Any) -> None:
        planners.append(self)
        real_init(self, *args)

    def recording_run(job: Any) -> Any:
        asked.append(job[4])
        return real_run(job)

    monkeypatch.setattr(worker.Planner, "__init__", counting_init)
    monkeypatch.setattr(worker, "run", recording_run)
    result, plans = scan_and_plan(["src"], jobs=1)
    assert ("call:run",) in asked  # the stage analysed runner.py again, in a round of its own
    assert [f.origin for f in result.findings] == ["user-input"]
    assert [p.path for p in plans] == ["src/runner.py"]
    assert len(planners) == 1  # the first round's: the stage's round plans nothing
