"""Find the Python files to scan: git-aware (``.gitignore`` is respected inside a work tree),
skipping version-control folders, virtual environments, installed packages and build output."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.classify import path_matches

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", "node_modules", "site-packages",
        "dist-packages", "build", "dist", ".venv", "venv", ".tox", ".nox", ".eggs",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".auditor_cache",
    }
)  # fmt: skip
PY_SUFFIXES = (".py", ".pyw")


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path  # as given or found (may be relative to the working directory)
    explicit: bool  # named on the command line: always scanned


def display_path(path: Path, cwd: Path) -> str:
    """POSIX path relative to the working directory when under it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


def _skipped_dir(part: str, folder: Path | None = None) -> bool:
    if part in SKIP_DIRS or part.endswith(".egg-info"):
        return True
    return folder is not None and (folder / "pyvenv.cfg").is_file()


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _git_files(root: Path) -> list[Path] | None:
    """Files git does not ignore under ``root``, or None outside a work tree (and for a
    folder that git itself ignores, such as an installed package inside a checkout: a folder
    named explicitly is scanned whole)."""
    ignored = _git(root, "check-ignore", "-q", ".")
    if ignored is None or ignored.returncode != 1:
        return None  # 0: the folder is ignored; 128: not a work tree
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=root,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [root / name for name in sorted(set(names))]


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _skipped_dir(d, base / d))
        for name in sorted(files):
            yield base / name


def _wanted(rel: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if not rel.endswith(PY_SUFFIXES):
        return False
    if include and not any(path_matches(rel, p) for p in include):
        return False
    return not any(path_matches(rel, p) for p in exclude)


def discover(
    paths: Sequence[Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> Iterator[Candidate]:
    """Yield each file to scan once, in a stable order."""
    seen: set[Path] = set()
    for given in paths:
        if not given.is_dir():
            # Files named explicitly are always scanned (pre-commit passes file names);
            # a missing or broken path is reported by the reader.
            key = Path(os.path.abspath(given))
            if key not in seen:
                seen.add(key)
                yield Candidate(given, explicit=True)
            continue
        found = _git_files(given)
        if found is None:
            found = list(_walk(given))
        for path in found:
            rel = path.relative_to(given).as_posix()
            parts = rel.split("/")[:-1]
            if any(_skipped_dir(p) for p in parts):
                continue
            if not _wanted(rel, include, exclude):
                continue
            if found is not None and not os.path.lexists(path):
                continue  # tracked by git but deleted in the work tree
            key = Path(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                yield Candidate(path, explicit=False)
