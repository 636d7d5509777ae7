"""``/proc/self/mountinfo`` parsing, shared by cgroup discovery and the launcher's read-only
pass over kernel filesystems."""

from __future__ import annotations

import re
from typing import NamedTuple

_ESCAPE = re.compile(r"\\([0-7]{3})")


class Mount(NamedTuple):
    fstype: str
    mountpoint: str  # unescaped
    root: str  # the mount's root within its filesystem
    options: frozenset[str]  # super options


def parse(text: str) -> list[Mount]:
    """Every well-formed line of mountinfo ``text`` (see proc(5))."""
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        rfields = right.split()
        if not sep or len(fields) < 5 or len(rfields) < 3:
            continue
        out.append(
            Mount(rfields[0], unescape(fields[4]), fields[3], frozenset(rfields[2].split(",")))
        )
    return out


def unescape(path: str) -> str:
    """mountinfo writes space, tab, newline and backslash as ``\\ooo`` (octal)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), path)
