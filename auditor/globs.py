"""Path globs, as the policy's trusted paths and the scan's include/exclude filters use them:
``**`` spans folders, ``*`` and ``?`` stay within one, and a pattern without ``/`` matches any
path component (as .gitignore does)."""

from __future__ import annotations

import re
from functools import cache


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob where ``**`` spans folders and ``*`` stays within one."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(path: str, pattern: str) -> bool:
    """Match a POSIX relative path against a glob; a pattern without ``/`` matches any
    path component suffix, as .gitignore does."""
    regex = _glob_regex(pattern.rstrip("/"))
    if regex.match(path):
        return True
    if "/" not in pattern.rstrip("/"):
        return any(regex.match(part) for part in path.split("/"))
    return bool(pattern.endswith("/") and regex.match(path.rsplit("/", 1)[0]))
