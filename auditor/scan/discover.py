"""Find the Python files to scan (``.py``, ``.pyw``, ``.wsgi``, and files of any other suffix
but those of data and documents, rules/discover.toml, whose first line is a Python shebang):
git-aware (``.gitignore`` is respected inside a work tree, checked-out
submodules are listed too), skipping version-control folders, virtual environments, installed
packages and build output, but never a file git tracks."""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.globs import path_matches
from auditor.rules_files import rule_table

if TYPE_CHECKING:
    from auditor.judge.policy import Policy

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


# A Python script without a known suffix (bin/deploy, cgi-bin/run.cgi): its first line runs
# python (or pypy), by path or through env or a runner (rules/discover.toml)
_SHEBANG_BYTES = 512  # Linux reads 256 bytes of it
_INTERPRETER_RE = re.compile(rb"(?:python|pypy)[0-9.]*t?(?:\.exe)?")
# what a suffix says of a walked file: scanned as Python, never read, or read for a shebang
# (and a symbolic link, what _sniff says of one)
_PYTHON, _OTHER, _SHEBANG, _LINK = 1, 0, 2, 3


@dataclass(frozen=True, slots=True)
class _Rules:
    python_suffixes: frozenset[str]
    other_suffixes: frozenset[str]
    env_programs: frozenset[bytes]
    env_value_options: frozenset[bytes]
    runners: frozenset[tuple[bytes, bytes]]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = rule_table("discover.toml")
    return _Rules(
        frozenset(s.lower() for s in data["python-suffixes"]),
        frozenset(s.lower() for s in data["other-suffixes"]),
        frozenset(p.encode() for p in data["env-programs"]),
        frozenset(o.encode() for o in data["env-value-options"]),
        frozenset((r["program"].encode(), r["subcommand"].encode()) for r in data["runners"]),
    )


def _program(word: bytes) -> bytes:
    """The name of the program ``word`` names (a path's last part, without quotes)."""
    word = word.strip(b"'\"")
    return word[max(word.rfind(b"/"), word.rfind(b"\\")) + 1 :].lower()


def _after_env(words: list[bytes], rules: _Rules) -> list[bytes]:
    """The words from the command env runs on: its options (and their values), ``-S`` and
    the NAME=value words skipped."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == b"--":
            return words[i + 1 :]
        if word.startswith(b"--"):
            name, eq, value = word.partition(b"=")
            if name == b"--split-string" and eq:
                return [value, *words[i + 1 :]]
            i += 2 if (name in rules.env_value_options and not eq) else 1
            continue
        if word.startswith(b"-") and len(word) > 1:
            skip = 1
            for n in range(1, len(word)):
                letter = b"-" + word[n : n + 1]
                rest = word[n + 1 :]
                if letter == b"-S":
                    if rest:
                        return [rest, *words[i + 1 :]]
                    break
                if letter in rules.env_value_options:
                    skip = 1 if rest else 2
                    break
            i += skip
            continue
        if word == b"-" or b"=" in word:
            i += 1  # -: an empty environment; NAME=value
            continue
        return words[i:]
    return []


def python_shebang(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, opens with a shebang line that runs the file
    as Python (rules/discover.toml)."""
    if not head.startswith(b"#!"):
        return False
    words = head[2:].split(b"\n", 1)[0].split()
    rules = _rules()
    for _ in range(4):  # env -S env ...: a few levels at most
        if not words:
            return False
        program = _program(words[0])
        if _INTERPRETER_RE.fullmatch(program):
            return True
        if program in rules.env_programs:
            words = _after_env(words[1:], rules)
            continue
        operands = [w for w in words[1:] if not w.startswith(b"-")]
        return bool(operands) and (program, operands[0]) in rules.runners
    return False


def is_python_script(path: str) -> bool:
    """A regular file (not followed through a symbolic link) whose first line is a Python
    shebang: only its first bytes are read."""
    return _sniff(path) == _PYTHON


def _sniff(path: str) -> int:
    """``_PYTHON`` for a regular file whose first line is a Python shebang, ``_LINK`` for a
    symbolic link (not followed), else ``_OTHER``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return _LINK if exc.errno == errno.ELOOP else _OTHER
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return _OTHER
        head = os.read(fd, _SHEBANG_BYTES)
    except OSError:
        return _OTHER
    finally:
        os.close(fd)
    return _PYTHON if b"\0" not in head and python_shebang(head) else _OTHER


def _kind(rel: str) -> int:
    """What the name of the walked file ``rel`` says of it: Python (``.py``, ``.pyw``, the
    ``python-suffixes``), never Python (the ``other-suffixes``), or Python when its first
    line is a Python shebang (no suffix, or any other)."""
    if rel.endswith(PY_SUFFIXES):
        return _PYTHON
    name = rel[rel.rfind("/") + 1 :]
    dot = name.rfind(".")
    if dot <= 0:
        return _SHEBANG  # no suffix (a leading dot is no suffix: .envrc)
    suffix = name[dot:].lower()
    rules = _rules()
    if suffix in rules.python_suffixes:
        return _PYTHON
    return _OTHER if suffix in rules.other_suffixes else _SHEBANG


@dataclass(frozen=True, slots=True)
class Globs:
    """Include and exclude globs (auditor.globs), matched against a walked file's path
    relative to the folder ``base`` (absolute): the policy's against its path from the
    project root, the command line's against its path from the working directory, so that
    the same files are scanned whichever folder is given. A file outside ``base`` (or any,
    when ``base`` is None) is matched by its path relative to the folder scanned."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    base: str | None = None

    def prefix(self, folder: str) -> str | None:
        """What turns a path relative to the scanned ``folder`` into one relative to
        ``base`` (``""``, ``"app/"``), or None when the folder is not under it (a folder
        given through a symbolic link is resolved first: the policy's root is)."""
        if self.base is None:
            return None
        for candidate in (os.path.abspath(folder), os.path.realpath(folder)):
            if candidate == self.base:
                return ""
            rel = relative_to(candidate, self.base)
            if not os.path.isabs(rel):
                return rel + "/"
        return None


def scan_globs(
    policy: Policy, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> tuple[Globs, ...]:
    """The globs a scan applies: the policy's (from its root) and the command line's
    ``include``/``exclude`` (from the working directory)."""
    return (
        Globs(policy.include, policy.exclude, os.path.abspath(policy.root)),
        Globs(tuple(include), tuple(exclude), os.getcwd()),
    )


class Matcher:
    """The ``globs`` as they apply to the files of one scanned folder. The folder is scanned
    whole, as a file named explicitly is: an exclude glob that excludes the folder itself
    (any file in it: ``--exclude tests`` for ``auditor check tests``, ``legacy/**`` for
    ``auditor check legacy/old``) does not apply to it."""

    def __init__(self, globs: Sequence[Globs], folder: str) -> None:
        self._globs: list[tuple[tuple[str, ...], tuple[str, ...], str | None]] = []
        for g in globs:
            prefix = g.prefix(folder)
            exclude = g.exclude
            if prefix:
                anyone = prefix + "\0"  # a name no glob spells out
                exclude = tuple(p for p in exclude if not path_matches(anyone, p))
            if g.include or exclude:
                self._globs.append((g.include, exclude, prefix))
        self._includes = any(g[0] for g in self._globs)
        self.empty = not self._globs

    def excluded(self, rel: str) -> bool:
        """Whether the file ``rel`` (relative to the folder) matches an exclude glob."""
        for _, exclude, prefix in self._globs:
            if exclude:
                path = rel if prefix is None else prefix + rel
                if any(path_matches(path, p) for p in exclude):
                    return True
        return False

    def wanted(self, rel: str) -> bool:
        """Whether the file ``rel`` is kept: it matches an include glob of any of them
        (when there is one) and no exclude glob."""
        if self._includes and not any(
            any(path_matches(rel if prefix is None else prefix + rel, p) for p in include)
            for include, _, prefix in self._globs
        ):
            return False
        return not self.excluded(rel)


def discover(
    paths: Sequence[Path],
    globs: Sequence[Globs] = (),
    listing: Listing | None = None,
) -> Iterator[Candidate]:
    """Yield each file to scan once, in a stable order. ``globs``: the include and exclude
    globs (:func:`scan_globs`). ``listing``: the command's listing of the trees, when
    something else it does reads them too (a new one otherwise)."""
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
        matcher = Matcher(globs, root)
        links: list[str] = []
        for rel in tree.files:
            kind = _kind(rel)
            if kind == _OTHER:
                continue
            path = os.path.join(root, rel)
            if kind == _SHEBANG:
                kind = _sniff(path)
                if kind == _LINK:
                    links.append(rel)  # perhaps a folder: below
                if kind != _PYTHON:
                    continue
            if not (matcher.empty or matcher.wanted(rel)):
                continue
            if tree.git and not os.path.lexists(path):
                continue  # tracked by git but deleted in the work tree
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                yield Candidate(path, explicit=False)
        yield from _linked_files(root, links, matcher, seen)


def _linked_files(
    root: str, links: list[str], matcher: Matcher, seen: set[str]
) -> Iterator[Candidate]:
    """The Python files found through the symbolic links ``links`` (relative to ``root``):
    a link to a file inside ``root`` that is a Python script by its own name or by the
    target's shebang (``bin/deploy -> ../src/impl.txt``), unless the target is scanned under
    its own path; and the files of links to folders inside ``root``, importable by the link's path
    (``app/plugins -> ../tests/fixtures/evil``: ``app.plugins.x``). Each is scanned under
    that path, the globs matching it, unless its real path is scanned itself (``seen``). A
    link to a folder outside ``root`` is not followed (it may lead anywhere, ``/``), nor is
    a link found below a followed one, one named as a folder skipped by default (``.venv``,
    ``build``) or one to a virtual environment."""
    if not links:
        return
    root_abs, root_real = os.path.abspath(root), os.path.realpath(root)
    for rel in links:
        link = os.path.join(root, rel)
        real = os.path.realpath(link)
        inside = relative_to(real, root_real)
        if os.path.isabs(inside) or real == root_real:
            continue
        if os.path.isfile(real):  # bin/deploy -> ../src/impl.txt, a Python script run by it
            found = _through_link(rel, link, os.path.join(root_abs, inside), matcher, seen)
            if found is not None:
                yield found
            continue
        if not os.path.isdir(real):
            continue
        if _skipped_dir(rel.rpartition("/")[2]) or is_virtualenv(real):
            continue
        for sub in _walk(link).files:
            own = os.path.join(root_abs, inside, sub)
            found = _through_link(f"{rel}/{sub}", os.path.join(link, sub), own, matcher, seen)
            if found is not None:
                yield found


def _through_link(
    walked: str, path: str, own: str, matcher: Matcher, seen: set[str]
) -> Candidate | None:
    """The file ``path``, reached through a link (``walked``: as the walk names it; ``own``:
    its path without the link), when it is a Python file the globs want and it is not
    scanned under its own path or already."""
    kind = _kind(walked)
    if kind == _OTHER or not (matcher.empty or matcher.wanted(walked)):
        return None
    if own in seen or os.path.realpath(path) in seen:
        return None  # scanned under its own path
    if kind == _SHEBANG and _sniff(os.path.realpath(path)) != _PYTHON:
        return None
    key = os.path.abspath(path)
    if key in seen:
        return None
    seen.add(key)
    return Candidate(path, explicit=False)


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
    elif not os.path.isabs(rel_path):  # (an absolute path, outside the root: no module)
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
