"""What the three migration codemods share: the scanner's view of the module, per-site
outcomes, the sandbox import and a few careful CST edits.

Every codemod decides which calls are sites, and of which class, by running auditor's own
analysis (:func:`auditor.scan.analyze.analyze_source`) on the module it is given and matching the
findings to call nodes by position, so the rewriting always agrees with ``auditor scan``.

Doing only what the sites need: the calls are found, and their enclosing nodes recorded, in
one read-only walk that pairs each libcst call with the standard library's ``ast`` call at
the same place (:mod:`auditor.scan.positions`, as the scanner does), instead of libcst's
position and parent metadata of every node; the scopes are resolved only when a rewrite
asks for them; and the transform descends only into the nodes that hold a site (the rest of
the module is kept as it is, node for node, which is what a full transform leaves it too:
only a site's call or the call around it is ever replaced). Whenever the pairing fails, or a
rewrite asks about a node outside the recorded ones, libcst's metadata of the whole module
answers instead, as before.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst
from libcst import CSTTransformer
from libcst.metadata import (
    FunctionScope,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)
from libcst.metadata.base_provider import ProviderT

from auditor.findings import Finding
from auditor.judge.policy import Policy, load_policy
from auditor.plans import Decline, needs_action
from auditor.rewrite_context import ImportContext, RewriteContext, with_wrapper
from auditor.sandbox.config import Settings, load_settings
from auditor.scan.analyze import Context, analyze_source
from auditor.scan.lines import physical_lines
from auditor.scan.positions import Span, agrees, call_spans
from auditor.scan.resolve import keyword, positional
from auditor.scan.scopes import Scope as ScanScope
from auditor.scan.walk import child_fields, walk
from auditor.scanner_view import ScannerView
from auditor.unused_imports import (
    ImportIndex,
    import_index,
    remove_unused_import_by_node,
    remove_unused_imports,
    scheduled_removals,
)

if TYPE_CHECKING:
    from auditor.sandbox_needs import SandboxEffect

SiteFilter = Callable[[Finding], bool]

SANDBOX_MODULE = "auditor"
SANDBOX_NAME = "sandbox"
_SANDBOX_ALIASES = ("sandbox", "_sandbox", "auditor_sandbox", "_auditor_sandbox")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a codemod did with one site it is responsible for.

    ``line``...``end_column`` are the finding's (1-based, end exclusive) in the module the
    codemod was given; ``span`` is the region of that module that ``new_code`` replaces
    (usually the call itself; ``os.popen(...).read()`` as a whole for that pattern).
    ``new_code`` is None when the site was declined, with ``reason`` saying why.
    """

    codemod: str
    fingerprint: str
    rule: str
    category: str
    sink: str
    line: int
    column: int
    end_line: int
    end_column: int
    reason: str
    new_code: str | None = None
    span: tuple[int, int, int, int] | None = None
    # why it was declined, as a key the audit document has words for (see Decline)
    reason_key: str = ""
    # what the sandbox takes away from the rewritten call (route-to-sandbox,
    # eval-exec-to-sandbox)
    effect: SandboxEffect | None = None

    @property
    def rewritten(self) -> bool:
        return self.new_code is not None


@functools.cache
def _prunable(cls: type[SiteCodemod]) -> bool:
    """Whether the transform may skip the nodes that hold no site: the class has no visit or
    leave method of its own but SiteCodemod's leave_Call."""
    hooks = [n for n in dir(cls) if n.startswith(("visit_", "leave_"))]
    own = [n for n in hooks if getattr(cls, n) is not getattr(CSTTransformer, n, None)]
    return own == ["leave_Call"] and cls.leave_Call is SiteCodemod.leave_Call


class SiteCodemod(CSTTransformer):
    """Base of the migration codemods: finds the sites with the scanner, then lets the
    subclass rewrite each call it is responsible for (``rewrite``), recording an
    :class:`Outcome` per site in ``self.outcomes``.

    A plain libcst transformer, not one of libcst's codemod commands: importing libcst's
    codemod framework costs about 0.2 s (it imports ``libcst.matchers``), a third of a small
    project's report. It still runs under libcst's runner (``python -m libcst.tool codemod
    -x ...`` and ``libcst.codemod.transform_module``), which asks of a codemod only what
    this class has: ``DESCRIPTION``, ``add_args``, a ``context`` and ``transform_module``.
    """

    NAME: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = "No description."
    # Resolved on demand (see _metadata), not for every node of every module up front.
    METADATA_DEPENDENCIES = ()

    def __init__(
        self,
        context: ImportContext | None = None,
        policy: Policy | None = None,
        path: str | None = None,
        rel_path: str | None = None,
        site_filter: SiteFilter | None = None,
        findings: list[Finding] | None = None,
        scan_context: Context | None = None,
        sandbox_settings: Settings | None = None,
    ) -> None:
        """``context`` tells the file's name (libcst's ``CodemodContext`` or auditor's
        :class:`RewriteContext`); ``findings`` may hold the scanner's findings for exactly
        the module that will be transformed (with the same path and policy), to save
        analysing it again; ``scan_context`` the scanner's context for that policy;
        ``sandbox_settings`` the project's ``[tool.auditor.sandbox]`` (default: read from
        the file's folder up), whose profiles the sandbox calls will run with."""
        super().__init__()
        self.context: ImportContext = context if context is not None else RewriteContext()
        self.findings = findings
        self.scan_context = scan_context
        self.sandbox_settings = sandbox_settings
        self._view: ScannerView | None = None
        self._effects: dict[str, SandboxEffect] = {}
        self.policy = policy
        self.path = path
        self.rel_path = rel_path
        self.site_filter = site_filter
        self.outcomes: list[Outcome] = []
        self._sites: dict[tuple[int, int, int, int], Finding] = {}
        self._sandbox_alias: str | None = None
        self._module: cst.Module | None = None
        self._name_uses: Counter[str] = Counter()
        self._imports: dict[str, None] = {}  # import statements to add, in order
        # enclosing calls to replace as a whole (``os.popen(...).read()``), by id
        self._enclosing: dict[int, tuple[Finding, Callable[[cst.Call], cst.BaseExpression]]] = {}
        self._dropped: dict[str, list[cst.CSTNode]] = {}
        # the text the module was parsed from, when the caller has it (else regenerated)
        self.source_text: str | None = None
        self._located: _Located | None = None

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        """libcst.tool's hook for command-line options: the codemods take none."""

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """The rewritten module: what libcst's codemod commands do, with the metadata of
        ``tree`` resolved on demand (not copied first: each module a codemod is given is
        parsed for it, every node appears once), then the removal of the imports the
        rewrites scheduled."""
        previous = self.context.wrapper
        self.context = with_wrapper(self.context, MetadataWrapper(tree, unsafe_skip_copy=True))
        try:
            result = self.transform_module_impl(tree)
        finally:
            self.context = with_wrapper(self.context, previous)
        if scheduled_removals(self.context):
            result = remove_unused_imports(self.context, result)
        return result

    # -- subclass interface ---------------------------------------------------------------
    @classmethod
    def responsible(cls, finding: Finding) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def rewrite(
        self, original: cst.Call, updated: cst.Call, finding: Finding
    ) -> cst.BaseExpression:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- analysis -------------------------------------------------------------------------
    def _policy_and_paths(self) -> tuple[Policy, str, str]:
        filename = self.context.filename
        path = self.path or filename or "<module>"
        policy = self.policy
        if policy is None:
            start = Path(filename).parent if filename else None
            policy = load_policy(start)
        rel = self.rel_path
        if rel is None:
            if filename:
                absolute = Path(os.path.abspath(filename))
                try:
                    rel = absolute.relative_to(policy.root).as_posix()
                except ValueError:
                    rel = absolute.as_posix()
            else:
                rel = path
        return policy, path, rel

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        # libcst's runner reuses one instance for every file: start afresh
        self._sandbox_alias = None
        self._module = None
        self._view = None
        self._effects = {}
        findings = self.findings
        if findings is None:
            policy, path, rel = self._policy_and_paths()
            findings = analyze_source(tree.bytes, path, rel, Context(policy)).findings
        self._sites = {}
        for finding in findings:
            if not needs_action(finding) or not self.responsible(finding):
                continue
            if self.site_filter is not None and not self.site_filter(finding):
                continue
            key = (finding.line, finding.column, finding.end_line, finding.end_column)
            self._sites[key] = finding
        self._located = None
        if not self._sites:
            return tree
        self._module = tree
        self._dropped = {}
        self._imports = {}
        self._enclosing = {}
        text = self.source_text if self.source_text is not None else tree.code
        self._located = _locate(tree, text, self._sites)
        result = tree.visit(self)
        if self._imports:
            result = add_imports(result, list(self._imports))
        uses = _name_uses(tree) if self._dropped else Counter()
        index: ImportIndex | None = None
        for name, nodes in self._dropped.items():
            # Only when every use of the name went with the rewrites can its import become
            # unused; libcst's (slow) unused-import removal then checks it properly.
            if uses[name] <= len(nodes):
                index = index or import_index(tree)
                for node in nodes:
                    remove_unused_import_by_node(self.context, node, index)
        return result

    def _metadata(self, provider: ProviderT) -> Mapping[cst.CSTNode, Any]:
        """The ``provider``'s metadata of the whole module (resolved on first use)."""
        wrapper = self.context.wrapper
        assert wrapper is not None, "metadata outside of transform_module()"
        return wrapper.resolve(provider)

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only the nodes that hold a site have anything to rewrite below them (for a class
        # whose only hook is leave_Call: a subclass's own visits see every node).
        located = self._located
        if located is not None and id(node) not in located.holders and _prunable(type(self)):
            return False
        return super().on_visit(node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        enclosing = self._enclosing.pop(id(original_node), None)
        if enclosing is not None:
            site, build = enclosing
            replacement = build(updated_node)
            # the inner call recorded itself; widen its outcome to the whole expression
            self.outcomes = [o for o in self.outcomes if o.fingerprint != site.fingerprint]
            self._record(site, "", replacement, original_node)
            return replacement
        finding = self._finding_for(original_node)
        if finding is None:
            return updated_node
        if finding.handed_to is not None:
            reason = (
                f"the sink is handed over to {finding.handed_to}(); route the function it is "
                "given to the sandbox by hand"
            )
            self._record(finding, reason, key="handed-over")
            return updated_node
        try:
            replacement = self.rewrite(original_node, updated_node, finding)
        except Decline as why:
            self._record(finding, str(why), key=why.key)
            return updated_node
        self._record(finding, "", replacement, original_node)
        return replacement

    def _finding_for(self, node: cst.CSTNode) -> Finding | None:
        if not self._sites:
            return None
        if self._located is not None:
            return self._located.sites.get(id(node))
        pos = self._metadata(PositionProvider)[node]
        key = (pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)
        return self._sites.get(key)

    def _span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """The node's span: line, column (1-based), end line, end column (exclusive)."""
        span = self._located.calls.get(id(node)) if self._located is not None else None
        if span is not None:
            return (span.line, span.column + 1, span.end_line, span.end_column + 1)
        pos = self._metadata(PositionProvider)[node]
        return (pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)

    def _record(
        self,
        finding: Finding,
        reason: str,
        replacement: cst.BaseExpression | None = None,
        replaced: cst.CSTNode | None = None,
        key: str = "",
    ) -> None:
        new_code = span = None
        if replacement is not None and replaced is not None:
            span = self._span(replaced)
            new_code = self.code_in_place(replacement, replaced)
        self.outcomes.append(
            Outcome(
                codemod=self.NAME,
                fingerprint=finding.fingerprint,
                rule=finding.rule,
                category=finding.category,
                sink=finding.sink,
                line=finding.line,
                column=finding.column,
                end_line=finding.end_line,
                end_column=finding.end_column,
                reason=reason,
                new_code=new_code,
                span=span,
                reason_key=key,
                effect=self._effects.get(finding.fingerprint) if new_code is not None else None,
            )
        )

    def code_in_place(self, node: cst.CSTNode, where: cst.CSTNode) -> str:
        """The code of ``node`` as libcst writes it in place of ``where``: continuation lines
        of a call that spans several lines carry the indentation of the blocks ``where`` is
        in (libcst adds it when it writes the whole module), exactly as in the rewritten
        file."""
        module = self._module or cst.Module(body=[])
        indent = self.block_indent(where)
        if not indent or not isinstance(node, cst.BaseExpression):
            return module.code_for_node(node)
        newline = module.default_newline
        line = cst.SimpleStatementLine(body=[cst.Expr(node)])
        block = cst.IndentedBlock(body=[line], indent=indent)
        wrapper = module.with_changes(
            body=[cst.If(test=cst.Name("True"), body=block)],
            header=[],
            footer=[],
            has_trailing_newline=True,
        )
        code = wrapper.code
        head = f"if True:{newline}{indent}"
        assert code.startswith(head) and code.endswith(newline), code
        return code[len(head) : -len(newline)]

    def block_indent(self, node: cst.CSTNode) -> str:
        """The indentation of the blocks ``node`` is in, as libcst writes it."""
        default = self._module.default_indent if self._module is not None else "    "
        parts: list[str] = []
        current = self.parent(node)
        while current is not None:
            if isinstance(current, cst.IndentedBlock):
                parts.append(current.indent if current.indent is not None else default)
            current = self.parent(current)
        return "".join(reversed(parts))

    # -- helpers for subclasses -----------------------------------------------------------
    def scanner_view(self) -> ScannerView:
        """The scanner's scopes of the module being rewritten (built on first use)."""
        if self._view is None:
            assert self._module is not None
            policy, _, rel = self._policy_and_paths()
            context = self.scan_context or Context(policy)
            self._view = ScannerView(self._module, context, rel)
        return self._view

    def scope_in_scanner(self, call: cst.Call) -> ScanScope | None:
        return self.scanner_view().scope(call)

    def payload_of(self, call: cst.Call, finding: Finding) -> cst.BaseExpression | None:
        """The call's payload argument (the command, the code), as the scanner reads it
        from the sink's catalogue entry."""
        sink = self.scanner_view().sinks.get(finding.sink)
        if sink is None:
            return None
        value = positional(call, sink.payload)
        if value is None and sink.keyword is not None:
            value = keyword(call, sink.keyword)
        return value

    def settings(self) -> Settings:
        """The sandbox settings the rewritten calls will run with."""
        if self.sandbox_settings is None:
            filename = self.path or self.context.filename
            start = Path(filename).parent if filename else None
            self.sandbox_settings = load_settings(start)
        return self.sandbox_settings

    def set_effect(self, finding: Finding, effect: SandboxEffect) -> None:
        """Record what the sandbox takes away from the site's rewritten call."""
        self._effects[finding.fingerprint] = effect

    def replace_enclosing(
        self,
        outer: cst.Call,
        finding: Finding,
        build: Callable[[cst.Call], cst.BaseExpression],
    ) -> None:
        """Once the site's call is rewritten, replace the call ``outer`` around it (already
        holding the rewritten site) by ``build(outer)``."""
        self._enclosing[id(outer)] = (finding, build)

    def read_of(self, call: cst.Call) -> cst.Call | None:
        """The call ``call.read()`` (no arguments) when the site is used just that way."""
        attribute = self.parent(call)
        outer = self.parent(attribute) if attribute is not None else None
        if (
            isinstance(attribute, cst.Attribute)
            and attribute.value is call
            and attribute.attr.value == "read"
            and isinstance(outer, cst.Call)
            and outer.func is attribute
            and not outer.args
        ):
            return outer
        return None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        located = self._located
        if located is not None and id(node) in located.parents:
            return located.parents[id(node)]
        parent: cst.CSTNode | None = self._metadata(ParentNodeProvider).get(node)
        return parent

    def parents_within(self, node: cst.CSTNode) -> dict[int, cst.CSTNode]:
        """The parent of every node of the function (or module) that holds ``node``, by
        id: a walk of that function only, where libcst's ParentNodeProvider would walk the
        whole module (a few rewrites need to look further up than the call's parent)."""
        scope = self.scope_of(node)
        root: cst.CSTNode | None = getattr(scope, "node", None) if scope is not None else None
        if root is None or isinstance(root, cst.Module):
            root = self._module
        out: dict[int, cst.CSTNode] = {}
        if root is None:
            return out
        stack = [root]
        while stack:
            current = stack.pop()
            for name in child_fields(type(current)):
                child = getattr(current, name)
                children = (
                    [child]
                    if isinstance(child, cst.CSTNode)
                    else [c for c in child if isinstance(c, cst.CSTNode)]
                    if type(child) is tuple or type(child) is list
                    else []
                )
                for c in children:
                    out[id(c)] = current
                    stack.append(c)
        return out

    def is_statement(self, call: cst.Call) -> bool:
        """The call is a whole expression statement: its value is not used."""
        parent = self.parent(call)
        return isinstance(parent, cst.Expr) and parent.value is call

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        scope: Scope | None = self._metadata(ScopeProvider).get(node)
        return scope

    def check_module_name(self, module: str, node: cst.CSTNode) -> None:
        """Decline unless ``module`` can be used as a plain name at ``node``: unbound (an
        ``import module`` will be added) or bound only by ``import module``."""
        scope = self.scope_of(node)
        if scope is None:
            return
        for assignment in (*scope[module], *scope.globals[module]):
            if not _imports_module(assignment, module):
                raise Decline(f"the name {module!r} is bound to something else here", "module-name")
        at = self._start(node)
        if any(self._start(n) > at for n in self._local_imports(module, node)):
            raise Decline(f"the function imports {module} only after this call", "module-name")

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self._metadata(PositionProvider)[node].start
        return start.line, start.column

    def use_module(self, module: str, node: cst.CSTNode) -> cst.Name:
        """``module`` as a name at ``node`` (checked by :meth:`check_module_name`), with
        ``import module`` added once at the top unless the leading imports or the
        function itself import it (an import further down may come too late)."""
        early = self._module is not None and _imports_module_early(self._module, module)
        if not (early or self._local_imports(module, node)):
            self._imports.setdefault(f"import {module}", None)
        return cst.Name(module)

    def _local_imports(self, module: str, node: cst.CSTNode) -> list[cst.CSTNode]:
        """The ``import module`` statements of the function ``node`` is in."""
        scope = self.scope_of(node)
        if not isinstance(scope, FunctionScope):
            return []
        return [
            a.node for a in scope[module] if isinstance(a, ImportAssignment) and a.scope is scope
        ]

    def sandbox_alias(self) -> str:
        """The name under which ``from auditor import sandbox`` is (or will be) imported:
        an existing module-level import's name, else ``sandbox`` unless the module uses
        that name for anything else, else the first free alternative."""
        if self._sandbox_alias is None:
            module = self._module
            existing = _existing_sandbox_import(module) if module is not None else None
            if existing is not None:
                self._sandbox_alias = existing
            else:
                names = _names_in(module) if module is not None else set()
                alias = next((a for a in _SANDBOX_ALIASES if a not in names), None)
                n = 1
                while alias is None:
                    candidate = f"_auditor_sandbox{n}"
                    alias = candidate if candidate not in names else None
                    n += 1
                self._sandbox_alias = alias
                asname = None if alias == SANDBOX_NAME else alias
                suffix = f" as {asname}" if asname else ""
                self._imports.setdefault(f"from {SANDBOX_MODULE} import {SANDBOX_NAME}{suffix}")
        return self._sandbox_alias

    def sandbox_attr(self, function: str) -> cst.Attribute:
        return cst.Attribute(value=cst.Name(self.sandbox_alias()), attr=cst.Name(function))

    def drop_unused_import_of(self, node: cst.BaseExpression) -> None:
        """Schedule removal of the imports the callee ``node`` used, kept if still used.
        A package's ``__init__.py`` keeps its imports: they may be its public names."""
        filename = self.path or self.context.filename or ""
        if os.path.basename(filename) == "__init__.py":
            return
        base = node
        while isinstance(base, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Name):
            self._dropped.setdefault(base.value, []).append(node)


def _imports_module(assignment: object, module: str) -> bool:
    if not isinstance(assignment, ImportAssignment):
        return False
    node = assignment.node
    if not isinstance(node, cst.Import):
        return False
    for alias in node.names:
        name = _dotted(alias.name)
        if alias.asname is None and (name == module or name.startswith(module + ".")):
            return True
    return False


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _leading_block_end(module: cst.Module) -> int:
    """The index in ``module.body`` just after its docstring and leading import lines: what
    is imported there is bound before any of the module's code runs."""
    body = module.body
    index = 1 if body and _is_docstring(body[0]) else 0
    while index < len(body) and _is_import_line(body[index]):
        index += 1
    return index


def _leading_imports(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []
    for statement in module.body[: _leading_block_end(module)]:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom)))
    return found


def add_imports(module: cst.Module, statements: Sequence[str]) -> cst.Module:
    """Insert import statements after the module's leading docstring and import block
    (so before any code that could use them), touching nothing else."""
    body = list(module.body)
    index = _leading_block_end(module)
    new = [cst.parse_statement(text + module.default_newline) for text in statements]
    if index == 0 and body:
        # no import block: keep the new imports apart from the code that follows
        first = body[0]
        if not (first.leading_lines and first.leading_lines[0].comment is None):
            body[0] = first.with_changes(leading_lines=[cst.EmptyLine(), *first.leading_lines])
    return module.with_changes(body=[*body[:index], *new, *body[index:]])


def _existing_sandbox_import(module: cst.Module) -> str | None:
    """The local name of a ``from auditor import sandbox [as X]`` in the leading imports."""
    for small in _leading_imports(module):
        if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None:
            continue
        if _dotted(small.module) != SANDBOX_MODULE or isinstance(small.names, cst.ImportStar):
            continue
        for alias in small.names:
            if _dotted(alias.name) != SANDBOX_NAME:
                continue
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                return local.value
    return None


def _imports_module_early(module: cst.Module, name: str) -> bool:
    """``import name`` is among the module's leading imports."""
    return any(
        isinstance(small, cst.Import)
        and any(_dotted(a.name) == name and a.asname is None for a in small.names)
        for small in _leading_imports(module)
    )


def _count_names(root: cst.CSTNode, counts: Counter[str], imports: bool) -> None:
    """Count every identifier read or bound under ``root``: not attribute names, not
    keywords of arguments, and not in import statements unless ``imports``. A read-only
    walk over the fields (:func:`auditor.scan.walk.child_fields`), not libcst's visit."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            counts[node.value] += 1  # type: ignore[attr-defined]
        elif kind is cst.Attribute or kind is cst.Arg:
            stack.append(node.value)  # type: ignore[attr-defined]
        elif imports or (kind is not cst.Import and kind is not cst.ImportFrom):
            for name in child_fields(kind):
                child = getattr(node, name)
                if isinstance(child, cst.CSTNode):
                    stack.append(child)
                elif type(child) is tuple or type(child) is list:
                    stack.extend(c for c in child if isinstance(c, cst.CSTNode))


def _name_uses(module: cst.Module) -> Counter[str]:
    """How often each identifier is read or bound outside import statements."""
    counts: Counter[str] = Counter()
    _count_names(module, counts, imports=False)
    return counts


def _names_in(module: cst.Module) -> set[str]:
    """Every identifier the module binds or reads (not attribute names, not keywords)."""
    counts: Counter[str] = Counter()
    _count_names(module, counts, imports=True)
    return set(counts)


@dataclass(slots=True)
class _Located:
    """The sites' calls found in a module and what encloses them: ``sites`` (call node id
    -> finding), ``calls`` (every call's span by node id), ``parents`` (node id -> parent,
    for each site's call and every node above it; None for the module) and ``holders``
    (the ids of the nodes that hold a site: the module, down to each site's parent)."""

    sites: dict[int, Finding] = dataclasses.field(default_factory=dict)
    calls: dict[int, Span] = dataclasses.field(default_factory=dict)
    parents: dict[int, cst.CSTNode | None] = dataclasses.field(default_factory=dict)
    holders: set[int] = dataclasses.field(default_factory=set)


class _Locator:
    """The visitor of :func:`_locate`: each libcst call meets its ``ast`` twin (pre-order)."""

    def __init__(
        self,
        spans: list[tuple[Span, ast.Call]],
        keys: dict[tuple[int, int, int, int], Finding],
    ) -> None:
        self.spans = spans
        self.keys = keys
        self.index = 0
        self.failed = False
        self.stack: list[cst.CSTNode] = []
        self.found = _Located()

    def __getattr__(self, name: str) -> Callable[[cst.CSTNode], None]:
        # walk() asks for visit_<Type> / leave_<Type>: every type enters and leaves
        if name.startswith("visit_"):
            return self._enter
        if name.startswith("leave_"):
            return self._leave
        raise AttributeError(name)

    def _enter(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Call and not self.failed:
            if self.index >= len(self.spans) or not agrees(node, self.spans[self.index][1]):
                self.failed = True
            else:
                span = self.spans[self.index][0]
                self.index += 1
                found = self.found
                found.calls[id(node)] = span
                key = (span.line, span.column + 1, span.end_line, span.end_column + 1)
                finding = self.keys.get(key)
                if finding is not None:
                    found.sites[id(node)] = finding
                    stack = self.stack
                    found.parents[id(node)] = stack[-1] if stack else None
                    for depth, holder in enumerate(stack):
                        found.parents[id(holder)] = stack[depth - 1] if depth else None
                        found.holders.add(id(holder))
        self.stack.append(node)

    def _leave(self, node: cst.CSTNode) -> None:
        self.stack.pop()


def _locate(
    module: cst.Module, text: str, sites: dict[tuple[int, int, int, int], Finding]
) -> _Located | None:
    """The sites' calls of ``module`` (parsed from ``text``) and what encloses them, or
    None when the two parsers do not pair up (libcst's metadata answers then)."""
    try:
        parsed = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [n for n in ast.walk(parsed) if isinstance(n, ast.Call)]
    locator = _Locator(call_spans(calls, physical_lines(text)), sites)
    walk(module, locator)
    if locator.failed or locator.index != len(locator.spans):
        return None
    if len(locator.found.sites) != len(sites):  # a site not met: let the metadata look
        return None
    return locator.found


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


_NO_SPACE_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def stdout_of_receiver(read_call: cst.Call) -> cst.BaseExpression:
    """``X.read()`` -> ``X.stdout``."""
    func = read_call.func
    assert isinstance(func, cst.Attribute)
    return cst.Attribute(value=func.value, attr=cst.Name("stdout"))


def make_arg(value: cst.BaseExpression, keyword: str | None = None, last: bool = False) -> cst.Arg:
    comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
    if not last:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if keyword is None:
        return cst.Arg(value, comma=comma)
    return cst.Arg(value, keyword=cst.Name(keyword), equal=_NO_SPACE_EQUAL, comma=comma)


def append_keyword(args: Sequence[cst.Arg], name: str, value: cst.BaseExpression) -> list[cst.Arg]:
    """``args`` and ``name=value`` after them, in the call's layout: on a line of its own
    (with the trailing comma) when the arguments are one per line."""
    out = list(args)
    if not out:
        return [make_arg(value, name, last=True)]
    last = out[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: one argument per line
        separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
        if len(out) > 1 and isinstance(out[-2].comma, cst.Comma):
            separator = out[-2].comma.whitespace_after
        tail = last.comma.whitespace_after
        if isinstance(separator, cst.ParenthesizedWhitespace):
            # the last argument keeps its own comments; the new one goes on the next line
            comments: dict[str, Any] = {"first_line": cst.TrailingWhitespace(), "empty_lines": []}
            if isinstance(tail, cst.ParenthesizedWhitespace):
                comments = {"first_line": tail.first_line, "empty_lines": tail.empty_lines}
                tail = tail.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
            separator = separator.with_changes(**comments)
        out[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=separator))
        new = make_arg(value, name).with_changes(
            comma=last.comma.with_changes(whitespace_after=tail)
        )
        return [*out, new]
    out[-1] = last.with_changes(
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        whitespace_after_arg=cst.SimpleWhitespace(""),
    )
    return [
        *out,
        make_arg(value, name, last=True).with_changes(
            whitespace_after_arg=last.whitespace_after_arg
        ),
    ]


def remove_arg(args: Sequence[cst.Arg], index: int) -> list[cst.Arg]:
    """``args`` without ``args[index]``, keeping the layout of the others and every comment
    (a comment on the removed argument's line, or on lines of its own after it, moves to
    the line before)."""
    out = list(args)
    removed = out.pop(index)
    if not out or index == 0:
        return out
    prev = out[index - 1]
    prev_ws: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace("")
    if isinstance(prev.comma, cst.Comma):
        prev_ws = prev.comma.whitespace_after
    last = index == len(out)
    trailing_comma = isinstance(removed.comma, cst.Comma)
    tail: cst.BaseParenthesizableWhitespace = removed.whitespace_after_arg
    if isinstance(removed.comma, cst.Comma):
        tail = removed.comma.whitespace_after
    if not last:
        # the next argument moves up: it keeps the line break that preceded the removed one
        merged = tail
        if isinstance(prev_ws, cst.ParenthesizedWhitespace):
            merged = _merge(prev_ws, tail)
        assert isinstance(prev.comma, cst.Comma)
        out[index - 1] = prev.with_changes(comma=prev.comma.with_changes(whitespace_after=merged))
        return out
    # the last argument went: the one before it takes over its trailing layout
    if isinstance(prev_ws, cst.ParenthesizedWhitespace) and isinstance(
        tail, cst.ParenthesizedWhitespace
    ):
        tail = _merge(prev_ws, tail)
    if trailing_comma and isinstance(prev.comma, cst.Comma):
        out[-1] = prev.with_changes(comma=prev.comma.with_changes(whitespace_after=tail))
    elif trailing_comma:
        out[-1] = prev.with_changes(comma=cst.Comma(whitespace_after=tail))
    else:
        out[-1] = prev.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=tail)
    return out


def _merge(
    before: cst.ParenthesizedWhitespace, after: cst.BaseParenthesizableWhitespace
) -> cst.ParenthesizedWhitespace:
    """The whitespace that replaces ``before`` + removed argument + ``after``: the first
    line of ``before`` (its trailing comment), then every comment line of both, then the
    indentation ``after`` ends with."""
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return before
    lines = list(before.empty_lines)
    comment = after.first_line.comment
    if comment is not None:
        if before.first_line.comment is None:
            before = before.with_changes(first_line=after.first_line)
        else:
            lines.append(
                cst.EmptyLine(indent=before.indent, whitespace=before.last_line, comment=comment)
            )
    lines.extend(after.empty_lines)
    return before.with_changes(empty_lines=lines, indent=after.indent, last_line=after.last_line)


def _has_comment(ws: cst.BaseParenthesizableWhitespace) -> bool:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.first_line.comment is not None or any(
            line.comment is not None for line in ws.empty_lines
        )
    return False
