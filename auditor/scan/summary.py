"""One file's summary for the project-wide stage, built in the per-file stage from what the
collector recorded: what each expression may carry (its *labels*: sources, parameters,
results of calls, instance attributes), each function's parameters, entry points and
return value, each call of something that may be a function of the project with what it
passes, and what each finding's payload carries.

The labels of an expression follow the values, not the control flow: a name carries what
every binding of it may carry (all assignments, loop iterables, values added to it); an
attribute or an item carries what its object carries; the result of a call the analysis
cannot follow carries what its arguments and its object carry (as Pysa's obscure models
do); a source's result is the source; a sanitizer's result is marked sanitized; the
result of a possible project function is a label of its own, resolved by the project-wide
stage against that function's summary.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
import sys
from collections.abc import Callable, Iterable
from typing import cast

import libcst as cst

from auditor.file_summary import (
    ALLOW_LIST,
    DECORATED,
    SENT,
    Arg,
    Call,
    Class,
    FileSummary,
    Function,
    Label,
    Site,
    absolute,
    quoting_note,
    uncut,
    wrapped,
)
from auditor.judge.sources import Source, SourceCatalogue, names_method
from auditor.scan.collect import AttrAssign, CallSite, Collector, FunctionRecord, dotted
from auditor.scan.handover import by_known_protocol, handed_args, handovers
from auditor.scan.payload import Evaluator
from auditor.scan.positions import NodePositions
from auditor.scan.prefilter import StdinFeeds, stdin_feeds
from auditor.scan.resolve import Resolver, implicit_module, keyword, literal_string, positional
from auditor.scan.runs import peel_argv
from auditor.scan.scopes import Binding, Scope
from auditor.scan.strings import string_value
from auditor.scan.walk import preorder

EMPTY: frozenset[Label] = frozenset()
_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins", "__future__"}
# decorators that do not change who calls a function, or with what
_PLAIN_DECORATORS = frozenset(
    {
        "builtins.staticmethod", "builtins.classmethod", "builtins.property",
        "functools.wraps", "functools.lru_cache", "functools.cache",
        "functools.cached_property", "functools.total_ordering", "abc.abstractmethod",
        "typing.overload", "typing.override", "typing_extensions.override",
        "contextlib.contextmanager", "contextlib.asynccontextmanager", "dataclasses.dataclass",
        "typing.no_type_check", "typing.final", "typing_extensions.final",
    }
)  # fmt: skip
_MAX_DEPTH = 60
# calls whose result holds the items of their arguments (a table of views iterated)
_ITERATING = frozenset(
    {
        "builtins.zip", "builtins.enumerate", "builtins.list", "builtins.tuple",
        "builtins.reversed", "builtins.sorted", "builtins.iter", "itertools.chain",
    }
)  # fmt: skip
# a note longer than this is cut
_NOTE_MAX = 80
# a function (its dotted name) or a lambda handed to a registrar: the leading positional
# parameters and the keywords a ``functools.partial`` binds, the source its parameters
# are, and where the registration is (line, column)
_Registration = tuple[str | cst.Lambda, int, tuple[str, ...], Source, tuple[int, int]]


def plain_code(node: cst.CSTNode) -> str | None:
    """What ``Module.code_for_node`` gives for a name or a dotted name without parentheses
    and with nothing but plain white space around its dots (``a.b.c``, ``a . b``), built
    from its parts without libcst's code generation; None for any other node."""
    parts = []
    while type(node) is cst.Attribute:
        attr, dot = node.attr, node.dot
        if node.lpar or node.rpar or attr.lpar or attr.rpar or type(dot) is not cst.Dot:
            return None
        before, after = dot.whitespace_before, dot.whitespace_after
        if type(before) is not cst.SimpleWhitespace or type(after) is not cst.SimpleWhitespace:
            return None
        parts.append(f"{before.value}.{after.value}{attr.value}")
        node = node.value
    if type(node) is not cst.Name or node.lpar or node.rpar:
        return None
    parts.append(node.value)
    return "".join(reversed(parts))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NOTE_MAX else text[: _NOTE_MAX - 1] + "…"


def _entry_param(
    node: cst.Lambda | None, name: str, registered: tuple[Source, int, tuple[str, ...]]
) -> bool:
    """Whether the registrar fills in parameter ``name`` of a registered lambda: not one a
    ``functools.partial`` binds."""
    if node is None:
        return False
    _, bound, keywords = registered
    positional = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
    return name not in positional[:bound] and name not in keywords


def _is_stub(node: cst.FunctionDef) -> bool:
    """A body the skeleton dropped: one string literal of line endings, or ``pass``."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        return False
    line = body.body[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return False
    stmt = line.body[0]
    if isinstance(stmt, cst.Pass):
        return True
    if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.SimpleString):
        value = stmt.value.value
        return value.startswith('"""') and "\n" in value and not value.strip('"\r\n')
    return False


class Summarizer:
    """Builds a :class:`FileSummary`. ``call_position(index)`` gives a call's (line,
    column), both 1-based, from the call's pre-order index."""

    def __init__(
        self,
        module: cst.Module,
        collector: Collector,
        resolver: Resolver,
        evaluator: Evaluator,
        assume: Evaluator,
        sources: SourceCatalogue,
        module_name: str,
        package: bool,
        call_position: Callable[[int], tuple[int, int]],
        nodes: NodePositions,
        defs: list[tuple[str, int, int, int]] | None = None,
    ) -> None:
        self.module = module
        self.collector = collector
        self.resolver = resolver
        self.evaluator = evaluator
        self.assume = assume
        self.sources = sources
        self.module_name = module_name
        self.package = package
        self.call_position = call_position
        self.summary = FileSummary(module_name)
        self._memo: dict[int, frozenset[Label]] = {}
        self._active: set[int] = set()
        self._call_ids: dict[int, int] = {}  # id(call node) -> index in summary.calls
        # calls made up here (what FastAPI calls to fill a Depends parameter), kept alive so
        # that no later node reuses their id() and is taken for one of them
        self._made_up: list[cst.Call] = []
        # id() of a function's record -> the decorators that may wrap it (Function.decorators)
        self._wrapping: dict[int, tuple[str, ...]] = {}
        # id() of a ``with ... as`` binding -> its made-up ``__enter__`` call (_entered)
        self._entered_calls: dict[int, int] = {}
        # id() of a made-up call -> where it is (the operation it stands for)
        self._placed: dict[int, tuple[int, int]] = {}
        # what lookups by name may give, as names auditor.flow.propagate resolves: values
        # used elsewhere (see _looked_up), and the ids of the expressions called
        self._lookups: set[str] = set()
        self._callees: set[int] | None = None
        self._call_index: dict[int, int] = {id(c.node): c.index for c in collector.every_call}
        self._methods: dict[int, tuple[str, str]] = {}  # id(method scope) -> (class, self)
        for record in collector.functions:
            params = (*record.node.params.posonly_params, *record.node.params.params)
            if record.cls is not None and params and self._kind(record) == "method":
                self._methods[id(record.scope)] = (record.cls, params[0].name.value)
        self._guards_now: dict[str, str] = {}  # name -> note, in the payload being read
        # where the expression being read stands: its scope and when it is met on the
        # scopes' CLOCK (a sink's arguments, a binding's value); None: not known
        self._now: tuple[Scope, int] | None = None
        self._dependency_names: frozenset[str] | None = None
        self._site_of = {id(c.node): c for c in collector.every_call}
        self._typed: dict[int, str | None] = {}
        self._writes_of: dict[str, list[tuple[cst.BaseExpression | None, Scope]]] | None = None
        self._written_attrs = frozenset(w[1] for w in collector.attr_writes)
        # the functions and lambdas handed to registrars (see _registered), once computed
        self._registrations: list[_Registration] | None = None
        # the evaluator that takes imported names for constants and notes them, for the
        # arguments that would be constant if other modules' names were (Arg.imports)
        self.importing: Evaluator | None = None
        # quoting calls (by id) that protect nothing where their shell string puts them
        # (auditor.scan.analyze._exposed_quotes): no sanitizer
        self.exposed: set[int] = set()
        # the shell-quoting sanitizers, as a "u" label names them (see _undone)
        self._quoting = " ".join(sorted(sources.quoting))
        # the line ranges whose bodies the skeleton dropped (a ``pass`` there is not the
        # function's own)
        self.dropped: list[tuple[int, int]] = []
        self._typing: set[int] = set()
        self._attr_assigns: dict[tuple[str, str], list[object]] = {}
        for assign in collector.attr_assigns:
            if not assign.mutation:
                self._attr_assigns.setdefault((assign.cls, assign.attr), []).append(assign)
        self._imported = self._imported_targets()
        self._frameworks = frozenset(target.split(".")[0] for target in self._imported)
        self._records = {id(r.scope): r for r in collector.functions}
        self._functions_by_key = {r.key: r for r in collector.functions}
        self._classes_by_key = {r.key: r for r in collector.classes}
        self._web = any(self._uses(r.frameworks) for r in sources.request_parameters)
        self._base_attrs = frozenset(a for e in sources.base_classes for a in e.attributes)
        self._base_calls = frozenset(c for e in sources.base_classes for c in e.calls)
        # whether a class of this file may be a message the model fills in (it imports the
        # package of one): its instances' fields get a label the project stage checks
        self._messages = bool(self._frameworks & sources.message_roots)
        self.nodes = nodes
        self.lines = nodes.lines
        # each function's (line of def, column, last line), from the ast: the collector met
        # the same functions in the same (source) order
        self._spans: dict[int, tuple[int, int, int]] = {}
        # (id of a function or module node, Name or Attribute) -> its nodes by name
        self._named_in: dict[tuple[int, type[cst.CSTNode]], dict[str, list[cst.CSTNode]]] = {}
        if defs is not None and len(defs) == len(collector.functions):
            pairs = zip(collector.functions, defs, strict=True)
            if all(r.node.name.value == d[0] for r, d in pairs):
                self._spans = {
                    id(r.scope): (d[1], d[2], d[3])
                    for r, d in zip(collector.functions, defs, strict=True)
                }

    # -- positions -----------------------------------------------------------------------
    def position(self, node: cst.CSTNode, scope: Scope | None = None) -> tuple[int, int]:
        """Where ``node`` starts (1-based line and column): a call's from the ast; another
        expression's by finding its text in its function (first occurrence); libcst's
        PositionProvider (costly: it regenerates the module) only when those fail."""
        index = self._call_index.get(id(node))
        if index is not None and index >= 0:
            return self.call_position(index)
        placed = self._placed.get(id(node))
        if placed is not None:
            return placed
        if index is not None:  # made up (a dependency's call): where its function is used
            node = getattr(node, "func", node)
        if self.lines and scope is not None:
            code = self.module.code_for_node(node)
            found = self._find(code, scope)
            if found is None:
                found = self._nth(node, code, scope)
            if found is not None:
                return found
        pos = self.nodes.range(node)
        if pos is None:
            return (0, 0)
        return (pos.start.line, pos.start.column + 1)

    def _holder(self, scope: Scope) -> tuple[int, int, cst.CSTNode]:
        """The first and last lines, and the node, of the function holding ``scope`` (the
        module for module-level code, or when the ast's spans are not known)."""
        current: Scope | None = scope
        while current is not None:
            span = self._spans.get(id(current))
            if span is not None:
                return span[0], span[2], self._records[id(current)].node
            current = current.parent
        return 1, len(self.lines), self.module

    def _find(self, code: str, scope: Scope) -> tuple[int, int] | None:
        """Where ``code`` is in the function holding ``scope`` (the module for module-level
        code), when it is there exactly once; None when it is not, or is several times (the
        caller then asks libcst, which knows)."""
        if not code or "\n" in code:
            return None
        first, last, _ = self._holder(scope)
        found: tuple[int, int] | None = None
        for number in range(first, min(last, len(self.lines)) + 1):
            line = self.lines[number - 1]
            column = line.find(code)
            if column < 0:
                continue
            if found is not None or line.find(code, column + 1) >= 0:
                return None  # more than once: ambiguous
            found = (number, column + 1)
        return found

    def _nth(self, node: cst.CSTNode, code: str, scope: Scope) -> tuple[int, int] | None:
        """Where a name or attribute (``os.environ``) whose text is several times in its
        function is: when the nodes of its kind with that text (in source order) are as many
        as the places where the text stands alone in the function's lines (not after a dot,
        not inside a longer name), the node's rank among the first is its rank among the
        second. None when the counts differ (the text in a string or a comment, a decorator
        above the ``def`` line), and the caller asks libcst: regenerating the whole module
        for its positions cost a tenth of a second a file, for a source said twice."""
        if not isinstance(node, cst.Name | cst.Attribute) or not code or "\n" in code:
            return None
        first, last, holder = self._holder(scope)
        kind, code_for_node = type(node), self.module.code_for_node
        if kind is cst.Name:
            same = self._named(holder, kind).get(cast(cst.Name, node).value, [])
        else:
            candidates = self._named(holder, kind).get(cast(cst.Attribute, node).attr.value, [])
            same = [item for item in candidates if code_for_node(item) == code]
        rank = next((i for i, n in enumerate(same) if n is node), None)
        if rank is None:
            return None
        pattern = re.compile(r"(?<![\w.])" + re.escape(code) + r"(?!\w)")
        places = [
            (number, match.start() + 1)
            for number in range(first, min(last, len(self.lines)) + 1)
            for match in pattern.finditer(self.lines[number - 1])
        ]
        return places[rank] if len(places) == len(same) else None

    def _named(self, holder: cst.CSTNode, kind: type[cst.CSTNode]) -> dict[str, list[cst.CSTNode]]:
        """The names (``kind`` Name: by value) or attribute chains (Attribute: by last
        name) in ``holder``, in source order, not counting an attribute's own name: one
        walk per function and kind, whatever the number of texts looked for in it."""
        key = (id(holder), kind)
        found = self._named_in.get(key)
        if found is not None:
            return found
        found = self._named_in[key] = {}
        attrs: set[int] = set()  # an attribute's own name (``.attr``) is not a name read
        for item in preorder(holder):
            if type(item) is cst.Attribute:
                attrs.add(id(item.attr))
            if type(item) is kind and id(item) not in attrs:
                if kind is cst.Name:
                    found.setdefault(cast(cst.Name, item).value, []).append(item)
                else:
                    found.setdefault(cast(cst.Attribute, item).attr.value, []).append(item)
        return found

    def def_position(self, record: FunctionRecord) -> tuple[int, int]:
        span = self._spans.get(id(record.scope))
        if span is not None:
            return (span[0], span[1] + 1)
        return self.position(record.node.name)

    def code(self, node: cst.CSTNode) -> str:
        text = plain_code(node)  # most are a callee's name: no code generation
        return _short(text if text is not None else self.module.code_for_node(node))

    # -- names ---------------------------------------------------------------------------
    def absolute(self, target: str) -> str:
        return absolute(target, self.module_name, self.package)

    def _imported_targets(self) -> frozenset[str]:
        """The absolute dotted names the module's imports bind, and the modules its
        top-level ``import a.b`` statements load (which bind ``a`` only)."""
        out = set()
        for bindings in self.collector.module_scope.bindings.values():
            for binding in bindings:
                if binding.kind == "import" and binding.target:
                    out.add(self.absolute(binding.target))
        for statement in self.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        out.update(dotted(alias.name) for alias in small.names)
        return frozenset(out)

    def _uses(self, frameworks: frozenset[str]) -> bool:
        """Whether the module imports one of ``frameworks``: a root (``django``) or, for a
        package that is a client as much as a server, the server's module (``aiohttp.web``:
        a module that imports only ``aiohttp`` uses its client, whose ``request``
        parameters are what it sends, not what it received)."""
        if self._frameworks & frameworks:
            return True
        return any(
            target == name or target.startswith(name + ".")
            for name in frameworks
            if "." in name
            for target in self._imported
        )

    def typed(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """The dotted name ``node`` refers to, with the objects that calls create written
        ``name()`` (``OpenAI().chat.completions.create``): imports, aliases, ``self`` of a
        method (an instance of its class), annotated parameters and attributes assigned
        once in ``__init__`` are followed."""
        key = id(node)
        if key in self._typed:
            return self._typed[key]
        if depth > 12 or key in self._typing:
            return None
        self._typing.add(key)
        try:
            found = self._typed_node(node, scope, depth)
        finally:
            self._typing.discard(key)
        self._typed[key] = found
        return found

    def _typed_node(self, node: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        if isinstance(node, cst.Name):
            bindings = scope.lookup(node.value)
            if bindings is None:
                if node.value in _BUILTINS:
                    return f"builtins.{node.value}"
                return implicit_module(node.value)
            for binding in bindings:
                found = self._typed_binding(binding, node.value, depth)
                if found is not None:
                    return found
            return None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name):
                held = self._self_attr_type(node, scope, depth)
                if held is not None:
                    return held
            base = self.typed(node.value, scope, depth + 1)
            return f"{base}.{node.attr.value}" if base is not None else None
        if isinstance(node, cst.Call):
            if (
                isinstance(node.func, cst.Name)
                and node.func.value == "super"
                and not node.args
                and scope.lookup("super") is None
            ):
                method = self._method_of(scope)  # super(): the first base's methods
                bases = self._bases(method[0]) if method is not None else []
                return f"{bases[0]}()" if bases else None
            built = self._built(node, scope, depth + 1)
            if built is not None:  # Job.model_validate(data): a Job
                return f"{built[0]}()"
            qualname = self.resolver.qualname(node, scope)  # getattr(m, "x"), __import__
            if qualname is not None:
                return self.absolute(qualname)
            returned = self._returned_type(node.func, scope, depth)
            if returned is not None:
                return returned
            func = self.typed(node.func, scope, depth + 1)
            if func is not None and node.args and self.sources.copies.get(func) is not None:
                # dataclasses.replace(job, cmd=x): an instance of job's class
                copied = self.typed(node.args[0].value, scope, depth + 1)
                if copied is not None and copied.endswith("()"):
                    return copied
            return f"{func}()" if func is not None else None
        return None

    def _typed_value(self, value: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        """What an assigned value is: a name, an attribute or a call's result, as
        :meth:`typed` says; ``given or Default()`` and ``a if test else b`` are either side,
        the side that constructs an object first (``parser or Parser()``: a Parser), then
        the other (the annotation of ``parser``)."""
        if isinstance(value, (cst.Name, cst.Attribute, cst.Call)):
            return self.typed(value, scope, depth + 1)
        if isinstance(value, cst.Await):  # conn = await aio_pika.connect_robust(url)
            return self._typed_value(value.expression, scope, depth + 1)
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            sides = [value.right, value.left]
        elif isinstance(value, cst.IfExp):
            sides = [value.body, value.orelse]
        else:
            return None
        sides.sort(key=lambda side: not isinstance(side, cst.Call))
        for side in sides:
            found = self._typed_value(side, scope, depth + 1)
            if found is not None:
                return found
        return None

    def _returned_type(self, func: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        """The instance a call of a function or method of this file returns, by its return
        annotation (``def make(self) -> Executor``: an Executor)."""
        record = self._local_function(func, scope)
        if record is None or record.node.returns is None:
            return None
        annotation = _unwrapped_annotation(record.node.returns.annotation)
        if annotation is None:
            return None
        held = self.typed(annotation, record.outer, depth + 1)
        return f"{held}()" if held is not None and not held.startswith("builtins.") else None

    def _local_function(self, func: cst.BaseExpression, scope: Scope) -> FunctionRecord | None:
        """The function of this file a call of ``func`` runs: a module-level function called
        by its name, or ``self.<method>()`` of the class (or a base of this file)."""
        if isinstance(func, cst.Name):
            bindings = scope.lookup(func.value)
            if bindings and len(bindings) == 1:
                target = bindings[0].target
                if bindings[0].kind == "import" and target.startswith(f"{self.module_name}."):
                    return self._functions_by_key.get(target[len(self.module_name) + 1 :])
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = self._method_of(scope)
            if owner is not None and func.value.value == owner[1]:
                for cls in (owner[0], *self._same_file_bases(owner[0])):
                    record = self._functions_by_key.get(f"{cls}.{func.attr.value}")
                    if record is not None:
                        return record
        return None

    def _same_file_bases(self, cls: str, depth: int = 0) -> list[str]:
        """The keys of the classes of this file that ``cls`` derives from, nearest first."""
        out: list[str] = []
        if depth > 8:
            return out
        prefix = f"{self.module_name}." if self.module_name else ""
        for base in self._bases(cls):
            key = base.removeprefix(prefix) if prefix and base.startswith(prefix) else None
            if key is not None and key in self._classes_by_key and key not in out:
                out.append(key)
                out += [b for b in self._same_file_bases(key, depth + 1) if b not in out]
        return out

    def _field_type(self, cls: str, attr: str, depth: int) -> str | None:
        """``self.<attr>`` by the annotation of ``attr`` in the class body (a pydantic or
        dataclass field, ``llm: BaseLLM = Field(...)``), in ``cls`` or a base of this file."""
        for key in (cls, *self._same_file_bases(cls)):
            found = self._field_annotation(key, attr)
            if found is None:
                continue
            annotation = _unwrapped_annotation(found)
            if annotation is None:
                return None
            held = self.typed(annotation, self._classes_by_key[key].outer, depth + 1)
            if held is None or held.startswith(("builtins.", "typing.")):
                return None
            return f"{held}()"
        return None

    def _sourced(self, cls: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...]:
        """The base-class sources the direct bases of ``cls`` match (for its subclasses in
        other files: a tool class deriving from the project's own tool base)."""
        out = []
        for base in self._bases(cls):
            for entry in self.sources.base_classes:
                if entry.patterns.get(base):
                    out.append(
                        (
                            tuple(sorted(entry.methods)),
                            tuple(sorted(entry.skip)),
                            entry.source.origin,
                            entry.source.note,
                        )
                    )
        return tuple(out)

    def _framework_attrs(self, cls: str) -> dict[str, tuple[str, str]]:
        """The instance attributes the framework classes that ``cls`` directly derives from
        set before calling its methods (a Django view's ``self.request``), and their
        methods that read the request (a Tornado handler's ``get_argument()``)."""
        out: dict[str, tuple[str, str]] = {}
        for base in self._bases(cls):
            for entry in self.sources.base_classes:
                if (entry.attributes or entry.calls) and entry.patterns.get(base):
                    given = (entry.source.origin, entry.source.note)
                    for attr in entry.attributes:
                        out.setdefault(attr, given)
                    for method in entry.calls:
                        out.setdefault(method + "()", given)
        return out

    def _alternative_receivers(self, site: CallSite) -> None:
        """A method called on ``self.<attr>`` where the class's methods assign instances of
        several project classes to it (``self.interpreter = SubprocessInterpreter()`` in one
        branch, ``DockerInterpreter()`` in another, then ``self.interpreter.run(code)``):
        a made-up call, with the same arguments, of that method of each (the project stage
        resolves it, or finds no such method), beside the call as written."""
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        held = func.value
        if not isinstance(held, cst.Attribute) or not isinstance(held.value, cst.Name):
            return
        owner = self._method_of(site.scope)
        if owner is None or held.value.value != owner[1]:
            return
        assigns = self._attr_assigns.get((owner[0], held.attr.value), [])
        typed: set[str] = set()
        for assign in assigns:
            assert isinstance(assign, AttrAssign)
            if assign.value is None:
                return
            if isinstance(assign.value, cst.Name) and assign.value.value == "None":
                continue
            found = self._typed_value(assign.value, assign.scope, 0)
            if found is None or not found.endswith("()") or not self._may_be_project(found):
                return
            typed.add(found)
        if len(typed) < 2:
            return  # one class: the call is typed (_assigned_type)
        for cls in sorted(typed):
            call = cst.Call(func=func, args=site.node.args)
            self._made_up_call(call, site.scope, f"{cls}.{func.attr.value}")

    def _untyped(self, site: CallSite) -> None:
        """Note a method called on a receiver of unknown type (``self.interp.run(code)``
        where ``self.interp`` is a Union): the project stage takes it for a call of every
        project method of that name it cannot rule out, one it does not see."""
        func = site.node.func
        assert isinstance(func, cst.Attribute)
        name = func.attr.value
        args = site.node.args
        count = sum(1 for a in args if a.keyword is None and not a.star)
        keywords = tuple(sorted(a.keyword.value for a in args if a.keyword is not None))
        star = any(a.star for a in args)
        found = self.summary.untyped.get(name)
        if found is None:
            line, column = self.position(site.node, site.scope)
            self.summary.untyped[name] = (line, column, self.code(func), count, keywords, star)
            return
        line, column, text, most, given, starred = found
        merged = tuple(sorted(set(given) | set(keywords)))
        self.summary.untyped[name] = (line, column, text, max(most, count), merged, starred or star)

    def _object_attrs(self) -> list[tuple[str, str, tuple[Label, ...]]]:
        """The attributes this file sets on an instance of a project class from outside
        it (``p = Probe(); p.cmd = request.args["cmd"]; p.go()``): what ``self.cmd`` reads
        in its methods may be that value."""
        out = []
        for name, attr, value, scope in self.collector.object_attrs:
            typed = self.typed(name, scope)
            if typed is None or not typed.endswith("()") or not self._may_be_project(typed):
                continue
            labels = self.labels(value, scope)
            if labels:
                out.append((typed[:-2], attr, tuple(sorted(labels, key=repr))))
        return out

    def _written_target(self, obj: cst.BaseExpression, scope: Scope) -> str | None:
        """The absolute dotted name of what ``obj`` (a name or a dotted name) is, when its
        root is imported or defined at module level (a module, a class, a module-level
        object: ``backup``, ``Config``, ``cfg.settings``) and may be the project's."""
        name = dotted(obj)
        root, _, rest = name.partition(".")
        bindings = scope.lookup(root) if root else None
        if not bindings or any(b.kind != "import" or not b.target for b in bindings):
            return None
        targets = {self.absolute(b.target) for b in bindings}
        if len(targets) != 1:
            return None
        full = targets.pop()
        full = f"{full}.{rest}" if rest else full
        return full if self._may_be_project(full) else None

    def _class_attr_writes(self) -> dict[str, list[tuple[cst.BaseExpression | None, Scope]]]:
        """What the file writes, in place or not, to ``<obj>.<attr>`` where ``obj`` is an
        import or a module-level definition: absolute dotted name -> (value, scope) of each
        write (None: a change that adds nothing known, ``del backup.RSYNC[0]``)."""
        if self._writes_of is None:
            out: dict[str, list[tuple[cst.BaseExpression | None, Scope]]] = {}
            for obj, attr, value, scope in self.collector.attr_writes:
                target = self._written_target(obj, scope)
                if target is not None and attr != "*":
                    out.setdefault(f"{target}.{attr}", []).append((value, scope))
            self._writes_of = out
        return self._writes_of

    def _outside_writes(self) -> list[tuple[str, tuple[Label, ...], bool]]:
        """See :attr:`FileSummary.outside`: the writes of :meth:`_class_attr_writes`, and
        the changes in place of a name imported from another module (``from backup import
        RSYNC``, then ``RSYNC.append(v)``, ``RSYNC[0] = v``, ``RSYNC += v``)."""
        found: dict[str, tuple[set[Label], bool]] = {}

        def add(target: str, value: cst.BaseExpression | None, scope: Scope) -> None:
            labels, const = found.get(target, (set(), True))
            if value is None:
                const = False
            else:
                labels |= self.labels(value, scope)
                const = const and self.evaluator.value(value, scope).const
            found[target] = (labels, const)

        for target, writes in self._class_attr_writes().items():
            for value, scope in writes:
                add(target, value, scope)
        for bindings in self.collector.module_scope.bindings.values():
            imported = {
                self.absolute(b.target)
                for b in bindings
                if b.kind == "import" and b.target and not b.defines
            }
            if len(imported) != 1:
                continue
            target = imported.pop()
            if "." not in target or not self._may_be_project(target):
                continue
            for binding in bindings:
                if binding.kind in ("opaque", "augment"):
                    add(target, binding.value, binding.scope)
        return [
            (target, tuple(sorted(labels, key=repr)), const)
            for target, (labels, const) in sorted(found.items())
        ]

    def _registered(self) -> list[tuple[str, str, str, int, tuple[str, ...], int, int]]:
        """The functions of the project this file hands to a call that registers them as
        tools or views, by their dotted names: ``mcp.add_tool(run)``, ``Tool(func=run)``,
        ``app.view_functions["x"] = view``; with the leading positional parameters and the
        keywords a ``functools.partial`` binds (the framework does not fill them in), and
        where the registration is (line, column: the flow of a finding in the registered
        function names it, for ``check --changed``)."""
        if self._registrations is None:
            self._registrations = self._registrations_of()
        return [
            (name, source.origin, source.note, bound, keywords, *where)
            for name, bound, keywords, source, where in self._registrations
            if isinstance(name, str)
        ]

    def _registered_lambda(self, node: cst.Lambda) -> tuple[Source, int, tuple[str, ...]] | None:
        """The source a lambda's parameters are when it is registered as a view or a tool
        (``add_url_rule("/x", view_func=lambda host: ...)``)."""
        if self._registrations is None:
            self._registrations = self._registrations_of()
        for handed, bound, keywords, source, _ in self._registrations:
            if handed is node:
                return source, bound, keywords
        return None

    def _registrations_of(self) -> list[_Registration]:
        out: list[_Registration] = []
        where = (0, 0)

        def add(value: cst.BaseExpression, scope: Scope, source: Source) -> None:
            for handed, bound, keywords in self._handed_functions(value, scope, 0, set()):
                out.append((handed, bound, keywords, source, where))

        for site in self.collector.every_call:
            where = self.position(site.node, site.scope)
            func = site.node.func
            positional = [a.value for a in site.node.args if a.keyword is None and not a.star]
            if isinstance(func, cst.Call) and positional:
                # a route decorator applied by hand: app.route("/x")(view), app.get(...)(f)
                inner = func.func
                verb = inner.attr.value if isinstance(inner, cst.Attribute) else ""
                receiver = dotted(inner.value) if isinstance(inner, cst.Attribute) else ""
                decorated = self.sources.decorator_source(
                    self.typed(inner, site.scope), verb, receiver
                )
                if decorated is not None:
                    add(positional[0], site.scope, decorated)
                    continue
            if isinstance(func, cst.Attribute) and func.attr.value in ("update", "setdefault"):
                # app.view_functions.update(ping=ping), .setdefault("ping", ping)
                registry = self._registry(func.value, site.scope)
                if registry is not None:
                    values = [a.value for a in site.node.args if a.keyword is not None]
                    if func.attr.value == "update":
                        values += positional[:1]
                    else:
                        values += positional[1:2]
                    for value in values:
                        add(value, site.scope, registry)
                    continue
            typed = self.typed(func, site.scope)
            found = self.sources.registration(typed) if typed is not None else []
            for position, keywords, source in found:
                given = [
                    a.value for a in site.node.args if a.keyword and a.keyword.value in keywords
                ]
                if 0 <= position < len(positional):  # -1: the function is given by keyword only
                    given.append(positional[position])
                for value in given:
                    add(value, site.scope, source)
        for store in self.collector.item_stores:
            # app.view_functions["ping"] = ping (with app.add_url_rule("/p", "ping"))
            if store.merge or store.augmented:
                continue
            registry = self._registry(store.holder, store.scope)
            if registry is not None:
                where = self.position(store.statement, store.scope)
                add(store.value, store.scope, registry)
        return out

    def _registry(self, holder: cst.BaseExpression, scope: Scope) -> Source | None:
        """The source of the views put in a mapping that registers them (Flask's
        ``app.view_functions``: rules/sources.toml's ``[[registry]]``)."""
        if not isinstance(holder, cst.Attribute):
            return None
        typed = self.typed(holder, scope)
        return self.sources.registry(typed) if typed is not None else None

    def _handed_functions(
        self, value: cst.BaseExpression, scope: Scope, depth: int, seen: set[int]
    ) -> list[tuple[str | cst.Lambda, int, tuple[str, ...]]]:
        """The functions an expression handed to a registrar may be, with the leading
        positional parameters and the keywords a ``functools.partial`` binds: a function
        of this file or an imported one by its dotted name (a nested ``def`` too), a
        lambda (the node), and through names, the items of a list, tuple or dict written
        out (a loop over a constant table of views, ``VIEWS["x"]``, ``VIEWS.items()``),
        ``functools.partial(f, ...)`` and a function of this file that returns a nested
        function (``view_func=make()``)."""
        if depth > 8 or id(value) in seen:
            return []
        seen.add(id(value))
        deeper = depth + 1
        if isinstance(value, cst.Lambda):
            return [(value, 0, ())]
        if isinstance(value, cst.Attribute):
            name = self.typed(value, scope)
            return [(name, 0, ())] if name is not None and self._may_be_project(name) else []
        if isinstance(value, cst.List | cst.Tuple | cst.Set):
            out = []
            for element in value.elements:
                out += self._handed_functions(element.value, scope, deeper, seen)
            return out
        if isinstance(value, cst.Dict):
            out = []
            for item in value.elements:
                out += self._handed_functions(item.value, scope, deeper, seen)
            return out
        if isinstance(value, cst.Subscript):
            return self._handed_functions(value.value, scope, deeper, seen)
        if isinstance(value, cst.Call):
            return self._handed_by_call(value, scope, deeper, seen)
        if not isinstance(value, cst.Name):
            return []
        bindings = scope.lookup(value.value)
        out = []
        for binding in bindings or ():
            if binding.kind == "import":
                out.append((self.absolute(binding.target), 0, ()))
            elif binding.kind == "def":
                if binding.scope.kind == "function" and self.module_name:
                    key = f"{binding.scope.key}.{value.value}"
                    out.append((f"{self.module_name}.{key}", 0, ()))
            elif binding.value is not None and binding.kind in ("value", "iter", "unpack"):
                out += self._handed_functions(binding.value, binding.scope, deeper, seen)
        return out

    def _handed_by_call(
        self, value: cst.Call, scope: Scope, depth: int, seen: set[int]
    ) -> list[tuple[str | cst.Lambda, int, tuple[str, ...]]]:
        """:meth:`_handed_functions` of a call: ``d.items()``, ``d.values()``,
        ``functools.partial(f, ...)``, a factory of this file."""
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "values"):
            return self._handed_functions(func.value, scope, depth, seen)
        typed = self.typed(func, scope)
        args = value.args
        if typed in ("functools.partial", "functools.partialmethod") and args and not args[0].star:
            bound = sum(1 for a in args[1:] if a.keyword is None and not a.star)
            keywords = tuple(a.keyword.value for a in args[1:] if a.keyword is not None)
            return [
                (handed, before + bound, (*given, *keywords))
                for handed, before, given in self._handed_functions(
                    args[0].value, scope, depth, seen
                )
            ]
        if typed in _ITERATING:  # for rule, fn in zip(RULES, VIEWS): the views
            out = []
            for arg in args:
                out += self._handed_functions(arg.value, scope, depth, seen)
            return out
        record = self._factory(func, scope)
        if record is None:
            return []
        out = []
        for returned in record.returns:
            out += self._handed_functions(returned, record.scope, depth, seen)
        return out

    def _factory(self, func: cst.BaseExpression, scope: Scope) -> FunctionRecord | None:
        """The function of this file a call calls by its name (a factory of views)."""
        if not isinstance(func, cst.Name):
            return None
        bindings = scope.lookup(func.value)
        if not bindings or len(bindings) != 1:
            return None
        for record in self.collector.functions:
            if record.node.name.value == func.value and record.outer is bindings[0].scope:
                return record
        return None

    def _fields(self, cls: str) -> tuple[str, ...]:
        """The names annotated in the body of class ``cls`` (this file's), in order."""
        record = self._classes_by_key.get(cls)
        if record is None or not isinstance(record.node.body, cst.IndentedBlock):
            return ()
        out: list[str] = []
        for line in record.node.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for stmt in line.body:
                if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
                    out.append(stmt.target.value)
                elif (  # cmd = attr.ib(): a field declared by a call (rules/sources.toml)
                    isinstance(stmt, cst.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0].target, cst.Name)
                    and isinstance(stmt.value, cst.Call)
                    and self.sources.fields.get(self.typed(stmt.value.func, record.outer) or "")
                    is not None
                ):
                    out.append(stmt.targets[0].target.value)
        return tuple(out)

    def _converted_fields(self, cls: str) -> dict[str, str]:
        """The fields of class ``cls`` annotated with a converting type (``level: int``):
        a pydantic model validates and converts them, or fails."""
        record = self._classes_by_key.get(cls)
        out: dict[str, str] = {}
        if not self._converts(cls):
            return out  # a plain @dataclass: its annotations convert nothing
        for name in self._fields(cls):
            annotation = self._field_annotation(cls, name)
            alternatives = _alternatives(annotation) if annotation is not None else None
            if not alternatives or record is None:
                continue
            # every type the field may hold converts (Union[int, str] keeps a string)
            typed = [self.typed(alt, record.outer) for alt in alternatives]
            if all(t is not None and self.sources.sanitizer(t) is not None for t in typed):
                first = typed[0] or ""
                out[name] = f"converted to {first.removeprefix('builtins.')} by its model"
        return out

    def _validates_assignment(self, cls: str) -> bool:
        """Whether the body of class ``cls`` configures it to convert a field assigned after
        an instance is made (``model_config = ConfigDict(validate_assignment=True)``, a dict
        with that key, or ``validate_assignment = True`` in a nested ``class Config``:
        rules/sources.toml's [model_assignment]). Its bases' are the project stage's."""
        record = self._classes_by_key.get(cls)
        setting = self.sources.assignment_setting
        if record is None or not setting or not isinstance(record.node.body, cst.IndentedBlock):
            return False
        names = self.sources.config_names
        for line in record.node.body.body:
            if isinstance(line, cst.ClassDef) and line.name.value in names:
                if isinstance(line.body, cst.IndentedBlock) and any(
                    isinstance(inner, cst.SimpleStatementLine)
                    and any(_sets_true(stmt, setting) for stmt in inner.body)
                    for inner in line.body.body
                ):
                    return True
                continue
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for stmt in line.body:
                if isinstance(stmt, cst.Assign):
                    targets = [t.target for t in stmt.targets]
                    value = stmt.value
                elif isinstance(stmt, cst.AnnAssign) and stmt.value is not None:
                    targets, value = [stmt.target], stmt.value
                else:
                    continue
                if not any(isinstance(t, cst.Name) and t.value in names for t in targets):
                    continue
                if isinstance(value, cst.Call) and any(
                    a.keyword is not None and a.keyword.value == setting and _true(a.value)
                    for a in value.args
                ):
                    return True
                if isinstance(value, cst.Dict) and any(
                    isinstance(e, cst.DictElement)
                    and literal_string(e.key) == setting
                    and _true(e.value)
                    for e in value.elements
                ):
                    return True
        return False

    def _converts(self, cls: str, depth: int = 0) -> bool:
        """Whether making an instance of class ``cls`` converts its fields (a pydantic
        model: rules/sources.toml's ``[[model]]``, a base or a class decorator), directly
        or through a class of this file it derives from."""
        record = self._classes_by_key.get(cls)
        if record is None or depth > 8:
            return False
        for decorator in record.node.decorators:
            func = decorator.decorator
            typed = self.typed(func.func if isinstance(func, cst.Call) else func, record.outer)
            if typed is not None and self.sources.models.get(typed) is not None:
                return True
        prefix = f"{self.module_name}."
        for base in self._bases(cls):
            if self.sources.models.get(base) is not None:
                return True
            local = base.removeprefix(prefix) if base.startswith(prefix) else base
            if local in self._classes_by_key and self._converts(local, depth + 1):
                return True
        return False

    def _field_annotation(self, cls: str, attr: str) -> cst.BaseExpression | None:
        """The annotation of ``attr`` in the body of class ``cls`` (this file's)."""
        record = self._classes_by_key.get(cls)
        if record is None or not isinstance(record.node.body, cst.IndentedBlock):
            return None
        for line in record.node.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for stmt in line.body:
                if (
                    isinstance(stmt, cst.AnnAssign)
                    and isinstance(stmt.target, cst.Name)
                    and stmt.target.value == attr
                ):
                    return stmt.annotation.annotation
        return None

    def _typed_binding(self, binding: Binding, name: str, depth: int) -> str | None:
        if binding.kind == "import":
            return self.absolute(binding.target)
        if binding.kind == "value" and binding.value is not None:
            if isinstance(binding.value, cst.Name) and binding.value.value == "None":
                # ``client: Client | None = None``, set later (``global client``): a
                # placeholder; the name's other bindings say what it holds
                return None
            return self._typed_value(binding.value, binding.scope, depth)
        if binding.kind == "with" and binding.value is not None:
            # ``async with aiohttp.ClientSession() as session``: an object of another
            # package's class is what its ``__enter__`` returns (a session, a client, a
            # response, a file); a class of this package (or of this file) is followed
            # through its own ``__enter__`` instead (_entered)
            typed = self._typed_value(binding.value, binding.scope, depth)
            own = self.module_name.split(".")[0] if self.module_name else None
            if (
                typed is not None
                and typed.endswith("()")
                and typed.split(".")[0] != own
                and "." in typed.removesuffix("()")  # a class of another package
            ):
                return typed
            return None
        if binding.kind == "param":
            method = self._methods.get(id(binding.scope))
            if method is not None and method[1] == name:
                return f"{self._class_name(method[0])}()"
            annotation = self._annotation(binding.scope, name)
            if annotation is not None:
                outer = binding.scope.parent or binding.scope
                held = self.typed(annotation, outer, depth + 1)
                return f"{held}()" if held is not None else None
        return None

    def _class_name(self, key: str) -> str:
        return f"{self.module_name}.{key}" if self.module_name else key

    def _annotation(self, scope: Scope, name: str) -> cst.BaseExpression | None:
        found = self._written_annotation(scope, name)
        return _unwrapped_annotation(found) if found is not None else None

    def _written_annotation(self, scope: Scope, name: str) -> cst.BaseExpression | None:
        """The annotation of parameter ``name`` of the function of ``scope``, as written."""
        record = self._record_of(scope)
        if record is None:
            return None
        params = record.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name and param.annotation is not None:
                return param.annotation.annotation
        return None

    def _record_of(self, scope: Scope) -> FunctionRecord | None:
        return self._records.get(id(scope))

    def _self_attr_type(self, node: cst.Attribute, scope: Scope, depth: int) -> str | None:
        """``self.client`` when the class's methods assign it one object (``self.client =
        Client()``), or ``None`` in some places and objects of one class in the others
        (``self.session = None`` then ``self.session = PromptSession()``: an Optional
        attribute, typed as that class)."""
        owner = self._method_of(scope)
        if owner is None or not isinstance(node.value, cst.Name):
            return None
        cls, me = owner
        if node.value.value != me:
            return None
        assigns = self._attr_assigns.get((cls, node.attr.value), [])
        found = self._assigned_type(assigns, depth)
        if found is not None:
            return found
        if not assigns:
            found = self._property_type(cls, node.attr.value, depth)
            if found is not None:
                return found
        return self._field_type(cls, node.attr.value, depth)

    def _assigned_type(self, assigns: list[object], depth: int) -> str | None:
        """What the assignments ``assigns`` of one attribute put there, when that is one
        thing: the one assignment's value, or, leaving out those of ``None`` (a placeholder,
        as for a module-level name), the one instance every other assignment makes
        (``Session()``, ``Session(**kw)``: ``Session()``). Any assignment that cannot be
        read, or two of different types, and the attribute's type is not known. What a
        project function returns (``self.conn = loader.get(name)``: a plugin chosen at run
        time) stays a call the project stage cannot resolve, so the methods called on it
        are still those of every project class that has one of that name."""
        if len(assigns) == 1:
            assign = assigns[0]
            assert isinstance(assign, AttrAssign)
            if assign.value is None:
                return None
            return self._typed_value(assign.value, assign.scope, depth)
        typed: set[str] = set()
        for assign in assigns:
            assert isinstance(assign, AttrAssign)
            if assign.value is None:
                return None
            if isinstance(assign.value, cst.Name) and assign.value.value == "None":
                continue
            found = self._typed_value(assign.value, assign.scope, depth)
            if found is None or not found.endswith("()"):
                return None
            typed.add(found)
        return typed.pop() if len(typed) == 1 else None

    def _property_type(self, cls: str, attr: str, depth: int) -> str | None:
        """``self.<attr>`` where ``attr`` is a property of ``cls`` or a base of this file
        (``@property def printer(self) -> Printer``): the instance it returns, by its return
        annotation, else by what it returns when that is one object (``A() if x else B()``:
        the side that constructs first), so that ``self.printer(chunks)`` calls that
        object's ``__call__``, not the property's getter."""
        for key in (cls, *self._same_file_bases(cls)):
            record = self._functions_by_key.get(f"{key}.{attr}")
            if record is None:
                continue
            if not any(
                self.typed(d.decorator, record.outer, depth + 1)
                in ("builtins.property", "functools.cached_property")
                for d in record.node.decorators
            ):
                return None
            if record.node.returns is not None:
                annotation = _unwrapped_annotation(record.node.returns.annotation)
                held = (
                    None if annotation is None else self.typed(annotation, record.outer, depth + 1)
                )
                if held is not None and not held.startswith(("builtins.", "typing.")):
                    return f"{held}()"
            if len(record.returns) == 1:
                found = self._typed_value(record.returns[0], record.scope, depth + 1)
                if found is not None and found.endswith("()"):
                    return found
            return None
        return None

    def _method_of(self, scope: Scope) -> tuple[str, str] | None:
        current: Scope | None = scope
        while current is not None and current.kind == "comprehension":
            current = current.parent
        if current is None:
            return None
        return self._methods.get(id(current))

    @staticmethod
    def _function_key(scope: Scope) -> str:
        current: Scope | None = scope
        while current is not None and current.kind in ("comprehension", "class"):
            if current.kind == "class":
                return ""
            current = current.parent
        if current is None or current.kind != "function" or current.name == "<lambda>":
            return ""
        return current.key

    # -- labels --------------------------------------------------------------------------
    def labels(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> frozenset[Label]:
        """What ``node`` may carry. A value that refers to itself (``path = join(path,
        x)``) is cut where it loops: the loop adds nothing of its own, and every answer is
        kept, so that each expression is read once (linear in the file)."""
        key = id(node)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        if key in self._active or depth > _MAX_DEPTH:
            return EMPTY
        self._active.add(key)
        try:
            out = self._compute(node, scope, depth)
        finally:
            self._active.discard(key)
        self._memo[key] = out
        return out

    def _union(
        self, nodes: Iterable[cst.BaseExpression | None], scope: Scope, depth: int
    ) -> frozenset[Label]:
        out: frozenset[Label] = EMPTY
        for node in nodes:
            if node is not None:
                out = out | self.labels(node, scope, depth + 1)
        return out

    def _source(self, source: Source, node: cst.CSTNode, what: str, scope: Scope) -> Label:
        line, column = self.position(node, scope)
        return ("s", source.origin, line, column, source.note, _short(what))

    def _compute(self, node: cst.BaseExpression, scope: Scope, depth: int) -> frozenset[Label]:
        # ``type(node) is``: the node classes are leaves (see auditor.scan.payload's value)
        if type(node) is cst.Name:
            return self._name(node, scope, depth)
        if type(node) is cst.Attribute:
            return self._attribute(node, scope, depth)
        if type(node) is cst.Call:
            return self._call(node, scope, depth)
        if type(node) is cst.Subscript:
            inner = self.labels(node.value, scope, depth + 1)
            # a slice or a character of a quoted word is no quoted word (``q[1:-1]``); an
            # item of a list, tuple or dict of them is one
            if any(type(e.slice) is cst.Slice for e in node.slice) or not self._holds_items(
                node.value, scope
            ):
                return self._undone(inner)
            return inner
        if type(node) is cst.FormattedString:
            out: frozenset[Label] = EMPTY
            for part in node.parts:
                if type(part) is cst.FormattedStringExpression:
                    found = self.labels(part.expression, scope, depth + 1)
                    # ``{q!r}`` puts it in other quotes, ``{q:.3}`` cuts it
                    if part.conversion not in (None, "s") or part.format_spec:
                        found = self._undone(found)
                    out |= found
            return out
        if type(node) is cst.ConcatenatedString:
            return self._union((node.left, node.right), scope, depth)
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.Modulo:
            # a quoted template is no quoted word once filled; its values keep their
            # quotes in plain ``%s`` fields only (``%.3s`` cuts, ``%r`` quotes again)
            left = self._undone(self.labels(node.left, scope, depth + 1))
            right = self.labels(node.right, scope, depth + 1)
            if not _plain_template(node.left, _PERCENT_FIELD, "%s"):
                right = self._undone(right)
            return left | right
        if type(node) is cst.BinaryOperation or type(node) is cst.BooleanOperation:
            return self._union((node.left, node.right), scope, depth)
        if type(node) is cst.UnaryOperation:
            return self.labels(node.expression, scope, depth + 1)
        if type(node) is cst.IfExp:
            return self._union((node.body, node.orelse), scope, depth)
        if type(node) is cst.List or type(node) is cst.Tuple or type(node) is cst.Set:
            return self._union((e.value for e in node.elements), scope, depth)
        if type(node) is cst.Dict:
            parts: list[cst.BaseExpression] = []
            for element in node.elements:
                if type(element) is cst.DictElement:
                    parts += [element.key, element.value]
                else:
                    parts.append(element.value)
            return self._union(parts, scope, depth)
        if (
            type(node) is cst.ListComp
            or type(node) is cst.SetComp
            or type(node) is cst.GeneratorExp
        ):
            return self._comprehension(node, node.elt, depth)
        if type(node) is cst.DictComp:
            return self._comprehension(node, node.value, depth)
        if type(node) is cst.Await:
            return self.labels(node.expression, scope, depth + 1)
        if type(node) is cst.StarredElement:
            return self.labels(node.value, scope, depth + 1)
        if type(node) is cst.NamedExpr:
            return self.labels(node.value, scope, depth + 1)
        if type(node) is cst.Yield:
            # ``c = yield``: what is sent into the generator (``g.send(x)``), the function's
            # made-up parameter SENT
            function = self._function_key(scope)
            return frozenset({("p", function, SENT)}) if function else EMPTY
        return EMPTY

    def _comprehension(
        self, node: cst.BaseExpression, elt: cst.BaseExpression, depth: int
    ) -> frozenset[Label]:
        """The element, in the comprehension's own scope (its targets are bound there)."""
        scope = self.collector.comprehension_scopes.get(id(node))
        return self.labels(elt, scope, depth + 1) if scope is not None else EMPTY

    def _name(self, node: cst.Name, scope: Scope, depth: int) -> frozenset[Label]:
        name = node.value
        if name in ("True", "False", "None"):
            return EMPTY
        guard = self._guards_now.get(name)
        if guard is not None:  # checked against a constant allow-list before this use
            saved, self._guards_now = self._guards_now, {}
            try:
                inner = self._name(node, scope, depth)
            finally:
                self._guards_now = saved
            return frozenset(("q", guard, x) for x in inner)
        bindings = scope.lookup(name)
        if bindings is None:
            return EMPTY
        if self._now is not None and len(bindings) > 1:
            bindings = self._reaching(name, scope, bindings, *self._now)
        out: set[Label] = set()
        for binding in bindings:
            if binding.kind == "import":
                target = self.absolute(binding.target)
                source = self.sources.object_source(target)
                if source is not None:
                    out.add(self._source(source, node, target, scope))
            elif binding.kind in ("value", "iter", "augment", "with", "unpack", "opaque"):
                # (an opaque binding with a value: ``x[k] = v``, ``x.insert(0, v)`` put
                # ``v`` in ``x``, where what comes first is not known)
                if binding.value is None:
                    continue
                if self._guards_now:  # a check here says nothing of the value elsewhere
                    saved, self._guards_now = self._guards_now, {}
                    try:
                        out |= self._binding_labels(binding, depth)
                    finally:
                        self._guards_now = saved
                    continue
                out |= self._binding_labels(binding, depth)
                if binding.kind == "with":
                    out |= self._entered(binding)
                continue

            elif binding.kind == "param":
                if binding.scope.name == "<lambda>":
                    called, escapes = self._lambda_calls(binding.scope, name, depth)
                    out |= called
                    lambda_node = self.collector.lambdas.get(id(binding.scope))
                    registered = (
                        self._registered_lambda(lambda_node) if lambda_node is not None else None
                    )
                    if registered is not None and _entry_param(lambda_node, name, registered):
                        # a lambda registered as a view or a tool: the framework fills it in
                        line, column = self.position(node, scope)
                        source = registered[0]
                        out.add(("s", source.origin, line, column, source.note, name))
                        continue
                    if escapes:
                        line, column = self.position(node, scope)
                        out.add(("s", "parameter", line, column, "a lambda's parameter", name))
                else:
                    out.add(("p", binding.scope.key, name))
        return frozenset(out)

    @staticmethod
    def _reaching(
        name: str, scope: Scope, bindings: list[Binding], where: Scope, now: int
    ) -> list[Binding]:
        """The bindings of ``name`` (read in ``scope``) that may reach a use met at ``now``
        in ``where``: a binding of that same scope met later cannot (``editor = getenv(..)``,
        ``system(editor)``, then ``with open(p) as editor``), unless a loop of the scope holds
        both (the next pass reads it), or the name is a global or nonlocal there (another
        call of the function may have bound it). Every binding when none would be left."""
        current = scope
        while current is not where and current.kind == "comprehension":
            if name in current.bindings or current.parent is None:
                return bindings
            current = current.parent
        if current is not where or name in where.globals or name in where.nonlocals:
            return bindings
        if where.bindings.get(name) is not bindings:
            return bindings
        kept = [
            b
            for b in bindings
            if b.scope is not where
            or b.order <= now
            or any(first < now and b.order < last for first, last in where.loops)
        ]
        return kept if kept else bindings

    def _lambda_calls(self, scope: Scope, name: str, depth: int) -> tuple[frozenset[Label], bool]:
        """What the calls of a lambda bound to a name (``run = lambda c: os.system(c)``,
        then ``run(cmd)``) pass for its parameter ``name``, and whether it may be called
        where the analysis cannot see (not bound to a name of its own, or that name used
        other than called)."""
        node = self.collector.lambdas.get(id(scope))
        outer = scope.parent
        if node is None or outer is None:
            return EMPTY, True
        named = [
            n
            for n, bindings in outer.bindings.items()
            if any(b.kind == "value" and b.value is node for b in bindings)
        ]
        if len(named) != 1 or len(outer.bindings[named[0]]) != 1:
            return EMPTY, True
        bound = named[0]
        binding = outer.bindings[bound][0]
        params = node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        out: set[Label] = set()
        calls = 0
        for site in self.collector.every_call:
            call = site.node
            for arg in call.args:
                if isinstance(arg.value, cst.Name) and arg.value.value == bound:
                    seen = site.scope.lookup(bound)
                    if seen and binding in seen:
                        return frozenset(out), True  # handed over: called elsewhere
            func = call.func
            if not isinstance(func, cst.Name) or func.value != bound:
                continue
            seen = site.scope.lookup(bound)
            if not seen or binding not in seen:
                continue
            calls += 1
            given: cst.BaseExpression | None = None
            for position, arg in enumerate(call.args):
                if arg.star:
                    return frozenset(out), True
                if arg.keyword is not None:
                    matches = arg.keyword.value == name
                else:
                    matches = position < len(positional) and positional[position] == name
                if matches:
                    given = arg.value
            if given is not None:
                saved, self._now = self._now, (site.scope, site.done) if site.done >= 0 else None
                try:
                    out |= self.labels(given, site.scope, depth + 1)
                finally:
                    self._now = saved
        return frozenset(out), calls == 0

    def operate(self) -> None:
        """The methods Python runs for the operations of the file (``r[k]``:
        ``r.__getitem__(k)``; ``r + x``: ``r.__add__(x)``, or ``x.__radd__(r)``), as made-up
        calls when the operand is an object of a class that may be the project's: the
        method's parameters get what the operation passes, as for a call written out (a
        ``__getitem__`` that runs its key as a command is called with request data). What
        the operation's value carries stays its operands' (a function's result is typed
        like an object, and one without the method is no call)."""
        saved = self._now
        for _node, operand, method, args, scope, when in self.collector.operations:
            typed = self.typed(operand, scope)
            if typed is None or not typed.endswith("()") or not self._may_be_project(typed):
                continue
            call = cst.Call(
                func=cst.Attribute(value=operand, attr=cst.Name(method)),
                args=[cst.Arg(value=a) for a in args],
            )
            # placed where its operand starts (where ``r[k]`` and ``r + x`` start; the object
            # of ``x in r``): the operand is mostly a name, an attribute or a call, which
            # the text or the ast places, where the operation itself often needed libcst's
            # positions (a ``d["k"]`` said twice in a function), whose cost doubled the
            # summaries of a file of many such operations
            self._placed[id(call)] = self.position(operand, scope)
            self._now = (scope, when)  # its operands are read where the operation is
            try:
                self._made_up_call(call, scope, f"{typed}.{method}")
            finally:
                self._now = saved

    def _entered(self, binding: Binding) -> frozenset[Label]:
        """``with X() as v``: ``v`` is what ``X.__enter__`` returns (``__aenter__`` of an
        ``async with``), a made-up call of it on the item when the item is an object of a
        class that may be the project's (placed at the item's call, when it is one). A
        class without that method (its base's, another package's) leaves the call to carry
        what the item carries, as any call not followed does."""
        made = self._entered_calls.get(id(binding))
        if made is None:
            made = -1
            item = binding.value
            assert item is not None
            typed = self.typed(item, binding.scope)
            if typed is not None and typed.endswith("()") and self._may_be_project(typed):
                method = "__aenter__" if id(item) in self.collector.async_items else "__enter__"
                call = cst.Call(func=cst.Attribute(value=item, attr=cst.Name(method)))
                site = self._site_of.get(id(item))
                at = site.index if site is not None else -1
                made = self._made_up_call(call, binding.scope, f"{typed}.{method}", at)
            self._entered_calls[id(binding)] = made
        return frozenset({("c", made)}) if made >= 0 else EMPTY

    def _binding_labels(self, binding: Binding, depth: int) -> frozenset[Label]:
        assert binding.value is not None
        if binding.kind == "iter":
            # iterating a connection yields what it receives (async for m in ws)
            receiver = dotted(binding.value)
            source = self.sources.method_source("__iter__", receiver) if receiver else None
            if source is not None:
                return frozenset({self._source(source, binding.value, receiver, binding.scope)})
        saved, self._now = self._now, (binding.scope, binding.order)
        try:
            return self.labels(binding.value, binding.scope, depth + 1)
        finally:
            self._now = saved

    def guarded(self, site: CallSite) -> dict[str, str]:
        """The names checked against an allow-list where ``site`` is: a constant container,
        or an imported module's or object's attribute that nothing reaches from a source (a
        setting: ``if path in settings.AUTHENTICATION_BACKENDS``, a module's registry). A
        container a caller passes, an attribute of ``self``, a namespace (``globals()``,
        ``mod.__dict__``: every name of the module is in it) or one built from request data
        or model output is no allow-list: whoever chose the value may have chosen the list."""
        out: dict[str, str] = {}
        for name, container in site.guards:
            known = self.evaluator.value(container, site.scope)
            if known.text is not None or isinstance(
                container, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
            ):
                continue  # cmd in "uptime df": a substring of a text, "df; sh" too
            if known.const:
                out[name] = f"{ALLOW_LIST}{self.code(container)}"
                continue
            parts = dotted(container).split(".")
            if len(parts) < 2 or not all(p.isidentifier() for p in parts):
                continue
            if any(p.startswith("__") and p.endswith("__") for p in parts):
                continue  # mod.__dict__, f.__globals__: a namespace
            bindings = site.scope.lookup(parts[0])
            if not bindings or any(b.kind != "import" for b in bindings):
                continue
            saved, self._guards_now = self._guards_now, {}
            try:
                reached = self.labels(container, site.scope)
            finally:
                self._guards_now = saved
            if not reached:
                out[name] = f"{ALLOW_LIST}{self.code(container)}"
        return out

    def _attribute(self, node: cst.Attribute, scope: Scope, depth: int) -> frozenset[Label]:
        typed = self.typed(node, scope)
        if typed is not None:
            source = self.sources.object_source(typed)
            if source is not None:
                return frozenset({self._source(source, node, typed, scope)})
        owner = self._method_of(scope)
        if owner is not None and isinstance(node.value, cst.Name) and node.value.value == owner[1]:
            attr = node.attr.value
            if attr in self._base_attrs or self._messages:
                # maybe set by a framework base class (``self.request`` of a Django view,
                # whose base may be in another file), or a field of a message the model
                # fills in: the project stage knows the bases
                line, column = self.position(node, scope)
                return frozenset({("a", owner[0], attr), ("b", owner[0], attr, line, column)})
            return frozenset({("a", owner[0], attr)})
        held = self.typed(node.value, scope)
        if held is not None and held.endswith("()") and self._may_be_project(held):
            # a field of an instance of a project class (a pydantic request model): the
            # project stage knows whether the class converts it
            inner = self.labels(node.value, scope, depth + 1)
            out: set[Label] = {("f", held[:-2], node.attr.value, x) for x in inner}
            if self._messages:  # and whether the class is a message the model fills in
                line, column = self.position(node, scope)
                out.add(("m", held[:-2], node.attr.value, line, column, self.code(node)))
            return frozenset(out)
        if isinstance(node.value, cst.Name) and not self._web:
            # request.GET in a view whose file imports no framework (where one is imported,
            # the parameter itself is the source: request_parameter)
            known = self.sources.request_attributes.get(node.value.value)
            if known is not None and node.attr.value in known[0]:
                bindings = scope.lookup(node.value.value)
                if bindings and all(b.kind == "param" for b in bindings):
                    return frozenset({self._source(known[1], node, self.code(node), scope)})
        carried = self.labels(node.value, scope, depth + 1)
        if node.attr.value in self._written_attrs:
            # a class attribute or another module's global this file writes
            # (``Config.CMD = request.form["cmd"]`` in a route): what any write puts there
            target = self._written_target(node.value, scope)
            writes = self._class_attr_writes().get(f"{target}.{node.attr.value}", ())
            saved, self._now = self._now, None
            try:
                for value, where in writes:
                    if value is not None:
                        carried = carried | self.labels(value, where, depth + 1)
            finally:
                self._now = saved
        return carried

    def _arguments(self, node: cst.Call) -> list[cst.BaseExpression]:
        return [a.value for a in node.args]

    def _call(self, node: cst.Call, scope: Scope, depth: int) -> frozenset[Label]:
        framework = self._framework_call(node, scope)
        if framework is not None:
            return framework | self._call_labels(node, scope, depth)
        return self._call_labels(node, scope, depth)

    def _framework_call(self, node: cst.Call, scope: Scope) -> frozenset[Label] | None:
        """``self.get_argument("c")`` in a method: maybe a method of a framework base class
        that reads the request (a Tornado handler's); the project stage knows the bases."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in self._base_calls:
            return None
        owner = self._method_of(scope)
        if owner is None or not isinstance(func.value, cst.Name) or func.value.value != owner[1]:
            return None
        line, column = self.position(node, scope)
        return frozenset({("b", owner[0], func.attr.value + "()", line, column)})

    def _call_labels(self, node: cst.Call, scope: Scope, depth: int) -> frozenset[Label]:
        func = node.func
        typed = self.typed(func, scope)
        if typed is not None:
            source = self.sources.call_source(typed) or self.sources.object_source(typed)
            if source is not None:
                return frozenset({self._source(source, node, self.code(func) + "()", scope)})
            sanitizer = self.sources.sanitizer(typed)
            if sanitizer is not None:
                inner = self._union(self._arguments(node), scope, depth)
                if id(node) in self.exposed:
                    return inner
                return frozenset(("q", sanitizer.note + f" ({typed})", x) for x in inner)
            if self.sources.is_clean(typed):
                return EMPTY
        fallback: Label | None = None
        only = False  # the fallback replaces what the call carries of its arguments
        if self._calls_an_object(func, typed, scope):
            # a model, chain or pipeline called (``chain(inputs)``, ``self.llm(prompt)``):
            # the source, unless the project has the class's __call__
            source = self.sources.method_source(
                "__call__", dotted(func) or "<expression>", _snake(typed)
            )
            if source is not None:
                fallback = self._source(source, node, self.code(func) + "()", scope)
                if typed is None or not self._may_be_project(typed):
                    return frozenset({fallback})
        elif isinstance(func, cst.Attribute):
            receiver = dotted(func.value) or "<expression>"
            held = self.typed(func.value, scope)
            source = self.sources.method_source(func.attr.value, receiver, _snake(held))
            if source is not None:
                fallback = self._source(source, node, self.code(func) + "()", scope)
                # a class named like a model (``BaseLLM``, ``ChatCompletionClient``) is one,
                # whatever the project's method does with the provider's reply
                by_class = held is not None and (
                    self.sources.method_source(func.attr.value, "", _snake(held)) is not None
                )
                if typed is None or not self._may_be_project(typed) or by_class:
                    return frozenset({fallback})
                # only the receiver's name looks like a model's, and its class is known
                # (``self._executor: Executor``): the project's method when the project has
                # it (its overrides for an abstract one), the model's output only when it
                # has none (a method inherited from a class of another package)
                only = True
        if typed is not None and self._may_be_project(typed):
            return frozenset({("c", self.record_call(node, scope, typed, fallback, only))})
        wrapped_by = self._decorator_of(func, scope)
        if wrapped_by is not None:
            # the function a decorator wraps, called by its wrapper: a call of every
            # function of the project it decorates (auditor.flow.propagate); carries what
            # its arguments carry when it decorates none
            return frozenset({("c", self.record_call(node, scope, DECORATED + wrapped_by))})
        return self._carried(node, typed, scope, depth)

    def _carried(
        self, node: cst.Call, typed: str | None, scope: Scope, depth: int
    ) -> frozenset[Label]:
        """What a call the analysis cannot follow carries: what its arguments and its
        object carry. A shell-quoted word stays one only where the call puts it whole in
        its result: ``str(q)``, a container of them (``list``, ``sorted``...), a separator
        or an item of a list joined (``" ".join([q, r])``), a plain field of a constant
        template (``"ls {}".format(q)``); any other call (``q.strip("'")``,
        ``q.replace("'", "")``, ``os.path.basename(q)``, ``q.split()``) may cut its quotes
        off (see _undone)."""
        func = node.func
        whole: list[cst.BaseExpression] = []
        cut: list[cst.BaseExpression] = []
        args = self._arguments(node)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "join" and len(args) == 1 and not node.args[0].star:
                whole.append(func.value)  # the separator
                (whole if self._holds_items(args[0], scope) else cut).append(args[0])
            elif method in ("format", "format_map"):
                cut.append(func.value)  # a quoted template filled is no quoted word
                plain = _plain_template(func.value, _FORMAT_FIELD_ANY, "{}")
                (whole if plain else cut).extend(args)
            elif method == "encode" and all(
                isinstance(a.value, cst.SimpleString)
                and a.value.evaluated_value in ("utf-8", "utf8", "ascii")
                for a in node.args
            ):
                whole.append(func.value)
            else:
                cut += [*args, func.value]
        else:
            if isinstance(func, cst.Call):
                whole.append(func)
            keeps = typed in _WHOLE_CALLS and (typed != "builtins.str" or len(args) <= 1)
            (whole if keeps else cut).extend(args)
        out = self._union(whole, scope, depth)
        if cut:
            out |= self._undone(self._union(cut, scope, depth))
        return out

    def _holds_items(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether ``node`` is a container written out whose items are whole values: a
        list, tuple, set or dict display or comprehension, or a name bound only to such (an
        item added to it, ``words.append(q)``, is one); not a string, whose items are its
        characters."""
        kinds = (
            cst.List, cst.Tuple, cst.Set, cst.Dict, cst.ListComp, cst.SetComp,
            cst.GeneratorExp, cst.DictComp,
        )  # fmt: skip
        if isinstance(node, kinds):
            return True
        if isinstance(node, cst.Call) and node.args:
            typed = self.typed(node.func, scope)
            if typed in _ITERATING and typed != "builtins.iter":  # list(words), sorted(words)
                return self._holds_items(node.args[0].value, scope, depth + 1)
            return False
        if not isinstance(node, cst.Name) or depth > 4:
            return False
        bindings = scope.lookup(node.value)
        if not bindings:
            return False
        containers = 0
        for binding in bindings:
            if binding.kind == "value" and binding.value is not None:
                if not self._holds_items(binding.value, binding.scope, depth + 1):
                    return False
                containers += 1
            elif binding.kind not in ("opaque", "augment"):
                return False
        return containers > 0

    def _undone(self, labels: frozenset[Label]) -> frozenset[Label]:
        """``labels`` as they are where what carries them may have lost its shell quotes:
        a shell quote's label goes (the value it quoted is what is left), and a label
        that may turn out quoted in the project-wide stage (a parameter, a call's result,
        an attribute) is wrapped in ``("u", quoting sanitizers, label)``, whose quote that
        stage drops. Other sanitizers hold (a number cut is digits, an allow-listed name
        cut is part of a constant)."""
        if not labels or not self._quoting:
            return labels
        return frozenset(self._undo(label) for label in labels)

    def _undo(self, label: Label) -> Label:
        kind = label[0]
        if kind == "s" or kind == "u":
            return label
        if kind == "q":
            if quoting_note(str(label[1]), self._quoting):
                return self._undo(label[2])
            return ("q", label[1], self._undo(label[2]))
        return ("u", self._quoting, label)

    def _decorator_of(self, func: cst.BaseExpression, scope: Scope) -> str | None:
        """The dotted name of the function of this file whose parameter ``func`` is, when
        the call stands in a function nested in it (``def shell_command(fn): def
        wrapper(*a): ... fn(*a)``): the decorator, calling the function it wraps."""
        if type(func) is not cst.Name:
            return None
        bindings = scope.lookup(func.value)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "param":
            return None
        owner = bindings[0].scope
        if owner is scope or owner.name == "<lambda>":
            return None
        record = self._records.get(id(owner))
        if record is None or record.cls is not None:
            return None
        return f"{self.module_name}.{record.key}" if self.module_name else record.key

    def _calls_an_object(self, func: cst.BaseExpression, typed: str | None, scope: Scope) -> bool:
        """Whether ``func(...)`` calls an object rather than a function or a method: a name
        or an attribute that holds an instance (``runner = Runner()``, a field), a
        parameter or variable of unknown type, an attribute of ``self`` that the class
        assigns or declares and does not define as a method."""
        if typed is not None and typed.endswith("()"):
            return True
        if isinstance(func, cst.Name):
            bindings = scope.lookup(func.value)
            return (
                bool(bindings)
                and typed is None
                and all(b.kind not in ("def", "import") for b in bindings or ())
            )
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = self._method_of(scope)
            if owner is None or func.value.value != owner[1]:
                return False
            cls, attr = owner[0], func.attr.value
            classes = (cls, *self._same_file_bases(cls))
            if any(f"{c}.{attr}" in self._functions_by_key for c in classes):
                return False
            return (cls, attr) in self._attr_assigns or any(
                self._field_annotation(c, attr) is not None for c in classes
            )
        return False

    def _may_be_project(self, typed: str) -> bool:
        """Whether a callee may be a function of the scanned project: not the standard
        library's (unless the project is a package of that name itself)."""
        root = typed.split(".")[0]
        return root not in _STDLIB or root == self.module_name.split(".")[0]

    # -- calls ---------------------------------------------------------------------------
    def arg(self, node: cst.BaseExpression, scope: Scope) -> Arg:
        labels = self.labels(node, scope)
        self.evaluator.read_import = False
        value = self.evaluator.value(node, scope)
        head = (
            bool(value.items)
            and value.items is not None
            and value.items[0].const
            and bool(value.items[0].text)
            and peel_argv(value.items, value.more, value.tail_const, value.splits) is None
        )
        if value.const:
            return Arg(tuple(sorted(labels, key=repr)), True, None, head)
        imports: tuple[str, ...] = ()
        if self.importing is not None and self.evaluator.read_import:
            self.importing.imported = set()
            if self.importing.value(node, scope).const and self.importing.imported:
                imports = tuple(sorted(self.importing.imported))
        params: tuple[str, ...] | None = None
        if self.assume.value(node, scope).const:
            caller = self._function_key(scope)
            names: set[str] = set()
            for label in _unwrapped(labels):
                if label[0] == "p" and label[1] == caller:
                    names.add(label[2])
                else:  # something else of the caller's makes it dynamic: never constant
                    names = set()
                    caller = "\0"
                    break
            if caller != "\0" and caller:
                params = tuple(sorted(names))
        return Arg(tuple(sorted(labels, key=repr)), False, params, head, imports)

    def record_call(
        self,
        node: cst.Call,
        scope: Scope,
        typed: str,
        fallback: Label | None = None,
        only: bool = False,
    ) -> int:
        index = self._call_ids.get(id(node))
        if index is not None:
            return index
        index = self._call_ids[id(node)] = len(self.summary.calls)
        self.summary.calls.append(None)  # type: ignore[arg-type]  # reserved: recursion
        site = self._site_of.get(id(node))
        saved = self._guards_now
        self._guards_now = self.guarded(site) if site is not None and site.guards else {}
        # its arguments are read where the call stands, whoever asks first
        now = self._now
        if site is not None and site.done >= 0:
            self._now = (site.scope, site.done)
        try:
            return self._record(node, scope, typed, index, fallback, only)
        finally:
            self._guards_now = saved
            self._now = now

    def _record(
        self,
        node: cst.Call,
        scope: Scope,
        typed: str,
        index: int,
        fallback: Label | None = None,
        only: bool = False,
    ) -> int:
        args: list[Arg] = []
        kwargs: dict[str, Arg] = {}
        star = False
        spread: frozenset[Label] = EMPTY
        for arg in node.args:
            if arg.star:
                star = True
                spread |= self.labels(arg.value, scope)
                continue
            value = self.arg(arg.value, scope)
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        receiver = None
        if isinstance(node.func, cst.Attribute):
            receiver = self.arg(node.func.value, scope)
        line, column = self.position(node, scope)  # scope: a made-up call's function's name
        self.summary.calls[index] = Call(
            self._function_key(scope),
            typed,
            tuple(args),
            kwargs,
            star,
            receiver,
            line,
            column,
            self.code(node.func),
            fallback,
            only,
            tuple(sorted(spread, key=repr)),
        )
        return index

    def _sent(self, site: CallSite) -> None:
        """``g.send(x)`` (``asend``) where ``g`` is made by a call of a function of the
        project (``g = gen()``, ``gen().send(x)``): a made-up call of that function passing
        ``x`` as its SENT parameter, what its ``yield`` expressions evaluate to."""
        func = site.node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("send", "asend"):
            return
        sent = positional(site.node, 0)
        if sent is None or len(site.node.args) != 1:
            return
        receiver = func.value
        made: list[tuple[cst.Call, Scope]] = []
        if isinstance(receiver, cst.Call):
            made.append((receiver, site.scope))
        elif isinstance(receiver, cst.Name):
            for binding in site.scope.lookup(receiver.value) or ():
                if binding.kind == "value" and isinstance(binding.value, cst.Call):
                    made.append((binding.value, binding.scope))
        for call, scope in made:
            typed = self.typed(call.func, scope)
            if typed is None or typed.endswith("()") or not self._may_be_project(typed):
                continue
            made_up = cst.Call(func=func, args=[cst.Arg(value=sent)])
            number = self._made_up_call(made_up, site.scope, typed, site.index)
            recorded = self.summary.calls[number]
            self.summary.calls[number] = dataclasses.replace(
                recorded, args=(), kwargs={SENT: recorded.args[0]}
            )

    def _handed_over(self, site: CallSite) -> None:
        """A function of the project handed over to a call that calls it with arguments
        rules/handovers.toml can tell (``asyncio.to_thread(run_cmd, cmd)``,
        ``Thread(target=run_cmd, args=(cmd,))``): a made-up call of it with those
        arguments, placed where the function is named. It stays a value used elsewhere
        too (called from code the analysis cannot see), so this only adds what those
        arguments carry."""
        node = site.node
        for position, arg in enumerate(node.args):
            value = arg.value
            if arg.star or not isinstance(value, (cst.Name, cst.Attribute)):
                continue
            if not by_known_protocol(node, arg):
                continue
            typed = self.typed(value, site.scope)
            if typed is None or typed.endswith("()") or not self._may_be_project(typed):
                continue
            call = cst.Call(func=value, args=handed_args(node, position, arg))
            self._made_up_call(call, site.scope, typed)

    def _dispatched(self, site: CallSite) -> None:
        """A method of the caller's own class looked up by name and called
        (``getattr(self, action.action)(action)``, cmd.Cmd's ``getattr(self, "do_" +
        cmd)(arg)``): a made-up call, with the same arguments, of each method of the class
        (and of its bases in this file) the name may give, placed at the lookup: the one
        it names when the name is a constant; those starting with its constant head
        (``"do_" + cmd``); else the public ones (a dispatch by a name known only at run
        time is meant for them: the lookup's own finding, AUD006, covers the others)."""
        func = site.node.func
        if not isinstance(func, cst.Call) or len(func.args) != 2:
            return
        holder, name = func.args
        if holder.star or name.star or holder.keyword is not None or name.keyword is not None:
            return
        owner = self._method_of(site.scope)
        if (
            owner is None
            or not isinstance(holder.value, cst.Name)
            or holder.value.value != owner[1]
            or self.typed(func.func, site.scope) != "builtins.getattr"
        ):
            return
        value = self.evaluator.value(name.value, site.scope)
        wanted = value.text if value.const else None
        if value.const and wanted is None:
            return
        head = value.parts[0] if value.parts and value.parts[0] else None
        seen: set[str] = set()
        for cls in (owner[0], *self._same_file_bases(owner[0])):
            for record in self.collector.functions:
                method = record.key.rpartition(".")[2]
                if record.cls != cls or method in seen or self._kind(record) != "method":
                    continue
                if wanted is not None:
                    if method != wanted:
                        continue
                elif not method.startswith(head or "") or (head is None and method[0] == "_"):
                    continue
                seen.add(method)
                call = cst.Call(func=func, args=site.node.args)
                self._made_up_call(call, site.scope, f"{self._class_name(owner[0])}().{method}")

    def _looked_up(self, site: CallSite) -> None:
        """A function of the project looked up by a name (``getattr(ops, "do_" + name)``,
        ``getattr(handlers, op)``, ``globals()[name]``, ``import_string("ops.backup.run")``,
        ``importlib.import_module(m).run``: :meth:`_lookup`) and called, there or through
        a name bound once to the lookup: a made-up call, with the call's arguments, of
        whatever the lookup may give (the project-wide stage resolves the name, see
        auditor.flow.propagate's ``_looked_up``). Every function a lookup by a name known
        at run time may give, and the one a lookup not called there gives, is a value
        used elsewhere (``value_names``): never taken for one only constants reach."""
        node, scope = site.node, site.scope
        if self._callees is None:
            self._callees = {id(c.node.func) for c in self.collector.every_call}
        # the lookup itself: what becomes of its value
        found = self._lookup(node, scope, called=id(node) in self._callees)
        if found is not None and (not found[1] or id(node) not in self._callees):
            self._lookups.update(found[0])
        # handler = getattr(ops, "do_" + name); handler(x)
        bound = _bound_once(node.func, scope)
        if bound is None:
            return
        func, scope = bound
        found = self._lookup(func, scope, called=True)
        if found is None:
            return
        names, exact = found
        if not exact:
            self._lookups.update(names)
        if exact and self._own_method_lookup(func, scope):
            return  # the method of the caller's class it names: _dispatched's
        # (by a name known at run time on self: the subclasses' methods too, in any file;
        # those of the class itself, which _dispatched calls too, get the same arguments)
        already = self.typed(node.func, site.scope)
        for name in names:
            if name != already:
                made = cst.Call(func=node.func, args=node.args)
                self._made_up_call(made, site.scope, name, at=site.index)

    def _own_method_lookup(self, func: cst.BaseExpression, scope: Scope) -> bool:
        """Whether ``func`` is ``getattr(self, ...)`` in a method (see :meth:`_dispatched`)."""
        owner = self._method_of(scope)
        return (
            owner is not None
            and isinstance(func, cst.Call)
            and bool(func.args)
            and _is_name(func.args[0].value, owner[1])
        )

    def _lookup(
        self, node: cst.BaseExpression, scope: Scope, called: bool
    ) -> tuple[list[str], bool] | None:
        """What a lookup by name may give, as names the project-wide stage resolves (see
        auditor.flow.propagate's ``_looked_up``), and whether the name is a constant (it
        gives that one): ``getattr(obj, name[, default])`` on a module, class or instance
        of the project, ``self`` included (on an object of unknown type, when the lookup
        is ``called`` and the name has a constant head of two letters or more: any
        function or method whose name starts so; a lookup there whose value is kept is
        most often an attribute's, ``getattr(user, "_%s_cache" % k)``); ``globals()[name]`` or
        ``globals().get(name)`` (this module's functions); a call of rules/handovers.toml's
        [lookups] with a dotted path, and ``import_module(m).name``. None: not a lookup."""
        if isinstance(node, cst.Subscript):  # globals()[name]
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                return None
            if not self._globals(node.value, scope):
                return None
            return self._lookup_named(self.module_name, node.slice[0].slice.value, scope)
        if isinstance(node, cst.Attribute):  # importlib.import_module(m).run
            inner = node.value
            if not isinstance(inner, cst.Call) or not inner.args:
                return None
            if self.typed(inner.func, scope) not in handovers().modules:
                return None
            value = self.evaluator.value(inner.args[0].value, scope)
            if value.const:
                return None  # a module named: typed as that module already
            return ([f"*.{node.attr.value}"], False)
        if not isinstance(node, cst.Call) or not node.args or node.args[0].star:
            return None
        args = node.args
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get"
            and self._globals(func.value, scope)
        ):  # globals().get(name)
            return self._lookup_named(self.module_name, args[0].value, scope)
        typed = self.typed(node.func, scope)
        if typed in handovers().by_path:
            return self._by_path(args[0].value, scope)
        if typed != "builtins.getattr" or len(args) not in (2, 3) or args[1].star:
            return None
        holder = self.typed(args[0].value, scope)
        owner = self._method_of(scope)
        if owner is not None and _is_name(args[0].value, owner[1]):
            holder = f"{self._class_name(owner[0])}()"  # getattr(self, ...)
        if holder is None:
            value = self.evaluator.value(args[1].value, scope)
            head = value.parts[0] if value.parts and not value.const else None
            if not called or not head or not head.isidentifier() or len(head.strip("_")) < 2:
                return None  # any name of an object not known: not followed
            return ([f"*.{head}*", f"*().{head}*"], False)
        if not self._may_be_project(holder):
            return None
        return self._lookup_named(holder, args[1].value, scope)

    def _lookup_named(
        self, owner: str, name: cst.BaseExpression, scope: Scope
    ) -> tuple[list[str], bool] | None:
        """The attribute of ``owner`` (a typed name) that the expression ``name`` names:
        the one named by a constant; else those starting with its constant head."""
        value = self.evaluator.value(name, scope)
        if value.const:
            if value.text is None or not value.text.isidentifier():
                return None
            return ([f"{owner}.{value.text}"], True)
        head = value.parts[0] if value.parts and value.parts[0] else ""
        if head and not head.isidentifier():
            return None
        return ([f"{owner}.{head}*"], False)

    def _by_path(self, path: cst.BaseExpression, scope: Scope) -> tuple[list[str], bool] | None:
        """What a dotted path names (``"ops.backup.run"``, ``"ops.backup:run"``): that
        function when the path is a constant; when only its head is (``"ops." + name``),
        the functions of the module it names whose name starts with the rest of it."""
        value = self.evaluator.value(path, scope)
        if value.const:
            text = value.text
            complete = True
        else:
            text = value.parts[0] if value.parts and value.parts[0] else None
            complete = False
        if not text:
            return None
        text = text.replace(":", ".")
        owner, _, last = text.rpartition(".")
        if not owner or not all(p.isidentifier() for p in owner.split(".")):
            return None
        if complete:
            return ([text], True) if last.isidentifier() else None
        if last and not last.isidentifier():
            return None
        return ([f"{owner}.{last}*"], False)

    def _globals(self, node: cst.BaseExpression, scope: Scope) -> bool:
        """Whether ``node`` is ``globals()`` (the builtin: not a name bound here)."""
        return (
            isinstance(node, cst.Call)
            and not node.args
            and isinstance(node.func, cst.Name)
            and node.func.value == "globals"
            and scope.lookup("globals") is None
        )

    def _table_dispatched(self, site: CallSite) -> None:
        """A function looked up in a table of the project's functions and called
        (``TOOLS[call.function.name](**args)``, ``fn = HANDLERS.get(op); fn(data)``, the
        table a dict literal): a made-up call of each function of the table with the
        call's arguments (whichever the key picks, it receives them)."""
        bound = _bound_once(site.node.func, site.scope)  # fn = TOOLS[name]; fn(**args)
        if bound is None:
            return
        func, scope = bound
        table: cst.BaseExpression | None = None
        if isinstance(func, cst.Subscript) and len(func.slice) == 1:
            table = func.value
        elif (
            isinstance(func, cst.Call)
            and isinstance(func.func, cst.Attribute)
            and func.func.attr.value == "get"
            and func.args
        ):
            table = func.func.value
        if not isinstance(table, cst.Name):
            return
        bindings = scope.lookup(table.value)
        if not bindings:
            return
        for binding in bindings:
            if binding.kind != "value" or not isinstance(binding.value, cst.Dict):
                continue
            for element in binding.value.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                function = element.value
                if not isinstance(function, (cst.Name, cst.Attribute)):
                    continue
                typed = self.typed(function, binding.scope)
                if typed is None or typed.endswith("()") or not self._may_be_project(typed):
                    continue
                made = cst.Call(func=function, args=site.node.args)
                self._made_up_call(made, site.scope, typed, at=site.index)

    def _copied(self, site: CallSite) -> None:
        """``dataclasses.replace(job, cmd=x)`` (rules/sources.toml's ``[[copy]]``): a new
        instance of the class of ``job`` (a project class) with the fields it names set, as
        a made-up construction of that class with those keywords."""
        node = site.node
        if not node.args or node.args[0].star or node.args[0].keyword is not None:
            return
        copied = self.typed(node.args[0].value, site.scope)
        if copied is None or not copied.endswith("()") or not self._may_be_project(copied):
            return
        given = [a for a in node.args[1:] if a.keyword is not None or a.star == "**"]
        if given:
            self._made_up_call(cst.Call(func=node.func, args=given), site.scope, copied[:-2])

    def _built(
        self, node: cst.Call, scope: Scope, depth: int = 0
    ) -> tuple[str, list[cst.Arg]] | None:
        """``Job.model_validate(data)``, ``dacite.from_dict(Job, data)``,
        ``job.model_copy(update=data)`` (rules/sources.toml's ``[[build]]``): the project
        class built and the arguments that hold its fields."""
        builders = self.sources.builders
        if not builders or depth > 12:
            return None
        func = node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        typed: str | None = None
        for builder in builders:
            if builder.on == "function":
                if typed is None:
                    typed = self.typed(func, scope, depth + 1) or ""
                if not typed or builder.names.get(typed) is None:
                    continue
                given = _argument(node, builder.class_position, builder.class_keywords)
                cls = self.typed(given.value, scope, depth + 1) if given is not None else None
            elif method is not None and method in builder.methods:
                assert isinstance(func, cst.Attribute)
                held = self.typed(func.value, scope, depth + 1)
                if held is None or held.endswith("()") != (builder.on == "instance"):
                    continue
                cls = held.removesuffix("()")
            else:
                continue
            if cls is None or cls.endswith("()") or not self._may_be_project(cls):
                continue
            data = _argument(node, builder.position, builder.keywords)
            return cls, [data] if data is not None else []
        return None

    def _rebuilt(self, site: CallSite) -> None:
        """A call of ``[[build]]``: a made-up construction of the class with its data as
        ``**data`` (any field may hold what it carries)."""
        built = self._built(site.node, site.scope)
        if built is None or not built[1]:
            return
        args = [cst.Arg(value=a.value, star="**") for a in built[1]]
        self._made_up_call(cst.Call(func=site.node.func, args=args), site.scope, built[0])

    def _made_up_call(self, call: cst.Call, scope: Scope, typed: str, at: int = -1) -> int:
        """Record a call the code does not write (a framework's, a handover's): kept alive
        with the summary, placed where its function is named (see :meth:`position`), or
        at the call site numbered ``at`` (a dispatch through a table: the call is there)."""
        self._made_up.append(call)
        self._call_index[id(call)] = at
        return self.record_call(call, scope, typed)

    # -- functions and classes -------------------------------------------------------------
    @staticmethod
    def _kind(record: FunctionRecord) -> str:
        if record.cls is None:
            return "function"
        for decorator in record.node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Name) and expr.value == "staticmethod":
                return "static"
            if isinstance(expr, cst.Name) and expr.value == "classmethod":
                return "class"
        return "method"

    def _entries(self, record: FunctionRecord) -> tuple[dict[str, tuple[str, str, str]], bool]:
        """The parameters that are sources, and whether an unknown decorator hides who
        calls the function."""
        params = record.node.params
        names = [
            p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        ]
        if isinstance(params.star_arg, cst.Param):
            names.append(params.star_arg.name.value)
        if isinstance(params.star_kwarg, cst.Param):
            names.append(params.star_kwarg.name.value)
        kind = self._kind(record)
        skip = set(names[:1]) if kind in ("method", "class") else set()
        skip |= set(self._injected(record))  # a framework fills them from a function
        entries: dict[str, tuple[str, str, str]] = {}
        opaque = False
        wrapping: list[str] = []
        for decorator in record.node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            typed = self.typed(func, record.outer)
            verb = func.attr.value if isinstance(func, cst.Attribute) else ""
            receiver = dotted(func.value) if isinstance(func, cst.Attribute) else ""
            source = self.sources.decorator_source(typed, verb, receiver)
            if source is not None:
                for name in names:
                    if name not in skip:
                        # a scalar annotation converts only where the framework validates
                        # by it (FastAPI, typer: rules/sources.toml's ``validates``)
                        validated = self._validated(record, name) if source.validates else ""
                        entries.setdefault(name, (source.origin, source.note, validated))
                continue
            plain = typed is not None and (
                typed in _PLAIN_DECORATORS or typed.endswith((".setter", ".getter", ".deleter"))
            )
            if not plain:
                opaque = True
                if typed is not None and expr is func:  # @shell_command
                    wrapping.append(typed)
                elif typed is not None:  # @shell("x"): what a call of the factory returns
                    wrapping.append(f"{typed}()")
        self._wrapping[id(record)] = tuple(wrapping)
        if record.cls is not None:
            for base in self._bases(record.cls):
                for entry in self.sources.base_classes:
                    if names_method(entry.methods, record.node.name.value) and entry.patterns.get(
                        base
                    ):
                        for name in names:
                            if name not in skip and name not in entry.skip:
                                entries.setdefault(
                                    name, (entry.source.origin, entry.source.note, "")
                                )
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            default = param.default
            if isinstance(default, cst.Call) and param.name.value not in entries:
                typed = self.typed(default.func, record.outer)
                source = self.sources.default_source(typed) if typed is not None else None
                if source is not None:
                    entries[param.name.value] = (source.origin, source.note, "")
        provider = record.node.name.value if record.cls is None else None
        if record.cls is not None and record.node.name.value == "__init__":
            provider = record.cls.rsplit(".", 1)[-1]  # Depends(Class): its constructor
        if provider is not None and provider in self._dependencies():
            # a FastAPI dependency of this file: the framework fills its parameters in from
            # the request, as a route's (Depends(get_user) elsewhere is not seen)
            source = self.sources.default_source("fastapi.Query")
            if source is not None:
                for name in names:
                    if name not in skip:
                        entries.setdefault(
                            name, (source.origin, source.note, self._validated(record, name))
                        )
        handler = self.sources.handlers.get(record.node.name.value)
        if handler is not None and record.cls is None:
            for name in names:
                if name in handler[0]:
                    entries.setdefault(name, (handler[1].origin, handler[1].note, ""))
        for request in self.sources.request_parameters:
            for name in names:
                if name in skip or name in entries:
                    continue
                annotation = self._annotation(record.scope, name)
                typed = self.typed(annotation, record.outer) if annotation is not None else None
                if (typed is not None and request.annotations.get(typed)) or (
                    name in request.names and self._uses(request.frameworks)
                ):
                    entries[name] = (request.source.origin, request.source.note, "")
        return entries, opaque

    def _dependencies(self) -> frozenset[str]:
        """The names of this file's functions given to ``Depends``/``Security``."""
        if self._dependency_names is None:
            found: set[str] = set()
            for record in self.collector.functions:
                for provider in self._injected(record).values():
                    if isinstance(provider, cst.Name):
                        found.add(provider.value)
            self._dependency_names = frozenset(found)
        return self._dependency_names

    def _injected(self, record: FunctionRecord) -> dict[str, cst.BaseExpression]:
        """The parameters a dependency-injection default fills in (FastAPI's
        ``root: str = Depends(backup_root)``), with the function that provides them."""
        out: dict[str, cst.BaseExpression] = {}
        params = record.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            default = param.default
            if not isinstance(default, cst.Call) or not default.args:
                continue
            typed = self.typed(default.func, record.outer)
            if typed is not None and typed.rsplit(".", 1)[-1] in ("Depends", "Security"):
                out[param.name.value] = default.args[0].value
        return out

    def _validated(self, record: FunctionRecord, name: str) -> str:
        """The sanitizer a framework applies to a parameter annotated with a scalar type
        (FastAPI and typer convert ``limit: int`` or fail the request), or "". Every
        value the annotation admits must be converted: ``int | str`` keeps a string (pydantic
        tries each alternative), ``tuple[int, str]`` holds one."""
        annotation = self._written_annotation(record.scope, name)
        if annotation is None:
            return ""
        converted = self._converting(annotation, record.outer)
        if not converted or converted == "None":
            return ""
        return f"converted to {converted} by the framework"

    def _converting(self, annotation: cst.BaseExpression, outer: Scope, depth: int = 0) -> str:
        """What a value validated against ``annotation`` is converted to (``int``,
        ``list[int]``, ``Literal[...]``), when every value it admits is a sanitizer's type
        (``None`` of an ``Optional`` included: it is no text) or one of the constants of a
        ``Literal``; "" when some value may be text as sent (``int | str``, ``tuple[int,
        str]``, ``list``, ``Any``, a string annotation)."""
        if depth > 8:
            return ""
        if isinstance(annotation, cst.Name) and annotation.value == "None":
            return "None"
        if isinstance(annotation, cst.Name | cst.Attribute):
            typed = self.typed(annotation, outer)
            if typed is not None and self.sources.sanitizer(typed) is not None:
                return typed.removeprefix("builtins.")
            return ""
        if isinstance(annotation, cst.BinaryOperation) and isinstance(
            annotation.operator, cst.BitOr
        ):
            sides = [
                self._converting(annotation.left, outer, depth + 1),
                self._converting(annotation.right, outer, depth + 1),
            ]
            return _union_text(sides) if all(sides) else ""
        if not isinstance(annotation, cst.Subscript):
            return ""
        items = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if not items or len(items) != len(annotation.slice):
            return ""
        typed = self.typed(annotation.value, outer) or ""
        kind = typed.rsplit(".", 1)[-1] if typed.startswith(_TYPING_ROOTS) else ""
        if kind == "Annotated":
            return self._converting(items[0], outer, depth + 1)
        if kind == "Literal":
            constant = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)
            if all(
                isinstance(i, constant)
                or (isinstance(i, cst.Name) and i.value in ("True", "False", "None"))
                or (
                    isinstance(i, cst.UnaryOperation)
                    and isinstance(i.operator, cst.Minus)
                    and isinstance(i.expression, cst.Integer | cst.Float)
                )
                for i in items
            ):
                return "a Literal constant"
            return ""
        if kind in ("Optional", "Union"):
            found = [self._converting(i, outer, depth + 1) for i in items]
            return _union_text(found) if all(found) else ""
        if kind in _CONTAINER_TYPES:
            # every item of the container converted (``tuple[int, ...]``: one type)
            more = [i for i in items if isinstance(i, cst.Ellipsis)]
            if more and kind not in ("Tuple", "tuple"):
                return ""
            found = [self._converting(i, outer, depth + 1) for i in items if i not in more]
            if found and all(found) and "None" not in found:
                return f"{kind}[{', '.join(found + ['...'] * len(more))}]"
        return ""

    def _bases(self, cls: str) -> list[str]:
        record = self._classes_by_key.get(cls)
        if record is None:
            return []
        out = []
        for base in record.node.bases:
            value = base.value
            if isinstance(value, cst.Subscript):  # a generic class: Tool[Args]
                value = value.value
            typed = self.typed(value, record.outer)
            if typed is not None:
                out.append(typed)
        return out

    def _function(self, record: FunctionRecord) -> Function:
        params = record.node.params
        positional = tuple(p.name.value for p in (*params.posonly_params, *params.params))
        defaults: dict[str, Arg] = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                defaults[param.name.value] = self.arg(param.default, record.outer)
        entries, opaque = self._entries(record)
        injected: dict[str, Arg] = {}
        for name, provider in self._injected(record).items():
            typed = self.typed(provider, record.outer)
            if typed is not None and self._may_be_project(typed):
                # what the framework calls to fill it in
                number = self._made_up_call(cst.Call(func=provider), record.outer, typed)
                injected[name] = Arg((("c", number),))
        # a generator's call carries what it yields: iterating it (``for x in gen()``,
        # ``"".join(gen())``) gives those values
        returns = self._union((*record.returns, *record.yields), record.scope, 0)
        line, column = self.def_position(record)
        kwonly = tuple(p.name.value for p in params.kwonly_params)
        if record.generator:
            # what is sent into it (its ``yield`` expressions' value): what a ``.send(x)``
            # seen passes, else (a ``next()``, a ``for``, code not seen) nothing the analysis
            # can tell: never a constant
            kwonly = (*kwonly, SENT)
            note = f"what is sent into the generator {record.key}() (its `yield`)"
            defaults[SENT] = Arg((("s", "parameter", line, column, note, "yield"),))
        return Function(
            key=record.key,
            line=line,
            column=column,
            params=positional,
            kwonly=kwonly,
            vararg=params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None,
            kwarg=params.star_kwarg.name.value
            if isinstance(params.star_kwarg, cst.Param)
            else None,
            kind=self._kind(record),
            cls=record.cls,
            entries=entries,
            returns=tuple(sorted(returns, key=repr)),
            defaults=defaults,
            opaque=opaque,
            injected=injected,
            complete=not _is_stub(record.node),
            abstract=record.cls is not None and self._abstract(record),
            decorators=self._wrapping.get(id(record), ()),
        )

    def _model_aliases(self) -> dict[str, Function]:
        """The module-level names bound to a model call's function (``completion =
        litellm.completion`` in one branch of an ``if``, ``ask = client.messages.create``
        in a ``try``): for the other modules, which call them by that name, a function that
        returns the model's output (in this module, a call of the name is typed through
        its bindings). A name also bound by a ``def`` is that function."""
        out: dict[str, Function] = {}
        scope = self.collector.module_scope
        for name, bindings in scope.bindings.items():
            labels: set[Label] = set()
            for binding in bindings:
                if binding.kind == "def" or binding.defines:
                    labels = set()
                    break
                value = binding.value
                if binding.kind != "value" or not isinstance(value, cst.Name | cst.Attribute):
                    continue
                typed = self.typed(value, binding.scope)
                source = self.sources.call_source(typed) if typed is not None else None
                if source is not None:
                    labels.add(self._source(source, value, self.code(value) + "()", scope))
            if not labels:
                continue
            line, column = min((x[2], x[3]) for x in labels)
            out[name] = Function(
                key=name,
                line=line,
                column=column,
                params=(),
                kwonly=(),
                vararg="args",
                kwarg="kwargs",
                kind="function",
                cls=None,
                entries={},
                returns=tuple(sorted(labels, key=repr)),
                defaults={},
                opaque=False,
                complete=True,
            )
        return out

    def _abstract(self, record: FunctionRecord) -> bool:
        """Declared only: ``@abstractmethod``, or a body (after its docstring) that is only
        ``...``, ``raise NotImplementedError`` or ``pass`` (a hook the subclasses override;
        not the ``pass`` the skeleton writes for a one-line body it dropped)."""
        for decorator in record.node.decorators:
            typed = self.typed(decorator.decorator, record.outer)
            if typed in ("abc.abstractmethod", "abc.abstractproperty"):
                return True
        body = record.node.body
        stmts: list[cst.BaseSmallStatement] = []
        # on the def's line (``def f(self): ...``): never a body the skeleton dropped, so
        # ``pass`` there is the method's own
        one_line = isinstance(body, cst.SimpleStatementSuite)
        if isinstance(body, cst.SimpleStatementSuite):
            stmts += body.body
        else:
            for line in body.body:
                if not isinstance(line, cst.SimpleStatementLine):
                    return False
                stmts += line.body
        documented = bool(stmts) and _is_docstring(stmts[0])
        if documented:
            stmts = stmts[1:]
        if not stmts:
            return documented and not _is_stub(record.node)
        own_pass = documented or one_line or self._own_pass(record)
        for stmt in stmts:
            if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Ellipsis):
                continue
            if isinstance(stmt, cst.Pass) and own_pass:
                continue
            if isinstance(stmt, cst.Raise) and stmt.exc is not None:
                raised = stmt.exc.func if isinstance(stmt.exc, cst.Call) else stmt.exc
                if isinstance(raised, cst.Name) and raised.value == "NotImplementedError":
                    continue
            return False
        return True

    def _own_pass(self, record: FunctionRecord) -> bool:
        """Whether the body ``pass`` alone on its line is the method's own (a hook its
        subclasses override: ``def prepare(self, data): pass`` of a template method), not
        one the skeleton put in place of a body it dropped: the function's last line (the
        ``ast``'s, of the text as written) is not in a dropped range."""
        span = self._spans.get(id(record.scope))
        if span is None:
            return False
        last = span[2]
        return not any(first <= last <= end for first, end in self.dropped)

    # -- the whole file ----------------------------------------------------------------------
    def build(
        self,
        sites: list[
            tuple[
                int,
                CallSite,
                list[cst.BaseExpression],
                str | None,
                str | None,
                cst.BaseExpression | None,
                str | None,
                frozenset[str],
                tuple[str, ...],
            ]
        ],
        value_names: Iterable[str],
        value_attrs: Iterable[str],
    ) -> FileSummary:
        """``sites``: (finding index, call, payload expressions, payload class if the
        function's parameters were constant, the parameter that is its whole argument
        vector: see :attr:`Site.argv`, the program of a vector written out: see
        :attr:`Site.program`, whether it starts a shell that reads its commands from its
        standard input and returns the process ("process"), the pipe to that input
        ("pipe") or a session's process (the sink's name: ``pexpect.spawn``), else None:
        see :meth:`fed`, the module-level names a constant payload
        reads: see :attr:`Site.names`, the names imported from other modules that would make it
        more constant: see :attr:`Site.imports`) of each finding of the file."""
        summary = self.summary
        for index, call, payload, if_params, argv, program, reads_stdin, read, imports in sites:
            self._guards_now = self.guarded(call) if call.guards else {}
            # the call's own arguments are read when it runs: what its function binds
            # later does not reach them (other parts, a pipe's writes, may come later)
            in_call = {id(a.value) for a in call.node.args} if call.done >= 0 else set()
            try:
                labels = EMPTY
                for node in payload:
                    self._now = (call.scope, call.done) if id(node) in in_call else None
                    labels |= self.labels(node, call.scope, 1)
                self._now = None
                runs = None if program is None else self._union([program], call.scope, 0)
            finally:
                self._guards_now = {}
                self._now = None
            if reads_stdin is not None:
                labels |= self._fed_labels(call, reads_stdin)
            function = self._function_key(call.scope)
            # (written to a shell's input, or maybe cut of its shell quotes: still the value)
            own = (uncut(x[-1] if x[0] == "w" else uncut(x)) for x in labels)
            params = tuple(sorted({x[2] for x in own if x[0] == "p" and x[1] == function}))
            summary.sites.append(
                Site(
                    index,
                    function,
                    tuple(sorted(labels, key=repr)),
                    if_params if params else None,
                    params,
                    argv if argv in params else None,
                    None if runs is None else tuple(sorted(runs, key=repr)),
                    tuple(sorted(read)),
                    imports,
                )
            )
        # every call of something that may be a project function: the call graph
        for site in self.collector.every_call:
            typed = self.typed(site.node.func, site.scope)
            if typed is not None and self._may_be_project(typed):
                self.labels(site.node, site.scope)
            elif typed is not None and self.sources.copies.get(typed) is not None:
                self._copied(site)
            elif typed is None and isinstance(site.node.func, cst.Attribute):
                self._untyped(site)
            if isinstance(site.node.func, cst.Attribute):
                self._alternative_receivers(site)
            if typed is None:
                self._table_dispatched(site)
            self._rebuilt(site)
            self._sent(site)
            self._handed_over(site)
            self._dispatched(site)
            self._looked_up(site)
        self.operate()
        for record in self.collector.functions:
            summary.functions[record.key] = self._function(record)
        for alias, made in self._model_aliases().items():
            summary.functions.setdefault(alias, made)
        attrs: dict[tuple[str, str], set[Label]] = {}
        for assign in self.collector.attr_assigns:
            held = attrs.setdefault((assign.cls, assign.attr), set())
            if assign.value is not None:
                held |= self.labels(assign.value, assign.scope)
        for klass in self.collector.classes:
            # the class attributes its body binds to what carries data (``program =
            # os.environ["SHELL"]``): what ``self.program`` reads where no method sets it, in
            # a method of this class or of a base class of another file
            body = klass.scope.bindings.items() if klass.scope is not None else ()
            for name, bindings in body:
                for binding in bindings:
                    if binding.kind == "value" and binding.value is not None:
                        labels = self.labels(binding.value, binding.scope)
                        if labels:
                            attrs.setdefault((klass.key, name), set()).update(labels)
        for klass in self.collector.classes:
            summary.classes[klass.key] = Class(
                klass.key,
                tuple(self._bases(klass.key)),
                {
                    attr: tuple(sorted(labels, key=repr))
                    for (cls, attr), labels in attrs.items()
                    if cls == klass.key
                },
                self._fields(klass.key),
                self._converted_fields(klass.key),
                self._sourced(klass.key),
                self._framework_attrs(klass.key),
                self._validates_assignment(klass.key),
            )
        for name, bindings in self.collector.module_scope.bindings.items():
            for binding in bindings:
                if binding.kind == "import" and binding.target:
                    summary.exports[name] = self.absolute(binding.target)
            if len(bindings) == 1 and isinstance(bindings[0].value, cst.Call):
                # a module-level instance (``runner = Runner()``): what it is, for the
                # modules that import it
                typed = self.typed(bindings[0].value, self.collector.module_scope)
                if typed is not None and typed.endswith("()"):
                    summary.exports.setdefault(name, typed)
        names = set()
        for name in value_names:
            bindings = self.collector.module_scope.bindings.get(name, [])
            for binding in bindings:
                if binding.kind == "import" and binding.target:
                    names.add(self.absolute(binding.target))
        summary.registered = tuple(self._registered())
        summary.object_attrs = tuple(self._object_attrs())
        summary.outside = tuple(self._outside_writes())
        summary.value_names = tuple(sorted(names | self._lookups))
        summary.value_attrs = tuple(sorted(set(value_attrs)))
        summary.calls = [c for c in summary.calls if c is not None]
        return summary

    # -- what a shell started to read its standard input is fed --------------------------
    def fed(
        self, site: CallSite, pipe: bool = False, session: frozenset[str] = frozenset()
    ) -> list[tuple[cst.BaseExpression, Scope, cst.Call]]:
        """What the program writes to the standard input of the shell or interpreter that
        ``site`` starts to read its commands there (``Popen(["bash"], stdin=PIPE)``), each
        with its scope and the call that writes it (rules/stdin_feeds.toml): the arguments
        of ``p.communicate(v)``, ``p.communicate(input=v)``, and of the writes to its pipe
        ``p.stdin``: ``.write(v)``, ``.writelines(v)``, ``print(v, file=...)`` and
        ``os.write(<pipe>.fileno(), v)``. ``p`` is what ``site`` returns: the call itself,
        a variable bound to it (or to such a variable), ``self.<attr>`` assigned it in a
        method of the same class (read in any method of that class), or a call of a function
        of the file that returns it (``def start(): return Popen(...)``). The pipe may be
        held so too (``stdin = p.stdin``, ``with p.stdin as f``, ``self.pipe = p.stdin``),
        and its descriptor (``fd = p.stdin.fileno()``). With ``pipe``, ``site`` returns the
        pipe itself (``os.popen("sh", "w")``). ``session``: further methods of the process
        that write to its input (``child.sendline(v)`` of ``pexpect.spawn``: rules/
        stdin_feeds.toml's ``[[sessions]]``). A process or pipe handed elsewhere is not
        followed (what is fed there is not seen: the site keeps the per-file stage's
        dynamic class)."""
        table = stdin_feeds()
        node = site.node
        # ``self.<attr> = value`` of the file: (class, attr, value, scope)
        assigns = [
            (a.cls, a.attr, a.value, a.scope)
            for a in self.collector.attr_assigns
            if a.value is not None and not a.mutation
        ]
        held = {(c, attr) for c, attr, value, scope in assigns if self._holds(value, scope, node)}
        pipes: set[tuple[str, str]] = set()
        descriptors: set[tuple[str, str]] = set()

        def is_pipe(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
            expr = self._same_object(expr, scope, table)
            if pipe:
                if self._holds(expr, scope, node, held):
                    return True
            elif (
                isinstance(expr, cst.Attribute)
                and expr.attr.value == table.stream
                and self._holds(expr.value, scope, node, held)
            ):
                return True
            if isinstance(expr, cst.Name):
                return depth < 3 and any(
                    is_pipe(b.value, b.scope, depth + 1)
                    for b in scope.lookup(expr.value) or ()
                    if b.kind in ("value", "with") and b.value is not None
                )
            return self._held_attr(expr, scope, pipes)

        def is_descriptor(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
            if isinstance(expr, cst.Call):
                func = expr.func
                return (
                    isinstance(func, cst.Attribute)
                    and func.attr.value == table.descriptor
                    and not expr.args
                    and is_pipe(func.value, scope)
                )
            if isinstance(expr, cst.Name):
                return depth < 3 and any(
                    is_descriptor(b.value, b.scope, depth + 1)
                    for b in scope.lookup(expr.value) or ()
                    if b.kind == "value" and b.value is not None
                )
            return self._held_attr(expr, scope, descriptors)

        # ``self.pipe = self.process.stdin``, ``self.fd = self.pipe.fileno()``: to a fixpoint
        changed = True
        while changed:
            changed = False
            for cls, attr, value, scope in assigns:
                key = (cls, attr)
                if key not in pipes and is_pipe(value, scope):
                    pipes.add(key)
                    changed = True
                if key not in descriptors and is_descriptor(value, scope):
                    descriptors.add(key)
                    changed = True

        out: list[tuple[cst.BaseExpression, Scope, cst.Call]] = []
        for call in self.collector.every_call:
            func = call.node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else None
            if name is None and not isinstance(func, cst.Name):
                continue
            written: list[cst.BaseExpression] = []
            if isinstance(func, cst.Attribute) and (
                (
                    not pipe
                    and (name in table.methods or name in session)
                    and self._holds(func.value, call.scope, node, held)
                )
                or (name in table.stream_methods and is_pipe(func.value, call.scope))
            ):
                written = [
                    arg.value
                    for arg in call.node.args
                    if arg.keyword is None or arg.keyword.value in table.keywords
                ]
            elif (func.value if isinstance(func, cst.Name) else name) in table.writer_names:
                written = self._written(call, table, is_pipe, is_descriptor)
            out.extend((value, call.scope, call.node) for value in written)
        return out

    def _written(
        self,
        call: CallSite,
        table: StdinFeeds,
        is_pipe: Callable[[cst.BaseExpression, Scope], bool],
        is_descriptor: Callable[[cst.BaseExpression, Scope], bool],
    ) -> list[cst.BaseExpression]:
        """What a call of a writer (rules/stdin_feeds.toml's ``[[writers]]``: ``print``,
        ``os.write``) writes, when the pipe it writes to is the one followed."""
        qualname = self.typed(call.node.func, call.scope)  # builtins.print, os.write
        for writer in table.writers:
            if qualname != writer.name:
                continue
            if isinstance(writer.pipe, str):
                target = keyword(call.node, writer.pipe)
            else:
                target = positional(call.node, writer.pipe)
            if target is None:
                continue
            check = is_descriptor if writer.by_descriptor else is_pipe
            if not check(target, call.scope):
                continue
            if writer.written is None:
                return [arg.value for arg in call.node.args if arg.keyword is None]
            values = (positional(call.node, i) for i in writer.written)
            return [v for v in values if v is not None]
        return []

    def _same_object(
        self, expr: cst.BaseExpression, scope: Scope, table: StdinFeeds
    ) -> cst.BaseExpression:
        """``expr`` without ``await`` and the calls that return their argument as it is
        (rules/stdin_feeds.toml's ``[[same]]``: ``typing.cast(IO[str], proc.stdin)`` holds
        the pipe ``proc.stdin``)."""
        for _ in range(4):
            while isinstance(expr, cst.Await):
                expr = expr.expression
            if not isinstance(expr, cst.Call) or not table.same:
                return expr
            typed = self.typed(expr.func, scope)
            same = next((s for s in table.same if s.name == typed), None)
            if same is None:
                return expr
            inner = keyword(expr, same.keyword) or positional(expr, same.position)
            if inner is None:
                return expr
            expr = inner
        return expr

    def _held_attr(
        self, expr: cst.BaseExpression, scope: Scope, attrs: set[tuple[str, str]]
    ) -> bool:
        """Whether ``expr`` is ``self.<attr>`` of a method whose class's ``attr`` is in
        ``attrs``."""
        if not attrs or not isinstance(expr, cst.Attribute) or not isinstance(expr.value, cst.Name):
            return False
        owner = self._method_of(scope)
        return (
            owner is not None
            and expr.value.value == owner[1]
            and (owner[0], expr.attr.value) in attrs
        )

    def _holds(
        self,
        expr: cst.BaseExpression,
        scope: Scope,
        node: cst.Call,
        attrs: set[tuple[str, str]] | None = None,
        depth: int = 0,
    ) -> bool:
        """Whether ``expr`` (in ``scope``) holds what ``node`` returns (see :meth:`fed`)."""
        expr = self._same_object(expr, scope, stdin_feeds())
        if expr is node:
            return True
        if isinstance(expr, cst.Name):
            for binding in scope.lookup(expr.value) or ():
                value = binding.value
                if binding.kind not in ("value", "with") or value is None:
                    continue
                if depth < 3 and self._holds(value, binding.scope, node, attrs, depth + 1):
                    return True
            return False
        if isinstance(expr, cst.Call):
            # a function of the file that returns it (``def start(): return Popen(...)``)
            record = self._local_function(expr.func, scope) if depth < 3 else None
            return record is not None and any(
                self._holds(value, record.scope, node, attrs, depth + 1) for value in record.returns
            )
        return self._held_attr(expr, scope, attrs or set())

    def _fed_labels(self, site: CallSite, reads: str) -> frozenset[Label]:
        """What is written to the input of the shell ``site`` starts; ``reads``: see
        :meth:`build`."""
        session = stdin_feeds().session(reads) if reads not in ("process", "pipe") else None
        out: set[Label] = set()
        for value, scope, feeder in self.fed(site, reads == "pipe", session or frozenset()):
            line, column = self.position(feeder, scope)
            text = self.code(feeder.func)
            out.update(("w", line, column, text, x) for x in self.labels(value, scope))
        return frozenset(out)


def _argument(node: cst.Call, position: int, keywords: frozenset[str]) -> cst.Arg | None:
    """The argument of ``node`` at ``position`` (-1: none) or given by one of ``keywords``."""
    positional = 0
    for arg in node.args:
        if arg.star == "*":
            position = -1  # the places after a spread are not known
        if arg.star:
            continue
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return arg
            continue
        if positional == position:
            return arg
        positional += 1
    return None


def _snake(typed: str | None) -> str:
    """The class of an instance (``pkg.mod.BaseLLM()``) in snake case (``base_llm``), ""
    when ``typed`` is not an instance."""
    if typed is None or not typed.endswith("()"):
        return ""
    name = typed[:-2].rsplit(".", 1)[-1]
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _is_docstring(stmt: cst.BaseSmallStatement) -> bool:
    return isinstance(stmt, cst.Expr) and isinstance(
        stmt.value, (cst.SimpleString, cst.ConcatenatedString)
    )


# calls whose result holds each argument whole: a shell-quoted word stays one there
_WHOLE_CALLS = _ITERATING | {"builtins.str", "builtins.set", "builtins.frozenset"}
# the fields of a %-template and of a str.format template
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[^a-zA-Z%]*[a-zA-Z%]")
_FORMAT_FIELD_ANY = re.compile(r"\{[^{}]*\}")


def _plain_template(node: cst.BaseExpression, fields: re.Pattern[str], plain: str) -> bool:
    """Whether ``node`` is a constant template each of whose fields puts its value in
    whole: ``%s`` (``%(name)s``), ``{}`` (``{0}``, ``{name}``); not ``%.3s``, ``%r``,
    ``{!r}``, ``{:.3}``."""
    if not isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        return False
    text = node.evaluated_value
    if not isinstance(text, str):
        return False
    if plain == "{}":
        text = text.replace("{{", "").replace("}}", "")
        return all("!" not in f and ":" not in f for f in fields.findall(text))
    found = [f for f in fields.findall(text) if f != "%%"]
    return all(re.fullmatch(r"%(?:\([^)]*\))?s", f) for f in found)


# the modules that define the generic aliases an annotation may subscript
_TYPING_ROOTS = ("builtins.", "typing.", "typing_extensions.", "collections.abc.")
# the containers every item of which a framework validates against the item's type
_CONTAINER_TYPES = frozenset(
    {
        "list", "set", "frozenset", "tuple", "List", "Set", "FrozenSet", "Tuple",
        "Sequence", "MutableSequence", "AbstractSet", "MutableSet", "Iterable", "Collection",
    }
)  # fmt: skip


def _union_text(alternatives: list[str]) -> str:
    """``int | None`` for the conversions of a union's alternatives, each once."""
    kept = list(dict.fromkeys(alternatives))
    named = [a for a in kept if a != "None"]
    return " | ".join(named) if named else "None"


def _forward_ref(annotation: cst.BaseExpression) -> cst.BaseExpression:
    """The expression a string annotation spells (``manager: "SessionManager"``, a class
    imported under ``if TYPE_CHECKING:``), read in the scope the annotation is written in;
    any other annotation, or a string that is no expression, as it is."""
    if not isinstance(annotation, cst.SimpleString):
        return annotation
    text = string_value(annotation)
    if not isinstance(text, str):
        return annotation
    try:
        return cst.parse_expression(text.strip())
    except cst.ParserSyntaxError:
        return annotation


def _unwrapped_annotation(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """The class an annotation names: ``X`` of ``Optional[X]``, ``Annotated[X, ...]``,
    ``X | None``, ``Union[X, ...]`` (the first that is not None); of a string, what it
    spells (:func:`_forward_ref`)."""
    annotation = _forward_ref(annotation)
    if isinstance(annotation, cst.Subscript):
        first = annotation.slice[0].slice if annotation.slice else None
        return first.value if isinstance(first, cst.Index) else None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        left = annotation.left
        if isinstance(left, cst.Name) and left.value == "None":
            return _unwrapped_annotation(annotation.right)
        return _unwrapped_annotation(left)
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return annotation
    return None


def _alternatives(annotation: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """The classes a value annotated so may hold: each of ``Union[X, Y]``, ``X | Y`` and
    ``Optional[X]`` (``None`` left out), ``X`` of ``Annotated[X, ...]``; None for any other
    subscript (``list[int]``, ``tuple[int, str]``); a string is what it spells."""
    annotation = _forward_ref(annotation)
    if isinstance(annotation, cst.Name | cst.Attribute):
        return (
            [] if isinstance(annotation, cst.Name) and annotation.value == "None" else [annotation]
        )
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        left, right = _alternatives(annotation.left), _alternatives(annotation.right)
        return None if left is None or right is None else left + right
    if not isinstance(annotation, cst.Subscript):
        return None
    kind = dotted(annotation.value).rsplit(".", 1)[-1]
    items = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
    if not items or len(items) != len(annotation.slice):
        return None
    if kind == "Annotated":
        return _alternatives(items[0])
    if kind not in ("Optional", "Union"):
        return None
    out: list[cst.BaseExpression] = []
    for item in items:
        found = _alternatives(item)
        if found is None:
            return None
        out += found
    return out


def _unwrapped(labels: Iterable[Label]) -> Iterable[Label]:
    for label in labels:
        inner = wrapped(label)
        if inner is not None:
            yield from _unwrapped([inner])
        else:
            yield label


def payload_nodes(
    call: cst.Call, start: int, keyword_name: str | None, form: str = "command", name: str = ""
) -> list[cst.BaseExpression]:
    """The expressions a sink's payload is made of, by the sink's form: the command, code
    or module argument alone (``exec``'s globals and locals, ``subprocess.run``'s ``env``
    are not the payload); a program and its arguments (``os.execl``: every positional from
    ``start`` on, but the environment of the ``...e`` variants); a program and its argv list
    (``os.execv``, ``os.execve``: two arguments, not the environment)."""
    positional: list[cst.BaseExpression] = []
    starred = False
    for arg in call.args:
        if arg.keyword is None:
            if arg.star:
                starred = True
            positional.append(arg.value)
    if form == "program-args":
        out = positional[start:]
        if name.rsplit(".", 1)[-1].endswith("e") and len(out) > 1 and not starred:
            out = out[:-1]  # execle, spawnle...: the last argument is the environment
    elif form == "program-argv":
        out = positional[start : start + 2]
    else:
        out = positional[start : start + 1]
        if starred and not out:
            out = positional[-1:]
    if keyword_name is not None:
        value = keyword(call, keyword_name)
        if value is not None:
            out.append(value)
    return out


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _bound_once(func: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """What a callee is: itself, or for a name bound once to a value, that value in the
    scope it was bound in; None for a name bound otherwise (several times, a parameter)."""
    if not isinstance(func, cst.Name):
        return func, scope
    bindings = scope.lookup(func.value)
    if not bindings or len(bindings) != 1 or bindings[0].kind != "value":
        return None
    value = bindings[0].value
    if value is None:
        return None
    return value, bindings[0].scope


def _true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _sets_true(stmt: cst.BaseSmallStatement, name: str) -> bool:
    """``name = True`` (``validate_assignment = True`` in a ``class Config``)."""
    return (
        isinstance(stmt, cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in stmt.targets)
        and _true(stmt.value)
    )
