"""Codemod ``eval-exec-to-sandbox``: evaluate generated Python code in auditor's sandbox.

``eval(expr)`` becomes ``sandbox.eval_python(expr)`` and ``exec(code)`` becomes
``sandbox.exec_python(code)`` at the sites ``auditor scan`` classifies ``dynamic-code``,
only where the meaning holds:

* a single positional argument: no ``globals``/``locals`` (the code would run in a
  namespace the caller supplies and inspects), no ``*args``, no code object from
  ``compile()``;
* ``exec`` only as a statement (``exec`` returns None, ``exec_python`` a result), not in a
  class body (it would define class attributes), not in a function that reads its own
  namespace (``locals()``, ``vars()``, ``dir()``), and at module level only when the module
  reads no name it does not bind itself (so nothing expects ``exec`` to define names) and
  never calls ``globals()``/``locals()``/``vars()``.

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

import libcst as cst
from libcst.metadata import ClassScope, FunctionScope, GlobalScope, ScopeProvider

from auditor.codemod_support import SiteCodemod, append_keyword
from auditor.findings import Finding
from auditor.plans import Decline
from auditor.sandbox_needs import code_effect
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
            return
        raise Decline("exec() in a comprehension or lambda", "namespace")

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
