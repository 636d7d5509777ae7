"""``auditor migrate``: rewrite unsafe calls into sandbox calls or safe argv lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click

from auditor.api import plan_files
from auditor.commands.common import load_policy_or_fail, require_existing
from auditor.plans import CODEMOD_NAMES, FilePlan, MigrateError, PlanSpec, sandbox_settings
from auditor.progress import progress_bar
from auditor.sandbox.limits import Limits
from auditor.sandbox_needs import table
from auditor.scan.discover import discover, scan_globs


@click.command("migrate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--apply", "do_apply", is_flag=True, help="Write the changes (default: dry run).")
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 when migrate would change a file (CI)."
)
@click.option(
    "--codemod",
    "codemods",
    multiple=True,
    type=click.Choice(list(CODEMOD_NAMES)),
    help="Run only this codemod (repeatable; default: all, in order).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULE",
    help="Only sites of this rule id or class, e.g. AUD101 or dynamic-shell (repeatable).",
)
@click.option(
    "--only",
    multiple=True,
    metavar="PATH:LINE",
    help="Only the site at PATH:LINE (any line of the call; repeatable).",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="With --apply, also rewrite files that have uncommitted changes in git.",
)
@click.option("--include", multiple=True, metavar="GLOB", help="Only walked files matching GLOB.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip walked files matching GLOB.")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the analysis and the plans [default: the CPUs available].",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Analyse and plan every file again; do not read or write the result cache.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="AUDITOR_CACHE_DIR",
    help="Where the result cache lives [default: .auditor_cache at the project root; "
    "env AUDITOR_CACHE_DIR].",
)
def command(
    paths: tuple[Path, ...],
    do_apply: bool,
    check: bool,
    codemods: tuple[str, ...],
    select: tuple[str, ...],
    only: tuple[str, ...],
    allow_dirty: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    config: Path | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> int:
    """Rewrite the unsafe calls under PATH (default: .): constant shell commands without
    shell syntax into argv lists (shell-to-argv), dynamic commands into the sandbox drop-ins
    (route-to-sandbox), eval/exec of generated code into the sandbox (eval-exec-to-sandbox).

    Default is a dry run: a unified diff on stdout and a summary on stderr. Every rewritten
    file must compile and re-scan with each rewritten site isolated or gone, else it is left
    untouched and reported. Files are analysed and planned in worker processes, and each
    file's plan is kept in the result cache: a dry run where nothing changed reads it
    (--apply always plans again). For each call routed to the sandbox the summary says what the
    sandbox takes away that the command needs or may need (network, environment, home,
    other processes, privileges, resources...) and what the rewrite gives back
    (network=True for a command known to download), from rules/sandbox_needs.toml.

    Exit status: 0 done; 1 with --check when a file would change; 2 when a file could not
    be processed (or was refused by --apply) or on a usage error.
    """
    if do_apply and check:
        raise click.UsageError("--apply and --check exclude each other")
    given = list(paths) or [Path(".")]
    require_existing(given)
    policy = load_policy_or_fail(given[0], config)
    matched: set[str] = set()
    try:
        settings = sandbox_settings(policy)
        plan_spec = PlanSpec(codemods or None, select, only)
        candidates = list(discover(given, scan_globs(policy, include, exclude)))
        with progress_bar("Planning") as progress:
            plans = plan_files(
                candidates, policy, plan_spec, settings=settings, jobs=jobs,
                use_cache=not no_cache, cache_dir=cache_dir, fresh=do_apply,
                progress=progress, matched_only=matched,
            )  # fmt: skip
    except MigrateError as exc:
        raise click.UsageError(str(exc)) from None
    written: list[FilePlan] = []
    if do_apply:
        from auditor.migrate import apply  # (a dry run does not load the codemods)

        written = apply(plans, allow_dirty=allow_dirty)
    else:
        diff = "".join(p.diff() for p in plans)
        if diff:
            click.echo(diff, nl=False)
    for spec in only:
        if spec not in matched:
            click.echo(f"warning: --only {spec}: no site needing action there", err=True)
    _summary(plans, written, do_apply, settings.limits)
    if any(p.error is not None for p in plans):
        return 2
    if check and any(p.changed for p in plans):
        return 1
    return 0


def _summary(plans: list[FilePlan], written: list[FilePlan], applied: bool, limits: Limits) -> None:
    def out(text: str) -> None:
        click.echo(text, err=True)

    counts: Counter[str] = Counter()
    for fplan in plans:
        if fplan.error is None:
            counts.update(fplan.rewritten)
    for name in CODEMOD_NAMES:
        out(f"{name}: {counts[name]} site(s) rewritten")
    shown = written if applied else [p for p in plans if p.changed]
    _what_the_sandbox_takes(shown, limits, out)
    reviews = [r for p in plans if p.error is None for r in p.reviews]
    if reviews:
        out(f"left for review: {len(reviews)} site(s)")
        for review in reviews:
            out(f"  {review.path}:{review.line}:{review.column}: {review.rule} {review.sink}()")
            for reason in review.reasons:
                out(f"    - {reason}")
    changed = [p for p in plans if p.changed]
    if applied:
        out(f"{len(written)} file(s) written")
        for fplan in written:
            out(f"  {fplan.path}: {sum(fplan.rewritten.values())} site(s) rewritten")
    elif changed:
        out(f"{len(changed)} file(s) would change (dry run; --apply writes them)")
    else:
        out("nothing to change")
    errors = [p for p in plans if p.error is not None]
    if errors:
        out(f"{len(errors)} file(s) left untouched:")
        for fplan in errors:
            out(f"  {fplan.describe_error()}")


def _what_the_sandbox_takes(
    plans: list[FilePlan], limits: Limits, out: Callable[[str], None]
) -> None:
    sites = [s for p in plans for s in p.sites if s.effect is not None]
    if not sites:
        return
    out("what the sandbox takes away from each call routed to it:")
    used: dict[str, dict[str, None]] = {}  # capability -> profiles
    for site in sites:
        effect = site.effect
        assert effect is not None
        first, *rest = effect.describe()
        out(f"  {site.path}:{site.line} (profile {effect.profile}): {first}")
        for line in rest:
            out(f"    - {line}")
        for name in (*effect.granted, *effect.lost):
            used.setdefault(name, {})[effect.profile] = None
    out("  what each means, and the argument that gives it back:")
    caps = table().capabilities
    for name in caps:
        if name not in used:
            continue
        cap = caps[name]
        texts: dict[tuple[str, str], list[str]] = {}
        for profile in used[name]:
            keyword = cap.keyword(profile)
            back = f"give it back with {keyword}" if keyword else "nothing gives it back"
            texts.setdefault((cap.lost(profile, "en", limits), back), []).append(profile)
        for (text, back), profiles in texts.items():
            where = f" (profile {', '.join(profiles)})" if len(texts) > 1 else ""
            out(f"    {text}; {back}{where}")
