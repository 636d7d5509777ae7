import subprocess


def run_cmd(command: str) -> str:
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout
