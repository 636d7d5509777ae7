"""A cheap, sound test run on the standard library's ``ast`` tree before the libcst parse.

The libcst analysis reports a call only when (see ``auditor.resolve`` and ``auditor.analyze``):

1. the call passes ``shell=`` (a possible wrapper), or
2. its callee is an attribute named like an event-loop method sink (``subprocess_shell``), or
3. its callee resolves to a catalogue name. Resolution starts from a name. An unbound name
   resolves only to ``builtins.<name>`` (so ``eval``, ``exec`` or ``__import__`` must appear as
   a name); a bound name resolves only through an ``import``/``from ... import`` of a module
   (so one of the sink modules' root names is imported somewhere in the file), through a
   module-level ``def`` (a project sink defined in this very file), or through an assignment
   whose value itself resolves (which again needs one of the above). The last component of
   the resolved name is the sink's own last component (``run``, ``system``...), and it
   enters the resolution only as an attribute name, an imported name, a bare name, or the
   string literal of ``getattr(mod, "name")``.

So a file none of whose calls passes ``shell=`` or names a method sink, that uses no builtin
sink name, defines no project sink, and either imports no sink module or never mentions a
sink's last component in one of those four places, cannot yield a finding: skipping its
libcst parse changes nothing (:func:`may_report`).

Before that, :func:`text_may_report` runs on the source text, before any parse. Every
identifier above appears in the text as written, except in two ways: a ``getattr`` string
literal may spell the name with escapes or implicit concatenation (so any file that says
``getattr`` goes on to the tree check), and Python folds non-ASCII identifiers to NFKC (so any
non-ASCII file goes on too). A file that fails the text check is not parsed at all: it cannot
run anything this audit is about, so its syntax errors are not reported either.
``tests/scanner/test_prefilter.py`` checks both against the full analysis on real code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.catalogue import Catalogue
from auditor.resolve import BUILTIN_NAMES


@dataclass(frozen=True, slots=True)
class SinkWords:
    roots: frozenset[str]  # root module names of sinks: subprocess, os, asyncio...
    last: frozenset[str]  # last components of sink names: run, system, eval...
    methods: frozenset[str]  # method sinks matched on any receiver
    builtins: frozenset[str]  # builtin sink names usable unbound: eval, exec, __import__
    defined: frozenset[str]  # last components of project sinks (a def in this file)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = self.roots | self.last | self.methods | self.builtins | self.defined
        words |= {"shell", "getattr"}
        alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
        object.__setattr__(self, "pattern", re.compile(rf"\b(?:{alternatives})\b"))

    @classmethod
    def of(cls, catalogue: Catalogue, project_sinks: tuple[str, ...] = ()) -> SinkWords:
        names = list(catalogue.by_name)
        roots = {n.split(".")[0] for n in names}
        last = {n.rsplit(".", 1)[-1] for n in names}
        builtins = {n.split(".", 1)[1] for n in names if n.startswith("builtins.")}
        return cls(
            roots=frozenset(roots),
            last=frozenset(last),
            methods=frozenset(catalogue.by_method),
            builtins=frozenset(builtins & BUILTIN_NAMES),
            defined=frozenset(n.rsplit(".", 1)[-1] for n in project_sinks),
        )


def text_may_report(text: str, words: SinkWords) -> bool:
    """False only when the source text provably holds no finding (see the module doc)."""
    if not text.isascii():
        return True
    found = set(words.pattern.findall(text))
    if not found:
        return False
    if found & (words.builtins | words.methods | words.defined | {"shell", "getattr"}):
        return True
    return bool(found & words.roots) and bool(found & words.last)


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


_ALIAS_CALLS = frozenset({"getattr", "__import__", "import_module"})


def _may_alias(value: ast.expr) -> bool:
    """Whether an assigned value can resolve to a dotted name (see auditor.resolve): a name,
    an attribute chain, or getattr/__import__/import_module of a literal."""
    if isinstance(value, (ast.Name, ast.Attribute)):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _ALIAS_CALLS
    return False


def _aliases(target: ast.expr, value: ast.expr | None, out: set[str]) -> None:
    """Names that an assignment binds to something that may resolve (as auditor.collect
    pairs tuple targets with tuple values)."""
    if isinstance(target, ast.Name):
        if value is not None and _may_alias(value):
            out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        values: list[ast.expr | None] = [None] * len(target.elts)
        if (
            isinstance(value, (ast.Tuple, ast.List))
            and len(value.elts) == len(target.elts)
            and not any(isinstance(e, ast.Starred) for e in value.elts)
        ):
            values = list(value.elts)
        for element, element_value in zip(target.elts, values, strict=True):
            _aliases(element, element_value, out)


def may_report(tree: ast.AST, words: SinkWords) -> bool:
    """False only when the full analysis provably reports nothing for this tree.

    Beyond the module doc's argument, per call: a callee resolves to a dotted name only
    through the name at the root of its attribute chain, and only when that name is a
    builtin sink name or is bound in the file by an import from a sink module (every
    catalogue name starts with a sink module's root), by an assignment of a value that can
    itself resolve (a name, an attribute chain, getattr/__import__/import_module), by a
    ``def``/``class`` (project sinks), or by a star import from a sink module; or when the
    root is itself a call (``getattr(os, "system")(...)``, ``__import__("os").system(...)``).
    Parameters, loop and ``with`` targets never resolve. An attribute callee must also end
    in a sink's last name. All bindings of the file count, whatever their scope."""
    imports_root = False
    star_from_sink = False
    modules: set[str] = set()  # names bound to a sink module (or something in it)
    bound: set[str] = set()  # names bound to a sink's function (from ... import, aliases)
    defined: set[str] = set()
    calls: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if any(k.arg == "shell" for k in node.keywords):
                return True
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in words.methods:
                    return True
                if func.attr in words.last:
                    calls.append(func)
            elif isinstance(func, (ast.Name, ast.Call)):
                calls.append(func)
        elif isinstance(node, ast.Name):
            if node.id in words.builtins:
                return True
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in words.roots:
                    imports_root = True
                    modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module or node.module.split(".")[0] not in words.roots:
                continue
            imports_root = True
            for alias in node.names:
                if alias.name == "*":
                    star_from_sink = True
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                _aliases(target, node.value, bound)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
            _aliases(node.target, node.value, bound)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in words.defined:
                return True
            defined.add(node.name)
    if not imports_root and not words.defined:
        return False  # nothing can resolve to a catalogue name (builtins returned above)
    for func in calls:
        root = _root(func)
        if isinstance(root, ast.Call):
            return True
        if not isinstance(root, ast.Name):
            continue
        name = root.id
        if name in modules or name in bound or (words.defined and name in defined):
            return True
        if star_from_sink and func is root and name in words.last:
            return True
    return False
