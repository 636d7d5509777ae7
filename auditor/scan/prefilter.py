"""A cheap, sound test run on the standard library's ``ast`` tree before the libcst parse.

The libcst analysis reports a call only when (see ``auditor.scan.resolve`` and
``auditor.scan.analyze``):

1. the call passes ``shell=`` (a possible wrapper), or
2. its callee is an attribute named like an event-loop method sink (``subprocess_shell``), or
3. its callee resolves to a catalogue name. Resolution starts from a name. An unbound name
   resolves only to ``builtins.<name>`` (so ``eval``, ``exec`` or ``__import__`` must appear as
   a name) or, when it names a module of the standard library, to that module (a file that
   uses ``os.system`` without importing ``os``: the sink module's root is then written in
   front of a dot); a bound name resolves only through an ``import``/``from ... import`` of a module
   (so one of the sink modules' root names is imported somewhere in the file), through a
   module-level ``def`` (a project sink defined in this very file), or through an assignment
   whose value itself resolves (a parameter's default, what a ``for`` iterates, what a
   target unpacks or a ``match`` captures count as assigned values too), which again needs
   one of the above (an instance of a class
   whose method is a sink, ``c = code.InteractiveConsole()``, resolves through the class's
   name). The last component of
   the resolved name is the sink's own last component (``run``, ``system``...), and it
   enters the resolution only as an attribute name, an imported name, a bare name, or the
   string literal of ``getattr(mod, "name")``.

So a file none of whose calls passes ``shell=`` or names a method sink, that uses no builtin
sink name, defines no project sink, and either imports no sink module or never mentions a
sink's last component in one of those four places, cannot yield a finding: skipping its
libcst parse changes nothing (:func:`survey`'s ``may_report``). Two more shapes are
findings: a sink handed over as a value (``Thread(target=os.system)``: the value resolves as
a callee would, so the same names are needed) and a function chosen by name through a
namespace (``globals()[name](...)``, ``f = globals().get(name)``: the text must say
``globals``, ``locals`` or ``vars``) or in an object (``getattr(obj, name)(...)``,
``f = getattr(obj, name)`` then ``f(...)``: the text must say ``getattr``). The latter is
reported only when the project-wide stage finds a critical origin for the name, but the
file must be parsed for the stage to know it.

Before that, :func:`text_may_report` runs on the source text, before any parse. Every
identifier above appears in the text as written, except in two ways: a ``getattr`` string
literal may spell the name with escapes or implicit concatenation (so any file that says
``getattr`` goes on to the tree check), and Python folds non-ASCII identifiers to NFKC (so
any non-ASCII file goes on too). ``shell`` matters only as a keyword
argument, so the text must hold ``shell`` followed by ``=`` (not ``==``), with only white
space, line continuations or comments between. A sink module counts only when an import
names it: ``from ROOT`` or ``import ..., ROOT`` (the words separated by white space or
backslash continuations, on one logical line), or, for a sink module of the standard
library, when the text uses it as ``ROOT.`` (not after a dot). A lookup in a module's
namespace by a key need not spell the sink's name at all (``builtins.__dict__["ex" +
"ec"]``, ``os.__dict__[name]``, ``os.__getattribute__(name)``, ``__builtins__[name]``): a
file that says ``__builtins__`` (the builtins' namespace, bound without an import), or that
uses a sink module and says ``__dict__`` or ``__getattribute__``, goes on to the tree check.
A file that fails the text check is not parsed at all: it cannot run anything this audit is
about, so its syntax errors are not reported either. ``tests/scanner/test_prefilter.py``
checks both against the full analysis on real code.

A file that passes goes to :func:`survey`, whose *stubs* then keep most of its functions
out of the libcst parse (:mod:`auditor.scan.skeleton`).
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
import warnings
from dataclasses import dataclass, field

from auditor.file_summary import OPERATED
from auditor.judge.catalogue import Catalogue, task_parameters
from auditor.judge.mutators import mutator_names
from auditor.judge.sources import builtin
from auditor.rules_files import rule_table
from auditor.scan.resolve import BUILTIN_NAMES, IMPLICIT_MODULES


@dataclass(frozen=True, slots=True)
class PipeWriter:
    """A function that writes its arguments to a pipe it is given (``print(v, file=pipe)``,
    ``os.write(pipe.fileno(), v)``): ``pipe`` is the keyword or position of the pipe,
    ``by_descriptor`` whether it is given by its file descriptor, ``written`` the positions
    of what is written (None: every positional argument)."""

    name: str
    pipe: str | int
    by_descriptor: bool
    written: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class PipeOpener:
    """A call that starts a shell and returns the pipe to its standard input when its mode
    (at ``mode``, or keyword ``keyword``) is one of ``modes`` (``os.popen("sh", "w")``)."""

    name: str
    mode: int
    keyword: str
    modes: frozenset[str]


@dataclass(frozen=True, slots=True)
class SameObject:
    """A call that returns its argument at ``position`` (or keyword ``keyword``) as it is
    (``typing.cast(IO[str], proc.stdin)``): what holds a process or a pipe still does."""

    name: str
    position: int
    keyword: str


@dataclass(frozen=True, slots=True)
class Session:
    """Calls that start a program whose standard input is always a pipe or a terminal the
    caller holds (``pexpect.spawn``'s pty, a paramiko channel), and the methods of what
    they return that write their arguments there (``child.sendline(cmd)``)."""

    sinks: frozenset[str]
    methods: frozenset[str]


@dataclass(frozen=True, slots=True)
class StdinFeeds:
    """How a program feeds a shell it started to read its standard input (rules/
    stdin_feeds.toml): keywords of the starting call, methods of the process, the process's
    input pipe with the methods that write to it and the one that gives its descriptor,
    the functions that write to a pipe they are given, and the calls that return the pipe."""

    keywords: frozenset[str]
    methods: frozenset[str]
    stream: str
    stream_methods: frozenset[str]
    descriptor: str = "fileno"
    writers: tuple[PipeWriter, ...] = ()
    pipes: tuple[PipeOpener, ...] = ()
    sessions: tuple[Session, ...] = ()
    same: tuple[SameObject, ...] = ()
    # the last names of the writers and of the openers (the calls that return a pipe, or a
    # session's process), and the methods of the sessions, for matching by shape
    writer_names: frozenset[str] = field(init=False, repr=False, compare=False)
    opener_names: frozenset[str] = field(init=False, repr=False, compare=False)
    session_methods: frozenset[str] = field(init=False, repr=False, compare=False)
    same_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        last = {w.name.rsplit(".", 1)[-1] for w in self.writers}
        object.__setattr__(self, "writer_names", frozenset(last))
        last = {p.name.rsplit(".", 1)[-1] for p in self.pipes}
        last |= {name.rsplit(".", 1)[-1] for s in self.sessions for name in s.sinks}
        object.__setattr__(self, "opener_names", frozenset(last))
        methods = {m for s in self.sessions for m in s.methods}
        object.__setattr__(self, "session_methods", frozenset(methods))
        last = {s.name.rsplit(".", 1)[-1] for s in self.same}
        object.__setattr__(self, "same_names", frozenset(last))

    def same_argument(self, call: ast.Call) -> ast.expr | None:
        """What ``call`` returns as it is when it is one of the ``same`` calls by its last
        name (``cast(T, x)``, ``typing.cast(T, x)``: ``x``), else None."""
        func = call.func
        name = func.id if type(func) is ast.Name else getattr(func, "attr", None)
        for same in self.same:
            if same.name.rsplit(".", 1)[-1] != name:
                continue
            for given in call.keywords:
                if given.arg == same.keyword:
                    return given.value
            if len(call.args) > same.position:
                return call.args[same.position]
        return None

    def session(self, sink: str) -> frozenset[str] | None:
        """The methods that feed what ``sink`` starts when it is a session's, else None."""
        for session in self.sessions:
            if sink in session.sinks:
                return session.methods
        return None

    def feeds(self, func: ast.expr) -> bool:
        """Whether a call of ``func`` may feed a process (``p.communicate``,
        ``p.stdin.write``), by its shape alone."""
        if type(func) is not ast.Attribute:
            return False
        if func.attr in self.methods:
            return True
        inner = func.value
        return (
            func.attr in self.stream_methods
            and type(inner) is ast.Attribute
            and inner.attr == self.stream
        )

    def written_pipes(self, call: ast.Call) -> list[ast.expr]:
        """What may be a pipe a call writes to, by its shape alone: the receiver of a
        stream method (``pipe.write(v)``) or of a session's method (``child.sendline(v)``:
        the process is its own pipe), a writer's pipe argument (``print(v, file=f)``;
        ``x`` of ``os.write(x.fileno(), v)``, or the descriptor ``os.write(fd, v)``)."""
        out: list[ast.expr] = []
        func = call.func
        if type(func) is ast.Attribute and (
            func.attr in self.stream_methods or func.attr in self.session_methods
        ):
            out.append(func.value)  # pipe.write(v), child.sendline(v)
        name = func.id if type(func) is ast.Name else getattr(func, "attr", None)
        if name not in self.writer_names:
            return out
        for writer in self.writers:
            if writer.name.rsplit(".", 1)[-1] != name:
                continue
            if isinstance(writer.pipe, str):
                found = next((k.value for k in call.keywords if k.arg == writer.pipe), None)
            else:
                args = call.args
                found = args[writer.pipe] if len(args) > writer.pipe else None
            if found is None:
                continue
            if (
                type(found) is ast.Call
                and type(found.func) is ast.Attribute
                and found.func.attr == self.descriptor
            ):
                found = found.func.value
            out.append(found)
        return out


def _writes_globals(name: str, args: list[ast.expr]) -> bool:
    """A call through which a function may write its module's globals by name (its body is
    kept): ``globals()``, ``vars()``, ``setattr(sys.modules[...], ...)``. Not a plain
    ``setattr(obj, ...)`` (kept bodies change what the project stage reads: only what binds
    a module name is kept). ``sys.modules[__name__].X = v`` alone does not keep a body."""
    if name == "globals" or (name == "vars" and not args):
        return True
    if name == "setattr" and args:
        first = args[0]
        return (
            type(first) is ast.Subscript
            and type(first.value) is ast.Attribute
            and first.value.attr == "modules"
        )
    return False


@functools.cache
def stdin_feeds() -> StdinFeeds:
    """The table of rules/stdin_feeds.toml, read once."""
    data = rule_table("stdin_feeds.toml")
    writers = tuple(
        PipeWriter(
            str(w["name"]),
            w["pipe"],
            bool(w["by-descriptor"]),
            None if w["written"] == "*" else tuple(int(i) for i in w["written"]),
        )
        for w in data.get("writers", [])
    )
    pipes = tuple(
        PipeOpener(str(p["name"]), int(p["mode"]), str(p["mode-keyword"]), frozenset(p["modes"]))
        for p in data.get("pipes", [])
    )
    sessions = tuple(
        Session(frozenset(s["sinks"]), frozenset(s["methods"])) for s in data.get("sessions", [])
    )
    same = tuple(
        SameObject(str(s["name"]), int(s["position"]), str(s["keyword"]))
        for s in data.get("same", [])
    )
    return StdinFeeds(
        frozenset(data["keywords"]),
        frozenset(data["methods"]),
        str(data["stream"]),
        frozenset(data["stream-methods"]),
        str(data["descriptor"]),
        writers,
        pipes,
        sessions,
        same,
    )


_NAMESPACES = frozenset({"globals", "locals", "vars"})
# the functions that look an attribute up by a name given as a string: ``getattr(os,
# "system")``, ``operator.attrgetter("system")(os)``, ``operator.methodcaller("system",
# cmd)(os)`` (a string may spell the name with escapes, or in pieces joined by ``+``)
_BY_NAME = frozenset({"getattr", "attrgetter", "methodcaller"})
# a call of one of the latter two makes a function that looks the name up when called
_GETTERS = frozenset({"attrgetter", "methodcaller"})
# the words a namespace lookup is written with: the calls, and a function's ``__globals__``
_NAMESPACE_WORDS = _NAMESPACES | {"__globals__"}


def _looks_up(node: ast.expr) -> bool:
    """``getattr(obj, name)``, ``operator.attrgetter(name)(obj)``,
    ``operator.methodcaller(name)`` or ``globals().get(name)`` (also ``locals()``,
    ``vars(x)``): what calls a function looked up by a name when called (auditor.scan.
    analyze's ``_lookup``)."""
    if type(node) is not ast.Call:
        return False
    func = node.func
    if type(func) is ast.Name:
        return func.id == "getattr" or func.id == "methodcaller"
    if type(func) is ast.Call:  # attrgetter(name)(obj)
        inner = func.func
        return getattr(inner, "id", None) == "attrgetter" or getattr(inner, "attr", None) == (
            "attrgetter"
        )
    if type(func) is ast.Attribute and func.attr in ("methodcaller", "__getattribute__"):
        return True  # (os.__getattribute__(name): getattr(os, name))
    return type(func) is ast.Attribute and func.attr == "get" and _namespace(func.value)


def _by_run_time_name(call: ast.Call) -> bool:
    """Whether a lookup (:func:`_looks_up`) names what it looks up by a value other than a
    string literal."""
    name = call.args[1] if type(call.func) is ast.Name and len(call.args) > 1 else None
    if name is None and call.args:
        name = call.args[0]
    return name is not None and not (type(name) is ast.Constant and type(name.value) is str)


def _tables_of(tables: list[ast.Assign], names: frozenset[str]) -> set[str]:
    """The names bound to a dict literal that holds one of ``names`` as a value."""
    out: set[str] = set()
    for node in tables:
        values = node.value.values  # type: ignore[attr-defined]
        if any(
            (type(v) is ast.Name and v.id in names)
            or (type(v) is ast.Attribute and v.attr in names)
            for v in values
        ):
            out.update(t.id for t in node.targets if type(t) is ast.Name)
    return out


def _names_by_string(
    subscripts: list[ast.Subscript], calls: list[ast.Call], names: frozenset[str]
) -> list[int]:
    """The lines of the strings that may name one of ``names`` for a lookup by name: a
    call's argument or a subscript's key whose text ends in the name (``import_string(
    "ops.backup.run")``, ``resolve_name("a:ping")``, ``getattr(ops, "restart")``,
    ``globals()["run7"]``): the call of what the lookup gives is a call of the function."""

    def named(node: ast.AST) -> bool:
        if type(node) is not ast.Constant or type(node.value) is not str:
            return False
        return node.value.replace(":", ".").rpartition(".")[2] in names

    out = [a.lineno for c in calls for a in c.args if named(a)]
    out += [n.lineno for n in subscripts if named(n.slice)]
    return out


def _changes_first(func: ast.expr) -> bool:
    """A call that changes the container handed to it first (rules/mutators.toml):
    ``heappush(L, x)``, ``bisect.insort(L, x)``, ``list.append(L, x)``."""
    functions, types, methods = mutator_names()
    if type(func) is ast.Name:
        return func.id in functions
    if type(func) is ast.Attribute:
        if func.attr in functions:
            return True
        return type(func.value) is ast.Name and func.value.id in types and func.attr in methods
    return False


# the displays and comprehensions that build a container
_BUILT = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _namespace(node: ast.expr) -> bool:
    """``globals()``, ``locals()``, ``vars(x)`` or a function's ``f.__globals__``: a mapping
    of names to what they hold."""
    if isinstance(node, ast.Attribute):
        return node.attr == "__globals__"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NAMESPACES
    )


def _lookup_base(node: ast.expr) -> str | None:
    """The name ``X`` of ``X[...]`` or ``X.get(...)``: a lookup in what ``X`` holds (a
    namespace when ``X = globals()``)."""
    if type(node) is ast.Subscript:
        base = node.value
    elif type(node) is ast.Call and type(node.func) is ast.Attribute and node.func.attr == "get":
        base = node.func.value
    else:
        return None
    return base.id if type(base) is ast.Name else None


_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SinkWords:
    roots: frozenset[str]  # root module names of sinks: subprocess, os, asyncio...
    last: frozenset[str]  # last components of sink names: run, system, eval...
    methods: frozenset[str]  # method sinks matched on any receiver
    builtins: frozenset[str]  # builtin sink names usable unbound: eval, exec, __import__
    defined: frozenset[str]  # last components of project sinks (a def in this file)
    # classes whose method is a sink (``code.InteractiveConsole.push``): an instance the code
    # creates (``c = code.InteractiveConsole()``) resolves through the class's module
    classes: frozenset[str] = frozenset()
    # the modules a sink's own definition may be in: every proper prefix of a sink's name
    # ("os", "test.support.script_helper", "code.InteractiveConsole"); a file whose
    # module is one defines catalogue names (CPython's os.py), which no text check rules out
    modules: frozenset[str] = frozenset()
    # last components of the settings of the process's environment (rules/sinks.toml's
    # ``[[environ]]``: ``environ`` of os.environ, ``putenv``): ``os.environ["PATH"] = d``
    settings: frozenset[str] = frozenset()
    # every sink's dotted name (aliases and the project's sinks too)
    names: frozenset[str] = frozenset()
    # last components of the task decorators of rules/sinks.toml's ``[[task_parameter]]``
    tasks: frozenset[str] = frozenset()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # the words ``pattern`` matches, when each is made of word characters only (then, in
    # ASCII text, ``pattern`` finds exactly the maximal runs of word characters that are one
    # of them: ``text_may_report`` splits the text into such runs instead, which is faster)
    vocabulary: frozenset[str] | None = field(init=False, repr=False, compare=False)
    imports: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # sink modules of the standard library, which resolve unbound (``os.system`` without an
    # import: auditor.scan.resolve's IMPLICIT_MODULES), and their use as ``ROOT.``
    implicit: frozenset[str] = field(init=False, repr=False, compare=False)
    implicit_use: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = self.roots | self.last | self.methods | self.builtins | self.defined
        words |= self.settings
        words |= {"shell"} | _BY_NAME | _NAMESPACE_WORDS
        alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
        object.__setattr__(self, "pattern", re.compile(rf"\b(?:{alternatives})\b"))
        plain = all(_WORD.fullmatch(word) for word in words)
        object.__setattr__(self, "vocabulary", frozenset(words) if plain else None)
        roots = "|".join(sorted(map(re.escape, self.roots), key=len, reverse=True))
        # ``from ROOT...`` or ``import ..., ROOT...`` on one logical line: white space and
        # backslash continuations may separate the words (no brackets after ``import``)
        gap = r"(?:\s|\\(?:\r\n|\r|\n))+"
        rest = r"(?:[^;\r\n\\#]|\\(?:\r\n|\r|\n))*?"
        object.__setattr__(
            self,
            "imports",
            re.compile(rf"\bfrom{gap}(?:{roots})\b|\bimport{gap}{rest}\b(?:{roots})\b"),
        )
        implicit = self.roots & IMPLICIT_MODULES
        object.__setattr__(self, "implicit", implicit)
        used = "|".join(sorted(map(re.escape, implicit), key=len, reverse=True)) or "(?!)"
        spaces = r"(?:\s|\\(?:\r\n|\r|\n))*"
        object.__setattr__(self, "implicit_use", re.compile(rf"(?<![\w.])(?:{used}){spaces}\."))

    @classmethod
    def of(cls, catalogue: Catalogue, project_sinks: tuple[str, ...] = ()) -> SinkWords:
        names = list(catalogue.by_name)
        roots = {n.split(".")[0] for n in names}
        last = {n.rsplit(".", 1)[-1] for n in names}
        builtins = {n.split(".", 1)[1] for n in names if n.startswith("builtins.")}
        return cls(
            roots=frozenset(roots),
            last=frozenset(last),
            methods=frozenset(catalogue.by_method),
            builtins=frozenset(builtins & BUILTIN_NAMES),
            defined=frozenset(n.rsplit(".", 1)[-1] for n in project_sinks),
            # (every component between the module and the method: an instance's attribute
            # holds the method's object, ``docker.from_env.containers.run``)
            classes=frozenset(p for n in names if n.count(".") >= 2 for p in n.split(".")[1:-1]),
            modules=frozenset(
                name.rsplit(".", cut)[0]
                for name in (*names, *project_sinks)
                for cut in range(1, name.count(".") + 1)
            ),
            settings=setting_words(),
            names=frozenset((*names, *project_sinks)),
            tasks=frozenset(n.rsplit(".", 1)[-1] for n in task_parameters()),
        )


def setting_words() -> frozenset[str]:
    """The last components of rules/sinks.toml's ``[[environ]]`` names (``environ``,
    ``putenv``)."""
    entries = rule_table("sinks.toml").get("environ", ())
    return frozenset(str(e["name"]).rsplit(".", 1)[-1] for e in entries)


# a mapping's methods that set the environment when called on os.environ (auditor.scan.
# environ's SETTING_METHODS)
_SETTING_METHODS = frozenset({"update", "setdefault", "__setitem__"})


# ``shell=`` as a keyword argument: the name, then (inside brackets) white space, line
# continuations or comments, then ``=`` that is not ``==``.
_SHELL_KEYWORD = re.compile(r"\bshell(?:\s|\\(?:\r\n|\r|\n)|#[^\r\n]*)*=(?!=)")


# a lookup in a module's namespace by key: ``modules[``/``modules.get(`` (``sys.modules``),
# ``__dict__[``, and the builtins' namespace (auditor.scan.prefilter's ``_module_lookup``)
_MODULE_MAP_TEXT = re.compile(r"\bmodules\s*(?:\[|\.\s*get\b)|\b__dict__\s*\[|\b__builtins__\b")


# a lookup by key or by name in a module's namespace, whose key the text need not spell
# out (``builtins.__dict__["ex" + "ec"]``, ``os.__dict__[name]``,
# ``os.__getattribute__(name)``): with a sink module in use, the tree decides
_NAMESPACE_LOOKUP_TEXT = re.compile(r"\b__dict__\b|\b__getattribute__\b")


def text_may_report(text: str, words: SinkWords) -> bool:
    """False only when the source text provably holds no finding (see the module doc)."""
    if not text.isascii():
        return True
    if "__builtins__" in text:
        # the builtins' namespace, no import needed: a lookup in it may name a sink the
        # text does not spell (``__builtins__["ex" + "ec"]``, ``__builtins__[name]``)
        return True
    vocabulary = words.vocabulary
    found: frozenset[str] | set[str]
    if vocabulary is not None:
        found = vocabulary.intersection(_WORD.findall(text))
    else:
        found = set(words.pattern.findall(text))
    if not found:
        return False
    if found & (words.builtins | words.methods | words.defined | _NAMESPACE_WORDS):
        return True  # (a namespace: globals()[name](...) may call anything: the tree decides)
    if found & _BY_NAME:
        # getattr(obj, name)(...), attrgetter(name)(obj): a function chosen by name, which
        # the text may not spell out (the tree decides)
        return True
    reached = words.last | words.settings  # a sink's name, or os.environ / os.putenv
    if found & reached and _MODULE_MAP_TEXT.search(text):
        return True  # sys.modules["os"].system(...): a sink module no import names
    if "shell" in found and _SHELL_KEYWORD.search(text):
        return True
    if found & words.roots and (
        words.imports.search(text) or (found & words.implicit and words.implicit_use.search(text))
    ):
        # a sink module in use: a sink's name, or a lookup in its namespace by a key the
        # text need not spell
        return bool(found & reached) or bool(_NAMESPACE_LOOKUP_TEXT.search(text))
    return False


def _named(decorator: ast.expr) -> str:
    """The last name a decorator says (``task`` of ``@task``, ``@invoke.task``,
    ``@task(hosts=...)``)."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return decorator.id if isinstance(decorator, ast.Name) else ""


def _root(node: ast.expr) -> ast.expr:
    """The expression at the root of an attribute and subscript chain."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


_ALIAS_CALLS = frozenset({"getattr", "__import__", "import_module"})
# wrappers that keep the function they wrap callable as it is (auditor.scan.held)
_TRANSPARENT = frozenset({"staticmethod", "classmethod"})
# the attributes whose item, looked up by a constant key, is a module or a module's member
# (auditor.scan.resolve's ``_subscript``): ``sys.modules["os"]``, ``os.__dict__["system"]``
_MODULE_MAPS = frozenset({"modules", "__dict__"})
# the methods of a mapping that look a key up: ``sys.modules.get("os")``,
# ``__builtins__.get("exec")``, ``vars(os).__getitem__("system")``
_MAP_GETTERS = frozenset({"get", "__getitem__"})


def _module_lookup(node: ast.expr) -> bool:
    """Whether an attribute and subscript chain goes through a lookup in a module's
    namespace (``sys.modules["os"].system``, ``sys.modules.get("os").system``,
    ``vars(os)["system"]``, ``os.__dict__["system"]``) or the builtins' (``__builtins__``):
    it may resolve to a catalogue name that no import of the file names."""
    while True:
        if isinstance(node, ast.Subscript):
            holder = node.value
            if _namespace(holder) or (
                isinstance(holder, (ast.Attribute, ast.Name))
                and getattr(holder, "attr", getattr(holder, "id", None)) in _MODULE_MAPS
            ):
                return True  # (from sys import modules; modules["os"].system(...))
            node = holder
        elif isinstance(node, ast.Attribute):
            if node.attr == "__builtins__":
                return True  # m.__builtins__["eval"]: any module's builtins (resolve.py)
            node = node.value
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Attribute) or func.attr not in _MAP_GETTERS:
                return False
            holder = func.value  # sys.modules.get("os"), os.__dict__.get(k), vars(os).get(k)
            return (
                _namespace(holder)
                or (
                    isinstance(holder, ast.Attribute)
                    and (holder.attr in _MODULE_MAPS or holder.attr == "__builtins__")
                )
                or (isinstance(holder, ast.Name) and holder.id == "__builtins__")
            )
        else:
            return isinstance(node, ast.Name) and node.id == "__builtins__"


def _alias_roots(value: ast.expr, classes: frozenset[str] = frozenset()) -> list[str | bool]:
    """What an assigned value can resolve through (see auditor.scan.resolve): the name at the
    root of a name, attribute or subscript chain (a str), True when it may resolve on its
    own (a call of getattr/__import__/import_module, a chain rooted in a call, a lookup in
    a module's namespace); none when it cannot resolve to a dotted name at all. A choice
    (``a if c else b``, ``a or b``) and a container written out (``(a, b)``, ``{"k": a}``)
    resolve through each of their items (``d["k"]``). An instance of a class in ``classes``
    (``code.InteractiveConsole()``) resolves through the root of the class's name
    (auditor.scan.analyze's ``_instance_method``), and so does one of a class of the file
    (``MyConsole()``, which may derive from one); ``staticmethod(f)`` through ``f``."""
    kind = type(value)
    if kind is ast.IfExp:
        return _alias_roots(value.body, classes) + _alias_roots(value.orelse, classes)  # type: ignore[attr-defined]
    if kind is ast.BoolOp:
        return [r for v in value.values for r in _alias_roots(v, classes)]  # type: ignore[attr-defined]
    if kind is ast.Tuple or kind is ast.List or kind is ast.Set:
        items = [e.value if type(e) is ast.Starred else e for e in value.elts]  # type: ignore[attr-defined]
        return [_item(r) for v in items for r in _alias_roots(v, classes)]
    if kind is ast.Dict:
        return [_item(r) for v in value.values for r in _alias_roots(v, classes)]  # type: ignore[attr-defined]
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and _namespace(func.value):
            return [True]  # globals().get(name)
        if _module_lookup(value):
            return [True]  # sys.modules.get("os")
        if isinstance(func, ast.Call):
            return [True]  # operator.attrgetter("system")(os)
        if isinstance(func, ast.Lambda):  # (lambda f=os.system: f)(), (lambda: os.system)()
            defaults = [*func.args.defaults, *(d for d in func.args.kw_defaults if d)]
            return [r for v in (func.body, *defaults) for r in _alias_roots(v, classes)]
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in _GETTERS:
            return [_GETTER]  # g = operator.attrgetter("system"): g(os) may be os.system
        if name in _TRANSPARENT and isinstance(func, ast.Name) and len(value.args) == 1:
            return _alias_roots(value.args[0], classes)
        if name in classes and isinstance(func, ast.Attribute):
            return _alias_roots(func)
        if isinstance(func, ast.Name):
            if name in _ALIAS_CALLS:
                return [True]
            return [name if name in classes else _INSTANCE + name]
        return []
    if isinstance(value, ast.Subscript) and _namespace(value.value):
        return [True]  # globals()[name]
    if not isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)):
        return []
    if _module_lookup(value):
        return [True]
    root = _root(value)
    through_item = _has_subscript(value)
    if isinstance(root, ast.Name):
        return [_item(root.id) if through_item else root.id]
    if isinstance(root, (ast.Tuple, ast.List, ast.Dict, ast.Set)):
        return [_item(r) for r in _alias_roots(root, classes)]
    return [True] if isinstance(root, ast.Call) else []


def _self_assigns(
    assigns: list[tuple[str, str | bool, int, str]],
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
) -> list[tuple[str, str | bool, int, str]]:
    """The ``x.<attr> = value`` whose ``x`` is the first parameter of the function the
    assignment is directly in (``self`` of a method, as auditor.scan.collect records)."""
    if not assigns:
        return []
    owner = _owners(functions)
    out = []
    for entry in assigns:
        line = entry[2]
        where = owner[line] if line < len(owner) else -1
        if where < 0:
            continue
        fn = functions[where]
        params = [*fn.args.posonlyargs, *fn.args.args]
        if params and params[0].arg == entry[3]:
            out.append(entry)
    return out


def _class_body_names(classes: list[ast.ClassDef]) -> set[str]:
    """The names the classes' bodies assign (class attributes: ``run_line = os.system``)."""
    out: set[str] = set()
    for cls in classes:
        for stmt in cls.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else []
            if isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        out.add(node.id)
    return out


def _item(root: str | bool) -> str | bool:
    """The root of an item of what ``root`` holds (see _INSTANCE, _ITEM)."""
    if isinstance(root, bool) or root.startswith((_ITEM, _INSTANCE)):
        return root
    return _ITEM + root


def _has_subscript(node: ast.expr) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Subscript):
            return True
        node = node.value
    return False


def _aliases(
    target: ast.expr,
    value: ast.expr | None,
    out: list[tuple[str, str | bool]],
    classes: frozenset[str] = frozenset(),
) -> None:
    """(name, what its value resolves through) for the names an assignment binds to
    something that may resolve (as auditor.scan.collect pairs tuple targets with tuple
    values)."""
    if isinstance(target, ast.Name):
        if value is not None:
            out.extend((target.id, root) for root in _alias_roots(value, classes))
    elif isinstance(target, (ast.Tuple, ast.List)):
        values: list[ast.expr | None] = [None] * len(target.elts)
        if (
            isinstance(value, (ast.Tuple, ast.List))
            and len(value.elts) == len(target.elts)
            and not any(isinstance(e, ast.Starred) for e in value.elts)
        ):
            values = list(value.elts)
        elif value is not None:  # system, _ = RUNNERS: each name may be any item of it
            _bind_all(target, _item_roots(value, classes), out)
            return
        for element, element_value in zip(target.elts, values, strict=True):
            _aliases(element, element_value, out, classes)


# what iterating a container's view gives (auditor.scan.resolve's Resolver.items), and the
# builtins whose result iterates over (parts of) their arguments' items
_VIEWS = frozenset({"items", "values", "keys", "copy"})
_PASSING = frozenset(
    {"list", "tuple", "set", "frozenset", "iter", "reversed", "sorted", "enumerate", "zip"}
)


def _item_roots(value: ast.expr, classes: frozenset[str]) -> list[str | bool]:
    """What an item (or a part of one) of ``value`` can resolve through, iterated by a
    ``for`` or unpacked (auditor.scan.resolve's ``Resolver.items``): the roots of ``value``
    itself as an item (``_item``), through ``.items()`` and the like and the builtins that
    pass items on (``enumerate(RUNNERS)``)."""
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in _VIEWS:
            return _item_roots(func.value, classes)
        if isinstance(func, ast.Name) and func.id in _PASSING:
            return [r for arg in value.args for r in _item_roots(arg, classes)]
    return [_item(r) for r in _alias_roots(value, classes)]


def _bind_all(target: ast.AST, roots: list[str | bool], out: list[tuple[str, str | bool]]) -> None:
    """(name, root) for every name ``target`` binds (a ``for`` target, a ``match`` pattern's
    captures), each to every root."""
    if not roots:
        return
    for node in ast.walk(target):
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            name = node.name
        elif isinstance(node, ast.MatchMapping):
            name = node.rest
        if name is not None:
            out.extend((name, root) for root in roots)


def _default_aliases(
    args: ast.arguments, out: list[tuple[str, str | bool]], classes: frozenset[str]
) -> None:
    """(parameter, root) for each parameter whose default may resolve: a call of the
    parameter runs its default unless the caller passes something else
    (``def run(cmd, system=os.system)``; auditor.scan.resolve)."""
    positional = [*args.posonlyargs, *args.args]
    given = positional[len(positional) - len(args.defaults) :]
    pairs = list(zip(given, args.defaults, strict=True))
    pairs += [
        (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    ]
    for arg, default in pairs:
        out.extend((arg.arg, root) for root in _alias_roots(default, classes))


# prefixes of the roots _alias_roots gives for an instance of a class called by its name
# (``c = MyConsole()``: it resolves only when the class does, through its bases or an alias)
# and for an item of a container or a lookup by key (``d = {"r": os.system}``, ``y = d[k]``:
# through a sink module, a builtin sink or a project sink, not through any def of the file)
_INSTANCE, _ITEM = "()", "[]"
# the root _alias_roots gives for ``operator.attrgetter(...)`` or ``methodcaller(...)``: the
# name resolves, and so does a call of it (``h = g(os)``)
_GETTER = "<getter>"


def _resolves(
    root: str | bool,
    resolvable: set[str],
    strict: set[str],
    bound: set[str],
    star_from_sink: bool,
    last: frozenset[str],
    class_names: frozenset[str] = frozenset(),
) -> bool:
    """Whether an alias root (see _alias_roots) may resolve to a sink."""
    if root is True:
        return True
    if root is False:
        return False
    if root == _GETTER:
        return True
    if root.startswith(_INSTANCE):  # an instance of a class of the file deriving from a sink
        return root[2:] in bound and root[2:] in class_names
    if root.startswith(_ITEM):
        return root[2:] in strict or root[2:] in bound
    return root in resolvable or root in bound or (star_from_sink and root in last)


def _bound(
    aliases: list[tuple[str, str | bool]], resolvable: set[str], star_from_sink: bool,
    last: frozenset[str], strict: set[str] | None = None,
    class_names: frozenset[str] = frozenset(),
) -> set[str]:  # fmt: skip
    """The names some assignment of the file binds to a value that may resolve to a sink:
    a call of getattr/__import__/import_module, or a chain rooted in a name that is itself
    ``resolvable`` (a sink module's import, a builtin sink, a project sink's def), or bound
    so (to a fixpoint), or imported by a star import from a sink module. ``strict``: what
    an item of a container resolves through (default: ``resolvable``)."""
    strict = resolvable if strict is None else strict
    bound = {name for name, root in aliases if root is True}
    pending = [(name, root) for name, root in aliases if isinstance(root, str)]
    changed = True
    while changed:
        changed = False
        rest = []
        for name, root in pending:
            if name in bound:
                continue
            if _resolves(root, resolvable, strict, bound, star_from_sink, last, class_names):
                bound.add(name)
                changed = True
            else:
                rest.append((name, root))
        pending = rest
    return bound


@dataclass(slots=True)
class Survey:
    """What one walk of the ``ast`` tree tells the analysis (see :func:`survey`)."""

    may_report: bool
    calls: list[ast.Call]  # every call of the file (for positions)
    stubs: list[tuple[int, int, int]]  # bodies that cannot matter: first, last line, column
    # for the project-wide stage: names and ``x.<attr>`` names used as values, not called
    # (a function handed to code the analysis cannot follow)
    value_names: frozenset[str] = frozenset()
    value_attrs: frozenset[str] = frozenset()
    # every def: (name, line of ``def``, column of its name, last line), in source order
    defs: tuple[tuple[str, int, int, int], ...] = ()
    # a call the project-wide stage asked for is in the file (a call or a value of an
    # ``extra_calls`` name, a set of an ``extra_sets`` attribute): False when none is
    asked: bool = False


# Fields that never hold a node worth visiting (contexts, operators) or hold only strings.
_SKIP_FIELDS = frozenset(
    {"ctx", "op", "type_comment", "names", "kind", "conversion", "kwd_attrs", "rest"}
)
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _SKIP_FIELDS)
    return fields


# the nodes that may set an attribute (see _attribute_sets)
_SETTING = frozenset({ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Call})
_GROWING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "put", "put_nowait"}
)


def _attribute_sets(nodes: list[ast.AST], names: frozenset[str]) -> list[int]:
    """The lines of the statements among ``nodes`` (the survey's assignments and calls)
    that set an attribute named in ``names``: an assignment to it (also augmented,
    annotated, or inside a tuple target) or a call that grows what it holds
    (``x.NAME.append(v)``)."""
    out: list[int] = []
    for node in nodes:
        kind = type(node)
        targets: list[ast.expr]
        if kind is ast.Assign:
            targets = list(node.targets)  # type: ignore[attr-defined]
        elif kind is ast.AugAssign or kind is ast.AnnAssign:
            targets = [node.target]  # type: ignore[attr-defined]
        elif kind is ast.Call:
            if _sets_by_name(node, names):  # type: ignore[arg-type]
                out.append(node.lineno)  # type: ignore[attr-defined]
                continue
            func = node.func  # type: ignore[attr-defined]
            if type(func) is not ast.Attribute or func.attr not in _GROWING_METHODS:
                continue
            targets = [func.value]
        else:
            continue
        while targets:
            target = targets.pop()
            if type(target) in (ast.Tuple, ast.List):
                targets.extend(target.elts)  # type: ignore[attr-defined]
            elif type(target) is ast.Attribute and target.attr in names:
                out.append(node.lineno)  # type: ignore[attr-defined]
            elif type(target) is ast.Subscript and _attributes_of(target.value):
                key = target.slice  # x.__dict__["NAME"] = v, vars(x)[k] = v
                if _maybe_named(key, names):
                    out.append(node.lineno)  # type: ignore[attr-defined]
    return out


def _changes(nodes: list[ast.AST], names: frozenset[str]) -> list[int]:
    """The lines of the statements among ``nodes`` that write a global of another module
    or a class attribute named in ``names``, in place or not (``put:`` requests): as
    :func:`_attribute_sets` does, and also ``x.NAME[k] = v``, ``del x.NAME[k]``,
    ``x.NAME.pop()``, and the same on a name of its own (``from backup import RSYNC``,
    then ``RSYNC.append(v)``, ``RSYNC[0] = v``, ``RSYNC += v``)."""
    out = _attribute_sets(nodes, names)

    def named(node: ast.expr) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return (isinstance(node, ast.Attribute) and node.attr in names) or (
            isinstance(node, ast.Name) and node.id in names
        )

    for node in nodes:
        kind = type(node)
        targets: list[ast.expr] = []
        if kind is ast.Assign or kind is ast.Delete:
            targets = list(node.targets)  # type: ignore[attr-defined]
        elif kind is ast.AugAssign:
            targets = [node.target]  # type: ignore[attr-defined]
            if type(node.target) is ast.Name and node.target.id in names:  # type: ignore[attr-defined]
                out.append(node.lineno)  # type: ignore[attr-defined]
                continue
        elif kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Attribute and func.attr in _GROWING and named(func.value):
                out.append(node.lineno)  # type: ignore[attr-defined]
            continue
        while targets:
            target = targets.pop()
            if type(target) in (ast.Tuple, ast.List):
                targets.extend(target.elts)  # type: ignore[attr-defined]
            elif type(target) is ast.Subscript and named(target):
                out.append(node.lineno)  # type: ignore[attr-defined]
                break
    return out


def _maybe_named(key: ast.expr, names: frozenset[str]) -> bool:
    """Whether an attribute name given as a value may be one of ``names``: one of them
    written as a literal, or any name not written as one."""
    if type(key) is ast.Constant and isinstance(key.value, str):
        return key.value in names
    return True


def _attributes_of(node: ast.expr) -> bool:
    """``x.__dict__`` or ``vars(x)``: the attributes of ``x`` by name."""
    if type(node) is ast.Attribute:
        return node.attr == "__dict__"
    return (
        type(node) is ast.Call
        and type(node.func) is ast.Name
        and node.func.id == "vars"
        and len(node.args) == 1
    )


def _sets_by_name(node: ast.Call, names: frozenset[str]) -> bool:
    """Whether the call may set an attribute named in ``names`` by its name:
    ``setattr(x, "NAME", v)``, ``setattr(x, name, v)`` (any), ``x.__dict__.update(...)``,
    ``vars(x).update(NAME=v)``, ``x.__dict__.setdefault(k, v)``."""
    func = node.func
    if type(func) is ast.Name and func.id == "setattr" and len(node.args) >= 2:
        return _maybe_named(node.args[1], names)
    if type(func) is not ast.Attribute or not _attributes_of(func.value):
        return False
    if func.attr == "update":
        return bool(node.args) or any(k.arg is None or k.arg in names for k in node.keywords)
    if func.attr in ("setdefault", "__setitem__") and node.args:
        return _maybe_named(node.args[0], names)
    return False


def _imports_any(node: ast.Import | ast.ImportFrom, names: frozenset[str]) -> bool:
    """Whether the import binds one of ``names`` (by its own last name, under any alias)."""
    return any(alias.name.rsplit(".", 1)[-1] in names for alias in node.names)


def _class_body_sets(cls: ast.ClassDef, names: frozenset[str]) -> bool:
    """Whether the class body binds one of ``names`` (``command = ...``, annotated too):
    a class attribute that ``self.<name>`` reads when no instance attribute hides it."""
    for stmt in cls.body:
        if type(stmt) is ast.Assign:
            if any(type(t) is ast.Name and t.id in names for t in stmt.targets):
                return True
        elif (
            type(stmt) is ast.AnnAssign
            and type(stmt.target) is ast.Name
            and stmt.target.id in names
        ):
            return True
    return False


def survey(
    tree: ast.Module,
    words: SinkWords,
    sink_module: bool = True,
    extra_calls: frozenset[str] = frozenset(),
    extra_defs: frozenset[str] = frozenset(),
    extra_sets: frozenset[str] = frozenset(),
    extra_puts: frozenset[str] = frozenset(),
) -> Survey:
    """One walk of the tree: whether the full analysis may report anything (False only when
    it provably reports nothing), every call, and the function bodies whose libcst parse
    cannot change the result (see :mod:`auditor.scan.skeleton`).

    Beyond the module doc's argument, per call: a callee resolves to a dotted name only
    through the name at the root of its attribute chain, and only when that name is a
    builtin sink name or is bound in the file by an import from a sink module (every
    catalogue name starts with a sink module's root), by an assignment of a value that can
    itself resolve (a name, an attribute chain, getattr/__import__/import_module, an
    instance of a class whose method is a sink), by a
    ``def``/``class`` (project sinks), or by a star import from a sink module; or when the
    root is itself a call (``getattr(os, "system")(...)``, ``__import__("os").system(...)``).
    A parameter resolves through its default, a ``for`` target, a name unpacked from a
    value that cannot be paired and a ``match`` capture through what is iterated, unpacked
    or matched (any item of it), a walrus callee through its value; ``with`` targets never
    resolve. An attribute callee must also end in a sink's last name. All bindings of the
    file count, whatever their scope.

    A *marker* is a place that may matter: such a call, a call passing ``shell=``, a method
    sink, a builtin sink name, a ``def`` of a project sink, and (for the stubs only) a
    ``global`` or ``nonlocal`` statement.

    ``sink_module``: the file's module name starts with a sink module's root name (its own
    defs may then be catalogue names, as in CPython's os.py); True when unknown.

    For the project-wide stage (auditor.flow), a call of a name in ``extra_calls`` (a
    function of the project whose parameter reaches a sink) and the ``def`` of a name in
    ``extra_defs`` (a function whose return value reaches one) are markers too (with
    ``__call__`` in ``extra_calls``, an object called: every call), and a statement that
    sets an attribute named in ``extra_sets`` (``x.NAME = v``, ``x.NAME += v``,
    ``x.NAME.append(v)``: an instance attribute a sink's payload reads); and so is,
    to a fixpoint, every function of the file that calls (by name) a function holding a
    marker: the flow into a wrapper is in its callers' bodies. A statement that writes a
    name of ``extra_puts`` as another module's global or a class attribute, in place or
    not (:func:`_changes`), is a marker too."""
    imports_root = False
    star_from_sink = False
    decided = False  # a marker that makes the file reportable whatever else it holds
    asked = False  # a call or value of extra_calls, or a set of extra_sets, is here
    set_nodes: list[ast.AST] = []  # with extra_sets: what may set an attribute
    tables: list[ast.Assign] = []  # with extra_calls: ``X = {...}`` (a table of functions?)
    modules: set[str] = set()  # names bound to a sink module (or something in it)
    module_of: dict[str, set[str]] = {}  # what each of those names is bound to
    aliases: list[tuple[str, str | bool]] = []  # (name, what its assigned value resolves via)
    # the indexes in ``aliases`` of the bindings ``name = a.b.c`` (a chain of names alone),
    # with that chain: the name resolves to it (``path = os.defpath``, see _module_miss);
    # "" for an item added to what the name holds (``path.insert(0, os.curdir)``)
    chains: dict[int, str] = {}
    # (attr, what its value resolves via, line, x) of ``x.<attr> = value``
    attr_aliases: list[tuple[str, str | bool, int, str]] = []
    defined: set[str] = set()
    markers: list[int] = []  # lines of markers
    all_calls: list[ast.Call] = []
    calls: list[tuple[ast.expr, int]] = []  # (callee, line) of calls to check at the end
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    classes: list[ast.ClassDef] = []
    stores: list[tuple[str, int]] = []  # (name, line) of every name bound (params too)
    mutations: list[tuple[str, int]] = []  # (name, line) of x.append(v), x[k] = v
    # (name, line) of the names bound to an object that may be another name's: a parameter
    # whose default is a name (``def f(l=CMD)``), a ``for`` target, a walrus over a name
    aliasing: list[tuple[str, int]] = []
    # (name, line) of a name put in another object (an item of a display, an attribute),
    # and the names bound to a container display: an escape of one of those is kept as a
    # mutation would be (auditor.scan.collect's ``_escape``)
    escapes: list[tuple[str, int]] = []
    handed: list[tuple[str, int, str]] = []  # (parameter, line, its function's name)
    built: set[str] = set()
    # (line, x) of x.attr = v, del x.attr, x.attr.append(v)...: what may set an attribute
    attr_sets: list[tuple[int, str]] = []
    # (line, attr) of every x.attr = v (any x) and setattr(x, "attr", v)
    named_sets: list[tuple[int, str]] = []
    Store, Load = ast.Store, ast.Load
    loads: list[ast.Name] = []  # names read (for value_names)
    attr_loads: list[ast.Attribute] = []
    called: set[int] = set()  # id() of every callee expression
    looked_up: set[str] = set()  # names bound to a function looked up by name
    namespaces: set[str] = set()  # names bound to a namespace: g = globals()
    # lookups in what a name holds, X[...] or X.get(...): (X, the name the result is
    # assigned to or None when it is called at once, line)
    lookups: list[tuple[str, str | None, int]] = []
    subscripts: list[ast.Subscript] = []  # with extra_calls: every X[k] (a lookup by name?)
    # the operations whose method is asked for (``call:__getitem__``: every ``X[k]``)
    operated: frozenset[type] = frozenset(
        k for m, k in OPERATED if extra_calls and m in extra_calls
    )
    methods, last, builtins, roots = words.methods, words.last, words.builtins, words.roots
    settings = words.settings
    # what may be the process's environment set: (os.environ of os.environ[k] = v, os.environ
    # |= m and os.environ.update(...), or os.putenv of os.putenv(k, v); line)
    setting_stores: list[tuple[ast.expr, int]] = []
    table = stdin_feeds()
    feeds = table.feeds
    # what may hold the pipe to a shell's standard input, and where it may be written to
    held: list[tuple[ast.expr, ast.expr]] = []  # (target, value) of every assignment
    writes: list[tuple[ast.expr, int]] = []  # (what may be a pipe, line of the write)
    stack: list[ast.AST] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    AST, Call, Name, Attribute = ast.AST, ast.Call, ast.Name, ast.Attribute
    while stack:
        node = pop()
        if node is None:  # lists may hold None: Dict.keys (``**spread``), kw_defaults
            continue
        kind = type(node)
        if kind is Name:
            if node.id in builtins:  # type: ignore[attr-defined]
                decided = True
                markers.append(node.lineno)  # type: ignore[attr-defined]
            elif type(node.ctx) is Store:  # type: ignore[attr-defined]
                stores.append((node.id, node.lineno))  # type: ignore[attr-defined]
            else:
                loads.append(node)  # type: ignore[arg-type]
            continue
        if kind is ast.arg:
            stores.append((node.arg, node.lineno))  # type: ignore[attr-defined]
            continue
        if kind is ast.Constant:
            continue
        if ((extra_sets or extra_puts) and kind in _SETTING) or (extra_puts and kind is ast.Delete):
            set_nodes.append(node)
        if extra_calls and kind is ast.Assign and type(node.value) is ast.Dict:  # type: ignore[attr-defined]
            tables.append(node)  # type: ignore[arg-type]
        if extra_calls and kind is ast.Subscript:
            subscripts.append(node)  # type: ignore[arg-type]
        # r[k], r + x, x in r: a method of r's class, asked for (``call:__getitem__``)
        if (
            operated
            and kind in operated
            and (
                kind is not ast.Compare or any(type(op) in (ast.In, ast.NotIn) for op in node.ops)  # type: ignore[attr-defined]
            )
        ):
            decided = asked = True
            markers.append(node.lineno)  # type: ignore[attr-defined]
        if kind is ast.Dict or (
            (kind is ast.List or kind is ast.Tuple or kind is ast.Set)
            and type(getattr(node, "ctx", Load)) is Load
        ):
            # STATE = {"cmd": CMD}: CMD may be changed through what holds it (an escape,
            # auditor.scan.collect), so the body must stay as a mutation's would
            items = node.values if kind is ast.Dict else node.elts  # type: ignore[attr-defined]
            escapes.extend((item.id, item.lineno) for item in items if type(item) is Name)
        if kind is ast.Subscript and type(node.ctx) is Store:  # type: ignore[attr-defined]
            base = node.value  # type: ignore[attr-defined]
            if type(base) is ast.NamedExpr and type(base.target) is Name:
                mutations.append((base.target.id, node.lineno))  # type: ignore[attr-defined]
            if type(base) is Name:
                mutations.append((base.id, node.lineno))  # type: ignore[attr-defined]
                setting_stores.append((base, node.lineno))  # type: ignore[attr-defined]
            elif type(base) is Attribute and base.attr in settings:
                setting_stores.append((base, node.lineno))  # type: ignore[attr-defined]
            if type(base) is Attribute and base.attr == "__globals__":
                markers.append(node.lineno)  # type: ignore[attr-defined]  # f.__globals__[k] = v
        elif kind is ast.Subscript and type(node.ctx) is ast.Del:  # type: ignore[attr-defined]
            base = node.value  # type: ignore[attr-defined]
            if type(base) is Name:  # del x[0:3]: x's items shift
                mutations.append((base.id, node.lineno))  # type: ignore[attr-defined]
        elif kind is ast.AugAssign and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
            target = node.target  # type: ignore[attr-defined]
            if type(target) is Name or (type(target) is Attribute and target.attr in settings):
                setting_stores.append((target, node.lineno))  # type: ignore[attr-defined]
        if kind is Attribute:
            called.add(id(node.value))  # type: ignore[attr-defined]  # a chain's base: no value
            if type(node.ctx) is Load:  # type: ignore[attr-defined]
                attr_loads.append(node)  # type: ignore[arg-type]
            else:
                named_sets.append((node.lineno, node.attr))  # type: ignore[attr-defined]
                if type(node.value) is Name:  # type: ignore[attr-defined]
                    attr_sets.append((node.lineno, node.value.id))  # type: ignore[attr-defined]
        if kind is Call:
            all_calls.append(node)  # type: ignore[arg-type]
            func = node.func  # type: ignore[attr-defined]
            if type(func) is Name and func.id == "setattr" and len(node.args) >= 2:  # type: ignore[attr-defined]
                name = node.args[1]  # type: ignore[attr-defined]
                if type(name) is ast.Constant and type(name.value) is str:
                    named_sets.append((node.lineno, name.value))  # type: ignore[attr-defined]
            line = node.lineno  # type: ignore[attr-defined]
            called.add(id(func))
            if (type(func) is Name and _writes_globals(func.id, node.args)) or (  # type: ignore[attr-defined]
                type(func) is Attribute
                and type(func.value) is Attribute
                and func.value.attr == "__globals__"
            ):
                # globals()[k] = v, globals().update(...), setattr(sys.modules[...], k, v),
                # f.__globals__.update(...): the module's globals written by name (a
                # binding, see auditor.scan.collect)
                markers.append(line)
            if extra_calls and (
                (func.id if type(func) is Name else getattr(func, "attr", None)) in extra_calls
                or "__call__" in extra_calls  # an instance called: under any name
                or _builds(func, extra_calls)
            ):
                decided = asked = True
                markers.append(line)
            if node.args and type(node.args[0]) is Name and _changes_first(func):  # type: ignore[attr-defined]
                mutations.append((node.args[0].id, line))  # type: ignore[attr-defined]  # heappush(L, x)
            if type(func) is Attribute and type(func.value) is ast.NamedExpr:
                mutations.append((func.value.target.id, line))  # (c := CMD).append(x)
            if type(func) is Attribute and func.attr in _GROWING:
                grown = func.value
                if type(grown) is Name:
                    mutations.append((grown.id, line))
                    for added in node.args:  # type: ignore[attr-defined]
                        # RUNNERS.append(os.system): an item of it (auditor.scan.resolve)
                        before = len(aliases)
                        aliases.extend(
                            (grown.id, _item(root)) for root in _alias_roots(added, words.classes)
                        )
                        # what RUNNERS itself is does not change (see _held_chains)
                        chains.update(dict.fromkeys(range(before, len(aliases)), ""))
                elif type(grown) is Attribute and type(grown.value) is Name:
                    attr_sets.append((line, grown.value.id))  # self.items.append(x)
            if type(func) is Attribute and func.attr in _SETTING_METHODS:
                setting_stores.append((func.value, line))  # os.environ.update(...)
            elif (func.id if type(func) is Name else getattr(func, "attr", None)) in settings:
                setting_stores.append((func, line))  # os.putenv(k, v)
            if feeds(func):
                # what a program writes to a shell it started (p.stdin.write(cmd)) is that
                # site's payload: the body must stay, though it decides nothing alone
                markers.append(line)
            else:
                # pipe.write(cmd), print(cmd, file=pipe), os.write(fd, b): decided at the
                # end, once what holds a pipe is known
                writes.extend((pipe, line) for pipe in table.written_pipes(node))  # type: ignore[arg-type]
            if any(k.arg == "shell" for k in node.keywords):  # type: ignore[attr-defined]
                decided = True
                markers.append(line)
            elif type(func) is Attribute:
                if func.attr in methods:
                    decided = True
                    markers.append(line)
                elif func.attr in last:
                    calls.append((func, line))
                elif func.attr in ("__call__", "__init__"):
                    # os.system.__call__(cmd): os.system(cmd); subprocess.Popen.__init__(obj,
                    # cmd): subprocess.Popen(cmd) (auditor.scan.analyze's _init_called)
                    inner = func.value
                    if _called_through(inner, last):
                        calls.append((inner, line))
            elif isinstance(func, (Name, Call)):
                calls.append((func, line))
                if type(func) is Call and _looks_up(func):
                    decided = True  # getattr(obj, name)(...): a function chosen by name
                    markers.append(line)
            elif type(func) is ast.Subscript and _namespace(func.value):
                decided = True  # globals()[name](...): a function chosen by name
                markers.append(line)
            elif type(func) is ast.NamedExpr:  # (f := os.system)(...): what is bound
                calls.append((func.value, line))
            elif isinstance(func, (ast.Subscript, ast.IfExp, ast.BoolOp)):
                calls.append((func, line))  # handlers["run"](...), (a if c else b)(...)
            if _module_lookup(func):
                decided = True  # sys.modules["os"].system(...), os.__dict__["system"](...)
                markers.append(line)
            base = _lookup_base(func)
            if base is not None:  # g[name](...), g.get(name)(...): g = globals()?
                lookups.append((base, None, line))
        elif kind is ast.Import:
            if extra_calls and _imports_any(node, extra_calls):  # type: ignore[arg-type]
                asked = True  # imported under another name: called as that (libcst knows)
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name.split(".")[0] in roots:
                    imports_root = True
                    modules.add(alias.asname or alias.name.split(".")[0])
                    local = alias.asname or alias.name.split(".")[0]
                    full = alias.name if alias.asname else local
                    module_of.setdefault(local, set()).add(full)
        elif kind is ast.ImportFrom:
            if extra_calls and _imports_any(node, extra_calls):  # type: ignore[arg-type]
                asked = True
            module = node.module  # type: ignore[attr-defined]
            if not node.level and module and module.split(".")[0] in roots:  # type: ignore[attr-defined]
                imports_root = True
                for alias in node.names:  # type: ignore[attr-defined]
                    if alias.name == "*":
                        star_from_sink = True
                    else:
                        modules.add(alias.asname or alias.name)
                        local = alias.asname or alias.name
                        module_of.setdefault(local, set()).add(f"{module}.{alias.name}")
        elif kind is ast.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                held.append((target, node.value))  # type: ignore[attr-defined]
                if type(target) is Attribute and type(node.value) is Name:  # type: ignore[attr-defined]
                    escapes.append((node.value.id, node.lineno))  # type: ignore[attr-defined]  # obj.cmd = CMD
                if type(target) is Name and type(node.value) in _BUILT:  # type: ignore[attr-defined]
                    built.add(target.id)
                before = len(aliases)
                _aliases(target, node.value, aliases, words.classes)  # type: ignore[attr-defined]
                chain = _chain(node.value) if type(target) is Name else None  # type: ignore[attr-defined]
                if chain is not None:
                    chains.update(dict.fromkeys(range(before, len(aliases)), chain))
                if type(target) is Attribute and type(target.value) is Name:  # self.sh = ...
                    for root in _alias_roots(node.value, words.classes):  # type: ignore[attr-defined]
                        attr_aliases.append((target.attr, root, node.lineno, target.value.id))  # type: ignore[attr-defined]
                if type(target) is Name:
                    value = node.value  # type: ignore[attr-defined]
                    if _looks_up(value):
                        looked_up.add(target.id)  # f = getattr(obj, name)
                    elif _namespace(value):
                        namespaces.add(target.id)  # g = globals()
                        markers.append(node.lineno)  # type: ignore[attr-defined]  # g["CMD"] = v
                    else:
                        base = _lookup_base(value)  # f = g.get(name), g = globals()?
                        if base is not None:
                            lookups.append((base, target.id, value.lineno))
        elif kind is ast.AnnAssign or kind is ast.NamedExpr:
            if kind is ast.NamedExpr and type(node.value) is Name:  # type: ignore[attr-defined]
                aliasing.append((node.target.id, node.lineno))  # type: ignore[attr-defined]
            _aliases(node.target, node.value, aliases, words.classes)  # type: ignore[attr-defined]
            target = node.target  # type: ignore[attr-defined]
            if type(target) is Attribute and type(target.value) is Name and node.value is not None:  # type: ignore[attr-defined]
                for root in _alias_roots(node.value, words.classes):  # type: ignore[attr-defined]
                    attr_aliases.append((target.attr, root, node.lineno, target.value.id))  # type: ignore[attr-defined]
                # self.client: Optional[BlockingKernelClient] = None: an instance of the
                # class the annotation names (auditor.scan.held's ``instances``)
                for part in ast.walk(node.annotation):  # type: ignore[attr-defined]
                    if isinstance(part, (ast.Name, ast.Attribute)):
                        made = ast.Call(func=part, args=[], keywords=[])
                        for root in _alias_roots(made, words.classes):
                            attr_aliases.append((target.attr, root, node.lineno, target.value.id))  # type: ignore[attr-defined]
            if node.value is not None:  # type: ignore[attr-defined]
                held.append((node.target, node.value))  # type: ignore[attr-defined]
        elif kind is ast.withitem:
            if node.optional_vars is not None:  # type: ignore[attr-defined]
                held.append((node.optional_vars, node.context_expr))  # type: ignore[attr-defined]
        elif kind is ast.For or kind is ast.AsyncFor or kind is ast.comprehension:
            # for f in [os.system]: f(cmd), for _, f in HANDLERS.items()
            _bind_all(node.target, _item_roots(node.iter, words.classes), aliases)  # type: ignore[attr-defined]
            if type(node.target) is Name:  # type: ignore[attr-defined]
                aliasing.append((node.target.id, node.target.lineno))  # type: ignore[attr-defined]
        elif kind is ast.arguments:
            # def f(l=CMD): l is CMD itself (its changes are CMD's)
            positional = [*node.posonlyargs, *node.args]  # type: ignore[attr-defined]
            defaults = node.defaults  # type: ignore[attr-defined]
            pairs = [
                *zip(positional[len(positional) - len(defaults) :], defaults, strict=True),
                *zip(node.kwonlyargs, node.kw_defaults, strict=True),  # type: ignore[attr-defined]
            ]
            for arg, default in pairs:
                if type(default) is Name:
                    aliasing.append((arg.arg, arg.lineno))

        elif kind is ast.Match:  # match os.system: case f: f(cmd)
            subject = node.subject  # type: ignore[attr-defined]
            captured = _alias_roots(subject, words.classes) + _item_roots(subject, words.classes)
            for case in node.cases:  # type: ignore[attr-defined]
                _bind_all(case.pattern, captured, aliases)
        elif kind is ast.Lambda:
            _default_aliases(node.args, aliases, words.classes)  # type: ignore[attr-defined]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            name = node.name  # type: ignore[attr-defined]
            if kind is not ast.ClassDef:
                _default_aliases(node.args, aliases, words.classes)  # type: ignore[attr-defined]
                # def add(lst, x): lst.append(x) changes what a caller hands it (a global:
                # add(ALLOWED, x)), which the collector follows from the call
                arguments = node.args  # type: ignore[attr-defined]
                handed.extend(
                    (arg.arg, arg.lineno, name) for arg in (*arguments.posonlyargs, *arguments.args)
                )
            if name in words.defined:
                decided = True
                markers.append(node.lineno)  # type: ignore[attr-defined]
            elif name in extra_defs and kind is not ast.ClassDef:
                decided = True
                markers.append(node.body[0].lineno)  # type: ignore[attr-defined]
            defined.add(name)
            if kind is not ast.ClassDef:
                functions.append(node)  # type: ignore[arg-type]
            else:
                classes.append(node)  # type: ignore[arg-type]
                # a class deriving from a sink class is that sink when called (LoggedPopen
                # of subprocess.Popen): it resolves as its bases do
                for base in node.bases:  # type: ignore[attr-defined]
                    aliases.extend(
                        (name, _item(root)) for root in _alias_roots(base, words.classes)
                    )
        elif kind is ast.Global or kind is ast.Nonlocal:
            markers.append(node.lineno)  # type: ignore[attr-defined]
        for field_name in _child_fields(kind):
            child = getattr(node, field_name)
            if type(child) is list:
                extend(child)
            elif isinstance(child, AST):
                push(child)
    for base, target, line in lookups:
        if base in namespaces:
            if target is not None:
                looked_up.add(target)
            else:
                decided = True
                markers.append(line)
    for func, line in calls:
        if type(func) is Name and func.id in looked_up:  # f = getattr(obj, name); f()
            decided = True
            markers.append(line)
    reportable = decided
    # a def decorated by a function of the file that returns a value it does not make
    # (``def swap(f): return os.system``, ``@swap def status(x)``): ``status`` is what the
    # decorator returns (auditor.scan.resolve's ``_decorated``)
    aliases.extend(_decorated_aliases(functions, words.classes))
    # A def or class at module level resolves to ``<module>.<name>``: a catalogue name when
    # it is a sink's own definition (the file is the sink module itself, as CPython's os.py
    # or subprocess.py) or a project sink's.
    own = _module_level_defs(tree) & last if sink_module else set()
    # A standard-library sink module used and never imported resolves unbound (see
    # auditor.scan.resolve's IMPLICIT_MODULES): it counts as imported.
    implicit = {n.id for n in loads} & words.implicit
    modules |= implicit
    # Without a sink module imported, a project sink or such a def, a call resolves to a
    # sink only through a builtin sink name, which already decided; aliases are in ``bound``.
    bound: set[str] = set()
    if imports_root or implicit or words.defined or decided or own:
        resolvable = modules | builtins | own
        if words.defined:
            resolvable |= defined
        strict = modules | builtins | own | (defined & words.defined)
        # what a call of may resolve: a class of the file (an instance), a getter
        getters = {name for name, root in aliases if root == _GETTER}
        class_names = frozenset(c.name for c in classes) | getters
        bound = _bound(aliases, resolvable, star_from_sink, last, strict, class_names)
        held_chains = _held_chains(aliases, chains)
        for func, line in calls:
            if _candidate(
                func, modules, bound, defined, own, star_from_sink, words
            ) and not _module_miss(func, module_of, bound, own, words, held_chains):
                reportable = True
                markers.append(line)
        # a setting of the process's environment (auditor.scan.analyze's _settings): what
        # is set resolves as a callee does, through the name at its root; an attribute
        # ends in a setting's name (os.environ), a name is bound to one (from os import
        # environ, env = os.environ) or comes from a star import of a sink module
        for held_expr, line in setting_stores:
            if isinstance(held_expr, ast.Attribute) and held_expr.attr not in settings:
                continue
            named = held_expr.id if isinstance(held_expr, ast.Name) else None
            if _candidate(held_expr, modules, bound, defined, own, star_from_sink, words) or (
                star_from_sink and named in settings
            ):
                reportable = True
                markers.append(line)
        # a sink handed over as a value (Thread(target=os.system), partial(subprocess.run,
        # ...), run_in_executor(None, exec, code)): reported at the call it is handed to
        for value in (*loads, *attr_loads):
            if id(value) in called:
                continue
            # a value is a sink only by its own name (os.system, system after a from-import)
            named = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
            if isinstance(value, ast.Attribute) and named in methods:
                # a bound method of a sink matched on any receiver (to_thread(c.exec_run, x))
                reportable = True
                markers.append(value.lineno)
                continue
            if named not in last:
                continue
            if _candidate(
                value, modules, bound, defined, own, star_from_sink, words
            ) and not _module_miss(value, module_of, bound, own, words, held_chains):
                # onerror(os.open, ...): os.open is no sink, though ``open`` ends one
                reportable = True
                markers.append(value.lineno)
        # a sink kept in an attribute (self.sh = os.system; run_line = os.system in a class
        # body) and called through it (self.sh(cmd)): auditor.scan.held
        selves = _self_assigns(attr_aliases, functions)
        kept = {
            held_attr
            for held_attr, root, _, _ in selves
            if _resolves(root, resolvable, strict, bound, star_from_sink, last, class_names)
        }
        kept |= bound & _class_body_names(classes)
        if kept:
            for held_attr, _, line, _ in selves:
                if held_attr in kept:
                    markers.append(line)
            for call in all_calls:
                func = call.func
                if type(func) is ast.Subscript and type(func.value) is Attribute:
                    func = func.value  # self.ops["r"](cmd): an item of what it holds
                if type(func) is not Attribute:
                    continue
                inner = func.value
                if func.attr in kept or (
                    # self.libc.system(cmd): a method of an instance an attribute holds
                    # (self.libc = ctypes.CDLL(None)), auditor.scan.held's ``instances``
                    func.attr in last and type(inner) is Attribute and inner.attr in kept
                ):
                    reportable = True
                    markers.append(call.lineno)
        # a class deriving from a sink class: its methods may call the sink's own on self
        # (self.push(line) in a code.InteractiveConsole)
        for cls in classes:
            if cls.name in bound:
                reportable = True
                markers.extend(
                    stmt.body[0].lineno
                    for stmt in cls.body
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                )
        # a task function (``@task def deploy(c): c.run(cmd)``, rules/sinks.toml's
        # ``[[task_parameter]]``): its first parameter is an object the task runner makes,
        # whose methods may be sinks (auditor.scan.held's ``task_context``)
        for fn in functions if words.tasks and imports_root else ():
            first = (*fn.args.posonlyargs, *fn.args.args)[:1]
            if not first or not any(_named(d) in words.tasks for d in fn.decorator_list):
                continue
            for sub in ast.walk(fn):
                if (
                    type(sub) is Call
                    and type(sub.func) is Attribute
                    and sub.func.attr in last
                    and type(sub.func.value) is Name
                    and sub.func.value.id == first[0].arg
                ):
                    reportable = True
                    markers.append(sub.lineno)
    if extra_calls:
        # a function the project-wide stage follows, handed over as a value (a callback):
        # the file must be parsed for the stage to know it
        for name_node in loads:
            if name_node.id in extra_calls and id(name_node) not in called:
                reportable = asked = True
                markers.append(name_node.lineno)
        for attr in attr_loads:
            if attr.attr in extra_calls and id(attr) not in called:
                reportable = asked = True
                markers.append(attr.lineno)
        # a lookup by a name a string spells (``import_string("ops.backup.run")(x)``)
        for line in _names_by_string(subscripts, all_calls, extra_calls):
            reportable = asked = True
            markers.append(line)
        # a function looked up by a name known at run time and handed on, not called here
        # (``return getattr(handlers, "cmd_" + op)``): what it may give is never constant-fed
        for call in all_calls:
            if id(call) not in called and _looks_up(call) and _by_run_time_name(call):
                reportable = asked = True
                markers.append(call.lineno)
        # a table of such functions (``TOOLS = {"run": run_shell}``): where it is read,
        # one of them may be looked up and called (``TOOLS[name](**args)``)
        holding = _tables_of(tables, extra_calls)
        for name_node in loads if holding else ():
            if name_node.id in holding:
                reportable = asked = True
                markers.append(name_node.lineno)
    if extra_sets:
        found_sets = _attribute_sets(set_nodes, extra_sets)
        if found_sets:
            reportable = asked = True
            markers.extend(found_sets)
        if any(_class_body_sets(cls, extra_sets) for cls in classes):
            asked = True  # ``command = "..."`` in a subclass's body: what self.command reads
    if extra_puts:
        found_puts = _changes(set_nodes, extra_puts)
        if found_puts:
            reportable = asked = True
            markers.extend(found_puts)
    if not reportable and not (extra_calls or extra_defs or extra_sets or extra_puts):
        return Survey(False, all_calls, [])
    if writes:
        openers = table.opener_names | defined | modules | bound
        markers.extend(_pipe_writes(held, writes, table, frozenset(openers)))
    markers.extend(_instance_state(classes, markers, attr_sets, named_sets))
    owner = _owners(functions)
    mutations.extend(escape for escape in escapes if escape[0] in built)
    given_names = {
        call.func.id
        for call in all_calls
        if type(call.func) is Name and any(type(a) is Name and a.id in built for a in call.args)
    }
    aliasing.extend((param, line) for param, line, name in handed if name in given_names)
    markers.extend(_outer_mutations(owner, stores, mutations, aliasing))
    markers.extend(_call_closure(functions, owner, all_calls, markers, classes))
    markers.extend(_writing_callees(functions, owner, all_calls, markers))
    # a class named as a base (``class Aws(Base)``) is not handed over: its constructor is
    # called where it is called, by its subclasses' ``super().__init__`` too
    bases = {id(base) for cls in classes for base in cls.bases}
    value_names = frozenset(n.id for n in loads if id(n) not in called and id(n) not in bases)
    value_attrs = frozenset(
        a.attr for a in attr_loads if id(a) not in called and id(a) not in bases
    ) | _escaped_names(all_calls)
    defs = tuple(
        sorted(
            ((f.name, f.lineno, f.col_offset, f.end_lineno or f.lineno) for f in functions),
            key=lambda d: (d[1], d[2]),
        )
    )
    stubs = _stubs(functions, markers)
    # asked for by the project-wide stage: always parsed (its bodies without a marker
    # dropped), so that its module-level names are known
    return Survey(True, all_calls, stubs, value_names, value_attrs, defs, asked)


_CODE_RUNNERS = frozenset({"eval", "exec", "compile"})
_MAX_CODE = 4000  # the longest constant code text read for the names it uses


def _escaped_names(all_calls: list[ast.Call]) -> frozenset[str]:
    """The names of functions a call reaches other than by naming them, so that the
    project-wide stage cannot see that call (auditor.flow.propagate's ``_escaping``, by
    name): the names and attributes a constant text run as code says (``eval("lib.run2")
    (x)``, ``exec("run(c)", ...)``), an attribute of a module looked up in ``sys.modules``
    or in a namespace (``sys.modules["app.lib"].run3(x)``), the key of a namespace's
    lookup (``vars(lib)["run4"](x)``), and what ``__call__`` is called on
    (``lib.run5.__call__(x)``)."""
    out: set[str] = set()
    for call in all_calls:
        func = call.func
        if type(func) is ast.Name and func.id in _CODE_RUNNERS and call.args:
            text = call.args[0]
            if (
                type(text) is ast.Constant
                and type(text.value) is str
                and len(text.value) <= _MAX_CODE
            ):
                out.update(_code_names(text.value))
            continue
        if type(func) is ast.Attribute:
            if func.attr == "__call__":
                inner = func.value
                if type(inner) is ast.Attribute:
                    out.add(inner.attr)
                elif type(inner) is ast.Name:
                    out.add(inner.id)
            elif _module_lookup(func.value):
                out.add(func.attr)
        if type(func) is ast.Subscript and _module_lookup(func):
            key = func.slice
            if type(key) is ast.Constant and type(key.value) is str:
                out.add(key.value.rsplit(".", 1)[-1])
    return frozenset(out)


def _code_names(text: str) -> set[str]:
    """The names and attribute names constant Python code uses (none when it does not
    parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning of a test string: no news
            tree = ast.parse(text.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if type(node) is ast.Name:
            out.add(node.id)
        elif type(node) is ast.Attribute:
            out.add(node.attr)
    return out


def _pipe_writes(
    held: list[tuple[ast.expr, ast.expr]],
    writes: list[tuple[ast.expr, int]],
    table: StdinFeeds,
    openers: frozenset[str],
) -> list[int]:
    """The lines of the writes (``writes``: what may be the pipe, line) whose pipe may be
    one to a shell's standard input, as auditor.scan.summary's ``Summarizer.fed`` follows
    it: ``x.stdin``, a call that may open one (``os.popen``, a function of the file, a
    name bound to a sink), its descriptor (``x.fileno()``), or a name or attribute that some
    assignment of the file (``held``: target, value; any scope) binds to one of those, to a
    fixpoint. By last names only: ``self.pipe`` is held when any ``pipe`` is."""
    names = {table.stream}
    pairs: list[tuple[str, ast.expr]] = []
    pending = list(held)
    while pending:
        target, value = pending.pop()
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else []
            if len(values) == len(target.elts):
                pending.extend(zip(target.elts, values, strict=True))
            continue  # a pipe unpacked from another value is not followed
        name = _last_name(target)
        if name is not None:
            pairs.append((name, value))
    changed = True
    while changed:
        changed = False
        for name, value in pairs:
            if name not in names and _may_be_pipe(value, names, table, openers):
                names.add(name)
                changed = True
    return [line for pipe, line in writes if _may_be_pipe(pipe, names, table, openers)]


def _last_name(node: ast.expr) -> str | None:
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return node.attr
    return None


def _may_be_pipe(
    value: ast.expr, names: set[str], table: StdinFeeds, openers: frozenset[str]
) -> bool:
    while type(value) is ast.Await:
        value = value.value
    if type(value) is ast.Call:
        func = value.func
        same = table.same_argument(value)
        if same is not None:  # stdin = cast(IO[str], proc.stdin)
            return _may_be_pipe(same, names, table, openers)
        if type(func) is ast.Attribute and func.attr == table.descriptor:
            return True
        return _last_name(func) in openers
    return _last_name(value) in names


def _owners(functions: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> list[int]:
    """The index (in ``functions``) of the innermost function holding each line, or -1."""
    if not functions:
        return []
    last_line = max((f.end_lineno or f.lineno) for f in functions)
    owner = [-1] * (last_line + 2)
    for index, fn in sorted(enumerate(functions), key=lambda pair: pair[1].lineno):
        for line in range(fn.lineno, (fn.end_lineno or fn.lineno) + 1):
            owner[line] = index
    return owner


def _call_closure(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
    owner: list[int],
    calls: list[ast.Call],
    markers: list[int],
    classes: list[ast.ClassDef],
) -> list[int]:
    """Markers in the functions that call, by name, a function holding a marker, to a
    fixpoint (the callers of a wrapper are what the wrapper's finding depends on). A call
    of a class of the file counts as a call of its ``__enter__`` (``with CM() as f``: what
    it returns is what ``f`` holds, auditor.scan.resolve's ``entered_of``)."""
    if not functions:
        return []
    kept = {owner[line] for line in markers if line < len(owner) and owner[line] >= 0}
    by_name: dict[str, list[int]] = {}
    index_of = {id(fn): index for index, fn in enumerate(functions)}
    for index, fn in enumerate(functions):
        by_name.setdefault(fn.name, []).append(index)
    for cls in classes:
        for stmt in cls.body:
            if (
                isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                and stmt.name in ("__enter__", "__aenter__")
                and id(stmt) in index_of
            ):
                by_name.setdefault(cls.name, []).append(index_of[id(stmt)])
    calls_of: dict[int, set[str]] = {}
    for call in calls:
        line = call.lineno
        where = owner[line] if line < len(owner) else -1
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name is not None and name in by_name:
            calls_of.setdefault(where, set()).add(name)
    added: list[int] = []
    changed = True
    while changed:
        changed = False
        for index, names in calls_of.items():
            if index < 0 or index in kept:
                continue
            if any(i in kept for name in names for i in by_name[name]):
                kept.add(index)  # a caller of a kept function
                added.append(index)
                changed = True
    return [functions[i].body[0].lineno for i in added]


_WRITES = frozenset({"write", "writelines", "write_text", "write_bytes"})


def _writing_callees(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef],
    owner: list[int],
    calls: list[ast.Call],
    markers: list[int],
) -> list[int]:
    """Markers in the functions that write a file (``f.write(x)``, ``Path(p).write_text``,
    ``print(x, file=f)``) and that a function holding a marker calls by name or on
    ``self``, two calls deep: what such a helper writes into a file its caller then runs
    is that site's payload (auditor.scan.written)."""
    if not functions:
        return []
    by_name: dict[str, list[int]] = {}
    for index, fn in enumerate(functions):
        by_name.setdefault(fn.name, []).append(index)
    writers: set[int] = set()
    calls_of: dict[int, set[str]] = {}
    for call in calls:
        line = call.lineno
        where = owner[line] if line < len(owner) else -1
        if where < 0:
            continue
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        by_method = name in _WRITES and isinstance(func, ast.Attribute)
        if by_method or (name == "print" and any(k.arg == "file" for k in call.keywords)):
            writers.add(where)
        if name is not None and name in by_name:
            calls_of.setdefault(where, set()).add(name)
    if not writers:
        return []
    kept = {owner[line] for line in markers if line < len(owner) and owner[line] >= 0}
    added: list[int] = []
    frontier = set(kept)
    for _ in range(2):
        found = {
            callee
            for index in frontier
            for name in calls_of.get(index, ())
            for callee in by_name[name]
            if callee in writers and callee not in kept
        }
        kept |= found
        added.extend(sorted(found))
        frontier = found
    return [functions[i].body[0].lineno for i in added]


def _outer_mutations(
    owner: list[int],
    stores: list[tuple[str, int]],
    mutations: list[tuple[str, int]],
    aliasing: list[tuple[str, int]],
) -> list[int]:
    """Markers at the mutations (``x.append(v)``, ``x[k] = v``) of a name that the function
    doing it does not bind, or binds to an object that may be another name's (``aliasing``:
    ``def f(l=CMD)``, ``for c in [CMD]``, ``(c := CMD)``): it grows a list of an enclosing
    function or of the module, which the payload evaluation reads (auditor.scan.payload),
    so the body must stay."""
    if not mutations or not owner:
        return []
    bound: set[tuple[str, int]] = set()
    for name, line in stores:
        if line < len(owner):
            bound.add((name, owner[line]))
    for name, line in aliasing:
        if line < len(owner):
            bound.discard((name, owner[line]))
    out = []
    for name, line in mutations:
        where = owner[line] if line < len(owner) else -1
        if where >= 0 and (name, where) not in bound:
            out.append(line)
    return out


def _instance_state(
    classes: list[ast.ClassDef],
    markers: list[int],
    attr_sets: list[tuple[int, str]],
    named_sets: list[tuple[int, str]],
) -> list[int]:
    """Markers that keep, in each class holding a marker, ``__init__`` and every method
    that assigns or grows ``self.<attr>``: the payload evaluation reads an instance
    attribute assigned once, in ``__init__`` (auditor.scan.payload), and must see every
    other assignment to say it is the only one; and, anywhere in the file, every set of an
    attribute of a name such a class sets (``runner.cmd = x`` outside the class: the
    evaluation must see it to say ``self.cmd`` is not the one value of ``__init__``).
    ``attr_sets``: (line, x) of every ``x.attr = v``, ``del x.attr`` and
    ``x.attr.<growing method>(...)`` of the file; ``named_sets``: (line, attr) of every
    ``x.attr = v`` and ``setattr(x, "attr", v)``."""
    out: list[int] = []
    markers = sorted(markers)
    attr_sets = sorted(attr_sets)
    names: set[str] = set()
    for cls in classes:
        i = bisect.bisect_left(markers, cls.lineno)
        last = cls.end_lineno or cls.lineno
        if i == len(markers) or markers[i] > last:
            continue
        names.update(attr for line, attr in named_sets if cls.lineno <= line <= last)
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                stmt.name == "__init__" or _assigns_self(stmt, attr_sets)
            ):
                out.append(stmt.body[0].lineno)
    out.extend(line for line, attr in named_sets if attr in names)
    # a class attribute set from outside the class (``Config.CMD = request.form["cmd"]`` in
    # a route): what ``Config.CMD`` reads anywhere in the file (auditor.scan.summary)
    defined = {cls.name for cls in classes}
    out.extend(line for line, holder in attr_sets if holder in defined)
    return out


# methods that change a container in place (auditor.scan.collect's _GROWING, _PREPENDING
# and _MUTATING): a body that calls one on a module-level name is kept
_GROWING = frozenset(
    {
        "append", "extend", "insert", "add", "update", "setdefault", "appendleft",
        "extendleft", "clear", "pop", "popitem", "popleft", "remove", "reverse", "sort",
        "rotate", "__setitem__", "__delitem__", "__iadd__", "__init__", "discard",
        "difference_update", "intersection_update", "symmetric_difference_update",
    }
)  # fmt: skip


def _assigns_self(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, attr_sets: list[tuple[int, str]]
) -> bool:
    """Whether ``fn`` (decorators, defaults and nested code included: its lines) sets or
    grows an attribute of its first parameter, from the file's ``attr_sets`` (sorted)."""
    params = [*fn.args.posonlyargs, *fn.args.args]
    if not params:
        return False
    me = params[0].arg
    first = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
    last = fn.end_lineno or fn.lineno
    i = bisect.bisect_left(attr_sets, (first, ""))
    while i < len(attr_sets) and attr_sets[i][0] <= last:
        if attr_sets[i][1] == me:
            return True
        i += 1
    return False


def _called_through(inner: ast.expr, last: frozenset[str]) -> bool:
    """Whether ``inner.__call__(...)`` may call a sink as a callee ``inner`` would: an
    attribute named like a sink (``os.system``), a name, or a call that is not
    ``super()`` or ``type(x)`` (a base class's ``__call__``, no sink's)."""
    if type(inner) is ast.Attribute:
        return inner.attr in last
    if type(inner) is ast.Call:
        return getattr(inner.func, "id", "") not in ("super", "type")
    return True


@functools.cache
def _class_builders() -> frozenset[str]:
    """The methods that build an instance of the class they are called on
    (rules/sources.toml's ``[[build]]``: ``Job.model_validate(data)``)."""
    return frozenset(m for b in builtin().builders if b.on == "class" for m in b.methods)


def _builds(func: ast.expr, names: frozenset[str]) -> bool:
    """``Job.model_validate(data)`` with ``Job`` in ``names``: a construction of it."""
    return (
        type(func) is ast.Attribute
        and type(func.value) is ast.Name
        and func.value.id in names
        and func.attr in _class_builders()
    )


def _chain(value: ast.expr) -> str | None:
    """``a.b.c`` of a chain of names and attributes alone, else None."""
    parts: list[str] = []
    while type(value) is ast.Attribute:
        parts.append(value.attr)
        value = value.value
    if type(value) is not ast.Name:
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


def _held_chains(
    aliases: list[tuple[str, str | bool]], chains: dict[int, str]
) -> dict[str, set[str]]:
    """The names every binding of which (in ``aliases``) is ``name = a.b.c``: those chains.
    An item added to what a name holds (``path.insert(0, os.curdir)``, chain "") binds an
    item of it, not the name: ``path.insert`` is no method of os.curdir."""
    held: dict[str, set[str]] = {}
    other: set[str] = set()
    for i, (name, _) in enumerate(aliases):
        chain = chains.get(i)
        if chain is None:
            other.add(name)
        elif chain:
            held.setdefault(name, set()).add(chain)
        else:
            held.setdefault(name, set())
    for name in other:
        held.pop(name, None)
    return held


def _module_miss(
    func: ast.expr,
    module_of: dict[str, set[str]],
    bound: set[str],
    own: set[str],
    words: SinkWords,
    held: dict[str, set[str]] | None = None,
) -> bool:
    """A call of an attribute chain rooted in a name only an import binds (``os.environ.
    get(k)`` after ``import os``, ``yaml.load(s)``) resolves to that dotted name alone: no
    sink when it is no sink's name nor the start of one, whatever its last name (``get``,
    webbrowser.get's; ``load``, pickle.load's). A method the catalogue matches on any
    receiver is no miss. So does one rooted in a name every binding of which is such a
    chain (``held``: ``path = os.defpath`` then ``path.insert(0, d)``, os.defpath.insert,
    where ``sys.path.insert`` ends in ``insert``)."""
    if not isinstance(func, ast.Attribute) or func.attr in words.methods:
        return False
    parts: list[str] = []
    node = func.value
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in own:
        return False
    if node.id in bound:
        chains = (held or {}).get(node.id)
        if chains is None:
            return False
        last = "".join(f".{p}" for p in (*reversed(parts), func.attr))
        if node.id in module_of:  # imported too (from sys import path): that binding as well
            chains = chains | {node.id}
        return all(
            _module_miss(
                ast.parse(f"{chain}{last}", mode="eval").body,
                module_of,
                bound - {node.id},
                own,
                words,
            )
            for chain in chains
        )
    if "__self__" in parts:
        return False  # os.system.__self__.system: os.system (auditor.scan.resolve)
    paths = module_of.get(node.id)
    if not paths:
        return False
    dotted = "".join(f".{p}" for p in (*reversed(parts), func.attr))
    return all(
        f"{path}{dotted}" not in words.names and f"{path}{dotted}" not in words.modules
        for path in paths
    )


def _decorated_aliases(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef], classes: frozenset[str]
) -> list[tuple[str, str | bool]]:
    """(decorated name, root) for each def whose decorator, a plain name, is a function of
    the file returning a name or an attribute that is neither its parameter nor a def of
    its own (a wrapper): the decorated name holds what that returns."""
    by_name = {fn.name: fn for fn in functions}
    out: list[tuple[str, str | bool]] = []
    for fn in functions:
        for decorator in fn.decorator_list:
            maker = by_name.get(decorator.id) if type(decorator) is ast.Name else None
            if maker is None:
                continue
            own = {a.arg for a in (*maker.args.posonlyargs, *maker.args.args)}
            own |= {
                n.name
                for n in ast.walk(maker)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            }
            for node in ast.walk(maker):
                if type(node) is not ast.Return or node.value is None:
                    continue
                root = _root(node.value)
                if isinstance(root, ast.Name) and root.id not in own:
                    out.extend((fn.name, r) for r in _alias_roots(node.value, classes))
    return out


def _candidate(
    func: ast.expr,
    modules: set[str],
    bound: set[str],
    defined: set[str],
    own: set[str],
    star_from_sink: bool,
    words: SinkWords,
) -> bool:
    if isinstance(func, (ast.IfExp, ast.BoolOp)):  # (a if c else b)(...): either may run
        branches = [func.body, func.orelse] if isinstance(func, ast.IfExp) else func.values
        return any(
            _candidate(b, modules, bound, defined, own, star_from_sink, words) for b in branches
        )
    if _module_lookup(func):
        return True
    root = _root(func)
    if isinstance(root, ast.Call):
        return True
    if isinstance(root, (ast.Tuple, ast.List, ast.Dict, ast.Set)):
        return True  # (os.system, os.popen)[0](...): an item of a container written out
    if not isinstance(root, ast.Name):
        return False
    name = root.id
    if name in modules or name in bound or name in own:
        return True
    if words.defined and name in defined:
        # a call of a def of this file resolves to ``<module>.<name>``: a sink only when the
        # name is a project sink's; through an attribute (``Helper.run_shell``), the
        # attribute is a sink's last name (checked by the caller)
        return func is not root or name in words.defined
    return star_from_sink and func is root and name in words.last


def _module_level_defs(tree: ast.Module) -> set[str]:
    """Names bound by a ``def`` or ``class`` at module level (inside top-level ``if``,
    ``try``, loops, ``with`` and ``match`` blocks too, not inside functions or classes)."""
    out: set[str] = set()
    blocks: list[list[ast.stmt]] = [tree.body]
    while blocks:
        for stmt in blocks.pop():
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(stmt.name)
                continue
            for name in ("body", "orelse", "finalbody"):
                block = getattr(stmt, name, None)
                if isinstance(block, list):
                    blocks.append(block)
            for handler in getattr(stmt, "handlers", ()):
                blocks.append(handler.body)
            for case in getattr(stmt, "cases", ()):
                blocks.append(case.body)
    return out


def _stubs(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef], markers: list[int]
) -> list[tuple[int, int, int]]:
    """The outermost function bodies that start on a line after the ``def`` and hold no
    marker: (first line, last line, column of the first statement in UTF-8 bytes). Not a
    body that is ``pass`` alone: nothing to save, and kept, it is known to be the
    function's own (a hook, see auditor.scan.summary's ``_abstract``)."""
    markers.sort()
    out: list[tuple[int, int, int]] = []
    functions.sort(key=lambda f: f.lineno)
    covered = 0
    for fn in functions:
        head = fn.body[0]
        first, column = head.lineno, head.col_offset
        decorators = getattr(head, "decorator_list", None)
        if decorators:  # the statement starts at its first decorator's ``@``
            first, column = decorators[0].lineno, decorators[0].col_offset - 1
        last = fn.end_lineno or fn.body[-1].lineno
        if first <= covered or first <= fn.lineno:
            continue  # inside a body already stubbed, or ``def f(): return x`` on one line
        if len(fn.body) == 1 and type(head) is ast.Pass:
            continue  # ``pass`` already: kept, so that it is known to be the body's own
        i = bisect.bisect_left(markers, first)
        if i < len(markers) and markers[i] <= last:
            continue
        out.append((first, last, column))
        covered = last
    return out
