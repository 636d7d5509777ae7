"""Persistent shells kept on an instance: the pipe, or its file descriptor, held in an
attribute or a variable of another method than the one that starts the shell."""

import os
import subprocess


class PrintingShell:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
        self.pipe = self.proc.stdin

    def send(self, command: str) -> None:
        print(command, file=self.pipe, flush=True)


class RawShell:
    def __init__(self) -> None:
        self.process = subprocess.Popen(["sh"], stdin=subprocess.PIPE)

    def send(self, data: bytes) -> None:
        fd = self.process.stdin.fileno()
        os.write(fd, data)


class PopenShell:
    def __init__(self) -> None:
        self.shell = os.popen("bash", "w")

    def send(self, command: str) -> None:
        self.shell.write(command + "\n")
