"""The plain Python API under the CLI: ``scan(paths) -> ScanResult``, and the migration plans
with it (``scan_and_plan``, ``plan_files``).

A scan discovers files, reads each once, answers it from the result cache when the same bytes
were analysed before under the same policy and tool, and sends the rest to the analysis, in
worker processes when there are enough of them. Results stream back file by file; nothing of a
file but its findings and errors is kept. libcst is imported only when some file misses the
cache.

When plans are wanted (``auditor report``'s "specific lines to fix", ``auditor migrate``),
each file is planned in the same worker right after its analysis, and its plan is cached
with its result: a run where nothing changed reads both and loads neither libcst nor the
codemods. A file with no site a codemod may rewrite is planned from its analysis alone.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import os
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.engines import LIBCST, Target, merge, run_engines
from auditor.findings import SUMMARY_UNREAD, FileResult, ScanError, ScanResult
from auditor.flow.entry import Entry, text_reader
from auditor.gc_threshold import few_collections
from auditor.judge.catalogue import catalogue_text
from auditor.judge.policy import Policy, load_policy
from auditor.rules_files import folder as rules_folder
from auditor.rules_files import read_rule_file
from auditor.scan.cache import (
    FOLDER,
    ResultCache,
    SecretError,
    default_folder,
    local_secret,
    salt_for,
    user_folder,
)
from auditor.scan.discover import (
    Candidate,
    Listing,
    discover,
    package_prefix,
    relative_to,
    scan_globs,
)
from auditor.scan.options import Options

if TYPE_CHECKING:
    from auditor.plans import FilePlan, PlanSpec
    from auditor.sandbox.config import Settings
    from auditor.worker import Job  # the worker imports libcst: only when needed

Progress = Callable[[int, int | None], None]

# A pool pays for itself only past a few files (pre-commit passes a handful).
_POOL_MIN_FILES = 24
# The code that decides a file's findings and summary (in the result cache's key): every
# module of the stages' packages and these beside them, found by listing, so that a module
# added to a stage is in the key without anyone remembering to add it (a stale cache gave
# results the code no longer computes).
_ANALYSIS_PACKAGES = ("scan", "judge", "flow")
# (worker.py: a file's alias bindings are read there, into its cached result;
# gc_threshold.py: the workers' collector threshold)
_ANALYSIS_MODULES = (
    "findings.py", "globs.py", "file_summary.py", "shell_syntax.py", "worker.py",
    "gc_threshold.py",
)  # fmt: skip
# The data files under rules/ (every one: the catalogue's, the sources', the launchers'...).
_ANALYSIS_DATA_SUFFIX = ".toml"
# What decides a file's migration plan besides its analysis (in the plans' cache key): the
# planning and the codemods' helpers (under auditor/), the codemods (auditor.codemods), the
# sandbox's profiles and settings (what a routed call loses) and the data under rules/.
_PLAN_MODULES = (
    "planning.py", "codemod_support.py", "plans.py", "sandbox_needs.py", "command_reader.py",
    "scanner_view.py", "shell_syntax.py", "sandbox/profiles.py", "sandbox/limits.py",
    "sandbox/config.py",
)  # fmt: skip
# The code of the project-wide stage (the rest of what it reads is in _ANALYSIS_MODULES): the
# key of its cached outcome, with every file's result key.
_STAGE_MODULES = ("api.py", "flow/stage.py", "flow/propagate.py")
_PLAN_CODEMODS = ("shell_to_argv", "route_to_sandbox", "eval_exec_to_sandbox")
_PLAN_DATA = ("sandbox_needs.toml",)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _analysis_files() -> list[Path]:
    """The files of code and data a file's analysis reads (:data:`_ANALYSIS_PACKAGES`...)."""
    package = Path(__file__).parent
    files = [package / name for name in _ANALYSIS_MODULES]
    for sub in _ANALYSIS_PACKAGES:
        files.extend(sorted((package / sub).glob("*.py")))
    files.extend(sorted(rules_folder().glob(f"*{_ANALYSIS_DATA_SUFFIX}")))
    return files


def _code_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=12)
    for path in _analysis_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _plan_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).parent
    for name in _PLAN_MODULES:
        digest.update(package.joinpath(name).read_bytes())
    for name in _PLAN_CODEMODS:  # found, not imported: importing them loads libcst
        spec = importlib.util.find_spec(f"auditor.codemods.{name}")
        assert spec is not None and spec.origin is not None, name
        digest.update(Path(spec.origin).read_bytes())
    for name in _PLAN_DATA:
        digest.update(read_rule_file(name).encode())
    return digest.hexdigest()


def _stage_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).parent
    for name in _STAGE_MODULES:
        digest.update(package.joinpath(name).read_bytes())
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
    jobs_in: list[Job],
    policy: Policy,
    options: Options,
    jobs: int,
    salt: bytes | None,
    plans: tuple[PlanSpec, Settings] | None = None,
) -> Iterator[tuple[str | None, FileResult, FilePlan | None]]:
    """Each job's cache key (None without a cache), result and plan (with ``plans``), in
    the order of ``jobs_in``. A pool hands out small chunks: give it the largest files
    first, so that no worker is left with a run of big files at the end."""
    from auditor import worker  # imports libcst: only when something must be analysed

    if jobs > 1 and len(jobs_in) >= _POOL_MIN_FILES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=worker.init_worker,
            initargs=(policy, options, salt, plans),
        ) as pool:  # fmt: skip
            chunk = max(1, min(4, len(jobs_in) // (jobs * 16)))
            yield from pool.map(worker.run, jobs_in, chunksize=chunk)
        return
    worker.init(policy, options, salt, plans)
    for job in jobs_in:
        with few_collections():  # not around the yield: the caller's code runs there
            done = worker.run(job)
        yield done


class _Planning:
    """What a run that plans needs: the plan's specification and settings, the key of the
    plans in the cache, and the ``--only`` specs that matched a site."""

    def __init__(
        self, spec: PlanSpec, settings: Settings, options: Options, read_cache: bool = True
    ) -> None:
        from auditor.plans import PLAN_SCHEMA  # (a plain scan does not load the plans)

        self.spec = spec
        self.settings = settings
        self.options = options  # the scan's
        self.read_cache = read_cache
        self.salt = f"{PLAN_SCHEMA}|{_plan_fingerprint()}|{spec.key(settings)}"
        self._matched: set[str] = set()
        self.wanted = spec.site_filter(self._matched)
        self.matched: set[str] = set()

    def request(self) -> tuple[PlanSpec, Settings]:
        return self.spec, self.settings

    def quick(self, job: Job, result: FileResult) -> FilePlan | None:
        """The plan the file's analysis alone decides (no codemod to run), when ``result``
        is the analysis the plan starts from; None otherwise."""
        from auditor.plans import plan_from_analysis, same_analysis

        path, shown, _, explicit, _ = job
        if not same_analysis(self.options, explicit, result):
            return None
        self._matched.clear()
        plan = plan_from_analysis(result, shown, Path(os.path.realpath(path)), self.wanted)
        if plan is not None:
            plan.matched = tuple(sorted(self._matched))
        return plan

    def fallback(self, job: Job, result: FileResult) -> FilePlan:
        """The plan of a file the worker could not read (its result holds why)."""
        from auditor.plans import FilePlan, plan_from_analysis

        _, shown, _, _, _ = job
        path = Path(os.path.realpath(job[0]))
        return plan_from_analysis(result, shown, path, None) or FilePlan(shown, path)


class _Runner:
    """Runs the per-file analysis of a list of jobs: from the cache when it has the result,
    else in worker processes (or in this one), storing what it computed. With ``planning``,
    each job of the first round (no ``extra``) also gets its plan, from the cache or the
    worker."""

    def __init__(
        self,
        policy: Policy,
        options: Options,
        jobs: int,
        cache: ResultCache | None,
        result: ScanResult,
        planning: _Planning | None = None,
    ) -> None:
        self.policy = policy
        self.options = options
        self.jobs = jobs
        self.cache = cache
        self.result = result
        self.planning = planning
        # the result key of each file of the first round (no ``extra``), by absolute path
        self.first_keys: dict[str, str] = {}
        # read the cached results' summaries with them: only what the project-wide stage
        # reads needs them (see _read_summaries); a warm run whose stage is cached does not
        self.summaries = False

    def key_of(self, job: Job, content: bytes) -> str:
        assert self.cache is not None
        _, shown, rel, explicit, extra = job
        return self.cache.key(content, shown, _key_detail(rel, explicit, extra))

    def run(
        self, sized: list[tuple[int, Job]]
    ) -> Iterator[tuple[Job, FileResult, FilePlan | None]]:
        misses: list[tuple[int, Job]] = []
        keyed: list[tuple[int, Job, str]] = []
        planning = self.planning
        for size, job in sized:
            if self.cache is None:
                misses.append((size, job))
                continue
            try:
                with open(job[0], "rb") as f:
                    content = f.read()
            except OSError as exc:
                error = FileResult(errors=[ScanError(job[1], f"cannot read: {exc.strerror}")])
                plan = planning.fallback(job, error) if planning and not job[4] else None
                yield job, error, plan
                continue
            key = self.key_of(job, content)
            if not job[4]:
                self.first_keys[job[0]] = key
            keyed.append((size, job, key))
        if self.cache is not None:
            cached = self.cache.get_many([key for _, _, key in keyed], self.summaries)
            unplanned: list[tuple[int, Job, str, FileResult]] = []
            for size, job, key in keyed:
                hit = cached.get(key)
                if hit is None:
                    misses.append((size, job))
                    continue
                plan = None
                if planning is not None and not job[4]:
                    plan = planning.quick(job, hit)
                    if plan is None:
                        unplanned.append((size, job, key, hit))
                        continue
                self.result.stats.cached += 1
                yield job, hit, plan
            yield from self._cached_plans(unplanned, misses)
        misses.sort(key=lambda m: -m[0])
        to_do = [job for _, job in misses]
        if not to_do:
            return
        salt = self.cache.salt if self.cache is not None else None
        # the workers plan only the first round's files (the stage's rounds have ``extra``):
        # a round of the stage does not load the codemods
        planned = planning is not None and any(not job[4] for job in to_do)
        request = planning.request() if planning is not None and planned else None
        analysed = _analyse(to_do, self.policy, self.options, self.jobs, salt, request)
        for job, (result_key, file_result, plan) in zip(to_do, analysed, strict=True):
            if self.cache is not None and result_key is not None:
                self.cache.put(result_key, file_result)
                if not job[4]:
                    self.first_keys[job[0]] = result_key
            if planning is not None and not job[4]:
                if plan is None:
                    plan = planning.fallback(job, file_result)
                elif (
                    self.cache is not None
                    and result_key is not None
                    and planning.quick(job, file_result) is None
                ):
                    key = self.cache.plan_key(result_key, planning.salt)
                    self.cache.put_plan(key, plan.to_cache())
            yield job, file_result, plan

    def _cached_plans(
        self,
        unplanned: list[tuple[int, Job, str, FileResult]],
        misses: list[tuple[int, Job]],
    ) -> Iterator[tuple[Job, FileResult, FilePlan | None]]:
        """The files whose result is cached but whose plan the analysis alone does not
        decide: their cached plan, else they join ``misses`` (planned in a worker)."""
        planning, cache = self.planning, self.cache
        if not unplanned or planning is None or cache is None:
            return
        if not planning.read_cache:
            misses.extend((size, job) for size, job, _, _ in unplanned)
            return
        keys = [cache.plan_key(key, planning.salt) for _, _, key, _ in unplanned]
        stored = cache.get_plans(keys)
        for (size, job, key, hit), plan_key in zip(unplanned, keys, strict=True):
            value = stored.get(plan_key)
            content = _read_again(job[0]) if value is not None else None
            # the bytes a cached plan keeps (for --apply) must be the ones of its key
            if value is None or content is None or self.key_of(job, content) != key:
                misses.append((size, job))
                continue
            from auditor.plans import FilePlan

            self.result.stats.cached += 1
            yield job, hit, FilePlan.from_cache(value, content)


def _read_again(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _root_relative(path: str, root: str) -> str:
    """``path`` relative to the policy's root, which is a resolved folder: a path given
    through a symbolic link is resolved when it is not under the root as it is (else the
    file would have no module name, and the calls between files would not be followed)."""
    rel = relative_to(path, root)
    if os.path.isabs(rel):
        resolved = relative_to(os.path.realpath(path), root)
        if not os.path.isabs(resolved):
            return resolved
    return rel


def _key_detail(rel: str, explicit: bool, extra: tuple[str, ...]) -> str:
    """The part of a file's cache key that is not its content or shown path."""
    detail = f"{rel}|{explicit}"
    return f"{detail}|{','.join(sorted(extra))}" if extra else detail


def _read_summaries(entries: list[Entry], runner: _Runner) -> None:
    """Read the summaries the cache left unread with the entries' results (one query per
    500 files), from now on with every result: the project-wide stage reads them. A file
    whose row the cache lost since (an error turned it off) is analysed again."""
    runner.summaries = True
    unread = [e for e in entries if e.result.stored_summary is SUMMARY_UNREAD]
    if not unread:
        return
    keys = [runner.first_keys.get(e.path, "") for e in unread]
    stored = runner.cache.summaries(keys) if runner.cache is not None else {}
    again: dict[str, Entry] = {}
    for entry, key in zip(unread, keys, strict=True):
        if key in stored:
            entry.result.stored_summary = stored[key]
        else:
            again[entry.path] = entry
    jobs_in: list[tuple[int, Job]] = [
        (0, (e.path, e.shown, e.rel, e.explicit, ())) for e in again.values()
    ]
    for job, file_result, _ in runner.run(jobs_in):
        again[job[0]].result = file_result


def _project_stage(entries: list[Entry], runner: _Runner, policy: Policy) -> None:
    """The project-wide stage (auditor.flow.stage): rounds of asking for what the
    propagation misses, then origins, flows and constants given to every finding."""
    from auditor.flow import stage

    _read_summaries(entries, runner)

    text_of = text_reader()

    project, owners = stage.build(entries, propagate=False)
    planner = stage.Planner(entries, text_of, policy.sinks)
    for _ in range(stage.ROUNDS):
        asked = planner.budgeted(planner.requests(project, owners))
        if not asked:
            break
        jobs_in: list[tuple[int, Job]] = []
        for number, extra in asked.items():
            entry = entries[number]
            jobs_in.append(
                (0, (entry.path, entry.shown, entry.rel, entry.explicit, tuple(sorted(extra))))
            )
        by_path = {entries[n].path: n for n in asked}
        for job, file_result, _ in runner.run(jobs_in):
            entry = entries[by_path[job[0]]]
            entry.result = file_result
            entry.extra = frozenset(job[4])
        project, owners = stage.build(entries, frozenset(planner.unseen), propagate=False)
    else:  # the rounds ran out: what they would still read is not read
        planner.not_read(planner.requests(project, owners))
    if planner.unseen != project.unseen:
        project, owners = stage.build(entries, frozenset(planner.unseen), propagate=False)
    project.sanitizers_voided = stage.voided_sanitizers(entries, text_of)
    project.run()  # once, over what the rounds read
    stage.apply(project, owners, entries, policy, planner)


def _open_cache(
    policy: Policy, options: Options, use_cache: bool, cache_dir: str | os.PathLike[str] | None
) -> ResultCache | None:
    if not use_cache:
        return None
    folder = (
        Path(cache_dir) if cache_dir is not None else default_folder(policy.root, policy.source)
    )
    # every key holds the user's secret: a cache written elsewhere (committed to the
    # repository, copied from another machine) is never trusted
    secret_folder = user_folder()
    try:
        if _inside(secret_folder, policy.root):
            raise SecretError(f"{secret_folder} lies in the project {policy.root}")
        secret = local_secret(secret_folder)
    except SecretError as exc:
        warnings.warn(f"auditor: the result cache is off: {exc}", stacklevel=3)
        return None
    # the package the root is (auditor.scan.discover.package_prefix) names every module
    package = package_prefix(policy.root)
    salt = salt_for(
        policy.fingerprint(),
        catalogue_text(),
        f"{options.key()}|{_code_fingerprint()}|{package}",
        secret,
    )
    return ResultCache(folder, salt)


def _untracked_cache_folder(listing: Listing, root: str) -> Path | None:
    """None, or the user's cache folder when git tracks files in the project's
    ``.auditor_cache/`` (as the scan's listing of the project root says, when it listed
    it): never trusted anyway (see local_secret), a cache committed to the repository is
    not written either, so that a run leaves the work tree clean."""
    tree = listing.listed(root)
    if tree is None or not tree.git:
        return None
    prefix = FOLDER + "/"
    at = bisect.bisect_left(tree.files, prefix)
    if at == len(tree.files) or not tree.files[at].startswith(prefix):
        return None
    warnings.warn(
        f"auditor: git tracks {os.path.join(root, FOLDER)} (a cache is never trusted from "
        f"the repository: git rm -r --cached {FOLDER}); the cache is kept in {user_folder()}",
        stacklevel=3,
    )
    return user_folder()


def _inside(folder: Path, root: str) -> bool:
    """``folder`` is ``root`` or lies under it (both resolved as far as they exist)."""
    inner = os.path.realpath(folder)
    outer = os.path.realpath(root)
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def _cached_stage(entries: list[Entry], runner: _Runner, policy: Policy) -> None:
    """The project-wide stage, or its outcome from the cache when every file's result key
    (and the stage's code) is the same as when it ran: a run where nothing changed does
    not run it again."""
    cache = runner.cache
    keys = [runner.first_keys.get(e.path) for e in entries]
    if cache is None or None in keys or len({e.shown for e in entries}) != len(entries):
        _project_stage(entries, runner, policy)
        return
    key = cache.stage_key([k for k in keys if k is not None], _stage_fingerprint())
    stored = cache.get_stage(key)
    if stored is not None and all(e.shown in stored for e in entries):
        for entry in entries:
            entry.result = stored[entry.shown]
        return
    _project_stage(entries, runner, policy)
    cache.put_stage(key, {e.shown: e.result for e in entries})


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
    listing: Listing | None = None,
) -> ScanResult:
    """Scan files and folders and return every finding and every file that could not be
    analysed. ``policy`` defaults to the one found upward from the first path. The result
    cache is used when ``use_cache`` (in ``cache_dir``, default ``.auditor_cache`` at the
    project root when it has a policy file, else the user's cache folder). ``jobs`` worker
    processes analyse files (default: the CPUs available). ``include``/``exclude``: globs
    matched against the walked files' paths from the working directory, as the command
    line's (the policy's match them from its root: auditor.scan.discover.scan_globs).

    ``engines`` beyond libcst (``"bandit"``, ``"semgrep"``) run over the files the scanner
    analysed; their results fill ``also_flagged_by`` and ``engine_only`` (auditor.engines).
    ``listing``: the trees as the caller listed them (auditor.scan.discover.Listing), when
    it looks in them for other files too (the CLI: the deployment files)."""
    result, _ = _scan(
        paths, policy, honor_nosec, include, exclude, progress, jobs, cache_dir, use_cache,
        prefilter, engines, None, listing,
    )  # fmt: skip
    return result


def scan_and_plan(
    paths: Sequence[str | os.PathLike[str]] = (".",),
    *,
    policy: Policy | None = None,
    spec: PlanSpec | None = None,
    settings: Settings | None = None,
    honor_nosec: bool = False,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    progress: Progress | None = None,
    jobs: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = False,
    engines: Sequence[str] = (LIBCST,),
    listing: Listing | None = None,
) -> tuple[ScanResult, list[FilePlan]]:
    """:func:`scan`, and the migration plan of each file whose analysis has a site that
    needs action (``spec``: which codemods and sites, default all; ``settings``: the
    project's sandbox settings, default read from the policy's root, :class:`MigrateError`
    for a mistake in them), planned in the scan's workers and cached with its results.
    The plans are :func:`auditor.migrate.plan`'s for the same files: each file's own
    analysis, before the project-wide stage, decides its sites."""
    from auditor.plans import PlanSpec, sandbox_settings

    if policy is None:
        policy = load_policy(Path((list(paths) or ["."])[0]))
    if settings is None:
        settings = sandbox_settings(policy)
    options = Options(honor_nosec=honor_nosec)
    planning = _Planning(spec or PlanSpec(), settings, options)
    return _scan(
        paths, policy, honor_nosec, include, exclude, progress, jobs, cache_dir, use_cache,
        True, engines, planning, listing,
    )  # fmt: skip


def _scan(
    paths: Sequence[str | os.PathLike[str]],
    policy: Policy | None,
    honor_nosec: bool,
    include: Iterable[str],
    exclude: Iterable[str],
    progress: Progress | None,
    jobs: int | None,
    cache_dir: str | os.PathLike[str] | None,
    use_cache: bool,
    prefilter: bool,
    engines: Sequence[str],
    planning: _Planning | None,
    listing: Listing | None = None,
) -> tuple[ScanResult, list[FilePlan]]:
    started = time.perf_counter()
    given = [Path(p) for p in paths] or [Path(".")]
    if policy is None:
        policy = load_policy(given[0])
    options = Options(honor_nosec=honor_nosec, prefilter=prefilter)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    cwd = Path.cwd()
    result = ScanResult(engines=[LIBCST, *(e for e in engines if e != LIBCST)])
    listing = listing if listing is not None else Listing()
    candidates = list(discover(given, scan_globs(policy, include, exclude), listing))
    here = os.fspath(cwd)
    result.stats.skipped = [
        relative_to(os.path.abspath(folder), here) + "/"
        for folder in listing.skipped([p for p in given if p.is_dir()])
    ]
    if use_cache and cache_dir is None and policy.source is not None:
        cache_dir = _untracked_cache_folder(listing, policy.root)
    cache = _open_cache(policy, options, use_cache, cache_dir)
    total = len(candidates)
    done = 0
    entries: list[Entry] = []
    plans: dict[str, FilePlan] = {}

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
    for candidate in candidates:
        path = os.path.abspath(candidate.path)  # engines and workers get absolute paths
        shown = relative_to(path, here)  # display_path, without a second abspath
        error, size = _stat(candidate.path, shown, policy.max_file_size)
        if error is not None:
            record(None, FileResult(errors=[error]))
            continue
        rel = _root_relative(path, policy.root)
        jobs_in.append((size, (path, shown, rel, candidate.explicit, ())))
    runner = _Runner(policy, options, jobs, cache, result, planning)
    # the main process holds every file's summary and the propagation's tables: the cycle
    # collector's full passes over them at the default threshold cost a tenth of its time
    try:
        with few_collections():
            for job, file_result, plan in runner.run(jobs_in):
                path, shown, rel, explicit, _ = job
                if plan is not None:
                    plans[path] = plan
                record(Entry(path, shown, rel, explicit, file_result), file_result)
            # the order the files were found in, not the order their results came in (cached
            # first, then the largest first): the project stage's flows must not depend on it
            found = {job[0]: number for number, (_, job) in enumerate(jobs_in)}
            entries.sort(key=lambda entry: found[entry.path])
            _cached_stage(entries, runner, policy)
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
    kept = [plans[e.path] for e in entries if e.path in plans and plans[e.path].wanted]
    return result, kept


_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "auditor.toml")


def _project_folder(policy: Policy) -> Path:
    """The folder of the project being migrated: the policy file's, else the nearest one
    at or above the policy's root that holds ``.git``, ``pyproject.toml``, ``setup.py`` or
    ``setup.cfg`` (the root itself when none does)."""
    root = Path(policy.root)
    if policy.source is not None:
        return root
    for folder in (root, *root.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder
    return root


def _other_files(policy: Policy, known: set[str], here: str) -> list[Entry]:
    """The Python files of the project (:func:`_project_folder`) that are not among
    ``known`` (absolute paths): its tests and settings loaders outside the migrated
    paths, which may assign a global that a rewrite would freeze."""
    out: list[Entry] = []
    folder = _project_folder(policy)
    for candidate in discover([folder], scan_globs(policy)):
        path = os.path.abspath(candidate.path)
        if path in known:
            continue
        shown, rel = relative_to(path, here), relative_to(path, os.fspath(folder))
        out.append(Entry(path, shown, rel, False, FileResult()))
    return out


def _keep_unfrozen(
    analysed: list[tuple[Job, FileResult, int]],
    slots: list[FilePlan | None],
    policy: Policy | None = None,
) -> None:
    """Leave untouched each file where a codemod rewrote a constant that is none: a site
    that reads a module global another file of the project assigns (``tasks.PAGER = x``
    in cli.py: ``subprocess.run(PAGER, shell=True)`` in tasks.py runs what cli.py chose;
    ``mock.patch("pkg.tasks.PAGER")`` in a test; ``setattr(tasks, name, value)`` in a
    settings loader), as the scan's project-wide stage says (auditor.flow.stage.Writers):
    the argv list would hold the value the global has before it is written. The files
    read are those of the migration and, with ``policy``, the project's other Python files
    (:func:`_other_files`: tests are seldom among the paths migrated). The whole file is
    left as it is, with the site to review and why."""
    from auditor.flow.stage import Writers
    from auditor.plans import SiteReview

    entries = [Entry(job[0], job[1], job[2], job[3], result) for job, result, _ in analysed]
    text_of = text_reader()
    frozen = any(
        (fplan := slots[slot]) is not None
        and fplan.sites
        and result.summary is not None
        and any(site.names for site in result.summary.sites)
        for _, result, slot in analysed
    )
    if not frozen:
        return
    if policy is not None:
        entries += _other_files(policy, {e.path for e in entries}, os.getcwd())

    writers = Writers(entries, text_of)
    for number, (_, result, slot) in enumerate(analysed):
        fplan = slots[slot]
        summary = result.summary
        if fplan is None or summary is None or not fplan.sites:
            continue
        rewritten = {s.fingerprint for s in fplan.sites}
        for site in summary.sites:
            if not site.names or site.finding >= len(result.findings):
                continue
            finding = result.findings[site.finding]
            if finding.fingerprint not in rewritten:
                continue
            written = writers.written(summary.module, site.names, number)
            if written is None:
                continue
            others = len(fplan.sites) - 1
            reason = f"not a constant: {written}"
            if others:
                reason += f" (the {others} other rewrite(s) of this file are not made either)"
            fplan.updated = fplan.original
            fplan.sites = []
            fplan.rewritten.clear()
            fplan.reviews.append(
                SiteReview(
                    finding.fingerprint, finding.rule, finding.category, finding.sink,
                    fplan.path, finding.line, finding.column, (reason,),
                )
            )  # fmt: skip
            break


def plan_files(
    candidates: Iterable[Candidate],
    policy: Policy,
    spec: PlanSpec | None = None,
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = False,
    fresh: bool = False,
    progress: Progress | None = None,
    matched_only: set[str] | None = None,
) -> list[FilePlan]:
    """The migration plan of each file among ``candidates`` that has something to say (a
    site to rewrite or review, or an error), in their order: :func:`auditor.migrate.plan`'s
    work, with the scan's workers and result cache (``fresh``: compute every plan, even
    one the cache holds, as ``migrate --apply`` does). The ``--only`` specs of ``spec``
    that matched a site are added to ``matched_only``."""
    from auditor.plans import FilePlan, PlanSpec, sandbox_settings, unreadable

    spec = spec or PlanSpec()
    if settings is None:
        settings = sandbox_settings(policy)
    options = Options()
    jobs = default_jobs() if jobs is None else max(1, jobs)
    cache = _open_cache(policy, options, use_cache, cache_dir)
    planning = _Planning(spec, settings, options, read_cache=not fresh)
    here = os.getcwd()
    slots: list[FilePlan | None] = []
    where: dict[str, list[int]] = {}  # absolute path -> its slots (a file named twice)
    jobs_in: list[tuple[int, Job]] = []
    for candidate in candidates:
        path = os.path.abspath(candidate.path)
        shown = relative_to(path, here)
        problem = unreadable(candidate.path, policy.max_file_size)
        if problem is not None:
            slots.append(FilePlan(shown, Path(os.path.realpath(candidate.path)), error=problem))
            continue
        where.setdefault(path, []).append(len(slots))
        slots.append(None)
        size = os.path.getsize(path)
        # never ``explicit``: a plan analyses a file as migrate always did (pre-filter on)
        jobs_in.append((size, (path, shown, _root_relative(path, policy.root), False, ())))
    total, done = len(slots), len(slots) - len(jobs_in)
    runner = _Runner(policy, options, jobs, cache, ScanResult(), planning)
    runner.summaries = True  # _keep_unfrozen reads them
    analysed: list[tuple[Job, FileResult, int]] = []
    try:
        for job, file_result, plan in runner.run(jobs_in):
            slot = where[job[0]].pop(0)
            slots[slot] = plan if plan is not None else planning.fallback(job, file_result)
            analysed.append((job, file_result, slot))
            done += 1
            if progress is not None:
                progress(done, total)
    finally:
        if cache is not None:
            cache.close()
    _keep_unfrozen(analysed, slots, policy)
    plans = [p for p in slots if p is not None]
    if matched_only is not None:
        matched_only.update(s for p in plans for s in p.matched)
    return [p for p in plans if p.wanted]
