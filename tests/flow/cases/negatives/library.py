"""A library entry point: nothing in the scanned code calls it."""

import os


def run(command: str) -> int:
    return os.system(command)
