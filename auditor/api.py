"""The plain Python API under the CLI: ``scan(paths) -> ScanResult``."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from auditor.analyze import Context, FileResult, Options, analyze_source
from auditor.discover import Candidate, discover, display_path
from auditor.engines import LIBCST, Target, merge, run_engines
from auditor.findings import ScanError, ScanResult
from auditor.policy import Policy, load_policy

Progress = Callable[[int, int | None], None]


def _read(candidate: Candidate, shown: str, max_size: int) -> tuple[bytes | None, ScanError | None]:
    path = candidate.path
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, ScanError(shown, "broken symbolic link")
        return None, ScanError(shown, "no such file")
    except OSError as exc:
        return None, ScanError(shown, f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(info.st_mode):
        return None, ScanError(shown, "not a regular file")
    if info.st_size > max_size:
        return None, ScanError(
            shown,
            f"file too large ({info.st_size} bytes > max_file_size {max_size}); "
            "raise max_file_size or exclude it",
        )
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, ScanError(shown, f"cannot read: {exc.strerror or exc}")


def _rel_to_root(path: Path, root: str) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def analyze_file(candidate: Candidate, ctx: Context, cwd: Path) -> tuple[FileResult, bool]:
    """Read and analyse one file. Returns the result and whether it could be read."""
    shown = display_path(candidate.path, cwd)
    data, error = _read(candidate, shown, ctx.policy.max_file_size)
    if error is not None or data is None:
        return FileResult(errors=[error or ScanError(shown, "cannot read")]), False
    return analyze_source(data, shown, _rel_to_root(candidate.path, ctx.policy.root), ctx), True


def scan(
    paths: Sequence[str | os.PathLike[str]] = (".",),
    *,
    policy: Policy | None = None,
    honor_nosec: bool = False,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    progress: Progress | None = None,
    engines: Sequence[str] = (LIBCST,),
) -> ScanResult:
    """Scan files and folders and return every finding and every file that could not be
    analysed. ``policy`` defaults to the one found upward from the first path.

    ``engines`` beyond libcst (``"bandit"``, ``"semgrep"``) run over the files the scanner
    parsed; their results fill ``also_flagged_by`` and ``engine_only`` (see auditor.engines)."""
    started = time.perf_counter()
    given = [Path(p) for p in paths] or [Path(".")]
    if policy is None:
        policy = load_policy(given[0])
    ctx = Context(policy, Options(honor_nosec=honor_nosec))
    cwd = Path.cwd()
    result = ScanResult(engines=[LIBCST, *(e for e in engines if e != LIBCST)])
    targets: list[Target] = []
    candidates = list(discover(given, (*policy.include, *include), (*policy.exclude, *exclude)))
    for done, candidate in enumerate(candidates, 1):
        file_result, _ = analyze_file(candidate, ctx, cwd)
        result.stats.files += 1
        result.stats.parsed += int(file_result.parsed)
        result.findings.extend(file_result.findings)
        result.errors.extend(file_result.errors)
        if file_result.parsed:
            targets.append(
                Target(os.path.abspath(candidate.path), display_path(candidate.path, cwd))
            )
        if progress is not None:
            progress(done, len(candidates))
    if len(result.engines) > 1:
        hits, result.engine_errors = run_engines(result.engines, targets)
        result.findings, result.engine_only = merge(result.findings, hits)
    result.sort()
    result.stats.seconds = time.perf_counter() - started
    return result
