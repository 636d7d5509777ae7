"""Sinks a class of the file holds: an attribute assigned a sink (``self.sh = os.system`` in
any method, ``run_line = os.system`` in the class body, in the class or a base class of the
same file) and called on the instance (``self.sh(cmd)``) or the class (``Shell.run_line(cmd)``);
and the classes of the file that derive from a catalogue class (``class LoggedPopen(
subprocess.Popen)``), which are that sink when called, and whose instances have its methods.

Each is reported at its call, classified by the sink's own payload rules, as a module-level
alias (``RUN = os.system; RUN(cmd)``) is."""

from __future__ import annotations

import libcst as cst

from auditor.judge.catalogue import Catalogue, Sink, task_parameters
from auditor.scan.collect import ClassRecord, Collector
from auditor.scan.resolve import Resolver, property_decorators
from auditor.scan.scopes import Binding, Scope
from auditor.scan.strings import string_value

# wrappers that leave the function they wrap callable as it is, through the class or the
# instance: ``run = staticmethod(subprocess.check_output)``
_TRANSPARENT = frozenset({"staticmethod", "classmethod"})
_MAX_BASES = 8


class HeldSinks:
    def __init__(self, collector: Collector, resolver: Resolver, catalogue: Catalogue) -> None:
        self.collector = collector
        self.resolver = resolver
        self.catalogue = catalogue
        self._by_key = {record.key: record for record in collector.classes}
        self._methods: dict[int, tuple[str, str]] = {}
        for fn in collector.functions:
            params = (*fn.node.params.posonly_params, *fn.node.params.params)
            plain = not any(
                isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                for d in fn.node.decorators
            )
            if fn.cls is not None and params and plain:
                self._methods[id(fn.scope)] = (fn.cls, params[0].name.value)
        # (class key, attr) -> the values assigned to ``self.<attr>`` in its methods
        self._assigned: dict[tuple[str, str], list[tuple[cst.BaseExpression, Scope]]] = {}
        # (class key, attr) -> the classes ``self.<attr>: T = ...`` declares it holds
        self._annotated: dict[tuple[str, str], list[tuple[cst.Call, Scope]]] = {}
        for assign in collector.attr_assigns:
            if assign.value is not None and not assign.mutation:
                key = (assign.cls, assign.attr)
                self._assigned.setdefault(key, []).append((assign.value, assign.scope))
                made = _annotated_class(assign.annotation)
                if made is not None:
                    self._annotated.setdefault(key, []).append((made, assign.scope))
        self._bases: dict[str, tuple[list[str], list[str]]] = {}
        self._memo: dict[tuple[str, str], Sink | None] = {}
        # id of a task function's scope -> (its first parameter, the class of what the task
        # runner passes for it): ``@invoke.task def deploy(c): c.run(...)``
        self._tasks: dict[int, tuple[str, str]] = {}
        tasks = task_parameters()
        for fn in collector.functions:
            params = (*fn.node.params.posonly_params, *fn.node.params.params)
            if fn.cls is not None or not params or not fn.node.decorators:
                continue
            for decorator in fn.node.decorators:
                called = decorator.decorator
                if isinstance(called, cst.Call):  # @task(help=...)
                    called = called.func
                name = resolver.qualname(called, fn.outer)
                if name is not None and name in tasks:
                    self._tasks[id(fn.scope)] = (params[0].name.value, tasks[name])
                    break

    def task_context(self, name: str, scope: Scope) -> str | None:
        """The class of parameter ``name`` of ``scope`` when it is the object a task runner
        passes to a task function (rules/sinks.toml's ``[[task_parameter]]``)."""
        found = self._tasks.get(id(scope))
        return found[1] if found is not None and found[0] == name else None

    # -- classes ----------------------------------------------------------------------------
    def _record(self, node: cst.BaseExpression, scope: Scope) -> ClassRecord | None:
        """The class of this file that a name refers to (``LoggedPopen``, ``Shell``)."""
        if not isinstance(node, cst.Name):
            return None
        bindings = scope.lookup(node.value)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind not in ("def", "import"):
            return None
        if binding.kind == "import" and not (
            self.collector.module_name
            and binding.target == f"{self.collector.module_name}.{node.value}"
        ):
            return None
        for record in self.collector.classes:
            if record.node.name.value == node.value and record.outer is binding.scope:
                return record
        return None

    def bases(self, key: str) -> tuple[list[str], list[str]]:
        """(the keys of the classes of this file ``key`` derives from, nearest first; the
        dotted names of the other classes it derives from, directly or through those)."""
        found = self._bases.get(key)
        if found is not None:
            return found
        self._bases[key] = ([], [])  # a cycle (a name rebound to a subclass) stops here
        local: list[str] = []
        external: list[str] = []
        pending = [key]
        while pending and len(local) <= _MAX_BASES:
            record = self._by_key.get(pending.pop(0))
            if record is None:
                continue
            for base in record.node.bases:
                if base.keyword is not None:
                    continue  # metaclass=...
                value = base.value
                if isinstance(value, cst.Subscript):  # a generic class: Base[T]
                    value = value.value
                parent = self._record(value, record.outer)
                if parent is not None:
                    if parent.key not in local and parent.key != key:
                        local.append(parent.key)
                        pending.append(parent.key)
                    continue
                name = self.resolver.qualname(value, record.outer)
                if name is not None and name not in external:
                    external.append(name)
        self._bases[key] = (local, external)
        return local, external

    def _defines(self, key: str, attr: str) -> bool:
        """Whether the class ``key`` or a class of this file it derives from defines a method
        ``attr`` (an override of the catalogue class's)."""
        for cls in (key, *self.bases(key)[0]):
            record = self._by_key.get(cls)
            scope = record.scope if record is not None else None
            if scope is not None and any(
                b.kind in ("def", "import") for b in scope.bindings.get(attr, ())
            ):
                return True
        return False

    def constructed(self, func: cst.BaseExpression, scope: Scope) -> Sink | None:
        """The catalogue class a class of this file derives from, when calling it (creating
        an instance) is a sink: ``LoggedPopen(cmd, shell=True)`` is ``subprocess.Popen``'s."""
        record = self._record(func, scope)
        if record is None:
            return None
        for name in self.bases(record.key)[1]:
            sink = self.catalogue.lookup(name)
            if sink is not None:
                return sink
        return None

    def method(self, func: cst.Attribute, receiver: cst.Call, scope: Scope) -> Sink | None:
        """A catalogue class's method called on an instance of a class of this file that
        derives from it (``MyConsole().push(line)``), unless that class overrides it."""
        record = self._record(receiver.func, scope)
        if record is None:
            return None
        return self._inherited(record.key, func.attr.value)

    def _inherited(self, key: str, attr: str) -> Sink | None:
        if self._defines(key, attr):
            return None
        for name in self.bases(key)[1]:
            sink = self.catalogue.lookup(f"{name}.{attr}")
            if sink is not None:
                return sink
        return None

    # -- attributes -------------------------------------------------------------------------
    def _owner(self, receiver: cst.BaseExpression, scope: Scope) -> str | None:
        """The class whose attribute ``receiver.<attr>`` is: ``self`` (the first parameter
        of the method the call is in, also from a lambda or comprehension inside it), a
        class of this file named directly (``Shell.run_line``), or an instance of one made
        there (``Shell().run_line``) or bound once to a name (``s = Shell()``)."""
        if isinstance(receiver, cst.Call):  # R().run(cmd): an instance made here
            made = self._record(receiver.func, scope)
            return made.key if made is not None else None
        if not isinstance(receiver, cst.Name):
            return None
        record = self._record(receiver, scope)
        if record is not None:
            return record.key
        bindings = scope.lookup(receiver.value)
        if (
            bindings
            and len(bindings) == 1
            and bindings[0].kind == "value"
            and isinstance(bindings[0].value, cst.Call)
        ):
            # r = R(); r.run(cmd): the one binding of the name makes an instance
            made = self._record(bindings[0].value.func, bindings[0].scope)
            return made.key if made is not None else None
        if not bindings or len(bindings) != 1 or bindings[0].kind != "param":
            return None
        method = self._methods.get(id(bindings[0].scope))
        if method is None or method[1] != receiver.value:
            return None
        return method[0]

    def attribute(self, func: cst.Attribute, scope: Scope) -> Sink | None:
        """The sink ``func`` (``self.sh``, ``Shell.run_line``) holds, or None."""
        owner = self._owner(func.value, scope)
        if owner is None:
            return None
        attr = func.attr.value
        memo = (owner, attr)
        if memo in self._memo:
            return self._memo[memo]
        self._memo[memo] = None
        sink = self._held(owner, attr)
        if sink is None and isinstance(func.value, cst.Name):
            # self.push(line) in a subclass of code.InteractiveConsole: the inherited method
            record = self._record(func.value, scope)
            if record is None:
                sink = self._inherited(owner, attr)
        self._memo[memo] = sink
        return sink

    def item(self, func: cst.Subscript, scope: Scope) -> Sink | None:
        """The sink an item of a container an attribute holds is (``self.ops["r"](cmd)``
        after ``self.ops = {"r": os.system}``), looked up as in the container written out."""
        holder = func.value
        if not isinstance(holder, cst.Attribute):
            return None
        owner = self._owner(holder.value, scope)
        if owner is None:
            return None
        for key in (owner, *self.bases(owner)[0]):
            for value, where in self._assigned.get((key, holder.attr.value), ()):
                if not isinstance(value, (cst.Dict, cst.List, cst.Tuple)):
                    continue
                name = self.resolver.qualname(func.with_changes(value=value), where)
                sink = self.catalogue.lookup(name) if name is not None else None
                if sink is not None:
                    return sink
        return None

    def returned(self, func: cst.Attribute, scope: Scope) -> Sink | None:
        """The sink a method of the class ``func`` is looked up on (``self.get_runner``,
        ``Shell.pick``) returns, in the class or a class of this file it derives from
        (``def get_runner(self): return os.system``, then ``self.get_runner()(cmd)``)."""
        owner = self._owner(func.value, scope)
        if owner is None:
            return None
        for key in (owner, *self.bases(owner)[0]):
            record = self._by_key.get(key)
            if record is None or record.scope is None:
                continue
            returned = [
                (value, binding.inner)
                for binding in record.scope.bindings.get(func.attr.value, ())
                if binding.inner is not None and binding.inner.returns is not None
                for value in binding.inner.returns
            ]
            if returned:
                name = self.resolver.returned_sink(returned)
                return self.catalogue.lookup(name) if name is not None else None
        return None

    def instances(self, node: cst.Attribute, scope: Scope) -> list[tuple[cst.Call, Scope]]:
        """The calls whose result ``node`` (``self.libc``, ``Shell.console``) may hold: each
        value assigned to that attribute in its class or a class of this file it derives
        from that is a call (``self.libc = ctypes.CDLL(None)``), and the class its
        assignment's annotation names, as a made-up call of it (``self.client:
        Optional[BlockingKernelClient] = None``: ``BlockingKernelClient()``)."""
        owner = self._owner(node.value, scope)
        if owner is None:
            return []
        attr = node.attr.value
        out: list[tuple[cst.Call, Scope]] = []
        for key in (owner, *self.bases(owner)[0]):
            for value, where in self._assigned.get((key, attr), ()):
                if isinstance(value, cst.Call):
                    out.append((value, where))
            out.extend(self._annotated.get((key, attr), ()))
            record = self._by_key.get(key)
            if record is None or record.scope is None:
                continue
            for binding in record.scope.bindings.get(attr, ()):
                if binding.kind == "value" and isinstance(binding.value, cst.Call):
                    out.append((binding.value, binding.scope))
        return out

    def _held(self, owner: str, attr: str) -> Sink | None:
        """A sink assigned to ``attr`` in the class ``owner`` or a class of this file it
        derives from: in a method (``self.<attr> = sink``) or in the class body. Of several
        assignments, one that is a sink wins (recall first), as for a name."""
        for key in (owner, *self.bases(owner)[0]):
            for value, where in self._assigned.get((key, attr), ()):
                sink = self._sink_of(value, where)
                if sink is not None:
                    return sink
            record = self._by_key.get(key)
            if record is None or record.scope is None:
                continue
            for binding in record.scope.bindings.get(attr, ()):
                if binding.kind == "import":
                    sink = self.catalogue.lookup(binding.target)
                elif binding.kind == "value" and binding.value is not None:
                    sink = self._sink_of(binding.value, binding.scope)
                elif binding.kind == "def" and self._property(binding):
                    assert binding.inner is not None and binding.inner.returns is not None
                    returned = [(value, binding.inner) for value in binding.inner.returns]
                    name = self.resolver.returned_sink(returned)
                    sink = self.catalogue.lookup(name) if name is not None else None
                else:
                    continue
                if sink is not None:
                    return sink
        return None

    def _property(self, binding: Binding) -> bool:
        """Whether a ``def`` of a class body is a property (``@property``,
        ``@functools.cached_property``: rules/names.toml): the attribute is what it returns."""
        if binding.inner is None or binding.inner.returns is None:
            return False
        for decorator in binding.decorators:
            if isinstance(decorator, cst.Name) and binding.scope.lookup(decorator.value) is None:
                name: str | None = f"builtins.{decorator.value}"
            else:
                name = self.resolver.qualname(decorator, binding.scope)
            if name in property_decorators():
                return True
        return False

    def _sink_of(self, value: cst.BaseExpression, scope: Scope) -> Sink | None:
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value in _TRANSPARENT
            and scope.lookup(value.func.value) is None
            and len(value.args) == 1
            and not value.args[0].star
        ):
            value = value.args[0].value
        if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            return None
        name = self.resolver.qualname(value, scope)
        return self.catalogue.lookup(name) if name is not None else None


def _annotated_class(annotation: cst.BaseExpression | None) -> cst.Call | None:
    """A made-up call of the class an annotation names (``Optional[C]``, ``C | None``,
    ``"C"``: ``C()``), or None when it names none."""
    if isinstance(annotation, cst.SimpleString):
        text = string_value(annotation)
        if not isinstance(text, str) or not all(p.isidentifier() for p in text.split(".")):
            return None
        annotation = cst.parse_expression(text)
    if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
        name = annotation.value
        inner = annotation.slice[0].slice
        last = name.attr.value if isinstance(name, cst.Attribute) else getattr(name, "value", "")
        if last == "Optional" and isinstance(inner, cst.Index):
            return _annotated_class(inner.value)
        return None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [annotation.left, annotation.right]
        kept = [x for x in sides if not (isinstance(x, cst.Name) and x.value == "None")]
        return _annotated_class(kept[0]) if len(kept) == 1 else None
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return cst.Call(func=annotation)
    return None
