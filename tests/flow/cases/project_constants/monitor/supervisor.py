"""Commands whose every part is known before the program runs, though not written as one
literal: paths of the project, constant lookups, lists grown from constants, wrappers called
only with constants."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
COMMANDS = {"status": "systemctl status monitor", "logs": "journalctl -u monitor -n 50"}


class Supervisor:
    def __init__(self) -> None:
        self.root = Path(__file__).parent
        self.monitor_script = self.root / "monitor.py"

    def start_monitor(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, str(self.monitor_script)])


def reindex() -> None:
    subprocess.run([sys.executable, str(SCRIPTS / "reindex.py")], check=True)


def cleanup() -> None:
    script = os.path.join(os.path.dirname(__file__), "helpers", "cleanup.sh")
    subprocess.run([script, "--all"], check=True)


def status() -> None:
    os.system(COMMANDS["status"])


def build() -> None:
    argv = ["make"]
    argv += ["-j4"]
    argv.append("all")
    subprocess.run(argv, check=True)


def packages() -> str:
    return subprocess.check_output([sys.executable, "-m", "pip", "list"], text=True)


def uptime(command: str = "uptime") -> str:
    return subprocess.check_output(command, shell=True, text=True)


def _systemctl(verb: str, unit: str) -> None:
    os.system(f"systemctl {verb} {unit}")


def restart(service: str) -> None:
    _systemctl("restart", service)


def restart_all() -> None:
    restart("nginx")
    restart("redis")
    print(uptime())
