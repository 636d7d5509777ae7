import os
import subprocess

from assistant.helpers import shell_command_for
from assistant.planner import Planner


def run(goal: str) -> None:
    planner = Planner()
    for _ in range(5):
        command = planner.next_command(goal)
        subprocess.run(command, shell=True, check=True)


def free_space() -> None:
    os.system(shell_command_for("free disk space under /var/tmp"))
