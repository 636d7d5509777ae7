"""Python scopes and name bindings, as the scanner needs them.

One pass over a module records, for every scope (module, class, function, lambda,
comprehension), each binding of each name: an import (with the dotted name it binds), an
assignment (with the expression assigned), or an opaque binding (parameter, ``def``, loop
target...). Lookups follow Python's rules: local, enclosing functions (not classes), module,
then builtins; ``global`` and ``nonlocal`` redirect. Because a function body runs after the
whole module has been executed, resolution happens once every binding is known.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

ScopeKind = Literal["module", "class", "function", "comprehension"]

# The order things are met in, in source order: each binding takes the next value, and so
# does each call (auditor.scan.collect); only the relative order within one file counts.
CLOCK = itertools.count()


BindingKind = Literal[
    "import", "value", "opaque", "param", "iter", "augment", "with", "def", "unpack"
]


@dataclass(slots=True)
class Binding:
    """``kind`` is "import" (``target`` holds the dotted name), "value" (``value`` holds the
    assigned expression, evaluated in ``scope``), "param" (a function's parameter), "iter"
    (a ``for`` target: ``value`` is the iterable), "augment" (``x += v``, ``x.append(v)``,
    ``x[k] = v``: ``value`` is what is added), "with" (``with v as x``: ``value`` is ``v``),
    "unpack" (``a, b = v`` where ``v`` cannot be paired item by item: ``value`` is ``v``),
    "def" (a nested ``def`` or ``class``) or "opaque" (an ``except`` name, a match capture,
    a target whose value cannot be paired)."""

    kind: BindingKind
    scope: Scope
    target: str = ""
    value: cst.BaseExpression | None = None
    order: int = field(default_factory=lambda: next(CLOCK))  # when it is met (CLOCK)
    # of a mutation that sets one key (``x[k] = v``, ``x.update(k=v)``, ``x.setdefault(k,
    # v)``): the key; ``value`` is what it is set to (auditor.scan.environ)
    key: cst.BaseExpression | None = None
    defines: bool = False  # bound by a ``def`` or ``class`` (a function or class, no source)
    # of a ``def``: the function's own scope (what its ``return``s give: Scope.returns)
    inner: Scope | None = None
    # of a ``class``: its body's scope (what ``with C() as x`` binds: its ``__enter__``'s
    # returns, auditor.scan.resolve)
    members: Scope | None = None
    # of a ``def``: its decorators, evaluated in ``scope`` (one that returns a sink makes
    # the name that sink: ``def swap(f): return os.system``, then ``@swap def status(x)``)
    decorators: tuple[cst.BaseExpression, ...] = ()
    # of a "param": its default value (``def run(cmd, system=os.system)``), evaluated in
    # the scope the ``def`` or lambda is written in (``scope.parent``)
    default: cst.BaseExpression | None = None
    # of an "unpack" into a flat tuple or list target with no star (``a, b = v``): the
    # name's position in it and the number of names
    position: tuple[int, int] | None = None


@dataclass(slots=True, eq=False)
class Scope:
    kind: ScopeKind
    parent: Scope | None
    name: str = ""
    # the dotted path of the function or class this scope is, inside its module
    # ("Job.run", "outer.inner"); "" for the module and comprehensions
    key: str = ""
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    # a module whose globals are written under a key not known before run time
    # (``globals()[k] = v``, ``globals().update(d)``, ``setattr(sys.modules[__name__], k,
    # v)``): none of its module-level names is a constant
    written_by_key: bool = False
    # ``from m import *`` of a module whose names are not known (a module of the project, a
    # package of a third party): (m as written, when it is met on the CLOCK); it may bind
    # again any module-level name bound before it
    star_imports: list[tuple[str, int]] = field(default_factory=list)
    # the ``for`` and ``while`` loops of this scope: (first, last) on the CLOCK
    loops: list[tuple[int, int]] = field(default_factory=list)
    # of a (not async) ``def``'s scope: the expressions its ``return``s give, filled by the
    # walk (auditor.scan.collect); None for any other scope
    returns: list[cst.BaseExpression] | None = None
    # of a ``def``'s scope (async too): what its ``yield``s give (``yield from g``: ``g``),
    # what iterating a call of it gives; None for any other scope
    yields: list[cst.BaseExpression] | None = None

    def bind(self, name: str, binding: Binding) -> None:
        target = self
        if name in self.globals:
            target = self.module()
        elif name in self.nonlocals:
            target = self.enclosing_function(name) or self
        self.bindings_of(target, name).append(binding)

    def enclosing_function(self, name: str) -> Scope | None:
        """The scope a ``nonlocal name`` here refers to: the nearest enclosing function that
        binds it (so far), else the nearest enclosing function."""
        first: Scope | None = None
        scope = self.parent
        while scope is not None and scope.kind != "module":
            if scope.kind == "function":
                if name in scope.bindings:
                    return scope
                first = first or scope
            scope = scope.parent
        return first

    @staticmethod
    def bindings_of(scope: Scope, name: str) -> list[Binding]:
        found = scope.bindings.get(name)
        if found is None:
            found = scope.bindings[name] = []
        return found

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> list[Binding] | None:
        """The bindings a use of ``name`` in this scope sees; None means a builtin (or an
        undefined name)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if name in scope.globals:
                return scope.module().bindings.get(name)
            if scope.kind != "class" or first:
                found = scope.bindings.get(name)
                if found:
                    return found
            first = False
            scope = scope.parent
        return None
