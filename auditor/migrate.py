"""Apply the migration codemods to files safely: the plain API under ``auditor migrate``.

``plan(paths)`` plans each file (:func:`auditor.planning.plan_source`, in the scan's
workers): it finds its sites with the scanner, runs the selected codemods (``shell-to-argv``,
then ``route-to-sandbox``, then ``eval-exec-to-sandbox``) and checks the result: it must
compile, and a re-scan must show every rewritten site isolated or gone (no unsafe finding may
remain at it, and none may appear). A file that fails is left as it is and carries the reason
in ``FilePlan.error``. ``apply(plans)`` then writes the files that
change, atomically and keeping mode and encoding, refusing files with uncommitted changes in
a git work tree unless ``allow_dirty``.

Each ``FilePlan`` lists per rewritten site its fingerprint (the scanner's), the codemod, and
the lines before and after (for the audit's "specific lines to fix"), and per site left
alone the reasons it needs a human.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from auditor.findings import ScanResult
from auditor.judge.policy import Policy, load_policy
from auditor.plans import FilePlan, PlanSpec, SitePlan, SiteReview, sandbox_settings
from auditor.scan.discover import Candidate, discover, scan_globs


def _candidates(
    targets: Sequence[str | os.PathLike[str]] | ScanResult,
    policy: Policy,
    include: Iterable[str],
    exclude: Iterable[str],
) -> list[Candidate]:
    if isinstance(targets, ScanResult):
        paths = sorted({f.path for f in targets.findings})
        return [Candidate(p, explicit=True) for p in paths]
    given = [Path(p) for p in targets] or [Path(".")]
    return list(discover(given, scan_globs(policy, include, exclude)))


def plan(
    targets: Sequence[str | os.PathLike[str]] | ScanResult = (".",),
    policy: Policy | None = None,
    *,
    codemods: Iterable[str] | None = None,
    select: Iterable[str] = (),
    only: Iterable[str] = (),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    matched_only: set[str] | None = None,
    jobs: int | None = None,
    use_cache: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    fresh: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[FilePlan]:
    """Plan the migration of files and folders (or of the files of a scan result).

    Returns one :class:`FilePlan` per file that has a site needing action, or an error;
    files with nothing to do are left out. Nothing is written. The ``only`` specs that
    matched a site needing action are added to ``matched_only``. The files are planned in
    ``jobs`` worker processes (default: the CPUs available), with the result cache when
    ``use_cache`` (see :func:`auditor.api.plan_files`)."""
    from auditor.api import plan_files

    names = tuple(codemods) if codemods is not None else None
    spec = PlanSpec(names, tuple(select), tuple(only))  # checks the names and --only first
    if policy is None:
        if isinstance(targets, ScanResult):
            start = Path(targets.findings[0].path) if targets.findings else Path(".")
        else:
            start = Path(targets[0]) if targets else Path(".")
        policy = load_policy(start)
    settings = sandbox_settings(policy)
    return plan_files(
        _candidates(targets, policy, include, exclude), policy, spec, settings=settings,
        jobs=jobs, use_cache=use_cache, cache_dir=cache_dir, fresh=fresh, progress=progress,
        matched_only=matched_only,
    )  # fmt: skip


# -- writing --------------------------------------------------------------------------------
_GIT_STATUS = ("git", "status", "--porcelain", "-z", "--untracked-files=all", "--ignored")


def _git_dirty(files: Sequence[Path]) -> tuple[set[Path], str | None]:
    """The files among ``files`` with uncommitted changes (or untracked) in a git work tree."""
    dirty: set[Path] = set()
    by_folder: dict[Path, list[Path]] = {}
    for file in files:
        by_folder.setdefault(file.parent, []).append(file)
    for folder, group in by_folder.items():
        try:
            top = subprocess.run(
                ["git", "rev-parse", "--show-toplevel"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue  # no git: nothing to protect
        if top.returncode != 0:
            continue  # not in a work tree
        names = [f.name for f in group]
        try:
            status = subprocess.run(
                [*_GIT_STATUS, "--", *names],
                cwd=folder,
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return dirty, f"git status failed: {exc}"
        if status.returncode != 0:
            message = status.stderr.decode("utf-8", "replace").strip().splitlines()
            return dirty, f"git status failed: {message[0] if message else status.returncode}"
        root = Path(top.stdout.strip())
        for entry in status.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if len(entry) > 3 and entry[2] == " ":
                dirty.add(Path(os.path.realpath(root / entry[3:])))
    return dirty, None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` through a temporary file and a rename, keeping its mode."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".migrate", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def apply(plans: Sequence[FilePlan], *, allow_dirty: bool = False) -> list[FilePlan]:
    """Write every plan that changes its file. Returns the plans written; a plan that cannot
    be written gets ``error`` set and its file is left untouched."""
    todo = [p for p in plans if p.changed]
    if not allow_dirty and todo:
        dirty, problem = _git_dirty([p.file for p in todo])
        for fplan in todo:
            if problem is not None:
                fplan.error = problem
            elif fplan.file in dirty:
                fplan.error = (
                    "has uncommitted changes in its git work tree; commit or stash them, "
                    "or pass --allow-dirty"
                )
        todo = [p for p in todo if p.error is None]
    written: list[FilePlan] = []
    for fplan in todo:
        try:
            with open(fplan.file, "rb") as handle:
                if handle.read() != fplan.data:
                    fplan.error = "changed since it was read; run migrate again"
                    continue
            write_bytes_atomic(fplan.file, fplan.updated.encode(fplan.encoding))
        except OSError as exc:
            fplan.error = f"cannot write: {exc.strerror or exc}"
            continue
        written.append(fplan)
    return written


def fixes_by_fingerprint(plans: Iterable[FilePlan]) -> dict[str, SitePlan]:
    """Every planned rewrite by the scanner's fingerprint of its site."""
    return {site.fingerprint: site for fplan in plans if fplan.changed for site in fplan.sites}


def reviews_by_fingerprint(plans: Iterable[FilePlan]) -> dict[str, SiteReview]:
    """Every site left for review by the scanner's fingerprint, with its reasons."""
    return {r.fingerprint: r for fplan in plans if fplan.error is None for r in fplan.reviews}


def before_after(plans: Iterable[FilePlan]) -> dict[str, tuple[str, str]]:
    """``{fingerprint: (before, after)}`` code of every planned rewrite: the ``fixes``
    mapping the audit document's "specific lines to fix" takes."""
    return {
        fingerprint: ("\n".join(site.before_lines), "\n".join(site.after_lines))
        for fingerprint, site in fixes_by_fingerprint(plans).items()
    }


def fixes_for(result: ScanResult, policy: Policy) -> dict[str, tuple[str, str]]:
    """The before/after code of every site of ``result`` that the codemods rewrite, by
    fingerprint (``auditor report``'s ``fixes=``); nothing is written."""
    return before_after(plan(result, policy))
