"""A library's shell wrapper: its method is called by code outside the scan."""

import subprocess
import sys


class Interpreter:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable], stdin=subprocess.PIPE, text=True)

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
