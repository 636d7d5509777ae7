"""The hardening checks of a service that runs generated code or the sandbox: its exposure
score (AUD511, as `systemd-analyze security` computes it) and the directives that stop the
sandbox from working in it (AUD512). Settings and texts: rules/system.toml
[systemd.hardening]; the score: :mod:`auditor.system.hardening`."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.system.data import matches, system_data
from auditor.system.hardening import (
    NAMESPACES,
    Assessment,
    SecurityInfo,
    assess,
    blocked_calls,
    security_info,
    security_table,
)
from auditor.system.units import Directive, Unit

# add(rule, path, line, sink, section, snippet, message)
Add = Callable[[str, str, int, str, str, str, str], None]


def _settings() -> dict[str, Any]:
    value: dict[str, Any] = system_data()["systemd"]["hardening"]
    return value


def is_user_unit(unit: Unit) -> bool:
    """A unit for a user manager (systemctl --user): it lies in a folder named ``user``, as
    systemd keeps them (~/.config/systemd/user, /etc/systemd/user). It runs as its user,
    never as root: systemd-analyze scores such units only against a running user manager."""
    files = [f.path for f in unit.files]
    return any("user" in path.split("/")[:-1] for path in files)


def service_info(unit: Unit) -> SecurityInfo:
    """The service's settings; a user unit runs as its user, whatever User= says."""
    info = security_info(unit)
    if is_user_unit(unit):
        info.user = info.user or "(the user manager's user)"
    return info


def runs_sandbox(
    unit: Unit, sandbox_names: Sequence[str] | None, hardened: Sequence[str] = ()
) -> str | None:
    """Why a service counts as running generated code or the sandbox, or None: its name
    (sandbox_names, the policy's hardened_services), the slice it is put in, or an Exec*=
    line that runs a sandbox."""
    if unit.type != "service" or unit.base is None:
        return None
    names = [str(n) for n in (sandbox_names if sandbox_names is not None else
                              system_data()["systemd"]["sandbox_names"])]  # fmt: skip
    if matches(unit.name, list(hardened)):
        return "its name matches the policy's hardened_services"
    if matches(unit.name, names):
        return "its name matches a sandbox name"
    slice_ = unit.get("Service", "Slice")
    if slice_ is not None and matches(slice_.value.strip(), names):
        return f"it runs in {slice_.value.strip()}"
    for d in unit.directives:
        if d.section == "Service" and d.key.startswith("Exec"):
            for runner in _settings()["sandbox_runners"]:
                if runner in d.value:
                    return f"{d.key}= runs {runner}"
    return None


def _last(unit: Unit, key: str) -> Directive | None:
    found = None
    for d in unit.directives:
        if d.section == "Service" and d.key == key:
            found = d
    return found


@dataclass(frozen=True, slots=True)
class Break:
    directive: Directive | None
    message: str


def sandbox_breaks(unit: Unit, info: SecurityInfo) -> list[Break]:
    """The directives that take away what the sandbox needs."""
    settings = _settings()
    breaks: list[Break] = []
    for key, why in settings["sandbox_breakers"].items():
        d = _last(unit, key)
        if d is not None and bool(getattr(info, _attr(key))):
            breaks.append(Break(d, f"{key}=yes: {why}"))
    blocked_ns = [
        n for n in settings["sandbox_namespaces"] if not info.restrict_namespaces & NAMESPACES[n]
    ]
    if blocked_ns:
        breaks.append(
            Break(
                _last(unit, "RestrictNamespaces"),
                f"RestrictNamespaces= forbids the {', '.join(blocked_ns)} namespace(s) the "
                "sandbox creates; allow them: RestrictNamespaces=user mnt pid ipc uts net",
            )
        )
    calls = blocked_calls(info, settings["sandbox_syscalls"])
    if calls:
        breaks.append(
            Break(
                _last(unit, "SystemCallFilter"),
                f"SystemCallFilter= blocks {', '.join(calls)}, which the sandbox calls; "
                "use SystemCallFilter=@system-service @mount sethostname",
            )
        )
    if info.runs_privileged:
        numbers = security_table()["capabilities"]
        missing = [
            c for c in settings["sandbox_root_capabilities"]
            if not info.capability_bounding_set & (1 << numbers[c])
        ]  # fmt: skip
        if missing:
            breaks.append(
                Break(
                    _last(unit, "CapabilityBoundingSet"),
                    f"as root the sandbox needs {', '.join(missing)}, which "
                    "CapabilityBoundingSet= removes; run the service as a non-root user "
                    "(User=), which needs none",
                )
            )
    return breaks


def _attr(key: str) -> str:
    return {"ProtectHostname": "protect_hostname",
            "ProtectKernelTunables": "protect_kernel_tunables",
            "ProtectKernelLogs": "protect_kernel_logs"}[key]  # fmt: skip


def _open_for_sandbox() -> frozenset[str]:
    """The systemd-analyze rows the sandbox needs open: never suggested."""
    settings = _settings()
    fields = {f"RestrictNamespaces_{n}" for n in settings["sandbox_namespaces"]}
    fields |= {"SystemCallFilter_mount", "SystemCallFilter_privileged",
               "SystemCallFilter_resources"}  # fmt: skip
    fields |= {k for k in settings["sandbox_breakers"]}
    return frozenset(fields)


def suggestions(assessment: Assessment, info: SecurityInfo, most: int = 6) -> list[str]:
    """What to add, for the largest gaps the sandbox does not need open."""
    table: dict[str, str] = _settings()["suggest"]
    keep_open = _open_for_sandbox()
    out: list[str] = []
    for row in assessment.gaps():
        if row.json_field in keep_open:
            continue
        if info.runs_privileged and row.json_field.startswith("CapabilityBoundingSet_"):
            caps = set(_settings()["sandbox_root_capabilities"])
            if any(fnmatch.fnmatch(c, "CAP_SYS_ADMIN") for c in caps) and "SYS_ADMIN" in row.id:
                continue
        text = table.get(row.json_field)
        if text and text not in out:
            out.append(text)
        if len(out) >= most:
            break
    return out


def hardening_findings(unit: Unit, why: str, add: Add) -> Assessment:
    """AUD511 when the exposure is above the threshold, AUD512 per breaking directive."""
    info = service_info(unit)
    assessment = assess(info)
    path, line = unit.section_line("Service")
    limit = round(float(_settings()["max_exposure"]) * 10)
    if not is_user_unit(unit) and assessment.exposure > limit:
        todo = suggestions(assessment, info)
        add(
            "AUD511",
            path,
            line,
            "[Service]",
            "Service",
            "[Service]",
            f"{unit.name} ({why}) scores {assessment.score} {assessment.level} in "
            f"systemd-analyze security; add: {'; '.join(todo) or 'see systemd-analyze security'}",
        )
    for found in sandbox_breaks(unit, info):
        d = found.directive
        where_path, where_line = (d.path, d.line) if d else (path, line)
        snippet = f"{d.key}={d.value}" if d else "[Service]"
        sink = f"{d.key}=" if d else "[Service]"
        add("AUD512", where_path, where_line, sink, "Service", snippet, found.message)
    return assessment
