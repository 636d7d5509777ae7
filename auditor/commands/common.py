"""Helpers shared by subcommands: policy loading with one-line errors, atomic output."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from auditor.findings import ScanResult
from auditor.judge.policy import Policy, PolicyError, load_policy

if TYPE_CHECKING:
    from auditor.plans import FilePlan
    from auditor.scan.discover import Globs, Listing


def load_policy_or_fail(start: Path, config: Path | None = None) -> Policy:
    try:
        return load_policy(start, config)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


def require_existing(paths: Sequence[Path]) -> None:
    """Fail with a one-line error (exit 2) naming the first input path that does not exist:
    a typo must never pass the gate as "0 findings", and nothing is created at it."""
    for path in paths:
        if os.path.lexists(path) and not os.path.exists(path):
            raise click.ClickException(f"{path}: broken symbolic link")
        if not os.path.exists(path):
            raise click.ClickException(f"{path}: no such file or directory")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half-written.

    The rename goes to the file a symbolic link points to, and only for a regular file (or a
    new one): ``-o /dev/null``, ``-o /dev/stdout`` or a FIFO is written in place, never
    replaced by a regular file."""
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    import tempfile  # only when writing a file: not on every run

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class ScanInput:
    """What every scanning command takes: paths, filters, policy file, cache and jobs."""

    paths: list[Path]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    config: Path | None
    honor_nosec: bool
    jobs: int | None
    no_cache: bool
    cache_dir: Path | None


F = TypeVar("F", bound=Callable[..., Any])


def scan_options(func: F) -> F:
    """The PATH argument and the options shared by scan, check, baseline and report; the
    command receives them as one ``inputs: ScanInput``."""

    @functools.wraps(func)
    def wrapper(
        paths: tuple[Path, ...],
        include: tuple[str, ...],
        exclude: tuple[str, ...],
        config: Path | None,
        honor_nosec: bool,
        jobs: int | None,
        no_cache: bool,
        cache_dir: Path | None,
        **kwargs: Any,
    ) -> Any:
        inputs = ScanInput(
            list(paths) or [Path(".")], include, exclude, config, honor_nosec, jobs,
            no_cache, cache_dir,
        )  # fmt: skip
        require_existing(inputs.paths)
        return func(inputs=inputs, **kwargs)

    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Only scan walked files matching GLOB (repeatable; ** spans folders).",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Skip walked files matching GLOB (repeatable). "
            "Files named explicitly are always scanned.",
        ),
        click.option(
            "--config",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
        ),
        click.option(
            "--honor-nosec", is_flag=True, help="Also honour bandit's '# nosec' comments."
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes for the analysis [default: the CPUs available].",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Analyse every file again; do not read or write the result cache.",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path, file_okay=False),
            envvar="AUDITOR_CACHE_DIR",
            help="Where the result cache lives [default: .auditor_cache at the project root; "
            "env AUDITOR_CACHE_DIR].",
        ),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def run_scan(inputs: ScanInput, engines: Sequence[str] = ()) -> tuple[Policy, ScanResult]:
    """Load the policy and scan (with the extra ``engines``, if any), with a progress bar on
    a terminal."""
    policy, result, _ = _run(inputs, engines, plan=False)
    return policy, result


def run_scan_and_plan(inputs: ScanInput) -> tuple[Policy, ScanResult, list[FilePlan]]:
    """:func:`run_scan`, and the migration plans of the files with a site to fix, made in
    the scan's workers and cached with its results (``auditor report``'s "specific lines
    to fix"); a mistake in ``[tool.auditor.sandbox]`` is a one-line error."""
    return _run(inputs, (), plan=True)


def _run(
    inputs: ScanInput, engines: Sequence[str], plan: bool
) -> tuple[Policy, ScanResult, list[FilePlan]]:
    from auditor.api import scan, scan_and_plan
    from auditor.progress import progress_bar
    from auditor.scan.discover import Listing, scan_globs

    policy = load_policy_or_fail(inputs.paths[0], inputs.config)
    # each scanned folder listed once, for the Python files and the deployment files
    listing = Listing()
    plans: list[FilePlan] = []
    common: dict[str, Any] = {
        "policy": policy,
        "honor_nosec": inputs.honor_nosec,
        "include": inputs.include,
        "exclude": inputs.exclude,
        "jobs": inputs.jobs,
        "use_cache": not inputs.no_cache,
        "cache_dir": inputs.cache_dir,
        "engines": engines or ("libcst",),
        "listing": listing,
    }
    if plan:
        from auditor.plans import MigrateError, sandbox_settings

        try:
            settings = sandbox_settings(policy)
        except MigrateError as exc:
            raise click.ClickException(str(exc)) from None
        with progress_bar("Scanning and planning") as progress:
            result, plans = scan_and_plan(
                inputs.paths, settings=settings, progress=progress, **common
            )
    else:
        with progress_bar() as progress:
            result = scan(inputs.paths, progress=progress, **common)
    if result.stats.files == 0:
        where = ", ".join(str(p) for p in inputs.paths)
        filtered = (
            " (after --include/--exclude and the policy's filters)"
            if (inputs.include or inputs.exclude or policy.include or policy.exclude)
            else ""
        )
        if result.stats.skipped:
            from auditor.formats.text import skipped_note

            filtered += f"; {skipped_note(result.stats.skipped)}"
        click.echo(f"auditor: no Python file found in {where}{filtered}", err=True)
    globs = scan_globs(policy, (), inputs.exclude)
    add_system_findings(inputs.paths, result, policy, globs, listing)
    return policy, result, plans


def add_system_findings(
    paths: list[Path],
    result: ScanResult,
    policy: Policy,
    globs: Sequence[Globs] = (),
    listing: Listing | None = None,
) -> None:
    """Add the findings of ``auditor system`` on the sudoers files and systemd units that the
    scanned folders hold, wherever they lie in the tree the scan walks (minus its excludes):
    scan, check, baseline and report cover them too. ``listing``: the scan's listing of
    those folders, which this reads instead of listing them again."""
    from auditor.system.discovery import discover

    sudoers, units = discover([p for p in paths if p.is_dir()], globs, listing)
    if not sudoers and not units:
        return
    from auditor.system.audit import audit_system  # the parsers: only when there is work

    extra = audit_system(
        sudoers, units, trusted_commands=policy.trusted_commands, settings=policy.system
    )
    result.findings.extend(extra.findings)
    result.errors.extend(extra.errors)
    result.stats.files += extra.stats.files
    result.stats.parsed += extra.stats.parsed
    result.sort()
