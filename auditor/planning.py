"""One file's migration plan: the codemods run on its text, and the result verified.

``plan_source`` runs the selected codemods (``shell-to-argv``, then ``route-to-sandbox``,
then ``eval-exec-to-sandbox``) on one file's text and checks the result: it must compile,
and a re-scan must show every rewritten site isolated or gone (no unsafe finding may remain
at it, and none may appear). A file that fails is left as it is and carries the reason in
``FilePlan.error``. This is the per-file step that the scan's workers run (auditor.worker);
``auditor.migrate`` plans many files through them and writes the plans.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import io
import os
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from auditor.codemod_support import Outcome, SiteCodemod
from auditor.findings import FileResult, Finding
from auditor.judge.classify import called
from auditor.judge.policy import Policy
from auditor.plans import (
    NO_CODEMOD,
    NOT_SELECTED,
    FilePlan,
    MigrateError,
    SiteFilter,
    SitePlan,
    SiteReview,
    actionable_sites,
    needs_action,
    sandbox_settings,
    unreadable,
)
from auditor.rewrite_context import RewriteContext
from auditor.sandbox.config import Settings
from auditor.scan.analyze import Context, analyze_source, decode
from auditor.scan.cst_parse import parse_module
from auditor.scan.discover import Candidate, display_path
from auditor.scan.lines import source_lines

# The codemods live in the root folder codemods/ (installed as auditor.codemods), one per
# module, in the order they run.
_CODEMOD_CLASSES = (
    ("shell_to_argv", "ShellToArgv"),
    ("route_to_sandbox", "RouteToSandbox"),
    ("eval_exec_to_sandbox", "EvalExecToSandbox"),
)


def _load_codemods() -> dict[str, type[SiteCodemod]]:
    classes: dict[str, type[SiteCodemod]] = {}
    for module_name, class_name in _CODEMOD_CLASSES:
        module = importlib.import_module(f"auditor.codemods.{module_name}")
        cls = getattr(module, class_name)
        if not (isinstance(cls, type) and issubclass(cls, SiteCodemod)):  # pragma: no cover
            raise TypeError(f"auditor.codemods.{module_name}.{class_name} is not a codemod")
        classes[cls.NAME] = cls
    return classes


CODEMODS: dict[str, type[SiteCodemod]] = _load_codemods()
"""Every codemod by name, in the order they run."""


def selected_codemods(codemods: Iterable[str] | None) -> list[type[SiteCodemod]]:
    """The codemod classes named (all when None or empty), in the order they run;
    :class:`MigrateError` for an unknown name."""
    if codemods is None:
        return list(CODEMODS.values())
    names = list(codemods)
    if not names:
        return list(CODEMODS.values())
    unknown = [n for n in names if n not in CODEMODS]
    if unknown:
        raise MigrateError(f"unknown codemod {unknown[0]!r} (known: {', '.join(CODEMODS)})")
    return [cls for name, cls in CODEMODS.items() if name in names]


def _run_codemod(
    cls: type[SiteCodemod],
    text: str,
    policy: Policy,
    shown: str,
    rel: str,
    wanted: SiteFilter | None,
    findings: list[Finding] | None = None,
    ctx: Context | None = None,
    settings: Settings | None = None,
) -> tuple[str, list[Outcome]]:
    module = parse_module(text)
    codemod = cls(
        RewriteContext(filename=shown),
        policy=policy,
        path=shown,
        rel_path=rel,
        site_filter=wanted,
        findings=findings,
        scan_context=ctx,
        sandbox_settings=settings,
    )
    codemod.source_text = text
    result = codemod.transform_module(module)
    return result.code, codemod.outcomes


def _lines_after(text: str, outcome: Outcome) -> tuple[int, int, list[str], list[str]]:
    """The original lines spanned by the replaced region, and the same lines rewritten."""
    assert outcome.span is not None and outcome.new_code is not None
    line, column, end_line, end_column = outcome.span
    lines = source_lines(text)
    before = lines[line - 1 : end_line]
    prefix = before[0][: column - 1]
    suffix = before[-1][end_column - 1 :]
    after = source_lines(prefix + outcome.new_code + suffix)
    first = min(line, outcome.line)
    last = max(end_line, outcome.end_line)
    if (first, last) != (line, end_line):  # the finding spans more lines than the region
        head = lines[first - 1 : line - 1]
        tail = lines[end_line:last]
        before = head + before + tail
        after = head + after + tail
    return first, last, before, after


def _unsafe(findings: Iterable[Finding]) -> Counter[tuple[str, str, str, str]]:
    return Counter(_key(f) for f in findings if needs_action(f))


def plan_file(
    candidate: Candidate | Path,
    policy: Policy,
    *,
    codemods: Iterable[str] | None = None,
    wanted: SiteFilter | None = None,
    cwd: Path | None = None,
    settings: Settings | None = None,
) -> FilePlan:
    """Plan the migration of one file (nothing is written). ``settings``: the project's
    ``[tool.auditor.sandbox]``, whose profiles the sandboxed calls will run with (default:
    read from the policy's root)."""
    path = Path(candidate.path) if isinstance(candidate, Candidate) else candidate
    cwd = cwd or Path.cwd()
    shown = display_path(path, cwd)
    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(policy.root).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    selected = selected_codemods(codemods)
    file = Path(os.path.realpath(path))
    problem = unreadable(path, policy.max_file_size)
    if problem is not None:
        return FilePlan(shown, file, error=problem)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FilePlan(shown, file, error=f"cannot read: {exc.strerror or exc}")
    if settings is None:
        settings = sandbox_settings(policy)
    return plan_source(data, shown, rel, file, Context(policy), selected, wanted, settings)


def plan_source(
    data: bytes,
    shown: str,
    rel: str,
    file: Path,
    ctx: Context,
    selected: Sequence[type[SiteCodemod]],
    wanted: SiteFilter | None,
    settings: Settings,
    before: FileResult | None = None,
) -> FilePlan:
    """Plan the migration of the file ``file`` whose bytes are ``data`` (shown as
    ``shown``; ``rel``: its path from the policy's root). ``ctx``: the scanner's context
    for the policy with the default options. ``before``: the analysis of exactly these
    bytes with that context (``analyze_source(data, shown, rel, ctx)``), when the caller
    has it (the scan's worker does), else it is computed here."""
    fplan = FilePlan(shown, file, data=data)
    text, error = decode(data, shown)
    if error is not None or text is None:
        fplan.error = error.message if error else "cannot decode"
        fplan.error_line = error.line if error else None
        return fplan
    fplan.original = fplan.updated = text
    fplan.encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    policy = ctx.policy
    if before is None:
        before = analyze_source(data, shown, rel, ctx)
    if before.errors:
        fplan.error = before.errors[0].message
        fplan.error_line = before.errors[0].line
        return fplan
    actionable = actionable_sites(before, wanted)
    if not actionable:
        return fplan
    # Run the codemods in sequence. Each stage's findings are mapped back to the original
    # ones (same rule, sink, function and code, in order), so --only/--select and the
    # per-site plan always speak of the original file even after earlier stages moved lines.
    wanted_fps = {f.fingerprint for f in actionable}
    remaining = sorted((f for f in before.findings if needs_action(f)), key=_position)
    original_lines = source_lines(text)
    declined: dict[str, list[tuple[str, str]]] = {}
    rewritten: dict[str, SitePlan] = {}
    current = text
    analysed = (text, before)
    for cls in selected:
        if not any(cls.responsible(f) for f in remaining if f.fingerprint in wanted_fps):
            continue
        try:
            if current is not analysed[0]:  # the text changed since it was last analysed
                analysed = (
                    current,
                    analyze_source(current.encode(fplan.encoding), shown, rel, ctx),
                )
            stage = analysed[1]
            if stage.errors:
                raise ValueError(stage.errors[0].message)
            mapping = _map_stage(stage.findings, remaining)

            def in_plan(finding: Finding, mapping: dict[str, Finding] = mapping) -> bool:
                source = mapping.get(finding.fingerprint)
                return source is not None and source.fingerprint in wanted_fps

            updated, outcomes = _run_codemod(
                cls, current, policy, shown, rel, in_plan, stage.findings, ctx, settings
            )
        except Exception as exc:  # a codemod bug must not take the other files down
            message = " ".join(str(exc).split()) or type(exc).__name__
            fplan.error = f"{cls.NAME} failed: {message}"
            return fplan
        for outcome in outcomes:
            source = mapping.get(outcome.fingerprint)
            if source is None:
                continue
            if outcome.rewritten:
                rewritten[source.fingerprint] = _site_plan(
                    outcome, source, current, original_lines, shown
                )
                fplan.rewritten[outcome.codemod] += 1
            else:
                declined.setdefault(source.fingerprint, []).append(
                    (f"{outcome.codemod}: {outcome.reason}", outcome.reason_key)
                )
        remaining = [f for f in remaining if f.fingerprint not in rewritten]
        if updated != current:
            current = updated
    # Sites left for a human.
    for finding in actionable:
        if finding.fingerprint in rewritten:
            continue
        reasons = declined.get(finding.fingerprint) or [_unhandled(finding, selected)]
        fplan.reviews.append(
            SiteReview(
                finding.fingerprint,
                finding.rule,
                finding.category,
                finding.sink,
                shown,
                finding.line,
                finding.column,
                tuple(text for text, _ in reasons),
                tuple(key for _, key in reasons),
                finding.end_line,
                tuple(original_lines[finding.line - 1 : finding.end_line]),
            )
        )
    if current == text:
        return fplan
    done = [f for f in before.findings if f.fingerprint in rewritten]
    problem = _verify(current, fplan.encoding, shown, rel, ctx, before.findings, done)
    if problem is not None:
        fplan.error, fplan.error_line = problem
        fplan.rewritten.clear()
        return fplan
    fplan.sites = _final_lines(
        sorted(rewritten.values(), key=lambda s: (s.line, s.codemod)), original_lines, current
    )
    fplan.updated = current
    return fplan


def _final_lines(sites: list[SitePlan], original: list[str], final_text: str) -> list[SitePlan]:
    """Each site's 'after' lines as the rewritten file holds them. A site's lines are taken
    from the text its codemod produced; when another codemod later rewrote a site on the
    same lines, those lines changed again, so they are read from the final text instead,
    through a line alignment of the original and the final text."""
    stale = [
        s
        for s in sites
        if any(
            o is not s and o.codemod != s.codemod and o.line <= s.end_line and s.line <= o.end_line
            for o in sites
        )
    ]
    if not stale:
        return sites
    final = source_lines(final_text)
    matcher = difflib.SequenceMatcher(None, original, final, autojunk=False)
    opcodes = matcher.get_opcodes()
    out = []
    for site in sites:
        span = _map_lines(opcodes, site.line - 1, site.end_line) if site in stale else None
        if span is not None:
            site = dataclasses.replace(site, after_lines=final[span[0] : span[1]])
        out.append(site)
    return out


def _map_lines(
    opcodes: Sequence[tuple[str, int, int, int, int]], start: int, end: int
) -> tuple[int, int] | None:
    """The final lines that original lines ``start:end`` became, or None when a changed
    block reaches outside them with another number of lines (no line-for-line mapping)."""
    first: int | None = None
    last: int | None = None
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "insert":
            if not start < i1 < end:
                continue
            lo, hi = j1, j2
        elif i2 <= start or i1 >= end:
            continue
        elif tag == "equal" or (i1 < start or i2 > end):
            if tag != "equal" and i2 - i1 != j2 - j1:
                return None
            lo = j1 + max(i1, start) - i1
            hi = j1 + min(i2, end) - i1
        else:
            lo, hi = j1, j2
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
    if first is None or last is None:
        return None
    return first, last


def _position(finding: Finding) -> tuple[int, int]:
    return finding.line, finding.column


def _key(finding: Finding) -> tuple[str, str, str, str]:
    """What identifies a site independently of where it is (its fingerprint, less the
    occurrence number)."""
    return finding.rule, finding.sink, finding.function, finding.snippet


def _map_stage(findings: Iterable[Finding], remaining: Sequence[Finding]) -> dict[str, Finding]:
    """Map the unsafe findings of an intermediate text to the original ones they are."""
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for finding in remaining:
        groups.setdefault(_key(finding), []).append(finding)
    seen: Counter[tuple[str, str, str, str]] = Counter()
    mapping: dict[str, Finding] = {}
    for finding in sorted((f for f in findings if needs_action(f)), key=_position):
        key = _key(finding)
        index = seen[key]
        seen[key] += 1
        group = groups.get(key, [])
        if index < len(group):
            mapping[finding.fingerprint] = group[index]
    return mapping


def _site_plan(
    outcome: Outcome, source: Finding, stage_text: str, original_lines: list[str], shown: str
) -> SitePlan:
    first, last, _, after = _lines_after(stage_text, outcome)
    start = source.line - (outcome.line - first)
    end = source.end_line + (last - outcome.end_line)
    return SitePlan(
        source.fingerprint,
        outcome.codemod,
        source.rule,
        source.category,
        source.sink,
        shown,
        start,
        end,
        original_lines[start - 1 : end],
        after,
        outcome.effect,
    )


def _unhandled(
    finding: Finding,
    selected: Sequence[type[SiteCodemod]],
) -> tuple[str, str]:
    for cls in CODEMODS.values():
        if cls not in selected and cls.responsible(finding):
            return f"{cls.NAME} handles it (not selected)", NOT_SELECTED
    return (
        f"no codemod rewrites {called(finding.sink)} ({finding.category}); review it by hand",
        NO_CODEMOD,
    )


def _verify(
    text: str,
    encoding: str,
    shown: str,
    rel: str,
    ctx: Context,
    original: list[Finding],
    rewritten: list[Finding],
) -> tuple[str, int | None] | None:
    """Why the rewritten text must not be written, or None when it is fine."""
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError) as exc:
        return f"the rewritten file cannot be encoded as {encoding}: {exc}", None
    try:
        compile(data, shown, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" (line {exc.lineno} of the rewritten text)" if exc.lineno else ""
        return f"the rewritten file does not compile: {exc.msg}{where}", None
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"the rewritten file does not compile: {type(exc).__name__}: {exc}", None
    after = analyze_source(data, shown, rel, ctx)
    if after.errors:
        return f"the rewritten file cannot be re-scanned: {after.errors[0].message}", None
    expected = _unsafe(original) - Counter(_key(f) for f in rewritten)
    remaining = _unsafe(after.findings)
    extra = remaining - expected
    if extra:
        key = next(iter(extra))
        finding = next(f for f in after.findings if _key(f) == key)
        return (
            f"after the rewrite {finding.sink}() is still not isolated "
            f"({finding.category}, line {finding.line} of the rewritten text)",
            None,
        )
    return None
