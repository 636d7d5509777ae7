"""``auditor sandbox doctor``: what isolation this machine gives this user, exactly."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from typing import Any

from auditor.sandbox import cgroups, linux, native, seccomp
from auditor.sandbox.errors import SandboxError, SandboxUnavailable

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


def _mode(isolation: list[str], key: str) -> str | None:
    for piece in isolation:
        if piece.startswith(key + ":"):
            return piece.split(":", 1)[1]
    return None


def _probe(profile: str) -> dict[str, Any]:
    """Run ``true`` in ``profile`` for real (fail closed) and say what applied."""
    from auditor.sandbox.api import run

    try:
        r = run(["true"], profile=profile, allow_degraded=False, timeout=10)
    except SandboxUnavailable as exc:
        return {"ok": False, "error": str(exc)}
    except OSError as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    iso = list(r.isolation)
    return {
        "ok": r.returncode == 0,
        "isolation": iso,
        "launcher": r.launcher,
        "payload_uid": r.payload_uid,
        "memory": _mode(iso, "memory"),
        "pids": _mode(iso, "pids"),
        "cpu": _mode(iso, "cpu"),
        "uid": _mode(iso, "uid"),
        "not_applied": [p for p in ("cgroup", "landlock", "seccomp") if p not in iso],
    }


def _probe_pool(strict: dict[str, Any]) -> dict[str, Any]:
    """Start a pool of one warm ``strict`` sandbox, run ``pass`` in it, and compare what
    applied with the cold ``strict`` run's isolation; say how module-level runs choose."""
    from auditor.sandbox import pool

    out: dict[str, Any] = {
        "interpreter": sys.executable,
        "env": pool.ENV_WARM,
        "size_env": pool.ENV_SIZE,
    }
    try:
        out["warm_by_default"] = pool.warm_requested(None)
    except SandboxError as exc:
        out["warm_by_default"] = None
        out["env_error"] = str(exc)
    try:
        with pool.Pool(1, profile="strict", allow_degraded=False) as p:
            ready = p.wait_ready(30)
            r = p.exec_python("pass", capture_output=True, timeout=10)
            stats = p.stats()
    except (SandboxError, OSError) as exc:
        return {**out, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    iso = list(r.isolation)
    warm = ready and stats.cold == 0
    same = iso == strict.get("isolation")
    out.update(ok=warm and same and r.returncode == 0, warm=warm, isolation=iso, same=same)
    if not warm:
        out["error"] = "warm sandboxes did not start (the run fell back to a cold one)"
    elif not same:
        out["error"] = "a warm sandbox's isolation differs from a cold strict run's"
    return out


def report() -> dict[str, Any]:
    """Everything the doctor knows, as a JSON-able dict."""
    sysctls = {k: _read(p) for k, p in _SYSCTLS.items()}
    support = cgroups.discover()
    problems: list[str] = []
    if sysctls["max_user_namespaces"] == "0":
        problems.append("user.max_user_namespaces is 0: user namespaces are disabled")
    if sysctls["unprivileged_userns_clone"] == "0" and os.geteuid() != 0:
        problems.append("kernel.unprivileged_userns_clone=0: unprivileged user namespaces off")
    if sysctls["apparmor_restrict_unprivileged_userns"] == "1":
        problems.append(
            "kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu): unprivileged user "
            "namespaces are restricted; set it to 0 or grant 'userns' in an AppArmor profile"
        )
    if not support.version:
        problems.append(
            f"no writable cgroup: {support.reason} (memory: rlimit-only, pids: rlimit, "
            "cpu: rlimit (per process); "
            "require=('memory',) fails closed)"
        )
    arch = seccomp.machine()
    if arch not in seccomp.AUDIT_ARCH:
        problems.append(f"no seccomp syscall table for {arch}: runs fail closed ('seccomp')")
    profiles = {name: _probe(name) for name in ("standard", "strict")}
    pool_report = _probe_pool(profiles["strict"])
    return {
        "uid": os.geteuid(),
        "kernel": platform.release(),
        "user_namespace_needed": True,
        "sysctls": sysctls,
        "cgroup": {
            "mounted": list(support.mounted),
            "usable_version": support.version or None,
            "writable": support.version != 0,
            "bases": support.bases,
            "reason": support.reason or None,
        },
        "landlock_abi": linux.landlock_abi() or None,
        "seccomp_arch": arch if arch in seccomp.AUDIT_ARCH else None,
        "binaries": {
            name: shutil.which(name) for name in ("unshare", "setpriv", "bwrap", "ip", "sh")
        },
        "launcher": native.describe(),
        "profiles": profiles,
        "pool": pool_report,
        "problems": problems,
    }


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"uid {rep['uid']}, kernel {rep['kernel']}"]
    s = rep["sysctls"]
    lines.append(
        f"user namespaces: needed (every run has one); "
        f"max_user_namespaces={s['max_user_namespaces']}, "
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
    abi = rep["landlock_abi"]
    lines.append(
        f"landlock: {f'ABI {abi}, applied to every payload' if abi else 'not in this kernel'}"
    )
    arch = rep["seccomp_arch"]
    lines.append(f"seccomp: {f'filter for {arch}' if arch else 'no syscall table: runs fail'}")
    found = ", ".join(f"{k}={v or 'missing'}" for k, v in rep["binaries"].items())
    lines.append(f"binaries (informational, the sandbox uses syscalls directly): {found}")
    lau = rep["launcher"]
    if lau["kind"] == "c":
        lines.append(f"launcher: compiled ({lau['path']})")
    else:
        lines.append(f"launcher: python fallback ({lau['reason']})")
    for name, res in rep["profiles"].items():
        if not res["ok"]:
            lines.append(f"profile {name}: UNAVAILABLE: {res.get('error', 'failed')}")
            continue
        who = "an unused uid" if res["uid"] == "unused" else "the caller's uid"
        lines.append(
            f"profile {name}: OK; payload uid {res['payload_uid']} on the host ({who}); "
            f"memory: {res['memory']}; pids: {res['pids']}; cpu: {res['cpu']}; "
            f"not applied: {', '.join(res['not_applied']) or 'nothing'}"
        )
        lines.append(f"  isolation: {', '.join(res['isolation'])}")
    pl = rep["pool"]
    if pl.get("warm_by_default") is None:
        default = f"{pl['env']} is invalid: {pl.get('env_error', '')}"
    else:
        default = (
            f"{'on' if pl['warm_by_default'] else 'off'} (warm=True or {pl['env']}=1; "
            f"size from {pl['size_env']}, default 2)"
        )
    if pl["ok"]:
        lines.append(
            f"pool: OK; warm sandboxes start {pl['interpreter']} and wait for their code, "
            "same isolation as a cold strict run; module-level exec_python/eval_python use "
            f"the default pool: {default}"
        )
    else:
        lines.append(f"pool: UNAVAILABLE: {pl.get('error', 'failed')}; default pool: {default}")
    for p in rep["problems"]:
        lines.append(f"problem: {p}")
    return "\n".join(lines)
