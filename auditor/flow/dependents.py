"""Which findings of a file depend on other modules of the project (``check --changed``):
a finding whose function reads a name that file imports from one of them (``from consts
import CMD``, ``import consts`` then ``consts.CMD``, ``from helpers import get_cmd`` then a
call of it), directly or through a function of the same file it calls by name. A staged
edit of such a module (``CMD = os.environ.get(...)`` where it was ``CMD = "ls"``) changes
what the finding is, though its own file did not change.

Read with the standard library's ``ast``, only for the files whose text names one of the
modules' last names. On the safe side: a star import of one of the modules (``from consts
import *``) makes every finding of the file depend on it; a module-level finding depends
on it when any code of the module reads such a name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from auditor.file_summary import absolute, dotted_name
from auditor.flow.module_writes import same_module

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def may_depend(text: str, modules: set[str]) -> bool:
    """The cheap check before :class:`Dependents` parses a file: a line of its text that
    starts an import names the last name of one of ``modules`` (``from app.consts import
    CMD``, ``import app.consts as c``, ``from . import consts``; a backslash continuation
    or an import in parentheses over several lines is read whole)."""
    lasts = "|".join(sorted({re.escape(m.rsplit(".", 1)[-1]) for m in modules}))
    pattern = rf"^[ \t]*(?:from|import)\b(?:[^\n(]|\\\n|\([^)]*?)*?\b(?:{lasts})\b"
    return re.search(pattern, text, re.MULTILINE) is not None


class Dependents:
    """The functions of one file (its text, module ``here``, ``package``: a package's
    ``__init__``) that read a name imported from one of ``modules`` (absolute dotted)."""

    def __init__(self, text: str, here: str, package: bool, modules: set[str]) -> None:
        self.everything = False  # a star import of one of the modules
        self.local: set[str] = set()  # names bound to one of the modules or a name of one
        self.prefixes: dict[str, str] = {}  # local name -> a package above one of them
        self._functions: list[_Function] = []
        self._classes: list[ast.ClassDef] = []
        self._module_reads: bool | None = None
        self._tree: ast.AST = ast.Module(body=[], type_ignores=[])
        self._by_name: dict[str, list[_Function]] = {}
        self._reading: set[int] = set()  # the functions known to read one (by id)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.everything = True  # on the safe side: the scan reports the file's error
            return
        self.modules = modules
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    target = alias.name if alias.asname else local
                    self._bind(local, target)
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                base = absolute("." * node.level + (node.module or ""), here, package)
                for alias in node.names:
                    if alias.name == "*":
                        self.everything = self.everything or self._named(base)
                    else:
                        self._bind(alias.asname or alias.name, f"{base}.{alias.name}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._functions.append(node)
            elif isinstance(node, ast.ClassDef):
                self._classes.append(node)
        self._tree = tree
        for function in self._functions:
            self._by_name.setdefault(function.name, []).append(function)

    def _function_reads(self, function: _Function, seen: set[int]) -> bool:
        """Whether ``function`` reads one of the names, or calls (by its name) a function
        of the file that does (to any depth; a cycle reads nothing more)."""
        key = id(function)
        if key in self._reading:
            return True
        if key in seen:
            return False  # a cycle: what the other functions of it read is read there
        seen.add(key)
        found = self._reads(function)
        if not found:
            called = {
                n.id
                for n in ast.walk(function)
                if isinstance(n, ast.Name) and n.id in self._by_name
            }
            found = any(
                self._function_reads(other, seen)
                for name in sorted(called)
                for other in self._by_name[name]
                if other is not function
            )
        if found:  # only what is found is kept: a miss inside a cycle may be partial
            self._reading.add(key)
        return found

    def _named(self, target: str) -> bool:
        """Whether ``target`` is one of the modules or a name of one."""
        return any(
            same_module(target, m) or same_module(target.rpartition(".")[0], m)
            for m in self.modules
        )

    def _bind(self, local: str, target: str) -> None:
        if self._named(target):
            self.local.add(local)
        elif any(m.startswith(target + ".") or same_module(m, target) for m in self.modules):
            self.prefixes[local] = target  # import pkg: pkg.consts.CMD

    def _reads(self, node: ast.AST) -> bool:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and inner.id in self.local:
                return True
            if isinstance(inner, ast.Attribute):
                spelled = dotted_name(inner)
                if spelled is None:
                    continue
                head, _, rest = spelled.partition(".")
                target = self.prefixes.get(head)
                if target is not None and rest and self._named(f"{target}.{rest}"):
                    return True
        return False

    def depends(self, line: int) -> bool:
        """Whether a finding at ``line`` depends on one of the modules: the innermost
        function holding the line reads one of their names (or calls a function of the
        file that does); at module level, any code of the module does."""
        if self.everything:
            return True
        inner: _Function | None = None
        for function in self._functions:
            end = function.end_lineno or function.lineno
            if function.lineno <= line <= end and (
                inner is None or function.lineno >= inner.lineno
            ):
                inner = function
        if not (self.local or self.prefixes):
            return False
        if inner is None:
            if self._module_reads is None:
                self._module_reads = self._reads(self._tree)
            return self._module_reads
        return self._function_reads(inner, set()) or self._class_reads(inner)

    def _class_reads(self, function: _Function) -> bool:
        """Whether a class holding ``function`` derives from (or is decorated or given a
        metaclass by) a name of the modules: its base may be what makes the method's
        parameters sources (a tool class deriving from the project's ``BaseTool``
        subclass, auditor.flow.propagate's ``_more_entries``)."""
        end = function.end_lineno or function.lineno
        for cls in self._classes:
            if cls.lineno <= function.lineno and end <= (cls.end_lineno or cls.lineno):
                heads: list[ast.AST] = [*cls.bases, *cls.keywords, *cls.decorator_list]
                if any(self._reads(head) for head in heads):
                    return True
        return False


def _statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement of ``tree``, in nested blocks too (imports and ``def``s are
    statements: the expressions need no walk)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield child
                stack.append(child)
            elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                stack.append(child)
