import subprocess


def run_shell(command: str, cwd: str | None = None) -> None:
    subprocess.run(command, shell=True, cwd=cwd, check=True)
