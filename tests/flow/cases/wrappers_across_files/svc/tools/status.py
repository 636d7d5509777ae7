import subprocess


def probe(command: str) -> str:
    return subprocess.check_output(command, shell=True, text=True)
