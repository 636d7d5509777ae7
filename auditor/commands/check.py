"""``auditor check``: the CI gate."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click

from auditor import baseline as baseline_mod
from auditor.commands.common import (
    ScanInput,
    load_policy_or_fail,
    run_scan,
    scan_options,
    write_output,
)
from auditor.engines import parse_engines
from auditor.findings import RISK_ORDER, Finding, ScanResult
from auditor.formats import FORMATS, render
from auditor.formats.text import skipped_note
from auditor.judge.policy import Policy

RISKS = ("critical", "high", "medium", "low")


def _load_baseline(
    option: Path | None, no_baseline: bool, policy: Policy
) -> baseline_mod.Baseline | None:
    if no_baseline:
        return None
    path = option
    if path is None and policy.baseline is not None:
        path = Path(policy.root) / policy.baseline
    if path is None:
        return None
    try:
        return baseline_mod.load(path)
    except baseline_mod.BaselineError as exc:
        raise click.ClickException(str(exc)) from None


def _text(
    gating: list[Finding],
    result: ScanResult,
    fail_on: str,
    in_baseline: int,
    below: int,
    allow_errors: bool,
    baseline: baseline_mod.Baseline | None,
) -> str:
    new_ = "new " if baseline is not None else ""
    lines = []
    for f in gating:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.rule} {f.risk}/{f.action} {f.message}")
        lines.append(f"    {f.snippet}")
        accepted = baseline.entries.get(f.fingerprint) if baseline is not None else None
        if accepted is not None:
            lines.append(f"    {baseline_mod.escalated(f, accepted)}")
        if f.flow and f.origin is not None:
            first = f.flow[0]
            lines.append(f"    from {first.path}:{first.line}: {first.note}")
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        lines.append(f"{where}: error: {e.message}")
    for ee in result.engine_errors:
        where = f"{ee.path}: " if ee.path else ""
        lines.append(f"{where}engine {ee.engine}: error: {ee.message}")
    risks = Counter(f.risk for f in gating)
    noun = "finding" if len(gating) == 1 else "findings"
    summary = f"{len(gating)} {new_}{noun} at or above {fail_on}"
    if gating:
        levels = ("critical", "high", "medium", "low") if risks["critical"] else RISKS[1:]
        summary += " (" + ", ".join(f"{risks[r]} {r}" for r in levels) + ")"
    notes = []
    if in_baseline:
        notes.append(f"{in_baseline} in the baseline")
    if below:
        notes.append(f"{below} {new_}below {fail_on}")
    isolated = sum(1 for f in result.findings if f.isolated and not f.suppressed)
    if isolated:
        notes.append(f"{isolated} in the sandbox")
    suppressed = sum(1 for f in result.findings if f.suppressed)
    if suppressed:
        notes.append(f"{suppressed} suppressed")
    if notes:
        summary += "; " + ", ".join(notes)
    summary += f"; {len(result.errors)} error{'s' if len(result.errors) != 1 else ''}"
    if result.engine_errors:
        failed = len(result.engine_errors)
        summary += f"; {failed} engine error{'s' if failed != 1 else ''}"
    summary += f"; {result.stats.files} file{'s' if result.stats.files != 1 else ''} scanned"
    if result.stats.skipped:
        summary += "; " + skipped_note(result.stats.skipped)
    if result.errors and not allow_errors:
        verdict = "FAILED: some files could not be analysed"
    elif result.engine_errors and not allow_errors:
        verdict = "FAILED: an engine could not run"
    elif gating:
        verdict = "FAILED"
    else:
        verdict = "passed"
    if lines:
        lines.append("")
    lines.append(f"auditor check {verdict}: {summary}")
    return "\n".join(lines) + "\n"


@click.command("check")
@scan_options
@click.option(
    "--fail-on",
    type=click.Choice(list(RISKS)),
    default=None,
    help="Fail on unsuppressed findings at or above this risk: critical is request data "
    "or model output reaching a sink that is not isolated "
    "[default: fail_on of the policy, else high].",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Ignore findings recorded in this file by 'auditor baseline' "
    "[default: baseline of the policy, if any].",
)
@click.option("--no-baseline", is_flag=True, help="Ignore the policy's baseline file.")
@click.option(
    "--changed",
    is_flag=True,
    help="PATHS are the files a change touches (what pre-commit passes): scan the whole "
    "project (the folder of the policy file, else the current one) so that calls between "
    "files are followed, and gate on the findings in those files or whose flow goes through "
    "them (a new caller in a changed file that sends request data to an unchanged helper). "
    "Each file is judged by the policy file that governs it (the nearest one upward).",
)
@click.option(
    "--allow-errors",
    is_flag=True,
    help="Do not fail because some files could not be analysed (they are still listed).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: the new findings that fail the gate and a summary. The other formats: every "
    "new (not baselined, unsuppressed) finding in that format (markdown: the audit document "
    "of the new findings, e.g. for a pull-request comment).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE, not stdout.")
@click.option(
    "--sarif",
    "sarif_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the new findings as SARIF 2.1.0 to FILE (for code scanning), whatever "
    "--format is: one scan gives the annotations and the upload.",
)
@click.option(
    "--engines",
    "engines_opt",
    default="libcst",
    show_default=True,
    metavar="LIST",
    help="Comma-separated engines: libcst (the scanner, always runs), bandit, semgrep "
    "(see 'auditor scan --engines'). An engine that cannot run fails the gate (exit 2) "
    "unless --allow-errors.",
)
def command(
    inputs: ScanInput,
    fail_on: str | None,
    baseline_path: Path | None,
    no_baseline: bool,
    changed: bool,
    allow_errors: bool,
    fmt: str,
    output: Path | None,
    sarif_path: Path | None,
    engines_opt: str,
) -> int:
    """The CI gate: scan PATH (default: .) and fail on new risky findings.

    Exit status: 0 when no unsuppressed finding at or above --fail-on is outside the
    baseline (calls that already run in auditor.sandbox never count); 1 when there is
    one; 2 on a usage error, or when some files could not be analysed or an engine could
    not run (unless --allow-errors).
    """
    try:
        engines = parse_engines(engines_opt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--engines'") from None
    if changed:
        runs = _scan_changed_by_policy(inputs, engines)
    else:
        runs = [run_scan(inputs, engines=engines)]
    gating: list[Finding] = []
    new: list[Finding] = []
    thresholds: list[str] = []
    in_baseline = below = 0
    baseline: baseline_mod.Baseline | None = None
    for policy, result in runs:
        threshold = fail_on or policy.fail_on
        thresholds.append(threshold)
        baseline = _load_baseline(baseline_path, no_baseline, policy)
        active = [f for f in result.findings if not f.suppressed]
        fresh = [f for f in active if baseline is None or f not in baseline]
        # Sites that already run in the sandbox are the fix, never a failure, at any
        # threshold; unless the sandbox gives back what makes it one (network=True with a
        # payload chosen at run time: medium, auditor.scan.isolation)
        failing = [
            f
            for f in fresh
            if (not f.isolated or f.risk != "low") and RISK_ORDER[f.risk] >= RISK_ORDER[threshold]
        ]
        gating += failing
        new += fresh
        in_baseline += len(active) - len(fresh)
        below += sum(1 for f in fresh if not f.isolated or f.risk != "low") - len(failing)
    policy, result = runs[0] if len(runs) == 1 else _merged(runs)
    shown = ScanResult(
        findings=new,
        errors=result.errors,
        stats=result.stats,
        engines=result.engines,
        engine_only=result.engine_only,
        engine_errors=result.engine_errors,
    )
    if sarif_path is not None:
        write_output(render("sarif", shown, policy, inputs.paths), sarif_path)
    if fmt != "text":
        rendered = render(fmt, shown, policy, inputs.paths)
    else:
        distinct = sorted(set(thresholds), key=lambda r: -RISK_ORDER[r])
        label = (
            distinct[0]
            if len(distinct) == 1
            else f"the fail_on of each file's policy ({', '.join(distinct)})"
        )
        rendered = _text(gating, result, label, in_baseline, below, allow_errors, baseline)
    write_output(rendered, output)
    if (result.errors or result.engine_errors) and not allow_errors:
        return 2
    return 1 if gating else 0


def _merged(runs: list[tuple[Policy, ScanResult]]) -> tuple[Policy, ScanResult]:
    """The results of ``check --changed`` under several policies as one (the first policy
    renders them)."""
    merged = ScanResult(engines=runs[0][1].engines)
    for _, result in runs:
        merged.findings += result.findings
        merged.errors += result.errors
        merged.engine_only += result.engine_only
        merged.engine_errors += result.engine_errors
        merged.stats.files += result.stats.files
        merged.stats.parsed += result.stats.parsed
        merged.stats.cached += result.stats.cached
        merged.stats.seconds += result.stats.seconds
        merged.stats.skipped += [s for s in result.stats.skipped if s not in merged.stats.skipped]
    merged.sort()
    return runs[0][0], merged


def _scan_changed_by_policy(
    inputs: ScanInput, engines: list[str]
) -> list[tuple[Policy, ScanResult]]:
    """``check --changed``: each named file judged by the policy that governs it (the
    nearest policy file upward, as ``check FILE`` finds it; ``--config`` for all): one
    :func:`_scan_for_changed` per policy file, over that policy's project. A finding in a
    named file is kept by the run of its own policy only."""
    if inputs.config is not None:
        return [_scan_for_changed(inputs, engines, set())]
    groups: dict[str | None, list[Path]] = {}
    by_folder: dict[str, str | None] = {}
    for path in inputs.paths:
        folder = os.path.abspath(path if path.is_dir() else path.parent)
        if folder not in by_folder:
            by_folder[folder] = load_policy_or_fail(path).source
        groups.setdefault(by_folder[folder], []).append(path)
    if len(groups) == 1:
        return [_scan_for_changed(inputs, engines, set())]
    runs = []
    for paths in groups.values():
        others = {os.path.realpath(p) for p in inputs.paths if p not in paths}
        runs.append(_scan_for_changed(dataclasses.replace(inputs, paths=paths), engines, others))
    return runs


def _scan_for_changed(
    inputs: ScanInput, engines: list[str], judged_elsewhere: set[str]
) -> tuple[Policy, ScanResult]:
    """``check --changed``: the whole project scanned, and what touches the named files
    kept: their findings and errors, and the findings elsewhere whose judgement depends on
    one of them: their flow has a step in one (a caller that passes the data, a
    registration that makes a function a route, a write of a global, a patch of the
    sandbox), or their function (or its class's bases) reads a name imported from one
    (but for those in ``judged_elsewhere``: files named under another policy, whose run
    keeps them). A named policy file keeps every finding it governs."""
    policy = load_policy_or_fail(inputs.paths[0], inputs.config)
    root = Path(policy.root) if policy.source is not None else Path.cwd()
    named = {os.path.realpath(p) for p in inputs.paths}
    whole = dataclasses.replace(inputs, paths=[root, *(p for p in inputs.paths if p.is_file())])
    policy, result = run_scan(whole, engines=engines)

    if policy.source is not None and os.path.realpath(policy.source) in named:
        # the policy itself changed: every finding under it may be judged anew
        named.update(os.path.realpath(f.path) for f in result.findings)

    def touches(path: str) -> bool:
        return os.path.realpath(path) in named

    depends = _dependents(named, str(root))
    result.findings = [
        f
        for f in result.findings
        if touches(f.path)
        or (
            os.path.realpath(f.path) not in judged_elsewhere
            and (any(touches(s.path) for s in f.flow) or depends(f.path, f.line))
        )
    ]
    result.errors = [e for e in result.errors if touches(e.path)]
    return policy, result


def _dependents(named: set[str], root: str) -> Callable[[str, int], bool]:
    """Whether a finding (its path, its line) of a file that is not ``named`` depends on a
    named module: its function reads a name its file imports from one
    (auditor.flow.dependents). Each file is read once, when its text names such a module."""
    from auditor.flow.dependents import Dependents, may_depend
    from auditor.scan.discover import module_name

    real_root = os.path.realpath(root)

    def module_of(real: str) -> str:
        rel = os.path.relpath(real, real_root)
        if rel.startswith(".." + os.sep) or not real.endswith((".py", ".pyw")):
            return ""
        return module_name(rel.replace(os.sep, "/"), real_root)

    modules = {m for m in map(module_of, named) if m}
    read: dict[str, Dependents | None] = {}

    def depends(path: str, line: int) -> bool:
        if not modules:
            return False
        real = os.path.realpath(path)
        if real not in read:
            read[real] = None
            try:
                with open(real, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                text = ""
            here = module_of(real)
            if text and here and may_depend(text, modules):
                package = real.endswith(("__init__.py", "__init__.pyw"))
                read[real] = Dependents(text, here, package, modules)
        found = read[real]
        return found is not None and found.depends(line)

    return depends
