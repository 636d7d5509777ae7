"""Find the Python files to scan: git-aware (``.gitignore`` is respected inside a work tree),
skipping version-control folders, virtual environments, installed packages and build output."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.globs import path_matches

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", "node_modules", "site-packages",
        "dist-packages", "build", "dist", ".venv", ".tox", ".nox", ".eggs",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".auditor_cache",
    }
)  # fmt: skip
PY_SUFFIXES = (".py", ".pyw")


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # as given or found (may be relative to the working directory)
    explicit: bool  # named on the command line: always scanned


def display_path(path: Path | str, cwd: Path | str) -> str:
    """POSIX path relative to the working directory when under it, else absolute."""
    return relative_to(os.path.abspath(path), os.fspath(cwd))


def relative_to(absolute: str, root: str) -> str:
    """``absolute`` relative to the folder ``root`` when under it, else ``absolute``; POSIX.
    Plain string work: pathlib's relative_to is slow for every file of a large tree."""
    prefix = root if root.endswith(os.sep) else root + os.sep
    if absolute.startswith(prefix):
        absolute = absolute[len(prefix) :]
    return absolute.replace(os.sep, "/")


def _skipped_dir(part: str) -> bool:
    return part in SKIP_DIRS or part.endswith(".egg-info")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _git_files(root: Path) -> list[str] | None:
    """Files git does not ignore under ``root`` (POSIX paths relative to it), or None
    outside a work tree (and for a
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
    names = {n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n}
    return sorted(names)


@dataclass(frozen=True, slots=True)
class Tree:
    """Every file under one scanned folder that the walk visits (any suffix): POSIX paths
    relative to it, sorted; the folders that are never scanned (``SKIP_DIRS``, virtual
    environments) are left out, hidden ones are not. ``git``: listed by ``git ls-files``
    (its files may be missing from the work tree). ``odd_venvs``: the folders (``a/b/``) whose
    ``pyvenv.cfg`` is not a regular file: the scan walks them, the deployment discovery
    (auditor.system.discovery) does not."""

    files: list[str]
    git: bool = False
    odd_venvs: tuple[str, ...] = ()


class Listing:
    """The trees of the folders one command scans, each listed once (one ``git ls-files``
    or one walk) and shared by everything the command finds in them: the Python files to
    scan and the deployment files (sudoers, systemd units). Made per command, never kept
    across commands: a tree listed once goes stale when the files change."""

    def __init__(self) -> None:
        self._trees: dict[str, Tree] = {}

    def tree(self, root: Path | str) -> Tree:
        key = os.path.abspath(root)
        found = self._trees.get(key)
        if found is None:
            found = self._trees[key] = list_tree(Path(root))
        return found


def list_tree(root: Path) -> Tree:
    """The :class:`Tree` of the folder ``root``: git's files inside a work tree (minus the
    skipped folders and virtual environments), else the walk's."""
    listed = _git_files(root)
    if listed is None:
        return _walk(os.fspath(root))
    # a virtualenv is a folder holding pyvenv.cfg (git lists that file as well)
    venvs = tuple(n.removesuffix("pyvenv.cfg") for n in listed if n.endswith("/pyvenv.cfg"))
    files = [
        rel
        for rel in listed
        if "/" not in rel
        or not (any(_skipped_dir(p) for p in rel.split("/")[:-1]) or rel.startswith(venvs))
    ]
    return Tree(files, git=True)


def _walk(root: str) -> Tree:
    """Every file below ``root`` (POSIX paths relative to it, sorted), skipping the folders
    that are never scanned (a virtualenv is a folder holding a ``pyvenv.cfg`` file).
    Iterative, on strings, one ``scandir`` per folder and no other system call but for a
    ``pyvenv.cfg``: this runs for every file of a large tree on every scan, cache hit or
    not."""
    out: list[str] = []
    odd: list[str] = []
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        files: list[str] = []
        dirs: list[tuple[str, str]] = []
        marker = None
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if not _skipped_dir(name):
                    dirs.append((entry.path, f"{prefix}{name}/"))
            else:
                files.append(prefix + name)
                if name == "pyvenv.cfg" and prefix:
                    marker = entry
        if marker is not None:
            if marker.is_file():
                continue  # a virtual environment
            odd.append(prefix)
        out.extend(files)
        stack.extend(dirs)
    out.sort()
    return Tree(out, odd_venvs=tuple(odd))


def _wanted(rel: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if not rel.endswith(PY_SUFFIXES):
        return False
    if include and not any(path_matches(rel, p) for p in include):
        return False
    return not any(path_matches(rel, p) for p in exclude)


def discover(
    paths: Sequence[Path],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    listing: Listing | None = None,
) -> Iterator[Candidate]:
    """Yield each file to scan once, in a stable order. ``listing``: the command's listing
    of the trees, when something else it does reads them too (a new one otherwise)."""
    listing = listing if listing is not None else Listing()
    seen: set[str] = set()
    for given in paths:
        if not given.is_dir():
            # Files named explicitly are always scanned (pre-commit passes file names);
            # a missing or broken path is reported by the reader.
            key = os.path.abspath(given)
            if key not in seen:
                seen.add(key)
                yield Candidate(os.fspath(given), explicit=True)
            continue
        root = os.fspath(given)
        tree = listing.tree(given)
        for rel in tree.files:
            if not _wanted(rel, include, exclude):
                continue
            path = os.path.join(root, rel)
            if tree.git and not os.path.lexists(path):
                continue  # tracked by git but deleted in the work tree
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                yield Candidate(path, explicit=False)


def module_name(rel_path: str, root: str = "") -> str:
    """The dotted module name of a file relative to the project root (``src/`` layouts too),
    or "" when the path cannot be a module. A ``root`` that is itself a package (a scan of
    ``pkg/`` with no project file above it) names its files from the outermost package that
    holds it, as Python does: ``tools/run.py`` under ``gptme/`` is ``gptme.tools.run``."""
    parts = rel_path.removesuffix(".py").removesuffix(".pyw").split("/")
    prefix = package_prefix(root) if root and not os.path.isabs(rel_path) else ""
    if prefix:
        parts = [*prefix.split("."), *parts]
    elif parts and parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return ""
    return ".".join(parts)


@lru_cache(maxsize=64)
def package_prefix(root: str) -> str:
    """The dotted name of the package folder ``root`` is (``root`` and each folder above it
    that holds an ``__init__.py``), or "" when it is none."""
    names: list[str] = []
    folder = os.path.abspath(root)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        name = os.path.basename(folder)
        if not name.isidentifier():
            return ""
        names.append(name)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return ".".join(reversed(names))
