"""System monitoring with constant commands: allowed by the policy."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

UPTIME = "uptime"
DISK = ["df", "-h", "/"]


def uptime() -> str:
    return subprocess.check_output(UPTIME, shell=True, text=True)


def disk_usage() -> str:
    return subprocess.run(DISK, capture_output=True, text=True).stdout


def memory() -> str:
    with os.popen("free -m") as pipe:
        return pipe.read()


def service_status(unit: str) -> int:
    return subprocess.call(["systemctl", "status", "redis-server"])


def journal() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["journalctl", "-u", "llm-backend.service", "--since", "-1h"])


def top_processes() -> str:
    return subprocess.check_output("ps aux --sort=-%mem | head -n 5", shell=True, text=True)


def nvidia(query: str) -> str:
    smi = shutil.which("nvidia-smi") or "nvidia-smi"
    return subprocess.check_output([smi, f"--query-gpu={query}", "--format=csv"], text=True)


async def load_average() -> bytes:
    proc = await asyncio.create_subprocess_shell("cat /proc/loadavg", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return out
