"""Whether the environment a call gives the program it starts chooses what runs.

``subprocess.run(["ls"], env={"PATH": d})`` runs the ``ls`` found first in ``d``;
``{"LD_PRELOAD": lib}`` loads ``lib`` into it; ``{"GIT_SSH_COMMAND": cmd}`` makes git run
``cmd``. The variables that do so are those rules/launchers.toml's ``env`` launcher calls
choosers (its ``chooser-assignments``: PATH, LD_*, PYTHONPATH, BASH_ENV, GIT_*...), so that
``env=`` and ``["env", "PATH=...", "ls"]`` are read alike.

An environment is read from a dict display (``{**os.environ, "PATH": d}``), ``dict(...)``
with keywords, ``a | b``, and the names bound to those, with the mutations of such a name
(``env["PATH"] = d``, ``env.update(PATH=d)``, ``env.update({...})``). It *chooses* what
runs when a chooser variable gets a value that is not constant, or a key known only at run
time gets such a value (it may be LD_PRELOAD). ``os.environ`` and its copies are the
program's own environment, inherited: they choose nothing new, and so does a value made only
of constants and what is read from it (``"/opt/bin:" + os.environ["PATH"]``,
``os.getenv("HOME") + "/bin"``). An environment that cannot be read at all (a parameter,
what a function returns) is left as choosing nothing: every wrapper that passes its
caller's ``env`` through would otherwise be a program chosen at run time. That is the known
gap: ``env=make_env(request)`` is not seen.

The same reading judges the settings of the process's own environment (rules/sinks.toml's
``[[environ]]``: ``os.environ["PATH"] = d``, ``os.environ.update(...)``, ``os.putenv(k,
v)``), each turned into the dict display of what it sets: one that chooses what runs
changes what every later command of the process runs, and is a site of its own
(auditor.scan.analyze's ``_settings``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import libcst as cst

from auditor.judge.launchers import builtin_table
from auditor.rules_files import rule_table
from auditor.scan.payload import Evaluator
from auditor.scan.scopes import Scope

_MAX_DEPTH = 12
# the program's own environment: inherited, it chooses nothing the program did not have
_INHERITED = frozenset({"os.environ", "os.environb"})
_COPIES = frozenset({"builtins.dict", "copy.copy", "copy.deepcopy"})
# what reads a variable of the process's own environment, and the os module's constants a
# value read from it is joined with
_READS = frozenset({"os.getenv", "os.getenvb", "os.environ.get", "os.environb.get"})
_OS_CONSTANTS = frozenset({"os.pathsep", "os.sep", "os.curdir", "os.pardir", "os.defpath"})


@cache
def chooser_variables() -> re.Pattern[str] | None:
    """The ``NAME=`` pattern of the variables that choose what runs (the env launcher's
    ``chooser-assignments``, rules/launchers.toml)."""
    entry = builtin_table().by_program.get("env")
    return entry.chooser_assignments if entry is not None else None


def chooses(name: str) -> bool:
    pattern = chooser_variables()
    return pattern is not None and pattern.match(name + "=") is not None


@dataclass(slots=True)
class EnvChoice:
    """``chosen``: the environment sets a variable that chooses what runs from a value known
    only at run time; ``values``: those values (the payload, for the project-wide stage)."""

    chosen: bool = False
    values: list[cst.BaseExpression] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the variables set, when constant


# which variables :func:`env_choice` looks for: those that choose what runs (the default),
# the given names, or (None) any variable
_Names = frozenset[str] | None
_CHOOSERS: frozenset[str] = frozenset({"\0choosers"})


class _Reader:
    def __init__(self, evaluator: Evaluator, names: _Names = _CHOOSERS) -> None:
        self.evaluator = evaluator
        self.names = names
        self.found = EnvChoice()
        self._active: set[int] = set()

    def pair(self, key: cst.BaseExpression | None, value: cst.BaseExpression, scope: Scope) -> None:
        """One variable set: ``key`` (None: a name already known to choose)."""
        if self.evaluator.value(value, scope).const or self.inherited(value, scope):
            return
        if key is not None:
            name = self.evaluator.value(key, scope)
            if name.const and (name.text is None or not self.wanted(name.text)):
                return
            if name.const and name.text is not None:
                self.found.names.append(name.text)
        self.found.chosen = True
        self.found.values.append(value)

    def wanted(self, name: str) -> bool:
        if self.names is _CHOOSERS:
            return chooses(name)
        return self.names is None or name in self.names

    def inherited(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether every part of ``node`` that is not constant is read from the process's
        own environment (``"/opt/bin:" + os.environ["PATH"]``, ``os.getenv("HOME")``,
        joined with ``os.pathsep``): whoever sets that environment already chooses what
        the process runs, so such a value chooses nothing new."""
        if depth > _MAX_DEPTH:
            return False
        resolver = self.evaluator.resolver
        if isinstance(node, (cst.Name, cst.Attribute)) and resolver.qualname(node, scope) in (
            _OS_CONSTANTS
        ):
            return True
        if self.evaluator.value(node, scope).const:
            return True
        if isinstance(node, cst.Subscript):
            return resolver.qualname(node.value, scope) in _INHERITED
        if isinstance(node, cst.BinaryOperation):
            return self.inherited(node.left, scope, depth + 1) and self.inherited(
                node.right, scope, depth + 1
            )
        if isinstance(node, cst.FormattedString):
            return all(
                self.inherited(part.expression, scope, depth + 1)
                for part in node.parts
                if isinstance(part, cst.FormattedStringExpression)
            )
        if isinstance(node, cst.Call):
            func = node.func
            args = [a.value for a in node.args]
            if resolver.qualname(func, scope) in _READS:
                return all(self.inherited(a, scope, depth + 1) for a in args)
            if isinstance(func, cst.Attribute) and func.attr.value == "join" and len(args) == 1:
                items = args[0]
                return (
                    self.inherited(func.value, scope, depth + 1)
                    and isinstance(items, (cst.List, cst.Tuple))
                    and all(
                        isinstance(e, cst.Element) and self.inherited(e.value, scope, depth + 1)
                        for e in items.elements
                    )
                )
            return False
        if isinstance(node, cst.Name):
            bindings = scope.lookup(node.value)
            if not bindings:
                return False
            for binding in bindings:
                if binding.kind != "value" or binding.value is None or id(binding) in self._active:
                    return False
                self._active.add(id(binding))
                try:
                    if not self.inherited(binding.value, binding.scope, depth + 1):
                        return False
                finally:
                    self._active.discard(id(binding))
            return True
        return False

    def mapping(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> None:
        """Read what ``node`` (an environment mapping) sets."""
        if depth > _MAX_DEPTH:
            return
        resolver = self.evaluator.resolver
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    self.pair(element.key, element.value, scope)
                else:
                    self.mapping(element.value, scope, depth + 1)
            return
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            self.mapping(node.left, scope, depth + 1)
            self.mapping(node.right, scope, depth + 1)
            return
        if isinstance(node, cst.Call):
            func = node.func
            qualname = resolver.qualname(func, scope)
            if isinstance(func, cst.Name) and func.value == "dict" and not scope.lookup("dict"):
                qualname = "builtins.dict"
            if qualname in _COPIES or (
                isinstance(func, cst.Attribute) and func.attr.value == "copy" and not node.args
            ):
                inner = func.value if isinstance(func, cst.Attribute) else None
                if qualname not in _COPIES and inner is not None:
                    self.mapping(inner, scope, depth + 1)
                    return
                for arg in node.args:
                    if arg.keyword is not None:
                        self.pair(cst.SimpleString(repr(arg.keyword.value)), arg.value, scope)
                    else:
                        self.mapping(arg.value, scope, depth + 1)
            return  # what another function returns: not read
        if isinstance(node, cst.Name):
            self.name(node, scope, depth)

    def name(self, node: cst.Name, scope: Scope, depth: int) -> None:
        for binding in scope.lookup(node.value) or ():
            if binding.value is None or id(binding) in self._active:
                continue
            self._active.add(id(binding))
            try:
                if binding.key is not None:  # env[KEY] = value, env.update(KEY=value)
                    self.pair(binding.key, binding.value, binding.scope)
                elif binding.kind in ("value", "augment", "opaque"):
                    # env = {...}; env.update(other); env |= other
                    self.mapping(binding.value, binding.scope, depth + 1)
            finally:
                self._active.discard(id(binding))


def env_choice(
    node: cst.BaseExpression, scope: Scope, evaluator: Evaluator, names: _Names = _CHOOSERS
) -> EnvChoice:
    """Whether the environment ``node`` chooses what runs (see the module docstring);
    ``names``: whether it sets one of these variables (None: any) at run time instead (those
    a constant script runs: ``sh -c 'eval "$JOB"'``)."""
    if isinstance(node, cst.Name) and node.value == "None":
        return EnvChoice()
    if evaluator.resolver.qualname(node, scope) in _INHERITED:
        return EnvChoice()
    reader = _Reader(evaluator, names)
    reader.mapping(node, scope)
    return reader.found


# -- settings of the process's own environment ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """A way to set the process's own environment (rules/sinks.toml's ``[[environ]]``):
    ``name`` the mapping (``os.environ``, form "mapping") or function (``os.putenv``, form
    "call")."""

    name: str
    form: str
    report: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@cache
def settings() -> tuple[Setting, ...]:
    """rules/sinks.toml's ``[[environ]]`` entries, read once."""
    return tuple(
        Setting(
            str(entry["name"]),
            str(entry["form"]),
            tuple(entry.get("report", ())),
            tuple(entry.get("ignore", ())),
        )
        for entry in rule_table("sinks.toml").get("environ", ())
    )


@cache
def setting_members() -> dict[str, frozenset[str]]:
    """The settings' names by module (``{"os": {"environ", "environb", "putenv"}}``): what
    ``from os import *`` binds to them (auditor.scan.collect)."""
    out: dict[str, set[str]] = {}
    for setting in settings():
        module, _, member = setting.name.rpartition(".")
        out.setdefault(module, set()).add(member)
    return {module: frozenset(members) for module, members in out.items()}


# the methods of a mapping that set one key (``setdefault(k, v)``, ``__setitem__(k, v)``) or
# merge another mapping (``update(m, K=v)``)
_PAIR_METHODS = frozenset({"setdefault", "__setitem__"})
SETTING_METHODS = _PAIR_METHODS | {"update"}


def setting_of_call(node: cst.Call, method: str | None) -> cst.Dict | None:
    """What a call that sets the environment sets, as a dict display (the form
    :func:`env_choice` reads): ``os.putenv(k, v)`` and ``os.environ.setdefault(k, v)``
    (``method``: the mapping's method, None for a function of form "call") give ``{k: v}``,
    ``os.environ.update(m, K=v)`` gives ``{**m, "K": v}``. None when it sets nothing read."""
    given = [a for a in node.args if a.keyword is None and not a.star]
    if method is None or method in _PAIR_METHODS:
        if len(given) < 2:
            return None
        return cst.Dict([cst.DictElement(given[0].value, given[1].value)])
    elements: list[cst.BaseDictElement] = []
    for arg in node.args:
        if arg.keyword is not None:
            key = cst.SimpleString(repr(arg.keyword.value))
            elements.append(cst.DictElement(key, arg.value))
        elif arg.star == "**" or not arg.star:
            elements.append(cst.StarredDictElement(arg.value))
    return cst.Dict(elements) if elements else None


def setting_of_store(key: cst.BaseExpression | None, value: cst.BaseExpression) -> cst.Dict:
    """``environ[key] = value`` (``key`` None: ``environ |= value``) as a dict display."""
    if key is None:
        return cst.Dict([cst.StarredDictElement(value)])
    return cst.Dict([cst.DictElement(key, value)])
