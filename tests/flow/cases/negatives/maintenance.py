"""Maintenance jobs: constant commands, and commands built from the program's own values."""

import os
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime

BACKUP_CMD = "pg_dumpall > /var/backups/all.sql"
SERVICES = ("nginx", "redis")


def nightly() -> None:
    os.system(BACKUP_CMD)
    subprocess.run(["systemctl", "restart", "nginx"], check=True)
    exec("print('maintenance done')")


def restart_all() -> None:
    for service in SERVICES:
        os.system(f"systemctl restart {service}")


def interpreter() -> str:
    return subprocess.check_output([sys.executable, "--version"], text=True)


def snapshot() -> None:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    subprocess.run(f"btrfs subvolume snapshot / /.snapshots/{stamp}", shell=True, check=True)


def scratch_build() -> None:
    workdir = tempfile.mkdtemp(prefix="build-")
    subprocess.run(["make", "-C", workdir, "all"], check=True)


def build_id() -> str:
    return uuid.uuid4().hex[:12]


def tag_image() -> None:
    os.system(f"docker tag app:latest app:{build_id()}")
