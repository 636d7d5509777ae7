"""Codemod ``eval-exec-to-sandbox``: evaluate generated Python code in auditor's sandbox.

``eval(expr)`` becomes ``sandbox.eval_python(expr)`` and ``exec(code)`` becomes
``sandbox.exec_python(code)`` at the sites ``auditor scan`` classifies ``dynamic-code``,
only where the meaning holds:

* a single positional argument: no ``globals``/``locals`` (the code would run in a
  namespace the caller supplies and inspects), no ``*args``, no code object from
  ``compile()``;
* ``exec`` only as a statement (``exec`` returns None, ``exec_python`` a result), not in a
  class body (it would define class attributes), and only where nothing reads afterwards
  the namespace it runs in (the caller's: the code may set names and change objects
  there, the sandboxed code cannot). In a function: no ``locals()``/``vars()``/``dir()``,
  no ``global``/``nonlocal`` declaration, no read after the call (or in a loop around it,
  or in a closure) of a parameter or local bound before it. At module level: the module
  reads no name it does not bind, no name after the call that the code may rebind (in
  its later statements or in any of its functions), never calls
  ``globals()``/``locals()``/``vars()``, and the call runs only when the file runs as the
  program (``if __name__ == "__main__":``, ``__main__.py``, a script without ``.py``):
  otherwise the modules that import it may read the names the code defines;
  In a function, also no read after the call of a name of the module (a global, an
  imported module: ``sys.modules``, ``os.environ``): the code runs in this process with
  the module's globals and may change them, the sandboxed code cannot;
* ``eval`` whose value is used as data only (compared, tested, computed with, formatted,
  printed, converted, iterated, indexed), directly or through the local names it is bound
  to: the sandbox returns plain data, never a function or another object. An ``eval``
  whose value is called (``eval(name)(**kwargs)``, ``f = eval(spec)`` then ``f(x)``),
  passed to a function or as ``key=``, returned, yielded or stored is left for review.

The sandbox runs the code in a fresh interpreter: it cannot see or change the caller's
variables, and ``eval_python`` returns values that survive JSON or ``ast.literal_eval``
(it raises ``SandboxEvalError`` otherwise). An exception the code raises comes back as the
sandbox's error: ``exec_python(code, check=True)`` raises ``CalledProcessError`` (the run
stops the caller as ``exec`` did), ``eval_python`` ``SandboxEvalError``; a call inside a
``try`` that catches something narrower than ``Exception`` is left for review (the handler
would no longer see the code's own exception). Other sites are reported for review.

Run it on its own with libcst's runner::

    python -m libcst.tool codemod --no-format \\
        -x auditor.codemods.eval_exec_to_sandbox.EvalExecToSandbox src/

(``--no-format``: libcst would run black over each file.) ``auditor migrate --codemod
eval-exec-to-sandbox`` does the same with the safety checks: compile, re-scan, atomic write.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    Assignment,
    ClassScope,
    FunctionScope,
    GlobalScope,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from auditor.codemod_support import SiteCodemod, append_keyword
from auditor.findings import Finding
from auditor.plans import Decline
from auditor.sandbox_needs import code_effect
from auditor.scan.collect import dotted_text
from auditor.scan.resolve import literal_string
from auditor.scan.walk import child_fields

NAME = "eval-exec-to-sandbox"

TARGETS = {"builtins.eval": "eval_python", "builtins.exec": "exec_python"}
_NAMESPACE_READERS = frozenset({"locals", "vars", "dir", "globals"})
# Names every module has without binding them.
_MODULE_DUNDERS = frozenset(
    {
        "__annotations__",
        "__builtins__",
        "__cached__",
        "__dict__",
        "__doc__",
        "__file__",
        "__loader__",
        "__name__",
        "__package__",
        "__path__",
        "__spec__",
    }
)


class _NamespaceReads(cst.CSTVisitor):
    """Calls that read a namespace: ``locals()``, ``vars()``, ``dir()``, ``globals()``."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.found: str | None = None

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in self.names and not node.args:
            self.found = self.found or func.value


def _reads_namespace(node: cst.CSTNode, names: frozenset[str]) -> str | None:
    visitor = _NamespaceReads(names)
    node.visit(visitor)
    return visitor.found


class EvalExecToSandbox(SiteCodemod):
    """Replace ``eval``/``exec`` of generated code by the sandbox's evaluators."""

    NAME = NAME
    DESCRIPTION = "Route eval()/exec() of generated code to auditor's sandbox."

    @classmethod
    def responsible(cls, finding: Finding) -> bool:
        return finding.category == "dynamic-code" and finding.sink in TARGETS

    def rewrite(
        self, original: cst.Call, updated: cst.Call, finding: Finding
    ) -> cst.BaseExpression:
        name = finding.sink.removeprefix("builtins.")
        if any(arg.star for arg in original.args):
            raise Decline(f"{name}() is called with *args or **kwargs", "star-args")
        if len(original.args) != 1 or original.args[0].keyword is not None:
            raise Decline(
                f"{name}() is given globals or locals; the code uses that namespace", "namespace"
            )
        payload = original.args[0].value
        func = payload.func if isinstance(payload, cst.Call) else None
        if isinstance(func, cst.Name) and func.value == "compile":
            raise Decline(f"{name}() runs a code object from compile()", "compiled")
        if isinstance(payload, cst.Name) and self._bound_to_compile(original, payload.value):
            raise Decline(
                f"{name}() runs a code object from compile() ({payload.value})", "compiled"
            )
        if name == "exec":
            self._check_exec(original)
        else:
            outer = self.parent(original)
            if isinstance(outer, cst.Call) and outer.func is original:
                raise Decline(
                    "eval()'s value is called: the sandbox returns plain data (JSON or "
                    "literals), never a function of the caller's namespace",
                    "namespace",
                )
            use = _ValueUses(self, original).unknown(original)
            if use is not None:
                raise Decline(
                    f"eval()'s value {use}: it may be a function or another object, and the "
                    "sandbox returns plain data only (JSON or literals)",
                    "eval-value",
                )
        caught = self._caught_around(original)
        if caught is not None:
            raise Decline(
                f"{name}() is inside a try that catches {caught}: the sandbox raises its own "
                "errors (CalledProcessError, SandboxEvalError), not the code's",
                "exceptions",
            )
        self.drop_unused_import_of(original.func)
        self.set_effect(finding, code_effect(self.settings().python_profile))
        rewritten = updated.with_changes(func=self.sandbox_attr(TARGETS[finding.sink]))
        if name == "exec":  # an exception in the code stops the caller, as exec() did
            rewritten = rewritten.with_changes(
                args=append_keyword(list(rewritten.args), "check", cst.Name("True"))
            )
        return rewritten

    def _caught_around(self, call: cst.Call) -> str | None:
        """The exceptions a ``try`` around ``call`` (in its function) catches by name, when
        one catches more than ``Exception``/``BaseException`` would: the code's own
        exception no longer reaches it."""
        parents = self.parents_within(call)
        node: cst.CSTNode = call
        while True:
            parent = parents.get(id(node))
            if parent is None or isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.Module)):
                return None
            if isinstance(parent, cst.Try) and node is parent.body:
                for handler in parent.handlers:
                    if handler.type is None:
                        continue
                    names = (
                        [e.value for e in handler.type.elements]
                        if isinstance(handler.type, cst.Tuple)
                        else [handler.type]
                    )
                    texts = [cst.Module([]).code_for_node(n) for n in names]
                    if any(t not in ("Exception", "BaseException") for t in texts):
                        return ", ".join(texts)
            node = parent

    def _bound_to_compile(self, call: cst.Call, name: str) -> bool:
        """Whether ``name`` is assigned a ``compile(...)`` result in the call's scope."""
        scope = self.scope_of(call)
        root: cst.CSTNode | None = getattr(scope, "node", None) if scope is not None else None
        if root is None:
            root = self._module
        if root is None:
            return False
        return any(_assigns_compile(node, name) for node in _nodes_under(root))

    def _check_exec(self, call: cst.Call) -> None:
        if not self.is_statement(call):
            raise Decline("exec()'s return value is used", "exec-value")
        scope = self.scope_of(call)
        if isinstance(scope, ClassScope):
            raise Decline("exec() in a class body defines class attributes")
        if isinstance(scope, FunctionScope):
            reader = _reads_namespace(scope.node, _NAMESPACE_READERS - {"globals"})
            if reader is not None:
                raise Decline(f"the function reads its namespace with {reader}()", "namespace")
            declared = _declared_outer(scope.node)
            if declared:
                raise Decline(
                    f"the function declares {declared}: the code may set it, which the "
                    "sandboxed code cannot",
                    "namespace",
                )
            read = self._read_after(call, scope)
            if read is not None:
                raise Decline(
                    f"the code can change {read}, which the function reads after exec(); "
                    "the sandboxed code cannot reach the caller's objects",
                    "namespace",
                )
            given = _passed_in(call, scope)
            if given is not None:
                raise Decline(
                    f"the code can change {given}, an object the caller passes in and may "
                    "read after the call; the sandboxed code cannot reach the caller's objects",
                    "namespace",
                )
            shared = _mutable_global(self._module, call)
            if shared is not None:
                raise Decline(
                    f"the code can change {shared}, a mutable module global other code may "
                    "read after the call; the sandboxed code cannot reach this process",
                    "process-state",
                )
            read = self._global_read_after(call, scope)
            if read is not None:
                raise Decline(
                    f"the code can change {read} (a module global, an imported module's "
                    "state such as sys.modules or os.environ), which the function reads "
                    "after exec(); the sandboxed code cannot reach this process",
                    "process-state",
                )
            return
        if isinstance(scope, GlobalScope):
            module = self._module
            assert module is not None
            reader = _reads_namespace(module, _NAMESPACE_READERS)
            if reader is not None:
                raise Decline(f"the module reads its namespace with {reader}()", "namespace")
            unbound = self._unbound_names()
            if unbound:
                shown = ", ".join(sorted(unbound)[:3])
                raise Decline(
                    f"exec() at module level may define names the module uses ({shown})",
                    "namespace",
                )
            read = self._read_after(call, scope)
            if read is not None:
                raise Decline(
                    f"exec() at module level may rebind {read}, which the module reads after it",
                    "namespace",
                )
            if not self._runs_as_script(call):
                raise Decline(
                    "exec() at module level defines the names of the module, which the "
                    "modules that import it may read (only an exec() under "
                    '`if __name__ == "__main__":` is rewritten)',
                    "namespace",
                )
            return
        raise Decline("exec() in a comprehension or lambda", "namespace")

    def _read_after(self, call: cst.Call, scope: Scope) -> str | None:
        """A name of the namespace ``exec(code)`` runs in (``scope``: the function's
        parameters and locals, or the module's globals) that the program reads after the
        call: in a later statement, in the body of a loop around the call, or in a
        function (which may run later; at module level, a function of the module). The
        code could have changed it (rebound a module global, set an attribute or item of a
        local's object): in the sandbox it cannot. Not counted: the code's own name
        (``exec(code)``), a name bound only after the call, a name only assigned through
        (``obj.x = 1``)."""
        payload = call.args[0].value
        skip = payload.value if isinstance(payload, cst.Name) else None
        positions = self._metadata(PositionProvider)
        parents = self.parents_within(call)
        end = positions[call].end
        after = (end.line, end.column)
        loops = _loops_around(call, parents)
        for assignment in scope.assignments:
            if assignment.name == skip or not isinstance(assignment, Assignment):
                continue
            bound = positions[assignment.node].start
            if (bound.line, bound.column) >= after and not _inside(assignment.node, loops, parents):
                continue  # bound after the call: the code could not have changed it
            for access in assignment.references:
                node = access.node
                if _assigned_through(node, parents):
                    continue
                if _in_function_within(access.scope, scope):
                    return _shown(node, parents)  # a nested function's read: it may run later
                start = positions[node].start
                if (start.line, start.column) >= after or _inside(node, loops, parents):
                    return _shown(node, parents)
        return None

    def _global_read_after(self, call: cst.Call, scope: FunctionScope) -> str | None:
        """A name of the module (a global, an imported module, a name nothing binds) that
        the function of ``exec(code)`` reads after the call: in a later statement, in a
        loop around the call, or in a function inside it. The code runs in this process,
        with the module's globals: it may rebind them (``global X``), import modules
        (``sys.modules``), set the environment (``os.environ``) or change any module's
        objects; in the sandbox it cannot. Builtins are not counted."""
        function = scope.node
        positions = self._metadata(PositionProvider)
        parents = self.parents_within(call)
        end = positions[call].end
        after = (end.line, end.column)
        loops = _loops_around(call, parents)
        wrapper = self.context.wrapper
        if wrapper is None:
            return "the module's names"
        scopes = {s for s in wrapper.resolve(ScopeProvider).values() if s is not None}
        found: list[tuple[tuple[int, int], str]] = []
        for inner in scopes:
            for access in inner.accesses:
                node = access.node
                if not isinstance(node, cst.Name) or not _inside(node, [function], parents):
                    continue
                if access.referents and not any(
                    isinstance(r, Assignment) and isinstance(r.scope, GlobalScope)
                    for r in access.referents
                ):
                    continue  # a local, a parameter, an enclosing function's or a builtin
                start = positions[node].start
                if (
                    _in_function_within(inner, scope)  # a function inside: may run later
                    or (start.line, start.column) >= after
                    or _inside(node, loops, parents)
                ):
                    found.append(((start.line, start.column), _shown(node, parents)))
        return min(found)[1] if found else None

    def _runs_as_script(self, call: cst.Call) -> bool:
        """The module-level ``call`` runs only when the file runs as the program: under
        ``if __name__ == "__main__":``, or in a file no import can load (``__main__.py``,
        a script without the ``.py`` suffix)."""
        name = Path(self.context.filename or "").name
        if name == "__main__.py" or (name and not name.endswith((".py", ".pyw"))):
            return True
        parents = self.parents_within(call)
        node: cst.CSTNode = call
        while (parent := parents.get(id(node))) is not None:
            if isinstance(parent, cst.If) and node is parent.body and _is_main_test(parent.test):
                return True
            node = parent
        return False

    def _unbound_names(self) -> set[str]:
        scopes = (
            {s for s in self.context.wrapper.resolve(ScopeProvider).values() if s is not None}
            if self.context.wrapper is not None
            else set()
        )
        names: set[str] = set()
        for scope in scopes:
            for access in scope.accesses:
                node = access.node
                if access.referents or not isinstance(node, cst.Name):
                    continue
                if node.value not in _MODULE_DUNDERS:
                    names.add(node.value)
        return names


# calls that make plain data of a value given as their first positional argument (text, a
# number, a truth value), or write it out: a value used so is used as data
_DATA_CALLS = frozenset(
    {
        "print", "str", "repr", "ascii", "len", "int", "float", "bool", "complex",
        "isinstance", "format", "hash", "abs", "round", "any", "all", "sum",
        "json.dumps", "json.dump", "pprint.pprint", "pprint.pformat",
    }
)  # fmt: skip
# calls whose result holds the items of their first positional argument: the result is
# used in its place
_ITEM_CALLS = frozenset({"list", "tuple", "sorted", "reversed", "set", "frozenset", "min", "max"})
_MAX_FOLLOWED = 6  # names a value is followed through (``v = eval(s); w = v; ...``)


class _ValueUses:
    """Whether the value of an ``eval`` is only used as data: compared, tested, computed
    with, formatted, printed, converted, iterated or indexed, directly or through the
    local names it is bound to. Anything else (returned, yielded, passed to a function
    or given as ``key=``, stored in a container or an attribute, an attribute of it read,
    bound to a module global another module may import) may expect a function or an
    object, which the sandbox cannot return."""

    def __init__(self, codemod: EvalExecToSandbox, call: cst.Call) -> None:
        self.codemod = codemod
        self.call = call
        self.parents = codemod.parents_within(call)
        self.scope = codemod.scope_of(call)
        self.seen: set[int] = set()

    def unknown(self, node: cst.CSTNode, depth: int = 0) -> str | None:
        """How the value of ``node`` is used other than as data (``is returned``,
        ``is passed to register()``), or None when every use is as data."""
        parents = self.parents
        while True:
            parent = parents.get(id(node))
            if parent is None:
                return "is used where the migration cannot follow it"
            if isinstance(parent, cst.Expr):
                return None  # a statement: the value is dropped
            if isinstance(parent, cst.BooleanOperation | cst.Await):
                node = parent  # ``eval(s) or default``: the value goes on
                continue
            if isinstance(parent, cst.IfExp):
                if node is parent.test:
                    return None
                node = parent
                continue
            if isinstance(parent, cst.Subscript | cst.SubscriptElement | cst.Index):
                if isinstance(parent, cst.Subscript) and node is parent.value:
                    node = parent  # an item of it: used in its place
                    continue
                if isinstance(parent, cst.Subscript):
                    return "is used where the migration cannot follow it"
                if isinstance(parent, cst.Index) and parent.value is not node:
                    return "is used where the migration cannot follow it"
                node = parent
                if isinstance(parent, cst.SubscriptElement):
                    holder = parents.get(id(parent))
                    if isinstance(holder, cst.Subscript):
                        return None  # a key or an index: data
                continue
            if isinstance(parent, cst.Comparison | cst.ComparisonTarget):
                return None
            if isinstance(parent, cst.BinaryOperation | cst.UnaryOperation):
                return None
            if isinstance(parent, cst.If | cst.While | cst.Assert):
                return None  # its test
            if isinstance(parent, cst.FormattedStringExpression):
                return None
            if isinstance(parent, cst.AugAssign):
                return None  # ``total += eval(s)``
            if isinstance(parent, cst.Call) and parent.func is node:
                return "is called"
            if isinstance(parent, cst.Arg):
                return self._argument(parent, node, depth)
            if isinstance(parent, cst.Assign | cst.AnnAssign | cst.For):
                return self._bound(parent, node, depth)
            if isinstance(parent, cst.Return):
                return "is returned"
            if isinstance(parent, cst.Yield):
                return "is yielded"
            if isinstance(parent, cst.Attribute):
                return f"has its attribute .{parent.attr.value} read"
            if isinstance(parent, cst.Element | cst.DictElement | cst.StarredElement):
                return "is stored in a container"
            return "is used where the migration cannot follow it"

    def _argument(self, arg: cst.Arg, node: cst.CSTNode, depth: int) -> str | None:
        call = self.parents.get(id(arg))
        if not isinstance(call, cst.Call):
            return "is used where the migration cannot follow it"
        func = call.func
        name = dotted_text(func)
        first = bool(call.args) and call.args[0] is arg
        if arg.keyword is not None:
            return f"is passed to {name or 'a call'}() as {arg.keyword.value}="
        if arg.star:
            return f"is unpacked into {name or 'a call'}()"
        if name in _DATA_CALLS and (first or name == "print"):
            return None
        if name in _ITEM_CALLS and first and len(call.args) == 1:
            return self.unknown(call, depth)  # its items, in its place
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.SimpleString | cst.ConcatenatedString)
            and func.attr.value in ("format", "join")
        ):
            return None  # text made of it
        return f"is passed to {name or 'a call'}()"

    def _bound(self, statement: cst.CSTNode, node: cst.CSTNode, depth: int) -> str | None:
        """The value bound to names (``v = eval(s)``, ``for item in eval(s)``): each use of
        those names."""
        if isinstance(statement, cst.For):
            if node is not statement.iter:
                return "is used where the migration cannot follow it"
            targets: list[cst.BaseExpression] = [statement.target]
        elif isinstance(statement, cst.Assign):
            targets = [t.target for t in statement.targets]
        else:
            assert isinstance(statement, cst.AnnAssign)
            if statement.value is not node:
                return "is used where the migration cannot follow it"
            targets = [statement.target]
        for target in targets:
            if not isinstance(target, cst.Name):
                return "is stored where the migration cannot follow it"
            found = self._references(target, depth)
            if found is not None:
                return found
        return None

    def _references(self, target: cst.Name, depth: int) -> str | None:
        scope = self.scope
        if scope is None or depth >= _MAX_FOLLOWED:
            return f"is bound to {target.value}, used where the migration cannot follow it"
        if isinstance(scope, GlobalScope) and not self.codemod._runs_as_script(self.call):
            return f"is bound to the module global {target.value}, which other modules may import"
        if id(target) in self.seen:
            return None
        self.seen.add(id(target))
        for assignment in scope.assignments[target.value]:
            if not isinstance(assignment, Assignment) or assignment.node is not target:
                continue
            for access in assignment.references:
                found = self.unknown(access.node, depth + 1)
                if found is not None:
                    return f"is bound to {target.value}, which {found}"
        return None


def _passed_in(call: cst.Call, scope: FunctionScope) -> str | None:
    """A parameter of the function of ``exec(code, ...)`` the code can reach (all of them
    when no namespace is given; those the namespace arguments name otherwise), other than
    the code itself: an object of the caller's, which the caller may read after the call
    (``def apply(code, state): exec(code)``, then ``print(state.x)``)."""
    payload = call.args[0].value
    skip = payload.value if isinstance(payload, cst.Name) else None
    function = scope.node
    assert isinstance(function, cst.FunctionDef)
    params = function.params
    every = [
        *params.posonly_params,
        *params.params,
        *params.kwonly_params,
        *(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)),
    ]
    sources = _code_sources(function, skip) if skip is not None else set()
    names = [
        p.name.value
        for p in every
        if p.name.value not in (skip, "self", "cls") and p.name.value not in sources
    ]
    if len(call.args) > 1:  # exec(code, ns): what the namespace arguments name
        named = {n.value for arg in call.args[1:] for n in _names_in(arg.value)}
        names = [n for n in names if n in named]
    return names[0] if names else None


def _code_sources(function: cst.FunctionDef, payload: str) -> set[str]:
    """The names the code's own name is made from in the function: what a ``for`` binding
    it iterates (``for code in codes``), what an assignment to it reads (``code =
    blocks[i]``). Those hold the code, not the caller's state."""
    found: set[str] = set()

    class _Collect(cst.CSTVisitor):
        def visit_For(self, node: cst.For) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == payload:
                found.update(n.value for n in _names_in(node.iter))

        def visit_Assign(self, node: cst.Assign) -> None:
            if any(
                isinstance(t.target, cst.Name) and t.target.value == payload for t in node.targets
            ):
                found.update(n.value for n in _names_in(node.value))

    function.body.visit(_Collect())
    return found


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(_Collect())
    return found


def _mutable_global(module: cst.Module | None, call: cst.Call) -> str | None:
    """A module-level name bound to a dict, list or set written out (``CONFIG = {...}``):
    code run by ``exec(code)`` with the module's globals may change it in place, for any
    other function to read. Not when the call gives its own globals."""
    if module is None or len(call.args) > 1:
        return None
    mutable = (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, mutable):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        return target.target.value
    return None


def _declared_outer(function: cst.CSTNode) -> str:
    """The ``global``/``nonlocal`` declarations of a function (not of the functions
    inside it), as written: ``global RATE``."""
    found: list[str] = []
    stack = [function]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Global | cst.Nonlocal):
            kind = "global" if isinstance(node, cst.Global) else "nonlocal"
            found.append(f"{kind} " + ", ".join(n.name.value for n in node.names))
            continue
        for child in node.children:
            if not isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                stack.append(child)
    return "; ".join(sorted(found))


def _in_function_within(inner: Scope | None, outer: Scope) -> bool:
    """Whether scope ``inner`` is, or lies in, a function (or lambda) inside ``outer``:
    its code runs when that function is called, not where it is written."""
    while inner is not None and inner is not outer:
        if isinstance(inner, FunctionScope):
            return True
        inner = inner.parent
    return False


def _loops_around(call: cst.Call, parents: dict[int, cst.CSTNode]) -> list[cst.CSTNode]:
    """The bodies of the loops around ``call`` (a ``while``'s test too), in its function:
    what they read runs again after the call."""
    out: list[cst.CSTNode] = []
    node: cst.CSTNode = call
    while (parent := parents.get(id(node))) is not None:
        if isinstance(parent, cst.For) and node is parent.body:
            out.append(parent.body)
        elif isinstance(parent, cst.While) and node is parent.body:
            out.extend((parent.body, parent.test))
        node = parent
    return out


def _inside(node: cst.CSTNode, roots: list[cst.CSTNode], parents: dict[int, cst.CSTNode]) -> bool:
    if not roots:
        return False
    wanted = {id(r) for r in roots}
    current: cst.CSTNode | None = node
    while current is not None:
        if id(current) in wanted:
            return True
        current = parents.get(id(current))
    return False


def _assigned_through(node: cst.CSTNode, parents: dict[int, cst.CSTNode]) -> bool:
    """``node`` is only the object of an assignment's target (``obj.x = 1``,
    ``obj[k] = 1``): nothing of it is read."""
    parent = parents.get(id(node))
    if not isinstance(parent, cst.Attribute | cst.Subscript) or parent.value is not node:
        return False
    holder = parents.get(id(parent))
    if isinstance(holder, cst.AssignTarget):
        return holder.target is parent
    return isinstance(holder, cst.AnnAssign) and holder.target is parent


def _shown(node: cst.CSTNode, parents: dict[int, cst.CSTNode]) -> str:
    """How a read is shown: the name, with the attribute or item read from it."""
    parent = parents.get(id(node))
    if isinstance(parent, cst.Attribute | cst.Subscript) and parent.value is node:
        text = cst.Module([]).code_for_node(parent)
        if len(text) <= 40:
            return text
    return cst.Module([]).code_for_node(node)


def _is_main_test(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = [test.left, target.comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    texts = [s for s in sides if literal_string(s) == "__main__"]
    return len(names) == 1 and len(texts) == 1


def _nodes_under(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and every node under it that may be a statement or an expression."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for name in child_fields(type(node)):
            child = getattr(node, name)
            if isinstance(child, cst.CSTNode):
                stack.append(child)
            elif type(child) is tuple or type(child) is list:
                stack.extend(c for c in child if isinstance(c, cst.CSTNode))


def _is_compile_call(node: cst.BaseExpression | None) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "compile"
    )


def _assigns_compile(node: cst.CSTNode, name: str) -> bool:
    """``name = compile(...)`` (one target) or ``name: T = compile(...)``."""
    if isinstance(node, cst.Assign):
        targets = node.targets
        return (
            len(targets) == 1
            and isinstance(targets[0].target, cst.Name)
            and targets[0].target.value == name
            and _is_compile_call(node.value)
        )
    if isinstance(node, cst.AnnAssign):
        return (
            isinstance(node.target, cst.Name)
            and node.target.value == name
            and _is_compile_call(node.value)
        )
    return False
