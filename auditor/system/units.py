"""A parser for systemd unit files and drop-ins (systemd.syntax(7)).

Sections ``[Name]``, ``Key=Value`` assignments, ``#``/``;`` comments and ``\\`` continuation
lines. Drop-ins (``NAME.d/*.conf``) are merged into their unit in lexical order, as systemd
does. Lines systemd ignores (not ``Key=Value``, such as a stray ``EOF`` left by a heredoc;
an assignment before any section) and malformed section headers (systemd refuses the unit)
are kept on the file as :class:`Ignored` lines, for the checks to report; the rest of the
file is still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor.findings import ScanError
from auditor.system.discovery import is_dropin, is_unit_file
from auditor.system.reading import read_config_text

_SECTION_RE = re.compile(r"^\[([^\[\]]+)\]\s*$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_BAD_SECTION = "\0malformed"


@dataclass(frozen=True, slots=True)
class Directive:
    path: str
    line: int
    section: str
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    path: str
    line: int
    name: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A line systemd does not read as written: ``refused`` when systemd rejects the whole
    unit for it (a malformed section header), else it logs and skips the line."""

    path: str
    line: int
    text: str
    why: str
    refused: bool = False


@dataclass(slots=True)
class UnitFile:
    """One file: a unit or a drop-in."""

    path: str
    directives: list[Directive] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


@dataclass(slots=True)
class Unit:
    """A unit with its drop-ins. ``base`` is None when only drop-ins were given."""

    name: str
    base: UnitFile | None = None
    dropins: list[UnitFile] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.name.rsplit(".", 1)[-1] if "." in self.name else ""

    @property
    def files(self) -> list[UnitFile]:
        return ([self.base] if self.base else []) + self.dropins

    @property
    def directives(self) -> list[Directive]:
        return [d for f in self.files for d in f.directives]

    @property
    def sections(self) -> list[Section]:
        return [s for f in self.files for s in f.sections]

    def get(self, section: str, key: str) -> Directive | None:
        """The effective assignment (the last one; an empty value resets to unset)."""
        found: Directive | None = None
        for d in self.directives:
            if d.section == section and d.key == key:
                found = d if d.value.strip() else None
        return found

    def section_line(self, name: str) -> tuple[str, int]:
        for s in self.sections:
            if s.name == name:
                return s.path, s.line
        first = self.files[0]
        return first.path, 1


def parse_unit_text(text: str, display: str, errors: list[ScanError]) -> UnitFile:
    unit = UnitFile(display)
    section: str | None = None
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending:
            start = number
            if not line or line[0] in "#;":
                continue
        elif line[:1] in "#;":
            continue  # comment lines inside a continuation are skipped, as systemd does
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        logical = " ".join(p for p in pending if p)
        pending = []
        if logical.startswith("["):
            match = _SECTION_RE.match(logical)
            # after a malformed header, its directives are skipped (the error says so)
            section = match.group(1) if match else _BAD_SECTION
        if section != _BAD_SECTION or logical.startswith("["):
            _statement(unit, logical, start, section, errors)
    if pending:  # a continuation at the end of the file: systemd reads the line as it is
        _statement(unit, " ".join(p for p in pending if p), start, section, errors)
    return unit


def _statement(
    unit: UnitFile, logical: str, line: int, section: str | None, errors: list[ScanError]
) -> None:
    match = _SECTION_RE.match(logical)
    if match:
        unit.sections.append(Section(unit.path, line, match.group(1)))
        return
    if logical.startswith("["):
        why = "invalid section header: systemd refuses to load the unit"
        unit.ignored.append(Ignored(unit.path, line, logical, why, refused=True))
        return
    key, eq, value = logical.partition("=")
    key = key.strip()
    if section is None:
        why = "an assignment before any [Section]: systemd logs it and ignores the line"
        unit.ignored.append(Ignored(unit.path, line, logical, why))
        return
    if not eq or not _KEY_RE.match(key):
        why = "not Key=Value (a stray heredoc EOF?): systemd logs \"Missing '='\" and ignores it"
        unit.ignored.append(Ignored(unit.path, line, logical, why))
        return
    unit.directives.append(Directive(unit.path, line, section, key, value.strip()))


def unit_files_under(root: Path) -> list[Path]:
    """Unit files and drop-ins under ``root`` (a file is returned as is)."""
    if root.is_file():
        return [root]
    found = [p for p in root.rglob("*") if p.is_file() and (is_unit_file(p) or is_dropin(p))]
    return sorted(found)


def load_units(paths: list[Path], display: dict[Path, str], errors: list[ScanError]) -> list[Unit]:
    """Parse ``paths`` (unit files and drop-ins) into units, drop-ins merged in lexical order
    of their file names."""
    units: dict[str, Unit] = {}
    dropins: list[tuple[str, str, UnitFile]] = []
    for path in paths:
        shown = display.get(path, path.as_posix())
        text = read_config_text(path, shown, errors, "systemd")
        if text is None:
            continue
        parsed = parse_unit_text(text, shown, errors)
        if is_dropin(path):
            owner = path.parent.name[: -len(".d")]
            dropins.append((owner, path.name, parsed))
        else:
            unit = units.setdefault(path.name, Unit(path.name))
            if unit.base is None:
                unit.base = parsed
            else:  # the same unit name in two folders: keep both, as separate units
                units[shown] = Unit(path.name, parsed)
    for owner, _name, parsed in sorted(dropins, key=lambda item: (item[0], item[1])):
        units.setdefault(owner, Unit(owner)).dropins.append(parsed)
    return list(units.values())
