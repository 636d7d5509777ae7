"""Remove build leftovers given as arguments."""

import subprocess
import sys


def clean(paths: list[str]) -> None:
    for path in paths:
        subprocess.run("rm -rf " + path, shell=True, check=True)


if __name__ == "__main__":
    clean(sys.argv[1:])
