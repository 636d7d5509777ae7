"""The plain Python API under the CLI: ``scan(paths) -> ScanResult``.

A scan discovers files, reads each once, answers it from the result cache when the same bytes
were analysed before under the same policy and tool, and sends the rest to the analysis, in
worker processes when there are enough of them. Results stream back file by file; nothing of a
file but its findings and errors is kept. libcst is imported only when some file misses the
cache.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.engines import LIBCST, Target, merge, run_engines
from auditor.findings import FileResult, ScanError, ScanResult
from auditor.flow.stage import Entry
from auditor.judge.catalogue import catalogue_text
from auditor.judge.policy import Policy, load_policy
from auditor.rules_files import read_rule_file
from auditor.scan.cache import ResultCache, default_folder, salt_for
from auditor.scan.discover import discover, relative_to
from auditor.scan.options import Options

if TYPE_CHECKING:
    from auditor.scan.worker import Job  # the worker imports libcst: only when needed

Progress = Callable[[int, int | None], None]

# A pool pays for itself only past a few files (pre-commit passes a handful).
_POOL_MIN_FILES = 24
# The modules whose code decides findings (paths under auditor/): their source is part of
# the cache key.
_ANALYSIS_MODULES = (
    "findings.py", "globs.py", "judge/catalogue.py", "judge/classify.py", "judge/policy.py",
    "judge/shellwords.py", "scan/analyze.py", "scan/collect.py", "scan/payload.py",
    "scan/positions.py", "scan/prefilter.py", "scan/resolve.py", "scan/scopes.py",
    "scan/skeleton.py", "scan/suppress.py", "scan/walk.py", "scan/runs.py",
    "judge/launchers.py", "judge/launcher_table.py", "flow/model.py", "flow/sources.py",
    "flow/summary.py",
)  # fmt: skip
# The data files under rules/ that decide findings besides the catalogue (in the key too).
_ANALYSIS_DATA = ("sources.toml", "launchers.toml")


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _code_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).parent
    for name in _ANALYSIS_MODULES:
        digest.update(package.joinpath(name).read_bytes())
    for name in _ANALYSIS_DATA:
        digest.update(read_rule_file(name).encode())
    return digest.hexdigest()


def _stat(path: str, shown: str, max_size: int) -> tuple[ScanError | None, int]:
    """Why the file cannot be scanned (None when it can), and its size."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return ScanError(shown, "broken symbolic link"), 0
        return ScanError(shown, "no such file"), 0
    except OSError as exc:
        return ScanError(shown, f"cannot read: {exc.strerror}"), 0
    if not stat.S_ISREG(info.st_mode):
        return ScanError(shown, "not a regular file"), 0
    if info.st_size > max_size:
        return ScanError(
            shown,
            f"file too large ({info.st_size} bytes > max_file_size {max_size}); "
            "raise max_file_size or exclude it",
        ), info.st_size
    return None, info.st_size


def _analyse(
    jobs_in: list[Job], policy: Policy, options: Options, jobs: int, salt: bytes | None
) -> Iterator[tuple[str | None, FileResult]]:
    """Each job's cache key (None without a cache) and result, in the order of ``jobs_in``.
    A pool hands out small chunks: give it the largest files first, so that no worker is
    left with a run of big files at the end."""
    from auditor.scan import worker  # imports libcst: only when something must be analysed

    if jobs > 1 and len(jobs_in) >= _POOL_MIN_FILES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=worker.init_worker,
            initargs=(policy, options, salt),
        ) as pool:  # fmt: skip
            chunk = max(1, min(4, len(jobs_in) // (jobs * 16)))
            yield from pool.map(worker.run, jobs_in, chunksize=chunk)
        return
    worker.init(policy, options, salt)
    for job in jobs_in:
        with worker.few_collections():  # not around the yield: the caller's code runs there
            done = worker.run(job)
        yield done


class _Runner:
    """Runs the per-file analysis of a list of jobs: from the cache when it has the result,
    else in worker processes (or in this one), storing what it computed."""

    def __init__(
        self,
        policy: Policy,
        options: Options,
        jobs: int,
        cache: ResultCache | None,
        result: ScanResult,
    ) -> None:
        self.policy = policy
        self.options = options
        self.jobs = jobs
        self.cache = cache
        self.result = result

    def key_of(self, job: Job, content: bytes) -> str:
        assert self.cache is not None
        _, shown, rel, explicit, extra = job
        return self.cache.key(content, shown, _key_detail(rel, explicit, extra))

    def run(self, sized: list[tuple[int, Job]]) -> Iterator[tuple[Job, FileResult]]:
        misses: list[tuple[int, Job]] = []
        keyed: list[tuple[int, Job, str]] = []
        for size, job in sized:
            if self.cache is None:
                misses.append((size, job))
                continue
            try:
                with open(job[0], "rb") as f:
                    content = f.read()
            except OSError as exc:
                yield job, FileResult(errors=[ScanError(job[1], f"cannot read: {exc.strerror}")])
                continue
            keyed.append((size, job, self.key_of(job, content)))
        if self.cache is not None:
            cached = self.cache.get_many([key for _, _, key in keyed])
            for size, job, key in keyed:
                hit = cached.get(key)
                if hit is not None:
                    self.result.stats.cached += 1
                    yield job, hit
                else:
                    misses.append((size, job))
        misses.sort(key=lambda m: -m[0])
        to_do = [job for _, job in misses]
        if not to_do:
            return
        salt = self.cache.salt if self.cache is not None else None
        analysed = _analyse(to_do, self.policy, self.options, self.jobs, salt)
        for job, (result_key, file_result) in zip(to_do, analysed, strict=True):
            if self.cache is not None and result_key is not None:
                self.cache.put(result_key, file_result)
            yield job, file_result


def _key_detail(rel: str, explicit: bool, extra: tuple[str, ...]) -> str:
    """The part of a file's cache key that is not its content or shown path."""
    detail = f"{rel}|{explicit}"
    return f"{detail}|{','.join(sorted(extra))}" if extra else detail


def _project_stage(entries: list[Entry], runner: _Runner, policy: Policy) -> None:
    """The project-wide stage (auditor.flow.stage): rounds of asking for what the
    propagation misses, then origins, flows and constants given to every finding."""
    from auditor.flow import stage

    texts: dict[str, str | None] = {}

    def text_of(entry: Entry) -> str | None:
        if entry.path not in texts:
            try:
                with open(entry.path, "rb") as handle:
                    texts[entry.path] = handle.read().decode("utf-8", "replace")
            except OSError:
                texts[entry.path] = None
        return texts[entry.path]

    project, owners = stage.build(entries)
    planner = stage.Planner(entries, text_of)
    for _ in range(stage.ROUNDS):
        asked = planner.requests(project, owners)
        if not asked:
            break
        jobs_in: list[tuple[int, Job]] = []
        for number, extra in asked.items():
            entry = entries[number]
            jobs_in.append(
                (0, (entry.path, entry.shown, entry.rel, entry.explicit, tuple(sorted(extra))))
            )
        by_path = {entries[n].path: n for n in asked}
        for job, file_result in runner.run(jobs_in):
            entry = entries[by_path[job[0]]]
            entry.result = file_result
            entry.extra = frozenset(job[4])
        project, owners = stage.build(entries)
    stage.apply(project, owners, entries, policy, planner)


def scan(
    paths: Sequence[str | os.PathLike[str]] = (".",),
    *,
    policy: Policy | None = None,
    honor_nosec: bool = False,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    progress: Progress | None = None,
    jobs: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = False,
    prefilter: bool = True,
    engines: Sequence[str] = (LIBCST,),
) -> ScanResult:
    """Scan files and folders and return every finding and every file that could not be
    analysed. ``policy`` defaults to the one found upward from the first path. The result
    cache is used when ``use_cache`` (in ``cache_dir``, default ``.auditor_cache`` at the
    project root when it has a policy file, else the user's cache folder). ``jobs`` worker
    processes analyse files (default: the CPUs available).

    ``engines`` beyond libcst (``"bandit"``, ``"semgrep"``) run over the files the scanner
    analysed; their results fill ``also_flagged_by`` and ``engine_only`` (auditor.engines)."""
    started = time.perf_counter()
    given = [Path(p) for p in paths] or [Path(".")]
    if policy is None:
        policy = load_policy(given[0])
    options = Options(honor_nosec=honor_nosec, prefilter=prefilter)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    cache: ResultCache | None = None
    if use_cache:
        folder = (
            Path(cache_dir) if cache_dir is not None else default_folder(policy.root, policy.source)
        )
        salt = salt_for(
            policy.fingerprint(), catalogue_text(), f"{options.key()}|{_code_fingerprint()}"
        )
        cache = ResultCache(folder, salt)
    cwd = Path.cwd()
    result = ScanResult(engines=[LIBCST, *(e for e in engines if e != LIBCST)])
    candidates = list(discover(given, (*policy.include, *include), (*policy.exclude, *exclude)))
    total = len(candidates)
    done = 0
    entries: list[Entry] = []

    def record(entry: Entry | None, file_result: FileResult) -> None:
        nonlocal done
        if entry is None:  # a file that could not even be read
            result.stats.files += 1
            result.errors.extend(file_result.errors)
        else:
            entries.append(entry)
        done += 1
        if progress is not None:
            progress(done, total)

    jobs_in: list[tuple[int, Job]] = []  # (size, job)
    here = os.fspath(cwd)
    for candidate in candidates:
        path = os.path.abspath(candidate.path)  # engines and workers get absolute paths
        shown = relative_to(path, here)  # display_path, without a second abspath
        error, size = _stat(candidate.path, shown, policy.max_file_size)
        if error is not None:
            record(None, FileResult(errors=[error]))
            continue
        rel = relative_to(path, policy.root)
        jobs_in.append((size, (path, shown, rel, candidate.explicit, ())))
    runner = _Runner(policy, options, jobs, cache, result)
    try:
        for job, file_result in runner.run(jobs_in):
            path, shown, rel, explicit, _ = job
            record(Entry(path, shown, rel, explicit, file_result), file_result)
        _project_stage(entries, runner, policy)
    finally:
        if cache is not None:
            cache.close()
    targets: list[Target] = []
    for entry in entries:
        file_result = entry.result
        if not file_result.errors:
            targets.append(Target(entry.path, entry.shown))
        result.stats.files += 1
        result.stats.parsed += int(file_result.parsed)
        result.findings.extend(file_result.findings)
        result.errors.extend(file_result.errors)
    if len(result.engines) > 1:
        hits, result.engine_errors = run_engines(result.engines, targets)
        result.findings, result.engine_only = merge(result.findings, hits)
    result.sort()
    result.stats.seconds = time.perf_counter() - started
    return result
