"""``auditor sandbox``: run a command in the runtime sandbox, or check the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

# auditor.sandbox is imported inside the commands, so that registering this group (which
# `auditor` does at start-up) works on any platform; running a sandbox needs Linux.
PROFILE_NAMES = ("standard", "strict")


@click.group(name="sandbox")
def command() -> None:
    """Run commands in the runtime sandbox (namespaces, cgroups, rlimits) and check what
    isolation this machine offers."""


@command.command("run", context_settings={"ignore_unknown_options": True})
@click.option("--memory", metavar="SIZE", help="Memory limit, e.g. 100M or 1G (default 100M).")
@click.option(
    "--cpu-time", type=float, metavar="SECONDS", help="CPU time limit per process (default 30)."
)
@click.option(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help="Wall-clock timeout; the whole sandbox is killed and the exit code is 124.",
)
@click.option("--pids", type=int, metavar="N", help="Maximum number of processes (default 64).")
@click.option(
    "--profile",
    type=click.Choice(PROFILE_NAMES),
    help="Isolation profile: 'standard' (namespaces, limits, no capabilities) or 'strict' "
    "(also read-only host filesystem, private /tmp, hidden home directories).",
)
@click.option(
    "--network/--no-network",
    default=False,
    help="Share the host network instead of a private loopback-only network (default: no).",
)
@click.option(
    "--writable-cwd",
    is_flag=True,
    help="Let CMD write the working directory (standard profile only). By default it is "
    "read-only: writes there fail with 'Read-only file system'; /tmp is writable.",
)
@click.option(
    "--allow-degraded",
    is_flag=True,
    help="Run with whatever isolation is available instead of failing closed.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Capture the output and print the result (output, status, isolation, usage) as JSON; "
    "also when the sandbox is unavailable, times out or CMD is not found. Without it the "
    "exit status and stderr are shared with CMD, which can forge any of them.",
)
@click.argument("cmd", nargs=-1, required=True, type=click.UNPROCESSED)
def run_command(
    memory: str | None,
    cpu_time: float | None,
    timeout: float | None,
    pids: int | None,
    profile: str | None,
    network: bool,
    writable_cwd: bool,
    allow_degraded: bool,
    as_json: bool,
    cmd: tuple[str, ...],
) -> int:
    """Run CMD (after `--`) in the sandbox and exit with its status (128+N for signal N)."""
    from auditor import sandbox

    try:
        settings = sandbox.load_settings()
        changes: dict[str, Any] = {}
        if memory is not None:
            changes["memory"] = memory
        if cpu_time is not None:
            changes["cpu_time"] = cpu_time
        if pids is not None:
            changes["pids"] = pids
        limits = settings.limits.replace(**changes) if changes else settings.limits
    except sandbox.SandboxConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        result = sandbox.run(
            list(cmd),
            capture_output=as_json,
            timeout=timeout,
            limits=limits,
            profile=profile,
            network=network,
            allow_degraded=True if allow_degraded else None,
            writable_cwd=writable_cwd,
        )
    except sandbox.SandboxUnavailable as exc:
        # Without --json, CMD could exit 3 after printing this line itself: only the JSON
        # (on stdout, which CMD does not share then) tells the two apart.
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "args": list(cmd),
                        "unavailable": str(exc),
                        "missing": list(exc.missing),
                        "returncode": None,
                    }
                )
            )
        click.echo(f"auditor sandbox: {exc}", err=True)
        return 3
    except sandbox.SandboxConfigError as exc:  # --writable-cwd with --profile strict
        raise click.ClickException(str(exc)) from None
    except subprocess.TimeoutExpired:
        if as_json:
            click.echo(json.dumps({"args": list(cmd), "timed_out": True, "returncode": None}))
        else:
            click.echo(f"auditor sandbox: timed out after {timeout}s", err=True)
        return 124
    except OSError as exc:  # not found (127), or found and not runnable (126), as a shell says
        if as_json:
            click.echo(json.dumps({"args": list(cmd), "error": str(exc), "returncode": None}))
        click.echo(f"auditor sandbox: {exc}", err=True)
        return 127 if isinstance(exc, FileNotFoundError) else 126
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    sys.stdout.flush()
    rc = result.returncode
    return 128 - rc if rc < 0 else rc


@command.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor_command(as_json: bool) -> int:
    """Report user namespaces (and the AppArmor restriction), cgroup version and
    writability, the binaries found, which profiles can run here, and whether warm
    sandboxes (sandbox.Pool) start with the same isolation.  Exit 0 when every profile and
    the pool run fully isolated, 1 otherwise."""
    from auditor.sandbox import doctor as sandbox_doctor

    rep = sandbox_doctor.report()
    if as_json:
        click.echo(json.dumps(rep, indent=2))
    else:
        click.echo(sandbox_doctor.format_report(rep))
    ok = all(p["ok"] for p in rep["profiles"].values()) and rep["pool"]["ok"]
    return 0 if ok else 1


@command.command("install-files")
@click.option(
    "--user",
    "mode",
    flag_value="user",
    default=True,
    help="Units for your systemd user manager: no sudo at all (the default).",
)
@click.option(
    "--system",
    "mode",
    flag_value="system",
    help="System units (installed once by root); with --sudo-user, also a sudoers snippet.",
)
@click.option(
    "--service",
    metavar="NAME",
    help="The service to put in the sandbox slice (a drop-in with a restart policy).",
)
@click.option(
    "--sudo-user",
    metavar="USER",
    help="--system only: an unprivileged operator who must stop the sandbox and restart "
    "the service; writes a sudoers snippet of exact commands for USER.",
)
@click.option(
    "--run-as",
    metavar="USER",
    help="--system --service only: the non-root user the service runs as (User=); the "
    "hardening drop-in then leaves it no capability. Without it the service stays root, "
    "with only the capabilities the sandbox needs.",
)
@click.option(
    "--writable",
    metavar="DIR",
    multiple=True,
    help="--system --service only: a folder the service writes (repeatable); the rest of "
    "the system becomes read-only for it (ProtectSystem=strict).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the files to (created if missing).",
)
def install_files_command(
    mode: str,
    service: str | None,
    sudo_user: str | None,
    run_as: str | None,
    writable: tuple[str, ...],
    out_dir: Path,
) -> int:
    """Write least-privilege deployment files: auditor-sandbox.slice with the memory, swap,
    CPU and task limits of [tool.auditor.sandbox], a drop-in that puts --service into it
    with Restart=on-failure and one that hardens it without stopping the sandbox
    (systemd-analyze security scores a --system service under 5), and, only when a
    --system setup names a --sudo-user, a sudoers snippet of exact commands (checked with
    visudo -c when installed). Prefer --user: it needs no sudo."""
    from auditor import sandbox
    from auditor.commands.common import write_atomic
    from auditor.sandbox.limits import parse_size
    from auditor.system import installfiles

    try:
        settings = sandbox.load_settings()
        limits = installfiles.SliceLimits(
            memory=settings.limits.memory_bytes,
            memory_swap=parse_size(settings.memory_swap, "memory_swap") or 0,
            cpu_quota=settings.cpu_quota,
            tasks=settings.limits.pids,
        )
        files = installfiles.generate(
            mode, limits, service, sudo_user, run_as=run_as, writable=writable
        )
    except (sandbox.SandboxConfigError, installfiles.InstallFilesError) as exc:
        raise click.ClickException(str(exc)) from None
    snippet = files.get(installfiles.SUDOERS)
    if snippet is not None:
        problem = installfiles.visudo_check(snippet)
        if problem:
            raise click.ClickException(problem)
    try:
        for relative, text in files.items():
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
            if relative == installfiles.SUDOERS:
                target.chmod(0o440)
    except OSError as exc:
        raise click.ClickException(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    for relative in files:
        click.echo(str(out_dir / relative))
    if snippet is None:
        click.echo(
            "No sudoers snippet: this setup needs no sudo at run time"
            + (" (--user runs under your own systemd user manager)." if mode == "user" else "."),
            err=True,
        )
    return 0
