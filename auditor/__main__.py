import os
import sys

# `python -m auditor` puts the working directory first on sys.path; a sandbox payload may write
# that directory (standard profile), so a module it planted there would be imported by this
# process later (as the caller, root perhaps).  Drop it before anything else is imported, as
# PYTHONSAFEPATH / `python -P` do.
try:
    _cwd = os.getcwd()
except OSError:  # removed
    _cwd = ""
if sys.path and sys.path[0] in ("", _cwd):
    del sys.path[0]

from auditor.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
