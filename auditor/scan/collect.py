"""One pass over a libcst module: build the scopes and bindings, and record every call that
might reach a sink together with the scope and function it is in.

For the project-wide stage (``auditor.flow``) the same pass also records each function and
class, what each function returns, what methods assign to ``self.<attr>``, every call, and
the mutations that grow a container (``x.append(v)``, ``x[k] = v``): bindings of the name
they mutate, attached once the walk has seen every binding (:meth:`Collector.finish`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from auditor.file_summary import ANY_ATTR
from auditor.judge.catalogue import Catalogue
from auditor.judge.mutators import mutator_names
from auditor.scan.environ import setting_members
from auditor.scan.scopes import CLOCK, Binding, BindingKind, Scope
from auditor.scan.strings import string_value

# the operators Python runs as a method of their left operand (``__radd__`` of the right's)
_OPERATOR_METHODS = {
    "Add": "__add__", "Subtract": "__sub__", "Multiply": "__mul__",
    "MatrixMultiply": "__matmul__", "Divide": "__truediv__", "FloorDivide": "__floordiv__",
    "Modulo": "__mod__", "Power": "__pow__", "LeftShift": "__lshift__",
    "RightShift": "__rshift__", "BitOr": "__or__", "BitAnd": "__and__", "BitXor": "__xor__",
}  # fmt: skip


@dataclass(slots=True)
class CallSite:
    node: cst.Call
    scope: Scope
    function: str
    index: int  # position of this call among all calls of the module, in pre-order
    # the allow-list checks in force here: (name, container) of ``if name in C:`` around
    # the call, or ``if name not in C: raise/return/continue/break`` before it in its block
    guards: tuple[tuple[str, cst.BaseExpression], ...] = ()
    # the earliest it may run, on the scopes' CLOCK: the call itself at module level (or in
    # a class body), the outermost enclosing ``def`` or ``lambda`` when inside one (a
    # function may be called as soon as it is defined)
    runs_from: int = 0
    # when its arguments have been read, on the scopes' CLOCK (-1: not known): a binding of
    # its own scope met later (and in no loop around the call) cannot reach them
    done: int = -1


@dataclass(slots=True)
class FunctionRecord:
    """A ``def`` (or ``async def``): ``key`` is its dotted path in the module ("Job.run"),
    ``scope`` its own scope, ``outer`` the scope its decorators and defaults are evaluated
    in, ``cls`` the key of the class it is a method of (None for a plain function)."""

    key: str
    node: cst.FunctionDef
    scope: Scope
    outer: Scope
    cls: str | None
    returns: list[cst.BaseExpression] = field(default_factory=list)
    # what a generator yields (``yield v``; ``yield from g``: ``g``): what iterating the
    # generator a call returns gives, so what the call carries (auditor.scan.summary)
    yields: list[cst.BaseExpression] = field(default_factory=list)
    generator: bool = False  # a ``yield`` of its own, with a value or not


@dataclass(slots=True)
class ClassRecord:
    key: str
    node: cst.ClassDef
    outer: Scope
    scope: Scope | None = None  # the class body's own scope


@dataclass(slots=True)
class AttrAssign:
    """``self.<attr> = value`` in a method of class ``cls`` (``scope`` is the method's)."""

    cls: str
    attr: str
    value: cst.BaseExpression | None  # None: a mutation or a target that cannot be paired
    scope: Scope
    method: str
    mutation: bool = False  # self.<attr>.append(value), self.<attr> += value
    annotation: cst.BaseExpression | None = None  # self.<attr>: T = value


@dataclass(slots=True)
class ItemStore:
    """``holder[key] = value`` (``+=`` too: ``augmented``), or ``holder |= value``
    (``key`` None, ``merge``): a store into what ``holder`` names, for the settings of the
    process's environment (``os.environ["PATH"] = d``: auditor.scan.environ).
    ``statement`` is the assignment, ``before`` the number of calls met before it."""

    holder: cst.BaseExpression
    key: cst.BaseExpression | None
    value: cst.BaseExpression
    scope: Scope
    function: str
    statement: cst.CSTNode
    before: int
    augmented: bool = False
    merge: bool = False


@dataclass(slots=True)
class Store:
    """An assignment that may keep a value where calls the file cannot follow reach it: into
    an attribute (``self.run = v``, ``builtins.print = v``), an item (``d[k] = v``), a name
    of a class body (``run = v``, a dataclass field's default ``run: Callable = v``), or of
    a container written out (``ops = {"r": v}``). ``statement`` is the assignment, ``before``
    the number of calls met before it (auditor.scan.analyze's ``_stored``)."""

    target: cst.BaseExpression
    value: cst.BaseExpression
    scope: Scope
    function: str
    statement: cst.CSTNode
    before: int


# methods that add their argument(s) to the container they are called on (at its end, or
# anywhere for the unordered ones); and those that may put them first
_GROWING = frozenset({"append", "extend", "add", "update", "setdefault", "put", "put_nowait"})
_PREPENDING = frozenset({"insert", "appendleft", "extendleft"})
# the methods whose call calls what they are looked up on: ``os.system.__call__(cmd)``,
# a sink class's initialiser called unbound (``subprocess.Popen.__init__(obj, cmd)``)
_CALLING_DUNDERS = frozenset({"__call__", "__init__"})
# methods that change a container's items in place, their order or their number: what it
# holds after them is not what it was built with
_MUTATING = frozenset(
    {
        "clear", "pop", "popitem", "popleft", "remove", "reverse", "sort", "rotate",
        "__setitem__", "__delitem__", "__iadd__", "__init__", "discard",
        "difference_update", "intersection_update", "symmetric_difference_update",
    }
)  # fmt: skip
# functions a container can be handed to without being changed (builtins, methods that read)
_READING_FUNCS = frozenset(
    {
        "len", "print", "str", "repr", "list", "tuple", "sorted", "set", "frozenset", "dict",
        "enumerate", "zip", "any", "all", "min", "max", "sum", "iter", "isinstance", "bool",
        "reversed", "map", "filter", "type", "id", "hash", "format", "int", "float", "next",
    }
)  # fmt: skip
_READING_METHODS = frozenset(
    {
        "join", "format", "info", "debug", "warning", "warn", "error", "exception",
        "critical", "log", "dumps", "quote", "copy", "deepcopy", "index", "count",
    }
)  # fmt: skip
# module functions that change a list handed to them
_MUTATING_FUNCS = frozenset(
    {
        "shuffle", "insort", "insort_left", "insort_right", "heappush", "heappop", "heapify",
        "heapreplace", "heappushpop",
    }
)  # fmt: skip
_CONTAINER_MAKERS = frozenset(
    {"list", "dict", "set", "deque", "OrderedDict", "defaultdict", "bytearray"}
)


def dotted(node: cst.BaseExpression | cst.ImportFrom) -> str:
    """``a.b.c`` of a Name/Attribute chain (import targets are always such chains)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


class Collector(cst.CSTVisitor):
    def __init__(
        self, catalogue: Catalogue, interesting: frozenset[str], module_name: str = ""
    ) -> None:
        self.catalogue = catalogue
        self.module_name = module_name
        self.interesting = interesting
        # constants of the project's other modules this file imports, as the project-wide
        # stage gave them (``const:`` requests: absolute dotted name -> the expression of
        # their value), and whether the file is a package's ``__init__`` (for relative
        # imports); see auditor.flow.constants
        self.given: dict[str, cst.BaseExpression] = {}
        # names of other modules of the project the stage found they never bind
        # (``unbound:`` requests): a star import of that module does not bind them again
        self.unbound: frozenset[str] = frozenset()
        self.package = False
        # whether payloads read what the module's plain functions return for constants
        # (auditor.scan.payload.Evaluator.functions), and each time they did (by id of the
        # call): a finding keeps the fingerprint of its rule without that reading
        self.inline = True
        self.inlined: set[int] = set()
        self.shapes: dict[int, tuple[bool, bool]] = {}  # id(def) -> see payload._shape
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.calls: list[CallSite] = []
        self.call_count = 0
        self._names: list[str] = []
        # for the project-wide stage
        self.every_call: list[CallSite] = []
        self.functions: list[FunctionRecord] = []
        self.classes: list[ClassRecord] = []
        self.attr_assigns: list[AttrAssign] = []
        # ``obj.<attr> = value`` on a name that is not ``self``: (name, attr, value, scope)
        self.object_attrs: list[tuple[cst.Name, str, cst.BaseExpression, Scope]] = []
        # the attribute names the file sets on something other than a method's own self
        # (``runner.cmd = x``, ``holder.runner.cmd = x``, ``setattr(r, "cmd", x)``): an
        # instance attribute of that name is not the one value its ``__init__`` gives it
        self.outside_attrs: set[str] = set()
        # ``obj.<attr> = value`` and the changes in place of ``obj.<attr>`` (``.append(v)``,
        # ``[k] = v``, ``del obj.<attr>[k]``: ``value`` None when nothing is added) on
        # anything but a method's own self: (obj, attr, value, scope), for the writes to
        # another module's globals and to class attributes (auditor.scan.summary)
        self.attr_writes: list[
            tuple[cst.BaseExpression, str, cst.BaseExpression | None, Scope]
        ] = []
        self.item_stores: list[ItemStore] = []
        # the operations Python runs as a method of their operand (``r[k]``: ``r.__getitem__
        # (k)``, ``r + x``, ``x in r``, ``r[k] = v``): (the operation, its operand, the
        # method, what it is passed, scope, when it is met on the CLOCK), for a class of the
        # project's (auditor.scan.summary)
        self.operations: list[
            tuple[cst.CSTNode, cst.BaseExpression, str, tuple[cst.BaseExpression, ...], Scope, int]
        ] = []
        self._stored_items: set[int] = set()  # id() of the subscripts assigned to
        self.stores: list[Store] = []
        self.root: cst.Module | None = None  # the module walked, when the caller gives it
        # the module is the constant text a code sink of another file runs (exec("..."))
        self.embedded = False
        self._function_stack: list[FunctionRecord] = []
        self.comprehension_scopes: dict[int, Scope] = {}  # id(comprehension node) -> scope
        self.lambdas: dict[int, cst.Lambda] = {}  # id(lambda scope) -> the lambda
        # allow-list checks: one list per open block, and the guards of ``if`` bodies
        # (name, container, when the check is met: a binding of the name after it is a new
        # value the check says nothing of)
        self._blocks: list[list[tuple[str, cst.BaseExpression, int]]] = [[]]
        self._body_guards: dict[int, tuple[str, cst.BaseExpression, int]] = {}
        self._any_guard = False
        self._class_stack: list[str | None] = []
        self._defined_at: list[int] = []  # CLOCK at each enclosing def or lambda
        # (name, scope, value added, may come first, the key it is set under, when it is
        # met on the CLOCK) of mutations, bound by finish()
        self._pending: list[
            tuple[str, Scope, cst.BaseExpression | None, bool, cst.BaseExpression | None, int]
        ] = []
        self._open_calls: list[CallSite] = []  # the calls whose arguments are being walked
        self._open_loops: list[int] = []  # CLOCK at each open for or while
        self._subjects: list[cst.BaseExpression] = []  # the subjects of the open matches
        self._async_with: list[bool] = []  # whether each open ``with`` is an ``async with``
        # id() of the items of ``async with`` statements (what ``as`` binds is what their
        # ``__aenter__`` returns, not ``__enter__``: auditor.scan.summary)
        self.async_items: set[int] = set()
        # (name, scope, call, when, whether the call may change it) of each name handed to
        # a call: a container handed to a call that may change it, then read by another
        # call, is not what it was built with (finish())
        self._handed: list[tuple[str, Scope, cst.Call, int, bool]] = []
        # id() of the displays whose names do not escape into them (a target, ``a, b =
        # ...``; what a ``for`` iterates over, whose target is followed: _items)
        self._not_escaping: set[int] = set()
        # (name, scope, call, position, when) of each name passed positionally to a call of
        # a name: a function of the file that changes that parameter changes it
        self._positions: list[tuple[str, Scope, cst.Call, int, int]] = []

    # -- scopes ---------------------------------------------------------------------------
    def _push(self, kind: str, name: str = "") -> None:
        key = ".".join(self._names) if kind in ("function", "class") else ""
        self.scope = Scope(kind, self.scope, name, key=key)  # type: ignore[arg-type]

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def _opaque(self, name: str) -> None:
        self.scope.bind(name, Binding("opaque", self.scope))

    def _bind_params(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            binding = Binding("param", self.scope, default=param.default)
            self.scope.bind(param.name.value, binding)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.scope.bind(star.name.value, Binding("param", self.scope))

    def _define(self, name: str) -> Binding:
        """A ``def`` or ``class``: at module level it is ``<module>.<name>`` (so a project
        sink declared by dotted name matches inside its own module too), else a "def"."""
        if self.scope.kind == "module" and self.module_name:
            target = f"{self.module_name}.{name}"
            binding = Binding("import", self.scope, target, defines=True)
        else:
            binding = Binding("def", self.scope, defines=True)
        self.scope.bind(name, binding)
        return binding

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        cls = self._class_stack[-1] if self._class_stack and outer.kind == "class" else None
        self._defined_at.append(next(CLOCK))
        binding = self._define(node.name.value)
        binding.decorators = tuple(d.decorator for d in node.decorators)
        self._names.append(node.name.value)
        self._push("function", node.name.value)
        record = FunctionRecord(self.scope.key, node, self.scope, outer, cls)
        # what a call of it returns, for the resolver (a factory: ``def pick(): return
        # os.system``, then ``pick()(cmd)``); the record's list, filled by visit_Return
        binding.inner = self.scope
        if node.asynchronous is None:  # an async def's call returns a coroutine
            self.scope.returns = record.returns
        self.scope.yields = record.yields
        self.functions.append(record)
        self._function_stack.append(record)
        self._class_stack.append(None)
        self._bind_params(node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._defined_at.pop()
        self._pop()
        self._names.pop()
        self._function_stack.pop()
        self._class_stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._defined_at.append(next(CLOCK))
        self._push("function", "<lambda>")
        self.lambdas[id(self.scope)] = node
        self._bind_params(node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._defined_at.pop()
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        binding = self._define(node.name.value)
        self._names.append(node.name.value)
        self._push("class", node.name.value)
        binding.members = self.scope
        self.classes.append(ClassRecord(self.scope.key, node, outer, self.scope))
        self._class_stack.append(self.scope.key)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()
        self._names.pop()
        self._class_stack.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if self._function_stack and node.value is not None:
            self._function_stack[-1].returns.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if not self._function_stack or self._function_stack[-1].scope is not self.scope:
            return  # a lambda's (``lambda: (yield x)``): no record of its own
        self._function_stack[-1].generator = True
        value = node.value
        if isinstance(value, cst.From):
            value = value.item
        if value is not None:
            self._function_stack[-1].yields.append(value)

    def _method_self(self) -> tuple[FunctionRecord, str] | None:
        """The method being walked and the name of its first parameter (``self``)."""
        if not self._function_stack:
            return None
        record = self._function_stack[-1]
        if record.cls is None or record.scope is not self.scope:
            return None
        params = (*record.node.params.posonly_params, *record.node.params.params)
        if not params:
            return None
        return record, params[0].name.value

    def _self_attr(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression | None,
        mutation: bool = False,
        annotation: cst.BaseExpression | None = None,
    ) -> None:
        """Record ``self.<attr> = value`` (or a mutation of ``self.<attr>``) in a method."""
        if not isinstance(target, cst.Attribute):
            return
        self._attr_write(target.value, target.attr.value, value, mutation, annotation)

    def _attr_write(
        self,
        obj: cst.BaseExpression,
        attr: str,
        value: cst.BaseExpression | None,
        mutation: bool = False,
        annotation: cst.BaseExpression | None = None,
    ) -> None:
        """Record that attribute ``attr`` of ``obj`` is set to ``value`` (``ANY_ATTR``: an
        attribute whose name is only known at run time, any of them)."""
        if not isinstance(obj, cst.Name):
            if not mutation:
                self.outside_attrs.add(attr)
            if isinstance(obj, cst.Attribute):
                self.attr_writes.append((obj, attr, value, self.scope))
            return
        method = self._method_self()
        if method is None or obj.value != method[1]:
            self.attr_writes.append((obj, attr, value, self.scope))
            if value is not None and not mutation:
                self.object_attrs.append((obj, attr, value, self.scope))
            if not mutation:
                self.outside_attrs.add(attr)
            return
        record = method[0]
        assert record.cls is not None
        self.attr_assigns.append(
            AttrAssign(
                record.cls,
                attr,
                value,
                self.scope,
                record.node.name.value,
                mutation,
                annotation,
            )
        )

    def _namespace_of(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """The object whose attributes ``node`` holds by name: ``x`` of ``x.__dict__`` and
        of ``vars(x)`` (``vars`` not rebound)."""
        if isinstance(node, cst.Attribute) and node.attr.value == "__dict__":
            return node.value
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "vars"
            and len(node.args) == 1
            and not node.args[0].star
            and node.args[0].keyword is None
            and self.scope.lookup("vars") is None
        ):
            return node.args[0].value
        return None

    @staticmethod
    def _attr_name(node: cst.BaseExpression | None) -> str:
        """An attribute name given as a value: the literal's text, else ``ANY_ATTR``."""
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            if isinstance(text, str) and text.isidentifier():
                return text
        return ANY_ATTR

    def _namespace_store(
        self, target: cst.BaseExpression, value: cst.BaseExpression | None
    ) -> None:
        """``self.__dict__["cmd"] = v``, ``vars(self)[k] = v``: an attribute of ``self``
        written by name."""
        if not isinstance(target, cst.Subscript):
            return
        obj = self._namespace_of(target.value)
        if obj is None or self._globals_object(target.value):
            return
        index = target.slice[0].slice if len(target.slice) == 1 else None
        key = index.value if isinstance(index, cst.Index) else None
        self._attr_write(obj, self._attr_name(key), value)

    def _attribute_call(self, node: cst.Call) -> None:
        """``setattr(x, name, v)``, ``x.__dict__.update(d)``, ``vars(x).update(k=v)``,
        ``x.__dict__.setdefault(k, v)`` / ``__setitem__``: attributes of ``x`` written by
        name (a name not written as a literal: any attribute)."""
        func = node.func
        args = node.args
        if (
            isinstance(func, cst.Name)
            and func.value == "setattr"
            and self.scope.lookup("setattr") is None
            and len(args) >= 3
            and not any(a.star or a.keyword is not None for a in args[:3])
        ):
            if not self._globals_object(args[0].value):  # (a module global: _globals_call)
                self._attr_write(args[0].value, self._attr_name(args[1].value), args[2].value)
            return
        if not isinstance(func, cst.Attribute):
            return
        obj = self._namespace_of(func.value)
        if obj is None or self._globals_object(func.value):
            return
        method = func.attr.value
        if method == "update":
            for arg in args:
                if arg.keyword is not None:
                    self._attr_write(obj, arg.keyword.value, arg.value)
                else:  # a mapping (or pairs): any name
                    self._attr_write(obj, ANY_ATTR, arg.value)
        elif method in ("setdefault", "__setitem__") and len(args) >= 2:
            self._attr_write(obj, self._attr_name(args[0].value), args[1].value)

    # -- allow-list checks (a sanitizer for the project-wide stage) ------------------------
    @staticmethod
    def _membership(test: cst.BaseExpression) -> tuple[str, cst.BaseExpression, bool] | None:
        """(name, container, negated) of ``name in C`` / ``name not in C``."""
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return None
        if not isinstance(test.left, cst.Name):
            return None
        target = test.comparisons[0]
        if isinstance(target.operator, cst.In):
            return test.left.value, target.comparator, False
        if isinstance(target.operator, cst.NotIn):
            return test.left.value, target.comparator, True
        return None

    @staticmethod
    def _leaves(block: cst.BaseSuite) -> bool:
        """The block ends by leaving: raise, return, continue or break."""
        if isinstance(block, cst.IndentedBlock):
            if not block.body:
                return False
            last = block.body[-1]
            statements = last.body if isinstance(last, cst.SimpleStatementLine) else ()
        elif isinstance(block, cst.SimpleStatementSuite):
            statements = block.body
        else:
            return False
        return bool(statements) and isinstance(
            statements[-1], (cst.Raise, cst.Return, cst.Continue, cst.Break)
        )

    def visit_If(self, node: cst.If) -> None:
        check = self._membership(node.test)
        if check is not None and not check[2]:
            self._body_guards[id(node.body)] = (check[0], check[1], next(CLOCK))

    def leave_If(self, original_node: cst.If) -> None:
        check = self._membership(original_node.test)
        if check is not None and check[2] and self._leaves(original_node.body):
            self._blocks[-1].append((check[0], check[1], next(CLOCK)))
            self._any_guard = True

    def _guards(self) -> tuple[tuple[str, cst.BaseExpression], ...]:
        """The allow-list checks that hold here: those of the open blocks whose name has
        not been bound again since (``if cmd in ALLOWED: cmd = cmd + flags``: the new
        value was never checked)."""
        out = []
        for block in self._blocks:
            for name, container, when in block:
                bindings = self.scope.lookup(name) or ()
                if not any(b.order > when for b in bindings):
                    out.append((name, container))
        return tuple(out)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        guard = self._body_guards.pop(id(node), None)
        self._blocks.append([guard] if guard is not None else [])
        if guard is not None:
            self._any_guard = True

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks.pop()

    def finish(self) -> None:
        """Attach the mutations recorded during the walk to the bindings of the names they
        mutate (Python binds nothing there: ``x.append(v)`` changes the list ``x`` names
        wherever it is bound), now that every binding is known."""
        self._handed_mutations()
        self._bind_pending()
        self._changed_by_helpers()
        self._bind_pending()

    def _bind_pending(self) -> None:
        for name, scope, value, first, key, when in self._pending:
            # what may come first makes the program unknown: an opaque binding
            kind: BindingKind = "opaque" if first else "augment"
            for bindings in self._aliased(name, scope):
                bindings.append(Binding(kind, scope, value=value, key=key, order=when))
        self._pending.clear()

    def _changed_by_helpers(self) -> None:
        """A container handed to a function of this file that changes the parameter it
        lands in (``def add(lst, x): lst.append(x)``, then ``add(ALLOWED, request.args[
        "c"])``) holds, after the call, what the call's other arguments carry."""
        params: dict[int, list[str]] = {}
        for record in self.functions:
            p = record.node.params
            params[id(record.scope)] = [q.name.value for q in (*p.posonly_params, *p.params)]
        for name, scope, call, position, when in self._positions:
            if not isinstance(call.func, cst.Name):
                continue
            for binding in scope.lookup(call.func.value) or ():
                inner = binding.inner
                names = params.get(id(inner)) if inner is not None else None
                if inner is None or not names or position >= len(names):
                    continue
                bound = inner.bindings.get(names[position], ())
                if not any(b.kind in ("augment", "opaque") for b in bound):
                    continue
                first = any(b.kind == "opaque" for b in bound)  # lst.insert(0, x): first
                others: list[cst.BaseExpression | None] = [
                    a.value for i, a in enumerate(call.args) if i != position and not a.star
                ]
                for value in others or [None]:
                    self._pending.append((name, scope, value, first, None, when))

    @staticmethod
    def _aliased(name: str, scope: Scope) -> list[list[Binding]]:
        """The bindings of ``name`` and of every name it may be another name for
        (``a2 = args``: a change through ``a2`` changes ``args``)."""
        out: list[list[Binding]] = []
        todo = [(name, scope)]
        while todo and len(out) < 8:
            current, where = todo.pop()
            bindings = where.lookup(current)
            if not bindings or any(b is bindings for b in out):
                continue
            out.append(bindings)
            for binding in list(bindings):
                if binding.kind == "value" and isinstance(binding.value, cst.Name):
                    todo.append((binding.value.value, binding.scope))
                elif (  # def f(l=CMD): l[0] = x changes CMD (the default is one object)
                    binding.kind == "param"
                    and isinstance(binding.default, cst.Name)
                    and binding.scope.parent is not None
                ):
                    todo.append((binding.default.value, binding.scope.parent))
                elif binding.kind == "iter" and binding.value is not None:
                    # for c in [CMD]: c[0] = x changes CMD (and for c in CMDS, CMDS = [A])
                    todo.extend((n, binding.scope) for n in _items(binding.value, binding.scope))
        return out

    def _handed_mutations(self) -> None:
        """A container (a list, dict or set built here) handed to a call that may change it
        (a function of the project, a method of an object) and then read by another call
        is opaque: ``mut(args); subprocess.run(args)``."""
        groups: dict[int, list[tuple[cst.Call, int]]] = {}
        changing: list[tuple[str, Scope, cst.Call, int, list[Binding]]] = []
        for name, scope, call, when, changes in self._handed:
            bindings = scope.lookup(name)
            if not bindings:
                continue
            groups.setdefault(id(bindings), []).append((call, when))
            if changes:
                changing.append((name, scope, call, when, bindings))
        for name, scope, call, when, bindings in changing:
            if not any(c is not call and w > when for c, w in groups[id(bindings)]):
                continue
            if any(_container(b, 0) for b in bindings):
                self._pending.append((name, scope, None, True, None, when))
        self._handed.clear()

    def _comp_enter(self, node: cst.BaseExpression) -> None:
        self._push("comprehension")
        self.comprehension_scopes[id(node)] = self.scope

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comp_enter(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comp_enter(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comp_enter(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comp_enter(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._no_escape(node.target)
        self._no_escape(node.iter)
        self._bind_iteration(node.target, node.iter)

    def _bind_iteration(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, Binding("iter", self.scope, value=iterable))
        else:  # for a, b in pairs: each carries what the pairs carry
            self._bind_target(target, None, iterable)

    # -- bindings -------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, Binding("import", self.scope, full))
            else:
                top = full.split(".")[0]
                self.scope.bind(top, Binding("import", self.scope, top))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        module = "." * len(node.relative) + module
        if isinstance(node.names, cst.ImportStar):
            members = list(self.catalogue.module_members.get(module, {}))
            # and the process's environment (os.environ, os.putenv: auditor.scan.environ)
            members += sorted(setting_members().get(module, frozenset()) - set(members))
            for attr in members:
                # (a function of the module that returns a sink, ``pick()``: its name;
                # auditor.flow.aliases)
                local = attr.split("(")[0]
                self.scope.bind(local, Binding("import", self.scope, f"{module}.{local}"))
            if not members:  # a module whose names are not known: any of them
                self.scope.module().star_imports.append((module, next(CLOCK)))
            return
        for alias in node.names:
            name = dotted(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            # ``from . import shims``: ".shims" (one level up, as ``from .shims import x``)
            target = module + name if module.endswith(".") else f"{module}.{name}"
            self.scope.bind(local, Binding("import", self.scope, target))

    def _bind_target(
        self,
        target: cst.BaseExpression,
        value: cst.BaseExpression | None,
        whole: cst.BaseExpression | None = None,
        position: tuple[int, int] | None = None,
    ) -> None:
        """Bind the names of ``target`` to ``value``; a name unpacked from a value that
        cannot be paired item by item is an "unpack" of ``whole`` (it carries what the
        whole carries; its value is not known), at ``position`` in a flat target."""
        if isinstance(target, cst.Name):
            if value is not None:
                self.scope.bind(target.value, Binding("value", self.scope, value=value))
            elif whole is not None:
                binding = Binding("unpack", self.scope, value=whole, position=position)
                self.scope.bind(target.value, binding)
            else:
                self._opaque(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values: list[cst.BaseExpression | None] = [None] * len(target.elements)
            if (
                isinstance(value, (cst.Tuple, cst.List))
                and len(value.elements) == len(target.elements)
                and not any(isinstance(e, cst.StarredElement) for e in value.elements)
            ):
                values = [e.value for e in value.elements]
            elif value is not None:
                whole = value
            flat = value is not None and not any(
                isinstance(e, cst.StarredElement) for e in target.elements
            )
            count = len(target.elements)
            for i, (element, element_value) in enumerate(zip(target.elements, values, strict=True)):
                if isinstance(element, cst.StarredElement):
                    self._bind_target(element.value, None, whole)
                else:
                    at = (i, count) if flat else None
                    self._bind_target(element.value, element_value, whole, at)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, whole)

    # -- a container escaping into another object ---------------------------------------
    def _no_escape(self, node: cst.BaseExpression) -> None:
        """The displays of a target (``a, [b, c] = ...``) hold no object."""
        todo: list[cst.BaseExpression] = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, (cst.Tuple, cst.List)):
                self._not_escaping.add(id(current))
                todo.extend(e.value for e in current.elements)
            elif isinstance(current, cst.StarredElement):
                todo.append(current.value)

    def _escape(self, value: cst.BaseExpression) -> None:
        """A container of this file (``CMD = ["echo"]``) put in another object (an item of
        a dict or list, ``STATE = {"cmd": CMD}``; a class or object attribute, ``class K:
        cmd = CMD``, ``obj.cmd = CMD``) may be changed through it (``STATE["cmd"][0] = x``,
        ``K.cmd.insert(0, x)``, from any function or file): it is not what it was built
        with."""
        if not isinstance(value, cst.Name):
            return
        bindings = self.scope.lookup(value.value)
        if bindings and any(_container(b, 0) for b in bindings):
            self._pending.append((value.value, self.scope, None, True, None, next(CLOCK)))

    def _elements_escape(self, node: cst.List | cst.Tuple | cst.Set) -> None:
        if id(node) in self._not_escaping:
            return
        for element in node.elements:
            if not isinstance(element, cst.StarredElement):
                self._escape(element.value)

    def visit_List(self, node: cst.List) -> None:
        self._elements_escape(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._elements_escape(node)

    def visit_Set(self, node: cst.Set) -> None:
        self._elements_escape(node)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._escape(element.value)

    def _attribute_escape(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``obj.cmd = CMD``, and ``cmd = CMD`` in a class body: see :meth:`_escape`."""
        if isinstance(target, cst.Attribute) or (
            isinstance(target, cst.Name) and self.scope.kind == "class"
        ):
            self._escape(value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self._stored_items or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if type(index) is cst.Index:
            self.operations.append(
                (node, node.value, "__getitem__", (index.value,), self.scope, next(CLOCK))
            )

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        method = _OPERATOR_METHODS.get(type(node.operator).__name__)
        if method is not None:
            self.operations.append(
                (node, node.left, method, (node.right,), self.scope, next(CLOCK))
            )
            reflected = "__r" + method[2:]
            self.operations.append(
                (node, node.right, reflected, (node.left,), self.scope, next(CLOCK))
            )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if type(target.operator) in (cst.In, cst.NotIn):
                args = (left,)
                self.operations.append(
                    (node, target.comparator, "__contains__", args, self.scope, next(CLOCK))
                )
            left = target.comparator

    def _item_stored(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``r[k] = v``: ``r.__setitem__(k, v)``."""
        if type(target) is cst.Subscript and len(target.slice) == 1:
            self._stored_items.add(id(target))
            index = target.slice[0].slice
            if type(index) is cst.Index:
                args = (index.value, value)
                self.operations.append(
                    (target, target.value, "__setitem__", args, self.scope, next(CLOCK))
                )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._item_stored(target.target, node.value)
        if all(isinstance(t.target, (cst.Tuple, cst.List)) for t in node.targets):
            # a, b = CMD, 1: unpacked item by item (_bind_target), no tuple holds CMD
            self._not_escaping.add(id(node.value))
        for target in node.targets:
            self._no_escape(target.target)
            self._attribute_escape(target.target, node.value)
            self._globals_subscript(target.target, node.value)
            self._defaults_store(target.target)
            self._bind_target(target.target, node.value)
            self._self_attr(target.target, node.value)
            self._namespace_store(target.target, node.value)
            self._mutation(target.target, node.value)
            self._item_store(node, target.target, node.value)
            self._store(node, target.target, node.value)

    def _store(
        self, statement: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression
    ) -> None:
        """Record an assignment whose target's calls the file may not see (:class:`Store`)."""
        if not (
            isinstance(target, (cst.Attribute, cst.Subscript))
            or self.scope.kind == "class"
            or isinstance(value, (cst.Dict, cst.List, cst.Tuple, cst.Set))
        ):
            return
        function = ".".join(self._names) if self._names else "<module>"
        self.stores.append(Store(target, value, self.scope, function, statement, self.call_count))

    def _item_store(
        self,
        statement: cst.CSTNode,
        target: cst.BaseExpression,
        value: cst.BaseExpression,
        augmented: bool = False,
        merge: bool = False,
    ) -> None:
        """Record ``x[k] = v`` (``x.a[k] = v``), and ``x |= v`` (``merge``)."""
        function = ".".join(self._names) if self._names else "<module>"
        if merge:
            if isinstance(target, (cst.Name, cst.Attribute)):
                self.item_stores.append(
                    ItemStore(target, None, value, self.scope, function, statement,
                              self.call_count, merge=True)
                )  # fmt: skip
            return
        if not isinstance(target, cst.Subscript) or not isinstance(
            target.value, (cst.Name, cst.Attribute)
        ):
            return
        index = target.slice[0].slice if len(target.slice) == 1 else None
        key = index.value if isinstance(index, cst.Index) else None
        self.item_stores.append(
            ItemStore(target.value, key, value, self.scope, function, statement,
                      self.call_count, augmented)
        )  # fmt: skip

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._attribute_escape(node.target, node.value)
            self._bind_target(node.target, node.value)
            self._self_attr(node.target, node.value, annotation=node.annotation.annotation)
            self._store(node, node.target, node.value)

    def visit_Del(self, node: cst.Del) -> None:
        """``del x[k]``, ``del x[0:3]``: the items left are not those ``x`` was built with
        (the words of a split command shift: what was an argument becomes the program)."""
        targets: list[cst.BaseExpression] = [node.target]
        self._no_escape(node.target)
        while targets:
            target = targets.pop()
            if isinstance(target, (cst.Tuple, cst.List)):
                targets.extend(e.value for e in target.elements)
            elif isinstance(target, cst.Name):
                # del CMD: a read of CMD then finds the builtin of that name, which any
                # file may set (builtins.CMD = x): no value known
                self._opaque(target.value)
            elif isinstance(target, cst.Subscript) and isinstance(
                _receiver(target.value), cst.Name
            ):
                name = _receiver(target.value)
                assert isinstance(name, cst.Name)
                self._pending.append((name.value, self.scope, None, True, None, next(CLOCK)))
            elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Attribute):
                self._changed_attr(target.value, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        merge = isinstance(node.operator, cst.BitOrAssign)
        self._item_store(node, node.target, node.value, augmented=not merge, merge=merge)
        if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.AddAssign):
            self.scope.bind(node.target.value, Binding("augment", self.scope, value=node.value))
        else:
            self._bind_target(node.target, None)
            self._globals_subscript(node.target, node.value)
        self._self_attr(node.target, node.value, mutation=True)

    def _mutation(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``x[k] = value`` puts ``value`` in what ``x`` holds, anywhere (even first)."""
        if isinstance(target, cst.Subscript) and isinstance(_receiver(target.value), cst.Name):
            index = target.slice[0].slice if len(target.slice) == 1 else None
            key = index.value if isinstance(index, cst.Index) else None
            name = _receiver(target.value)
            assert isinstance(name, cst.Name)
            self._pending.append((name.value, self.scope, value, True, key, next(CLOCK)))
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Attribute):
            self._changed_attr(target.value, value)  # backup.RSYNC[0] = v

    def _changed_attr(self, target: cst.Attribute, value: cst.BaseExpression | None) -> None:
        """``obj.<attr>`` changed in place (``obj.<attr>[k] = v``, ``del obj.<attr>[k]``,
        ``obj.<attr>.pop()``) on anything but a method's own self: see ``attr_writes``."""
        method = self._method_self()
        obj = target.value
        if method is not None and isinstance(obj, cst.Name) and obj.value == method[1]:
            return
        if isinstance(obj, (cst.Name, cst.Attribute)):
            self.attr_writes.append((obj, target.attr.value, value, self.scope))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name) and self.scope.kind == "comprehension":
            # PEP 572: in a comprehension, the target is bound in the enclosing scope that
            # is no comprehension (its value is read in the comprehension)
            owner = self.scope
            while owner.kind == "comprehension" and owner.parent is not None:
                owner = owner.parent
            owner.bind(node.target.value, Binding("value", self.scope, value=node.value))
            return
        self._bind_target(node.target, node.value)

    # -- the module's globals written by name --------------------------------------------
    def _globals_object(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """``globals()``, ``vars()`` at module level, ``sys.modules[...]``, a function's
        ``__globals__``: the module's namespace or the module itself, whose items or
        attributes are its globals; or a name bound to one (``g = globals()``, ``h =
        f.__globals__``)."""
        if isinstance(node, cst.Name) and depth < 4:
            for binding in self.scope.lookup(node.value) or ():
                value = binding.value
                if (
                    binding.kind == "value"
                    and value is not None
                    and value is not node
                    and self._globals_object(value, depth + 1)
                ):
                    return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and not node.args:
            name = node.func.value
            bindings = self.scope.lookup(name)
            if bindings is None:
                return name == "globals" or (
                    name in ("vars", "locals") and self.scope.kind == "module"
                )
            # g = globals; g()["CMD"] = v
            return any(
                b.kind == "value"
                and b.value is not None
                and dotted_text(b.value) in ("globals", "builtins.globals")
                for b in bindings
            )
        if isinstance(node, cst.Call) and not node.args:  # builtins.globals()
            return dotted_text(node.func) == "builtins.globals"
        if (  # vars(sys.modules[__name__]), vars(globals_object)
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "vars"
            and len(node.args) == 1
        ):
            return self._globals_object(node.args[0].value)
        if isinstance(node, cst.Subscript):
            return dotted_text(node.value) == "sys.modules"
        if isinstance(node, cst.Attribute) and node.attr.value == "__dict__":
            return self._globals_object(node.value)
        if self._own_module(node):
            return True
        # f.__globals__: the namespace of f's module (this one, when f is); a frame's
        # f_globals (sys._getframe().f_globals, inspect.currentframe().f_globals)
        return isinstance(node, cst.Attribute) and node.attr.value in ("__globals__", "f_globals")

    def _own_module(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """Whether ``node`` is this module itself, imported by its own name: ``import app as
        me`` (or ``from pkg import app``) in app.py, ``__import__(__name__)``,
        ``importlib.import_module(__name__)``, ``sys.modules.get(__name__)``, or a name bound
        to one of them. Its attributes are the module's globals."""
        if depth > 4:
            return False
        if isinstance(node, cst.Call) and node.args and not node.args[0].keyword:
            func = dotted_text(node.func)
            if func == "sys.modules.get" or func.rsplit(".", 1)[-1] in (
                "__import__",
                "import_module",
            ):
                arg = node.args[0].value
                if isinstance(arg, cst.Name) and arg.value == "__name__":
                    return True
                named = string_value(arg) if isinstance(arg, cst.SimpleString) else None
                return bool(self.module_name) and named == self.module_name
            return False
        if isinstance(node, cst.Name):
            bindings = self.scope.lookup(node.value)
            for binding in bindings or ():
                if binding.kind == "import" and not binding.defines and self.module_name:
                    target = binding.target
                    if target == self.module_name or self.module_name.endswith("." + target):
                        return True
                elif binding.kind == "value" and binding.value is not None:
                    if self._own_module(binding.value, depth + 1):
                        return True
                    if isinstance(binding.value, cst.Subscript) and (
                        dotted_text(binding.value.value) == "sys.modules"
                    ):
                        return True  # me = sys.modules[__name__]
            return False
        if isinstance(node, cst.Attribute) and self.module_name:
            # import pkg.app, then pkg.app.CMD = v
            text = dotted_text(node)
            head = text.split(".", 1)[0]
            bindings = self.scope.lookup(head)
            if text == self.module_name and bindings:
                return any(b.kind == "import" and b.target == head for b in bindings)
        return False

    def _write_global(
        self, key: cst.BaseExpression | None, value: cst.BaseExpression | None
    ) -> None:
        """A module global written by name: bound to ``value`` when the name is a literal,
        else every module-level name may be the one written."""
        module = self.scope.module()
        name = string_value(key) if isinstance(key, cst.SimpleString) else None
        if isinstance(name, str):
            if value is not None:
                Scope.bindings_of(module, name).append(Binding("value", self.scope, value=value))
            else:
                Scope.bindings_of(module, name).append(Binding("opaque", self.scope))
        else:
            module.written_by_key = True

    def _globals_subscript(
        self, target: cst.BaseExpression, value: cst.BaseExpression | None
    ) -> None:
        """``globals()["X"] = v``, ``sys.modules[__name__].X = v``."""
        if isinstance(target, cst.Subscript) and self._globals_object(target.value):
            index = target.slice[0].slice if len(target.slice) == 1 else None
            key = index.value if isinstance(index, cst.Index) else None
            self._write_global(key, value)
        elif isinstance(target, cst.Attribute) and self._globals_object(target.value):
            self._write_global(cst.SimpleString(repr(target.attr.value)), value)

    def _defaults_store(self, target: cst.BaseExpression) -> None:
        """``f.__defaults__ = (x,)``, ``f.__kwdefaults__["c"] = x``: the parameters of
        ``f`` that have a default no longer take the one written in its ``def``."""
        if isinstance(target, cst.Subscript):
            target = target.value
        if not (
            isinstance(target, cst.Attribute)
            and target.attr.value in ("__defaults__", "__kwdefaults__")
            and isinstance(target.value, cst.Name)
        ):
            return
        for binding in self.scope.lookup(target.value.value) or ():
            inner = binding.inner
            if inner is None:
                continue
            for bindings in list(inner.bindings.values()):
                if any(b.kind == "param" and b.default is not None for b in bindings):
                    bindings.append(Binding("opaque", inner))

    def _exec_writes(self, node: cst.Call) -> None:
        """``exec("PAGER = os.environ.get('PAGER', PAGER)")`` (or ``"global CMD; CMD =
        ..."`` in a function): a constant code text run in the module's namespace binds
        the names it assigns there, each to what the text assigns it (read as code of the
        file), or to nothing known (a ``for``, an import, a ``def`` of it)."""
        func = node.func
        if not (
            isinstance(func, cst.Name)
            and func.value == "exec"
            and self.scope.lookup("exec") is None
            and node.args
            and not node.args[0].keyword
        ):
            return
        if len(node.args) > 1 and not self._globals_object(node.args[1].value):
            return  # exec(code, {}): its own namespace
        given = node.args[0].value
        text: str | bytes | None = None
        if isinstance(given, cst.SimpleString):
            text = string_value(given)
        elif isinstance(given, cst.ConcatenatedString):
            text = given.evaluated_value
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        if not isinstance(text, str):
            return
        try:
            code = cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
            return
        for name, value in _assigned_names(code):
            key = cst.SimpleString(repr(name))
            self._write_global(key, value)

    def _globals_call(self, node: cst.Call) -> None:
        """``globals().update(...)``, ``setattr(sys.modules[__name__], k, v)``..."""
        self._exec_writes(node)
        func = node.func
        if isinstance(func, cst.Attribute) and self._globals_object(func.value):
            method = func.attr.value
            if method in ("update", "setdefault", "__setitem__", "__init__"):
                if method == "update" and node.args and all(a.keyword for a in node.args):
                    for arg in node.args:
                        assert arg.keyword is not None
                        self._write_global(cst.SimpleString(repr(arg.keyword.value)), arg.value)
                    return
                key = node.args[0].value if node.args and method != "update" else None
                value = node.args[1].value if len(node.args) > 1 else None
                self._write_global(key, value)
            return
        if (
            isinstance(func, cst.Name)
            and func.value == "setattr"
            and self.scope.lookup("setattr") is None
            and len(node.args) >= 2
            and self._globals_object(node.args[0].value)
        ):
            value = node.args[2].value if len(node.args) > 2 else None
            self._write_global(node.args[1].value, value)
            return
        if (  # dict.__setitem__(globals(), "CMD", v), dict.update(globals(), d)
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "dict"
            and self.scope.lookup("dict") is None
            and func.attr.value in ("update", "setdefault", "__setitem__")
            and node.args
            and self._globals_object(node.args[0].value)
        ):
            rest = node.args[1:]
            key = rest[0].value if rest and func.attr.value != "update" else None
            value = rest[1].value if len(rest) > 1 else None
            self._write_global(key, value)

    def leave_Call(self, original_node: cst.Call) -> None:
        site = self._open_calls.pop()
        site.done = next(CLOCK)

    def visit_For(self, node: cst.For) -> None:
        self._open_loops.append(next(CLOCK))  # before the target: bound on each pass
        self._no_escape(node.target)
        self._no_escape(node.iter)
        self._bind_iteration(node.target, node.iter)

    def leave_For(self, original_node: cst.For) -> None:
        self._close_loop()

    def visit_While(self, node: cst.While) -> None:
        self._open_loops.append(next(CLOCK))

    def leave_While(self, original_node: cst.While) -> None:
        self._close_loop()

    def _close_loop(self) -> None:
        """A loop's span on the CLOCK, kept by its scope: a binding met after a use of
        the name in the same loop may reach that use on the next pass."""
        self.scope.loops.append((self._open_loops.pop(), next(CLOCK)))

    def visit_With(self, node: cst.With) -> None:
        self._async_with.append(node.asynchronous is not None)

    def leave_With(self, original_node: cst.With) -> None:
        self._async_with.pop()

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self._async_with and self._async_with[-1]:
            self.async_items.add(id(node.item))
        if node.asname is not None:
            self._no_escape(node.asname.name)
            if isinstance(node.asname.name, cst.Name):
                self.scope.bind(
                    node.asname.name.value, Binding("with", self.scope, value=node.item)
                )
            else:  # ``with launch(cmd) as (argv, fds)``: each carries what the item gives
                self._bind_target(node.asname.name, None, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._opaque(node.name.name.value)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._opaque(node.name.name.value)

    # a ``match`` statement's captures (``case {"cmd": str(c)}``, ``case [_, *rest]``,
    # ``case {**extra}``) hold a part of its subject: they carry what the subject carries
    def visit_Match(self, node: cst.Match) -> None:
        self._subjects.append(node.subject)

    def leave_Match(self, original_node: cst.Match) -> None:
        self._subjects.pop()

    def _capture(self, name: str) -> None:
        if self._subjects:
            self.scope.bind(name, Binding("unpack", self.scope, value=self._subjects[-1]))
        else:
            self._opaque(name)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._capture(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._capture(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._capture(node.rest.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocals.update(item.name.value for item in node.names)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        # Keep every call whose callee could resolve to a sink: a bare name (it may be an
        # alias such as ``r = subprocess.run``), an attribute whose name ends a sink's dotted
        # name (resolution keeps the attribute name last), a call result
        # (``getattr(os, "system")(...)``), a lookup by key (``vars(os)["system"](...)``,
        # ``handlers["run"](...)``) or a choice (``(a if c else b)(...)``), a ``__call__``
        # (``os.system.__call__(...)``), a name bound in the callee (``(f := os.system)(...)``)
        # and anything passing ``shell=``.
        index = self.call_count
        self.call_count += 1
        func = node.func
        function = ".".join(self._names) if self._names else "<module>"
        guards = self._guards() if self._any_guard else ()
        runs_from = self._defined_at[0] if self._defined_at else next(CLOCK)
        site = CallSite(node, self.scope, function, index, guards, runs_from)
        self.every_call.append(site)
        self._open_calls.append(site)
        if isinstance(func, cst.Name) and func.value == "setattr" and len(node.args) > 1:
            name = node.args[1].value  # setattr(obj, "name", v): a constant name
            if isinstance(name, cst.SimpleString):
                text = string_value(name)
                self.outside_attrs.add(text.decode("latin-1") if isinstance(text, bytes) else text)
        self._globals_call(node)
        self._attribute_call(node)
        keep = isinstance(
            func,
            (cst.Name, cst.Call, cst.Subscript, cst.IfExp, cst.BooleanOperation, cst.NamedExpr),
        ) or (
            isinstance(func, cst.Attribute)
            and (func.attr.value in self.interesting or func.attr.value in _CALLING_DUNDERS)
        )
        if keep or any(
            arg.keyword is not None and arg.keyword.value == "shell" for arg in node.args
        ):
            self.calls.append(site)
        if isinstance(func, cst.Attribute) and func.attr.value in _GROWING | _PREPENDING:
            receiver = _receiver(func.value)
            first = func.attr.value in _PREPENDING
            method = func.attr.value
            for position, arg in enumerate(node.args):
                if arg.star:
                    continue
                key: cst.BaseExpression | None = None
                if arg.keyword is not None:
                    if method != "update":
                        continue
                    if not isinstance(receiver, cst.Name):
                        if isinstance(receiver, cst.Attribute):  # cfg.DEFAULTS.update(cmd=v)
                            self._changed_attr(receiver, arg.value)
                        continue
                    key = cst.SimpleString(repr(arg.keyword.value))  # d.update(NAME=v)
                elif method == "setdefault" and position == 1:
                    key = node.args[0].value  # d.setdefault(k, v)
                if isinstance(receiver, cst.Name):
                    self._pending.append(
                        (receiver.value, self.scope, arg.value, first, key, next(CLOCK))
                    )
                else:  # self.items.append(v)
                    self._self_attr(receiver, arg.value, mutation=True)
        mutated = isinstance(func, cst.Attribute) and func.attr.value in _MUTATING
        if mutated and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute):
            setitem = func.attr.value == "__setitem__" and len(node.args) > 1
            self._changed_attr(func.value, node.args[1].value if setitem else None)
        changed = _receiver(func.value) if isinstance(func, cst.Attribute) else func
        if mutated and isinstance(func, cst.Attribute) and isinstance(changed, cst.Name):
            setitem = func.attr.value == "__setitem__" and len(node.args) > 1
            value = node.args[1].value if setitem else None
            key = node.args[0].value if setitem else None
            self._pending.append((changed.value, self.scope, value, True, key, next(CLOCK)))
        self._handed_first(node)
        changes = self._may_change(func)
        for position, arg in enumerate(node.args):
            if not arg.star and isinstance(arg.value, cst.Name):
                self._handed.append((arg.value.value, self.scope, node, next(CLOCK), changes))
                if arg.keyword is None and isinstance(func, cst.Name):
                    self._positions.append(
                        (arg.value.value, self.scope, node, position, next(CLOCK))
                    )

    def _handed_first(self, node: cst.Call) -> None:
        """A container changed by the call it is handed to first (rules/mutators.toml):
        ``list.append(A, x)``, ``heapq.heappush(A, x)``, ``operator.iadd(A, [x])``, or
        through a method looked up by name, ``getattr(A, "append")(x)``: it holds what the
        call's other arguments carry, anywhere (even first)."""
        functions, types, methods = mutator_names()
        func = node.func
        args = [a for a in node.args if not a.star]
        changed: cst.BaseExpression | None = None
        added: list[cst.BaseExpression] = []
        first = True  # what is added may come first (insert, heappush, insort)
        if (
            isinstance(func, cst.Call)
            and isinstance(func.func, cst.Name)
            and func.func.value == "getattr"
            and self.scope.lookup("getattr") is None
            and len(func.args) >= 2
            and isinstance(func.args[1].value, cst.SimpleString)
            and string_value(func.args[1].value) in methods
        ):
            changed, added = func.args[0].value, [a.value for a in args]
            first = string_value(func.args[1].value) not in _GROWING
        elif args:
            last = func.attr.value if isinstance(func, cst.Attribute) else dotted_text(func)
            typed = isinstance(func, cst.Attribute) and dotted_text(func.value) in types
            if last in functions or (typed and last in methods):
                changed, added = args[0].value, [a.value for a in args[1:]]
                first = not typed or last not in _GROWING
        changed = _receiver(changed) if changed is not None else None
        if not isinstance(changed, cst.Name):
            return
        values: list[cst.BaseExpression | None] = list(added) or [None]
        for value in values:
            self._pending.append((changed.value, self.scope, value, first, None, next(CLOCK)))

    def _may_change(self, func: cst.BaseExpression) -> bool:
        """Whether a call of ``func`` may change a container handed to it: not a builtin
        that reads, nor a method that reads (``", ".join``, ``log.info``), nor a function
        of an imported module (``subprocess.run``, ``shlex.join``) but those that sort or
        push into a list (``random.shuffle``, ``heapq.heappush``)."""
        if isinstance(func, cst.Name):
            bindings = self.scope.lookup(func.value)
            if bindings is None:
                return func.value not in _READING_FUNCS
            if all(b.kind == "import" for b in bindings):
                return (
                    func.value in _MUTATING_FUNCS
                    or bindings[0].target.rsplit(".", 1)[-1] in _MUTATING_FUNCS
                )
            return True
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr in _MUTATING_FUNCS:
                return True
            if attr in _READING_METHODS:
                return False
            root: cst.BaseExpression = func.value
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
                return False
            if isinstance(root, cst.Name):
                bindings = self.scope.lookup(root.value)
                if bindings and all(b.kind == "import" for b in bindings):
                    return False
            return True
        return True


def dotted_text(node: cst.BaseExpression) -> str:
    """``a.b.c`` of a Name/Attribute chain; "" for any other expression, or a chain whose
    root is one (``f().a``)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted_text(node.value)
        return f"{inner}.{node.attr.value}" if inner else ""
    return ""


def _items(iterable: cst.BaseExpression, scope: Scope) -> list[str]:
    """The names a ``for`` over ``iterable`` may bind its target to, one object each: the
    names written in a list, tuple or set display (``[CMD, OTHER]``), or in the display a
    name is bound to (``CMDS = [CMD]``, then ``for c in CMDS``)."""
    displays: list[cst.BaseExpression] = [iterable]
    if isinstance(iterable, cst.Name):
        displays = [b.value for b in scope.lookup(iterable.value) or () if b.value is not None]
    out: list[str] = []
    for display in displays:
        if isinstance(display, (cst.List, cst.Tuple, cst.Set)):
            out.extend(
                e.value.value
                for e in display.elements
                if not isinstance(e, cst.StarredElement) and isinstance(e.value, cst.Name)
            )
    return out


class _Stores(cst.CSTVisitor):
    """The names a piece of code binds (anywhere in it: a ``global`` one in a function
    too), each with the value an ``=`` gives it when it is a name alone (else None)."""

    def __init__(self) -> None:
        self.found: list[tuple[str, cst.BaseExpression | None]] = []

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self.found.append((target.value, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, None)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.found.append((node.name.value, None))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.found.append((node.name.value, None))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self.found.append((node.asname.name.value, None))
        else:
            self.found.append((dotted(node.name).split(".")[0], None))


def _assigned_names(code: cst.Module) -> list[tuple[str, cst.BaseExpression | None]]:
    """:class:`_Stores` of ``code``."""
    stores = _Stores()
    code.visit(stores)
    return stores.found


def _receiver(node: cst.BaseExpression) -> cst.BaseExpression:
    """What a change in place reaches: the name a walrus binds (``(c := CMD)[0] = x``
    changes what ``c`` is, ``CMD``), else the expression itself."""
    while isinstance(node, cst.NamedExpr):
        node = node.target
    return node


def _container(binding: Binding, depth: int) -> bool:
    """Whether ``binding`` holds a container built here (a list, dict or set display or
    comprehension, ``list(...)``, ``dict(...)``...)."""
    value = binding.value
    if binding.kind not in ("value", "augment") or value is None:
        return False
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    if isinstance(value, cst.Call):
        func = value.func
        name = func.attr.value if isinstance(func, cst.Attribute) else dotted_text(func)
        return name in _CONTAINER_MAKERS
    if isinstance(value, cst.BinaryOperation):
        return isinstance(value.left, (cst.List, cst.Tuple))
    if isinstance(value, cst.Name) and depth < 4:
        bindings = binding.scope.lookup(value.value)
        return bool(bindings) and any(_container(b, depth + 1) for b in bindings or ())
    return False
