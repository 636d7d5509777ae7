"""Human-readable output: one line per finding and per error, then a summary."""

from __future__ import annotations

from collections import Counter

import click

from auditor.findings import ScanResult

_COLOURS = {"high": "red", "medium": "yellow", "low": "green"}


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
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        lines.append(f"{where}: error: {e.message}")
    active = [f for f in result.findings if not f.suppressed]
    risks = Counter(f.risk for f in active)
    summary = (
        f"{len(active)} finding{'s' if len(active) != 1 else ''} "
        f"({risks['high']} high, {risks['medium']} medium, {risks['low']} low)"
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
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"
