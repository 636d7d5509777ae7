import os

from blinker import signal

deployed = signal("deployed")


def run_hook(command: str) -> None:
    os.system(command)


def install() -> None:
    run_hook("sync")
    deployed.connect(run_hook)
