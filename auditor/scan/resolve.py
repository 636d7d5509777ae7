"""Resolve an expression to the dotted name of what it refers to, through imports, aliases,
assignments, ``getattr(mod, NAME)``, ``operator.attrgetter(NAME)(mod)``,
``__import__(NAME)`` and ``importlib.import_module(NAME)`` where ``NAME`` is a constant
string (a literal, a name bound only to constants, and what rules/names.toml computes from
constants: joined by ``+``, ``%``, ``.format``, ``"".join`` or in an f-string, a ``str``
method, ``bytes(...).decode()``, a slice, a choice), respecting shadowing."""

from __future__ import annotations

import functools
import string
import sys
from collections.abc import Iterable

import libcst as cst

from auditor.rules_files import rule_table
from auditor.scan.scopes import Binding, Scope
from auditor.scan.strings import string_value

_MAX_DEPTH = 12
# lookups of one name in one scope under way at once: ``x = x.a`` then ``x = x.b`` is
# followed through 3 of its own bindings (``m.a.b`` and such), no further
_SELF_LOOKUPS = 3
# the functions whose call _call can name
_NAMING = frozenset({"getattr", "__import__", "import_module", "__getattribute__", "getitem"})
# what a module's namespace looked up by key is written with (Resolver.namespace)
_NAMESPACE_ATTRS = frozenset({"__dict__", "modules", "__builtins__"})

BUILTIN_NAMES = frozenset({"eval", "exec", "__import__", "getattr", "compile", "open"})
# what iterating a container's view gives (Resolver.items): its items, keys or values
_VIEWS = frozenset({"items", "values", "keys", "copy"})
# the builtins whose result iterates over (parts of) their arguments' items
_PASSING = ("list", "tuple", "set", "frozenset", "iter", "reversed", "sorted", "enumerate", "zip")
# the items Resolver.items gives at most (more are not looked at: recall is kept by the
# prefilter's and the payload's own rules, this only names a callee)
_MAX_ITEMS = 64

# Names of the standard library's modules: one used in a file that binds it nowhere (no
# import: a snippet, a notebook's export, code run in a prepared namespace, or a module it
# comes to through a star import) is taken for that module, so that ``os.system(x)`` or
# ``sys.argv`` in such a file is still a sink or a source (recall first).
IMPLICIT_MODULES = frozenset(sys.stdlib_module_names)


def implicit_module(name: str) -> str | None:
    """The module an unbound ``name`` stands for, or None."""
    return name if name in IMPLICIT_MODULES else None


def literal_string(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string), else None."""
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left = literal_string(node.left)
        right = literal_string(node.right)
        if left is not None and right is not None:
            return left + right
    return None


# the values a name bound to constant strings may hold, followed this many bindings deep;
# more, and the name is not known (a subset of them could leave out the sink)
_MAX_TEXTS = 16
# a string computed from constants longer than this is not a name worth computing
_MAX_TEXT_LENGTH = 256


@functools.cache
def _names_table() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """rules/names.toml: the str methods computed, the encodings decoded, the importers."""
    data = rule_table("names.toml")
    return (
        frozenset(data["str-methods"]),
        frozenset(data["encodings"]),
        frozenset(data["importers"]),
    )


def may_compute(call: cst.Call) -> bool:
    """Whether :meth:`Resolver.texts` may compute a string from ``call``, by its callee's
    name alone (``.join``, ``.format``, ``.decode``, a str method of rules/names.toml,
    ``str``, ``chr``): the cheap test before asking it."""
    func = call.func
    if isinstance(func, cst.Attribute):
        name = func.attr.value
        return name in ("join", "format", "decode") or name in _names_table()[0]
    return isinstance(func, cst.Name) and func.value in ("str", "chr")


def attribute_lookup(
    call: cst.Call,
) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None]:
    """(object, name) of ``obj.__getattribute__(name)``, or of the unbound form
    ``object.__getattribute__(obj, name)`` (``type(obj).__getattribute__(obj, name)``)."""
    assert isinstance(call.func, cst.Attribute)
    second = positional(call, 1)
    if second is not None:
        return positional(call, 0), second
    return call.func.value, positional(call, 0)


@functools.cache
def property_decorators() -> frozenset[str]:
    """The decorators that make a method an attribute holding what it returns
    (rules/names.toml's ``properties``: ``builtins.property``)."""
    return frozenset(rule_table("names.toml")["properties"])


def importers() -> frozenset[str]:
    """The functions that import a module by a name given as a string (rules/names.toml)."""
    return _names_table()[2]


def _integer(node: cst.BaseExpression) -> int | None:
    """The value of an integer literal, negative too (``-1``), else None."""
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        value = _integer(node.expression)
        return -value if value is not None else None
    return None


def _unshadowed(func: cst.BaseExpression, scope: Scope, *names: str) -> bool:
    """``func`` is one of the builtin functions ``names``, not shadowed in ``scope``."""
    return isinstance(func, cst.Name) and func.value in names and scope.lookup(func.value) is None


def _simple_args(call: cst.Call) -> list[cst.BaseExpression] | None:
    """The positional arguments of a call that passes no keyword and no star, else None."""
    if any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    return [arg.value for arg in call.args]


def _format_fields_simple(template: str) -> bool:
    """Whether every field of a ``str.format`` template is ``{}``, ``{0}`` or ``{name}``
    (with ``!s`` at most, no format spec): filled with strings, it gives their text."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return False
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if spec or conversion not in (None, "s"):
            return False
        if field and not field.isdigit() and not field.isidentifier():
            return False
    return True


def positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    """The ``index``-th positional argument, or None when absent or behind a ``*args``."""
    i = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return None
        if i == index:
            return arg.value
        i += 1
    return None


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star == "*" for arg in call.args)


def known_names(sink_names: Iterable[str]) -> frozenset[str]:
    """Every sink name and each of its dotted prefixes (``os``, ``asyncio.subprocess``)."""
    known: set[str] = set()
    for name in sink_names:
        parts = name.split(".")
        known.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(known)


_MAX_EVALUATED = 200  # the longest constant text of eval() read as an expression


class Resolver:
    """``lookups``: also resolve a lookup by a constant key in a module's namespace, an item
    of a container written out and a choice (``_subscript``, ``_either``): what a callee
    may be, for the sink match (auditor.scan.analyze's ``_match``); the project-wide stage's
    summaries resolve without them."""

    def __init__(
        self,
        known: frozenset[str] = frozenset(),
        lookups: bool = False,
        isolated: frozenset[str] = frozenset(),
    ) -> None:
        self.known = known
        # the sandbox's names (and their prefixes): among several things a callee may be,
        # one that runs on the host wins over one that runs in the sandbox
        # (``sandbox.run if USE_SANDBOX else subprocess.run``)
        self.isolated = isolated
        self.lookups = lookups
        # the last names of the project's functions that return a sink, known by a call of
        # them (``util.pick()``: auditor.flow.aliases)
        self._factories = frozenset(
            name.rsplit(".", 1)[-1].split("(")[0] for name in known if name.endswith(")")
        )
        self._active: set[int] = set()
        # id of a function's first ``return`` value -> what a call of it names (_returned)
        self._returns: dict[int, str | None] = {}
        self._cut = False  # a cycle of functions' returns was cut short since (_returned)
        # (name, scope) -> how many lookups of it are under way: a name bound from itself
        # many times (``p = p.parent`` x30) made every lookup the number of its bindings to
        # the power of the depth
        self._looking: dict[tuple[str, int], int] = {}
        # what a name resolved to at a given count of its own lookups under way and depth,
        # within one outermost qualname(): each is computed once (or it is that power again)
        self._memo: dict[tuple[str, int, int, int], str | None] = {}

    def qualname(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """The dotted name ``node`` refers to (``builtins.eval``, ``subprocess.run``), or
        None when it cannot be known or refers to something local."""
        if depth == 0:
            self._memo.clear()
        if depth > _MAX_DEPTH:
            return None
        # ``type(node) is``: the node classes are leaves (see auditor.scan.payload's value)
        if type(node) is cst.Name:
            return self._name(node.value, scope, depth)
        if type(node) is cst.Attribute:
            base = self.qualname(node.value, scope, depth + 1)
            if self.lookups:
                attr = node.attr.value
                if attr == "__builtins__":
                    # any module's (or function's) ``__builtins__`` is the builtins' namespace:
                    # sys.modules[__name__].__builtins__["eval"]
                    return "builtins"
                if base is not None and attr == "__call__":
                    return base  # os.system.__call__(cmd) calls os.system
                if base is not None and attr == "__self__" and "." in base:
                    # a builtin function's __self__ is its module (os.system.__self__ is os),
                    # a bound method's the object it is bound to
                    return base.rsplit(".", 1)[0]
            return f"{base}.{node.attr.value}" if base is not None else None
        if type(node) is cst.Call:
            return self._call(node, scope, depth)
        if type(node) is cst.NamedExpr:  # (f := os.system)(cmd): os.system
            return self.qualname(node.value, scope, depth + 1)
        if not self.lookups:
            return None
        if type(node) is cst.Subscript:
            return self._subscript(node, scope, depth)
        if type(node) is cst.IfExp:
            return self._either((node.body, node.orelse), scope, depth)
        if type(node) is cst.BooleanOperation:
            return self._either((node.left, node.right), scope, depth)
        return None

    def _either(self, nodes: Iterable[cst.BaseExpression], scope: Scope, depth: int) -> str | None:
        """What one of several expressions refers to (``os.system if c else print``, a
        container's items looked up by a key not known): one that names a sink or a sink's
        module wins, as among a name's bindings."""
        resolved: str | None = None
        known: str | None = None
        for node in nodes:
            candidate = self.qualname(node, scope, depth + 1)
            if candidate is None:
                continue
            if candidate in self.known:
                if candidate not in self.isolated:
                    return candidate
                known = known or candidate
            resolved = resolved or candidate
        return known if known is not None else resolved

    def _subscript(self, node: cst.Subscript, scope: Scope, depth: int) -> str | None:
        """A lookup by a constant key in a module's namespace (``sys.modules["os"]``,
        ``vars(os)["system"]``, ``os.__dict__["system"]``, ``__builtins__["exec"]``), or in a
        container written out in the code (``(os.system, os.popen)[0]``, ``d["r"]`` where
        ``d = {"r": os.system}`` is the one binding of ``d``)."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        index = node.slice[0].slice.value
        key = literal_string(index)
        holder = node.value
        if key == "__builtins__" and _own_namespace(holder, scope):
            return "builtins"  # globals()["__builtins__"]
        module = self.namespace(holder, scope, depth + 1)
        if module is not None:
            return self._in_namespace(module, index, scope, depth)
        if isinstance(holder, (cst.Name, cst.Attribute)):
            # a table of sinks of another module of the project (``from ops import TABLE``:
            # ``ops.TABLE[run]``, or ``ops.TABLE[]`` for a key not known here;
            # auditor.flow.aliases)
            table = self.qualname(holder, scope, depth + 1)
            if table is not None and f"{table}[]" in self.known:
                if isinstance(index, cst.Integer):
                    key = str(int(index.value, 0))
                named = f"{table}[{key}]" if key is not None else None
                return named if named is not None and named in self.known else f"{table}[]"
        container = holder
        if isinstance(container, cst.Name):
            bindings = scope.lookup(container.value)
            if not bindings or len(bindings) != 1 or bindings[0].kind != "value":
                return None
            container, scope = bindings[0].value, bindings[0].scope  # type: ignore[assignment]
        if isinstance(container, (cst.Tuple, cst.List)):
            items = [e.value for e in container.elements if isinstance(e, cst.Element)]
            if len(items) != len(container.elements):
                return None  # a starred item: the positions are not known
            if isinstance(index, cst.Integer):
                position = int(index.value, 0)
                if -len(items) <= position < len(items):
                    return self.qualname(items[position], scope, depth + 1)
                return None
            return self._either(items, scope, depth)
        if isinstance(container, cst.Dict):
            pairs = [e for e in container.elements if isinstance(e, cst.DictElement)]
            if len(pairs) != len(container.elements):
                return None  # a **spread: the keys are not known
            if key is not None:
                for pair in reversed(pairs):
                    if literal_string(pair.key) == key:
                        return self.qualname(pair.value, scope, depth + 1)
                if all(literal_string(pair.key) is not None for pair in pairs):
                    return None
            return self._either([pair.value for pair in pairs], scope, depth)
        return None

    def namespace(self, holder: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """The module whose namespace ``holder`` is, looked up by key: ``vars(os)``,
        ``os.__dict__`` ("os"), ``__builtins__`` ("builtins": a module or its dict), a name
        bound to one of those; "sys.modules" for ``sys.modules`` (a lookup in it is a
        module); else None. Only with ``lookups``."""
        if not self.lookups or not _namespace_shaped(holder, scope):
            return None
        where = self.qualname(holder, scope, depth)
        if where is None:
            return None
        if where.endswith(".__dict__"):
            return where.removesuffix(".__dict__")
        if where in ("builtins", "sys.modules"):
            return where
        return None

    def _in_namespace(
        self, module: str, key: cst.BaseExpression, scope: Scope, depth: int
    ) -> str | None:
        """What a lookup by ``key`` in ``module``'s namespace is (``sys.modules``: the
        module of that name), the one that names a sink first; None when the key is not
        known."""
        names = self.texts(key, scope, depth + 1)
        if names is None:
            return None
        if module == "sys.modules":
            return self._pick("", names)
        return self._pick(module, [n for n in names if n.isidentifier()])

    def _name(self, name: str, scope: Scope, depth: int) -> str | None:
        bindings = scope.lookup(name)
        if bindings is None:
            if name == "__builtins__" and self.lookups:  # the builtins module (or its namespace)
                return "builtins"
            return f"builtins.{name}" if name in BUILTIN_NAMES else implicit_module(name)
        key = (name, id(scope))
        under_way = self._looking.get(key, 0)
        if under_way >= _SELF_LOOKUPS:
            return None  # a name bound from itself, followed far enough
        memo = (name, id(scope), under_way, depth)
        if memo in self._memo:
            return self._memo[memo]
        self._looking[key] = under_way + 1
        try:
            self._memo[memo] = found = self._bindings(bindings, depth)
            return found
        finally:
            self._looking[key] = under_way

    def _bindings(self, bindings: list[Binding], depth: int) -> str | None:
        resolved: str | None = None
        known: str | None = None
        for binding in bindings:
            candidate = self._binding(binding, depth)
            if candidate is None:
                continue
            # Several bindings (try/except imports, conditional aliases): one that names a
            # sink or a sink's module wins, so a sink is never hidden by a fallback branch
            # (``except ImportError: import _bootsubprocess as subprocess``); of those, the
            # one named deepest (``x = subprocess`` then ``x = x.run``: the function, not
            # the module, is what ``x(...)`` calls)
            if candidate in self.known:
                if known is None or candidate.count(".") > known.count("."):
                    known = candidate
                continue
            resolved = candidate
        return known if known is not None else resolved

    def _binding(self, binding: Binding, depth: int) -> str | None:
        if binding.decorators and self.lookups:
            decorated = self._decorated(binding, depth)
            if decorated is not None:
                return decorated
        if binding.kind == "import":
            return binding.target
        if binding.kind == "value" and binding.value is not None:
            key = id(binding)
            if key in self._active:
                return None
            self._active.add(key)
            try:
                return self.qualname(binding.value, binding.scope, depth + 1)
            finally:
                self._active.discard(key)
        if binding.kind == "param" and binding.default is not None:
            # ``def run(cmd, system=os.system)``: a call of ``system`` runs the sink unless a
            # caller passes something else (recall first); a sink or a sink's module only
            outer = binding.scope.parent or binding.scope
            return self._known(binding, [(binding.default, outer)], depth)
        if binding.kind == "with" and binding.value is not None and self.lookups:
            # ``with runner() as r``: what a ``@contextmanager`` function of this file
            # yields, or what the ``__enter__`` of a class of this file returns
            return self._known(binding, entered_of(binding.value, binding.scope), depth)
        if binding.kind in ("iter", "unpack") and binding.value is not None and self.lookups:
            # ``for f in [os.system]``, ``for _, f in HANDLERS.items()``, ``a, b = RUNNERS``,
            # ``match os.system: case f:``: one of the items of what is iterated or unpacked
            # (or, unpacked, the whole: a match capture), a sink first
            paired = self._paired(binding) if binding.position is not None else None
            if paired is not None:  # system, _ = RUNNERS: RUNNERS[0]
                return self._known(binding, [paired], depth)
            items = self.items(binding.value, binding.scope, depth + 1)
            if binding.kind == "unpack":
                items.append((binding.value, binding.scope))
            return self._known(binding, items, depth)
        return None

    def _decorated(self, binding: Binding, depth: int) -> str | None:
        """The sink a decorator of a ``def`` returns in its place (``def swap(f): return
        os.system``, then ``@swap def status(x)``: ``status`` is ``os.system``): a function
        of this file named as the decorator, one of whose ``return``s names a sink."""
        for decorator in binding.decorators:
            if isinstance(decorator, cst.Call):
                continue  # a decorator factory: what its call returns decorates
            found = self.returned_sink(returns_of(decorator, binding.scope), depth)
            if found is not None and found in self.known:
                return found
        return None

    @staticmethod
    def _paired(binding: Binding) -> tuple[cst.BaseExpression, Scope] | None:
        """The item an "unpack" binding at ``position`` takes of a name bound once to a
        tuple or list written out with as many items and no star (``a, b = PAIR``)."""
        assert binding.position is not None and binding.value is not None
        index, count = binding.position
        whole, scope = binding.value, binding.scope
        if not isinstance(whole, cst.Name):
            return None
        bindings = scope.lookup(whole.value)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "value":
            return None
        container = bindings[0].value
        if not isinstance(container, (cst.Tuple, cst.List)) or len(container.elements) != count:
            return None
        if any(not isinstance(e, cst.Element) for e in container.elements):
            return None
        return container.elements[index].value, bindings[0].scope

    def _known(
        self, binding: object, nodes: list[tuple[cst.BaseExpression, Scope]], depth: int
    ) -> str | None:
        """What one of ``nodes`` names, when it is a sink or a sink's module (one that runs
        on the host first), else None: a binding that is no plain assignment names only
        those (a parameter's default, an item of what a loop iterates). ``binding`` (a
        binding, or the node asked of) is not followed again while it is under way."""
        key = id(binding)
        if key in self._active:
            return None
        self._active.add(key)
        try:
            found: str | None = None
            for node, where in nodes:
                candidate = self.qualname(node, where, depth + 1)
                if candidate is None or candidate not in self.known:
                    continue
                if candidate not in self.isolated:
                    return candidate
                found = found or candidate
            return found
        finally:
            self._active.discard(key)

    def items(
        self, node: cst.BaseExpression, scope: Scope, depth: int = 0
    ) -> list[tuple[cst.BaseExpression, Scope]]:
        """The items (each with the scope it is evaluated in) that iterating or unpacking
        ``node`` may give, or a part of: those of a container written out (nested ones
        too; a dict's keys and values), of a name bound to one (and what is added to it),
        of ``.items()``/``.values()``/``.keys()``/``.copy()`` of one, and of ``list``,
        ``tuple``, ``set``, ``iter``, ``reversed``, ``sorted``, ``enumerate``, ``zip`` of
        such. Empty when none is known."""
        out: list[tuple[cst.BaseExpression, Scope]] = []
        pending = [(node, scope, depth)]
        seen: set[int] = set()  # the bindings followed (``x = list(x)``)
        while pending and len(out) <= _MAX_ITEMS:
            node, scope, level = pending.pop()
            if level > _MAX_DEPTH:
                continue
            # (pushed last first: the items come out in the order they are written)
            if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
                for element in reversed(node.elements):
                    pending.append((element.value, scope, level + 1))
                continue
            if isinstance(node, cst.Dict):
                for pair in reversed(node.elements):
                    pending.append((pair.value, scope, level + 1))
                    if isinstance(pair, cst.DictElement):
                        pending.append((pair.key, scope, level + 1))
                continue
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in _VIEWS:
                    pending.append((func.value, scope, level + 1))
                elif _unshadowed(func, scope, *_PASSING):
                    pending.extend((arg.value, scope, level + 1) for arg in reversed(node.args))
                else:  # gen(): what the generator function of this file yields
                    pending.extend((v, where, level + 1) for v, where in yields_of(func, scope))
                continue
            if isinstance(node, cst.Name):
                for binding in scope.lookup(node.value) or ():
                    if binding.kind not in ("value", "augment") or binding.value is None:
                        continue
                    if id(binding) in seen or id(binding) in self._active:
                        continue
                    seen.add(id(binding))
                    if binding.kind == "augment":  # x.append(os.system): an item
                        out.append((binding.value, binding.scope))
                    pending.append((binding.value, binding.scope, level + 1))
                continue
            out.append((node, scope))
        return out

    def _call(self, call: cst.Call, scope: Scope, depth: int) -> str | None:
        # Only getattr and the import functions give a call a name; a method of any other
        # name cannot be one of them, whatever its object is, so its object is not resolved
        # (``x = x.strip()`` bound many times made every lookup of ``x`` exponential).
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in self._factories:
            func = self.qualname(call.func, scope, depth + 1)
            made = self._made(func)
            if made is not None:
                return made  # util.pick()
        if isinstance(call.func, cst.Attribute) and call.func.attr.value not in _NAMING:
            func_attr = call.func
            if (  # sys.modules.get("os"), vars(os).get("system"), __builtins__.get("exec")
                self.lookups
                and func_attr.attr.value in ("get", "__getitem__")
                and call.args
                and not call.args[0].star
                and call.args[0].keyword is None
            ):
                module = self.namespace(func_attr.value, scope, depth + 1)
                if module is not None:
                    return self._in_namespace(module, call.args[0].value, scope, depth)
                if func_attr.attr.value == "get":
                    # HANDLERS.get(name, os.system): the default, or one of the values of a
                    # container written out (a sink first)
                    default = positional(call, 1)
                    given = self.items(func_attr.value, scope, depth + 1)
                    if default is not None:
                        given.append((default, scope))
                    return self._known(call, given, depth)
            return None
        if (  # next(iter([os.system])), next(gen()): one of the items, a sink first
            self.lookups
            and _unshadowed(call.func, scope, "next")
            and call.args
            and not call.args[0].star
            and call.args[0].keyword is None
        ):
            return self._known(call, self.items(call.args[0].value, scope, depth + 1), depth)
        if (  # vars(os): the module's namespace, "os.__dict__"
            self.lookups
            and _unshadowed(call.func, scope, "vars")
            and len(call.args) == 1
            and not call.args[0].star
            and call.args[0].keyword is None
        ):
            module = self.qualname(call.args[0].value, scope, depth + 1)
            return f"{module}.__dict__" if module is not None else None
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "__getattribute__":
            # builtins.__getattribute__("exec"), object.__getattribute__(builtins, "exec"):
            # getattr(builtins, "exec")
            held, named = attribute_lookup(call)
            names = self.texts(named, scope, depth + 1) if named is not None else None
            if held is None or names is None:
                return None
            owner = self.qualname(held, scope, depth + 1)
            return self._pick(owner, [n for n in names if n.isidentifier()])
        getter = self._getter(call.func, scope, depth)
        if getter is not None:  # operator.attrgetter("system")(os): os.system
            first = positional(call, 0)
            owner = self.qualname(first, scope, depth + 1) if first is not None else None
            return self._pick(owner, getter)
        func = self.qualname(call.func, scope, depth + 1)
        if func == "builtins.eval" and self.lookups and call.args:
            # eval("os.system"): what the constant expression names, read where it is
            return self._evaluated(call, scope, depth)
        if func == "builtins.getattr" and len(call.args) >= 2:
            base = positional(call, 0)
            attr = positional(call, 1)
            names = self.texts(attr, scope, depth + 1) if attr is not None else None
            if base is None or names is None:
                return None
            owner = self.qualname(base, scope, depth + 1)
            return self._pick(owner, [n for n in names if n.isidentifier()])
        if func == "operator.getitem" and self.lookups and len(call.args) == 2:
            # operator.getitem(vars(builtins), "exec"): vars(builtins)["exec"]
            holder, key = positional(call, 0), positional(call, 1)
            module = self.namespace(holder, scope, depth + 1) if holder is not None else None
            if module is None or key is None:
                return None
            return self._in_namespace(module, key, scope, depth)
        if func is not None and func in importers():
            first = positional(call, 0)
            names = self.texts(first, scope, depth + 1) if first is not None else None
            modules = [n for n in names or () if n and not n.startswith(".")]
            if func.endswith(".__import__") and not call.args[1:]:
                modules = [n.split(".")[0] for n in modules]
            return self._pick("", modules) if modules else None
        if not self.lookups:
            return None
        made = self._made(func) if self._factories else None
        if made is not None:
            return made
        return self._returned(call.func, scope, depth)

    def _evaluated(self, call: cst.Call, scope: Scope, depth: int) -> str | None:
        """What ``eval(TEXT)`` names when ``TEXT`` is a constant expression of names and
        attributes (``eval("os.system")``, ``eval("lib.run2")``), resolved in ``scope``."""
        first = positional(call, 0)
        text = literal_string(first) if first is not None else None
        if text is None or len(text) > _MAX_EVALUATED:
            return None
        try:
            expr = cst.parse_expression(text.strip())
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            return None
        return self.qualname(expr, scope, depth + 1)

    def _made(self, func: str | None) -> str | None:
        """The name of a call of ``func`` when it is a function of another module of the
        project that returns a sink (auditor.flow.aliases: ``util.pick()``, after ``from
        util import pick``; ``util.part(partial)`` for one returning a
        ``functools.partial`` of it)."""
        if func is None:
            return None
        for name in (f"{func}()", f"{func}(partial)"):
            if name in self.known:
                return name
        return None

    def _returned(self, func: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        """The sink (or sink module) a call of ``func`` returns, when ``func`` is a function
        of this file one of whose ``return``s names one (``def pick(): return os.system``,
        then ``pick()(cmd)``), or a lambda whose body does (``(lambda: os.system)()``); of
        several, a sink that runs on the host wins, as in a choice (:meth:`_either`). None
        when none does: a function returning anything else gives its call no name."""
        return self.returned_sink(returns_of(func, scope), depth)

    def returned_sink(
        self, returned: list[tuple[cst.BaseExpression, Scope]], depth: int = 0
    ) -> str | None:
        """The sink (or sink module) one of ``returned`` (a function's ``return``s, each
        with the scope it is evaluated in) names, one that runs on the host first."""
        if not returned:
            return None
        key = id(returned[0][0])
        if key in self._returns:
            return self._returns[key]
        if key in self._active:
            self._cut = True
            return None  # a function returning its own call
        self._active.add(key)
        cut, self._cut = self._cut, False
        try:
            found: str | None = None
            for value, where in returned:
                candidate = self.qualname(value, where, depth + 1)
                if candidate is None or candidate not in self.known:
                    continue
                found = found or candidate
                if candidate not in self.isolated:
                    found = candidate
                    break
        finally:
            self._active.discard(key)
        # each function's once (a chain of functions returning each other's calls, each
        # called many times, is not followed again at every call); not what a cycle cut
        # short (``f`` returning ``g()``, ``g`` returning ``f()``: the first one asked)
        if not self._cut:
            self._returns[key] = found
        self._cut = self._cut or cut
        return found

    def _pick(self, owner: str | None, names: Iterable[str]) -> str | None:
        """``owner.name`` for one of ``names`` (a dotted path of identifiers), the one that
        names a sink or a sink's module first (``owner`` "": the name alone)."""
        found: str | None = None
        if owner is None:
            return None
        for name in names:
            if not all(part.isidentifier() for part in name.split(".")):
                continue
            candidate = f"{owner}.{name}" if owner else name
            if candidate in self.known:
                return candidate
            found = found or candidate
        return found

    def _getter(self, func: cst.BaseExpression, scope: Scope, depth: int) -> tuple[str, ...] | None:
        """The attribute names of ``operator.attrgetter("a")`` (or a name bound once to one):
        a call of it with an object looks the attribute up on that object."""
        if isinstance(func, cst.Name):
            bindings = scope.lookup(func.value)
            if not bindings or len(bindings) != 1 or bindings[0].kind != "value":
                return None
            func, scope = bindings[0].value, bindings[0].scope  # type: ignore[assignment]
        if not isinstance(func, cst.Call) or len(func.args) != 1 or func.args[0].keyword:
            return None
        if func.args[0].star or self.qualname(func.func, scope, depth + 1) != "operator.attrgetter":
            return None
        return self.texts(func.args[0].value, scope, depth + 1)

    def texts(
        self, node: cst.BaseExpression, scope: Scope, depth: int = 0
    ) -> tuple[str, ...] | None:
        """The strings a name or attribute picked by text may be: a literal, a name whose
        every binding is a constant string (``RUN = "system"``, module-level or local), or
        constants joined by ``+`` (``"ev" + "al"``); None when it is not constant."""
        if depth > _MAX_DEPTH:
            return None
        text = literal_string(node)
        if text is not None:
            return (text,) if len(text) <= _MAX_TEXT_LENGTH else None
        if isinstance(node, cst.ConcatenatedString):  # "ex" f"{x}": an f-string in it
            left = self.texts(node.left, scope, depth + 1)
            right = self.texts(node.right, scope, depth + 1) if left is not None else None
            return _joined([left, right]) if left is not None and right is not None else None
        if isinstance(node, cst.FormattedString):
            parts: list[tuple[str, ...]] = []
            raw = "r" in node.prefix.lower()
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    piece = _fstring_text(part.value, raw)
                    if piece is None:
                        return None
                    parts.append((piece,))
                    continue
                if not isinstance(part, cst.FormattedStringExpression):
                    return None
                if part.format_spec or part.conversion:
                    return None
                inner = self.texts(part.expression, scope, depth + 1)
                if inner is None:
                    return None
                parts.append(inner)
            return _joined(parts)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left = self.texts(node.left, scope, depth + 1)
            right = self.texts(node.right, scope, depth + 1) if left is not None else None
            return _joined([left, right]) if left is not None and right is not None else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            return self._percent(node, scope, depth)
        if isinstance(node, cst.IfExp):  # "print" if c else "exec": either
            return self._union((node.body, node.orelse), scope, depth)
        if isinstance(node, cst.BooleanOperation):
            return self._union((node.left, node.right), scope, depth)
        if isinstance(node, cst.Subscript):
            return self._text_slice(node, scope, depth)
        if isinstance(node, cst.Call):
            return self._text_call(node, scope, depth)
        if not isinstance(node, cst.Name):
            return None
        bindings = scope.lookup(node.value)
        if not bindings or any(b.kind != "value" or b.value is None for b in bindings):
            return None
        out: list[str] = []
        for binding in bindings:
            key = id(binding)
            if key in self._active:
                return None
            self._active.add(key)
            try:
                assert binding.value is not None
                found = self.texts(binding.value, binding.scope, depth + 1)
            finally:
                self._active.discard(key)
            if found is None:
                return None
            out.extend(t for t in found if t not in out)
        return _bounded_texts(out)

    def _union(
        self, nodes: Iterable[cst.BaseExpression], scope: Scope, depth: int
    ) -> tuple[str, ...] | None:
        """Every string any of ``nodes`` may be (None when one of them is not known)."""
        out: list[str] = []
        for node in nodes:
            found = self.texts(node, scope, depth + 1)
            if found is None:
                return None
            out.extend(t for t in found if t not in out)
        return _bounded_texts(out)

    def _percent(
        self, node: cst.BinaryOperation, scope: Scope, depth: int
    ) -> tuple[str, ...] | None:
        """``"%s%s" % ("ev", "al")``: a template of ``%s`` fields only, filled with strings."""
        templates = self.texts(node.left, scope, depth + 1)
        if templates is None:
            return None
        right = node.right
        items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        if isinstance(right, cst.Tuple) and any(
            not isinstance(e, cst.Element) for e in right.elements
        ):
            return None
        parts = [self.texts(item, scope, depth + 1) for item in items]
        if any(p is None for p in parts):
            return None
        out: list[str] = []
        for template in templates:
            if "%" in template.replace("%s", "").replace("%%", ""):
                return None  # %d, %(name)s, %r...: not computed
            for combination in _product([p for p in parts if p is not None]) or ():
                try:
                    out.append(template % combination)
                except (TypeError, ValueError):
                    return None
        return _bounded_texts(out)

    def _text_slice(self, node: cst.Subscript, scope: Scope, depth: int) -> tuple[str, ...] | None:
        """``"cexe"[::-1]``, ``"xexec"[1:]``, ``"abc"[0]`` with integer literals."""
        if len(node.slice) != 1:
            return None
        texts = self.texts(node.value, scope, depth + 1)
        if texts is None:
            return None
        part = node.slice[0].slice
        if isinstance(part, cst.Index):
            index = _integer(part.value)
            if index is None:
                return None
            try:
                return _bounded_texts([t[index] for t in texts])
            except IndexError:
                return None
        if not isinstance(part, cst.Slice):
            return None
        bounds: list[int | None] = []
        for bound in (part.lower, part.upper, part.step):
            if bound is None:
                bounds.append(None)
                continue
            value = _integer(bound)
            if value is None:
                return None
            bounds.append(value)
        if bounds[2] == 0:
            return None
        cut = slice(*bounds)
        return _bounded_texts([t[cut] for t in texts])

    def _text_call(self, call: cst.Call, scope: Scope, depth: int) -> tuple[str, ...] | None:
        """A string computed by a call from constants: ``sep.join(items)``,
        ``template.format(...)``, a str method of rules/names.toml, ``bytes.decode()``,
        ``str(text)``, ``chr(number)``."""
        func = call.func
        args = _simple_args(call)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                return self._format(call, scope, depth)
            if args is None:
                return None
            if method == "decode":
                return self._decoded(func.value, args, scope, depth)
            if method != "join" and method not in _names_table()[0]:
                return None
            receivers = self.texts(func.value, scope, depth + 1)
            if receivers is None:
                return None
            if method == "join" and len(args) == 1:
                items = self._text_items(args[0], scope, depth + 1)
                if items is None:
                    return None
                combinations = _product(items)
                if combinations is None:
                    return None
                return _bounded_texts(sep.join(c) for sep in receivers for c in combinations)
            if method not in _names_table()[0]:
                return None
            parts = [self.texts(arg, scope, depth + 1) for arg in args]
            if any(p is None for p in parts):
                return None
            given_all = _product([p for p in parts if p is not None])
            if given_all is None:
                return None
            out = []
            for receiver in receivers:
                for given in given_all:
                    try:
                        value = getattr(str, method)(receiver, *given)
                    except (TypeError, ValueError):
                        return None
                    if not isinstance(value, str):
                        return None
                    out.append(value)
            return _bounded_texts(out)
        if args is None or len(args) != 1:
            return None
        if _unshadowed(func, scope, "str"):
            return self.texts(args[0], scope, depth + 1)
        if _unshadowed(func, scope, "chr"):
            number = _integer(args[0])
            if number is None or not 0 <= number < 0x110000:
                return None
            return (chr(number),)
        return None

    def _format(self, call: cst.Call, scope: Scope, depth: int) -> tuple[str, ...] | None:
        """``"{}{}".format("ev", "al")``, ``"{a}".format(a="x")``: a template whose fields
        are all plain (``_format_fields_simple``), filled with strings."""
        assert isinstance(call.func, cst.Attribute)
        templates = self.texts(call.func.value, scope, depth + 1)
        if templates is None or any(arg.star for arg in call.args):
            return None
        names: list[str | None] = []
        parts: list[tuple[str, ...]] = []
        for arg in call.args:
            found = self.texts(arg.value, scope, depth + 1)
            if found is None:
                return None
            names.append(arg.keyword.value if arg.keyword is not None else None)
            parts.append(found)
        combinations = _product(parts)
        if combinations is None:
            return None
        out: list[str] = []
        for template in templates:
            if not _format_fields_simple(template):
                return None
            for combination in combinations:
                positional = [v for n, v in zip(names, combination, strict=True) if n is None]
                named = {n: v for n, v in zip(names, combination, strict=True) if n is not None}
                try:
                    out.append(template.format(*positional, **named))
                except (IndexError, KeyError, ValueError):
                    return None
        return _bounded_texts(out)

    def _decoded(
        self,
        data: cst.BaseExpression,
        args: list[cst.BaseExpression],
        scope: Scope,
        depth: int,
    ) -> tuple[str, ...] | None:
        """``bytes([101, 120, 101, 99]).decode()``, ``b"exec".decode("ascii")``."""
        encoding = "utf-8"
        if len(args) > 1:
            return None
        if args:
            given = literal_string(args[0])
            if given is None:
                return None
            encoding = given
        if encoding.lower() not in _names_table()[1]:
            return None
        raw = self._bytes(data, scope, depth + 1)
        if raw is None:
            return None
        try:
            return (raw.decode(encoding),)
        except (UnicodeDecodeError, LookupError):
            return None

    def _bytes(self, node: cst.BaseExpression, scope: Scope, depth: int) -> bytes | None:
        """A constant bytes value: a literal, ``bytes(...)``/``bytearray(...)`` of a list or
        tuple of integer literals, ``bytes.fromhex(text)``, ``text.encode()``, ``+``."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value if isinstance(value, bytes) else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left = self._bytes(node.left, scope, depth + 1)
            right = self._bytes(node.right, scope, depth + 1) if left is not None else None
            return left + right if left is not None and right is not None else None
        if not isinstance(node, cst.Call):
            return None
        args = _simple_args(node)
        if args is None or len(args) != 1:
            return None
        func = node.func
        if _unshadowed(func, scope, "bytes", "bytearray"):
            if not isinstance(args[0], (cst.List, cst.Tuple)):
                return self._bytes(args[0], scope, depth + 1)
            numbers = [
                _integer(e.value) if isinstance(e, cst.Element) else None for e in args[0].elements
            ]
            if any(n is None or not 0 <= n < 256 for n in numbers):
                return None
            return bytes(n for n in numbers if n is not None)
        if not isinstance(func, cst.Attribute):
            return None
        if func.attr.value == "fromhex" and _unshadowed(func.value, scope, "bytes", "bytearray"):
            hexes = self.texts(args[0], scope, depth + 1)
            if hexes is None or len(hexes) != 1:
                return None
            try:
                return bytes.fromhex(hexes[0])
            except ValueError:
                return None
        if func.attr.value == "encode":
            texts = self.texts(func.value, scope, depth + 1)
            if texts is None or len(texts) != 1 or not texts[0].isascii():
                return None
            return texts[0].encode("ascii")
        return None

    def _text_items(
        self, node: cst.BaseExpression, scope: Scope, depth: int
    ) -> list[tuple[str, ...]] | None:
        """The strings each item of an iterable written out may be, in order: a list or
        tuple of constants, a string's characters, ``reversed(...)`` of one,
        ``map(chr, [numbers])``."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, (cst.List, cst.Tuple)):
            out: list[tuple[str, ...]] = []
            for element in node.elements:
                if not isinstance(element, cst.Element):
                    return None  # a starred item
                found = self.texts(element.value, scope, depth + 1)
                if found is None:
                    return None
                out.append(found)
            return out
        if isinstance(node, cst.Call):
            args = _simple_args(node)
            if args and len(args) == 1 and _unshadowed(node.func, scope, "reversed"):
                items = self._text_items(args[0], scope, depth + 1)
                return list(reversed(items)) if items is not None else None
            if args and len(args) == 2 and _unshadowed(node.func, scope, "map"):
                if not _unshadowed(args[0], scope, "chr"):
                    return None
                if not isinstance(args[1], (cst.List, cst.Tuple)):
                    return None
                numbers = [
                    _integer(e.value) if isinstance(e, cst.Element) else None
                    for e in args[1].elements
                ]
                if any(n is None or not 0 <= n < 0x110000 for n in numbers):
                    return None
                return [(chr(n),) for n in numbers if n is not None]
            return None
        texts = self.texts(node, scope, depth + 1)
        if texts is None or len(texts) != 1:
            return None
        return [(c,) for c in texts[0]]  # "".join("exec"): its characters


def returns_of(func: cst.BaseExpression, scope: Scope) -> list[tuple[cst.BaseExpression, Scope]]:
    """What a call of ``func`` may return, each with the scope it is evaluated in: the
    ``return``s of a function of this file it names (``def``), the body of a lambda (written
    there, or the value of a name)."""
    if type(func) is cst.Lambda:
        return _lambda_returns(func, scope)
    returned: list[tuple[cst.BaseExpression, Scope]] = []
    if type(func) is cst.Name:
        for binding in scope.lookup(func.value) or ():
            inner = binding.inner
            if inner is not None and inner.returns is not None:
                returned.extend((value, inner) for value in inner.returns)
            elif binding.kind == "value" and type(binding.value) is cst.Lambda:
                returned.extend(_lambda_returns(binding.value, binding.scope))
    return returned


def yields_of(func: cst.BaseExpression, scope: Scope) -> list[tuple[cst.BaseExpression, Scope]]:
    """What iterating a call of ``func`` may give, each with the scope it is evaluated in:
    the ``yield``s of a generator function of this file it names (``yield from g``: ``g``,
    whose items are what it gives)."""
    out: list[tuple[cst.BaseExpression, Scope]] = []
    if type(func) is cst.Name:
        for binding in scope.lookup(func.value) or ():
            inner = binding.inner
            if inner is not None and inner.yields:
                out.extend((value, inner) for value in inner.yields)
    return out


# what ``with x as v`` binds of a class's instance: what these methods return
_ENTERS = ("__enter__", "__aenter__")


def entered_of(item: cst.BaseExpression, scope: Scope) -> list[tuple[cst.BaseExpression, Scope]]:
    """What ``with item as v`` may bind to ``v``, each with the scope it is evaluated in:
    when ``item`` calls a generator function of this file (a ``@contextmanager``), what it
    yields; when it makes an instance of a class of this file, what its ``__enter__``
    returns (of the class itself: not followed further)."""
    if type(item) is not cst.Call or type(item.func) is not cst.Name:
        return []
    out = yields_of(item.func, scope)
    for binding in scope.lookup(item.func.value) or ():
        members = binding.members
        if members is None:
            continue
        for name in _ENTERS:
            for method in members.bindings.get(name, ()):
                inner = method.inner
                if inner is not None and inner.returns is not None:
                    out.extend((value, inner) for value in inner.returns)
    return out


def _lambda_returns(node: cst.Lambda, scope: Scope) -> list[tuple[cst.BaseExpression, Scope]]:
    """What a lambda returns, to be resolved in ``scope`` (where it is written): its body,
    unless the body's root name is one of the lambda's parameters (``lambda os: os.system``:
    a value given at the call, not the module); a parameter the body is alone, with a
    default (``lambda f=os.system: f``), gives that default when the call gives none."""
    if not from_param(node, node.body):
        return [(node.body, scope)]
    if type(node.body) is cst.Name:  # lambda f=os.system: f: the default, unless given
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == node.body.value and param.default is not None:
                return [(param.default, scope)]
    return []


def from_param(node: cst.Lambda, expr: cst.BaseExpression) -> bool:
    """Whether the name at the root of ``expr`` (an attribute, subscript and call chain in
    the lambda ``node``) is one of the lambda's parameters."""
    params = node.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    root = expr
    while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
        root = root.value if not isinstance(root, cst.Call) else root.func
    return isinstance(root, cst.Name) and root.value in names


def _fstring_text(value: str, raw: bool) -> str | None:
    """The text of an f-string's literal part as written in the source (``{{`` doubled,
    ``\\x65`` escaped): its value, or None when it cannot be read so."""
    value = value.replace("{{", "{").replace("}}", "}")
    if raw or "\\" not in value:
        return value
    if not value.isascii():
        return None
    try:
        return value.encode("ascii").decode("unicode_escape")
    except UnicodeDecodeError:
        return None


def _own_namespace(holder: cst.BaseExpression, scope: Scope) -> bool:
    """``globals()``, ``locals()`` or ``vars()`` (no argument), not shadowed."""
    return (
        isinstance(holder, cst.Call)
        and not holder.args
        and _unshadowed(holder.func, scope, "globals", "locals", "vars")
    )


def _namespace_shaped(holder: cst.BaseExpression, scope: Scope, follow: bool = True) -> bool:
    """Whether ``holder`` may be a module's namespace by its shape alone (``vars(x)``,
    ``x.__dict__``, ``sys.modules``, ``__builtins__``, or a name bound to one of those): the
    lookups Resolver.namespace resolves, and only those (resolving every receiver of every
    ``.get`` would be a cost for nothing)."""
    if isinstance(holder, cst.Attribute):
        return holder.attr.value in _NAMESPACE_ATTRS
    if isinstance(holder, cst.Call):
        return _unshadowed(holder.func, scope, "vars")
    if isinstance(holder, cst.Subscript):  # globals()["__builtins__"]
        return _own_namespace(holder.value, scope)
    if not isinstance(holder, cst.Name):
        return False
    if holder.value == "__builtins__" or holder.value == "builtins":
        return True
    if not follow:
        return False
    return any(
        b.kind == "import"  # from sys import modules
        or (
            b.kind == "value"
            and b.value is not None
            and _namespace_shaped(b.value, b.scope, follow=False)
        )
        for b in scope.lookup(holder.value) or ()
    )


def _bounded_texts(texts: Iterable[str]) -> tuple[str, ...] | None:
    """``texts`` without repeats, or None when they are too many or one is too long to be
    a name worth knowing (never a subset: the one left out could be the sink)."""
    out: list[str] = []
    for text in texts:
        if len(text) > _MAX_TEXT_LENGTH:
            return None
        if text not in out:
            out.append(text)
        if len(out) > _MAX_TEXTS:
            return None
    return tuple(out) if out else None


def _product(parts: list[tuple[str, ...]]) -> list[tuple[str, ...]] | None:
    """Every way of taking one string of each part, in order; None when more than
    _MAX_TEXTS."""
    out: list[tuple[str, ...]] = [()]
    for choices in parts:
        out = [(*a, b) for a in out for b in choices]
        if len(out) > _MAX_TEXTS:
            return None
    return out


def _joined(parts: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Every way of joining one string of each part, in order (None when more than
    _MAX_TEXTS: a subset could leave out the sink)."""
    combinations = _product(parts)
    if combinations is None:
        return None
    return _bounded_texts("".join(c) for c in combinations)
