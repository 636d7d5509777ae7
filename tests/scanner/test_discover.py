"""File discovery: .gitignore inside a work tree, always-skipped folders, globs, explicit
files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from auditor.scan.discover import discover, display_path


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(paths: list[Path], root: Path, **kwargs: tuple[str, ...]) -> list[str]:
    return sorted(Path(c.path).relative_to(root).as_posix() for c in discover(paths, **kwargs))


LAYOUT = (
    "app/main.py", "app/util.pyw", "app/data.txt", ".git/hooks/x.py", "venv/lib/a.py",
    "env2/lib/b.py", "lib/site-packages/c.py", "node_modules/d.py", "build/e.py",
    "dist/f.py", "app/__pycache__/g.py", "pkg.egg-info/h.py", ".tox/i.py",
)  # fmt: skip


def test_walk_skips_build_output_vcs_and_virtualenvs(tmp_path: Path) -> None:
    touch(tmp_path, *LAYOUT, "tools/venv/__init__.py")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    # a virtualenv is recognised by its pyvenv.cfg, not its name: a package named venv
    # (CPython's) is scanned
    assert found([tmp_path], tmp_path) == [
        "app/main.py",
        "app/util.pyw",
        "tools/venv/__init__.py",
    ]


def test_git_listed_virtualenvs_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "app/main.py", "env/lib/a.py", "venv/__init__.py")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert found([tmp_path], tmp_path) == ["app/main.py", "venv/__init__.py"]


def test_gitignore_is_respected_in_a_work_tree(tmp_path: Path) -> None:
    touch(tmp_path, "app/main.py", "app/generated.py", "untracked.py", "logs/x.py")
    (tmp_path / ".gitignore").write_text("generated.py\nlogs/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "app/main.py"], check=True)
    assert found([tmp_path], tmp_path) == ["app/main.py", "untracked.py"]
    # an ignored folder named explicitly is scanned whole
    assert found([tmp_path / "logs"], tmp_path) == ["logs/x.py"]


def test_include_and_exclude_globs(tmp_path: Path) -> None:
    touch(tmp_path, "app/a.py", "app/tests/test_a.py", "tools/b.py")
    assert found([tmp_path], tmp_path, exclude=("**/tests/**",)) == ["app/a.py", "tools/b.py"]
    assert found([tmp_path], tmp_path, exclude=("tests",)) == ["app/a.py", "tools/b.py"]
    assert found([tmp_path], tmp_path, include=("app/**",)) == ["app/a.py", "app/tests/test_a.py"]


def test_explicit_files_are_always_scanned(tmp_path: Path) -> None:
    touch(tmp_path, "build/gen.py", "bin/tool")
    files = [tmp_path / "build" / "gen.py", tmp_path / "bin" / "tool"]
    assert found(files, tmp_path, exclude=("build/**",)) == ["bin/tool", "build/gen.py"]


def test_each_file_once(tmp_path: Path) -> None:
    touch(tmp_path, "a.py")
    assert found([tmp_path, tmp_path / "a.py", tmp_path], tmp_path) == ["a.py"]


def test_display_path_is_posix_and_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "a/b.py")
    monkeypatch.chdir(tmp_path)
    assert display_path(Path("a/b.py"), Path(os.getcwd())) == "a/b.py"
    assert display_path(Path("/etc/hosts"), Path(os.getcwd())) == "/etc/hosts"
