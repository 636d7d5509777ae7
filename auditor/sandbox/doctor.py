"""``auditor sandbox doctor``: what isolation this machine can give this user."""

from __future__ import annotations

import os
import platform
import shutil
from typing import Any

from auditor.sandbox import cgroups, native
from auditor.sandbox.errors import SandboxUnavailable
from auditor.sandbox.process import needs_user_namespace

_SYSCTLS = {
    "max_user_namespaces": "/proc/sys/user/max_user_namespaces",
    "unprivileged_userns_clone": "/proc/sys/kernel/unprivileged_userns_clone",
    "apparmor_restrict_unprivileged_userns": (
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
    ),
}


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _probe(profile: str) -> dict[str, Any]:
    from auditor.sandbox.api import run

    try:
        r = run(["true"], profile=profile, allow_degraded=False, timeout=10)
    except SandboxUnavailable as exc:
        return {"ok": False, "error": str(exc)}
    except OSError as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": r.returncode == 0, "isolation": list(r.isolation), "launcher": r.launcher}


def report() -> dict[str, Any]:
    """Everything the doctor knows, as a JSON-able dict."""
    sysctls = {k: _read(p) for k, p in _SYSCTLS.items()}
    support = cgroups.discover()
    problems: list[str] = []
    if sysctls["max_user_namespaces"] == "0":
        problems.append("user.max_user_namespaces is 0: user namespaces are disabled")
    if sysctls["unprivileged_userns_clone"] == "0":
        problems.append("kernel.unprivileged_userns_clone=0: unprivileged user namespaces off")
    if sysctls["apparmor_restrict_unprivileged_userns"] == "1":
        problems.append(
            "kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu): unprivileged user "
            "namespaces are restricted; set it to 0 or grant 'userns' in an AppArmor profile"
        )
    if not support.version:
        problems.append(f"no writable cgroup: {support.reason} (limits fall back to rlimits)")
    profiles = {name: _probe(name) for name in ("standard", "strict")}
    return {
        "uid": os.geteuid(),
        "kernel": platform.release(),
        "user_namespace_needed": needs_user_namespace(),
        "sysctls": sysctls,
        "cgroup": {
            "mounted": list(support.mounted),
            "usable_version": support.version or None,
            "writable": support.version != 0,
            "bases": support.bases,
            "reason": support.reason or None,
        },
        "binaries": {
            name: shutil.which(name) for name in ("unshare", "setpriv", "bwrap", "ip", "sh")
        },
        "launcher": native.describe(),
        "profiles": profiles,
        "problems": problems,
    }


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"uid {rep['uid']}, kernel {rep['kernel']}"]
    s = rep["sysctls"]
    userns = "needed" if rep["user_namespace_needed"] else "not needed (root)"
    lines.append(
        f"user namespaces: {userns}; max_user_namespaces={s['max_user_namespaces']}, "
        f"unprivileged_userns_clone={s['unprivileged_userns_clone'] or 'n/a'}, "
        f"apparmor_restrict_unprivileged_userns="
        f"{s['apparmor_restrict_unprivileged_userns'] or 'n/a (no AppArmor restriction)'}"
    )
    cg = rep["cgroup"]
    mounted = ", ".join(cg["mounted"]) or "none"
    if cg["writable"]:
        where = ", ".join(f"{k}={v}" for k, v in cg["bases"].items())
        lines.append(
            f"cgroup: mounted {mounted}; using v{cg['usable_version']}, writable ({where})"
        )
    else:
        lines.append(f"cgroup: mounted {mounted}; not writable: {cg['reason']}")
    found = ", ".join(f"{k}={v or 'missing'}" for k, v in rep["binaries"].items())
    lines.append(f"binaries (informational, the sandbox uses syscalls directly): {found}")
    lau = rep["launcher"]
    if lau["kind"] == "c":
        lines.append(f"launcher: compiled ({lau['path']})")
    else:
        lines.append(f"launcher: python fallback ({lau['reason']})")
    for name, res in rep["profiles"].items():
        if res["ok"]:
            lines.append(f"profile {name}: OK ({', '.join(res['isolation'])})")
        else:
            lines.append(f"profile {name}: UNAVAILABLE: {res.get('error', 'failed')}")
    for p in rep["problems"]:
        lines.append(f"problem: {p}")
    return "\n".join(lines)
