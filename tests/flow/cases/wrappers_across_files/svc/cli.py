"""The same helper, from the command line."""

import sys

from svc.tools.shell import run_cmd

if __name__ == "__main__":
    print(run_cmd(" ".join(sys.argv[1:])))
