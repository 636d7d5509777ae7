"""Find the Python files to scan (``.py``, ``.pyw``, and files without a suffix whose first
line is a Python shebang): git-aware (``.gitignore`` is respected inside a work tree, checked-out
submodules are listed too), skipping version-control folders, virtual environments, installed
packages and build output, but never a file git tracks."""

from __future__ import annotations

import os
import re
import stat
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
# Skipped folders the summary does not count: version control and caches (no source there)
_QUIET_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
     ".auditor_cache"}
)  # fmt: skip


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


def _worth_a_mention(name: str) -> bool:
    """A skipped folder the summary counts: not version control, not a cache."""
    return name not in _QUIET_DIRS


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


# "MODE OBJECT STAGE<TAB>" before a path ``git ls-files -s`` lists as tracked (untracked
# files come bare); mode 160000 is a submodule (a gitlink)
_STAGED_RE = re.compile(r"([0-7]{6}) [0-9a-f]{40,64} [0-3]\t")


@dataclass(frozen=True, slots=True)
class GitFiles:
    """What ``git ls-files`` says of a folder: its tracked files, its submodules (folders)
    and the files it does not track nor ignore; POSIX paths relative to it, sorted."""

    tracked: list[str]
    submodules: list[str]
    untracked: list[str]


def _git_files(root: Path) -> GitFiles | None:
    """The files git does not ignore under ``root`` (one ``git ls-files``), or None
    outside a work tree (and for a folder that git itself ignores, such as an installed
    package inside a checkout: a folder named explicitly is scanned whole)."""
    ignored = _git(root, "check-ignore", "-q", ".")
    if ignored is None or ignored.returncode != 1:
        return None  # 0: the folder is ignored; 128: not a work tree
    proc = _git(
        root, "ls-files", "-z", "-s", "--cached", "--others", "--exclude-standard", "--", "."
    )
    if proc is None or proc.returncode != 0:
        return None
    tracked: set[str] = set()
    submodules: set[str] = set()
    untracked: set[str] = set()
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        staged = _STAGED_RE.match(entry)
        if staged is None:
            untracked.add(entry)
        elif staged.group(1) == "160000":
            submodules.add(entry[staged.end() :])
        else:
            tracked.add(entry[staged.end() :])
    return GitFiles(sorted(tracked), sorted(submodules), sorted(untracked - tracked))


@dataclass(frozen=True, slots=True)
class Tree:
    """Every file under one scanned folder that the walk visits (any suffix): POSIX paths
    relative to it, sorted; the folders that are never scanned (``SKIP_DIRS``, virtual
    environments) are left out, hidden ones are not, and neither is any file git tracks.
    ``git``: listed by ``git ls-files`` (its files may be missing from the work tree;
    checked-out submodules are listed with it). ``odd_venvs``: the folders (``a/b/``) whose
    ``pyvenv.cfg`` is not a regular file: the scan walks them, the deployment discovery
    (auditor.system.discovery) does not. ``skipped``: the folders (``a/b/``) left out by
    those default rules (not version control nor caches) and the submodules that are not
    checked out: what the scan's summary counts."""

    files: list[str]
    git: bool = False
    odd_venvs: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


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

    def listed(self, root: Path | str) -> Tree | None:
        """The tree of ``root`` when it was listed already, else None."""
        return self._trees.get(os.path.abspath(root))

    def skipped(self, roots: Sequence[Path | str]) -> list[str]:
        """The folders the default rules left out of the trees of ``roots`` already listed
        (paths as ``os.path.join(root, folder)`` gives them), in order."""
        out: dict[str, None] = {}
        for root in roots:
            tree = self._trees.get(os.path.abspath(root))
            if tree is not None:
                out.update((os.path.join(os.fspath(root), rel), None) for rel in tree.skipped)
        return list(out)


def is_virtualenv(folder: str) -> bool:
    """A folder that looks like a virtual environment: a ``pyvenv.cfg`` (a regular file)
    with a ``home =`` line, and a ``lib/python*/site-packages`` (``lib/pypy*/``, Windows'
    ``Lib/site-packages``) folder. A bare ``pyvenv.cfg`` never hides a folder."""
    cfg = os.path.join(folder, "pyvenv.cfg")
    try:
        fd = os.open(cfg, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 16384)
    except OSError:
        return False
    finally:
        os.close(fd)
    if _HOME_RE.search(head) is None:
        return False
    if os.path.isdir(os.path.join(folder, "Lib", "site-packages")):
        return True
    for lib in ("lib", "lib64"):
        try:
            names = os.listdir(os.path.join(folder, lib))
        except OSError:
            continue
        for name in names:
            if name.startswith(("python", "pypy")) and os.path.isdir(
                os.path.join(folder, lib, name, "site-packages")
            ):
                return True
    return False


_HOME_RE = re.compile(rb"^[ \t]*home[ \t]*=", re.MULTILINE)


def list_tree(root: Path) -> Tree:
    """The :class:`Tree` of the folder ``root``: git's files inside a work tree (every
    tracked file, those of its checked-out submodules, and the untracked ones minus the
    skipped folders and virtual environments), else the walk's."""
    listed = _git_files(root)
    if listed is None:
        return _walk(os.fspath(root))
    files = list(listed.tracked)
    skipped: set[str] = set()
    # the default rules apply to untracked files only: what git tracks is the project's
    # (a package named build/, a committed pyvenv.cfg)
    marked = {
        n.removesuffix("pyvenv.cfg")
        for names in (listed.untracked, listed.tracked)
        for n in names
        if n.endswith("/pyvenv.cfg")
    }
    venvs = tuple(v for v in marked if is_virtualenv(os.path.join(root, v)))
    tracked_dirs: set[str] | None = None  # the folders git tracks files in: the project's
    for rel in listed.untracked:
        parts = rel.split("/")[:-1]
        hidden = [i for i, p in enumerate(parts) if _skipped_dir(p)]
        venv = next((v for v in venvs if rel.startswith(v)), None)
        if not hidden and venv is None:
            files.append(rel)
            continue
        if tracked_dirs is None:
            tracked_dirs = _folders(listed.tracked)
        folders = ["/".join(parts[: i + 1]) + "/" for i in hidden]
        if venv is not None:
            folders.append(venv)
        folders = [f for f in folders if f not in tracked_dirs]
        if not folders:
            files.append(rel)
            continue
        folder = min(folders, key=len)
        if _worth_a_mention(folder.rstrip("/").rsplit("/", 1)[-1]):
            skipped.add(folder)
    for sub in listed.submodules:
        checkout = root / sub
        if os.path.lexists(checkout / ".git"):
            inner = list_tree(checkout)  # its own work tree
        elif _holds_files(checkout):
            inner = _walk(os.fspath(checkout))  # files without a work tree: walked
        else:
            skipped.add(sub + "/")  # not checked out: nothing to scan
            continue
        files.extend(f"{sub}/{rel}" for rel in inner.files)
        skipped.update(f"{sub}/{rel}" for rel in inner.skipped)
    files.sort()
    return Tree(files, git=True, skipped=tuple(sorted(skipped)))


def _holds_files(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            return any(True for _ in it)
    except OSError:
        return False


def _folders(files: list[str]) -> set[str]:
    """Every folder (``a/``, ``a/b/``) that holds one of ``files``, at any depth."""
    out: set[str] = set()
    for rel in files:
        end = rel.rfind("/")
        while end > 0:
            folder = rel[: end + 1]
            if folder in out:
                break
            out.add(folder)
            end = rel.rfind("/", 0, end)
    return out


def _walk(root: str) -> Tree:
    """Every file below ``root`` (POSIX paths relative to it, sorted), skipping the folders
    that are never scanned (a virtualenv: see :func:`is_virtualenv`). Iterative, on
    strings, one ``scandir`` per folder and no other system call but for a ``pyvenv.cfg``:
    this runs for every file of a large tree on every scan, cache hit or not."""
    out: list[str] = []
    odd: list[str] = []
    skipped: list[str] = []
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
                elif _worth_a_mention(name):
                    skipped.append(f"{prefix}{name}/")
            else:
                files.append(prefix + name)
                if name == "pyvenv.cfg" and prefix:
                    marker = entry
        if marker is not None:
            if not marker.is_file():
                odd.append(prefix)
            elif is_virtualenv(folder):
                skipped.append(prefix)
                continue  # a virtual environment
        out.extend(files)
        stack.extend(dirs)
    out.sort()
    skipped.sort()
    return Tree(out, odd_venvs=tuple(odd), skipped=tuple(skipped))


# A Python script without a suffix (bin/deploy): its first line runs python (or pypy), by
# path or through env (#!/usr/bin/env -S python3 -u, #!/usr/local/bin/python3.11)
_SHEBANG_RE = re.compile(
    rb"#![ \t]*(?:\S*/)?(?:env[ \t]+(?:-\S+[ \t]+)*(?:\S*/)?)?(?:python|pypy)[0-9.]*(?:[ \t\r\n]|$)"
)
_SHEBANG_BYTES = 128


def is_python_script(path: str) -> bool:
    """A regular file (not followed through a symbolic link) whose first line is a Python
    shebang: only its first bytes are read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, _SHEBANG_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
    return b"\0" not in head and _SHEBANG_RE.match(head) is not None


def _suffixless(rel: str) -> bool:
    name = rel[rel.rfind("/") + 1 :]
    return "." not in name[1:]


def _wanted(rel: str, include: Sequence[str], exclude: Sequence[str], path: str) -> bool:
    if not rel.endswith(PY_SUFFIXES) and not _suffixless(rel):
        return False
    if include and not any(path_matches(rel, p) for p in include):
        return False
    if any(path_matches(rel, p) for p in exclude):
        return False
    return rel.endswith(PY_SUFFIXES) or is_python_script(path)


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
            path = os.path.join(root, rel)
            if not _wanted(rel, include, exclude, path):
                continue
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
    holds it, as Python does: ``tools/run.py`` under ``gptme/`` is ``gptme.tools.run``. Below
    a folder whose name cannot be a package's (``autogen-ext/``, ``pkg-1.0/``), names start
    after it: ``pkgs/autogen-ext/src/autogen_ext/run.py`` is ``autogen_ext.run``."""
    parts = rel_path.removesuffix(".py").removesuffix(".pyw").split("/")
    prefix = package_prefix(root) if root and not os.path.isabs(rel_path) else ""
    if prefix:
        parts = [*prefix.split("."), *parts]
    else:
        # a folder above that cannot be a package (a repository of several distributions,
        # ``packages/autogen-ext/src/autogen_ext/``, an unpacked ``name-1.0/``) holds
        # a project of its own: its files are named from below it, as its own scan would
        folders = [n for n, p in enumerate(parts[:-1]) if not p.isidentifier()]
        if folders:
            parts = parts[folders[-1] + 1 :]
        if parts and parts[0] in ("src", "lib") and len(parts) > 1:
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
