"""Validated maintenance script: trusted by the policy (scripts/canonical/**)."""

from __future__ import annotations

import subprocess
import sys


def main(index: str) -> int:
    return subprocess.call(f"python3 -m app.reindex --index {index}", shell=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
