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

The fast paths do not import ``libcst.codemod`` (with ``libcst.matchers``, about 0.2 s of a
report's start-up): the scheduling is the same list in the context's scratch that libcst's
visitor reads, and the edits of the import statements are libcst's, reproduced in
:class:`_Known`. Only the slow paths import libcst's visitors.

The lookup before it, of the import statements that bound a callee a rewrite dropped
(``RemoveImportsVisitor.remove_unused_import_by_node``), resolves the module's scopes too;
:func:`remove_unused_import_by_node` answers it from the module-level imports when no
import inside a function or class could bind the callee's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import

from auditor.rewrite_context import ImportContext
from auditor.scan.walk import child_fields

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext

ImportNode = cst.Import | cst.ImportFrom
Removal = tuple[str, str | None, str | None]  # module, object, alias

# libcst's key in the context's scratch (RemoveImportsVisitor.CONTEXT_KEY): the removals
# scheduled there are the same list for libcst's visitor and for ours.
_SCRATCH_KEY = "RemoveImportsVisitor"


def scheduled_removals(context: ImportContext) -> list[Removal]:
    """The imports scheduled for removal in ``context`` (module, object, alias)."""
    removals: list[Removal] = context.scratch.get(_SCRATCH_KEY, [])
    return removals


def schedule_removal(
    context: ImportContext, module: str, obj: str | None = None, asname: str | None = None
) -> None:
    """What ``RemoveImportsVisitor.remove_unused_import`` does: schedule the import of
    ``module`` (or of ``obj`` from it), under ``asname``, to be removed if unused."""
    context.scratch.setdefault(_SCRATCH_KEY, []).append((module, obj, asname))


def _libcst_context(context: ImportContext) -> CodemodContext:
    """libcst's context for ``context``, sharing its scratch and warnings (for libcst's own
    visitors, on the slow paths only: importing libcst.codemod costs about 0.2 s)."""
    from libcst.codemod import CodemodContext

    if isinstance(context, CodemodContext):
        return context
    return CodemodContext(
        warnings=context.warnings,
        scratch=context.scratch,
        filename=context.filename,
        full_module_name=context.full_module_name,
        full_package_name=context.full_package_name,
        wrapper=context.wrapper,
    )


def _remove_imports_visitor() -> Any:
    from libcst.codemod.visitors import RemoveImportsVisitor

    return RemoveImportsVisitor


def remove_unused_imports(context: ImportContext, module: cst.Module) -> cst.Module:
    """What ``RemoveImportsVisitor(context).transform_module(module)`` returns."""
    imports, holders = _imports_in(module)
    unused = _provably_unused(context, module, imports)
    if unused is None:
        visitor = _remove_imports_visitor()(_libcst_context(context))
        return cast(cst.Module, visitor.transform_module(module))
    return module.visit(_Known(context, unused, holders))


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
    context: ImportContext, module: cst.Module, imports: list[ImportNode]
) -> dict[cst.ImportAlias, ImportNode] | None:
    """The aliases the visitor would look at (scheduled for removal), when the text shows
    that none of them is in use; None when that is not shown."""
    scheduled = scheduled_removals(context)
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


class _Known(cst.CSTTransformer):
    """libcst's ``RemoveImportsVisitor`` told which aliases are unused: the same edits of the
    import statements (its ``leave_Import`` and ``leave_ImportFrom``, MIT-licensed, Meta
    Platforms), with no metadata resolved and only the statements that hold an import
    visited."""

    def __init__(
        self,
        context: ImportContext,
        unused: dict[cst.ImportAlias, ImportNode],
        holders: set[int],
    ) -> None:
        super().__init__()
        self._package = context.full_package_name
        self._unused = unused
        self._holders = holders
        scheduled = scheduled_removals(context)
        self._modules = {module: alias for module, obj, alias in scheduled if obj is None}
        self._objects: dict[str, set[tuple[str, str | None]]] = {}
        for module, obj, alias in scheduled:
            if obj is not None:
                self._objects.setdefault(module, set()).add((obj, alias))

    def on_visit(self, node: cst.CSTNode) -> bool:
        # leave_Import and leave_ImportFrom run all the same (libcst calls on_leave)
        return id(node) in self._holders

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        keep = [
            alias
            for alias in original_node.names
            if alias.evaluated_name not in self._modules
            or alias.evaluated_alias != self._modules[alias.evaluated_name]
            or alias not in self._unused
        ]
        if not keep:
            return cst.RemoveFromParent()
        return updated_node.with_changes(names=_last_without_comma(keep, original_node.names))

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        names = original_node.names
        if isinstance(names, cst.ImportStar):
            return updated_node
        module = get_absolute_module_from_package_for_import(self._package, updated_node)
        if module is None or module not in self._objects:
            return updated_node
        objects = self._objects[module]
        changes: dict[str, Any] = {}
        keep: list[cst.ImportAlias] = []
        for alias in names:
            if (alias.evaluated_name, alias.evaluated_alias) not in objects or (
                alias not in self._unused
            ):
                keep.append(alias)
                continue
            # removed: a comment after its comma moves to the alias before (or the paren)
            comma = alias.comma
            if not isinstance(comma, cst.Comma):
                continue
            if keep:
                previous = keep[-1]
                if isinstance(previous.comma, cst.Comma):
                    previous = previous.with_deep_changes(
                        previous.comma,
                        whitespace_after=_merge_whitespace_after(
                            previous.comma.whitespace_after, comma.whitespace_after
                        ),
                    )
                else:
                    previous = previous.with_changes(comma=comma)
                keep[-1] = previous
            elif isinstance(updated_node.lpar, cst.LeftParen):
                lpar = updated_node.lpar
                changes["lpar"] = lpar.with_changes(
                    whitespace_after=_merge_whitespace_after(
                        lpar.whitespace_after, comma.whitespace_after
                    )
                )
        if keep == list(names):
            return updated_node
        if not keep:
            return cst.RemoveFromParent()
        changes["names"] = _last_without_comma(keep, names)
        return updated_node.with_changes(**changes)


def _last_without_comma(
    keep: list[cst.ImportAlias], names: Sequence[cst.ImportAlias]
) -> list[cst.ImportAlias]:
    """The aliases kept; the last loses its comma when the statement's last one went."""
    if keep[-1] != names[-1]:
        return [*keep[:-1], keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    return keep


def _merge_whitespace_after(
    left: cst.BaseParenthesizableWhitespace, right: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(
        empty_lines=tuple(line for line in right.empty_lines if line.comment is not None)
    )


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
    context: ImportContext, node: cst.CSTNode, index: ImportIndex
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
        _remove_imports_visitor().remove_unused_import_by_node(_libcst_context(context), node)
        return
    for local in prefixes:
        for statement in index.module_level.get(local, ()):
            _schedule_bound(context, local, statement)


def _schedule_bound(context: ImportContext, local: str, statement: ImportNode) -> None:
    """Schedule the aliases of ``statement`` that bind the name ``local`` starts with, as
    libcst's ``RemovedNodeVisitor`` does for a name its scope analysis found bound there."""
    names = statement.names
    if isinstance(names, cst.ImportStar):
        return
    module: str | None = None
    if isinstance(statement, cst.ImportFrom):
        module = get_absolute_module_from_package_for_import(context.full_package_name, statement)
        if module is None:
            raise ValueError("Cannot look up absolute module from relative import!")
    for alias in names:
        prefix = alias.evaluated_alias or alias.evaluated_name
        if local == prefix or local.startswith(f"{prefix}."):
            if module is None:
                schedule_removal(context, alias.evaluated_name, asname=alias.evaluated_alias)
            else:
                schedule_removal(
                    context, module, obj=alias.evaluated_name, asname=alias.evaluated_alias
                )
