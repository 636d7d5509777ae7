"""The source catalogue (``rules/sources.toml``, plus the policy's ``[[tool.auditor.sources]]``):
which objects, calls, decorators, base classes and parameters a payload's *origin* comes from,
which calls sanitize it and which carry nothing of their arguments."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from auditor.rules_files import rule_table

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
    "decorator": frozenset({"names", "origin", "note", "validates"}),
    "parameter_default": frozenset({"names", "origin", "note"}),
    "route_heuristic": frozenset({"verbs", "receivers", "origin", "note"}),
    "base_class": frozenset({"names", "methods", "skip", "attributes", "calls", "origin", "note"}),
    "request_parameter": frozenset({"names", "annotations", "frameworks", "origin", "note"}),
    "method_heuristic": frozenset({"methods", "receiver", "classes", "origin", "note"}),
    "request_attribute": frozenset({"names", "attributes", "origin", "note"}),
    "handler": frozenset({"functions", "params", "origin", "note"}),
    "registration": frozenset({"names", "position", "keywords", "origin", "note"}),
    "registry": frozenset({"names", "origin", "note"}),
    "sanitizer": frozenset({"names", "note", "quotes"}),
    "clean": frozenset({"names"}),
    "model": frozenset({"names"}),
    "message_class": frozenset({"names", "origin", "note"}),
    "field": frozenset({"names"}),
    "copy": frozenset({"names"}),
    "build": frozenset(
        {"names", "methods", "on", "position", "keywords", "class_position", "class_keywords"}
    ),
}
# what a policy's [[tool.auditor.sources]] entry may say: its kind names the table
POLICY_KINDS = ("object", "call", "decorator", "sanitizer", "clean")


class SourceError(ValueError):
    """A malformed source entry; the message is one line naming the entry and the key."""


@dataclass(frozen=True, slots=True)
class Source:
    """What one entry says: the origin and a few words for the reader; ``validates``: the
    framework converts (or refuses) a parameter by its annotation (FastAPI's ``n: int``), so
    a scalar annotation is a sanitizer (a decorator's entry only: Flask, Celery and most
    others pass the string as it came)."""

    origin: str
    note: str
    validates: bool = False


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


def names_method(methods: Iterable[str], name: str) -> bool:
    """Whether a base-class entry's ``methods`` name the method ``name``: by name, by an
    fnmatch pattern (``validate_*``: a DRF serializer's per-field hooks; cmd.Cmd's
    ``do_*``: the command loop looks them up by the name the user types), or ``"*"`` for
    every public method (a toolkit whose methods are the model's tools)."""
    if name in methods or ("*" in methods and not name.startswith("_")):
        return True
    return any(
        m != "*" and any(c in m for c in "*?[") and fnmatch.fnmatchcase(name, m) for m in methods
    )


@dataclass(frozen=True, slots=True)
class BaseClassEntry:
    patterns: _Patterns
    methods: frozenset[str]  # "*": every public method
    skip: frozenset[str]
    source: Source
    # the instance attributes the framework sets before it calls a method (a Django
    # view's ``self.request``, ``self.kwargs``): the source too, wherever they are read
    attributes: frozenset[str] = frozenset()
    # the base's methods that read the request, called on ``self`` (Tornado's
    # ``self.get_argument("c")``): what they return is the source
    calls: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RequestParameter:
    names: frozenset[str]
    annotations: _Patterns
    frameworks: frozenset[str]
    source: Source


@dataclass(frozen=True, slots=True)
class MethodHeuristic:
    """``receiver``: the receiver as written (``self.llm``); ``classes``: the class the
    receiver is an instance of, by its annotation or constructor, its name in snake case
    (``BaseLanguageModel`` -> ``base_language_model``), or None (not checked)."""

    methods: frozenset[str]
    receiver: re.Pattern[str]
    source: Source
    classes: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Builder:
    """A call that builds an instance of a project class from a mapping (or the JSON text) of
    its fields (``Job.model_validate(data)``, ``dacite.from_dict(Job, data)``,
    ``job.model_copy(update=data)``): as ``Job(**data)``. ``on``: "class" (a method called on
    the class), "instance" (on an instance: the copy's class), "function" (``names``, the
    class at ``class_position``/``class_keywords``). ``position``/``keywords``: where the
    data is (-1: by keyword only)."""

    on: str
    names: _Patterns
    methods: frozenset[str]
    position: int
    keywords: frozenset[str]
    class_position: int = -1
    class_keywords: frozenset[str] = frozenset()


@dataclass(slots=True)
class SourceCatalogue:
    objects: _Patterns = field(default_factory=_Patterns)
    calls: _Patterns = field(default_factory=_Patterns)
    decorators: _Patterns = field(default_factory=_Patterns)
    defaults: _Patterns = field(default_factory=_Patterns)
    sanitizers: _Patterns = field(default_factory=_Patterns)
    clean: _Patterns = field(default_factory=_Patterns)
    # base classes and class decorators whose fields are converted to their annotated type
    # when an instance is made (pydantic): ``level: int`` there is an int() conversion
    models: _Patterns = field(default_factory=_Patterns)
    # calls that declare a field in a class body without an annotation (``cmd = attr.ib()``)
    fields: _Patterns = field(default_factory=_Patterns)
    # calls that copy an instance with the fields given by keyword changed
    # (``dataclasses.replace(job, cmd=x)``): its class built with those keywords
    copies: _Patterns = field(default_factory=_Patterns)
    # calls that build an instance of a project class from a mapping of its fields
    builders: list[Builder] = field(default_factory=list)
    # (verbs, receivers, source) of each route heuristic entry
    routes: list[tuple[frozenset[str], frozenset[str], Source]] = field(default_factory=list)
    base_classes: list[BaseClassEntry] = field(default_factory=list)
    request_parameters: list[RequestParameter] = field(default_factory=list)
    methods: list[MethodHeuristic] = field(default_factory=list)
    # parameter name -> (attributes through which it is the request, source)
    request_attributes: dict[str, tuple[frozenset[str], Source]] = field(default_factory=dict)
    # function name -> (parameters that are the source, source)
    handlers: dict[str, tuple[frozenset[str], Source]] = field(default_factory=dict)
    # calls that register a function handed to them as a tool: (names, position of the
    # function among the positional arguments, keywords that may hold it, source)
    registrations: list[tuple[_Patterns, int, frozenset[str], Source]] = field(default_factory=list)
    # mappings whose items are registered views (Flask's ``app.view_functions``)
    registries: _Patterns = field(default_factory=_Patterns)
    # classes whose instances the model fills in (a langroid ToolMessage): the fields of an
    # instance of one of their subclasses are the source, wherever they are read
    messages: _Patterns = field(default_factory=_Patterns)
    # the top-level packages of ``messages`` (a file importing none cannot hold one)
    message_roots: set[str] = field(default_factory=set)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (where, origin, code)
    # sanitizers that quote for a shell (``quotes = true``): they protect only a hole that
    # stands outside quotes where no command or code is read (auditor.judge.shellwords)
    quoting: set[str] = field(default_factory=set)
    # a model's configuration setting that makes it convert a field assigned after the
    # instance is made, and the class-body names that hold its configuration
    # (rules/sources.toml's [model_assignment])
    assignment_setting: str = ""
    config_names: frozenset[str] = frozenset()

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
        for verbs, receivers, source in self.routes:
            if verb in verbs and receiver.rsplit(".", 1)[-1] in receivers:
                return source
        return None

    def method_source(self, method: str, receiver: str, cls: str = "") -> Source | None:
        """The source a call of ``method`` is, on a receiver written ``receiver`` and known
        to be an instance of class ``cls`` (its name in snake case, "" when not known)."""
        for heuristic in self.methods:
            if method not in heuristic.methods:
                continue
            if heuristic.receiver.search(receiver) or (
                cls and heuristic.classes is not None and heuristic.classes.search(cls)
            ):
                return heuristic.source
        return None

    def default_source(self, qualname: str) -> Source | None:
        """The source a parameter is when its default is a call of ``qualname``."""
        return self.defaults.get(qualname)

    def registration(self, qualname: str) -> list[tuple[int, frozenset[str], Source]]:
        """Where a call of ``qualname`` takes the function it registers as a tool: every
        entry that names it (one API may take it at two positions: pika's
        ``basic_consume(callback, queue)`` before 1.0, ``basic_consume(queue, callback)``
        since)."""
        return [
            (position, keywords, source)
            for patterns, position, keywords, source in self.registrations
            if patterns.get(qualname) is not None
        ]

    def registry(self, qualname: str) -> Source | None:
        """The source of the functions put in the mapping ``qualname`` (a view registry)."""
        return self.registries.get(qualname)

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


def _regex(where: str, key: str, value: object) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise SourceError(f"{where}: {key!r} must be a regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise SourceError(f"{where}: {key!r} is not a regular expression: {exc}") from None


def _source(where: str, entry: Mapping[str, Any], needs_origin: bool = True) -> Source:
    origin = entry.get("origin", "")
    if needs_origin and origin not in ORIGINS:
        raise SourceError(f"{where}: 'origin' must be one of {', '.join(ORIGINS)}")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise SourceError(f"{where}: 'note' must be a string")
    validates = entry.get("validates", False)
    if not isinstance(validates, bool):
        raise SourceError(f"{where}: 'validates' must be true or false")
    return Source(str(origin), note, validates)


_PATTERN_TABLES = {
    "object": lambda c: c.objects,
    "call": lambda c: c.calls,
    "decorator": lambda c: c.decorators,
    "parameter_default": lambda c: c.defaults,
    "sanitizer": lambda c: c.sanitizers,
    "clean": lambda c: c.clean,
    "model": lambda c: c.models,
    "registry": lambda c: c.registries,
    "field": lambda c: c.fields,
    "copy": lambda c: c.copies,
}


def add_entry(catalogue: SourceCatalogue, table: str, entry: Mapping[str, Any], where: str) -> None:
    """Add one entry of ``table`` to ``catalogue``, validating every key."""
    allowed = _TABLES[table] | {"report"}
    for key in entry:
        if key not in allowed:
            raise SourceError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")
    if table in _PATTERN_TABLES:
        names = _strings(where, "names", entry.get("names", []))
        if not names:
            raise SourceError(f"{where}: 'names' is missing or empty")
        plain = table in ("sanitizer", "clean", "model", "field", "copy")
        source = _source(where, entry, needs_origin=not plain)
        _PATTERN_TABLES[table](catalogue).add(names, source)
        quotes = entry.get("quotes", False)
        if not isinstance(quotes, bool):
            raise SourceError(f"{where}: 'quotes' must be true or false")
        if quotes:
            catalogue.quoting.update(names)
    elif table == "route_heuristic":
        catalogue.routes.append(
            (
                frozenset(_strings(where, "verbs", entry.get("verbs", []))),
                frozenset(_strings(where, "receivers", entry.get("receivers", []))),
                _source(where, entry),
            )
        )
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
                frozenset(_strings(where, "attributes", entry.get("attributes", []))),
                frozenset(_strings(where, "calls", entry.get("calls", []))),
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
    elif table == "message_class":
        names = _strings(where, "names", entry.get("names", []))
        if not names:
            raise SourceError(f"{where}: 'names' is missing or empty")
        catalogue.messages.add(names, _source(where, entry))
        catalogue.message_roots.update(name.split(".")[0] for name in names)
    elif table == "request_attribute":
        source = _source(where, entry)
        attributes = frozenset(_strings(where, "attributes", entry.get("attributes", [])))
        for name in _strings(where, "names", entry.get("names", [])):
            catalogue.request_attributes[name] = (attributes, source)
    elif table == "registration":
        source = _source(where, entry)
        patterns = _Patterns()
        names = _strings(where, "names", entry.get("names", []))
        if not names:
            raise SourceError(f"{where}: 'names' is missing or empty")
        patterns.add(names, source)
        position = entry.get("position", 0)
        if not isinstance(position, int) or isinstance(position, bool) or position < -1:
            raise SourceError(f"{where}: 'position' must be a number from 0, or -1 (keyword only)")
        keywords = frozenset(_strings(where, "keywords", entry.get("keywords", [])))
        catalogue.registrations.append((patterns, position, keywords, source))
    elif table == "build":
        catalogue.builders.append(_builder(where, entry))
    elif table == "handler":
        source = _source(where, entry)
        params = frozenset(_strings(where, "params", entry.get("params", [])))
        for name in _strings(where, "functions", entry.get("functions", [])):
            catalogue.handlers[name] = (params, source)
    elif table == "method_heuristic":
        compiled = _regex(where, "receiver", entry.get("receiver", ""))
        classes = entry.get("classes")
        catalogue.methods.append(
            MethodHeuristic(
                frozenset(_strings(where, "methods", entry.get("methods", []))),
                compiled,
                _source(where, entry),
                None if classes is None else _regex(where, "classes", classes),
            )
        )
    origin = str(entry.get("origin", ""))
    for code in _strings(where, "report", entry.get("report", [])):
        catalogue.examples.append((where, origin, code))


def _position(where: str, entry: Mapping[str, Any], key: str) -> int:
    value = entry.get(key, -1)
    if not isinstance(value, int) or isinstance(value, bool) or value < -1:
        raise SourceError(f"{where}: {key!r} must be a number from 0, or -1 (keyword only)")
    return value


def _builder(where: str, entry: Mapping[str, Any]) -> Builder:
    on = entry.get("on", "function")
    if on not in ("class", "instance", "function"):
        raise SourceError(f"{where}: 'on' must be one of class, instance, function")
    names = _Patterns()
    listed = _strings(where, "names", entry.get("names", []))
    names.add(listed, Source("", ""))
    methods = frozenset(_strings(where, "methods", entry.get("methods", [])))
    if not (listed if on == "function" else methods):
        key = "names" if on == "function" else "methods"
        raise SourceError(f"{where}: {key!r} is missing or empty")
    return Builder(
        on,
        names,
        methods,
        _position(where, entry, "position"),
        frozenset(_strings(where, "keywords", entry.get("keywords", []))),
        _position(where, entry, "class_position"),
        frozenset(_strings(where, "class_keywords", entry.get("class_keywords", []))),
    )


def build(extra: Sequence[Mapping[str, Any]] = (), where: str = "policy") -> SourceCatalogue:
    """The built-in catalogue plus the policy's ``[[tool.auditor.sources]]`` entries."""
    catalogue = SourceCatalogue()
    data = rule_table("sources.toml")
    if tuple(data.get("origins", ())) != ORIGINS:
        raise SourceError("rules/sources.toml: 'origins' must list " + ", ".join(ORIGINS))
    for table in _TABLES:
        for i, entry in enumerate(data.get(table, [])):
            add_entry(catalogue, table, entry, f"rules/sources.toml: {table} #{i + 1}")
    assignment = data.get("model_assignment", {})
    setting, config = assignment.get("setting", ""), assignment.get("config", [])
    if not isinstance(setting, str) or not isinstance(config, list):
        raise SourceError("rules/sources.toml: model_assignment: 'setting' must be a string, "
                          "'config' a list")  # fmt: skip
    catalogue.assignment_setting = setting
    catalogue.config_names = frozenset(_strings("rules/sources.toml: model_assignment",
                                                "config", config))  # fmt: skip
    unknown = set(data) - set(_TABLES) - {"origins", "near_sources", "model_assignment"}
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


_CLOSURE = ("remote-input", "llm-output")
_LOCAL = ("user-input",)


def _word_pattern(word: str) -> str:
    """A ``[near_sources]`` word as a regex: ``input(`` must be a call (not a method),
    ``.recv(`` a method call, a dotted name whole."""
    if word.startswith(".") and word.endswith("("):
        return re.escape(word[:-1]) + r"\s*\("
    if word.endswith("("):
        return r"(?<![\w.])" + re.escape(word[:-1]) + r"\s*\("
    return r"\b" + re.escape(word) + r"\b"


@dataclass(frozen=True)
class NearCheck:
    """A text check for the files where an outside origin may enter the program, built
    per file from the parts whose identifier the file holds: one regular expression of
    every part searched over every file cost most of the stage's first request (each
    position of each text tried against each alternative)."""

    roots: frozenset[str]  # imported packages
    words: tuple[tuple[str, str], ...]  # (the identifier it needs, regex) of each word
    receivers: frozenset[str]  # route decorators' receivers (``@app.``)

    def matches(self, words: frozenset[str], text: str) -> bool:
        """Whether ``text`` (whose identifiers are ``words``) holds one of the parts."""
        heads = {w.split("_", 1)[0] for w in words if "_" in w}  # import langchain_openai
        parts = []
        roots = sorted((words | heads) & self.roots)
        if roots:
            # ``import os, aio_pika``: any module of the list
            listed = r"(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*"
            alternatives = "|".join(map(re.escape, roots))
            parts.append(rf"\b(?:import[ \t]+{listed}|from[ \t]+)(?:{alternatives})")
        parts += [pattern for key, pattern in self.words if not key or key in words]
        receivers = sorted(words & self.receivers)
        if receivers:
            parts.append(r"@[ \t]*(?:" + "|".join(map(re.escape, receivers)) + r")\.")
        return bool(parts) and _compiled("|".join(parts)).search(text) is not None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def near_check(kind: str) -> NearCheck:
    """The text check for the files where an outside origin may enter the program.
    ``"closure"``: the entry points of request data and model output (an import of a web
    framework's, a model client's or an agent package's, an ``@app.``-style route
    decorator, the ``closure_words``); the stage reads the files they import too.
    ``"local"``: where user input or a connection's data enters one file (an import of a
    command-line parser, ``sys.argv``, ``input(``, ``.recv(``: the ``local_words``)."""
    data = rule_table("sources.toml")
    near = data.get("near_sources", {})
    generic = set(near.get("generic_roots", []))
    origins = _CLOSURE if kind == "closure" else _LOCAL
    roots: set[str] = set()
    for table in (
        "object",
        "call",
        "decorator",
        "base_class",
        "registration",
        "registry",
        "message_class",
    ):
        for entry in data.get(table, []):
            if entry.get("origin") not in origins:
                continue
            for name in entry.get("names", []):
                root = re.split(r"[.*?\[(]", name)[0]
                if root and root not in generic and root != "builtins" and root.isidentifier():
                    roots.add(root)
    words = []
    for word in near.get("closure_words" if kind == "closure" else "local_words", []):
        key = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", word)[-1:]
        words.append((key[0] if key else "", _word_pattern(word)))
    receivers: set[str] = set()
    if kind == "closure":
        for entry in data.get("route_heuristic", []):
            receivers.update(entry.get("receivers", []))
    return NearCheck(frozenset(roots), tuple(words), frozenset(receivers))


@dataclass(frozen=True)
class CallCheck:
    """A text check for the calls named like a model's or a connection's (the method
    heuristics whose origin is remote-input or llm-output: ``self.llm.invoke(``,
    ``model_client.create(``, ``websocket.recv(``): where such a call is written, an
    outside origin may enter the program. Read from the text, for the budget of the files
    the project stage reads again (auditor.flow.stage.Planner.budget)."""

    heuristics: tuple[MethodHeuristic, ...]
    methods: frozenset[str]

    def matches(self, words: frozenset[str], text: str) -> bool:
        """Whether ``text`` (whose identifiers are ``words``) calls such a method on such
        a receiver (written as a dotted name)."""
        named = sorted(words & self.methods)
        if not named:
            return False
        pattern = _compiled(r"\.[ \t]*(" + "|".join(map(re.escape, named)) + r")[ \t]*\(")
        for match in pattern.finditer(text):
            start = match.start()
            found = _RECEIVER.search(text, max(0, start - 200), start)
            if found is None:
                continue
            receiver, method = found.group(), match.group(1)
            for heuristic in self.heuristics:
                if method in heuristic.methods and heuristic.receiver.search(receiver):
                    return True
        return False


_RECEIVER = re.compile(r"[A-Za-z_][\w.]*\Z")  # the dotted name before ``.method(``


@cache
def call_check() -> CallCheck:
    """The :class:`CallCheck` of the built-in sources."""
    heuristics = tuple(
        h
        for h in builtin().methods
        if h.source.origin in _CLOSURE and not h.methods & {"__call__", "__iter__"}
    )
    return CallCheck(heuristics, frozenset().union(*(h.methods for h in heuristics)))
