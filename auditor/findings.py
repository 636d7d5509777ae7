"""The findings document: the public JSON contract (``schema: auditor/findings/v1``).

Changes to this module must be additive: later tools, CI scripts and users parse it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA = "auditor/findings/v1"

Risk = Literal["high", "medium", "low"]
Action = Literal["isolate", "convert", "allow", "review"]
PayloadClass = Literal["constant", "fixed-program", "dynamic"]
RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One call site that runs a shell, a process or interpreter code."""

    rule: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    sink: str
    kind: str
    shell: bool | None
    payload: str
    isolated: bool
    trusted_by: str | None
    risk: str
    action: str
    function: str
    snippet: str
    message: str
    fingerprint: str
    suppressed: bool = False
    # additive fields (not in the first sketch of the schema)
    category: str = ""
    cwe: int = 0
    suppression_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file that could not be analysed, with a one-line reason."""

    path: str
    message: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(slots=True)
class FileResult:
    """What the analysis of one file yields. ``parsed``: it went through libcst."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    parsed: bool = False


@dataclass(slots=True)
class Stats:
    files: int = 0
    parsed: int = 0
    seconds: float = 0.0
    cached: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "parsed": self.parsed,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
        self.errors.sort(key=lambda e: (e.path, e.line or 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
            "stats": self.stats.to_json(),
        }
