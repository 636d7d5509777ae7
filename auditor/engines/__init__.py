"""Second opinions: run other engines (bandit, semgrep) over the files the scanner analysed and
merge their results into ours, per call site.

An engine returns :class:`Hit` s (one result: rule, file, lines, the kind of sink it is about).
:func:`merge` maps each hit onto the innermost finding of ours, in the same file, whose call
span contains the hit's line (bandit reports a call's first line or a line inside a multi-line
call; semgrep reports the call's start and end). The finding gains ``engine:rule`` in
``also_flagged_by``; a hit that no finding covers becomes an :class:`EngineOnly` entry.

An engine that cannot run raises :class:`EngineFailure`; :func:`run_engines` turns that (and any
crash) into one :class:`EngineError` and goes on: our own findings are never lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from auditor.findings import EngineError, EngineOnly, Finding

LIBCST = "libcst"
ENGINE_NAMES = (LIBCST, "bandit", "semgrep")


class EngineFailure(Exception):
    """The engine as a whole could not run: not installed, crashed, timed out. The message is
    one line, meant for the user."""


@dataclass(frozen=True, slots=True)
class Target:
    """A file to analyse: where it is, and the path our findings show for it."""

    path: str  # absolute
    shown: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One result of another engine, already mapped to the path our findings show."""

    engine: str
    rule: str
    path: str
    line: int
    end_line: int
    message: str
    column: int | None = None  # 1-based start column when the engine gives it
    kind: str | None = None  # "command" or "code": the kind of sink the rule is about
    sinks: frozenset[str] = frozenset()  # catalogue sinks the rule is about, when known

    @property
    def tag(self) -> str:
        return f"{self.engine}:{self.rule}"


@dataclass(slots=True)
class EngineResult:
    hits: list[Hit] = field(default_factory=list)
    errors: list[EngineError] = field(default_factory=list)  # per-file problems


class Engine(Protocol):
    name: str

    def run(self, targets: Sequence[Target]) -> EngineResult: ...


def parse_engines(text: str) -> list[str]:
    """``"libcst,bandit"`` -> ``["libcst", "bandit"]``. libcst (the scanner) always runs and
    comes first; unknown names raise ValueError with a one-line message."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINE_NAMES]
    if unknown:
        raise ValueError(f"unknown engine {unknown[0]!r} (choose from {', '.join(ENGINE_NAMES)})")
    out = [LIBCST]
    out.extend(n for n in ENGINE_NAMES if n in names and n != LIBCST)
    return out


def make_engine(name: str) -> Engine:
    if name == "bandit":
        from auditor.engines.bandit_engine import BanditEngine

        return BanditEngine()
    if name == "semgrep":
        from auditor.engines.semgrep_engine import SemgrepEngine

        return SemgrepEngine()
    raise ValueError(f"unknown engine {name!r}")


def run_engines(
    names: Iterable[str],
    targets: Sequence[Target],
    factory: Callable[[str], Engine] | None = None,
) -> tuple[list[Hit], list[EngineError]]:
    """Run each engine but libcst over ``targets``. A failing engine yields one EngineError
    and no hits; the others still run."""
    factory = factory or make_engine
    hits: list[Hit] = []
    errors: list[EngineError] = []
    for name in names:
        if name == LIBCST:
            continue
        try:
            result = factory(name).run(targets)
        except EngineFailure as exc:
            errors.append(EngineError(name, str(exc)))
            continue
        except Exception as exc:  # a crash inside the engine must not lose our findings
            reason = " ".join(str(exc).split()) or "no message"
            errors.append(EngineError(name, f"crashed: {type(exc).__name__}: {reason}"))
            continue
        hits.extend(result.hits)
        errors.extend(result.errors)
    return hits, errors


def _compatible(hit: Hit, finding: Finding) -> bool:
    return hit.kind is None or hit.kind == finding.kind


def _rank(hit: Hit, finding: Finding) -> tuple[bool, bool, int, int]:
    """Lower is better: same start, a sink the rule is about, then the smallest span."""
    same_start = finding.line == hit.line and (hit.column is None or finding.column == hit.column)
    about = not hit.sinks or finding.sink in hit.sinks
    lines = finding.end_line - finding.line
    width = finding.end_column - finding.column if lines == 0 else 10**6
    return (not same_start, not about, lines, width)


def cover(hit: Hit, findings: Sequence[Finding]) -> int | None:
    """Index of the finding that covers ``hit``, or None. ``findings`` are those of the
    hit's file."""
    best: tuple[tuple[bool, bool, int, int], int] | None = None
    for i, f in enumerate(findings):
        if not (f.line <= hit.line <= f.end_line) or not _compatible(hit, f):
            continue
        rank = (_rank(hit, f), i)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[1]


def merge(
    findings: Sequence[Finding], hits: Iterable[Hit]
) -> tuple[list[Finding], list[EngineOnly]]:
    """Findings with ``also_flagged_by`` filled in (same order), and the hits that no finding
    covers, sorted and without duplicates."""
    by_path: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        by_path.setdefault(f.path, []).append(i)
    tags: dict[int, set[str]] = {}
    only: set[EngineOnly] = set()
    for hit in hits:
        indexes = by_path.get(hit.path, [])
        found = cover(hit, [findings[i] for i in indexes])
        if found is None:
            only.add(
                EngineOnly(hit.engine, hit.rule, hit.path, hit.line, hit.end_line, hit.message)
            )
        else:
            tags.setdefault(indexes[found], set()).add(hit.tag)
    merged = [
        dataclasses.replace(f, also_flagged_by=tuple(sorted({*f.also_flagged_by, *tags[i]})))
        if i in tags
        else f
        for i, f in enumerate(findings)
    ]
    return merged, sorted(only, key=EngineOnly.sort_key)
