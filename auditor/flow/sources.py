"""The source catalogue (``rules/sources.toml``, plus the policy's ``[[tool.auditor.sources]]``):
which objects, calls, decorators, base classes and parameters a payload's *origin* comes from,
which calls sanitize it and which carry nothing of their arguments."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.rules_files import read_rule_file

ORIGINS = (
    "remote-input",
    "llm-output",
    "user-input",
    "file",
    "environment",
    "parameter",
    "internal",
)
# how dangerous an origin is: higher is worse
RANK = {origin: len(ORIGINS) - i for i, origin in enumerate(ORIGINS)}

# table -> the keys its entries may hold (besides `report`, the examples)
_TABLES: dict[str, frozenset[str]] = {
    "object": frozenset({"names", "origin", "note"}),
    "call": frozenset({"names", "origin", "note"}),
    "decorator": frozenset({"names", "origin", "note"}),
    "parameter_default": frozenset({"names", "origin", "note"}),
    "route_heuristic": frozenset({"verbs", "receivers", "origin", "note"}),
    "base_class": frozenset({"names", "methods", "skip", "origin", "note"}),
    "request_parameter": frozenset({"names", "annotations", "frameworks", "origin", "note"}),
    "method_heuristic": frozenset({"methods", "receiver", "origin", "note"}),
    "sanitizer": frozenset({"names", "note"}),
    "clean": frozenset({"names"}),
}
# what a policy's [[tool.auditor.sources]] entry may say: its kind names the table
POLICY_KINDS = ("object", "call", "decorator", "sanitizer", "clean")


class SourceError(ValueError):
    """A malformed source entry; the message is one line naming the entry and the key."""


@dataclass(frozen=True, slots=True)
class Source:
    """What one entry says: the origin and a few words for the reader."""

    origin: str
    note: str


class _Patterns:
    """Dotted names and fnmatch patterns (``*`` spans dots), mapped to a value."""

    def __init__(self) -> None:
        self.exact: dict[str, Source] = {}
        self.globs: list[tuple[re.Pattern[str], Source]] = []

    def add(self, names: Iterable[str], value: Source) -> None:
        for name in names:
            if any(c in name for c in "*?["):
                self.globs.append((re.compile(fnmatch.translate(name)), value))
            else:
                self.exact.setdefault(name, value)

    def get(self, name: str) -> Source | None:
        hit = self.exact.get(name)
        if hit is not None:
            return hit
        for pattern, value in self.globs:
            if pattern.match(name):
                return value
        return None


@dataclass(frozen=True, slots=True)
class BaseClassEntry:
    patterns: _Patterns
    methods: frozenset[str]
    skip: frozenset[str]
    source: Source


@dataclass(frozen=True, slots=True)
class RequestParameter:
    names: frozenset[str]
    annotations: _Patterns
    frameworks: frozenset[str]
    source: Source


@dataclass(frozen=True, slots=True)
class MethodHeuristic:
    methods: frozenset[str]
    receiver: re.Pattern[str]
    source: Source


@dataclass(slots=True)
class SourceCatalogue:
    objects: _Patterns = field(default_factory=_Patterns)
    calls: _Patterns = field(default_factory=_Patterns)
    decorators: _Patterns = field(default_factory=_Patterns)
    defaults: _Patterns = field(default_factory=_Patterns)
    sanitizers: _Patterns = field(default_factory=_Patterns)
    clean: _Patterns = field(default_factory=_Patterns)
    route_verbs: frozenset[str] = frozenset()
    route_receivers: frozenset[str] = frozenset()
    route_source: Source | None = None
    base_classes: list[BaseClassEntry] = field(default_factory=list)
    request_parameters: list[RequestParameter] = field(default_factory=list)
    methods: list[MethodHeuristic] = field(default_factory=list)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (where, origin, code)

    # -- lookups -----------------------------------------------------------------------
    def object_source(self, qualname: str) -> Source | None:
        """The source ``qualname`` is, or is an attribute of (``flask.request.json``)."""
        name = qualname
        while True:
            hit = self.objects.get(name)
            if hit is not None:
                return hit
            if "." not in name:
                return None
            name = name.rsplit(".", 1)[0]

    def call_source(self, qualname: str) -> Source | None:
        return self.calls.get(qualname)

    def decorator_source(self, qualname: str | None, verb: str, receiver: str) -> Source | None:
        """The source a decorated function's parameters are: by the decorator's resolved
        name, else by the route heuristic (``@app.get(...)`` with ``app`` from elsewhere)."""
        if qualname is not None:
            hit = self.decorators.get(qualname)
            if hit is not None:
                return hit
        if (
            self.route_source is not None
            and verb in self.route_verbs
            and receiver.rsplit(".", 1)[-1] in self.route_receivers
        ):
            return self.route_source
        return None

    def method_source(self, method: str, receiver: str) -> Source | None:
        for heuristic in self.methods:
            if method in heuristic.methods and heuristic.receiver.search(receiver):
                return heuristic.source
        return None

    def default_source(self, qualname: str) -> Source | None:
        """The source a parameter is when its default is a call of ``qualname``."""
        return self.defaults.get(qualname)

    def sanitizer(self, qualname: str) -> Source | None:
        return self.sanitizers.get(qualname)

    def is_clean(self, qualname: str) -> bool:
        return self.clean.get(qualname) is not None


def _strings(where: str, key: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"{where}: {key!r} must be a string or a list of strings")
    return list(value)


def _source(where: str, entry: Mapping[str, Any], needs_origin: bool = True) -> Source:
    origin = entry.get("origin", "")
    if needs_origin and origin not in ORIGINS:
        raise SourceError(f"{where}: 'origin' must be one of {', '.join(ORIGINS)}")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise SourceError(f"{where}: 'note' must be a string")
    return Source(str(origin), note)


_PATTERN_TABLES = {
    "object": lambda c: c.objects,
    "call": lambda c: c.calls,
    "decorator": lambda c: c.decorators,
    "parameter_default": lambda c: c.defaults,
    "sanitizer": lambda c: c.sanitizers,
    "clean": lambda c: c.clean,
}


def add_entry(catalogue: SourceCatalogue, table: str, entry: Mapping[str, Any], where: str) -> None:
    """Add one entry of ``table`` to ``catalogue``, validating every key."""
    allowed = _TABLES[table] | {"report"}
    for key in entry:
        if key not in allowed:
            raise SourceError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")
    if table in ("object", "call", "decorator", "parameter_default", "sanitizer", "clean"):
        names = _strings(where, "names", entry.get("names", []))
        if not names:
            raise SourceError(f"{where}: 'names' is missing or empty")
        source = _source(where, entry, needs_origin=table not in ("sanitizer", "clean"))
        _PATTERN_TABLES[table](catalogue).add(names, source)
    elif table == "route_heuristic":
        catalogue.route_verbs = frozenset(_strings(where, "verbs", entry.get("verbs", [])))
        catalogue.route_receivers = frozenset(
            _strings(where, "receivers", entry.get("receivers", []))
        )
        catalogue.route_source = _source(where, entry)
    elif table == "base_class":
        patterns = _Patterns()
        source = _source(where, entry)
        patterns.add(_strings(where, "names", entry.get("names", [])), source)
        catalogue.base_classes.append(
            BaseClassEntry(
                patterns,
                frozenset(_strings(where, "methods", entry.get("methods", []))),
                frozenset(_strings(where, "skip", entry.get("skip", ["self"]))),
                source,
            )
        )
    elif table == "request_parameter":
        source = _source(where, entry)
        annotations = _Patterns()
        annotations.add(_strings(where, "annotations", entry.get("annotations", [])), source)
        catalogue.request_parameters.append(
            RequestParameter(
                frozenset(_strings(where, "names", entry.get("names", []))),
                annotations,
                frozenset(_strings(where, "frameworks", entry.get("frameworks", []))),
                source,
            )
        )
    elif table == "method_heuristic":
        receiver = entry.get("receiver", "")
        if not isinstance(receiver, str) or not receiver:
            raise SourceError(f"{where}: 'receiver' must be a regular expression")
        try:
            compiled = re.compile(receiver)
        except re.error as exc:
            raise SourceError(f"{where}: 'receiver' is not a regular expression: {exc}") from None
        catalogue.methods.append(
            MethodHeuristic(
                frozenset(_strings(where, "methods", entry.get("methods", []))),
                compiled,
                _source(where, entry),
            )
        )
    origin = str(entry.get("origin", ""))
    for code in _strings(where, "report", entry.get("report", [])):
        catalogue.examples.append((where, origin, code))


def build(extra: Sequence[Mapping[str, Any]] = (), where: str = "policy") -> SourceCatalogue:
    """The built-in catalogue plus the policy's ``[[tool.auditor.sources]]`` entries."""
    catalogue = SourceCatalogue()
    data = tomllib.loads(read_rule_file("sources.toml"))
    if tuple(data.get("origins", ())) != ORIGINS:
        raise SourceError("rules/sources.toml: 'origins' must list " + ", ".join(ORIGINS))
    for table in _TABLES:
        for i, entry in enumerate(data.get(table, [])):
            add_entry(catalogue, table, entry, f"rules/sources.toml: {table} #{i + 1}")
    unknown = set(data) - set(_TABLES) - {"origins", "near_sources"}
    if unknown:
        raise SourceError(f"rules/sources.toml: unknown table {sorted(unknown)[0]!r}")
    for i, entry in enumerate(extra):
        label = f"{where}: sources #{i + 1}"
        kind = entry.get("kind")
        if kind not in POLICY_KINDS:
            raise SourceError(f"{label}: 'kind' must be one of {', '.join(POLICY_KINDS)}")
        add_entry(catalogue, str(kind), {k: v for k, v in entry.items() if k != "kind"}, label)
    return catalogue


@cache
def builtin() -> SourceCatalogue:
    return build()


@cache
def origin_words(origins: tuple[str, ...]) -> str:
    """The key of ``[near_sources]`` that lists extra words for these origins."""
    return "user_words" if origins == ("user-input",) else "words"


@cache
def near_words(origins: tuple[str, ...]) -> re.Pattern[str]:
    """A text check for the files where request data, model output or user input may enter
    the program: an import of those sources' packages (flask, fastapi, openai, argparse...),
    the words of ``[near_sources]`` (``argv``, ``input(``, model-like names), and
    ``@app.``-style route decorators. Sources of those origins that nearly every module
    imports (``sys``, HTTP clients) count only by their attribute (``argv``)."""
    data = tomllib.loads(read_rule_file("sources.toml"))
    generic = set(data.get("near_sources", {}).get("generic_roots", []))
    words: set[str] = set()
    for table in ("object", "call", "decorator", "base_class"):
        for entry in data.get(table, []):
            if entry.get("origin") not in origins:
                continue
            for name in entry.get("names", []):
                parts = re.split(r"[.*?\[(]", name)
                word = parts[0]
                if word in generic:  # sys.argv counts by argv; an HTTP client not at all
                    word = parts[1] if table == "object" and len(parts) > 1 else ""
                if word and word not in generic and word != "builtins":
                    words.add(word)
    receivers: set[str] = set()
    for entry in data.get("route_heuristic", []):
        receivers.update(entry.get("receivers", []))
    roots = "|".join(sorted(map(re.escape, {w for w in words if w.isidentifier()})))
    plain = "|".join(
        sorted(re.escape(w.removesuffix("(")) + (r"\s*\(" if w.endswith("(") else r"\b")
               for w in data.get("near_sources", {}).get(origin_words(origins), []))
    ) or "(?!)"  # fmt: skip
    if "remote-input" not in origins:
        receivers = set()
    decorators = "|".join(sorted(map(re.escape, receivers))) or "(?!)"
    return re.compile(
        rf"\b(?:import|from)[ \t]+(?:{roots})|\b(?:{plain})|@[ \t]*(?:{decorators})\."
    )
