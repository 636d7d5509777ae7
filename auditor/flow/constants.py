"""Constants of another module of the project (``from .consts import SCRIPT``, then
``subprocess.run(["python", SCRIPT])``): the per-file stage cannot see ``SCRIPT``'s value, so
the site is dynamic there. A site that would be more constant if the names it imports were
constants records them (``Site.imports``); this module finds, for each, whether its module
binds it exactly once, to a constant, and never again, and gives its value as a Python
expression. The stage then asks the importing file again with ``const:NAME=EXPR`` requests,
and the per-file stage reads ``NAME`` as that expression, exactly like a literal of the file.

Read with the standard library's ``ast`` from the module's text (a module of constants holds
no sink, so the per-file stage never parsed it). On the safe side: anything not proved stays
unknown, and the name dynamic:

- the value: a literal (text, number, ``True``/``False``/``None``), a tuple or list of such
  values, an f-string, ``+`` or ``%`` over them, ``str()`` of one, another such name of the
  module or imported from another module of the project (``from .base import ROOT``), a path
  of the project (``Path(__file__).parent / "x.py"``, ``os.path.join(os.path.dirname(
  __file__), "x")``: a constant whose text is not known, like ``__file__`` in the file);
- bound once: no other binding of the name at module level (an assignment, ``+=``, a
  ``for``, ``with``, ``import``, ``def``, ``del``, a walrus...), no ``global NAME`` in a
  function, no write of the module's globals by key (``globals()``, ``sys.modules[__name__]``,
  ``setattr``), no file of the scan that imports the module and assigns an attribute of that
  name or writes its globals under a name chosen at run time (auditor.flow.stage.Writers),
  and for a list, no file of the scan that says the name
  and mutates something so named (``NAME.append(x)``, ``NAME[0] = x``, ``NAME += x``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from auditor.file_summary import absolute, dotted_name
from auditor.findings import Step
from auditor.judge.sources import RANK, Source, SourceCatalogue
from auditor.scan.lines import line_end, line_number, line_start

_MAX_DEPTH = 12  # names followed from name to name, across modules too
_MAX_TEXT = 4000  # a value longer than this (as an expression) is not handed over
_WIDE_FORMAT = re.compile(r"%[-#0 +(\w)]*[*\d]{4,}|%[^%]*\*")


class _Path:
    """A path of the project: a constant whose text is not known (written ``__file__``)."""


PATH = _Path()
# a value: str, bytes, int, float, bool, None, PATH, or a tuple or list of values
Literal = object

_PATH_FUNCS = frozenset(
    {
        "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath",
        "os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath",
        "os.path.normpath", "os.path.basename", "os.fspath", "posixpath.join",
    }
)  # fmt: skip
_PATH_METHODS = frozenset(
    {"resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem", "as_posix"}
)
_PATH_ATTRS = frozenset({"parent", "name", "stem", "suffix"})
# the module's globals written by a key: none of its names is known
_BUILTIN_SOURCES = frozenset({"input", "open"})  # called by their bare name
_WRITTEN_BY_KEY = re.compile(r"\bglobals\s*\(\s*\)|\bvars\s*\(\s*\)|sys\.modules|\bsetattr\s*\(")


class _Module:
    """One module's text, parsed once: its module-level bindings, by name."""

    def __init__(self, tree: ast.Module, by_key: bool) -> None:
        self.by_key = by_key
        self.bindings: dict[str, list[ast.AST]] = {}
        self.declared_global: set[str] = set()
        self.imports: dict[str, tuple[str, int]] = {}  # local name -> (module, level) + name
        self.imported_names: dict[str, str] = {}  # local name -> the name imported
        for stmt in tree.body:
            self._statement(stmt)
        # names put in another object or bound to another name for the same object (an
        # item of a display, an attribute, a parameter's default, a walrus): a list so
        # named may be changed through it (auditor.scan.collect's ``_escape``)
        self.escaped: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                self.declared_global.update(node.names)
            held: list[ast.expr | None] = []
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and isinstance(
                getattr(node, "ctx", ast.Load()), ast.Load
            ):
                held = list(node.elts)
            elif isinstance(node, ast.Dict):
                held = list(node.values)
            elif isinstance(node, ast.arguments):
                held = [*node.defaults, *node.kw_defaults]
            elif isinstance(node, ast.NamedExpr) or (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Attribute) for t in node.targets)
            ):
                held = [node.value]
            elif isinstance(node, ast.ClassDef):
                held = [s.value for s in node.body if isinstance(s, ast.Assign)]
            self.escaped.update(n.id for n in held if isinstance(n, ast.Name))

    def _bind(self, name: str, node: ast.AST) -> None:
        self.bindings.setdefault(name, []).append(node)

    def _statement(self, stmt: ast.stmt) -> None:
        """The names a module-level statement binds (those of its nested blocks too, never
        inside a def, a class or a lambda)."""
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._bind(stmt.name, stmt)
            for decorator in stmt.decorator_list:
                self._expression(decorator)
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                self._bind(local, stmt)
                if isinstance(stmt, ast.ImportFrom) and alias.name != "*":
                    self.imports[local] = (stmt.module or "", stmt.level)
                    self.imported_names[local] = alias.name
                elif alias.name == "*":
                    self.by_key = True  # names bound that the text does not say
            return
        for node in ast.iter_child_nodes(stmt):
            if isinstance(node, ast.stmt):
                self._statement(node)
            elif isinstance(node, ast.ExceptHandler):
                if node.name:
                    self._bind(node.name, node)
                for inner in node.body:
                    self._statement(inner)
            elif isinstance(node, ast.match_case):
                self._expression(node.pattern)
                for inner in node.body:
                    self._statement(inner)
            else:
                self._expression(node, stmt)

    def _expression(self, node: ast.AST, stmt: ast.stmt | None = None) -> None:
        """Every name an expression or a target stores or deletes (walrus targets in a
        comprehension too), match captures; lambdas and comprehensions' own targets are
        their scope's (a comprehension's walrus is not: counted, on the safe side)."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                self._bind(inner.id, stmt if stmt is not None else inner)
            elif isinstance(inner, (ast.MatchAs, ast.MatchStar)) and inner.name:
                self._bind(inner.name, inner)
            elif isinstance(inner, ast.MatchMapping) and inner.rest:
                self._bind(inner.rest, inner)


class Constants:
    """The constant values of module-level names of the scan's modules. ``module_text``:
    a module's text by dotted name and whether it is a package's ``__init__`` (None: not a
    module of the scan); ``assigned_elsewhere``:
    where and why a module's name may be assigned from another file (a step of kind
    "written": auditor.flow.stage.Writers), or None; ``shown``: the path a module's file is
    shown under; ``mutated``: whether some file of the scan may mutate a list of that name."""

    def __init__(
        self,
        module_text: Callable[[str], tuple[str, bool] | None],
        assigned_elsewhere: Callable[[str, str], Step | None],
        mutated: Callable[[str], bool],
        shown: Callable[[str], str] | None = None,
    ) -> None:
        self.module_text = module_text
        self.assigned_elsewhere = assigned_elsewhere
        self.mutated = mutated
        self.shown = shown or (lambda module: module)
        self._modules: dict[str, _Module | None] = {}
        self._values: dict[str, str | None] = {}
        self._names: dict[tuple[str, str], Literal] = {}

    def expression(self, dotted: str) -> str | None:
        """The value of the module-level name ``dotted`` (``app.consts.SCRIPT``) as a Python
        expression, when its module binds it once to a constant; else None."""
        if dotted not in self._values:
            self._values[dotted] = None  # a cycle: unknown
            value = self._resolve(dotted, 0)
            text = None if isinstance(value, _Unknown) else _source(value)
            self._values[dotted] = text if text is not None and len(text) <= _MAX_TEXT else None
        return self._values[dotted]

    def unbound(self, dotted: str) -> bool:
        """Whether the module of ``dotted`` (a module of the scan, parsed) never binds its
        name at module level, nor binds names its text does not say (a star import, a write
        of its globals by key, a module ``__getattr__``): a ``from module import *``
        elsewhere does not bind that name."""
        module, _, name = dotted.rpartition(".")
        parsed = self._module(module) if module else None
        if parsed is None or parsed.by_key or "__getattr__" in parsed.bindings:
            return False
        return name not in parsed.bindings and name not in parsed.declared_global

    def overridden(self, dotted: str) -> Step | None:
        """Where the module-level name ``dotted`` is written at run time, which makes it no
        constant (a step of kind "written"): by another file of the scan
        (auditor.flow.stage.Writers), or by its own module through its globals by key
        (``globals().update(...)``, ``setattr(sys.modules[__name__], k, v)``); through the
        re-exports that name it. None when no such write is known."""
        for _ in range(_MAX_DEPTH):
            module, _, name = dotted.rpartition(".")
            parsed = self._module(module) if module else None
            if parsed is None:
                return None
            if parsed.by_key:
                step = self._by_key_step(module)
                if step is not None:
                    return step
            bound = parsed.bindings.get(name, [])
            if len(bound) == 1 and isinstance(bound[0], ast.ImportFrom):
                stmt = bound[0]
                base = _absolute(stmt.module or "", stmt.level, module, self._package(module))
                dotted = f"{base}.{parsed.imported_names.get(name, name)}"
                continue
            found = self.assigned_elsewhere(module, name)
            return found if found is not None and found.path else None
        return None

    def origin_of(self, dotted: str, sources: SourceCatalogue) -> tuple[str, Step] | None:
        """Where the module-level name ``dotted`` of a module of the scan gets a value that
        is no constant (through the re-exports that name it), and the origin of that value:
        the most dangerous source (``sources``, rules/sources.toml) its module-level
        assignments read (``CMD = os.environ.get("X", "ls")``: environment, a step of kind
        "source" there), else "internal" with a step of kind "written" at its first
        assignment that is no constant. None when the name is a constant, or its module or
        binding is not known (a name written elsewhere: :meth:`overridden`)."""
        for _ in range(_MAX_DEPTH):
            module, _, name = dotted.rpartition(".")
            parsed = self._module(module) if module else None
            if parsed is None:
                return None
            bound = parsed.bindings.get(name, [])
            if len(bound) == 1 and isinstance(bound[0], ast.ImportFrom):
                imported = bound[0]
                base = _absolute(
                    imported.module or "", imported.level, module, self._package(module)
                )
                dotted = f"{base}.{parsed.imported_names.get(name, name)}"
                continue
            if not bound or self.expression(dotted) is not None:
                return None
            found = self.module_text(module)
            text = found[0] if found is not None else ""
            where = self.shown(module)
            best: tuple[int, str, Step] | None = None
            first: ast.AST | None = None
            for stmt in bound:
                value = getattr(stmt, "value", None)
                if not isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) or not (
                    isinstance(value, ast.expr)
                ):
                    continue
                if first is None and isinstance(self._value(value, module, 1), _Unknown):
                    first = stmt
                funcs = {id(n.func) for n in ast.walk(value) if isinstance(n, ast.Call)}
                for node in ast.walk(value):
                    hit = self._source(node, module, sources)
                    if hit is None or (best is not None and RANK[hit.origin] <= best[0]):
                        continue
                    code = _short(ast.get_source_segment(text, node) or "")
                    if id(node) in funcs and code:
                        code += "()"  # os.environ.get(): a method of the source, called
                    line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
                    note = f"{hit.note}: {code}" if code else hit.note
                    step = Step(where, line, column, note, "source", code, hit.note)
                    best = (RANK[hit.origin], hit.origin, step)
            if best is not None:
                return best[1], best[2]
            if first is None:
                return None
            code = _short(ast.get_source_segment(text, first) or "")
            last = module.rsplit(".", 1)[-1]
            note = f"{where} gives {name} a value built at run time ({code})"
            line, column = getattr(first, "lineno", 1), getattr(first, "col_offset", 0)
            return "internal", Step(where, line, column, note, "written", f"{last}.{name}")
        return None

    def _source(self, node: ast.AST, module: str, sources: SourceCatalogue) -> Source | None:
        """The source an expression of ``module``'s top level is (an object, an attribute
        of one, or a call of a source), by the name it spells through the module's imports."""
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BUILTIN_SOURCES:
                if func.id not in self._bound_names(module):
                    return sources.call_source(f"builtins.{func.id}")
                return None
            called = self._dotted(func, module)
            return sources.call_source(called) if called is not None else None
        if isinstance(node, (ast.Attribute, ast.Name)):
            spelled = self._dotted(node, module)
            return sources.object_source(spelled) if spelled is not None else None
        return None

    def _by_key_step(self, module: str) -> Step | None:
        found = self.module_text(module)
        text = found[0] if found is not None else ""
        match = _WRITTEN_BY_KEY.search(text)
        if match is None:  # names bound by ``from x import *``: no write at run time
            return None
        at = match.start()
        start, end = line_start(text, at), line_end(text, at)
        code = " ".join(text[start:end].split())
        if len(code) > 60:
            code = code[:59] + "…"
        where = self.shown(module)
        line = line_number(text, at)
        last = module.rsplit(".", 1)[-1]
        note = f"{where} may write any of its globals at run time ({code})"
        return Step(where, line, at - start, note, "written", f"{last}.*")

    def _module(self, name: str) -> _Module | None:
        if name not in self._modules:
            self._modules[name] = None
            found = self.module_text(name)
            if found is not None:
                text = found[0]
                try:
                    tree = ast.parse(text)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    tree = None
                if tree is not None:
                    self._modules[name] = _Module(tree, bool(_WRITTEN_BY_KEY.search(text)))
        return self._modules[name]

    def _resolve(self, dotted: str, depth: int) -> Literal:
        """The value of ``dotted``: the longest prefix that is a module of the scan, then a
        name of that module."""
        if depth > _MAX_DEPTH:
            return UNKNOWN
        module, _, name = dotted.rpartition(".")
        if not module or self._module(module) is None:
            return UNKNOWN
        return self._name(module, name, depth)

    def _name(self, module: str, name: str, depth: int) -> Literal:
        key = (module, name)
        if key not in self._names:
            self._names[key] = UNKNOWN  # a cycle: unknown
            self._names[key] = self._bound_value(module, name, depth)
        return self._names[key]

    def _bound_value(self, module: str, name: str, depth: int) -> Literal:
        parsed = self._module(module)
        if parsed is None or parsed.by_key or name in parsed.declared_global:
            return UNKNOWN
        bound = parsed.bindings.get(name, [])
        if len(bound) != 1:
            return UNKNOWN
        stmt = bound[0]
        if isinstance(stmt, ast.ImportFrom):  # a re-export: ``from .consts import SCRIPT``
            base = _absolute(stmt.module or "", stmt.level, module, self._package(module))
            imported = parsed.imported_names.get(name, name)
            return self._resolve(f"{base}.{imported}", depth + 1)
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            value_node = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                return UNKNOWN
            value_node = stmt.value
        else:
            return UNKNOWN
        if self.assigned_elsewhere(module, name) is not None:
            return UNKNOWN
        value = self._value(value_node, module, depth + 1)
        if isinstance(value, list) and (self.mutated(name) or name in parsed.escaped):
            return UNKNOWN
        return value

    def _package(self, module: str) -> bool:
        found = self.module_text(module)
        return found is not None and found[1]

    def _value(self, node: ast.expr, module: str, depth: int) -> Literal:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            value = node.value
            if value is Ellipsis or isinstance(value, complex):
                return UNKNOWN
            return value
        if isinstance(node, (ast.Tuple, ast.List)):
            items = []
            for elt in node.elts:
                item = self._value(elt, module, depth + 1)
                if isinstance(item, _Unknown):
                    return UNKNOWN
                items.append(item)
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, module, depth)
        if isinstance(node, ast.BinOp):
            return self._binop(node, module, depth)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return PATH if "__file__" not in self._bound_names(module) else UNKNOWN
            return self._local(node.id, module, depth)
        if isinstance(node, ast.Attribute):
            if node.attr in _PATH_ATTRS:
                inner = self._value(node.value, module, depth + 1)
                return PATH if inner is PATH else UNKNOWN
            dotted = self._dotted(node, module)
            return UNKNOWN if dotted is None else self._resolve(dotted, depth + 1)
        if isinstance(node, ast.Call):
            return self._call(node, module, depth)
        return UNKNOWN

    def _bound_names(self, module: str) -> set[str]:
        parsed = self._module(module)
        return set(parsed.bindings) if parsed is not None else set()

    def _local(self, name: str, module: str, depth: int) -> Literal:
        """A name read in ``module``'s top level: its own binding there (an import of
        another module's name is followed by :meth:`_name`)."""
        return self._name(module, name, depth + 1)

    def _dotted(self, node: ast.expr, module: str) -> str | None:
        """The absolute dotted name an expression of ``module`` names through its imports
        (``consts.ROOT`` with ``from app import consts``; ``os.path.join`` with ``import
        os``), or None."""
        spelled = dotted_name(node)
        if spelled is None:
            return None
        head, *rest = spelled.split(".")
        parsed = self._module(module)
        if parsed is None:
            return None
        bound = parsed.bindings.get(head, [])
        if len(bound) != 1 or not isinstance(bound[0], (ast.Import, ast.ImportFrom)):
            return None
        stmt = bound[0]
        if isinstance(stmt, ast.Import):
            alias = next(a for a in stmt.names if (a.asname or a.name.split(".")[0]) == head)
            root = alias.name if alias.asname else head
        else:
            base = _absolute(stmt.module or "", stmt.level, module, self._package(module))
            root = f"{base}.{parsed.imported_names.get(head, head)}"
        return ".".join([root, *rest])

    def _call(self, node: ast.Call, module: str, depth: int) -> Literal:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return UNKNOWN
        args = [self._value(a, module, depth + 1) for a in node.args]
        if any(isinstance(a, _Unknown) for a in args):
            return UNKNOWN
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS:
            receiver = self._value(func.value, module, depth + 1)
            return PATH if receiver is PATH else UNKNOWN
        if (
            isinstance(func, ast.Name)
            and func.id == "str"
            and "str" not in self._bound_names(module)
        ):
            if len(args) == 1 and isinstance(args[0], (str, int, float, bool, _Path)):
                return args[0] if isinstance(args[0], _Path) else str(args[0])
            return UNKNOWN
        called = self._dotted(func, module)
        path_args = any(a is PATH for a in args) and all(isinstance(a, (str, _Path)) for a in args)
        return PATH if called in _PATH_FUNCS and path_args else UNKNOWN

    def _fstring(self, node: ast.JoinedStr, module: str, depth: int) -> Literal:
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                out.append(part.value)
                continue
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                return UNKNOWN
            if part.conversion not in (-1, ord("s")):
                return UNKNOWN
            value = self._value(part.value, module, depth + 1)
            if value is PATH:
                return PATH
            if not isinstance(value, (str, int, float, bool)) or isinstance(value, bytes):
                return UNKNOWN
            out.append(str(value))
        return "".join(out)

    def _binop(self, node: ast.BinOp, module: str, depth: int) -> Literal:
        left = self._value(node.left, module, depth + 1)
        right = self._value(node.right, module, depth + 1)
        if isinstance(left, _Unknown) or isinstance(right, _Unknown):
            return UNKNOWN
        if isinstance(node.op, ast.Div) and left is PATH and isinstance(right, (str, _Path)):
            return PATH  # Path(__file__).parent / "x.py"
        if left is PATH or right is PATH:
            both = (str, _Path)
            if isinstance(node.op, ast.Add) and isinstance(left, both) and isinstance(right, both):
                return PATH
            return UNKNOWN
        if isinstance(node.op, ast.Add):
            pairs = ((str, str), (bytes, bytes), (tuple, tuple), (list, list))
            if any(isinstance(left, a) and isinstance(right, b) for a, b in pairs):
                return left + right  # type: ignore[operator]
            return UNKNOWN
        if isinstance(node.op, ast.Mod) and isinstance(left, str) and _plain(right):
            if _WIDE_FORMAT.search(left):
                return UNKNOWN  # "%0999999999d": not worth building
            try:
                return left % right
            except (TypeError, ValueError, KeyError, OverflowError):
                return UNKNOWN
        return UNKNOWN


class _Unknown:
    """Not proved constant."""


UNKNOWN = _Unknown()


def _plain(value: object) -> bool:
    """Text, numbers, or a tuple of them (the right side of ``%``)."""
    if isinstance(value, tuple):
        return all(isinstance(v, (str, int, float)) for v in value)
    return isinstance(value, (str, int, float))


def _source(value: Literal) -> str | None:
    """A value as the expression the per-file stage reads (a path: ``__file__``)."""
    if not isinstance(value, (str, bytes, int, float, bool, _Path, tuple, list)):
        return None if value is not None else "None"
    if isinstance(value, _Path):
        return "__file__"
    if isinstance(value, tuple):
        items = [_source(v) for v in value]
        if any(i is None for i in items):
            return None
        return "(" + "".join(f"{i}, " for i in items) + ")"
    if isinstance(value, list):
        items = [_source(v) for v in value]
        if any(i is None for i in items):
            return None
        return "[" + ", ".join(str(i) for i in items) + "]"
    if isinstance(value, float) and value != value:
        return None  # nan has no literal
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    return repr(value)


def _absolute(module: str, level: int, here: str, package: bool) -> str:
    """The module an ``from <level dots><module> import`` of module ``here`` names."""
    return absolute("." * level + module, here, package)


class Imports:
    """What a module (its text) imports at its top level, and which names it binds once in
    all (in any scope): read once, for :meth:`reads_constant`."""

    def __init__(self, text: str, here: str, package: bool) -> None:
        self.imported: dict[str, str] = {}  # local name -> absolute dotted
        self.counts: dict[str, int] = {}
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
                base = _absolute(stmt.module or "", stmt.level, here, package)
                for alias in stmt.names:
                    self.imported[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    top = alias.name.split(".")[0]
                    self.imported[alias.asname or top] = alias.name if alias.asname else top
        self.counts = _binding_counts(tree)

    def reads_constant(self, written: str, constants: Constants) -> bool:
        """Whether ``written`` (``CMD``, ``consts.CMD``), read anywhere in the module, is a
        constant of another module of the project: its first name imported at the top
        level and bound nowhere else in the module, not even as a parameter or a local of a
        function (a text check of a call's arguments cannot tell scopes apart)."""
        local, _, attrs = written.partition(".")
        dotted = self.imported.get(local)
        if dotted is None or local == "*" or self.counts.get(local) != 1:
            return False
        return constants.expression(f"{dotted}.{attrs}" if attrs else dotted) is not None


def _binding_counts(tree: ast.Module) -> dict[str, int]:
    """How many times each name is bound anywhere in a module, in any scope (a ``global``
    or ``nonlocal`` counts twice: the name is rebound from a function)."""
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        bound: list[str] = []
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound = [node.id]
        elif isinstance(node, ast.arg):
            bound = [node.arg]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = [a.asname or a.name.split(".")[0] for a in node.names]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = [node.name]
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound = [*node.names, *node.names]
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            bound = [node.name]
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound = [node.rest]
        for name in bound:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _short(code: str) -> str:
    code = " ".join(code.split())
    return code if len(code) <= 60 else code[:59] + "…"
