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

from auditor.file_summary import absolute, dotted_name
from auditor.flow.module_writes import same_module

_Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def may_depend(text: str, modules: set[str]) -> bool:
    """The cheap check before :class:`Dependents` parses a file: its text names the last
    name of one of ``modules`` (an import of it says it, relative or not)."""
    lasts = {m.rsplit(".", 1)[-1] for m in modules}
    return any(re.search(rf"\b{re.escape(last)}\b", text) for last in lasts)


class Dependents:
    """The functions of one file (its text, module ``here``, ``package``: a package's
    ``__init__``) that read a name imported from one of ``modules`` (absolute dotted)."""

    def __init__(self, text: str, here: str, package: bool, modules: set[str]) -> None:
        self.everything = False  # a star import of one of the modules
        self.local: set[str] = set()  # names bound to one of the modules or a name of one
        self.prefixes: dict[str, str] = {}  # local name -> a package above one of them
        self._functions: list[_Function] = []
        self._reading: set[int] = set()  # ids of the functions that read one
        self._module_reads = False
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.everything = True  # on the safe side: the scan reports the file's error
            return
        self.modules = modules
        for node in ast.walk(tree):
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
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                self._functions.append(node)
        if self.everything or not (self.local or self.prefixes):
            return
        self._module_reads = self._reads(tree)
        # a function reads one when its body does, or when it calls a function of the file
        # (by its name) that does: to a fixpoint
        by_name: dict[str, list[_Function]] = {}
        for function in self._functions:
            if not isinstance(function, ast.Lambda):
                by_name.setdefault(function.name, []).append(function)
            if self._reads(function):
                self._reading.add(id(function))
        changed = True
        while changed:
            changed = False
            for function in self._functions:
                if id(function) in self._reading:
                    continue
                for node in ast.walk(function):
                    if not isinstance(node, ast.Name) or node.id not in by_name:
                        continue
                    if any(id(f) in self._reading for f in by_name[node.id]):
                        self._reading.add(id(function))
                        changed = True
                        break

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
        if inner is None:
            return self._module_reads
        return id(inner) in self._reading
