"""libcst's removal of the imports a codemod made unused, without its whole-module analysis
when the text already gives the answer.

``RemoveImportsVisitor`` removes each import the codemod scheduled (``module``, ``obj``,
``asname``) that is not in use. To know that, it copies the module, resolves its scopes and
qualified names, gathers the names of ``__all__`` and of string annotations, then rebuilds
every node of the module; that was most of the time of a codemod run on a file that lost an
import. An import is in use, for it, when its name is referenced (scope analysis), exported
in ``__all__`` or named in a string annotation: each of these puts the name in the module's
text outside import statements. So when the name of every import it would remove appears
nowhere else in the text (not even in a string or a comment), its answer is known: all of
them are unused. Then the same visitor runs with that answer and no metadata, descending
only into the statements that hold an import. Any other case (a name mentioned elsewhere, a
relative or ``__future__`` import) runs libcst's visitor as it is.

The lookup before it, of the import statements that bound a callee a rewrite dropped
(``RemoveImportsVisitor.remove_unused_import_by_node``), resolves the module's scopes too;
:func:`remove_unused_import_by_node` answers it from the module-level imports when no
import inside a function or class could bind the callee's name.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.codemod.visitors._remove_imports import RemovedNodeVisitor
from libcst.helpers import get_absolute_module_from_package_for_import

from auditor.scan.walk import child_fields

ImportNode = cst.Import | cst.ImportFrom


def remove_unused_imports(context: CodemodContext, module: cst.Module) -> cst.Module:
    """What ``RemoveImportsVisitor(context).transform_module(module)`` returns."""
    imports, holders = _imports_in(module)
    unused = _provably_unused(context, module, imports)
    if unused is None:
        return RemoveImportsVisitor(context).transform_module(module)
    return _Known(context, unused, holders).transform_module(module)


def _imports_in(module: cst.Module) -> tuple[list[ImportNode], set[int]]:
    """Every import statement of the module, and the ids of the nodes that hold one.
    Expressions hold no statement: the walk does not enter them."""
    found: list[ImportNode] = []
    holders: set[int] = set()
    path: list[cst.CSTNode] = []

    def go(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            found.append(node)
            holders.update(id(n) for n in path)
            return
        if isinstance(node, cst.BaseExpression):
            return
        path.append(node)
        for name in child_fields(type(node)):
            child = getattr(node, name)
            if isinstance(child, cst.CSTNode):
                go(child)
            elif type(child) is tuple or type(child) is list:
                for item in child:
                    if isinstance(item, cst.CSTNode):
                        go(item)
        path.pop()

    go(module)
    return found, holders


def _provably_unused(
    context: CodemodContext, module: cst.Module, imports: list[ImportNode]
) -> dict[cst.ImportAlias, ImportNode] | None:
    """The aliases the visitor would look at (scheduled for removal), when the text shows
    that none of them is in use; None when that is not shown."""
    scheduled = RemoveImportsVisitor._get_imports_from_context(context)
    modules = {m: alias for m, obj, alias in scheduled if obj is None}
    objects = {(m, obj, alias) for m, obj, alias in scheduled if obj is not None}
    candidates: dict[cst.ImportAlias, ImportNode] = {}
    for node in imports:
        if isinstance(node, cst.Import):
            for alias in node.names:
                name = alias.evaluated_name
                if name in modules and alias.evaluated_alias == modules[name]:
                    candidates[alias] = node
            continue
        if isinstance(node.names, cst.ImportStar):
            continue
        absolute = get_absolute_module_from_package_for_import(context.full_package_name, node)
        wanted = [
            a for a in node.names if (absolute, a.evaluated_name, a.evaluated_alias) in objects
        ]
        if not wanted:
            continue
        if node.module is None or node.relative or absolute == "__future__":
            return None  # libcst's rules for these differ: let it decide
        candidates.update((alias, node) for alias in wanted)
    if not candidates:
        return {}
    text = module.code
    inside = "".join(module.code_for_node(node) + "\n" for node in imports)
    for alias in candidates:
        local = alias.evaluated_alias or alias.evaluated_name.split(".", 1)[0]
        word = re.compile(rf"(?<!\w){re.escape(local)}(?!\w)")
        if len(word.findall(text)) != len(word.findall(inside)):
            return None  # named outside the imports: libcst's analysis decides
    return candidates


class _Known(RemoveImportsVisitor):
    """``RemoveImportsVisitor`` told which aliases are unused: no metadata resolved (its
    ``_handle_metadata_reference`` would copy the module and resolve its scopes), and only
    the statements that hold an import are visited."""

    def __init__(
        self,
        context: CodemodContext,
        unused: dict[cst.ImportAlias, ImportNode],
        holders: set[int],
    ) -> None:
        super().__init__(context)
        self._known = unused
        self._holders = holders

    @contextlib.contextmanager
    def _handle_metadata_reference(self, module: cst.Module) -> Iterator[cst.Module]:
        yield module

    def visit_Module(self, node: cst.Module) -> None:
        self._unused_imports = dict(self._known)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) not in self._holders:
            return False
        return super().on_visit(node)


# -- the imports a removed callee used ---------------------------------------------------------
@dataclass(slots=True)
class ImportIndex:
    """The names a module's import statements bind: ``module_level`` (name -> the statements at
    the module's level that bind it, once per binding), ``nested`` (the names bound by an import
    inside a function or a class)."""

    module_level: dict[str, list[ImportNode]] = field(default_factory=dict)
    nested: set[str] = field(default_factory=set)


def import_index(module: cst.Module) -> ImportIndex:
    """Where the module's import statements bind their names (see :class:`ImportIndex`), as
    libcst's scope analysis records them: ``import a.b.c`` binds ``a.b.c``, ``a.b`` and ``a``;
    an alias binds its own name; ``from m import *`` binds nothing it knows of."""
    index = ImportIndex()

    def go(node: cst.CSTNode, nested: bool) -> None:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            for name in _bound_names(node):
                if nested:
                    index.nested.add(name)
                else:
                    index.module_level.setdefault(name, []).append(node)
            return
        if isinstance(node, cst.BaseExpression):
            return
        inner = nested or isinstance(node, (cst.FunctionDef, cst.ClassDef))
        for name in child_fields(type(node)):
            child = getattr(node, name)
            if isinstance(child, cst.CSTNode):
                go(child, inner)
            elif type(child) is tuple or type(child) is list:
                for item in child:
                    if isinstance(item, cst.CSTNode):
                        go(item, inner)

    go(module, False)
    return index


def _bound_names(node: ImportNode) -> list[str]:
    if isinstance(node.names, cst.ImportStar):
        return []
    bound: list[str] = []
    for alias in node.names:
        if alias.asname is not None:
            target = alias.asname.name
            bound.append(target.value if isinstance(target, cst.Name) else "")
        else:
            bound.extend(_dotted_prefixes(alias.name) or [""])
    return bound


def _dotted_prefixes(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` -> ``["a.b.c", "a.b", "a"]``; None when ``node`` is not a dotted name."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    parts.reverse()
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


def remove_unused_import_by_node(
    context: CodemodContext, node: cst.CSTNode, index: ImportIndex
) -> None:
    """What ``RemoveImportsVisitor.remove_unused_import_by_node(context, node)`` schedules for
    a callee ``node`` (a name or a dotted name) of the module ``index`` describes, without
    the module's scope analysis when only module-level imports bind its name.

    libcst looks up each dotted prefix of the callee (``a.b.c``, ``a.b``, ``a``: the nodes its
    scope analysis gives a scope, not the attribute names) in the node's scope and every scope
    around it, and schedules the names of each import statement bound there that the prefix
    starts with. When no import inside a function or class binds one of those prefixes, the
    statements it finds are the module-level ones that bind them, whatever the node's scope:
    the same calls schedule the same removals. Otherwise libcst's analysis runs."""
    prefixes = _dotted_prefixes(node) if isinstance(node, cst.BaseExpression) else None
    unknown = "" in index.module_level or "" in index.nested
    if prefixes is None or unknown or index.nested.intersection(prefixes):
        RemoveImportsVisitor.remove_unused_import_by_node(context, node)
        return
    found = [(local, s) for local in prefixes for s in index.module_level.get(local, ())]
    if not found:
        return
    scheduler = RemovedNodeVisitor(context)
    for local, statement in found:
        if isinstance(statement, cst.Import):
            scheduler._remove_imports_from_import_stmt(local, statement)
        else:
            scheduler._remove_imports_from_importfrom_stmt(local, statement)
