"""Writes to a module of the project made from another file, read with the standard
library's ``ast``: which module each write reaches and which of its attributes it sets.

Two users: the module globals assigned from elsewhere (auditor.flow.stage.Writers: a write
under a name chosen at run time, ``for k, v in cfg.items(): setattr(settings, k, v)``, may
set any global of ``settings``, so none of them is a constant) and the monkeypatches of an
isolation wrapper's module (``sb.run = subprocess.run`` in ``app/compat.py`` makes every
``sandbox.run(cmd)`` of the project run on the host: :func:`patches`).

A receiver is known by what the file binds it to (in any scope, every binding counted):
an import (``import auditor.sandbox as sb``, ``from app import settings``, relative ones
made absolute), a name bound to ``sys.modules["pkg.m"]``, ``sys.modules.get("pkg.m")``,
``importlib.import_module("pkg.m")`` or ``__import__("pkg.m")``, or one of those written
in place. The writes read: ``R.X = v`` (and ``+=``...), ``setattr(R, K, v)`` (also
``monkeypatch.setattr``), ``R.__dict__[K] = v``, ``vars(R)[K] = v``, ``R.__dict__.update(...)``,
``vars(R).update(...)`` (``setdefault``), ``sys.modules["pkg.m"] = v``, ``mock.patch("pkg.m.X",
...)`` and ``monkeypatch.setattr("pkg.m.X", v)``, ``mock.patch.object(R, "X", ...)``,
``mock.patch.multiple(R, X=...)``. A key that is not a literal is ``*``: any attribute.
Not seen: a module object reached otherwise (a loader's ``setattr(mod, k, v)`` on a module
it imported by a name chosen at run time, ``sys.modules[name]``, an alias through an
attribute or a container).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.file_summary import absolute, dotted_name
from auditor.scan.lines import physical_lines, source_segment

# what a file must say to write a module's globals under a name chosen at run time or
# through ``sys.modules["pkg.m"]`` (each pattern starts with a literal: a search of a file
# that says none is fast): ``setattr(R, K, ...)`` whose K is not a literal (R: not ``self``
# or ``cls``), and the modules named by a literal
_SETATTR = re.compile(
    r"setattr\(\s*(?!(?:self|cls)\s*,)([^,()]+?)\s*,(?!\s*[rbu]?(['\"])[A-Za-z_]\w*\2\s*,)"
)
# ``object.__setattr__(R, K, ...)`` and ``R.__setattr__(K, ...)`` whose K is not a literal
_DUNDER_SETATTR = re.compile(
    r"__setattr__\(\s*([^,()]+?)\s*,(?!\s*[rbu]?(['\"])[A-Za-z_]\w*\2\s*,)"
    r"|([\w.]+)\s*\.\s*__setattr__\(\s*(?![rbu]?['\"])"
)
_MODULES_ITEM = re.compile(r"modules\s*(?:\[|\.\s*get\s*\()\s*[rbu]?['\"]([\w.]+)['\"]")
_IMPORTED_BY_NAME = re.compile(r"import(?:_module|__)\(\s*[rbu]?['\"]([\w.]+)['\"]")
_IMPORTERS = frozenset({"import_module", "__import__"})
_NAMESPACE_METHODS = frozenset({"update", "setdefault", "__setitem__"})
# ``object.__setattr__(R, K, v)``: the types whose ``__setattr__`` sets any object's
_DUNDER_OWNERS = frozenset({"object", "type", "ModuleType"})
_CODE_MAX = 60


def may_write_by_name(text: str, last: str) -> bool:
    """Whether ``text`` may write a global of a module whose last name is ``last`` under a
    name chosen at run time (``setattr(settings, k, v)`` on ``settings``, an alias of it
    imported ``as``, or a name bound to ``sys.modules[...]`` or ``import_module(...)``), or
    through ``sys.modules["pkg.last"]``: the cheap check, by text, before
    :func:`module_writes` parses the file."""
    if "modules" in text:
        for match in _MODULES_ITEM.finditer(text):
            if match.group(1).rsplit(".", 1)[-1] == last:
                return True
    if "import_module(" in text or "__import__(" in text:
        for match in _IMPORTED_BY_NAME.finditer(text):
            if match.group(1).rsplit(".", 1)[-1] == last:
                return True
    if "setattr" not in text:
        return False
    for match in _DUNDER_SETATTR.finditer(text):
        receiver = " ".join((match.group(1) or match.group(3) or "").split())
        if receiver == last or receiver.endswith("." + last):
            return True
    for match in _SETATTR.finditer(text):
        receiver = " ".join(match.group(1).split())
        if receiver == last or receiver.endswith("." + last):
            return True
        if receiver.isidentifier() and re.search(
            rf"\b{re.escape(last)}\b[^\n]*\bas[ \t]+{receiver}\b", text
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Write:
    """One write: the module (absolute dotted) whose attribute is set, which attribute
    (``*``: a name chosen at run time), where (1-based line, 0-based column), and the code
    that writes it (shortened)."""

    module: str
    name: str
    line: int
    column: int
    code: str


def same_module(one: str, other: str) -> bool:
    """Whether two dotted names may name one module: equal, or one a suffix of the other
    (a module is named from the scan's root, which may lie above or below the package
    root its imports start from)."""
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def module_writes(text: str, here: str, package: bool) -> list[Write]:
    """The writes of module attributes in ``text`` (the module ``here``; ``package``: it is
    a package's ``__init__``), in the order of the text; [] when it cannot be parsed."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return _Reader(text, here, package).read(tree)


def _literal_text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Reader:
    def __init__(self, text: str, here: str, package: bool) -> None:
        self.text = text
        self.here = here
        self.package = package
        self.bound: dict[str, set[str]] = {}  # local name -> the modules it may be
        self.tables: set[str] = set()  # local names bound to sys.modules (m = sys.modules)
        self.writes: list[Write] = []
        self._lines: list[str] | None = None  # the text's lines, split on first use

    def read(self, tree: ast.Module) -> list[Write]:
        nodes = list(ast.walk(tree))
        for node in nodes:
            self._binding(node)
        for node in nodes:
            self._write(node)
        self.writes.sort(key=lambda w: (w.line, w.column))
        return self.writes

    # -- what a name is bound to ----------------------------------------------------------
    def _bind(self, name: str, module: str) -> None:
        if module:
            self.bound.setdefault(name, set()).add(module)

    def _binding(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._bind(alias.asname, alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self._bind(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = absolute("." * node.level + (node.module or ""), self.here, self.package)
            for alias in node.names:
                if alias.name != "*":
                    self._bind(alias.asname or alias.name, f"{base}.{alias.name}" if base else "")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if self._is_table(node.value):
                self.tables.update(t.id for t in targets if isinstance(t, ast.Name))
            named = self._named_module(node.value)
            if named is not None:
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._bind(target.id, named)

    def _is_table(self, node: ast.AST) -> bool:
        """``sys.modules``, or a name bound to it (``m = sys.modules``, ``from sys import
        modules``)."""
        if dotted_name(node) == "sys.modules":
            return True
        return isinstance(node, ast.Name) and (
            node.id in self.tables or "sys.modules" in self.bound.get(node.id, ())
        )

    def _replaced(self, keys: list[ast.expr | None], stmt: ast.AST) -> None:
        """Modules put in ``sys.modules`` under literal names (``update({...})``, ``|=``)."""
        for key in keys:
            name = _literal_text(key)
            if name:
                self._add({name}, "*", stmt)

    def _named_module(self, node: ast.AST) -> str | None:
        """The module an expression names by a literal: ``sys.modules["pkg.m"]``,
        ``sys.modules.get("pkg.m")``, ``importlib.import_module("pkg.m")``."""
        if isinstance(node, ast.Subscript) and dotted_name(node.value) == "sys.modules":
            return _literal_text(node.slice)
        if isinstance(node, ast.Call) and node.args:
            func = dotted_name(node.func) or ""
            last = func.rsplit(".", 1)[-1]
            if func == "sys.modules.get" or last in _IMPORTERS:
                name = _literal_text(node.args[0])
                return name if name and not name.startswith(".") else None
        return None

    def _modules(self, node: ast.AST) -> set[str]:
        """The modules (absolute dotted; or an attribute of one, ``pkg.m.Popen``) a
        receiver may be."""
        named = self._named_module(node)
        if named is not None:
            return {named}
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        named = self._named_module(node)
        roots = {named} if named is not None else set()
        if isinstance(node, ast.Name):
            roots = self.bound.get(node.id, set())
        rest = ".".join(reversed(parts))
        return {f"{root}.{rest}" if rest else root for root in roots}

    # -- the writes -----------------------------------------------------------------------
    def _add(self, modules: set[str], name: str, node: ast.AST) -> None:
        if self._lines is None:
            self._lines = physical_lines(self.text)
        code = source_segment(self._lines, node) or ""
        code = " ".join(code.split())
        if len(code) > _CODE_MAX:
            code = code[: _CODE_MAX - 1] + "…"
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        for module in sorted(modules):
            self.writes.append(Write(module, name, line, column, code))

    def _namespace(self, node: ast.AST) -> set[str]:
        """The modules whose namespace ``node`` is: ``R.__dict__``, ``vars(R)``."""
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return self._modules(node.value)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "vars"
            and len(node.args) == 1
        ):
            return self._modules(node.args[0])
        return set()

    def _write(self, node: ast.AST) -> None:
        if (  # sys.modules |= {"pkg.m": fake}
            isinstance(node, ast.AugAssign)
            and isinstance(node.op, ast.BitOr)
            and self._is_table(node.target)
            and isinstance(node.value, ast.Dict)
        ):
            self._replaced(list(node.value.keys), node)
            return
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = list(node.targets)
            else:
                targets = [node.target]
            while targets:
                target = targets.pop()
                if isinstance(target, (ast.Tuple, ast.List)):
                    targets += target.elts  # unpacking
                elif isinstance(target, ast.Starred):
                    targets.append(target.value)
                else:
                    self._target(target, node)
        elif isinstance(node, ast.Call):
            self._call(node)

    def _target(self, target: ast.AST, stmt: ast.AST) -> None:
        if isinstance(target, ast.Attribute):
            modules = self._modules(target.value)
            if modules:
                self._add(modules, target.attr, stmt)
        elif isinstance(target, ast.Subscript):
            if self._is_table(target.value):  # sys.modules["pkg.m"] = fake
                name = _literal_text(target.slice)
                if name:
                    self._add({name}, "*", stmt)
                return
            modules = self._namespace(target.value)
            if modules:
                self._add(modules, _literal_text(target.slice) or "*", stmt)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = node.args
        if last in ("__setattr__", "__delattr__") and isinstance(func, ast.Attribute):
            receiver = dotted_name(func.value) or ""
            if receiver.rsplit(".", 1)[-1] in _DUNDER_OWNERS and len(args) >= 2:
                # object.__setattr__(R, K, v): setattr(R, K, v)
                self._add(self._modules(args[0]), _literal_text(args[1]) or "*", node)
            elif args:  # R.__setattr__(K, v)
                self._add(self._modules(func.value), _literal_text(args[0]) or "*", node)
            return
        if last in ("setattr", "delattr") and args:
            text = _literal_text(args[0])
            if text is not None and last == "setattr":  # monkeypatch.setattr("pkg.m.X", v)
                module, _, name = text.rpartition(".")
                if module:
                    self._add({module}, name, node)
                return
            if len(args) >= 2:
                self._add(self._modules(args[0]), _literal_text(args[1]) or "*", node)
            return
        if last == "patch" and args:  # mock.patch("pkg.m.X", ...)
            text = _literal_text(args[0])
            module, _, name = (text or "").rpartition(".")
            if module:
                self._add({module}, name, node)
            return
        if last == "object" and isinstance(func, ast.Attribute) and len(args) >= 2:
            if (dotted_name(func.value) or "").rsplit(".", 1)[-1] == "patch":  # patch.object
                self._add(self._modules(args[0]), _literal_text(args[1]) or "*", node)
            return
        if last == "multiple" and isinstance(func, ast.Attribute) and args:
            if (dotted_name(func.value) or "").rsplit(".", 1)[-1] == "patch":
                names = [k.arg or "*" for k in node.keywords] or ["*"]
                for name in names:
                    self._add(self._modules(args[0]), name, node)
            return
        if last in _NAMESPACE_METHODS and isinstance(func, ast.Attribute):
            if self._is_table(func.value):  # sys.modules.update({"pkg.m": fake}), setdefault
                if last == "update" and len(args) == 1 and isinstance(args[0], ast.Dict):
                    self._replaced(list(args[0].keys), node)
                elif last != "update" and args:
                    self._replaced([args[0]], node)
                return
            modules = self._namespace(func.value)
            if not modules:
                return
            if last == "update" and not args and node.keywords:
                for keyword in node.keywords:
                    self._add(modules, keyword.arg or "*", node)
            elif last == "update" and len(args) == 1 and isinstance(args[0], ast.Dict):
                for key in args[0].keys:
                    self._add(modules, _literal_text(key) or "*", node)
            elif last != "update" and args:
                self._add(modules, _literal_text(args[0]) or "*", node)
            else:
                self._add(modules, "*", node)
