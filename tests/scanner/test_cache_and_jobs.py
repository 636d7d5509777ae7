"""The result cache and parallel scanning change speed, never results."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import REPO, make_policy

SOURCE = (
    "import os, subprocess\n\ndef f{n}(cmd):\n    os.system(cmd)\n"
    "    subprocess.run(['ls', '-l'])\n"
)


def tree(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (root / f"m{n:03}.py").write_text(SOURCE.format(n=n))
    (root / "plain.py").write_text("x = 1\n")
    return root


def keyset(result: object) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.rule, f.fingerprint) for f in result.findings]  # type: ignore[attr-defined]


def test_warm_run_answers_from_cache_and_agrees(tmp_path: Path) -> None:
    root = tree(tmp_path / "src", 5)
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    cold = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    warm = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert (cold.stats.cached, warm.stats.cached) == (0, 6)
    assert keyset(warm) == keyset(cold) and len(keyset(cold)) == 10
    assert warm.findings == cold.findings
    # one changed file is analysed again, the others still come from the cache
    (root / "m001.py").write_text(SOURCE.format(n=1).replace("os.system(cmd)", "pass"))
    third = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert third.stats.cached == 5
    assert len(third.findings) == 9


def test_policy_change_invalidates(tmp_path: Path) -> None:
    root = tree(tmp_path / "src", 2)
    cache = tmp_path / "cache"
    scan([root], policy=make_policy(root=str(root)), use_cache=True, cache_dir=cache)
    other = make_policy({"classes": {"dynamic-shell": {"risk": "medium"}}}, root=str(root))
    result = scan([root], policy=other, use_cache=True, cache_dir=cache)
    assert result.stats.cached == 0
    assert {f.risk for f in result.findings if f.rule == "AUD101"} == {"medium"}


def test_default_cache_folder_is_git_ignored_at_the_project_root(tmp_path: Path) -> None:
    root = tree(tmp_path, 1)
    (root / "pyproject.toml").write_text("[tool.auditor]\n")
    sub = root / "pkg"
    sub.mkdir()
    (sub / "a.py").write_text("import os\nos.system(c)\n")
    from auditor.judge.policy import load_policy

    scan([sub], policy=load_policy(sub), use_cache=True)
    assert (root / ".auditor_cache" / ".gitignore").read_text().strip().endswith("*")


def test_broken_cache_is_turned_off_with_a_warning(tmp_path: Path) -> None:
    root = tree(tmp_path / "src", 1)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "results.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.warns(UserWarning, match="result cache .* is off"):
        result = scan([root], policy=make_policy(root=str(root)), use_cache=True, cache_dir=cache)
    assert len(result.findings) == 2 and result.errors == []


def test_parallel_equals_serial(tmp_path: Path) -> None:
    root = tree(tmp_path / "src", 40)
    policy = make_policy(root=str(root))
    serial = scan([root], policy=policy, jobs=1)
    parallel = scan([root], policy=policy, jobs=2)
    assert parallel.findings == serial.findings and len(serial.findings) == 80
    assert parallel.stats.files == serial.stats.files == 41


def test_warm_cli_run_does_not_import_libcst(tmp_path: Path) -> None:
    root = tree(tmp_path / "src", 3)
    probe = textwrap.dedent(
        f"""
        import json, sys
        from auditor.cli import main
        code = main(["scan", {str(root)!r}, "--format", "json", "-o", {str(tmp_path / "o.json")!r},
                     "--cache-dir", {str(tmp_path / "c")!r}])
        print(json.dumps({{"code": code, "libcst": "libcst" in sys.modules,
                           "jinja2": "jinja2" in sys.modules, "rich": "rich" in sys.modules}}))
        """
    )
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", probe],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs[0] == {"code": 0, "libcst": True, "jinja2": False, "rich": False}
    assert runs[1] == {"code": 0, "libcst": False, "jinja2": False, "rich": False}
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["stats"]["cached"] == 4 and len(doc["findings"]) == 6


def test_no_cache_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    root = tree(tmp_path / "src", 1)
    args = ["scan", str(root), "--format", "json", "--cache-dir", str(tmp_path / "c")]
    assert main(args) == 0 and main(args) == 0
    capsys.readouterr()
    assert main([*args, "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["stats"]["cached"] == 0


def test_in_process_scan_leaves_the_callers_gc_settings_alone(tmp_path: Path) -> None:
    import gc

    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        result = scan([tree(tmp_path / "src", 3)], policy=make_policy(), jobs=1)
        assert len(result.findings) == 6
        assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)


def test_project_stage_runs_with_few_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The main process's project-wide stage (the summaries of every file, the
    propagation) runs at the workers' collector threshold, and the caller's comes back."""
    import gc

    from auditor import api
    from auditor.gc_threshold import THRESHOLD

    seen: list[tuple[int, ...]] = []
    real = api._project_stage
    monkeypatch.setattr(
        api, "_project_stage", lambda *a: seen.append(gc.get_threshold()) or real(*a)
    )
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        result = scan([tree(tmp_path / "src", 3)], policy=make_policy(), jobs=1)
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert len(result.findings) == 6
    assert seen == [THRESHOLD]
    assert after == (123, 4, 5)


def test_warm_run_reuses_the_project_stage_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import api

    root = tmp_path / "src"
    root.mkdir()
    (root / "runner.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    caller = root / "main.py"
    caller.write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[1])\n")
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    cold = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    (finding,) = cold.findings
    assert finding.origin == "user-input"  # the stage followed the argument across files
    stages: list[int] = []
    real = api._project_stage
    monkeypatch.setattr(api, "_project_stage", lambda *a: stages.append(1) or real(*a))
    warm = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert warm.findings == cold.findings and stages == []
    caller.write_text("from runner import run\n\nrun('uptime')\n")
    changed = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert stages == [1]
    assert changed.findings[0].origin != "user-input"
    assert scan([root], policy=policy).findings == changed.findings  # as without a cache


def test_a_warm_run_whose_stage_is_cached_does_not_build_the_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summaries are what the project-wide stage reads: when its outcome comes from the
    cache, building them from the cache's rows is wasted (a warm stdlib scan: 1.0 s of
    1.7 s). They are decoded only when read, and then equal to what was stored."""
    from auditor.file_summary import FileSummary

    root = tmp_path / "src"
    root.mkdir()
    (root / "runner.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[1])\n")
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    cold = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    built: list[int] = []
    real = FileSummary.from_json
    monkeypatch.setattr(FileSummary, "from_json", lambda d: built.append(1) or real(d))
    warm = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert warm.findings == cold.findings and built == []
    # a changed file: the stage runs again, on the other file's summary from the cache
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[2])\n")
    again = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert built and again.findings[0].origin == "user-input"


def test_the_summaries_are_read_from_the_cache_only_when_the_stage_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summaries are most of a result's row (stdlib: 43 MB of 50): a warm run whose
    stage is cached reads the rows without them; a run whose stage must run reads them
    once, for the files the cache answered."""
    from auditor.scan.cache import ResultCache

    root = tmp_path / "src"
    root.mkdir()
    (root / "runner.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[1])\n")
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    cold = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    columns: list[str] = []
    real_rows = ResultCache._rows

    def rows(self: ResultCache, table: str, keys: list[str], columns_: str = "value") -> object:
        columns.append(f"{table}: {columns_} x{len(keys)}")
        return real_rows(self, table, keys, columns_)

    monkeypatch.setattr(ResultCache, "_rows", rows)
    warm = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert warm.findings == cold.findings and warm.stats.cached == 2
    assert columns == ["file_results: value x2", "stages: value x1"]
    # main.py changed: the stage runs, on runner.py's summary read from the cache
    columns.clear()
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[2])\n")
    again = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert columns[:3] == [
        "file_results: value x2",
        "stages: value x1",
        "file_results: summary x1",
    ]
    assert again.findings[0].origin == "user-input"
    assert scan([root], policy=policy).findings == again.findings  # as without a cache


def test_a_summary_the_cache_lost_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the summary of a result read from the cache cannot be read any more (the cache
    turned off after an error), the file is analysed again: the stage never runs on a
    file without its summary."""
    from auditor.scan.cache import ResultCache

    root = tmp_path / "src"
    root.mkdir()
    (root / "runner.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[1])\n")
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    scan([root], policy=policy, use_cache=True, cache_dir=cache)
    (root / "main.py").write_text("import sys\n\nfrom runner import run\n\nrun(sys.argv[2])\n")
    monkeypatch.setattr(ResultCache, "summaries", lambda self, keys: {})
    again = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert again.findings[0].origin == "user-input"
    assert again.findings == scan([root], policy=policy).findings


def _poison(cache: Path) -> int:
    """Empty the findings of every row (what a committed, doctored cache holds)."""
    import sqlite3

    db = sqlite3.connect(cache / "results.sqlite3")
    rows = db.execute("SELECT key, value FROM file_results").fetchall()
    for key, value in rows:
        data = json.loads(value)
        data["findings"], data["latent"] = [], []
        db.execute(
            "UPDATE file_results SET value = ?, summary = NULL WHERE key = ?",
            (json.dumps(data), key),
        )
    db.execute("DELETE FROM stages")
    db.commit()
    db.close()
    return len(rows)


def test_a_cache_written_by_someone_else_is_never_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys hold a secret of the user's own (made in their cache folder, mode 0600):
    a cache committed to the repository or copied from another machine misses, whatever it
    holds. (Its own user's cache is trusted: the poisoned rows answer there, which shows
    that they are what the other user would have read without the secret.)"""
    root = tree(tmp_path / "src", 2)
    cache = tmp_path / "cache"
    policy = make_policy(root=str(root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "contributor"))
    assert len(scan([root], policy=policy, use_cache=True, cache_dir=cache).findings) == 4
    assert _poison(cache) == 3
    assert scan([root], policy=policy, use_cache=True, cache_dir=cache).findings == []
    secret = tmp_path / "contributor" / "auditor" / "cache-secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ci"))
    again = scan([root], policy=policy, use_cache=True, cache_dir=cache)
    assert again.stats.cached == 0 and len(again.findings) == 4
    assert (tmp_path / "ci" / "auditor" / "cache-secret").read_text() != secret.read_text()


def test_a_secret_anyone_else_could_read_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret file that is not 0600 (a checkout makes 0644 files: a secret committed
    under XDG_CACHE_HOME) or is a link is never used: a new one replaces it."""
    from auditor.scan.cache import local_secret

    folder = tmp_path / "xdg" / "auditor"
    folder.mkdir(parents=True)
    known = "ab" * 32 + "\n"
    (folder / "cache-secret").write_text(known)
    (folder / "cache-secret").chmod(0o644)
    made = local_secret(folder)
    assert made != known.strip() and len(made) == 64
    assert (folder / "cache-secret").stat().st_mode & 0o777 == 0o600
    assert local_secret(folder) == made  # kept: one small read on a warm run
    (folder / "elsewhere").write_text(known)
    (folder / "elsewhere").chmod(0o600)
    (folder / "cache-secret").unlink()
    (folder / "cache-secret").symlink_to(folder / "elsewhere")
    assert local_secret(folder) not in (known.strip(), made)
    assert not (folder / "cache-secret").is_symlink()


def test_no_secret_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user cache folder that cannot be made (a file in the way): the cache is off with
    a warning, the scan runs cold and complete."""
    (tmp_path / "xdg").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tree(tmp_path / "src", 1)
    with pytest.warns(UserWarning, match="result cache is off: cannot keep the cache's secret"):
        result = scan([root], policy=make_policy(root=str(root)), use_cache=True)
    assert len(result.findings) == 2 and not (root / ".auditor_cache").exists()


def test_a_cache_folder_git_tracks_is_neither_read_nor_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A force-added .auditor_cache/: a warning, and the cache lives in the user's folder,
    so that the scan leaves the tracked file as it was."""
    from auditor.judge.policy import load_policy

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tree(tmp_path / "src", 1)
    (root / "pyproject.toml").write_text("[tool.auditor]\n")
    scan([root], policy=load_policy(root), use_cache=True)
    db = root / ".auditor_cache" / "results.sqlite3"
    _poison(root / ".auditor_cache")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "add", "-f", ".auditor_cache/results.sqlite3"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=root, check=True)
    before = db.read_bytes()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other"))
    with pytest.warns(UserWarning, match=r"git tracks .*\.auditor_cache"):
        result = scan([root], policy=load_policy(root), use_cache=True)
    assert len(result.findings) == 2 and db.read_bytes() == before
    assert (tmp_path / "other" / "auditor" / "results.sqlite3").exists()
    # the command line says it in one line, not as a Python warning
    from auditor.cli import main

    monkeypatch.chdir(root)
    monkeypatch.delenv("AUDITOR_CACHE_DIR", raising=False)  # (conftest sets one)
    assert main(["check", "--fail-on", "critical", "."]) == 0
    err = capsys.readouterr().err
    assert err.startswith("auditor: git tracks ") and "UserWarning" not in err


def test_every_module_the_analysis_runs_is_in_the_cache_key() -> None:
    """A module the worker runs whose code is not in the result cache's key gives results
    the code no longer computes after an upgrade (worker.py reads each file's alias
    bindings into its result). Modules for the migration plans (keyed by the plans' own
    fingerprint) and the package's reading of its data files are not the analysis's."""
    import subprocess
    import sys

    listing = (
        "import sys, auditor.worker\n"
        "print('\\n'.join(f'{n} {m.__file__}' for n, m in sys.modules.items()"
        " if n.startswith('auditor') and getattr(m, '__file__', None)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, check=True
    )
    from auditor import api

    keyed = {p.resolve() for p in api._analysis_files()}
    plans = ("auditor.plans", "auditor.sandbox", "auditor.sandbox_needs")
    missing = [
        name
        for name, _, file in (line.partition(" ") for line in done.stdout.splitlines())
        if Path(file).resolve() not in keyed
        and name not in ("auditor", "auditor.rules_files")
        and not name.startswith(plans)
    ]
    assert missing == []
