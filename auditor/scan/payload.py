"""Decide whether a payload is known at compile time.

A payload is ``constant`` when every part of it is known before the program runs: literals,
names bound exactly once to constants at module or function level, f-strings, ``+``, ``%``,
``.format`` and ``" ".join(...)`` over constants, lists and tuples of constants. An argv whose
program is constant (or ``sys.executable``, or ``shutil.which("literal")``) but whose other
items are not is ``fixed-program``. Everything else is ``dynamic``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from auditor.scan.resolve import Resolver, keyword, positional
from auditor.scan.scopes import Scope

_MAX_DEPTH = 16
_PROGRAM_NAMES = frozenset({"sys.executable", "sys._base_executable"})
_CONST_FUNCS = frozenset(
    {"shlex.join", "shlex.quote", "builtins.str", "os.path.join", "posixpath.join"}
)


@dataclass(frozen=True, slots=True)
class Value:
    """What is known of an expression: ``const`` when fully known; ``program`` when its first
    argv item (or first word, for a string) is known; ``text`` holds a constant string;
    ``items`` the values of a constant list or tuple."""

    const: bool
    program: bool = False
    text: str | None = None
    items: tuple[Value, ...] | None = None
    truth: bool | None = None
    exe: bool = False

    def program_item(self) -> bool:
        """Usable as a known argv[0]: a constant, or a known executable (sys.executable)."""
        return self.const or self.exe


DYNAMIC = Value(False)
PROGRAM_ONLY = Value(False, program=True, exe=True)


def _const_text(text: str) -> Value:
    return Value(True, program=True, text=text, truth=bool(text))


class Evaluator:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._active: set[int] = set()

    def value(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Value:
        if depth > _MAX_DEPTH:
            return DYNAMIC
        if isinstance(node, cst.SimpleString):
            v = node.evaluated_value
            if isinstance(v, bytes):
                return _const_text(v.decode("latin-1"))
            return _const_text(v)
        if isinstance(node, cst.ConcatenatedString):
            return self._join([node.left, node.right], scope, depth)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, scope, depth)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return Value(True, text=node.value, truth=node.value.strip("0._jJ") != "")
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Value(True, text=None, truth=node.value == "True")
            return self._name(node, scope, depth)
        if isinstance(node, (cst.List, cst.Tuple)):
            return self._sequence(node.elements, scope, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._binop(node, scope, depth)
        if isinstance(node, cst.Call):
            return self._call(node, scope, depth)
        if isinstance(node, cst.Attribute):
            if self.resolver.qualname(node, scope) in _PROGRAM_NAMES:
                return PROGRAM_ONLY
            return DYNAMIC
        if isinstance(node, cst.BooleanOperation):
            left = self.value(node.left, scope, depth + 1)
            right = self.value(node.right, scope, depth + 1)
            if left.const and right.const:
                return Value(True, truth=None)
            if left.program_item() and right.program_item():
                return PROGRAM_ONLY  # shutil.which("x") or "x"
            return DYNAMIC
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self.value(node.expression, scope, depth + 1)
            if inner.const and inner.truth is not None:
                return Value(True, truth=not inner.truth)
        return DYNAMIC

    def _name(self, node: cst.Name, scope: Scope, depth: int) -> Value:
        bindings = scope.lookup(node.value)
        if not bindings or len(bindings) != 1:
            return DYNAMIC
        binding = bindings[0]
        if binding.kind != "value" or binding.value is None:
            return DYNAMIC
        if binding.scope.kind not in ("module", "function"):
            return DYNAMIC
        key = id(binding)
        if key in self._active:
            return DYNAMIC
        self._active.add(key)
        try:
            return self.value(binding.value, binding.scope, depth + 1)
        finally:
            self._active.discard(key)

    def _join(self, parts: list[cst.BaseExpression], scope: Scope, depth: int) -> Value:
        values = [self.value(p, scope, depth + 1) for p in parts]
        if all(v.const and v.text is not None for v in values):
            return _const_text("".join(v.text or "" for v in values))
        return Value(False, program=_leading_program(values))

    def _fstring(self, node: cst.FormattedString, scope: Scope, depth: int) -> Value:
        values: list[Value] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                values.append(_const_text(part.value))
            elif isinstance(part, cst.FormattedStringExpression):
                inner = self.value(part.expression, scope, depth + 1)
                if not inner.const:
                    values.append(DYNAMIC)
                elif part.format_spec or part.conversion or inner.text is None:
                    values.append(Value(True, text=""))  # constant, text not tracked
                else:
                    values.append(inner)
            else:  # pragma: no cover - libcst has no other part types
                values.append(DYNAMIC)
        if all(v.const for v in values):
            return Value(True, program=True, text="".join(v.text or "" for v in values), truth=None)
        return Value(False, program=_leading_program(values))

    def _sequence(
        self,
        elements: Sequence[cst.BaseElement],
        scope: Scope,
        depth: int,
    ) -> Value:
        items: list[Value] = []
        for element in elements:
            if isinstance(element, cst.StarredElement):
                inner = self.value(element.value, scope, depth + 1)
                if inner.items is None:
                    return Value(False, program=bool(items) and items[0].program_item())
                items.extend(inner.items)
            else:
                items.append(self.value(element.value, scope, depth + 1))
        const = all(v.const for v in items)
        program = bool(items) and items[0].program_item()
        return Value(const, program=program, items=tuple(items), truth=bool(items))

    def _binop(self, node: cst.BinaryOperation, scope: Scope, depth: int) -> Value:
        left = self.value(node.left, scope, depth + 1)
        if isinstance(node.operator, cst.Add):
            right = self.value(node.right, scope, depth + 1)
            if left.items is not None and right.items is not None:
                items = left.items + right.items
                return Value(
                    all(v.const for v in items),
                    program=bool(items) and items[0].program_item(),
                    items=items,
                )
            if left.items is not None:
                return Value(False, program=bool(left.items) and left.items[0].program_item())
            if left.text is not None and right.text is not None and left.const and right.const:
                return _const_text(left.text + right.text)
            if left.const and right.const:
                return Value(True, text=None)
            return Value(False, program=_leading_program([left, right]))
        if isinstance(node.operator, cst.Modulo):
            right = self.value(node.right, scope, depth + 1)
            if left.const and right.const:
                return Value(True, program=True, text="")
            return Value(False, program=left.text is not None and _first_word(left.text))
        return DYNAMIC

    def _call(self, node: cst.Call, scope: Scope, depth: int) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = self.value(func.value, scope, depth + 1)
            if method == "format" and receiver.text is not None:
                args = [self.value(a.value, scope, depth + 1) for a in node.args]
                if receiver.const and all(a.const for a in args):
                    return Value(True, program=True, text="")
                return Value(False, program=_first_word(receiver.text))
            if method == "join" and receiver.const and len(node.args) == 1:
                inner = self.value(node.args[0].value, scope, depth + 1)
                if inner.const and inner.items is not None:
                    texts = [v.text for v in inner.items]
                    if all(t is not None for t in texts):
                        return _const_text((receiver.text or "").join(t or "" for t in texts))
                    return Value(True, program=True, text="")
                if inner.items is not None and inner.items and inner.items[0].program_item():
                    return Value(False, program=True)
                return DYNAMIC
            if method in ("strip", "lower", "upper") and receiver.const and not node.args:
                return receiver
        qualname = self.resolver.qualname(func, scope)
        if qualname == "shutil.which":
            first = positional(node, 0) or keyword(node, "cmd")
            if first is not None and self.value(first, scope, depth + 1).const:
                return PROGRAM_ONLY
            return DYNAMIC
        if qualname == "builtins.compile":
            first = positional(node, 0) or keyword(node, "source")
            if first is not None and self.value(first, scope, depth + 1).const:
                return Value(True)
            return DYNAMIC
        if qualname in _CONST_FUNCS:
            args = [self.value(a.value, scope, depth + 1) for a in node.args]
            if args and all(a.const for a in args) and not any(a.star for a in node.args):
                return Value(True, program=True, text="")
        return DYNAMIC


def _first_word(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and any(ch.isspace() for ch in stripped)


def _leading_program(values: list[Value]) -> bool:
    """For a string built of parts: is the first word complete and constant?"""
    if not values:
        return False
    first = values[0]
    return first.const and first.text is not None and _first_word(first.text)
