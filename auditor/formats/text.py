"""Human-readable output: one line per finding and per error, then a summary."""

from __future__ import annotations

from collections import Counter

import click

from auditor.findings import ScanResult

_COLOURS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "green"}


def render(result: ScanResult, colour: bool = False) -> str:
    lines: list[str] = []
    for f in result.findings:
        where = f"{f.path}:{f.line}:{f.column}"
        level = f"{f.risk}/{f.action}"
        if colour:
            where = click.style(where, bold=True)
            level = click.style(level, fg=_COLOURS.get(f.risk))
        tail = ""
        if f.suppressed:
            tail = f" [suppressed: {f.suppression_reason}]"
        elif f.isolated:
            tail = " [isolated]"
        lines.append(f"{where}: {f.rule} {level} {f.message} [{f.function}]{tail}")
        lines.append(f"    {f.snippet}")
        if f.via:
            privileged = ", privileged" if f.privileged else ""
            lines.append(f"    runs through: {' -> '.join(f.via)}{privileged}")
        if f.origin is not None and f.flow:
            lines.append(f"    origin: {f.origin}")
            for step in f.flow[:-1]:
                lines.append(f"      {step.path}:{step.line}: {step.note}")
        elif f.origin is not None and f.origin != "internal":
            lines.append(f"    origin: {f.origin}")
        if f.also_flagged_by:
            lines.append(f"    also flagged by: {', '.join(f.also_flagged_by)}")
    for o in result.engine_only:
        where = f"{o.path}:{o.line}"
        if colour:
            where = click.style(where, bold=True)
        lines.append(f"{where}: {o.engine}:{o.rule} only (no finding of ours): {o.message}")
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        lines.append(f"{where}: error: {e.message}")
    for ee in result.engine_errors:
        where = f"{ee.path}: " if ee.path else ""
        lines.append(f"{where}engine {ee.engine}: error: {ee.message}")
    active = [f for f in result.findings if not f.suppressed]
    risks = Counter(f.risk for f in active)
    summary = (
        f"{len(active)} finding{'s' if len(active) != 1 else ''} "
        + (f"({risks['critical']} critical, " if risks["critical"] else "(")
        + f"{risks['high']} high, {risks['medium']} medium, {risks['low']} low)"
    )
    suppressed = len(result.findings) - len(active)
    if suppressed:
        summary += f", {suppressed} suppressed"
    stats = result.stats
    summary += (
        f"; {len(result.errors)} error{'s' if len(result.errors) != 1 else ''}; "
        f"{stats.files} file{'s' if stats.files != 1 else ''} scanned "
        f"({stats.parsed} parsed) in {stats.seconds:.2f}s"
    )
    if stats.skipped:
        summary += "; " + skipped_note(stats.skipped)
    if len(result.engines) > 1:
        only, failed = len(result.engine_only), len(result.engine_errors)
        summary += (
            f"; engines {', '.join(result.engines)}: {only} engine-only "
            f"result{'s' if only != 1 else ''}, {failed} engine error{'s' if failed != 1 else ''}"
        )
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"


def skipped_note(skipped: list[str], first: int | None = 3) -> str:
    """What the summary says of the folders the walk left out by default (build output,
    virtual environments, installed packages, submodules not checked out): how many, and
    the ``first`` ones (None: all)."""
    more = first is not None and len(skipped) > first
    shown = ", ".join(skipped[:first]) + (", ..." if more else "")
    noun = "folder" if len(skipped) == 1 else "folders"
    return f"{len(skipped)} {noun} skipped by default ({shown}: name one to scan it)"
