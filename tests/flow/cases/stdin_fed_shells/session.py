"""A persistent shell, as agents keep one: started once with nothing to run, fed each command
on its standard input by another method."""

import subprocess


def split_commands(code: str) -> list[str]:
    return [part.strip() for part in code.split("\n") if part.strip()]


class ShellSession:
    def __init__(self) -> None:
        self._init()

    def _init(self) -> None:
        self.process = subprocess.Popen(
            ["bash"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.run("export PAGER=")

    def run(self, code: str) -> None:
        for cmd in split_commands(code):
            self._run(cmd)

    def _run(self, command: str) -> None:
        assert self.process.stdin
        full_command = f"{command}\n"
        full_command += "echo ReturnCode:$?\n"
        self.process.stdin.write(full_command)
        self.process.stdin.flush()

    def restart(self) -> None:
        self.process.kill()
        self._init()


def get_shell() -> ShellSession:
    return ShellSession()
