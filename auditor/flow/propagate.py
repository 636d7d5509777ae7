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
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from auditor.file_summary import (
    ALLOW_LIST,
    ANY_ATTR,
    DECORATED,
    WRAPPERS,
    Arg,
    Call,
    Class,
    FileSummary,
    Function,
    Label,
    quoting_note,
    uncut,
    wrapped,
)
from auditor.findings import Step
from auditor.judge.sources import RANK, Source, builtin, names_method

_MAX_PASSES = 60
_INSTANCE_DEPTH = 4  # calls inside a called function's return value instantiated, at most
_MAX_HOPS = 6  # re-exports and aliases followed when resolving a name
# nested instantiations one call's result may cost in one pass; beyond it, a nested call's
# value is its result over every context (what a depth beyond _INSTANCE_DEPTH gets too)
_INSTANCE_BUDGET = 2_000
_MAX_OVERRIDES = 40  # an abstract method's overrides a call is followed into, at most
# the bases that make a class a protocol (PEP 544): a call of one of its abstract methods
# may run the method of that name of any class, whatever it derives from
_PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
# the classes looked at, up and down from a class, for an attribute read on ``self``
_MAX_FAMILY = 200
# inherited attributes (see Project._inherited) computed inside one another, at most
_MAX_INHERITED = 6


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
        # (the propagation's most frequent call: what it gives without a comparison)
        if other is self or other is NOTHING:
            return self
        if self is NOTHING:
            if other.clean is not None or other.sanitizer is None:
                return other if other.plain is not None or other.clean is not None else self
            return self if other.plain is None else Info(other.plain, None, None)
        plain = _best(self.plain, other.plain)
        clean = _best(self.clean, other.clean)
        sanitizer = self.sanitizer if clean is self.clean else other.sanitizer
        if plain is self.plain and clean is self.clean:
            return self
        return Info(plain, clean, sanitizer)

    def widened(self, other: Info) -> Info:
        """:meth:`merge`, keeping this one's reaches unless ``other``'s are more
        dangerous (not merely shorter)."""
        plain, clean = self.plain, self.clean
        if other.plain is not None and (plain is None or other.plain.rank > plain.rank):
            plain = other.plain
        if other.clean is not None and (clean is None or other.clean.rank > clean.rank):
            clean = other.clean
        if plain is self.plain and clean is self.clean:
            return self
        sanitizer = self.sanitizer if clean is self.clean else other.sanitizer
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

    def unquoted(self, quoting: str) -> Info:
        """What is left once the value may have lost its shell quotes (``q[1:-1]``): a
        clean reach whose sanitizer is one of the shell quotes ``quoting`` names is plain."""
        if self.clean is None or self.sanitizer is None:
            return self
        if not quoting_note(self.sanitizer, quoting):
            return self
        return Info(_best(self.plain, self.clean), None, None)

    def key(self) -> tuple[int, int]:
        return (
            self.plain.rank if self.plain else 0,
            self.clean.rank if self.clean else 0,
        )


NOTHING = Info()

Subst = dict[tuple[str, str], Info]
# a node of the fixpoint: ("p", (function gid, parameter)), ("r", (file, call number)),
# ("a", (class gid, attribute)) or ("o", function gid): what the function returns of its
# own (its parameters taken as carrying nothing)
Node = tuple[str, Any]
# the parameters of a function that its return value carries, each with the sanitizers it
# may go through on the way (None: none). Of several sanitizers in a row the first one
# applied is the one a value keeps (Info.sanitized), so one note per way is enough.
Flows = dict[str, frozenset[str | None]]
# the note of a way that cuts the shell quotes off what it carries (``q[1:-1]``), then the
# quoting sanitizers' names (a "u" label's): a shell quote applied before it is void
_CUT = "\0cut "


def _best(a: Reach | None, b: Reach | None) -> Reach | None:
    """The more dangerous of two reaches; of two as dangerous, the one with the shorter
    flow, then the one whose steps come first in the files: not the one met first, whose
    order follows sets of names (the flow shown changed with PYTHONHASHSEED)."""
    if a is None or a is b:
        return b
    if b is None:
        return a
    rank_a, rank_b = RANK.get(a.origin, 0), RANK.get(b.origin, 0)
    if rank_b != rank_a:
        return b if rank_b > rank_a else a
    if a.flow == b.flow:
        return a
    return b if _order(b) < _order(a) else a


def _order(reach: Reach) -> tuple[int, list[tuple[str, int, int, str]]]:
    return (len(reach.flow), [(s.path, s.line, s.column, s.note) for s in reach.flow])


@dataclass(frozen=True, slots=True)
class Target:
    """A call resolved to a function of the project; ``shift``: how many leading
    parameters the call does not pass (``self`` of a method called on an instance)."""

    function: str  # global id: "<module>.<key>"
    shift: int
    # an abstract method's overrides in the project's subclasses of the class it is called
    # on (the call runs one of them)
    overrides: tuple[str, ...] = ()
    # of the overrides, those of classes that do not derive from the class that declares
    # the method, found by their name alone (a protocol's method: structural typing)
    guessed: tuple[str, ...] = ()

    @property
    def functions(self) -> tuple[str, ...]:
        return (self.function, *self.overrides)


class Project:
    def __init__(
        self, files: list[tuple[str, FileSummary]], unseen: frozenset[str] = frozenset()
    ) -> None:
        """``files``: (path as findings show it, summary) of every analysed file;
        ``unseen``: the names of functions some of whose calls are in files not analysed
        for them (the project stage's rounds did not read them all): their parameters may
        receive anything from those calls, as if called from code the analysis cannot see."""
        self.files = files
        self.unseen = unseen
        # a call the analysis cannot follow may cut the shell quotes off what it is given
        # (``q.strip("'")`` on a receiver of unknown type): the quoting sanitizers of the
        # built-in table, as a "u" label names them
        self.quoting = " ".join(sorted(builtin().quoting))
        self.functions: dict[str, tuple[int, Function]] = {}
        self.classes: dict[str, tuple[int, Class]] = {}
        self.modules: dict[str, int] = {}
        self.suffixes: dict[str, list[str]] = {}  # last module component -> modules
        # each file's module name: a name two files have (the ``tests.conftest`` of two
        # distributions scanned together) is the first's; the others get their own
        self._module_names: list[str] = []
        for index, (_, summary) in enumerate(files):
            module = summary.module or f"<{index}>"
            if module in self.modules:
                module = f"<{index}>"
            self._module_names.append(module)
            self.modules[module] = index
            self.suffixes.setdefault(module.rsplit(".", 1)[-1], []).append(module)
            for key, function in summary.functions.items():
                self.functions[f"{module}.{key}"] = (index, function)
            for key, klass in summary.classes.items():
                self.classes[f"{module}.{key}"] = (index, klass)
        self._exported: dict[str, list[str]] | None = None  # see exported_as
        self.subclasses: dict[str, list[str]] = {}  # class gid -> its direct subclasses
        self.bases: dict[str, list[str]] = {}  # class gid -> its direct project bases
        # a base of another package (its dotted name) -> the project classes deriving from
        # it directly (``class Local(CodeExecutor)``), for calls on an object typed as it
        self.foreign: dict[str, list[str]] = {}
        for gid, (_, klass) in self.classes.items():
            for base in klass.bases:
                resolved = self.class_id(base)
                if resolved is not None and resolved != gid:
                    self.subclasses.setdefault(resolved, []).append(gid)
                    self.bases.setdefault(gid, []).append(resolved)
                elif resolved is None:
                    self.foreign.setdefault(base, []).append(gid)
        # what other code sets on an instance of a class (``p.cmd = x``): (class gid,
        # attribute) -> (file, what is assigned) of each assignment
        self.object_attrs: dict[tuple[str, str], list[tuple[int, tuple[Label, ...]]]] = {}
        for index, (_, summary) in enumerate(files):
            for name, attr, labels in summary.object_attrs:
                cls = self.class_id(name)
                if cls is not None:
                    self.object_attrs.setdefault((cls, attr), []).append((index, labels))
        # what the files write to another module's globals or to class attributes, in
        # place or not (``backup.RSYNC.extend(x)``: FileSummary.outside): absolute dotted
        # name -> (file, what is written, whether it is a constant) of each file
        self.outside: dict[str, list[tuple[int, tuple[Label, ...], bool]]] = {}
        # the module-level lists an allow-list check reads that their own module fills from
        # a source (``ALLOWED = os.environ["CMDS"].split(",")``), and the step where: no
        # allow-list (whoever sets the variable chooses what is allowed); set by the stage
        self.sourced_lists: dict[str, Step] = {}
        for index, (_, summary) in enumerate(files):
            for written, labels, const in summary.outside:
                self.outside.setdefault(written, []).append((index, labels, const))
        self._families: dict[tuple[str, str], tuple[str, ...]] = {}
        self._orders: dict[str, tuple[str, ...]] = {}  # class gid -> its fields in order
        self._ancestries: dict[str, set[str]] = {}
        self._lineages: dict[str, set[str]] = {}
        # the memo keys of _inherited and _narrowed being computed
        self._inheriting: set[tuple[str, str, str, str]] = set()
        # the instance attributes (class gid, name) the last wanted() reached
        self.read_attrs: set[tuple[str, str]] = set()
        # the abstract methods (global ids) whose result a site's payload may carry: what
        # runs is a subclass's override, maybe in a file no round has read yet
        self.abstract_reached: set[str] = set()
        # the protocols of the project (class gids), and its methods by name (see
        # implementations), indexed once for every call of a protocol's method
        self.protocols = {
            gid for gid, (_, klass) in self.classes.items() if _PROTOCOLS.intersection(klass.bases)
        }
        self._by_name: dict[str, list[str]] | None = None
        self._lookups: dict[str, Target | None] = {}  # see _looked_up
        self._reexports: dict[str, Source | None] = {}  # see _reexported_source
        self._module_roots: frozenset[str] | None = None
        self._sanitizers_voided: Callable[[str], tuple[tuple[str | None, Step], ...]] | None = (
            None  # see sanitizers_voided
        )
        # (function gid, parameter) -> the step of the registration in another file that
        # makes the parameter a source (``path("x/<n>/", views.x)`` in urls.py)
        self.registrations: dict[tuple[str, str], Step] = {}
        self._more_entries()
        # decorator gid -> the project functions it decorates (Function.decorators)
        self.decorated: dict[str, list[str]] = {}
        for index, (_, summary) in enumerate(files):
            for function in summary.functions.values():
                for name in function.decorators:
                    # (``@factory(...)``: a decorator a call of the factory returns, under
                    # the factory's gid and ``()``)
                    made = name.endswith("()")
                    decorator = self.resolve(name.removesuffix("()"))
                    if decorator is not None and decorator.shift == 0:
                        gid = self.gid(index, function.key)
                        key = decorator.function + ("()" if made else "")
                        self.decorated.setdefault(key, []).append(gid)
        self.targets: dict[tuple[int, int], Target | None] = {}
        self.callers: dict[str, list[tuple[int, int, int]]] = {}  # gid -> (file, call, shift)
        # the functions that only calls of a protocol's method reach (by their name alone):
        # gid -> how many such calls. Those calls give what they pass, but never make a
        # function "called" (constant when they pass constants; no longer a parameter of
        # code the analysis cannot see)
        self.guessed: dict[str, int] = {}
        for index, (_, summary) in enumerate(files):
            for number, call in enumerate(summary.calls):
                target = self.resolve(call.callee)
                self.targets[(index, number)] = target
                if target is not None:
                    for callee in target.functions:
                        self.callers.setdefault(callee, []).append((index, number, target.shift))
                        if callee in target.guessed:
                            self.guessed[callee] = self.guessed.get(callee, 0) + 1
        self._wrappers_called()
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
        # what only the propagation (:meth:`run`) reads is made on its first use: the
        # stage's rounds build the project for its structure alone (auditor.flow.stage)
        self._untyped: dict[str, list[tuple[int, tuple[Any, ...]]]] | None = None
        self._read_calls: set[tuple[int, int]] | None = None
        self.params: dict[tuple[str, str], Info] = {}
        self.results: dict[tuple[int, int], Info] = {}
        self.attrs: dict[tuple[str, str], Info] = {}
        self._reads: set[Node] | None = None  # what the node being computed reads
        # a call instantiated with arguments of given origins, in this pass: (file, call,
        # depth, each parameter's origins and sanitizer) -> its value, and the nodes it read.
        # A parameter given nothing is in the key too: left out, it would be read over
        # every caller (the call's arguments evaluated outside any instantiation).
        # What an instance returns has origins that depend on its arguments' origins only
        # (not on their flows), so an instance is computed once per pass for each such key;
        # without it, a recursive evaluator (``evaluate(node)`` returning
        # ``evaluate_x(node)`` returning ``evaluate(node.x)``...) costs the number of its
        # return calls to the power of _INSTANCE_DEPTH, per call and per pass. The flow kept
        # is the first one computed.
        self._instances: dict[tuple[object, ...], tuple[Info, frozenset[Node]]] = {}
        self._budget = 0
        # the class whose instance (or a subclass's) ``self`` is in the function whose
        # labels are being read, when narrower than that function's own class: a base's
        # method reached from a subclass's ``self.m()`` or ``super().m()`` runs on that
        # subclass, and its own ``self.x()`` runs no override of a sibling subclass (None:
        # the function's own class, whose subclasses' overrides any may run)
        self._context: str | None = None
        # the (class, attribute) pairs whose methods' sets are being read (_methods_set):
        # a method that sets the attribute from the attribute itself reads it again
        self._setting: set[tuple[str, str]] = set()
        self._assigning: set[tuple[str, str]] = set()  # (_assigned)
        self.instantiated = 0  # instantiations computed (not found in the memo), all passes
        # beyond _INSTANCE_DEPTH (or the budget) a nested call's value is the called
        # function's summary: what it returns of its own (the "o" nodes) and, of this
        # call's arguments, those of the parameters its return carries (``flows``)
        self.owns: dict[str, Info] = {}
        self._flows: dict[str, Flows] | None = None
        self._unrolling: set[tuple[int, int]] = set()  # the summarised calls being computed
        self._cuts = 0  # how many times a summarised call was met inside its own value
        self._messages: dict[str, Source | None] = {}  # class -> its message_class source

    @property
    def untyped(self) -> dict[str, list[tuple[int, tuple[Any, ...]]]]:
        """The calls of a method on a receiver of unknown type, by the method's name
        (:meth:`maybe_called`)."""
        if self._untyped is None:
            self._untyped = self._untyped_calls()
        return self._untyped

    @property
    def read(self) -> set[tuple[int, int]]:
        """The calls whose result some label reads: only those are worth a result (most
        calls are kept for what they pass, their value unused)."""
        if self._read_calls is None:
            self._read_calls = {
                (index, number)
                for index, (_, summary) in enumerate(self.files)
                for number in _calls_read(summary)
            }
        return self._read_calls

    @property
    def flows(self) -> dict[str, Flows]:
        """Each function's parameters that its return value carries (:meth:`_param_flows`),
        made on first use with the sanitizers the project takes away
        (:attr:`sanitizers_voided`): a value that passes through a function's summary
        (beyond the instantiations' depth or budget) keeps no sanitizer the project shadows
        or patches, as an instantiated call keeps none."""
        if self._flows is None:
            self._flows = self._param_flows()
        return self._flows

    @property
    def sanitizers_voided(self) -> Callable[[str], tuple[tuple[str | None, Step], ...]] | None:
        """A sanitizer's dotted name -> where the project shadows or patches it, each with
        the folder whose files it concerns (None: all): auditor.flow.sanitizers, set by the
        stage before run(); None: no sanitizer is taken away. Setting it drops the
        functions' flows made without it."""
        return self._sanitizers_voided

    @sanitizers_voided.setter
    def sanitizers_voided(
        self, voided: Callable[[str], tuple[tuple[str | None, Step], ...]] | None
    ) -> None:
        self._sanitizers_voided = voided
        self._flows = None

    def _more_entries(self) -> None:
        """Entry points only the whole project shows: functions another file registers as
        tools (``mcp.add_tool(run)``), and the methods of a class that derives, through
        classes of the project, from a base-class source (a tool class deriving from the
        project's own subclass of ``BaseTool``). Their parameters become sources."""
        extra: dict[str, dict[str, tuple[str, str, str]]] = {}
        for index, (path, summary) in enumerate(self.files):
            for name, origin, note, bound, keywords, line, column in summary.registered:
                # a nested function (a factory's view, "mod.make.view") by its own key
                target = Target(name, 0) if name in self.functions else self.resolve(name)
                if target is None:
                    continue
                where, function = self.functions[target.function]
                first = 1 if function.kind in ("method", "class") else 0
                # (a functools.partial's own arguments are not the framework's)
                skipped = set(function.params[first : first + bound]) | set(keywords)
                for param in list(self._param_names(function))[first:]:
                    if param in skipped:
                        continue
                    known = extra.setdefault(target.function, {})
                    if param in known or param in function.entries:
                        continue
                    known[param] = (origin, note, "")
                    if where != index:
                        # the registration in another file is what makes the parameter a
                        # source: the flow names it (so check --changed of that file
                        # judges the finding)
                        step = Step(
                            path,
                            line,
                            column,
                            f"{function.key}() registered here: {note}",
                            "registered",
                            function.key,
                            note,
                        )
                        self.registrations[(target.function, param)] = step
        for gid, (index, function) in self.functions.items():
            if function.cls is None or function.kind != "method":
                continue
            method = function.key.rsplit(".", 1)[-1]
            for ancestor in self._ancestors(f"{self.module_of(index)}.{function.cls}"):
                for methods, skip, origin, note in self.classes[ancestor][1].sourced:
                    if not names_method(methods, method):
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
        return self._module_names[index]

    def _wrappers_called(self) -> None:
        """A decorator's wrapper (the function holding a call of the function it wraps,
        resolved through ``self.decorated``) is what the name of a function it decorates
        is bound to: each call of that function is also a call of the wrapper, with the
        same arguments (``@shell_command def disk_usage(path)``, ``disk_usage(x)``:
        ``wrapper(*args)`` receives ``x``)."""
        added: dict[str, list[tuple[int, int, int]]] = {}
        for (index, number), target in self.targets.items():
            call = self.files[index][1].calls[number]
            if target is None or not call.callee.startswith(DECORATED) or not call.caller:
                continue
            wrapper = self.gid(index, call.caller)
            if wrapper not in self.functions:
                continue
            for function in target.functions:
                for caller in self.callers.get(function, ()):
                    if caller[:2] != (index, number):
                        added.setdefault(wrapper, []).append(caller)
        for wrapper, calls in added.items():
            known = self.callers.setdefault(wrapper, [])
            known.extend(c for c in dict.fromkeys(calls) if c not in known)

    def gid(self, index: int, key: str) -> str:
        return f"{self.module_of(index)}.{key}"

    def resolve(self, name: str, hops: int = 0) -> Target | None:
        """The project function a dotted callee name calls, if any. A name that ends in
        ``()`` is an object being called (``Runner()``, an instance; ``make()``, what a call
        returned): its class's ``__call__``."""
        if hops > _MAX_HOPS or not name:
            return None
        if name.startswith(DECORATED):  # a wrapper calling the function it wraps
            decorator = self.resolve(name[len(DECORATED) :], hops + 1)
            found = self.decorated.get(decorator.function, []) if decorator is not None else []
            if not found:
                # a decorator nested in a factory (``def shell(opt): def deco(fn): ...;
                # return deco``): the functions decorated by a call of the factory
                factory = self.resolve(name[len(DECORATED) :].rpartition(".")[0], hops + 1)
                if factory is not None and factory.shift == 0:
                    found = self.decorated.get(f"{factory.function}()", [])
            if not found or len(found) > _MAX_OVERRIDES:
                return None
            return Target(found[0], 0, tuple(found[1:]))
        if "*" in name:
            if name not in self._lookups:
                self._lookups[name] = self._looked_up(name)
            return self._lookups[name]
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
        return self._foreign_dispatch(parts)

    def _foreign_dispatch(self, parts: list[str]) -> Target | None:
        """A method called on an object typed as a class of another package
        (``executor: CodeExecutor``, ``executor.execute_code_blocks(blocks)``) that
        classes of the project derive from: the object may be an instance of any of them,
        so the call may run their methods of that name (and those of their subclasses).
        Found by the type alone, so never what makes them called (``Target.guessed``): the
        other package may call them too."""
        if len(parts) < 2 or not parts[-2].endswith("()"):
            return None
        base = ".".join(parts[:-1]).removesuffix("()")
        derived = self.foreign.get(base)
        if not derived:
            return None
        name = parts[-1]
        found: list[str] = []
        seen: set[str] = set()
        queue = list(derived)
        while queue and len(seen) <= _MAX_FAMILY:
            cls = queue.pop(0)
            if cls in seen:
                continue
            seen.add(cls)
            target = self._method(cls, name, bound=True)
            if target is not None and target.function not in found:
                found.append(target.function)
            queue += self.subclasses.get(cls, [])
        if not found or len(found) > _MAX_OVERRIDES:
            return None
        shift = 1 if self.functions[found[0]][1].kind in ("method", "class") else 0
        return Target(found[0], shift, tuple(found[1:]), tuple(found))

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

    def _reexported_source(self, name: str) -> Source | None:
        """The source of the table (rules/sources.toml's calls) that ``name``, a callee
        through a module of the project, is: a name the module imports or binds to one
        (``from urllib.request import urlopen`` in ``compat``, called as
        ``compat.urlopen``), followed through re-exports."""
        found = self._reexports.get(name)
        if found is None and name not in self._reexports:
            outside = self._outside_name(name, 0)
            found = builtin().call_source(outside) if outside is not None else None
            self._reexports[name] = found
        return found

    def _outside_name(self, name: str, hops: int) -> str | None:
        """``name`` (a dotted callee under a module of the project) as the dotted name of
        another package it is bound to, when the project's modules re-export it."""
        if hops > _MAX_HOPS or not name or name.endswith("()"):
            return None
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            index = self.modules.get(module)
            if index is None:
                continue
            rest = parts[cut:]
            if rest[0].endswith("()"):
                return None
            target = self.files[index][1].exports.get(rest[0])
            if target is None:
                return None
            whole = ".".join([target, *rest[1:]])
            if whole.split(".")[0] in self._roots():
                return self._outside_name(whole, hops + 1)
            return whole
        return None

    def _roots(self) -> frozenset[str]:
        """The first names of the project's modules."""
        if self._module_roots is None:
            self._module_roots = frozenset(m.split(".")[0] for m in self.modules)
        return self._module_roots

    def _looked_up(self, name: str) -> Target | None:
        """What a lookup by a name known at run time may call (auditor.scan.summary's
        lookups): ``OWNER.HEAD*``, the functions whose name starts with HEAD (the public
        ones when HEAD is empty), or ``OWNER.NAME``, the one named so. OWNER: a module
        (its module-level functions), a class (its methods, and those of its subclasses,
        called on the class), an instance ``Class()`` (its instance and class methods and
        its subclasses'), ``*`` (any module's functions) or ``*()`` (any class's methods,
        called on an instance). Their first is the target, the others its overrides."""
        owner, _, last = name.rpartition(".")
        head, prefix = last.removesuffix("*"), last.endswith("*")

        def fits(function: str) -> bool:
            if prefix:
                return function.startswith(head) and (bool(head) or function[:1] != "_")
            return function == head

        found: list[str] = []
        shift = 0
        if owner in ("*", "*()"):
            instance = owner == "*()"
            shift = 1 if instance else 0
            for gid, (_, function) in self.functions.items():
                method = function.key.rpartition(".")[2]
                if instance:
                    own = function.cls is not None and function.key == f"{function.cls}.{method}"
                    if own and function.kind in ("method", "class") and fits(method):
                        found.append(gid)
                elif function.cls is None and "." not in function.key and fits(method):
                    found.append(gid)
        else:
            instance = owner.endswith("()")
            cls = self.constructed(owner.removesuffix("()"))
            if cls is not None:
                kinds = ("method", "class") if instance else ("method", "function")
                shift = 1 if instance else 0
                family = [cls, *self._ancestors(cls)]
                queue = list(self.subclasses.get(cls, []))
                while queue:
                    sub = queue.pop(0)
                    if sub not in family:
                        family.append(sub)
                        queue += self.subclasses.get(sub, [])
                for gid, (_, function) in self.functions.items():
                    klass, _, method = gid.rpartition(".")
                    if klass in family and function.kind in kinds and fits(method):
                        found.append(gid)
            elif not instance:
                module = owner if owner in self.modules else None
                if module is None:
                    tail = [m for m in self.modules if m.endswith("." + owner)]
                    module = tail[0] if len(tail) == 1 else None
                for gid, (_, function) in self.functions.items():
                    if module is None or function.cls is not None or "." in function.key:
                        continue
                    if gid == f"{module}.{function.key}" and fits(function.key):
                        found.append(gid)
                # and the functions it imports (``from a import run7``: in its globals())
                exports = self.files[self.modules[module]][1].exports if module else {}
                for local, imported in exports.items():
                    target = self.resolve(imported) if fits(local) else None
                    if target is not None and target.shift == 0:
                        found.append(target.function)
        if not found:
            return None
        return Target(found[0], shift, tuple(found[1:]))

    def _dispatch(self, cls: str, name: str, bound: bool) -> Target | None:
        """Method ``name`` called on an instance of ``cls`` (or on ``cls``): the method
        the class has or inherits, and when that one is abstract, the overrides of the
        project's subclasses of ``cls``, or, for a protocol's method, the methods of that
        name of every other class of the project (at most _MAX_OVERRIDES: beyond, the call
        is taken as one the analysis cannot follow)."""
        target = self._method(cls, name, bound)
        if target is None:
            return None
        if not self.functions[target.function][1].abstract:
            return self._virtual(cls, name, target)
        owner = target.function.rpartition(".")[0]
        if owner in self.protocols:
            found = [g for g in self.implementations(name) if g != target.function]
            if len(found) > _MAX_OVERRIDES:
                return None
            guessed = tuple(g for g in found if owner not in self._ancestry(g.rpartition(".")[0]))
            return Target(target.function, target.shift, tuple(found), guessed)
        found = self._overrides(cls, name, target.function)
        if len(found) > _MAX_OVERRIDES:
            return None
        return Target(target.function, target.shift, tuple(found))

    def _overrides(self, cls: str, name: str, implemented: str) -> list[str]:
        """The methods ``name`` of the project's subclasses of ``cls`` (at any depth,
        nearest first) other than ``implemented``; the walk stops once it has found more
        than _MAX_OVERRIDES."""
        found: list[str] = []
        seen = {cls}
        queue = list(self.subclasses.get(cls, []))
        while queue and len(found) <= _MAX_OVERRIDES:
            sub = queue.pop(0)
            if sub in seen:
                continue
            seen.add(sub)
            gid = f"{sub}.{name}"
            if gid in self.functions and gid != implemented:
                found.append(gid)
            queue += self.subclasses.get(sub, [])
        return found

    def _virtual(self, cls: str, name: str, target: Target) -> Target:
        """A method ``name`` that is implemented (``target``), called on an instance of
        ``cls``: the instance may be one of a project subclass of ``cls`` that overrides
        it (``self.command()`` in ``Job.run``, run on a ``WebJob``), so the call may run
        those overrides too (at most _MAX_OVERRIDES: beyond, only ``target``). Found by the
        type alone (``Target.guessed``): what the call passes does not make an override
        called, whose parameters stay those of code the analysis may not see."""
        found = self._overrides(cls, name, target.function)
        if not found or len(found) > _MAX_OVERRIDES:
            return target
        return Target(target.function, target.shift, tuple(found), tuple(found))

    def overridden(self, gid: str) -> bool:
        """Whether a project subclass of method ``gid``'s class defines a method of its
        name (an override, should ``gid`` be only declared)."""
        cls, _, name = gid.rpartition(".")
        seen = {cls}
        queue = list(self.subclasses.get(cls, []))
        while queue and len(seen) <= _MAX_FAMILY:
            sub = queue.pop()
            if sub in seen:
                continue
            seen.add(sub)
            if f"{sub}.{name}" in self.functions:
                return True
            queue += self.subclasses.get(sub, [])
        return False

    def implementations(self, name: str) -> list[str]:
        """The methods named ``name`` of the project's classes that are not protocols, in
        the order of the scan: what a call of a protocol's method may run (by structural
        typing, a class need not derive from the protocol). Instance and class methods only:
        a call on an instance passes ``self`` or ``cls`` first. Indexed on first use."""
        if self._by_name is None:
            self._by_name = {}
            for gid, (index, function) in self.functions.items():
                cls = function.cls
                if cls is None or function.kind not in ("method", "class"):
                    continue
                method = function.key.rsplit(".", 1)[-1]
                if function.key != f"{cls}.{method}" or self.gid(index, cls) in self.protocols:
                    continue
                self._by_name.setdefault(method, []).append(gid)
        return self._by_name.get(name, [])

    def dispatching(self, gid: str) -> set[str]:
        """The classes (global ids) on whose type a call of an abstract method reaches
        method ``gid``: its project bases that declare it abstract, the protocols that
        declare a method of its name (when they have few enough implementations to be
        followed), and the classes of other packages its class derives from (dotted
        names)."""
        function = self.functions[gid][1]
        if function.cls is None:
            return set()
        name = function.key.rsplit(".", 1)[-1]
        cls = gid.rpartition(".")[0]
        out = set()
        for base in self._ancestry(cls):
            found = self.functions.get(f"{base}.{name}")
            if found is not None and found[1].abstract:
                out.add(base)
        # the bases of another package it derives from (``class Local(CodeExecutor)``): a
        # call on an object typed as one may run it (see _foreign_dispatch)
        for klass in (cls, *self._ancestry(cls)):
            if klass in self.classes:
                out.update(b for b in self.classes[klass][1].bases if self.class_id(b) is None)
        if len(self.implementations(name)) <= _MAX_OVERRIDES:
            for protocol in self.protocols:
                found = self.functions.get(f"{protocol}.{name}")
                # a body the skeleton dropped: maybe only declared (the rounds ask for it)
                declared = found is not None and (found[1].abstract or not found[1].complete)
                if declared and protocol != cls:
                    out.add(protocol)
        return out

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
                labels = self.field_given(cls, call, attr)
                if not labels:
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
                out = out.merge(self.info(index, labels).step(step))
        return out

    def field_given(self, cls: str, call: Call, attr: str) -> tuple[Label, ...]:
        """What ``call``, a construction of class ``cls``, passes for its field ``attr``:
        the keyword of that name, the positional argument in its place (``DJob(cmd)``),
        or what a ``**mapping`` carries (``DJob(**request.get_json())``: any field)."""
        arg = call.kwargs.get(attr)
        if arg is not None:
            return arg.labels
        order = self._field_order(cls)
        position = order.index(attr) if attr in order else -1
        if 0 <= position < len(call.args):
            return call.args[position].labels
        return call.spread if call.star else ()

    def _field_order(self, gid: str) -> tuple[str, ...]:
        """The fields of class ``gid`` in the order its generated constructor takes them
        positionally (a dataclass's, an attrs class's, a NamedTuple's: the bases' first, in
        reverse order of the bases); none when the class or a project base defines
        ``__init__`` (that one says what the arguments are). Memoised."""
        found = self._orders.get(gid)
        if found is None:
            self._orders[gid] = ()  # a cycle of bases: none
            found = self._orders[gid] = self._ordered_fields(gid, 0) or ()
        return found

    def _ordered_fields(self, gid: str, depth: int) -> tuple[str, ...] | None:
        klass = self.classes.get(gid)
        if klass is None or depth > 8 or f"{gid}.__init__" in self.functions:
            return None
        out: list[str] = []
        for base in reversed(klass[1].bases):
            resolved = self.class_id(base)
            if resolved is None or resolved == gid:
                continue
            inherited = self._ordered_fields(resolved, depth + 1)
            if inherited is None:
                return None
            out += [f for f in inherited if f not in out]
        out += [f for f in klass[1].fields if f not in out]
        return tuple(out)

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

    def attr_family(self, gid: str, attr: str) -> tuple[str, ...]:
        """The classes whose ``attr`` an instance attribute read on ``self`` in a method of
        ``gid`` may be: ``gid``, its project bases (one assigned it in ``__init__``) and its
        subclasses (``self`` may be one of them, which assigned it: a coder's base class
        running ``self.shell_commands`` that a subclass in another file filled with the
        model's reply), each only when it assigns or declares ``attr``."""
        key = (gid, attr)
        found = self._families.get(key)
        if found is not None:
            return found
        related = [gid]
        for edges in (self.bases, self.subclasses):  # up from gid, then down from it
            seen = {gid}
            queue = [gid]
            while queue and len(seen) <= _MAX_FAMILY:
                for other in edges.get(queue.pop(), ()):
                    if other not in seen:
                        seen.add(other)
                        queue.append(other)
                        related.append(other)
        out = []
        for cls in related:
            klass = self.classes.get(cls)
            if klass is not None and (
                attr in klass[1].attrs
                or attr in klass[1].fields
                or (cls, attr) in self.object_attrs
            ):
                out.append(cls)
        self._families[key] = found = tuple(out) or (gid,)
        return found

    def _writes_any(self, gid: str) -> bool:
        """Whether class ``gid`` writes attributes by a name known at run time."""
        found = self.classes.get(gid)
        return (found is not None and ANY_ATTR in found[1].attrs) or (
            gid,
            ANY_ATTR,
        ) in self.object_attrs

    def _ancestry(self, gid: str) -> set[str]:
        """The project classes ``gid`` derives from (memoised)."""
        found = self._ancestries.get(gid)
        if found is None:
            found = self._ancestries[gid] = set(self._ancestors(gid))
        return found

    def _lineage(self, gid: str) -> set[str]:
        """``gid``, the project classes it derives from and those deriving from it: the
        classes an instance of ``gid`` may run the methods of."""
        found = self._lineages.get(gid)
        if found is None:
            found = {gid, *self._ancestry(gid)}
            queue = [gid]
            while queue and len(found) <= _MAX_FAMILY:
                for other in self.subclasses.get(queue.pop(), ()):
                    if other not in found:
                        found.add(other)
                        queue.append(other)
            self._lineages[gid] = found
        return found

    def _inherited(self, gid: str, base: str, attr: str) -> Info:
        """What ``self.<attr>`` holds in an instance of class ``gid`` where its project base
        ``base`` sets it: the parameters of the base's methods it is set from receive only
        what the calls made for ``gid``'s line pass (its constructions, ``super().__init__``
        in its own methods), not those of its sibling subclasses. Memoised in a pass."""
        key = ("inherited", gid, base, attr)
        found = self._instances.get(key)
        if found is None and (key in self._inheriting or len(self._inheriting) >= _MAX_INHERITED):
            # met inside its own value (or too deep): what the base's attribute holds over
            # every subclass, on the safe side
            return self._read("a", (base, attr))
        if found is None:
            self._inheriting.add(key)
            outer, self._reads = self._reads, set()
            context, self._context = self._context, None  # the memo is for any context
            try:
                index, klass = self.classes[base]
                labels = klass.attrs.get(attr, ())
                lineage = self._lineage(gid)
                subst: Subst = {}
                for name in _params_read(labels):
                    fgid = self.gid(index, name[0])
                    found_function = self.functions.get(fgid)
                    if found_function is None or found_function[1].cls != base.removeprefix(
                        self.module_of(index) + "."
                    ):
                        continue
                    function = found_function[1]
                    subst[(fgid, name[1])] = self._param(fgid, index, function, name[1], lineage)
                if subst:
                    value = self.info(index, labels, _INSTANCE_DEPTH, subst)
                else:
                    value = self._read("a", (base, attr))
                found = self._instances[key] = (value, frozenset(self._reads))
            finally:
                self._reads = outer
                self._context = context
                self._inheriting.discard(key)
        if self._reads is not None:
            self._reads |= found[1]
        return found[0]

    def _in_lineage(self, caller: int, number: int, lineage: set[str]) -> bool:
        """Whether call ``number`` of file ``caller`` is made for an instance of one of the
        classes of ``lineage``: in one of their methods, or constructing one of them."""
        call = self.files[caller][1].calls[number]
        if (caller, number) in self.constructors:
            built = self.constructed(call.callee)
            return built is None or built in lineage
        found = self.functions.get(self.gid(caller, call.caller)) if call.caller else None
        if found is None or found[1].cls is None:
            return True  # a call of the base's method from elsewhere: kept
        return self.gid(caller, found[1].cls) in lineage

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

    def exported_as(self, target: str) -> list[str]:
        """The module-level names, over every file, bound to ``target`` (``runner =
        Runner()``: ``"pkg.mod.Runner()"``); indexed on the first call."""
        if self._exported is None:
            self._exported = {}
            for _, summary in self.files:
                for name, bound in summary.exports.items():
                    self._exported.setdefault(bound, []).append(name)
        return self._exported.get(target, [])

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
                    # (a lookup by a name known at run time: any function it may give)
                    out.update(target.functions if "*" in name else (target.function,))
            attrs.update(summary.value_attrs)
        for gid, (_, function) in self.functions.items():
            # ``x.name`` used as a value: a bound method, or a module's function handed
            # over (``queue.subscribe(notify.send)``); by name, so on the safe side
            if function.opaque or gid.rsplit(".", 1)[-1] in attrs:
                out.add(gid)
        return out

    def _untyped_calls(self) -> dict[str, list[tuple[int, tuple[Any, ...]]]]:
        """The methods called on a receiver the analysis cannot type, by name: (file, the
        summary's note of them) of each file, with the calls of a project object's
        attribute that resolve to no function (``Toolkit().interp.run``)."""
        out: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
        roots = {module.split(".")[0] for module in self.modules}
        for index, (_, summary) in enumerate(self.files):
            for name, noted in summary.untyped.items():
                out.setdefault(name, []).append((index, noted))
            for number, call in enumerate(summary.calls):
                callee = call.callee
                if self.targets.get((index, number)) is not None or callee.endswith("()"):
                    continue
                head, _, name = callee.rpartition(".")
                if "()" not in head or callee.split(".")[0] not in roots:
                    continue
                if (index, number) in self.constructors:
                    continue
                keywords = tuple(sorted(call.kwargs))
                noted = (call.line, call.column, call.text, len(call.args), keywords, call.star)
                out.setdefault(name, []).append((index, noted))
        return out

    def maybe_called(
        self, gid: str, function: Function, name: str
    ) -> tuple[int, tuple[Any, ...]] | None:
        """A call of a method on a receiver of unknown type that may be a call of method
        ``gid`` passing its parameter ``name`` (by the method's name and what the call
        passes): a caller the analysis does not see, so the parameter may be anything."""
        if function.kind != "method":
            return None
        method = function.key.rsplit(".", 1)[-1]
        if method.startswith("__") and method.endswith("__"):
            return None
        for index, noted in self.untyped.get(method, ()):
            most, keywords, star = noted[3], noted[4], noted[5]
            if star:
                return (index, noted)
            if name in function.params:
                if function.params.index(name) - 1 < most or name in keywords:
                    return (index, noted)
            elif name in function.kwonly:
                if name in keywords:
                    return (index, noted)
            elif name == function.vararg:
                if most > len(function.params) - 1:
                    return (index, noted)
            elif name == function.kwarg:
                named = set(function.params) | set(function.kwonly)
                if any(k not in named for k in keywords):
                    return (index, noted)
        return None

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
            return self._read("p", key)
        if kind == "c":
            if subst is None:  # not inside an instantiation: the call's own result
                return self._read("r", (index, label[1]))
            if depth < _INSTANCE_DEPTH and self._budget > 0:
                return self._instance(index, label[1], subst, depth + 1)
            # beyond the depth or the budget: the called function's summary, applied to
            # what this call passes (never the call's result over every caller of the
            # function it is in, which would carry one caller's origin into another's)
            return self._summarised(index, label[1], subst)
        if kind == "a":
            return self._instance_attr(self.gid(index, label[1]), label[2])
        if kind == "b":  # self.<attr> that a framework base class may set
            return self._framework_attr(index, label)
        if kind == "m":  # a field of an instance of a class the model may fill in
            cls = self.constructed(str(label[1])) or str(label[1])
            return self._message_field(index, cls, str(label[5]), label[3], label[4])
        if kind == "q":
            inner = self.label(index, label[2], depth, subst)
            taken = self.sanitizer_taken(index, label[1])
            if taken is not None:  # shadowed or patched by the project: it says where
                return inner.step(taken)
            return inner if self.voided(index, label[1]) else inner.sanitized(label[1])
        if kind == "u":
            return self.label(index, label[2], depth, subst).unquoted(label[1])
        if kind == "w":  # written to the standard input of the shell the site started
            note = f"written to its standard input by {label[3]}()"
            step = Step(path, label[1], label[2], note, "fed", label[3])
            return self.label(index, label[4], depth, subst).step(step)
        if kind == "f":
            value = self.label(index, label[3], depth, subst)
            made = self.constructed(str(label[1]))
            if made is not None:
                # ``p = Protocol(); p.commands.get()``: what the class's methods set on the
                # attribute (``self.commands.put(msg)``), besides what ``p`` is built from
                # (whose flow, through the constructor's call, is kept when as dangerous).
                # Not what a method sets by a name known at run time: a base's
                # ``deserialize(data)`` doing ``setattr(self, k, v)`` for a sibling class's
                # instance made every attribute of every subclass carry that data (ansible's
                # ``task._uuid`` read as what a PlayContext was sent on standard input)
                value = value.widened(self._methods_set(made, str(label[2])))
            converted = self._converted(label[1], label[2])
            if converted:
                value = value.sanitized(converted)
            if made is not None:
                # ``job.n = request.args["n"]`` anywhere in the project: what an instance's
                # field is assigned after it is made, converted only when the model
                # validates assignment (pydantic's default does not)
                assigned = self._assigned(made, str(label[2]))
                if converted and self._validates_assignment(made):
                    assigned = assigned.sanitized(converted)
                value = value.widened(assigned)
            return value
        return NOTHING

    def written(self, target: str) -> Info:
        """What the files write to ``target`` (an absolute dotted name: another module's
        global, a class attribute) from outside it (:attr:`outside`)."""
        out = NOTHING
        for where, labels, _ in self.outside.get(target, ()):
            out = out.merge(self.info(where, labels))
        return out

    def sanitizer_taken(self, index: int, note: str) -> Step | None:
        """The step that says why the sanitizer ``note`` (``quoted or converted
        (shlex.quote)``) of file ``index`` is none: a file of the project named like its
        module, or one that replaces it at run time (auditor.flow.sanitizers); None when it
        holds."""
        if self.sanitizers_voided is None or not note.endswith(")") or "(" not in note:
            return None
        name = note[note.rfind("(") + 1 : -1]
        voids = self.sanitizers_voided(name)
        if not voids:
            return None
        folder = self.files[index][0].replace(os.sep, "/").rpartition("/")[0]
        for scope, step in voids:
            if scope is None or scope == folder:
                return step
        return None

    def voided(self, index: int, note: str) -> bool:
        """Whether the sanitizer ``note`` of file ``index`` is an allow-list check
        (auditor.scan.summary's ``guarded``) whose list a file changes, in place or not,
        with something other than a constant (``settings.ALLOWED_CMDS.append(request.
        form["cmd"])`` in admin.py): then it allows whatever was put there; or a sanitizer
        the project shadows or patches (:meth:`sanitizer_taken`)."""
        if self.sanitizer_taken(index, note) is not None:
            return True
        if not note.startswith(ALLOW_LIST) or not (self.outside or self.sourced_lists):
            return False
        target = self.allow_list(index, note)
        if target is None:
            return False
        if target in self.sourced_lists:
            return True
        return any(not const for _, _, const in self.outside.get(target, ()))

    def allow_list(self, index: int, note: str) -> str | None:
        """The absolute dotted name of the module-level list that the allow-list check
        ``note`` of file ``index`` reads (``settings.ALLOWED``: ``app.settings.ALLOWED``),
        or None when it is no such list."""
        code = note[len(ALLOW_LIST) :]
        root, _, rest = code.partition(".")
        summary = self.files[index][1]
        base = summary.exports.get(root)
        if base is None:
            if rest or not summary.module:
                return None
            base = f"{summary.module}.{root}"  # a list of the module itself, changed elsewhere
        return f"{base}.{rest}" if rest else base

    def _instance_attr(self, gid: str, attr: str) -> Info:
        """What the methods of class ``gid`` (its bases' and subclasses' too) set on
        ``self.<attr>``, what is set on an instance's from outside, and what the
        constructors pass for it when it is a declared field."""
        out = NOTHING
        # an attribute written by a name known only at run time may be this one
        for name in (attr, ANY_ATTR) if attr != ANY_ATTR else (attr,):
            for cls in self.attr_family(gid, name):
                if name == ANY_ATTR and not self._writes_any(cls):
                    continue
                if cls != gid and cls in self._ancestry(gid):
                    # a base's method set it from its parameters: only what the calls
                    # of gid's own line pass (not a sibling subclass's super().__init__)
                    out = out.merge(self._inherited(gid, cls, name))
                else:
                    out = out.merge(self._read("a", (cls, name)))
        return out

    def _assigned(self, gid: str, attr: str) -> Info:
        """What the project's code assigns to ``attr`` of an instance of class ``gid`` from
        outside its methods (``job.n = x``: :attr:`object_attrs`)."""
        key = (gid, attr)
        if key in self._assigning:
            return NOTHING  # read already, further up (``a.n = b.n`` of two instances)
        self._assigning.add(key)
        try:
            out = NOTHING
            for where, labels in self.object_attrs.get(key, ()):
                out = out.merge(self.info(where, labels))
        finally:
            self._assigning.discard(key)
        return out

    def _validates_assignment(self, gid: str, depth: int = 0) -> bool:
        """Whether class ``gid``, or a project base of it, converts a field assigned after
        an instance is made (pydantic's ``validate_assignment``)."""
        found = self.classes.get(gid)
        if found is None or depth > 8:
            return False
        if found[1].validates_assignment:
            return True
        for base in found[1].bases:
            resolved = self.class_id(base)
            if resolved is not None and self._validates_assignment(resolved, depth + 1):
                return True
        return False

    def _methods_set(self, gid: str, attr: str) -> Info:
        """What the methods of class ``gid`` and of its subclasses set on ``self.<attr>``
        by its name: what an instance's attribute read outside the class may hold besides
        what the instance was built from. Not the bases' methods (shared with sibling
        classes: ansible's ``FieldAttributeBase.deserialize`` run on a PlayContext read
        from standard input is not what a Task's ``_uuid`` holds), nor what other
        instances were built with (every ``LLMConfig(model=...)`` of the project is not
        what one ``config.model`` holds)."""
        key = (gid, attr)
        if key in self._setting:
            return NOTHING  # read already, further up
        self._setting.add(key)
        try:
            out = NOTHING
            for cls in self.attr_family(gid, attr):
                if cls != gid and gid not in self._ancestry(cls):
                    continue
                found = self.classes.get(cls)
                if found is not None:
                    out = out.merge(self.info(found[0], found[1].attrs.get(attr, ())))
        finally:
            self._setting.discard(key)
        return out

    def _framework_attr(self, index: int, label: Label) -> Info:
        """``self.<attr>`` read in a method of a class that derives (maybe through the
        project's classes) from a framework base that sets it (``self.request``,
        ``self.kwargs`` of a Django view), or a method of it that reads the request
        (``self.get_argument()`` of a Tornado handler, ``attr`` ending in "()"): the base's
        source."""
        gid, attr = self.gid(index, label[1]), label[2]
        for cls in (gid, *self._ancestors(gid)):
            found = self.classes.get(cls)
            given = found[1].framework_attrs.get(attr) if found is not None else None
            if given is not None:
                origin, note = given
                where = f"self.{attr}"
                how = "read" if attr.endswith("()") else "set"
                text = f"{note}, {how} by the framework: {where}"
                step = Step(self.files[index][0], label[3], label[4], text, "source", where, note)
                return Info(Reach(origin, (step,)))
        return self._message_field(index, gid, f"self.{attr}", label[3], label[4])

    def _message_field(self, index: int, cls: str, where: str, line: Any, column: Any) -> Info:
        """A field of an instance of ``cls`` (a global id, or the dotted name of a class of
        another package): the source when the class is, or derives through the project's
        classes from, a class whose instances the model fills in (a langroid tool
        message, rules/sources.toml's ``message_class``)."""
        source = self._message(cls)
        if source is None:
            return NOTHING
        text = f"{source.note}: {where}"
        step = Step(self.files[index][0], line, column, text, "source", where, source.note)
        return Info(Reach(source.origin, (step,)))

    def _message(self, cls: str) -> Source | None:
        if cls not in self._messages:
            names = (cls, *self._ancestors(cls))
            bases = (b for n in names if n in self.classes for b in self.classes[n][1].bases)
            found = (builtin().messages.get(name) for name in (cls, *bases))
            self._messages[cls] = next((s for s in found if s is not None), None)
        return self._messages[cls]

    # -- the fixpoint ----------------------------------------------------------------------
    def run(self) -> None:
        """Passes over every node (parameters, then call results, then instance attributes)
        until none improves. A node is computed again only when something it read improved
        since (its dependencies are recorded as it reads them, through the instantiations
        it reuses too), or when something it read changed in the pass that computed it (an
        instantiation it reused may have been computed before that change): the nodes
        computing every node on every pass would find changed, without the cost of
        recomputing what cannot change."""
        self.flows  # noqa: B018 (made here, before any node reads them)
        nodes = self._nodes()
        dependents: dict[Node, set[Node]] = {}
        dirty: set[Node] = set(nodes)
        for _ in range(_MAX_PASSES):
            self._instances.clear()  # what they read may have changed since
            changed: set[Node] = set()  # the nodes changed in this pass
            again: set[Node] = set()  # the nodes that read one of them in this pass
            for node in nodes:
                if node not in dirty:
                    continue
                dirty.discard(node)
                self._reads = set()
                self._budget = _INSTANCE_BUDGET
                try:
                    value = self._compute(node)
                    reads = self._reads
                finally:
                    self._reads = None
                for read in reads:
                    dependents.setdefault(read, set()).add(node)
                if not changed.isdisjoint(reads):
                    again.add(node)
                store = self._store(node[0])
                old = store.get(node[1], NOTHING)
                merged = old.merge(value)
                if merged.key() != old.key():
                    store[node[1]] = merged
                    changed.add(node)
                    dirty.update(dependents.get(node, ()))
            if not changed:
                return
            dirty |= again

    def _nodes(self) -> list[Node]:
        out: list[Node] = []
        for gid, (_, function) in self.functions.items():
            out.extend(("p", (gid, name)) for name in self._param_names(function))
        out.extend(("o", gid) for gid, (_, f) in self.functions.items() if f.returns)
        out.extend(("r", key) for key in self.targets if key in self.read)
        for gid, (_, klass) in self.classes.items():
            names = set(klass.attrs) | set(klass.fields)
            out.extend(("a", (gid, attr)) for attr in sorted(names))
        out.extend(
            ("a", key)
            for key in sorted(self.object_attrs)
            if key[1] not in self.classes[key[0]][1].attrs
            and key[1] not in self.classes[key[0]][1].fields
        )
        return out

    def _store(self, kind: str) -> dict[Any, Info]:
        if kind == "p":
            return self.params
        if kind == "o":
            return self.owns
        return self.results if kind == "r" else self.attrs

    def _compute(self, node: Node) -> Info:
        kind, key = node
        self._context = None
        if kind == "p":
            gid, name = key
            index, function = self.functions[gid]
            return self._param(gid, index, function, name)
        if kind == "r":
            index, number = key
            return self._result(index, number, self.targets[key])
        if kind == "o":
            return self._own(key)
        gid, attr = key
        index, klass = self.classes[gid]
        value = self.info(index, klass.attrs.get(attr, ()))
        for where, labels in self.object_attrs.get((gid, attr), ()):
            value = value.merge(self.info(where, labels))
        return value.merge(self._field_values(gid, attr))

    def _read(self, kind: str, key: Any) -> Info:
        """A node's current value, noted as read by the node being computed."""
        if self._reads is not None:
            self._reads.add((kind, key))
        return self._store(kind).get(key, NOTHING)

    @staticmethod
    def _param_names(function: Function) -> Iterator[str]:
        yield from function.params
        yield from function.kwonly
        if function.vararg:
            yield function.vararg
        if function.kwarg:
            yield function.kwarg

    def _param(
        self,
        gid: str,
        index: int,
        function: Function,
        name: str,
        lineage: set[str] | None = None,
        instance: str | None = None,
    ) -> Info:
        """What parameter ``name`` of function ``gid`` receives; with ``lineage``, only from
        the calls made for an instance of those classes (see :meth:`_inherited`); with
        ``instance``, a class, not from the calls made on ``self`` in the methods of a class
        an instance of it cannot run (a sibling subclass's, see :meth:`_narrowed`)."""
        path = self.files[index][0]
        out = NOTHING
        entry = function.entries.get(name)
        if entry is not None:
            note = f"{entry[1]}: `{name}` of {function.key}()"
            step = Step(path, function.line, function.column, note, "entry", function.key, name)
            registered = self.registrations.get((gid, name))
            steps = (step,) if registered is None else (registered, step)
            reached = Info(Reach(entry[0], steps))
            out = out.merge(reached.sanitized(entry[2]) if entry[2] else reached)
        injected = function.injected.get(name)
        if injected is not None:  # filled in by the framework from a provider's result
            out = out.merge(self.info(index, injected.labels))
            for label in injected.labels:
                # ``Depends(Class)``: the framework fills the constructor's parameters in,
                # and the object holds them
                target = self.targets.get((index, label[1])) if label[0] == "c" else None
                if target is None or (index, label[1]) not in self.constructors:
                    continue
                constructor = self.functions[target.function][1]
                call = self.files[index][1].calls[label[1]]
                note = f"filled in by the framework: {call.text}()"
                step = Step(path, call.line, call.column, note, "returned", call.text)
                for param in list(self._param_names(constructor))[target.shift :]:
                    out = out.merge(self._read("p", (target.function, param)).step(step))
            return out
        callers = self.callers.get(gid, [])
        if instance is not None:  # (none left: as if called from code the analysis cannot see)
            callers = [
                c
                for c in callers
                if self._made_for(c[0], self.files[c[0]][1].calls[c[1]], instance)
            ]
        is_self = function.kind in ("method", "class") and function.params[:1] == (name,)
        # the calls of a protocol's method that only its name matches are no proof of a
        # caller: without others, the parameter is still one of code the analysis cannot see
        called = len(callers) > self.guessed.get(gid, 0)
        unseen = called and function.key.rsplit(".", 1)[-1] in self.unseen
        if (not called or gid in self.escaping or unseen) and entry is None and not is_self:
            what = f"parameter `{name}` of {function.key}()"
            if unseen:
                note = f"{what}, called from files not read for it"
            elif called and function.opaque:
                note = f"{what}, wrapped by a decorator the analysis does not follow"
            elif called:
                note = f"{what}, handed over as a value: called from code the analysis cannot see"
            else:
                note = f"{what}, called from code the analysis cannot see"
            step = Step(path, function.line, function.column, note, "parameter", function.key, name)
            out = out.merge(Info(Reach("parameter", (step,))))
        maybe = None if entry is not None or is_self else self.maybe_called(gid, function, name)
        if maybe is not None:
            where, noted = maybe
            note = (
                f"maybe passed to {noted[2]}() as `{name}`: a receiver the analysis cannot "
                "type, so a caller it does not see"
            )
            step = Step(
                self.files[where][0], noted[0], noted[1], note, "parameter", function.key, name
            )
            out = out.merge(Info(Reach("parameter", (step,))))
        for caller, number, shift in callers:
            if lineage is not None and not self._in_lineage(caller, number, lineage):
                continue
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
            # a call on the caller's ``self`` that runs an override of a subclass: that
            # ``self`` is an instance of the subclass, and what it passes is read so (its
            # own ``self.x()`` runs no sibling subclass's override); its calls instantiated
            # (depth -1: at depth 0, as the calls' own results are, see _result)
            narrowed = self._narrowing(caller, call, gid)
            subst = None if narrowed is None else self._narrowed(caller, call.caller, narrowed)
            depth = 0 if narrowed is None else -1
            outer, self._context = self._context, narrowed
            try:
                if how == "unknown":  # behind *args / **kwargs: what it passes is not visible
                    out = out.merge(Info(Reach("parameter", (step,))))
                    # but what they are made of is: any of it may be this parameter's
                    out = out.merge(self.info(caller, call.spread, depth, subst).step(step))
                elif how == "default":
                    default = function.defaults.get(name)
                    if default is not None:
                        out = out.merge(self.info(index, default.labels))
                elif arg is not None:
                    out = out.merge(self.info(caller, arg.labels, depth, subst).step(step))
            finally:
                self._context = outer
        return out

    def _narrowed(self, index: int, key: str, cls: str) -> Subst:
        """The parameters of method ``key`` (of file ``index``) when it runs on an instance
        of ``cls`` (or of a subclass): what its calls pass, but those made on ``self`` in a
        method of a class such an instance cannot be (``self.exec(x)`` in a sibling
        subclass runs the base's ``exec`` on a sibling's instance). Memoised in a pass; met
        inside its own value (or too deep), what every call passes, on the safe side."""
        gid = self.gid(index, key)
        function = self.functions[gid][1]
        out: Subst = {}
        for name in self._param_names(function):
            if function.params[:1] == (name,):
                continue  # self
            memo = ("narrowed", gid, name, cls)
            found = self._instances.get(memo)
            if found is None and (
                memo in self._inheriting or len(self._inheriting) >= _MAX_INHERITED
            ):
                out[(gid, name)] = self._read("p", (gid, name))
                continue
            if found is None:
                self._inheriting.add(memo)
                outer, self._reads = self._reads, set()
                context, self._context = self._context, None
                try:
                    value = self._param(gid, index, function, name, instance=cls)
                    found = self._instances[memo] = (value, frozenset(self._reads))
                finally:
                    self._reads = outer
                    self._context = context
                    self._inheriting.discard(memo)
            if self._reads is not None:
                self._reads |= found[1]
            out[(gid, name)] = found[0]
        return out

    def _made_for(self, caller: int, call: Call, cls: str) -> bool:
        """Whether ``call`` (of file ``caller``) may run on an instance of ``cls``: not when
        it is made on ``self`` in a method of a class outside ``cls``'s lineage."""
        if not self._on_self(caller, call):
            return True
        lineage = self._lineage(cls)
        own = self._class_of(self.gid(caller, call.caller))
        return len(lineage) > _MAX_FAMILY or own in lineage

    def _narrowing(self, caller: int, call: Call, gid: str) -> str | None:
        """The class the calling method's ``self`` is known to be when ``call`` (of file
        ``caller``, made on that ``self``) runs method ``gid``, when narrower than the
        calling method's own class (``gid`` an override of a subclass); else None."""
        if not self._on_self(caller, call):
            return None
        known = self._receiver_class(caller, call, gid)
        own = self._class_of(self.gid(caller, call.caller))
        if known is None or own is None or known == own or own not in self._ancestry(known):
            return None  # (a protocol's method run by name: a class it does not derive from)
        return known

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
        """Call ``number`` of file ``index`` instantiated with ``subst`` (memoised)."""
        key = (
            index,
            number,
            depth,
            self._context,
            *sorted((k, v.key(), v.sanitizer) for k, v in subst.items()),
        )
        found = self._instances.get(key)
        if found is None:
            self._budget -= 1
            self.instantiated += 1
            outer, self._reads = self._reads, set()
            try:
                value = self._call_value(index, number, subst, depth)
                found = self._instances[key] = (value, frozenset(self._reads))
            finally:
                self._reads = outer
        if self._reads is not None:  # what it read, the node reusing it reads
            self._reads |= found[1]
        return found[0]

    def _call_value(self, index: int, number: int, subst: Subst, depth: int) -> Info:
        """What call ``number`` of file ``index`` returns, its arguments read with ``subst``
        (the parameters of the function it is in, when that call is itself instantiated)."""
        return self._valued(index, number, subst, depth, self._returned)

    def _valued(
        self,
        index: int,
        number: int,
        subst: Subst,
        depth: int,
        each: Callable[[int, Call, Target, str, Subst, int, Step], Info],
    ) -> Info:
        """Call ``number`` of file ``index``: what it carries of its arguments when the
        analysis cannot follow it, else what ``each`` gives for every function it runs
        (and what a constructed object carries of its arguments)."""
        call = self.files[index][1].calls[number]
        target = self.targets.get((index, number))
        parts = [*call.args, *call.kwargs.values()]
        if call.receiver is not None:
            parts.append(call.receiver)
        implemented = [] if target is None else self._implemented(target)
        if implemented and self._context is not None and self._on_self(index, call):
            implemented = self._possible(implemented, self._context)
        # what ``*args`` and ``**mapping`` spread out is an argument too
        # (``Model.model_construct(**request.json)``)
        given = [x for p in parts for x in p.labels] + list(call.spread)
        if target is None:
            source = self._reexported_source(call.callee)
            if source is not None:
                # ``from .compat import urlopen``: the source of the table another module
                # of the project imports, whose result is the source's alone (``ask(banner)``
                # returns the line typed, not what the banner carries)
                label = ("s", source.origin, call.line, call.column, source.note, call.text + "()")
                return self.info(index, [label], depth, subst)
        if not implemented:  # what it carries of its arguments, as any unknown call
            carried = [] if call.fallback_only else [self.cut(x) for x in given]
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
            out = self.info(index, given, depth, subst)
        for gid in implemented:
            out = out.merge(each(index, call, target, gid, subst, depth, step))
        return out

    def cut(self, label: Label) -> Label:
        """``label`` carried by a call the analysis cannot follow: its shell quotes may be
        cut off (a source is no quoted word of its own; see auditor.scan.summary._undone)."""
        if label[0] in ("s", "u") or not self.quoting:
            return label
        return ("u", self.quoting, label)

    def _implemented(self, target: Target) -> list[str]:
        """The functions a resolved call runs whose body the analysis has: the method (or
        an abstract method's overrides); none when a body was not analysed (the call is
        then taken as one the analysis cannot follow)."""
        out = []
        virtual = not self.functions[target.function][1].abstract
        for gid in target.functions:
            function = self.functions[gid][1]
            if not function.complete:
                if virtual and gid in target.guessed and gid != target.function:
                    continue  # an override maybe run (_virtual): the method itself still is
                return []
            if not function.abstract:
                out.append(gid)
        return out

    def _on_self(self, index: int, call: Call) -> bool:
        """Whether ``call`` (of file ``index``) is made on the instance (or class) the method
        it is in runs on: ``self.m()``, ``cls.m()``, ``super().m()``."""
        found = self.functions.get(self.gid(index, call.caller)) if call.caller else None
        if found is None or found[1].cls is None or found[1].kind not in ("method", "class"):
            return False
        if call.text.startswith("super("):
            return True
        first = found[1].params[:1]
        return (
            bool(first)
            and call.receiver is not None
            and call.receiver.labels == (("p", call.caller, first[0]),)
        )

    def _class_of(self, gid: str) -> str | None:
        """The class (global id) method ``gid`` is defined in, if it is a method."""
        index, function = self.functions[gid]
        return None if function.cls is None else self.gid(index, function.cls)

    def _receiver_class(self, index: int, call: Call, gid: str) -> str | None:
        """The class whose instance (or a subclass's) ``call`` runs method ``gid`` on, as
        far as the analysis knows it: the narrower of ``gid``'s own class and the class of
        the receiver (the calling method's ``self``: its :attr:`_context`, else its own
        class; another receiver: the project class the callee is named by,
        ``pkg.mod.Job().run``). None when ``gid`` is no method."""
        own = self._class_of(gid)
        if own is None:
            return None
        if self._on_self(index, call):
            known = self._context or self._class_of(self.gid(index, call.caller))
        else:
            head = call.callee.rpartition(".")[0]
            known = self.class_id(head[:-2]) if head.endswith("()") else None
        if known is None or known == own:
            return own
        if own in self._ancestry(known):
            return known  # gid is inherited by the receiver's class
        return own  # an override in a subclass, or a class the receiver's does not know

    def _possible(self, functions: list[str], cls: str) -> list[str]:
        """Of the methods a call on ``self`` dispatches to, those an instance of ``cls`` (or
        of a subclass) may run: of ``cls``, its bases or its subclasses, not of a sibling
        subclass under a common base. All of them when ``cls`` has too many subclasses to
        be sure of them."""
        lineage = self._lineage(cls)
        if len(lineage) > _MAX_FAMILY:
            return functions
        return [g for g in functions if self._class_of(g) in lineage]

    def _returned(
        self, index: int, call: Call, target: Target, gid: str, subst: Subst, depth: int, step: Step
    ) -> Info:
        """What function ``gid`` returns when ``call`` (of file ``index``) runs it."""
        callee_index, function = self.functions[gid]
        outer = self._context
        known = self._receiver_class(index, call, gid)
        try:
            if self._on_self(index, call):  # the caller's ``self`` is the instance running gid
                self._context = self._narrowing(index, call, gid)
            inner: Subst = {
                (gid, name): self._passed(index, call, target, gid, name, subst, depth, step)
                for name in self._param_names(function)
            }
            self._context = None if known == self._class_of(gid) else known
            returned = [self.info(callee_index, (x,), depth, inner) for x in function.returns]
        finally:
            self._context = outer
        out = NOTHING
        for label, value in zip(function.returns, returned, strict=True):
            # what came in as an argument goes back out where it came from (maybe with its
            # shell quotes cut: ``return q[1:-1]``): no step for it
            own = uncut(label)
            passed = (
                own[0] == "p"
                and own[1] == function.key
                and own[2] not in function.entries
                and own[2] not in function.injected
            )
            out = out.merge(value if passed else value.step(step))
        return out

    # -- summaries: a nested call beyond the instantiation depth ----------------------------
    def _own(self, gid: str) -> Info:
        """What function ``gid`` returns of its own: its sources, the attributes and the
        results of the calls it reads that do not depend on its parameters (a parameter a
        framework fills in is its own too). Nested calls are summarised in turn."""
        index, function = self.functions[gid]
        nothing: Subst = {
            (gid, name): NOTHING
            for name in self._param_names(function)
            if name not in function.entries
        }
        # at _INSTANCE_DEPTH, every call in it is summarised: no instantiation here
        return self.info(index, function.returns, _INSTANCE_DEPTH, nothing)

    def _summarised(self, index: int, number: int, subst: Subst) -> Info:
        """Call ``number`` of file ``index``, its arguments read with ``subst``, valued by
        the summaries of what it runs (memoised in a pass like an instance; a call met
        inside its own value, through a loop of assignments, adds nothing there)."""
        key = (
            "summary",
            index,
            number,
            self._context,
            *sorted((k, v.key(), v.sanitizer) for k, v in subst.items()),
        )
        found = self._instances.get(key)
        if found is None:
            if (index, number) in self._unrolling:
                self._cuts += 1
                return NOTHING
            cuts = self._cuts
            outer, self._reads = self._reads, set()
            self._unrolling.add((index, number))
            try:
                value = self._summary_value(index, number, subst)
                found = (value, frozenset(self._reads))
                if self._cuts == cuts:  # complete: no loop was cut inside it
                    self._instances[key] = found
            finally:
                self._unrolling.discard((index, number))
                self._reads = outer
        if self._reads is not None:
            self._reads |= found[1]
        return found[0]

    def _summary_value(self, index: int, number: int, subst: Subst) -> Info:
        return self._valued(index, number, subst, _INSTANCE_DEPTH, self._from_summary)

    def _from_summary(
        self, index: int, call: Call, target: Target, gid: str, subst: Subst, depth: int, step: Step
    ) -> Info:
        """What function ``gid`` returns when ``call`` runs it, by its summary: its own part,
        and what the call passes for the parameters its return carries."""
        value = self._read("o", gid)
        outer = self._context
        # the caller's ``self`` is the instance running gid, when the call is made on it
        narrowed = self._narrowing(index, call, gid) if self._on_self(index, call) else outer
        for name, notes in self.flows.get(gid, {}).items():
            self._context = narrowed
            try:
                passed = self._passed(index, call, target, gid, name, subst, depth, step)
            finally:
                self._context = outer
            # in a fixed order, not the set's: of two as dangerous, the first kept gives
            # the value its sanitizer, which keys the memo (PYTHONHASHSEED must not matter)
            for note in ordered_notes(notes):
                if note is None:
                    value = value.merge(passed)
                elif note.startswith(_CUT):
                    value = value.merge(passed.unquoted(note.removeprefix(_CUT)))
                else:
                    value = value.merge(passed.sanitized(note))
        return value.step(step)

    def _param_flows(self) -> dict[str, Flows]:
        """Each function's parameters that its return value carries, and through which
        sanitizers: a fixpoint over the functions, a call in what one returns carrying
        what the called function's return carries of the arguments it is given."""
        flows: dict[str, Flows] = {}
        users: dict[str, set[str]] = {}  # function -> the functions whose flows read its
        work = [gid for gid, (_, f) in self.functions.items() if f.returns]
        queued = set(work)
        while work:
            gid = work.pop()
            queued.discard(gid)
            index, function = self.functions[gid]
            walk = _FlowWalk(self, flows, index, function)
            found: dict[str, set[str | None]] = {}
            for label in function.returns:
                _add_flows(found, walk.label(label))
            for callee in walk.read:
                users.setdefault(callee, set()).add(gid)
            # in the parameters' names' order, not a set's: which of them is instantiated
            # first takes the budget (the flows must not follow PYTHONHASHSEED)
            new = {name: frozenset(notes) for name, notes in sorted(found.items())}
            if new != flows.get(gid, {}):
                flows[gid] = new
                for user in users.get(gid, ()):
                    if user not in queued:
                        queued.add(user)
                        work.append(user)
        return flows

    def _passed(
        self,
        index: int,
        call: Call,
        target: Target,
        gid: str,
        name: str,
        subst: Subst,
        depth: int,
        step: Step,
    ) -> Info:
        """What parameter ``name`` of function ``gid`` holds when ``call`` (of file
        ``index``, its arguments read with ``subst``) runs it."""
        callee_index, function = self.functions[gid]
        if name in function.entries:  # a framework fills it in, not this call
            return self._read("p", (gid, name))
        how, arg = self._argument(function, call, name, target.shift)
        if how == "unknown":  # behind *args / **kwargs: any of what they are made of
            spread = self.info(index, call.spread, depth, subst) if call.spread else NOTHING
            return Info(Reach("parameter", (step,))).merge(spread)
        if arg is not None:
            return self.info(index, arg.labels, depth, subst)
        if name in function.injected:
            return self._read("p", (gid, name))
        default = function.defaults.get(name)
        return self.info(callee_index, default.labels) if default else NOTHING

    # -- what the sites depend on ----------------------------------------------------------
    def wanted(self, limit: int = 200_000) -> set[str]:
        """The functions whose return value a site's payload may carry but whose body the
        per-file stage dropped: a backward slice from every site's labels through
        parameters (to the arguments of their calls), call results (to what the function
        returns) and instance attributes. The attributes it reached are left in
        :attr:`read_attrs`, the abstract methods in :attr:`abstract_reached`."""
        out: set[str] = set()
        self.read_attrs = set()
        self.abstract_reached = set()
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
                    how, arg = self._argument(found[1], call, label[2], shift)
                    if arg is not None:
                        work.extend((caller, x) for x in arg.labels)
                    elif how == "unknown":
                        work.extend((caller, x) for x in call.spread)
            elif kind == "c":
                call = self.files[index][1].calls[label[1]]
                target = self.targets.get((index, label[1]))
                passed = [*call.args, *call.kwargs.values()]
                if call.receiver is not None:
                    passed.append(call.receiver)
                if target is None:
                    if not call.fallback_only:  # else the model's reply, not its prompt
                        work.extend((index, x) for x in (y for a in passed for y in a.labels))
                        work.extend((index, x) for x in call.spread)
                    continue
                if (index, label[1]) in self.constructors or all(
                    self.functions[g][1].abstract for g in target.functions
                ):
                    work.extend((index, x) for x in (y for a in passed for y in a.labels))
                    work.extend((index, x) for x in call.spread)
                for gid in target.functions:
                    callee_index, function = self.functions[gid]
                    if function.abstract:
                        self.abstract_reached.add(gid)
                    if not function.complete:
                        out.add(gid)
                        continue
                    for returned in function.returns:
                        x = uncut(returned)
                        if x[0] == "p" and x[1] == function.key:
                            how, arg = self._argument(function, call, x[2], target.shift)
                            if arg is not None:
                                work.extend((index, y) for y in arg.labels)
                            elif how == "unknown":
                                work.extend((index, y) for y in call.spread)
                        else:
                            work.append((callee_index, x))
            elif kind == "a":
                work.extend(self._attr_reads(self.gid(index, label[1]), str(label[2])))
            if kind == "f":
                # an attribute of an instance read outside its class's methods: what they
                # set on it too
                cls = self.constructed(str(label[1]))
                if cls is not None:
                    work.extend(self._attr_reads(cls, str(label[2]), by_name=False))
        return out

    def _attr_reads(self, gid: str, attr: str, by_name: bool = True) -> list[tuple[int, Label]]:
        """What :meth:`wanted` follows from a read of ``self.<attr>`` of class ``gid``:
        the attribute's assignments in the class's family (``by_name``: those by a name
        known only at run time too), and the constructors' arguments when it is a declared
        field. Notes the read in :attr:`read_attrs`."""
        self.read_attrs.add((gid, attr))
        work: list[tuple[int, Label]] = []
        found_class = self.classes.get(gid)
        for name in {attr, ANY_ATTR} if by_name else {attr}:
            for cls in self.attr_family(gid, name):
                if not by_name and cls != gid and gid not in self._ancestry(cls):
                    continue  # see _methods_set
                other = self.classes.get(cls)
                if other is not None:
                    work.extend((other[0], x) for x in other[1].attrs.get(name, ()))
        # a field: what constructors pass (not for a read outside the class: see
        # _methods_set)
        if by_name and found_class is not None and self.declares(gid, attr):
            for cls in [gid, *self.subclasses.get(gid, [])]:
                for caller, number in self.constructions.get(cls, []):
                    call = self.files[caller][1].calls[number]
                    given = self.field_given(cls, call, attr)
                    work.extend((caller, x) for x in given)
        return work

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
            called = len(self.callers.get(gid, ())) > self.guessed.get(gid, 0)
            if not called and function.key.rsplit(".", 1)[-1] not in external:
                continue
            for name in self._param_names(function):
                if name not in function.entries and not self.maybe_called(gid, function, name):
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

    def fixed_program(self, gid: str, name: str) -> bool:
        """Whether every call of function ``gid`` passes, for its parameter ``name``, an
        argument vector headed by a fixed program (:attr:`Arg.head`): it must have calls,
        all of them visible (not used as a value, not wrapped by an unknown decorator)."""
        found = self.functions.get(gid)
        callers = self.callers.get(gid)
        if found is None or not callers or gid in self.escaping:
            return False
        if len(callers) <= self.guessed.get(gid, 0):
            return False  # only calls of a protocol's method matched by name
        function = found[1]
        if name in function.entries or name in function.injected:
            return False
        if self.maybe_called(gid, function, name) is not None:
            return False
        for caller, number, shift in callers:
            how, arg = self._argument(function, self.files[caller][1].calls[number], name, shift)
            if how != "arg" or arg is None or not arg.head:
                return False
        return True

    def _constant(self, index: int, caller: str, arg: Arg, constant: set[tuple[str, str]]) -> bool:
        if arg.const:
            return True
        if arg.params is None or not caller:
            return False
        gid = self.gid(index, caller)
        return all((gid, name) in constant for name in arg.params)


class _FlowWalk:
    """The parameters of ``function`` (of file ``index``) that one of its labels carries,
    with ``flows`` as known so far for the functions its calls run (noted in ``read``).
    A call met inside its own arguments (a loop of assignments) adds nothing there: the
    way round the loop goes through the same sanitizers again, which change nothing."""

    def __init__(
        self, project: Project, flows: dict[str, Flows], index: int, function: Function
    ) -> None:
        self.project = project
        self.flows = flows
        self.index = index
        self.function = function
        self.read: set[str] = set()
        self._open: set[int] = set()  # the calls being walked
        self._done: dict[int, dict[str, set[str | None]]] = {}
        self._cuts = 0

    def label(self, label: Label) -> dict[str, set[str | None]]:
        kind = label[0]
        if kind == "p":
            if label[1] == self.function.key and label[2] not in self.function.entries:
                return {label[2]: {None}}
            return {}
        if kind == "w":  # a site's own label (written to a shell's input): no sanitizer
            return self.label(label[-1])
        if kind == "u":  # its shell quotes may be cut off: a cut after what came before
            cut = _CUT + str(label[1])
            return {
                name: {_composed(n, cut) for n in notes}
                for name, notes in self.label(label[-1]).items()
            }
        if kind in WRAPPERS:
            note = label[1] if kind == "q" else self.project._converted(label[1], label[2])
            inner = self.label(label[-1])
            if kind == "q" and self.project.voided(self.index, note):
                return inner
            if not note:
                return inner
            return {name: {_composed(n, note) for n in notes} for name, notes in inner.items()}
        if kind != "c":
            return {}  # a source, an attribute: the function's own
        number = label[1]
        done = self._done.get(number)
        if done is not None:
            return done
        if number in self._open:
            self._cuts += 1
            return {}
        cuts = self._cuts
        self._open.add(number)
        try:
            out = self._call(number)
        finally:
            self._open.discard(number)
        if self._cuts == cuts:
            self._done[number] = out
        return out

    def _labels(self, labels: Iterable[Label]) -> dict[str, set[str | None]]:
        out: dict[str, set[str | None]] = {}
        for label in labels:
            _add_flows(out, self.label(label))
        return out

    def _call(self, number: int) -> dict[str, set[str | None]]:
        project = self.project
        call = project.files[self.index][1].calls[number]
        target = project.targets.get((self.index, number))
        parts = [*call.args, *call.kwargs.values()]
        if call.receiver is not None:
            parts.append(call.receiver)
        implemented = [] if target is None else project._implemented(target)
        out: dict[str, set[str | None]] = {}
        if not implemented and call.fallback_only:
            return out  # the model's reply, none of its arguments
        if not implemented:
            return self._labels(project.cut(x) for p in parts for x in p.labels)
        if (self.index, number) in project.constructors:
            out = self._labels(x for p in parts for x in p.labels)
        assert target is not None
        for gid in implemented:
            self.read.add(gid)
            callee = project.functions[gid][1]
            for name, notes in self.flows.get(gid, {}).items():
                if name in callee.entries:
                    continue
                how, arg = project._argument(callee, call, name, target.shift)
                if how != "arg" or arg is None:
                    continue
                for param, inner in self._labels(arg.labels).items():
                    # the first sanitizer applied is the one the value keeps
                    composed = {_composed(i, n) for i in inner for n in notes}
                    out.setdefault(param, set()).update(composed)
        return out


def _composed(first: str | None, then: str | None) -> str | None:
    """The note of a way that goes through ``first`` and then ``then`` (each a sanitizer's
    note, None for none, or a cut of the shell quotes: ``_CUT`` and the quoting sanitizers'
    names). The first sanitizer applied is the one a value keeps; a cut voids a shell
    quote applied before it (and is kept, to void one a caller applies), and a sanitizer
    after a cut is the value's."""
    if then is None:
        return first
    if then.startswith(_CUT):
        if first is None or first.startswith(_CUT):
            return then
        return then if quoting_note(first, then.removeprefix(_CUT)) else first
    if first is None or first.startswith(_CUT):
        return then
    return first


def ordered_notes(notes: Iterable[str | None]) -> list[str | None]:
    """The notes of a parameter's ways in a fixed order (no sanitizer first, then by name),
    whatever the order of the set they come in."""
    return sorted(notes, key=lambda note: "" if note is None else "\1" + note)


def _add_flows(out: dict[str, set[str | None]], more: dict[str, set[str | None]]) -> None:
    for name, notes in more.items():
        out.setdefault(name, set()).update(notes)


def _calls_read(summary: FileSummary) -> set[int]:
    """The numbers of the calls of a file whose result one of its labels reads."""
    groups: list[Iterable[Label]] = [site.labels for site in summary.sites]
    for call in summary.calls:
        groups.extend(arg.labels for arg in (*call.args, *call.kwargs.values()))
        if call.receiver is not None:
            groups.append(call.receiver.labels)
        if call.fallback is not None:
            groups.append((call.fallback,))
    for function in summary.functions.values():
        groups.append(function.returns)
        groups.extend(arg.labels for arg in function.defaults.values())
        groups.extend(arg.labels for arg in function.injected.values())
    for klass in summary.classes.values():
        groups.extend(klass.attrs.values())
    out: set[int] = set()
    work = [label for group in groups for label in group]
    while work:
        label = work.pop()
        if label[0] == "c":
            out.add(label[1])
        else:
            inner = wrapped(label)
            if inner is not None:
                work.append(inner)
    return out


def _params_read(labels: Iterable[Label]) -> list[tuple[str, str]]:
    """The (function key, parameter) of the parameters ``labels`` read, wrapped or not, in
    the order they are read (not a set's: what is instantiated first takes the budget, so
    the order must not follow PYTHONHASHSEED)."""
    out: dict[tuple[str, str], None] = {}
    for label in labels:
        while label[0] in WRAPPERS:
            label = label[-1]
        if label[0] == "p":
            out[(label[1], label[2])] = None
    return list(out)


def _merged(args: list[Arg]) -> Arg:
    labels = tuple(x for a in args for x in a.labels)
    return Arg(labels, all(a.const for a in args), None)
