import os


def run_hook(command: str) -> None:
    os.system(command)
