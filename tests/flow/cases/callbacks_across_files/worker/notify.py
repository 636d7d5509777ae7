import subprocess


def send(command: str) -> None:
    subprocess.run(command, shell=True, check=True)
