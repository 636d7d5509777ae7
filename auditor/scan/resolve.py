"""Resolve an expression to the dotted name of what it refers to, through imports, aliases,
assignments, ``getattr(mod, NAME)``, ``operator.attrgetter(NAME)(mod)``,
``__import__(NAME)`` and ``importlib.import_module(NAME)`` where ``NAME`` is a constant
string (a literal, a name bound only to constants, constants joined by ``+`` or in an
f-string), respecting shadowing."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import libcst as cst

from auditor.scan.scopes import Binding, Scope
from auditor.scan.strings import string_value

_MAX_DEPTH = 12
# lookups of one name in one scope under way at once: ``x = x.a`` then ``x = x.b`` is
# followed through 3 of its own bindings (``m.a.b`` and such), no further
_SELF_LOOKUPS = 3
# the functions whose call _call can name
_NAMING = frozenset({"getattr", "__import__", "import_module"})

BUILTIN_NAMES = frozenset({"eval", "exec", "__import__", "getattr", "compile", "open"})

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


# the values a name bound to constant strings may hold, followed this many bindings deep
_MAX_TEXTS = 8


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


class Resolver:
    """``lookups``: also resolve a lookup by a constant key in a module's namespace, an item
    of a container written out and a choice (``_subscript``, ``_either``): what a callee
    may be, for the sink match (auditor.scan.analyze's ``_match``); the project-wide stage's
    summaries resolve without them."""

    def __init__(self, known: frozenset[str] = frozenset(), lookups: bool = False) -> None:
        self.known = known
        self.lookups = lookups
        self._active: set[int] = set()
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
            return f"{base}.{node.attr.value}" if base is not None else None
        if type(node) is cst.Call:
            return self._call(node, scope, depth)
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
        for node in nodes:
            candidate = self.qualname(node, scope, depth + 1)
            if candidate is None:
                continue
            if candidate in self.known:
                return candidate
            resolved = resolved or candidate
        return resolved

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
        if key is not None:
            if (
                isinstance(holder, cst.Call)
                and isinstance(holder.func, cst.Name)
                and holder.func.value == "vars"
                and scope.lookup("vars") is None
                and len(holder.args) == 1
                and not holder.args[0].star
            ):
                module = self.qualname(holder.args[0].value, scope, depth + 1)
                return f"{module}.{key}" if module is not None and key.isidentifier() else None
            if isinstance(holder, cst.Attribute) and holder.attr.value == "__dict__":
                module = self.qualname(holder.value, scope, depth + 1)
                return f"{module}.{key}" if module is not None and key.isidentifier() else None
            if isinstance(holder, (cst.Name, cst.Attribute)):
                where = self.qualname(holder, scope, depth + 1)
                if where == "sys.modules":
                    return key
                if where == "builtins" and key.isidentifier():
                    return f"builtins.{key}"
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
        return None

    def _call(self, call: cst.Call, scope: Scope, depth: int) -> str | None:
        # Only getattr and the import functions give a call a name; a method of any other
        # name cannot be one of them, whatever its object is, so its object is not resolved
        # (``x = x.strip()`` bound many times made every lookup of ``x`` exponential).
        if isinstance(call.func, cst.Attribute) and call.func.attr.value not in _NAMING:
            func_attr = call.func
            if (  # sys.modules.get("os"): the module of that name
                self.lookups
                and func_attr.attr.value == "get"
                and isinstance(func_attr.value, cst.Attribute)
                and func_attr.value.attr.value == "modules"
                and call.args
                and self.qualname(func_attr.value, scope, depth + 1) == "sys.modules"
            ):
                return literal_string(call.args[0].value)
            return None
        getter = self._getter(call.func, scope, depth)
        if getter is not None:  # operator.attrgetter("system")(os): os.system
            first = positional(call, 0)
            owner = self.qualname(first, scope, depth + 1) if first is not None else None
            return self._pick(owner, getter)
        func = self.qualname(call.func, scope, depth + 1)
        if func == "builtins.getattr" and len(call.args) >= 2:
            base = positional(call, 0)
            attr = positional(call, 1)
            names = self.texts(attr, scope, depth + 1) if attr is not None else None
            if base is None or names is None:
                return None
            owner = self.qualname(base, scope, depth + 1)
            return self._pick(owner, [n for n in names if n.isidentifier()])
        if func in ("builtins.__import__", "importlib.import_module"):
            first = positional(call, 0)
            names = self.texts(first, scope, depth + 1) if first is not None else None
            modules = [n for n in names or () if n and not n.startswith(".")]
            if func == "builtins.__import__" and not call.args[1:]:
                modules = [n.split(".")[0] for n in modules]
            return self._pick("", modules) if modules else None
        return None

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
            return (text,)
        if isinstance(node, cst.FormattedString):
            parts: list[tuple[str, ...]] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append((part.value,))
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
        return tuple(out[:_MAX_TEXTS]) if out else None


def _joined(parts: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Every way of joining one string of each part, in order (at most _MAX_TEXTS)."""
    out: list[str] = [""]
    for choices in parts:
        out = [a + b for a in out for b in choices][:_MAX_TEXTS]
    return tuple(out)
