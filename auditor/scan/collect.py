"""One pass over a libcst module: build the scopes and bindings, and record every call that
might reach a sink together with the scope and function it is in."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from auditor.judge.catalogue import Catalogue
from auditor.scan.scopes import Binding, Scope


@dataclass(slots=True)
class CallSite:
    node: cst.Call
    scope: Scope
    function: str
    index: int  # position of this call among all calls of the module, in pre-order


def dotted(node: cst.BaseExpression | cst.ImportFrom) -> str:
    """``a.b.c`` of a Name/Attribute chain (import targets are always such chains)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


class Collector(cst.CSTVisitor):
    def __init__(
        self, catalogue: Catalogue, interesting: frozenset[str], module_name: str = ""
    ) -> None:
        self.catalogue = catalogue
        self.module_name = module_name
        self.interesting = interesting
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.calls: list[CallSite] = []
        self.call_count = 0
        self._names: list[str] = []

    # -- scopes ---------------------------------------------------------------------------
    def _push(self, kind: str, name: str = "") -> None:
        self.scope = Scope(kind, self.scope, name)  # type: ignore[arg-type]

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def _opaque(self, name: str) -> None:
        self.scope.bind(name, Binding("opaque", self.scope))

    def _bind_params(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self._opaque(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._opaque(star.name.value)

    def _define(self, name: str) -> None:
        """A ``def`` or ``class``: at module level it is ``<module>.<name>`` (so a project
        sink declared by dotted name matches inside its own module too), else opaque."""
        if self.scope.kind == "module" and self.module_name:
            self.scope.bind(name, Binding("import", self.scope, f"{self.module_name}.{name}"))
        else:
            self._opaque(name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._define(node.name.value)
        self._names.append(node.name.value)
        self._push("function", node.name.value)
        self._bind_params(node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()
        self._names.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push("function", "<lambda>")
        self._bind_params(node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._define(node.name.value)
        self._names.append(node.name.value)
        self._push("class", node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()
        self._names.pop()

    def _comp_enter(self) -> None:
        self._push("comprehension")

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comp_enter()

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comp_enter()

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comp_enter()

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comp_enter()

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None)

    # -- bindings -------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, Binding("import", self.scope, full))
            else:
                top = full.split(".")[0]
                self.scope.bind(top, Binding("import", self.scope, top))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        module = "." * len(node.relative) + module
        if isinstance(node.names, cst.ImportStar):
            for attr in self.catalogue.module_members.get(module, {}):
                self.scope.bind(attr, Binding("import", self.scope, f"{module}.{attr}"))
            return
        for alias in node.names:
            name = dotted(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.scope.bind(local, Binding("import", self.scope, f"{module}.{name}"))

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            if value is None:
                self._opaque(target.value)
            else:
                self.scope.bind(target.value, Binding("value", self.scope, value=value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            values: list[cst.BaseExpression | None] = [None] * len(target.elements)
            if (
                isinstance(value, (cst.Tuple, cst.List))
                and len(value.elements) == len(target.elements)
                and not any(isinstance(e, cst.StarredElement) for e in value.elements)
            ):
                values = [e.value for e in value.elements]
            for element, element_value in zip(target.elements, values, strict=True):
                if isinstance(element, cst.StarredElement):
                    self._bind_target(element.value, None)
                else:
                    self._bind_target(element.value, element_value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._opaque(node.name.name.value)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._opaque(node.name.name.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._opaque(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._opaque(node.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocals.update(item.name.value for item in node.names)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        # Keep every call whose callee could resolve to a sink: a bare name (it may be an
        # alias such as ``r = subprocess.run``), an attribute whose name ends a sink's dotted
        # name (resolution keeps the attribute name last), a call result
        # (``getattr(os, "system")(...)``), and anything passing ``shell=``.
        index = self.call_count
        self.call_count += 1
        func = node.func
        keep = isinstance(func, (cst.Name, cst.Call)) or (
            isinstance(func, cst.Attribute) and func.attr.value in self.interesting
        )
        if keep or any(
            arg.keyword is not None and arg.keyword.value == "shell" for arg in node.args
        ):
            function = ".".join(self._names) if self._names else "<module>"
            self.calls.append(CallSite(node, self.scope, function, index))
