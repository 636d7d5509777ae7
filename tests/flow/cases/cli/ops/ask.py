"""Interactive helpers."""

import os
import sys


def delete_branch() -> None:
    name = input("Branch to delete: ")
    os.system(f"git branch -D {name}")


def run_snippet() -> None:
    exec(sys.stdin.read())
