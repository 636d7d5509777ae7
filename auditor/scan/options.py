"""Scan options that change findings (and so take part in the cache key)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    honor_nosec: bool = False
    prefilter: bool = True  # skip the libcst parse of files that cannot hold a finding

    def key(self) -> str:
        return f"nosec={int(self.honor_nosec)}"
