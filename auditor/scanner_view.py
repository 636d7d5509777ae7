"""The scanner's view of a module a codemod rewrites: its scopes, name resolution and sink
catalogue, and the exact text of constant strings, read with the scanner's own rules so that
a rewrite agrees with what ``auditor scan`` found."""

from __future__ import annotations

import libcst as cst

from auditor.judge.catalogue import Sink
from auditor.scan.analyze import Context
from auditor.scan.collect import CallSite, Collector
from auditor.scan.discover import module_name
from auditor.scan.resolve import Resolver, literal_string
from auditor.scan.scopes import Scope
from auditor.scan.walk import walk


def bound_value(node: cst.Name, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """The value a name is bound to, when it is bound exactly once, by an assignment at
    module or function level (the scanner's rule for a constant name), with the scope the
    value is evaluated in."""
    bindings = scope.lookup(node.value)
    if not bindings or len(bindings) != 1:
        return None
    binding = bindings[0]
    if binding.kind != "value" or binding.value is None:
        return None
    if binding.scope.kind not in ("module", "function"):
        return None
    return binding.value, binding.scope


def exact_text(node: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
    """The exact text of a string expression known before the program runs: a string
    literal (not bytes), implicit or ``+`` concatenation of such, or a name bound once to
    one (followed through the scanner's scopes). None for anything else (an f-string, a
    ``%``- or ``.format``-ed string: the scanner calls those constant too, but their text
    is not worked out here)."""
    if depth > 16:
        return None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        if isinstance(node, cst.SimpleString) and "b" in node.prefix.lower():
            return None
        if isinstance(node, cst.ConcatenatedString):
            left = exact_text(node.left, scope, depth + 1)
            right = exact_text(node.right, scope, depth + 1)
            return left + right if left is not None and right is not None else None
        return literal_string(node)
    if isinstance(node, cst.Name):
        found = bound_value(node, scope)
        return exact_text(found[0], found[1], depth + 1) if found is not None else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = exact_text(node.left, scope, depth + 1)
        right = exact_text(node.right, scope, depth + 1) if left is not None else None
        return left + right if left is not None and right is not None else None
    return None


class ScannerView:
    """The scanner's scopes of the module a codemod rewrites: the scope of each call and
    the name resolution, so that a codemod reads names exactly as ``auditor scan`` does."""

    def __init__(self, module: cst.Module, context: Context, rel_path: str) -> None:
        collector = Collector(
            context.catalogue, context.interesting, module_name(rel_path, context.policy.root)
        )
        walk(module, collector)
        self.calls: dict[int, CallSite] = {id(c.node): c for c in collector.calls}
        self.resolver = Resolver(context.known)
        self.sinks: dict[str, Sink] = {s.name: s for s in context.catalogue.sinks}

    def scope(self, call: cst.Call) -> Scope | None:
        site = self.calls.get(id(call))
        return site.scope if site is not None else None
