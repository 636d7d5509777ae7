"""A path that does not exist is a one-line error naming it (exit 2), for every command, and
nothing is created at a path the user named as input (issue 13, part 1). (`auditor system`
lists a missing --sudoers/--units file under errors and exits 2: tests/system.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.cli import main

COMMANDS = [
    ["scan"],
    ["check"],
    ["report"],
    ["baseline", "-o", "{out}"],
    ["migrate"],
    ["policy"],
]


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("missing", ["does/not/exist", "htppie", "pkg/missing.py"])
def test_a_missing_path_is_an_error_that_names_it(
    command: list[str],
    missing: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "real.py").write_text("import os\nos.system(x)\n")
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    argv = [part.format(out=tmp_path / "baseline.json") for part in command] + [missing]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"Error: {missing}: no such file or directory"
    # nothing created: no cache folder, no folder named after the missing file, no baseline
    assert listing(tmp_path) == before


def test_a_broken_symbolic_link_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    os.symlink(tmp_path / "gone.py", tmp_path / "link.py")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "link.py"]) == 2
    assert capsys.readouterr().err.strip() == "Error: link.py: broken symbolic link"


def test_one_missing_path_among_good_ones_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "ok.py", "typo.py"]) == 2
    assert "typo.py: no such file or directory" in capsys.readouterr().err


def test_a_folder_without_python_files_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no code here\n")
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "empty"]) == 0
    assert "no Python file found in empty" in capsys.readouterr().err
    assert main(["check", "empty"]) == 0
    assert "no Python file found in empty" in capsys.readouterr().err


def test_filters_that_leave_nothing_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "src", "--exclude", "a.py"]) == 0
    assert "no Python file found in src (after --include/--exclude" in capsys.readouterr().err


def test_scanning_a_folder_without_a_policy_file_writes_nothing_into_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "third_party"
    project.mkdir()
    (project / "mod.py").write_text("import os\nos.system(x)\n")
    monkeypatch.delenv("AUDITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    before = listing(project)
    assert main(["scan", "third_party"]) == 0
    assert main(["scan", "third_party/mod.py"]) == 0
    assert listing(project) == before
    # the cache went to the user's cache folder, and it answers the next run
    assert (tmp_path / "xdg" / "auditor" / "results.sqlite3").is_file()
    capsys.readouterr()
    assert main(["scan", "third_party", "--format", "json"]) == 0
    assert '"cached": 1' in capsys.readouterr().out
