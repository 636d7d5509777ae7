"""Sinks that a module of the project binds under a name of its own, for other modules to
import: ``sh = os.system``, ``ev = eval``, ``sp = subprocess``, or a compatibility module's
``from subprocess import check_output, run`` that others import from it
(``from .compat import run``, ``import utils; utils.sh(cmd)``, ``from utils import *``).

The per-file analysis resolves a callee through the file's own imports: ``from utils import
sh`` makes ``sh`` the name ``utils.sh``, which is no sink, and a file whose text names no
sink is not even parsed (auditor.scan.prefilter). The project-wide stage therefore reads
the module-level bindings of the files that may hold such an alias (with the standard
library's ``ast``, on the text), and asks the files that import one of them to be analysed
again with it (``sink:utils.sh=os.system``, see auditor.scan.analyze's ``Context.with_aliases``),
where the alias is one more name of the sink. Recall comes first: a name bound to a sink
by any of its module-level bindings is an alias, and the files asked are those that say
both the alias's name and its module's last name (by their words, then by an import line).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator, Mapping

from auditor.file_summary import absolute, dotted_name
from auditor.flow.entry import WORD, root_of
from auditor.judge.catalogue import Catalogue

_BUILTINS = frozenset(vars(builtins))
# at most this many hops from an alias to the sink (a compat module re-exporting another's)
_HOPS = 4
# an assignment of a dotted name at the start of a line (any indentation: module-level
# ``try``/``if`` blocks): with the word ``import``, what a candidate's text must hold
_ASSIGNED = re.compile(r"^[ \t]*\w+[ \t]*(?::[^=\n]*)?=[ \t]*[A-Za-z_][\w.]*[ \t]*(?:#.*)?$", re.M)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The module-level statements, those of module-level ``if``/``try``/``with`` too."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _statements(node.body)
            yield from _statements(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            yield from _statements(node.body)
            for handler in node.handlers:
                yield from _statements(handler.body)
            yield from _statements(node.orelse)
            yield from _statements(node.finalbody)
        elif isinstance(node, ast.With):
            yield from _statements(node.body)


def bindings(
    text: str, here: str, package: bool, tree: ast.Module | None = None
) -> list[tuple[str, str]]:
    """The module-level names of a module (dotted name ``here``) bound to a dotted name
    (``(local, target)``: ``("sh", "os.system")``, ``("run", "subprocess.run")``,
    ``("sp", "subprocess")``, ``("ev", "builtins.eval")``), targets made absolute through
    the module's imports; [] when the text cannot be parsed. ``tree``: the text's tree,
    when the caller has it already."""
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
    imported: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    # (name, the dotted names it returns, each with whether through a partial)
    factories: list[tuple[str, list[tuple[str, bool]]]] = []
    # (a def's name, the name of a decorator of it)
    decorated: list[tuple[str, str]] = []
    for node in _statements(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            returned = _returned_names(node) if isinstance(node, ast.FunctionDef) else []
            if returned:
                factories.append((node.name, returned))
            decorated.extend(
                (node.name, d.id) for d in node.decorator_list if isinstance(d, ast.Name)
            )
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else alias.name.split(".")[0]
                imported[local] = target
                if alias.asname:  # ``import subprocess as sp``; a plain ``import os`` is
                    out.append((local, target))  # not followed (``utils.os.system``)
        elif isinstance(node, ast.ImportFrom):
            base = absolute("." * node.level + (node.module or ""), here, package)
            for alias in node.names:
                if alias.name == "*":
                    continue
                target = f"{base}.{alias.name}" if base else alias.name
                imported[alias.asname or alias.name] = target
                out.append((alias.asname or alias.name, target))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(value, ast.Dict | ast.List | ast.Tuple):
                # a table of sinks (``TABLE = {"run": os.system}``): ``TABLE[run]`` is the
                # item of that key, ``TABLE[]`` one of its items (a key known at run time)
                for key, item in _items(value):
                    item_target = _absolute_name(item, imported)
                    if item_target is None:
                        continue
                    for name in targets:
                        if isinstance(name, ast.Name):
                            if key is not None:
                                out.append((f"{name.id}[{key}]", item_target))
                            out.append((f"{name.id}[]", item_target))
                continue
            written = dotted_name(value) if value is not None else None
            if written is None:
                continue
            head, _, rest = written.partition(".")
            if head in imported:
                target = imported[head] + (f".{rest}" if rest else "")
            elif not rest:
                target = f"builtins.{head}"
            else:
                continue
            for name in targets:
                if isinstance(name, ast.Name):
                    out.append((name.id, target))
    # a function that returns a sink (``def pick(): return os.system``): a call of it is one
    # more name of the sink, ``pick()``. Its body runs after the module's: every
    # module-level name is bound by then.
    assigned = {local for local, _ in out}
    for factory, returned in factories:
        for written, partial in returned:
            head, _, rest = written.partition(".")
            if head in imported:
                target = imported[head] + (f".{rest}" if rest else "")
            elif head in assigned:
                target = f"{here}.{written}"  # sh = os.system; def pick(): return sh
            elif not rest and head in _BUILTINS:
                target = f"builtins.{head}"  # return eval (not a local variable's name)
            else:
                continue
            # (made by functools.partial: the call the sink receives is not this call)
            out.append((f"{factory}({'partial' if partial else ''})", target))
    # a def decorated by a function that returns a sink in its place (``def swap(f): return
    # os.system``, ``@swap def status(x)``): ``status`` is what a call of ``swap`` names
    made = {factory for factory, _ in factories}
    for def_name, decorator in decorated:
        if decorator in made:
            out.append((def_name, f"{here}.{decorator}()"))
        elif decorator in imported:
            out.append((def_name, f"{imported[decorator]}()"))
    return out


def _items(value: ast.Dict | ast.List | ast.Tuple) -> list[tuple[str | None, ast.expr]]:
    """The (key, item) of a table written out: a dict's constant text keys (None for any
    other key), a list's or tuple's positions; [] when a ``**spread`` or ``*star`` hides
    some of them."""
    if isinstance(value, ast.Dict):
        if any(k is None for k in value.keys):
            return []
        return [
            (k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None, v)
            for k, v in zip(value.keys, value.values, strict=True)
        ]
    if any(isinstance(e, ast.Starred) for e in value.elts):
        return []
    return [(str(i), e) for i, e in enumerate(value.elts)]


def _absolute_name(item: ast.expr, imported: Mapping[str, str]) -> str | None:
    """The dotted name ``item`` refers to through the module's imports (``os.system``), or a
    builtin's (``eval``); None for anything else."""
    written = dotted_name(item)
    if written is None:
        return None
    head, _, rest = written.partition(".")
    if head in imported:
        return imported[head] + (f".{rest}" if rest else "")
    if not rest and head in _BUILTINS:
        return f"builtins.{head}"
    return None


def _returned_names(node: ast.FunctionDef) -> list[tuple[str, bool]]:
    """The dotted names a function's ``return``s spell (not those of the functions and
    classes inside it), through a choice (``a if c else b``, ``a or b``) and
    ``functools.partial(f, ...)`` (``f``: a call of it calls ``f``; True with it)."""
    out: list[tuple[str, bool]] = []
    pending: list[ast.AST] = list(node.body)
    while pending:
        item = pending.pop()
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(item, ast.Return):
            values = [(item.value, False)] if item.value is not None else []
            while values:
                value, partial = values.pop()
                if isinstance(value, ast.IfExp):
                    values += [(value.body, partial), (value.orelse, partial)]
                elif isinstance(value, ast.BoolOp):
                    values += [(v, partial) for v in value.values]
                elif (
                    isinstance(value, ast.Call)
                    and value.args
                    and dotted_name(value.func) in ("partial", "functools.partial")
                ):
                    values.append((value.args[0], True))
                else:
                    written = dotted_name(value)
                    if written is not None:
                        out.append((written, partial))
            continue
        pending.extend(ast.iter_child_nodes(item))
    return out


def bound_words(catalogue: Catalogue) -> frozenset[str]:
    """The words a module's text must say to be read for aliases (see :func:`may_bind`)."""
    from auditor.scan.prefilter import SinkWords

    words = SinkWords.of(catalogue)
    return words.last | words.roots | words.builtins


def file_bindings(
    text: str, path: str, rel: str, last: frozenset[str], tree: ast.Module | None = None
) -> tuple[tuple[str, str], ...] | None:
    """What the project-wide stage reads of a file for aliases (``Planner.alias_requests``:
    its :func:`bindings`, when it may bind a sink and has a module name), read beforehand in
    the worker that analyses the file; None when the stage does not read them. ``text``: the
    file's text as the stage reads it (auditor.flow.entry.read_text); ``path``, ``rel``: the
    file's absolute path and its path relative to the policy's root; ``last``:
    :func:`bound_words`; ``tree``: the text's tree, when the worker has it already."""
    from auditor.scan.discover import module_name

    if not text or not may_bind(text, frozenset(WORD.findall(text)), last):
        return None
    here = module_name(rel, root_of(path, rel))
    if not here:
        return None
    package = rel.endswith(("__init__.py", "__init__.pyw"))
    return tuple(bindings(text, here, package, tree))


def may_bind(text: str, words: frozenset[str], last: frozenset[str]) -> bool:
    """Whether a module's text may bind a sink (or a sink's module) under a name other
    modules import: it says a sink's last name or module, in an import or an assignment."""
    return bool(words & last) and ("import" in words or _ASSIGNED.search(text) is not None)


class Aliases:
    """The project's aliases of sinks: ``{"pkg.utils.sh": "os.system"}`` (a module alias
    ``{"pkg.utils.sp": "subprocess"}`` stands for each of the module's sinks)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.sinks = frozenset(catalogue.by_name)
        self.modules = frozenset(catalogue.module_members)
        self.found: dict[str, str] = {}

    def target(self, name: str, defined: Mapping[str, list[str]], hops: int = 0) -> str | None:
        """The sink or sink module ``name`` stands for, through the project's bindings: of
        several bindings (``try``/``except`` imports, a function's ``return``s), a sink that
        runs on the host first (``sandbox.run if USE_SANDBOX else subprocess.run``)."""
        if name in self.sinks or name in self.modules:
            return name
        if hops >= _HOPS:
            return None
        found: list[str] = []
        if name in defined:
            found = [self.target(t, defined, hops + 1) or "" for t in defined[name]]
        else:
            module, _, attr = name.rpartition(".")
            if module and module in defined:  # a member of a module alias: sp.run
                found = [
                    self.target(f"{t}.{attr}", defined, hops + 1) or "" for t in defined[module]
                ]
        found = [f for f in found if f]
        for candidate in found:
            sink = self.catalogue.by_name.get(candidate)
            if sink is None or not sink.isolated:
                return candidate
        return found[0] if found else None

    def collect(self, modules: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """``modules``: (dotted module name, its bindings) of the candidate modules."""
        defined: dict[str, list[str]] = {}
        for module, bound in modules:
            for local, target in bound:
                defined.setdefault(f"{module}.{local}", []).append(target)
        for name in defined:
            if name in self.sinks:
                continue  # a module of the project named like a sink's (os.py): not an alias
            found = self.target(name, defined)
            if found is not None and not found.startswith(name):
                self.found[name] = found

    def members(self) -> dict[str, str]:
        """Every alias name to the sink it is: a module alias gives one per sink of its
        module (``pkg.utils.sp.run``)."""
        out: dict[str, str] = {}
        for alias, target in self.found.items():
            if target in self.sinks:
                out[alias] = target
            for attr in self.catalogue.module_members.get(target, {}):
                out[f"{alias}.{attr}"] = f"{target}.{attr}"  # a catalogue name (by_name's)
        return out


_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)", re.M
)


def imports_alias(text: str, module: str, names: set[str], here: str, package: bool) -> bool:
    """Whether ``text`` (of module ``here``) may reach one of ``names`` of ``module``:
    ``from MODULE import NAME`` (relative too) or ``*``, or the module imported
    (``import MODULE``, ``from PARENT import LAST``) and ``LAST.NAME`` said."""
    parent, _, last = module.rpartition(".")
    spelled = re.compile(
        rf"\b{re.escape(last)}[ \t]*\.[ \t]*(?:{'|'.join(map(re.escape, names))})\b"
    )
    for match in _FROM.finditer(text):
        base = absolute("." * len(match.group(1)) + match.group(2), here, package)
        imported = set(re.findall(r"[\w*]+", match.group(3)))
        if base == module and (imported & names or "*" in imported):
            return True
        if base == parent and last in imported and spelled.search(text):
            return True
    if re.search(rf"^[ \t]*import[ \t]+[^\n#;]*\b{re.escape(module)}\b", text, re.M):
        return spelled.search(text) is not None
    return False


def importer_requests(
    aliases: Mapping[str, str],
    modules: Mapping[str, int],
    count: int,
    words_of: Callable[[int], frozenset[str]],
    text_of: Callable[[int], str],
    name_of: Callable[[int], tuple[str, bool]],
) -> dict[int, set[str]]:
    """The files (entry numbers) that may import an alias, with the ``sink:`` requests for
    them: a file that says the alias's last name and imports its module (``from .utils
    import sh``, ``import pkg.utils``, ``from pkg import utils``, ``from utils import *``).
    ``name_of``: an entry's dotted module name and whether it is a package's ``__init__``."""
    by_module: dict[str, dict[str, str]] = {}
    for alias, target in aliases.items():
        # the module an alias is imported from: the longest prefix that is a project module
        parts = alias.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in modules:
                by_module.setdefault(module, {})[alias] = target
                break
    out: dict[int, set[str]] = {}
    for module, found in by_module.items():
        last = module.rsplit(".", 1)[-1]
        # (a function returning a sink, ``pick()``, is imported and said as ``pick``)
        # (and a table's item, ``TABLE[run]``, as ``TABLE``)
        names = {
            alias[len(module) + 1 :].split(".")[0].split("(")[0].split("[")[0] for alias in found
        }
        owner = modules[module]
        for number in range(count):
            if number == owner:
                continue
            words = words_of(number)
            if last not in words or not names & words:
                continue
            here, package = name_of(number)
            if not imports_alias(text_of(number), module, names, here, package):
                continue
            out.setdefault(number, set()).update(
                f"sink:{alias}={target}" for alias, target in found.items()
            )
    return out
