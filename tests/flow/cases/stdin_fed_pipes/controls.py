"""What looks like feeding a shell but is not: another process's pipe, print to stderr, a
program that reads its input as data, os.popen in read mode."""

import os
import subprocess
import sys


def logged(message: str) -> None:
    shell = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
    copier = subprocess.Popen(["cat"], stdin=subprocess.PIPE, text=True)
    other = copier.stdin
    other.write(message)
    print(message, file=sys.stderr)
    print(message, file=copier.stdin)
    os.write(copier.stdin.fileno(), message.encode())
    shell.stdin.write("true\n")


def sorted_text(text: str) -> None:
    sorter = os.popen("sort", "w")
    sorter.write(text)


def listing() -> str:
    return os.popen("sh").read()
