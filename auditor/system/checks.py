"""The sudoers and systemd checks: parsed files in, :class:`~auditor.findings.Finding` out.

Rule ids, risks, actions and texts come from ``rules/system.toml``; so do the systemd
directive tables (the sudoers program table is ``rules/sudo_programs.toml``). Findings use the
scan's JSON contract: ``kind`` is ``sudoers`` or ``systemd``, ``sink`` the command or
directive, ``payload`` ``constant``, ``shell`` null, and the fingerprint hashes the rule, the
path and the rule's text (not its line), so it survives edits elsewhere in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.findings import Finding
from auditor.system.checks_common import (
    apply_overrides,
    fingerprint,
    make_finding,
    unique_findings,
)
from auditor.system.data import directive_sections, matches, system_data, system_rules
from auditor.system.sudoers_checks import check_sudoers, command_problems
from auditor.system.unit_hardening import hardening_findings, runs_sandbox
from auditor.system.units import Unit

__all__ = [
    "apply_overrides", "check_sudoers", "check_unit", "command_problems", "fingerprint",
    "make_finding", "unique_findings",
]  # fmt: skip

# add(rule, path, line, sink, section, snippet, message)
_Add = Callable[[str, str, int, str, str, str, str], None]


# ---------------------------------------------------------------------------------- systemd


def _is_infinity(value: str) -> bool:
    return value.strip().lower() in ("infinity", "")


def _sandbox_unit(unit: Unit, sandbox_names: Sequence[str] | None) -> bool:
    data = system_data()["systemd"]
    if unit.type == "slice":
        return True
    if unit.type not in ("service", "scope"):
        return False
    names = sandbox_names if sandbox_names is not None else data["sandbox_names"]
    return matches(unit.name, [str(p) for p in names])


def check_unit(
    unit: Unit, sandbox_names: Sequence[str] | None = None, hardened: Sequence[str] = ()
) -> list[Finding]:
    """Findings for one unit with its drop-ins. ``sandbox_names``: globs of the services
    and scopes that must bound memory, swap and CPU (default from rules/system.toml;
    every slice must). ``hardened``: globs of more services that run generated code (the
    policy's ``hardened_services``), scored like those that run the sandbox."""
    data = system_data()["systemd"]
    findings: list[Finding] = []
    where = directive_sections()
    allowed_sections = data["unit_types"].get(unit.type)
    deprecated: dict[str, dict[str, str]] = data["deprecated"]
    lookalikes: dict[str, str] = data["lookalikes"]

    def add(
        rule: str, path: str, line: int, sink: str, section: str, snippet: str, message: str
    ) -> None:
        info = system_rules()[rule]
        findings.append(
            make_finding(
                rule,
                path,
                line,
                kind="systemd",
                sink=sink,
                function=f"{unit.name} [{section}]",
                snippet=snippet,
                message=f"{info.summary}: {message}. Fix: {info.fix}",
                identity=f"{unit.name}|{section}|{snippet}|{message}",
            )
        )

    ignored_sections: set[str] = set()
    for section in unit.sections:
        runtime_only = section.name in data["runtime_only_sections"]
        wrong_type = allowed_sections is not None and section.name not in allowed_sections
        if section.name.startswith("X-") or not (runtime_only or wrong_type):
            continue
        ignored_sections.add(section.name)
        if runtime_only:
            why = (
                f"a unit file cannot have a [{section.name}] section: scopes exist only at "
                "run time (systemd-run --scope); put the limits in a slice"
            )
        else:
            why = f"a .{unit.type} unit has no [{section.name}] section"
        add(
            "AUD505",
            section.path,
            section.line,
            f"[{section.name}]",
            section.name,
            f"[{section.name}]",
            why,
        )

    for d in unit.directives:
        snippet = f"{d.key}={d.value}"
        if d.key.startswith("X-") or d.section.startswith("X-"):
            continue
        entry = deprecated.get(f"{d.section}.{d.key}") or deprecated.get(d.key)
        if entry is not None:
            target = entry.get("section", d.section)
            move = f" in [{target}]" if target != d.section else ""
            add(
                "AUD503",
                d.path,
                d.line,
                f"{d.key}=",
                d.section,
                snippet,
                f"{d.key}= is deprecated ({entry['note']}); use {entry['use']}={move}",
            )
            continue
        if d.key in lookalikes:
            add(
                "AUD504",
                d.path,
                d.line,
                f"{d.key}=",
                d.section,
                snippet,
                f"{d.key}= is not a systemd directive; did you mean {lookalikes[d.key]}=?",
            )
            continue
        sections = where.get(d.key)
        if sections is None or d.section in sections or d.section in ignored_sections:
            continue
        if allowed_sections is not None and d.section not in allowed_sections:
            continue
        targets = sorted(sections & set(allowed_sections or sections)) or sorted(sections)
        add(
            "AUD504",
            d.path,
            d.line,
            f"{d.key}=",
            d.section,
            snippet,
            f"{d.key}= is read only in [{'], ['.join(targets)}], not in [{d.section}]",
        )

    refused = False
    for unit_file in unit.files:
        for ignored in unit_file.ignored:
            rule = "AUD510" if ignored.refused else "AUD509"
            refused = refused or ignored.refused
            add(rule, ignored.path, ignored.line, ignored.text, "-", ignored.text, ignored.why)
    if refused:
        return findings  # systemd loads nothing of it: what else it sets does not apply
    if unit.type == "service" and unit.base is not None:
        _restart_findings(unit, add)
    if _sandbox_unit(unit, sandbox_names) and unit.base is not None:
        _limit_findings(unit, add)
    reason = runs_sandbox(unit, sandbox_names, hardened)
    if reason is not None:
        hardening_findings(unit, reason, add)
    return findings


def _restart_findings(unit: Unit, add: _Add) -> None:
    kind = unit.get("Service", "Type")
    if kind is not None and kind.value == "oneshot":
        return
    restart = unit.get("Service", "Restart")
    if restart is None or restart.value == "no":
        path, line = (restart.path, restart.line) if restart else unit.section_line("Service")
        snippet = f"Restart={restart.value}" if restart else "[Service]"
        add(
            "AUD501",
            path,
            line,
            "Restart=",
            "Service",
            snippet,
            f"{unit.name} is not restarted when it fails; add Restart=on-failure and RestartSec=5",
        )
        return
    missing = [
        name
        for section, name in (
            ("Service", "RestartSec"),
            ("Unit", "StartLimitIntervalSec"),
            ("Unit", "StartLimitBurst"),
        )
        if unit.get(section, name) is None
        and not (name == "StartLimitIntervalSec" and unit.get("Unit", "StartLimitInterval"))
    ]
    if missing:
        add(
            "AUD502",
            restart.path,
            restart.line,
            "Restart=",
            "Service",
            f"Restart={restart.value}",
            f"{unit.name} restarts without {', '.join(m + '=' for m in missing)}",
        )


def _limit_findings(unit: Unit, add: _Add) -> None:
    data = system_data()["systemd"]
    section = {"slice": "Slice", "scope": "Scope"}.get(unit.type, "Service")
    if unit.type == "service" and unit.get("Service", "Slice") is not None:
        return  # its limits come from the slice it is put in
    path, line = unit.section_line(section)
    for name in data["sandbox_required"]:
        current = unit.get(section, name)
        if current is None or _is_infinity(current.value):
            shown = f"{name}={current.value}" if current else f"[{section}]"
            where_path, where_line = (current.path, current.line) if current else (path, line)
            add(
                "AUD506",
                where_path,
                where_line,
                f"{name}=",
                section,
                shown,
                f"sandbox unit {unit.name} has no {name}= limit",
            )
    tasks = unit.get(section, "TasksMax")
    if tasks is not None and tasks.value.strip().lower() == "infinity":
        add(
            "AUD507",
            tasks.path,
            tasks.line,
            "TasksMax=",
            section,
            f"TasksMax={tasks.value}",
            f"sandbox unit {unit.name} sets TasksMax=infinity",
        )
