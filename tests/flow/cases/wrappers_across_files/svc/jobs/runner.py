import subprocess


class Runner:
    def __init__(self, workdir: str) -> None:
        self.workdir = workdir

    def execute(self, command: str) -> None:
        self._spawn(command)

    def _spawn(self, command: str) -> None:
        subprocess.Popen(command, shell=True, cwd=self.workdir)
