"""Sinks kept where calls the file cannot follow reach them (the attacker's "no finding at
all" cases): a sink assigned to an attribute (``class R: run = os.system``, ``self.run =
os.system`` called from outside the class, a dataclass field's default ``runner: Callable =
os.system``), to an item or into a container written out (``self.ops = {"r": os.system}``),
or written over another module's or the builtins' name (``builtins.print = os.system``,
``json.loads = os.system``: every call of that name now runs the sink).

Each is reported at the assignment, as a sink handed over is at the call it is handed to
(auditor.scan.analyze's ``_handovers``): the calls through what holds it may be anywhere, so
the payload is one the analysis does not know. A call through it the file does follow
(``self.run(cmd)`` in the class, ``OPS["r"](cmd)``) keeps its own finding. A container
bound to a plain name (``RUNNERS = [os.system]``, ``ops = {"r": os.system}``) is reported only
where the name escapes the ways the analysis follows (an item looked up, a loop over it, an
unpacking): handed to a call (``exec(code, globs)``), returned, stored elsewhere."""

from __future__ import annotations

import libcst as cst

from auditor.judge.catalogue import Catalogue, Sink
from auditor.scan.collect import Store
from auditor.scan.handover import handovers
from auditor.scan.resolve import Resolver
from auditor.scan.scopes import Scope

_EMPTY = cst.Module(body=[])
_MAX_ITEMS = 64  # items of a container looked at (a table of constants is not a sink)


def stored_sinks(
    store: Store, resolver: Resolver, catalogue: Catalogue
) -> list[tuple[Sink, cst.BaseExpression]]:
    """The sinks ``store`` keeps (each with the expression that names it): its value, or the
    items of the containers written out in it (a dict's values), nested ones too."""
    out: list[tuple[Sink, cst.BaseExpression]] = []
    pending: list[cst.BaseExpression] = [store.value]
    seen = 0
    while pending and seen < _MAX_ITEMS:
        value = pending.pop()
        seen += 1
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            pending.extend(e.value for e in value.elements)
            continue
        if isinstance(value, cst.Dict):
            pending.extend(e.value for e in value.elements if isinstance(e, cst.DictElement))
            continue
        if not isinstance(value, (cst.Name, cst.Attribute)):
            continue
        name = resolver.qualname(value, store.scope)
        sink = catalogue.lookup(name) if name is not None else None
        if sink is not None and sink.form != "dispatch" and not _restored(store, sink, resolver):
            out.append((sink, value))
    out.reverse()
    return out


def _restored(store: Store, sink: Sink, resolver: Resolver) -> bool:
    """Whether the store puts a sink back under its own name (``os.execv = orig_execv``
    after a test patched it): nothing new runs there."""
    target = store.target
    return (
        isinstance(target, cst.Attribute)
        and store.value is not target
        and resolver.qualname(target, store.scope) == sink.name
    )


# what a container of sinks may be handed to and still be followed: iterated
_ITERATING = frozenset({"enumerate", "zip", "reversed", "iter", "list", "tuple", "sorted"})
_READING = frozenset({"items", "values", "get", "keys", "__getitem__"})


class _Uses(cst.CSTVisitor):
    """The names used in the module, each with whether some use is not one the analysis
    follows into a container's items (see :func:`escaping`)."""

    def __init__(self) -> None:
        self.followed: set[int] = set()  # id of Name nodes used in a followed way
        self.stored: set[int] = set()  # id of Name nodes that are assignment targets
        self.escaping: set[str] = set()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.followed.add(id(node.value))

    def visit_For(self, node: cst.For) -> None:
        self.followed.add(id(node.iter))
        self.stored.add(id(node.target))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.followed.add(id(node.iter))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.stored.add(id(node.attr))  # a name, not a use of one
        if node.attr.value in _READING:
            self.followed.add(id(node.value))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stored.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stored.add(id(node.name))

    def visit_Param(self, node: cst.Param) -> None:
        self.stored.add(id(node.name))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.stored.add(id(node.keyword))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_NameItem(self, node: cst.NameItem) -> None:
        self.stored.add(id(node.name))  # global x, nonlocal x

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.stored.add(id(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.stored.add(id(node.target))

    def visit_Assign(self, node: cst.Assign) -> None:
        if all(isinstance(t.target, (cst.Tuple, cst.List)) for t in node.targets):
            self.followed.add(id(node.value))  # a, b = RUNNERS

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.value if isinstance(func, cst.Name) else None
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        if name in _ITERATING or name in handovers().inspect_only:
            # iterated, or only looked at (isinstance(x, FUNCTION_TYPES)): never called
            self.followed.update(id(a.value) for a in node.args)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self.followed.add(id(node.key))  # a key is hashed and compared, never called

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.stored.add(id(node.target))  # TYPES += (...): grown where it is bound

    def visit_Match(self, node: cst.Match) -> None:
        self.followed.add(id(node.subject))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.followed and id(node) not in self.stored:
            self.escaping.add(node.value)


def escaping(module: cst.Module) -> frozenset[str]:
    """The names some use of which in ``module`` is not one the analysis follows into the
    items of a container (conservative: a name shadowed elsewhere counts as the same)."""
    uses = _Uses()
    module.visit(uses)
    return frozenset(uses.escaping)


def target_text(target: cst.BaseExpression, scope: Scope) -> str:
    """What holds the sink, as the finding names it: ``self.run``, ``builtins.print``, a
    class body's ``R.run``."""
    text = " ".join(_EMPTY.code_for_node(target).split())
    if isinstance(target, cst.Name) and scope.kind == "class" and scope.key:
        return f"{scope.key}.{text}"
    return text
