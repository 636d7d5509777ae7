"""Run the system checks over sudoers files and systemd units: the ``auditor system`` API."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.findings import Finding, ScanError, ScanResult
from auditor.scan.discover import display_path
from auditor.scan.suppress import find_suppression
from auditor.system import sudoers as sudoers_parser
from auditor.system.checks import (
    apply_overrides,
    check_sudoers,
    check_unit,
    make_finding,
    unique_findings,
)
from auditor.system.data import system_rules
from auditor.system.discovery import is_unit_file
from auditor.system.hardening import assess
from auditor.system.sudoers_checks import RuleRow, rule_rows
from auditor.system.unit_hardening import (
    is_user_unit,
    runs_sandbox,
    sandbox_breaks,
    service_info,
)
from auditor.system.units import load_units, unit_files_under

# Folders of a repository where deployment files live; `scan` and `report` look there.


def audit_system(
    sudoers_files: Iterable[Path],
    unit_paths: Iterable[Path],
    cwd: Path | None = None,
    *,
    verify: bool = False,
    trusted_commands: Sequence[str] = (),
    settings: dict[str, Any] | None = None,
) -> ScanResult:
    """Parse and check ``sudoers_files`` and the unit files under ``unit_paths``; with
    ``verify``, also report what ``systemd-analyze verify`` warns about (when installed).
    ``trusted_commands`` and ``settings`` (``[tool.auditor.system]``) come from the policy."""
    settings = settings or {}
    start = time.perf_counter()
    here = cwd or Path(os.getcwd())
    result = ScanResult()
    for path in sudoers_files:
        result.stats.files += 1
        shown = display_path(path, here)
        if not path.is_file():
            result.errors.append(ScanError(shown, "sudoers: no such file"))
            continue
        parsed = sudoers_parser.parse_file(path, shown)
        result.stats.parsed += len(parsed.files)
        result.errors.extend(parsed.errors)
        if not parsed.errors:
            complaint = visudo_check(path, shown)
            if complaint is not None:
                result.errors.append(complaint)
        # a main sudoers file includes sudoers.d; its snippets inherit its Defaults
        main = path.parent.name != "sudoers.d" and bool(parsed.includedirs)
        result.findings.extend(check_sudoers(parsed, trusted_commands, main=main))
    files: list[Path] = []
    for root in unit_paths:
        if not root.exists():
            result.errors.append(
                ScanError(display_path(root, here), "systemd: no such file or folder")
            )
            continue
        files.extend(unit_files_under(root))
    result.stats.files += len(files)
    result.stats.parsed += len(files)
    shown_paths = {p: display_path(p, here) for p in files}
    for unit in load_units(files, shown_paths, result.errors):
        result.findings.extend(
            check_unit(unit, settings.get("sandbox_names"), settings.get("hardened_services", ()))
        )
    if verify:
        covered = {(f.path, f.line) for f in result.findings}
        base_units = [p for p in files if is_unit_file(p)]
        result.findings.extend(
            f for f in analyze_verify(base_units, shown_paths) if (f.path, f.line) not in covered
        )
    result.findings = apply_overrides(result.findings, settings.get("rules", {}))
    result.findings = apply_suppressions(result.findings, here)
    result.stats.seconds = time.perf_counter() - start
    result.sort()
    return result


def sudoers_rule_rows(paths: Iterable[str]) -> list[RuleRow]:
    """What every command of every rule of these sudoers files (display paths, relative to
    the working directory) grants, findings or not: the audit document's sudoers table."""
    rows: list[RuleRow] = []
    seen: set[tuple[str, int, str]] = set()
    for shown in paths:
        path = Path(shown)
        if not path.is_file():
            continue
        for row in rule_rows(sudoers_parser.parse_file(path, shown)):
            key = (row.path, row.line, row.command)
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


@dataclass(frozen=True, slots=True)
class ServiceScore:
    """A service that runs generated code or the sandbox, with its exposure."""

    path: str
    name: str
    why: str
    score: str
    level: str
    exposure: int
    sandbox_breaks: int


def service_scores(
    paths: Iterable[str], settings: dict[str, Any] | None = None
) -> list[ServiceScore]:
    """The exposure of every service among these unit files (display paths, relative to
    the working directory, folders included) that runs generated code or the sandbox."""
    settings = settings or {}
    files: list[Path] = []
    for shown in paths:
        root = Path(shown)
        if root.exists():
            files.extend(unit_files_under(root))
    errors: list[ScanError] = []
    out = []
    for unit in load_units(files, {p: p.as_posix() for p in files}, errors):
        why = runs_sandbox(
            unit, settings.get("sandbox_names"), settings.get("hardened_services", ())
        )
        if why is None or unit.base is None:
            continue
        info = service_info(unit)
        found = assess(info)
        breaks = len(sandbox_breaks(unit, info))
        if is_user_unit(unit):  # systemd-analyze scores these against a running manager only
            out.append(ServiceScore(unit.base.path, unit.name, why, "-", "user unit", 0, breaks))
            continue
        out.append(
            ServiceScore(
                unit.base.path, unit.name, why, found.score, found.level, found.exposure, breaks
            )
        )
    return sorted(out, key=lambda s: (s.path, s.name))


def apply_suppressions(findings: list[Finding], cwd: Path) -> list[Finding]:
    """``# auditor: ignore[RULE] reason`` on the finding's line or on the line above it (a
    rule id, a class or the sink, comma-separated) suppresses it, as in Python code; a
    suppression without a reason is not honoured and the finding says so."""
    texts: dict[str, dict[int, str]] = {}
    out = []
    for f in findings:
        if f.path not in texts:
            try:
                lines = (cwd / f.path).read_text("utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            texts[f.path] = {
                n: line[line.index("#") :]
                for n, line in enumerate(lines, start=1)
                if "auditor:" in line and "#" in line
            }
        comments = texts[f.path]
        if not comments:
            out.append(f)
            continue
        found = find_suppression(
            comments, max(1, f.line - 1), f.end_line, {f.rule, f.category, f.sink}, False
        )
        if found.suppressed:
            out.append(dataclasses.replace(f, suppressed=True, suppression_reason=found.reason))
        elif found.note:
            out.append(dataclasses.replace(f, message=f"{f.message} ({found.note})"))
        else:
            out.append(f)
    return out


_VISUDO_LINE_RE = re.compile(r":(\d+):(?:\d+:)?\s*(.*)$")


def _visudo() -> str | None:
    found = shutil.which("visudo")
    if found:
        return found
    return next((p for p in ("/usr/sbin/visudo", "/sbin/visudo") if Path(p).is_file()), None)


def visudo_check(path: Path, shown: str) -> ScanError | None:
    """Cross-check a file that auditor's parser accepted with ``visudo -c -f`` when visudo is
    installed: a file sudo would refuse (and so ignore whole) becomes an error."""
    visudo = _visudo()
    if visudo is None:
        return None
    try:
        proc = subprocess.run(
            [visudo, "-c", "-f", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode == 0:
        return None
    output = (proc.stderr or proc.stdout).strip().splitlines()
    first = output[0] if output else f"exit status {proc.returncode}"
    match = _VISUDO_LINE_RE.search(first)
    line = int(match.group(1)) if match else None
    reason = match.group(2) if match else first
    return ScanError(shown, f"sudoers: visudo -c rejects the file: {reason}", line)


def analyze_verify(units: list[Path], shown: dict[Path, str]) -> list[Finding]:
    """``systemd-analyze verify`` on each unit file (its drop-ins next to it are loaded too):
    each warning that names a line of one of the files becomes an AUD508 finding. Warnings
    without a line (missing executables or dependencies of this machine) are left out."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None or not units:
        return []
    by_real = {str(p.resolve()): shown.get(p, p.as_posix()) for p in shown}
    rule = system_rules()["AUD508"]
    findings: list[Finding] = []
    for unit in units:
        try:
            proc = subprocess.run(
                [analyze, "verify", "--man=no", str(unit.resolve())],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        for raw in proc.stderr.splitlines():
            match = _ANALYZE_RE.match(raw.strip())
            if match is None or match.group(1) not in by_real:
                continue
            path, line = by_real[match.group(1)], int(match.group(2))
            warning = match.group(3).strip()
            snippet = _line_text(Path(match.group(1)), line)
            findings.append(
                make_finding(
                    "AUD508",
                    path,
                    line,
                    kind="systemd",
                    sink="systemd-analyze verify",
                    function=f"{Path(match.group(1)).name}",
                    snippet=snippet,
                    message=f"{rule.summary}: {warning.rstrip('.')}. Fix: {rule.fix}",
                    identity=f"{snippet}|{warning}",
                )
            )
    return unique_findings(findings)


_ANALYZE_RE = re.compile(r"^(/[^:]+):(\d+): (.*)$")


def _line_text(path: Path, line: int) -> str:
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""
