"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per
unsuppressed finding and per file that could not be analysed."""

from __future__ import annotations

from auditor.findings import ScanResult

_COMMANDS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult) -> str:
    lines: list[str] = []
    for f in result.findings:
        if f.suppressed:
            continue
        command = _COMMANDS.get(f.risk, "warning")
        props = [
            f"file={_prop(f.path)}",
            f"line={f.line}",
            f"endLine={f.end_line}",
            f"title={_prop(f'{f.rule} {f.risk}/{f.action}')}",
        ]
        if f.line == f.end_line:
            # GitHub only honours columns on a single-line annotation.
            props[2:2] = [f"col={f.column}", f"endColumn={f.end_column}"]
        message = f.message
        if f.flow and f.origin not in (None, "internal", "parameter"):
            first = f.flow[0]
            message += f" [from {first.path}:{first.line}: {first.note}]"
            if len(f.flow) > 2:  # the steps between the source and this call
                middle = "; ".join(f"{s.path}:{s.line} {s.note}" for s in f.flow[1:-1])
                message += f" [then {middle}]"
        if f.via:
            privileged = ", privileged" if f.privileged else ""
            message += f" [runs through {' -> '.join(f.via)}{privileged}]"
        if f.handed_to:
            message += f" [handed to {f.handed_to}]"
        lines.append(f"::{command} {','.join(props)}::{_data(message)}")
    for e in result.errors:
        props = [f"file={_prop(e.path)}"]
        if e.line:
            props.append(f"line={e.line}")
        props.append("title=auditor: file not analysed")
        lines.append(f"::error {','.join(props)}::{_data(e.message)}")
    if result.stats.skipped:  # (build output, virtualenvs, submodules not checked out)
        from auditor.formats.text import skipped_note

        note = skipped_note(result.stats.skipped, None)
        lines.append(f"::notice title=auditor: folders not scanned::{_data(note)}")
    return "".join(line + "\n" for line in lines)
