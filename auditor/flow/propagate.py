"""The propagation over the whole project: which origin reaches each finding's payload, by
which steps, and which derived sinks are only ever called with constants.

Every file's summary (auditor.scan.summary) says what its values carry as labels. Here the
labels meet: a parameter receives what every call of its function passes (resolved in the
caller's file, up through the callers' own parameters); a call's result is what the called
function returns, its parameters replaced by what this call passes; an instance attribute
holds what every method assigns to it. Each node keeps the most dangerous origin that
reaches it, with the first flow found for it, and the fixpoint is reached when no node
improves (origins are ranked, so it comes after a bounded number of passes).

A function whose parameter reaches a sink is a *derived sink*. When every call of it passes
a constant for that parameter (and it has calls, and it is not handed to code the analysis
cannot see), the sink's payload is as constant as its class with constant parameters says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from auditor.file_summary import WRAPPERS, Arg, Call, Class, FileSummary, Function, Label
from auditor.findings import Step
from auditor.judge.sources import RANK, builtin

_MAX_PASSES = 60
_INSTANCE_DEPTH = 4  # calls inside a called function's return value instantiated, at most
_MAX_HOPS = 6  # re-exports and aliases followed when resolving a name
# nested instantiations one call's result may cost in one pass; beyond it, a nested call's
# value is its result over every context (what a depth beyond _INSTANCE_DEPTH gets too)
_INSTANCE_BUDGET = 2_000
_MAX_OVERRIDES = 40  # an abstract method's overrides a call is followed into, at most


@dataclass(frozen=True, slots=True)
class Reach:
    """An origin that reaches a value, and how (the steps, source first)."""

    origin: str
    flow: tuple[Step, ...]

    @property
    def rank(self) -> int:
        return RANK.get(self.origin, 0)


@dataclass(frozen=True, slots=True)
class Info:
    """What reaches a value: the most dangerous origin as it is (``plain``) and the most
    dangerous one that went through a sanitizer (``clean``, with the sanitizer's note)."""

    plain: Reach | None = None
    clean: Reach | None = None
    sanitizer: str | None = None

    def merge(self, other: Info) -> Info:
        plain = _best(self.plain, other.plain)
        clean = _best(self.clean, other.clean)
        sanitizer = self.sanitizer if clean is self.clean else other.sanitizer
        if plain is self.plain and clean is self.clean:
            return self
        return Info(plain, clean, sanitizer)

    def step(self, step: Step) -> Info:
        return Info(
            Reach(self.plain.origin, (*self.plain.flow, step)) if self.plain else None,
            Reach(self.clean.origin, (*self.clean.flow, step)) if self.clean else None,
            self.sanitizer,
        )

    def sanitized(self, note: str) -> Info:
        best = _best(self.plain, self.clean)
        return Info(None, best, note if best is self.plain else self.sanitizer)

    def key(self) -> tuple[int, int]:
        return (
            self.plain.rank if self.plain else 0,
            self.clean.rank if self.clean else 0,
        )


NOTHING = Info()

Subst = dict[tuple[str, str], Info]


def _best(a: Reach | None, b: Reach | None) -> Reach | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.rank > a.rank else a


@dataclass(frozen=True, slots=True)
class Target:
    """A call resolved to a function of the project; ``shift``: how many leading
    parameters the call does not pass (``self`` of a method called on an instance)."""

    function: str  # global id: "<module>.<key>"
    shift: int
    # an abstract method's overrides in the project's subclasses of the class it is called
    # on (the call runs one of them)
    overrides: tuple[str, ...] = ()

    @property
    def functions(self) -> tuple[str, ...]:
        return (self.function, *self.overrides)


class Project:
    def __init__(self, files: list[tuple[str, FileSummary]]) -> None:
        """``files``: (path as findings show it, summary) of every analysed file."""
        self.files = files
        self.functions: dict[str, tuple[int, Function]] = {}
        self.classes: dict[str, tuple[int, Class]] = {}
        self.modules: dict[str, int] = {}
        self.suffixes: dict[str, list[str]] = {}  # last module component -> modules
        for index, (_, summary) in enumerate(files):
            module = summary.module or f"<{index}>"
            self.modules.setdefault(module, index)
            self.suffixes.setdefault(module.rsplit(".", 1)[-1], []).append(module)
            for key, function in summary.functions.items():
                self.functions[f"{module}.{key}"] = (index, function)
            for key, klass in summary.classes.items():
                self.classes[f"{module}.{key}"] = (index, klass)
        self.subclasses: dict[str, list[str]] = {}  # class gid -> its direct subclasses
        for gid, (_, klass) in self.classes.items():
            for base in klass.bases:
                resolved = self.class_id(base)
                if resolved is not None and resolved != gid:
                    self.subclasses.setdefault(resolved, []).append(gid)
        self._more_entries()
        self.targets: dict[tuple[int, int], Target | None] = {}
        self.callers: dict[str, list[tuple[int, int, int]]] = {}  # gid -> (file, call, shift)
        for index, (_, summary) in enumerate(files):
            for number, call in enumerate(summary.calls):
                target = self.resolve(call.callee)
                self.targets[(index, number)] = target
                if target is not None:
                    for callee in target.functions:
                        self.callers.setdefault(callee, []).append((index, number, target.shift))
        # class gid -> (file, call) of each call constructing it, for its fields
        self.constructions: dict[str, list[tuple[int, int]]] = {}
        # the calls that construct an object of a project class: the object carries what
        # it is built from (``Job(cmd).cmd``), as the result of a call not followed does
        self.constructors: set[tuple[int, int]] = set()
        for index, (_, summary) in enumerate(files):
            for number, call in enumerate(summary.calls):
                cls = self.constructed(call.callee)
                if cls is not None:
                    self.constructors.add((index, number))
                    self.constructions.setdefault(cls, []).append((index, number))
        self._dependencies_across_files()
        self.escaping = self._escaping()
        self.params: dict[tuple[str, str], Info] = {}
        self.results: dict[tuple[int, int], Info] = {}
        self.attrs: dict[tuple[str, str], Info] = {}
        # a call instantiated with arguments of given origins, in this pass: (file, call,
        # depth, each parameter's origins and sanitizer) -> its value. What an instance
        # returns has origins that depend on its arguments' origins only (not on their
        # flows), so an instance is computed once per pass for each such key; without it, a
        # recursive evaluator (``evaluate(node)`` returning ``evaluate_x(node)`` returning
        # ``evaluate(node.x)``...) costs the number of its return calls to the power of
        # _INSTANCE_DEPTH, per call and per pass. The flow kept is the first one computed.
        self._instances: dict[tuple[object, ...], Info] = {}
        self._budget = 0
        self.instantiated = 0  # instantiations computed (not found in the memo), all passes

    def _more_entries(self) -> None:
        """Entry points only the whole project shows: functions another file registers as
        tools (``mcp.add_tool(run)``), and the methods of a class that derives, through
        classes of the project, from a base-class source (a tool class deriving from the
        project's own subclass of ``BaseTool``). Their parameters become sources."""
        extra: dict[str, dict[str, tuple[str, str, str]]] = {}
        for _, summary in self.files:
            for name, origin, note in summary.registered:
                target = self.resolve(name)
                if target is None:
                    continue
                function = self.functions[target.function][1]
                first = function.kind in ("method", "class")
                for param in list(self._param_names(function))[1 if first else 0 :]:
                    extra.setdefault(target.function, {}).setdefault(param, (origin, note, ""))
        for gid, (index, function) in self.functions.items():
            if function.cls is None or function.kind != "method":
                continue
            method = function.key.rsplit(".", 1)[-1]
            for ancestor in self._ancestors(f"{self.module_of(index)}.{function.cls}"):
                for methods, skip, origin, note in self.classes[ancestor][1].sourced:
                    if method not in methods:
                        continue
                    for param in list(self._param_names(function))[1:]:
                        if param not in skip:
                            extra.setdefault(gid, {}).setdefault(param, (origin, note, ""))
        for gid, entries in extra.items():
            index, function = self.functions[gid]
            merged = {**entries, **function.entries}  # what its own file says first
            self.functions[gid] = (index, dataclasses.replace(function, entries=merged))

    def _ancestors(self, cls: str) -> list[str]:
        """The project classes ``cls`` derives from (not itself), nearest first."""
        out: list[str] = []
        queue = [cls]
        while queue and len(out) < 50:
            found = self.classes.get(queue.pop(0))
            if found is None:
                continue
            for base in found[1].bases:
                resolved = self.class_id(base)
                if resolved is not None and resolved != cls and resolved not in out:
                    out.append(resolved)
                    queue.append(resolved)
        return out

    def _dependencies_across_files(self) -> None:
        """A function that FastAPI calls to fill a ``Depends`` parameter in another file:
        the framework fills its own parameters in from the request, as the summary does for
        a dependency of its own file (auditor.scan.summary's ``_dependencies``). Its
        parameters that no default or dependency fills become request values (without the
        conversion an ``int`` annotation gives: the summary of another file does not keep
        annotations)."""
        source = builtin().default_source("fastapi.Query")
        if source is None:
            return
        for index, (_, summary) in enumerate(self.files):
            for function in summary.functions.values():
                for arg in function.injected.values():
                    for label in arg.labels:
                        target = self.targets.get((index, label[1])) if label[0] == "c" else None
                        if target is None:
                            continue
                        where, provider = self.functions[target.function]
                        if where == index:
                            continue  # the summary of that file already knows
                        names = (*provider.params[target.shift :], *provider.kwonly)
                        entries = dict(provider.entries)
                        for name in names:
                            if name not in entries and name not in provider.injected:
                                entries[name] = (source.origin, source.note, "")
                        if entries != provider.entries:
                            self.functions[target.function] = (
                                where,
                                replace(provider, entries=entries),
                            )

    # -- names ---------------------------------------------------------------------------
    def module_of(self, index: int) -> str:
        return self.files[index][1].module or f"<{index}>"

    def gid(self, index: int, key: str) -> str:
        return f"{self.module_of(index)}.{key}"

    def resolve(self, name: str, hops: int = 0) -> Target | None:
        """The project function a dotted callee name calls, if any. A name that ends in
        ``()`` is an object being called (``Runner()``, an instance; ``make()``, what a call
        returned): its class's ``__call__``."""
        if hops > _MAX_HOPS or not name:
            return None
        if name.endswith("()"):
            name += ".__call__"
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                return self._in_module(module, parts[cut:], hops)
        # the module may be imported under a shorter name (run from a sub-folder)
        for cut in range(len(parts) - 1, 0, -1):
            tail = ".".join(parts[:cut])
            candidates = [
                m
                for m in self.suffixes.get(parts[cut - 1], [])
                if m == tail or m.endswith("." + tail)
            ]
            if len(candidates) == 1:
                return self._in_module(candidates[0], parts[cut:], hops)
        return None

    def _in_module(self, module: str, rest: list[str], hops: int) -> Target | None:
        head, instance = rest[0].removesuffix("()"), rest[0].endswith("()")
        gid = f"{module}.{head}"
        if len(rest) == 1 and not instance:
            if gid in self.functions:
                return Target(gid, 0)
            if gid in self.classes:
                return self._method(gid, "__init__", bound=True)
        if len(rest) == 2 and gid in self.classes:
            return self._dispatch(gid, rest[1].removesuffix("()"), bound=instance)
        if len(rest) >= 2 and f"{gid}.{rest[1]}" in self.functions and not instance:
            return None  # an attribute of a function
        exports = self.files[self.modules[module]][1].exports
        target = exports.get(head)
        if target is not None:
            suffix = "()" if instance else ""
            return self.resolve(".".join([target + suffix, *rest[1:]]), hops + 1)
        return None

    def _dispatch(self, cls: str, name: str, bound: bool) -> Target | None:
        """Method ``name`` called on an instance of ``cls`` (or on ``cls``): the method
        the class has or inherits, and when that one is abstract, the overrides of the
        project's subclasses of ``cls`` (at most _MAX_OVERRIDES: beyond, the call is taken
        as one the analysis cannot follow)."""
        target = self._method(cls, name, bound)
        if target is None or not self.functions[target.function][1].abstract:
            return target
        found: list[str] = []
        seen = {cls}
        queue = list(self.subclasses.get(cls, []))
        while queue:
            sub = queue.pop(0)
            if sub in seen:
                continue
            seen.add(sub)
            gid = f"{sub}.{name}"
            if gid in self.functions and gid != target.function:
                found.append(gid)
            queue += self.subclasses.get(sub, [])
        if len(found) > _MAX_OVERRIDES:
            return None
        return Target(target.function, target.shift, tuple(found))

    def _method(self, cls: str, name: str, bound: bool, depth: int = 0) -> Target | None:
        gid = f"{cls}.{name}"
        found = self.functions.get(gid)
        if found is not None:
            kind = found[1].kind
            shift = 1 if bound and kind in ("method", "class") else 0
            if not bound and kind == "class":
                shift = 1
            return Target(gid, shift)
        if depth > 8 or cls not in self.classes:
            return None
        for base in self.classes[cls][1].bases:
            resolved = self.class_id(base)
            if resolved is not None:
                found_base = self._method(resolved, name, bound, depth + 1)
                if found_base is not None:
                    return found_base
        return None

    def constructed(self, name: str, hops: int = 0) -> str | None:
        """The project class a dotted callee name constructs (``pkg.models.Story``, or a
        name a module re-exports), if any."""
        if hops > _MAX_HOPS or not name or name.endswith("()"):
            return None
        if name in self.classes:
            return name
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                if cut != len(parts) - 1:
                    return None
                target = self.files[self.modules[module]][1].exports.get(parts[cut])
                return self.constructed(target, hops + 1) if target else None
        return None

    def _field_values(self, gid: str, attr: str) -> Info:
        """What the constructor calls of class ``gid`` and of its subclasses pass for the
        field ``attr`` (a keyword of that name), when the class or a base declares it."""
        out = NOTHING
        declared = self.declares(gid, attr)
        queue, seen = [gid], set()
        while queue and declared:
            cls = queue.pop()
            if cls in seen:
                continue
            seen.add(cls)
            queue += self.subclasses.get(cls, [])
            for index, number in self.constructions.get(cls, []):
                call = self.files[index][1].calls[number]
                arg = call.kwargs.get(attr)
                if arg is None:
                    continue
                step = Step(
                    self.files[index][0],
                    call.line,
                    call.column,
                    f"passed to {call.text}() as `{attr}`",
                    "passed",
                    call.text,
                    attr,
                )
                out = out.merge(self.info(index, arg.labels).step(step))
        return out

    def _converted(self, name: str, attr: str, depth: int = 0) -> str:
        """How the field ``attr`` of the class named ``name`` is converted ("" when it is
        not a field of a project class declared with a converting type)."""
        gid = self.constructed(name) if depth == 0 else name
        found = self.classes.get(gid) if gid is not None else None
        if found is None or depth > 8:
            return ""
        note = found[1].converted.get(attr)
        if note is not None:
            return note
        if attr in found[1].fields:
            return ""
        for base in found[1].bases:
            resolved = self.class_id(base)
            if resolved is not None:
                note = self._converted(resolved, attr, depth + 1)
                if note:
                    return note
        return ""

    def declares(self, gid: str, attr: str, depth: int = 0) -> bool:
        """Whether class ``gid`` or one of its project bases annotates ``attr``."""
        found = self.classes.get(gid)
        if found is None or depth > 8:
            return False
        if attr in found[1].fields:
            return True
        for base in found[1].bases:
            resolved = self.class_id(base)
            if resolved is not None and self.declares(resolved, attr, depth + 1):
                return True
        return False

    def class_id(self, name: str) -> str | None:
        if name in self.classes:
            return name
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                exports = self.files[self.modules[module]][1].exports
                target = exports.get(parts[cut])
                if target is not None and target in self.classes:
                    return target
        return None

    def _escaping(self) -> set[str]:
        """Functions the analysis cannot see every call of: used as a value somewhere (a
        callback, a thread target), or wrapped by a decorator it does not know."""
        out: set[str] = set()
        attrs: set[str] = set()
        for _, summary in self.files:
            for name in summary.value_names:
                target = self.resolve(name)
                if target is not None:
                    out.add(target.function)
            attrs.update(summary.value_attrs)
        for gid, (_, function) in self.functions.items():
            # ``x.name`` used as a value: a bound method, or a module's function handed
            # over (``queue.subscribe(notify.send)``); by name, so on the safe side
            if function.opaque or gid.rsplit(".", 1)[-1] in attrs:
                out.add(gid)
        return out

    # -- labels --------------------------------------------------------------------------
    def info(
        self, index: int, labels: Iterable[Label], depth: int = 0, subst: Subst | None = None
    ) -> Info:
        out = NOTHING
        for label in labels:
            out = out.merge(self.label(index, label, depth, subst))
        return out

    def label(self, index: int, label: Label, depth: int = 0, subst: Subst | None = None) -> Info:
        """What a label of file ``index`` carries. With ``subst`` (inside a call being
        instantiated), the called function's parameters are what this call passes, and the
        calls in what it returns are instantiated in turn (to a bounded depth), so that one
        caller's value never leaks into another's result."""
        kind = label[0]
        path = self.files[index][0]
        if kind == "s":
            note = f"{label[4]}: {label[5]}" if label[5] else label[4]
            step = Step(path, label[2], label[3], note, "source", label[5], label[4])
            return Info(Reach(label[1], (step,)))
        if kind == "p":
            key = (self.gid(index, label[1]), label[2])
            if subst is not None and key in subst:
                return subst[key]
            return self.params.get(key, NOTHING)
        if kind == "c":
            if subst is not None and depth < _INSTANCE_DEPTH and self._budget > 0:
                return self._instance(index, label[1], subst, depth + 1)
            return self.results.get((index, label[1]), NOTHING)
        if kind == "a":
            return self.attrs.get((self.gid(index, label[1]), label[2]), NOTHING)
        if kind == "q":
            return self.label(index, label[2], depth, subst).sanitized(label[1])
        if kind == "f":
            value = self.label(index, label[3], depth, subst)
            converted = self._converted(label[1], label[2])
            return value.sanitized(converted) if converted else value
        return NOTHING

    # -- the fixpoint ----------------------------------------------------------------------
    def run(self) -> None:
        for _ in range(_MAX_PASSES):
            if not self._pass():
                return

    def _pass(self) -> bool:
        changed = False
        self._instances.clear()  # what they read (parameters, results) has changed
        for gid, (index, function) in self.functions.items():
            for name in self._param_names(function):
                value = self._param(gid, index, function, name)
                key = (gid, name)
                old = self.params.get(key, NOTHING)
                merged = old.merge(value)
                if merged.key() != old.key():
                    self.params[key] = merged
                    changed = True
        for (index, number), target in self.targets.items():
            value = self._result(index, number, target)
            old = self.results.get((index, number), NOTHING)
            merged = old.merge(value)
            if merged.key() != old.key():
                self.results[(index, number)] = merged
                changed = True
        for gid, (index, klass) in self.classes.items():
            names = set(klass.attrs) | set(klass.fields)
            for attr in names:
                value = self.info(index, klass.attrs.get(attr, ()))
                value = value.merge(self._field_values(gid, attr))
                old = self.attrs.get((gid, attr), NOTHING)
                merged = old.merge(value)
                if merged.key() != old.key():
                    self.attrs[(gid, attr)] = merged
                    changed = True
        return changed

    @staticmethod
    def _param_names(function: Function) -> Iterator[str]:
        yield from function.params
        yield from function.kwonly
        if function.vararg:
            yield function.vararg
        if function.kwarg:
            yield function.kwarg

    def _param(self, gid: str, index: int, function: Function, name: str) -> Info:
        path = self.files[index][0]
        out = NOTHING
        entry = function.entries.get(name)
        if entry is not None:
            note = f"{entry[1]}: `{name}` of {function.key}()"
            step = Step(path, function.line, function.column, note, "entry", function.key, name)
            reached = Info(Reach(entry[0], (step,)))
            out = out.merge(reached.sanitized(entry[2]) if entry[2] else reached)
        injected = function.injected.get(name)
        if injected is not None:  # filled in by the framework from a provider's result
            return out.merge(self.info(index, injected.labels))
        callers = self.callers.get(gid, [])
        is_self = function.kind in ("method", "class") and function.params[:1] == (name,)
        if (not callers or gid in self.escaping) and entry is None and not is_self:
            note = (
                f"parameter `{name}` of {function.key}(), called from code the analysis cannot see"
            )
            step = Step(path, function.line, function.column, note, "parameter", function.key, name)
            out = out.merge(Info(Reach("parameter", (step,))))
        for caller, number, shift in callers:
            call = self.files[caller][1].calls[number]
            how, arg = self._argument(function, call, name, shift)
            step = Step(
                self.files[caller][0],
                call.line,
                call.column,
                f"passed to {call.text}() as `{name}`",
                "passed",
                call.text,
                name,
            )
            if how == "unknown":  # behind *args / **kwargs: what it passes is not visible
                out = out.merge(Info(Reach("parameter", (step,))))
            elif how == "default":
                default = function.defaults.get(name)
                if default is not None:
                    out = out.merge(self.info(index, default.labels))
            elif arg is not None:
                out = out.merge(self.info(caller, arg.labels).step(step))
        return out

    def _argument(
        self, function: Function, call: Call, name: str, shift: int
    ) -> tuple[str, Arg | None]:
        """What ``call`` passes for parameter ``name``: ("arg", the argument), ("default",
        None) when it passes nothing (or it is ``self``), ("unknown", None) when it is
        behind ``*args`` or ``**kwargs``."""
        if name in function.params:
            position = function.params.index(name) - shift
            if position < 0:
                return ("default", None)  # self
            if position < len(call.args):
                return ("arg", call.args[position])
            if name in call.kwargs:
                return ("arg", call.kwargs[name])
            return ("unknown", None) if call.star else ("default", None)
        if name in function.kwonly:
            if name in call.kwargs:
                return ("arg", call.kwargs[name])
            return ("unknown", None) if call.star else ("default", None)
        if name == function.vararg:
            extra = list(call.args[max(0, len(function.params) - shift) :])
            return ("arg", _merged(extra)) if extra or not call.star else ("unknown", None)
        if name == function.kwarg:
            named = set(function.params) | set(function.kwonly)
            rest = [v for k, v in call.kwargs.items() if k not in named]
            return ("arg", _merged(rest)) if rest or not call.star else ("unknown", None)
        return ("default", None)

    def _result(self, index: int, number: int, target: Target | None) -> Info:
        self._budget = _INSTANCE_BUDGET
        return self._call_value(index, number, {}, 0)

    def _instance(self, index: int, number: int, subst: Subst, depth: int) -> Info:
        """Call ``number`` of file ``index`` instantiated with ``subst``, once per pass."""
        key = (
            index,
            number,
            depth,
            *sorted((k, v.key(), v.sanitizer) for k, v in subst.items() if v is not NOTHING),
        )
        found = self._instances.get(key)
        if found is None:
            self._budget -= 1
            self.instantiated += 1
            found = self._instances[key] = self._call_value(index, number, subst, depth)
        return found

    def _call_value(self, index: int, number: int, subst: Subst, depth: int) -> Info:
        """What call ``number`` of file ``index`` returns, its arguments read with ``subst``
        (the parameters of the function it is in, when that call is itself instantiated)."""
        call = self.files[index][1].calls[number]
        target = self.targets.get((index, number))
        parts = [*call.args, *call.kwargs.values()]
        if call.receiver is not None:
            parts.append(call.receiver)
        implemented = [] if target is None else self._implemented(target)
        if not implemented:  # what it carries of its arguments, as any unknown call
            carried = [x for p in parts for x in p.labels]
            if call.fallback is not None:  # a model-like object called: its output
                carried.append(call.fallback)
            return self.info(index, carried, depth, subst)
        assert target is not None
        step = Step(
            self.files[index][0],
            call.line,
            call.column,
            f"returned by {call.text}()",
            "returned",
            call.text,
        )
        out = NOTHING
        if (index, number) in self.constructors:
            out = self.info(index, (x for p in parts for x in p.labels), depth, subst)
        for gid in implemented:
            out = out.merge(self._returned(index, call, target, gid, subst, depth, step))
        return out

    def _implemented(self, target: Target) -> list[str]:
        """The functions a resolved call runs whose body the analysis has: the method (or
        an abstract method's overrides); none when a body was not analysed (the call is
        then taken as one the analysis cannot follow)."""
        out = []
        for gid in target.functions:
            function = self.functions[gid][1]
            if not function.complete:
                return []
            if not function.abstract:
                out.append(gid)
        return out

    def _returned(
        self, index: int, call: Call, target: Target, gid: str, subst: Subst, depth: int, step: Step
    ) -> Info:
        """What function ``gid`` returns when ``call`` (of file ``index``) runs it."""
        callee_index, function = self.functions[gid]
        inner: Subst = {}
        for name in self._param_names(function):
            key = (gid, name)
            if name in function.entries:  # a framework fills it in, not this call
                inner[key] = self.params.get(key, NOTHING)
                continue
            how, arg = self._argument(function, call, name, target.shift)
            if how == "unknown":
                inner[key] = Info(Reach("parameter", (step,)))
            elif arg is not None:
                inner[key] = self.info(index, arg.labels, depth, subst)
            elif name in function.injected:
                inner[key] = self.params.get(key, NOTHING)
            else:
                default = function.defaults.get(name)
                inner[key] = self.info(callee_index, default.labels) if default else NOTHING
        out = NOTHING
        for label in function.returns:
            value = self.info(callee_index, (label,), depth, inner)
            # what came in as an argument goes back out where it came from: no step for it
            passed = (
                label[0] == "p"
                and label[1] == function.key
                and label[2] not in function.entries
                and label[2] not in function.injected
            )
            out = out.merge(value if passed else value.step(step))
        return out

    # -- what the sites depend on ----------------------------------------------------------
    def wanted(self, limit: int = 200_000) -> set[str]:
        """The functions whose return value a site's payload may carry but whose body the
        per-file stage dropped: a backward slice from every site's labels through
        parameters (to the arguments of their calls), call results (to what the function
        returns) and instance attributes."""
        out: set[str] = set()
        seen: set[tuple[int, Label]] = set()
        work: list[tuple[int, Label]] = [
            (index, label)
            for index, (_, summary) in enumerate(self.files)
            for site in summary.sites
            for label in site.labels
        ]
        while work and len(seen) < limit:
            item = work.pop()
            if item in seen:
                continue
            seen.add(item)
            index, label = item
            kind = label[0]
            if kind in WRAPPERS:
                work.append((index, label[-1]))
            elif kind == "p":
                gid = self.gid(index, label[1])
                found = self.functions.get(gid)
                if found is None:
                    continue
                injected = found[1].injected.get(label[2])
                if injected is not None:  # filled in from a provider's result (Depends)
                    work.extend((found[0], x) for x in injected.labels)
                for caller, number, shift in self.callers.get(gid, []):
                    call = self.files[caller][1].calls[number]
                    _, arg = self._argument(found[1], call, label[2], shift)
                    if arg is not None:
                        work.extend((caller, x) for x in arg.labels)
            elif kind == "c":
                call = self.files[index][1].calls[label[1]]
                target = self.targets.get((index, label[1]))
                passed = [*call.args, *call.kwargs.values()]
                if call.receiver is not None:
                    passed.append(call.receiver)
                if (
                    target is None
                    or (index, label[1]) in self.constructors
                    or all(self.functions[g][1].abstract for g in target.functions)
                ):
                    work.extend((index, x) for x in (y for a in passed for y in a.labels))
                if target is None:
                    continue
                for gid in target.functions:
                    callee_index, function = self.functions[gid]
                    if not function.complete:
                        out.add(gid)
                        continue
                    for x in function.returns:
                        if x[0] == "p" and x[1] == function.key:
                            _, arg = self._argument(function, call, x[2], target.shift)
                            if arg is not None:
                                work.extend((index, y) for y in arg.labels)
                        else:
                            work.append((callee_index, x))
            elif kind == "a":
                gid = self.gid(index, label[1])
                found_class = self.classes.get(gid)
                if found_class is not None:
                    work.extend((found_class[0], x) for x in found_class[1].attrs.get(label[2], ()))
                    if self.declares(gid, label[2]):  # a field: what constructors pass
                        for cls in [gid, *self.subclasses.get(gid, [])]:
                            for caller, number in self.constructions.get(cls, []):
                                arg = self.files[caller][1].calls[number].kwargs.get(label[2])
                                if arg is not None:
                                    work.extend((caller, x) for x in arg.labels)
        return out

    # -- constants through derived sinks ---------------------------------------------------
    def constant_params(self, external: set[str] | None = None) -> set[tuple[str, str]]:
        """The parameters every visible call passes a constant for (a greatest fixpoint:
        assumed constant until a call passes something that is not, or could be). A
        function must have a call: a visible one, or, by name, one of ``external`` (calls
        with literals in files the stage did not read again)."""
        external = external or set()
        candidates: set[tuple[str, str]] = set()
        for gid, (_, function) in self.functions.items():
            if gid in self.escaping:
                continue
            if not self.callers.get(gid) and function.key.rsplit(".", 1)[-1] not in external:
                continue
            for name in self._param_names(function):
                if name not in function.entries:
                    candidates.add((gid, name))
        changed = True
        while changed:
            changed = False
            for gid, name in list(candidates):
                index, function = self.functions[gid]
                for caller, number, shift in self.callers.get(gid, []):
                    call = self.files[caller][1].calls[number]
                    how, arg = self._argument(function, call, name, shift)
                    if how == "default":
                        default = function.defaults.get(name)
                        if default is None or default.const:
                            continue
                        if not self._constant(index, function.key, default, candidates):
                            candidates.discard((gid, name))
                            changed = True
                            break
                        continue
                    if arg is None or not self._constant(caller, call.caller, arg, candidates):
                        candidates.discard((gid, name))
                        changed = True
                        break
        return candidates

    def _constant(self, index: int, caller: str, arg: Arg, constant: set[tuple[str, str]]) -> bool:
        if arg.const:
            return True
        if arg.params is None or not caller:
            return False
        gid = self.gid(index, caller)
        return all((gid, name) in constant for name in arg.params)


def _merged(args: list[Arg]) -> Arg:
    labels = tuple(x for a in args for x in a.labels)
    return Arg(labels, all(a.const for a in args), None)
