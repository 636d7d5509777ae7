"""What the per-file stage hands the project-wide stage: one file's summary. Plain data,
cached as JSON with the file's findings.

A *label* says what a value may carry, as a tuple:

- ``("s", origin, line, column, note, code)``: a source in this file (``note`` says what
  it is, ``code`` is the expression);
- ``("p", function, parameter)``: a parameter of a function of this file;
- ``("c", call)``: the result of call number ``call`` of this summary's ``calls``;
- ``("a", class, attr)``: the instance attribute ``attr`` of a class of this file;
- ``("q", note, label)``: ``label``, passed through a sanitizer (``note`` names it);
- ``("f", class, attr, label)``: the attribute ``attr`` of ``label``, an instance of the
  class ``class`` (a dotted name): a field the class declares converted (``level: int``
  of a pydantic model) is sanitized;
- ``("u", quoting, label)``: ``label``, where what carries it may have lost its shell quotes
  (``q[1:-1]``, ``q.strip("'")``): a sanitizer of ``quoting`` (the shell-quoting ones,
  space-separated) it went through no longer counts;
- ``("w", line, column, call, label)``: ``label``, written by ``call`` (``p.stdin.write``,
  ``p.communicate``, as written; at ``line``, ``column``) to the standard input of a shell
  the site started to read its commands there (rules/stdin_feeds.toml).

Functions and classes are keyed by their dotted path in the module ("Job.run").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

Label = tuple[Any, ...]

# the attribute name of a write whose name is only known at run time (``setattr(self, k,
# v)``, ``vars(self).update(kw)``): it may be any attribute of the instance
ANY_ATTR = "*"
# the callee of a call a decorator's wrapper makes of the function it wraps (``fn(*args)``
# where ``fn`` is the decorator's parameter): this, then the decorator's dotted name. The
# project stage resolves it to every function of the project that decorator decorates
DECORATED = "@"
# the keyword-only parameter a generator function's summary has for what is sent into it
# (``g.send(x)``: what its ``yield`` expressions evaluate to); a ``.send`` on a generator
# object of the project is a made-up call of the generator function passing it
SENT = "<sent>"


def _labels(data: list[Any]) -> tuple[Label, ...]:
    return tuple(_label(item) for item in data)


def _label(item: list[Any]) -> Label:
    if item[0] in WRAPPERS:
        return (*item[:-1], _label(item[-1]))
    return tuple(item)


def _json_label(label: Label) -> list[Any]:
    if label[0] in WRAPPERS:
        return [*label[:-1], _json_label(label[-1])]
    return list(label)


# how the note of an allow-list check's sanitizer label starts (``("q", note, label)``),
# followed by the list as written (``settings.ALLOWED_CMDS``): the project stage voids the
# check when a file puts something other than a constant in that list
ALLOW_LIST = "checked against the allow-list "

# the kinds of label that wrap another (their last item)
WRAPPERS = frozenset({"q", "f", "w", "u"})


def wrapped(label: Label) -> Label | None:
    """The label a sanitizer or field label wraps; None for the others."""
    return label[-1] if label[0] in WRAPPERS else None


def uncut(label: Label) -> Label:
    """``label`` without the "u" wrappers around it: what it carries, shell quotes aside."""
    while label[0] == "u":
        label = label[-1]
    return label


def quoting_note(note: str, quoting: str) -> bool:
    """Whether a sanitizer's note (``quoted or converted (shlex.quote)``) names one of the
    shell-quoting sanitizers ``quoting`` names (space-separated, as a "u" label has them)."""
    if not note.endswith(")"):
        return False
    return note.rsplit("(", 1)[-1][:-1] in quoting.split()


@dataclass(frozen=True, slots=True)
class Arg:
    """A value handed to a function: what it carries; whether it is known at compile time;
    else, when it would be constant if the caller's ``params`` were (None: not even then);
    ``head``: an argument vector whose first item is a constant program that no launcher
    table entry peels (``["git", "log", ref]``): whatever follows, that program runs."""

    labels: tuple[Label, ...] = ()
    const: bool = False
    params: tuple[str, ...] | None = None
    head: bool = False
    # of a value that is not constant: the names imported from other modules (absolute
    # dotted) it reads, when it would be constant if they were (auditor.flow.constants)
    imports: tuple[str, ...] = ()

    def to_json(self) -> list[Any]:
        out = [
            [_json_label(x) for x in self.labels],
            self.const,
            None if self.params is None else list(self.params),
            self.head,
        ]
        if self.imports:
            out.append(list(self.imports))
        return out

    @classmethod
    def from_json(cls, data: list[Any]) -> Arg:
        params = None if data[2] is None else tuple(data[2])
        imports = tuple(data[4]) if len(data) > 4 else ()
        return cls(_labels(data[0]), bool(data[1]), params, bool(data[3]), imports)


@dataclass(frozen=True, slots=True)
class Call:
    """A call of something that may be a function of the project. ``callee`` is the dotted
    name the analysis resolved ("pkg.mod.run", "pkg.mod.Job" for a constructor,
    "pkg.mod.Job().run" for a method of an instance, relative imports made absolute)."""

    caller: str  # the calling function's key, "" at module level
    callee: str
    args: tuple[Arg, ...]
    kwargs: dict[str, Arg]
    star: bool  # *args or **kwargs: what reaches the other parameters is not known
    receiver: Arg | None  # the object a method is called on
    line: int
    column: int
    text: str  # the callee as written, for the flow's notes
    # what the call returns when it resolves to no function of the project (a model-like
    # object called: ``chain(inputs)``, when the chain's class has no ``__call__`` here)
    fallback: Label | None = None
    # the fallback alone, not what the call carries of its arguments (a method named like a
    # model's on an instance of a class the project may define: ``model_client.create(q)``
    # returns the model's reply, not ``q``, when the class is another package's)
    fallback_only: bool = False
    # what its ``*args`` and ``**kwargs`` carry (``Job(**request.get_json())``): what the
    # parameters behind them may receive
    spread: tuple[Label, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "fallback": None if self.fallback is None else _json_label(self.fallback),
            "fallback_only": self.fallback_only,
            "spread": [_json_label(x) for x in self.spread],
            "caller": self.caller,
            "callee": self.callee,
            "args": [a.to_json() for a in self.args],
            "kwargs": {k: v.to_json() for k, v in self.kwargs.items()},
            "star": self.star,
            "receiver": None if self.receiver is None else self.receiver.to_json(),
            "line": self.line,
            "column": self.column,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Call:
        return cls(
            d["caller"],
            d["callee"],
            tuple(Arg.from_json(a) for a in d["args"]),
            {k: Arg.from_json(v) for k, v in d["kwargs"].items()},
            d["star"],
            None if d["receiver"] is None else Arg.from_json(d["receiver"]),
            d["line"],
            d["column"],
            d["text"],
            None if d.get("fallback") is None else _label(d["fallback"]),
            bool(d.get("fallback_only", False)),
            _labels(d.get("spread", [])),
        )


@dataclass(frozen=True, slots=True)
class Function:
    """``params``: positional parameters in order (``self`` included); ``kind``: "function",
    "method", "static" or "class"; ``entries``: the parameters that are sources (a web
    route's, an agent tool's...), with (origin, note); ``opaque``: a decorator the analysis
    does not know wraps it (who calls it, with what, is not visible)."""

    key: str
    line: int
    column: int
    params: tuple[str, ...]
    kwonly: tuple[str, ...]
    vararg: str | None
    kwarg: str | None
    kind: str
    cls: str | None
    entries: dict[str, tuple[str, str, str]]  # parameter -> (origin, note, sanitizer or "")
    returns: tuple[Label, ...]
    defaults: dict[str, Arg]
    opaque: bool
    complete: bool  # its body was analysed (not dropped by the skeleton)
    # parameters a framework fills from a function's result (FastAPI's Depends(provider)):
    # the labels of that call
    injected: dict[str, Arg] = field(default_factory=dict)
    # declared, not implemented (``@abstractmethod``, a body that only raises
    # NotImplementedError or is ``...``): a call of it runs the subclasses' overrides
    abstract: bool = False
    # the dotted names of the decorators that may wrap it (not those of _PLAIN_DECORATORS
    # nor sources): a project function among them calls it where it calls its parameter
    decorators: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "line": self.line,
            "column": self.column,
            "params": list(self.params),
            "kwonly": list(self.kwonly),
            "vararg": self.vararg,
            "kwarg": self.kwarg,
            "kind": self.kind,
            "cls": self.cls,
            "entries": {k: list(v) for k, v in self.entries.items()},
            "returns": [_json_label(x) for x in self.returns],
            "defaults": {k: v.to_json() for k, v in self.defaults.items()},
            "opaque": self.opaque,
            "complete": self.complete,
            "injected": {k: v.to_json() for k, v in self.injected.items()},
            "abstract": self.abstract,
            "decorators": list(self.decorators),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Function:
        return cls(
            d["key"],
            d["line"],
            d["column"],
            tuple(d["params"]),
            tuple(d["kwonly"]),
            d["vararg"],
            d["kwarg"],
            d["kind"],
            d["cls"],
            {k: (v[0], v[1], v[2]) for k, v in d["entries"].items()},
            _labels(d["returns"]),
            {k: Arg.from_json(v) for k, v in d["defaults"].items()},
            d["opaque"],
            d["complete"],
            {k: Arg.from_json(v) for k, v in d.get("injected", {}).items()},
            bool(d.get("abstract", False)),
            tuple(d.get("decorators", ())),
        )


@dataclass(frozen=True, slots=True)
class Class:
    key: str
    bases: tuple[str, ...]  # dotted names of the bases the analysis resolved
    attrs: dict[str, tuple[Label, ...]]  # what self.<attr> may hold, over every method
    # the names annotated in the class body (pydantic and dataclass fields): a keyword of
    # that name given to the constructor is what self.<name> holds
    fields: tuple[str, ...] = ()
    # the fields declared with a converting type (``level: int``): field -> the note
    converted: dict[str, str] = field(default_factory=dict)
    # the base-class sources its direct bases match (an agent tool's base): (methods,
    # parameters skipped, origin, note), inherited by the project's subclasses
    sourced: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...] = ()
    # the instance attributes a framework base class sets (a Django view's
    # ``self.request``): attribute -> (origin, note), inherited by the project's subclasses
    framework_attrs: dict[str, tuple[str, str]] = field(default_factory=dict)
    # its configuration makes it convert a field assigned after an instance is made
    # (pydantic's ``validate_assignment``: rules/sources.toml's [model_assignment])
    validates_assignment: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "bases": list(self.bases),
            "attrs": {k: [_json_label(x) for x in v] for k, v in self.attrs.items()},
            "fields": list(self.fields),
            "converted": self.converted,
            "sourced": [[list(m), list(s), o, n] for m, s, o, n in self.sourced],
            "framework_attrs": {k: list(v) for k, v in self.framework_attrs.items()},
            "validates_assignment": self.validates_assignment,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Class:
        return cls(
            d["key"],
            tuple(d["bases"]),
            {k: _labels(v) for k, v in d["attrs"].items()},
            tuple(d.get("fields", ())),
            dict(d.get("converted", {})),
            tuple((tuple(m), tuple(s), o, n) for m, s, o, n in d.get("sourced", ())),
            {k: (v[0], v[1]) for k, v in d.get("framework_attrs", {}).items()},
            bool(d.get("validates_assignment", False)),
        )


@dataclass(frozen=True, slots=True)
class Site:
    """A finding's payload: what it carries; the payload class it would have if every
    parameter of its function it reads were constant (None: it would not be constant even
    then, or it does not read any); those parameters. ``argv``: the parameter that is the
    whole argument vector of a program run without a shell (``subprocess.run(cmd)`` in
    ``def run(cmd)``): a fixed program when every caller passes one (:attr:`Arg.head`)."""

    finding: int  # index into the file's findings
    function: str
    labels: tuple[Label, ...]
    if_params: str | None
    params: tuple[str, ...]
    argv: str | None = None
    # what the program of an argument vector written out carries (``[editor, path]``:
    # ``editor``'s), apart from its arguments: None when the payload is no such list
    program: tuple[Label, ...] | None = None
    # of a constant payload: the module-level names of its module it reads (another module
    # may assign them, ``tasks.PAGER = x``: auditor.flow.stage checks)
    names: tuple[str, ...] = ()
    # of a payload that is not constant: the names imported from other modules (absolute
    # dotted) it reads, when it would be more constant if they were constants
    # (auditor.flow.constants looks for their values)
    imports: tuple[str, ...] = ()

    def to_json(self) -> list[Any]:
        return [
            self.finding,
            self.function,
            [_json_label(x) for x in self.labels],
            self.if_params,
            list(self.params),
            self.argv,
            None if self.program is None else [_json_label(x) for x in self.program],
            list(self.names),
            list(self.imports),
        ]

    @classmethod
    def from_json(cls, d: list[Any]) -> Site:
        program = None if d[6] is None else _labels(d[6])
        names = tuple(d[7]) if len(d) > 7 else ()
        imports = tuple(d[8]) if len(d) > 8 else ()
        return cls(d[0], d[1], _labels(d[2]), d[3], tuple(d[4]), d[5], program, names, imports)


@dataclass(slots=True)
class FileSummary:
    module: str  # dotted module name ("" when the path cannot be one)
    functions: dict[str, Function] = field(default_factory=dict)
    classes: dict[str, Class] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    # module-level names bound by imports: name -> dotted target (re-exports)
    exports: dict[str, str] = field(default_factory=dict)
    # dotted names of the project functions used as values (not called) in this file, and
    # the attribute names so used (``Thread(target=self.work)``)
    value_names: tuple[str, ...] = ()
    value_attrs: tuple[str, ...] = ()
    # functions handed to a call that registers them as tools (``mcp.add_tool(run)``,
    # ``StructuredTool.from_function(func=run)``) or views: (dotted name, origin, note, the
    # leading positional parameters and the keywords a ``functools.partial`` binds, the
    # line and column of the registration)
    registered: tuple[tuple[str, str, str, int, tuple[str, ...], int, int], ...] = ()
    # attributes set on an instance from outside its class (``p = Probe(); p.cmd = x``):
    # (dotted name of the class, attribute, what is assigned)
    object_attrs: tuple[tuple[str, str, tuple[Label, ...]], ...] = ()
    # the methods called on a receiver whose type the analysis cannot tell (``self.interp
    # .run(code)``, ``self.interp`` a Union): method name -> (line, column, the callee as
    # written, of the first such call; the most positional arguments one passes, the
    # keywords they pass, whether one passes ``*args``/``**kwargs``)
    untyped: dict[str, tuple[int, int, str, int, tuple[str, ...], bool]] = field(
        default_factory=dict
    )
    # what this file writes to a global of another module of the project or to a class
    # attribute, by assignment or in place (``backup.RSYNC.extend(x)``, ``from backup
    # import RSYNC`` then ``RSYNC[0] = x``, ``Config.CMD = x``, ``cfg.DEFAULTS.update(
    # cmd=x)``): (absolute dotted name written, what is written, whether it is a constant)
    outside: tuple[tuple[str, tuple[Label, ...], bool], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "functions": [f.to_json() for f in self.functions.values()],
            "classes": [c.to_json() for c in self.classes.values()],
            "calls": [c.to_json() for c in self.calls],
            "sites": [s.to_json() for s in self.sites],
            "exports": self.exports,
            "value_names": list(self.value_names),
            "value_attrs": list(self.value_attrs),
            "registered": [[*r[:4], list(r[4]), *r[5:]] for r in self.registered],
            "object_attrs": [[c, a, [_json_label(x) for x in v]] for c, a, v in self.object_attrs],
            "untyped": {k: [*v[:4], list(v[4]), v[5]] for k, v in self.untyped.items()},
            "outside": [[t, [_json_label(x) for x in v], c] for t, v, c in self.outside],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FileSummary:
        functions = [Function.from_json(f) for f in d["functions"]]
        classes = [Class.from_json(c) for c in d["classes"]]
        return cls(
            d["module"],
            {f.key: f for f in functions},
            {c.key: c for c in classes},
            [Call.from_json(c) for c in d["calls"]],
            [Site.from_json(s) for s in d["sites"]],
            dict(d["exports"]),
            tuple(d["value_names"]),
            tuple(d["value_attrs"]),
            tuple(
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3] if len(r) > 3 else 0,
                    tuple(r[4]) if len(r) > 4 else (),
                    r[5] if len(r) > 5 else 0,
                    r[6] if len(r) > 6 else 0,
                )
                for r in d.get("registered", ())
            ),
            tuple((c, a, _labels(v)) for c, a, v in d.get("object_attrs", ())),
            {
                k: (v[0], v[1], v[2], v[3], tuple(v[4]), v[5])
                for k, v in d.get("untyped", {}).items()
            },
            tuple((t, _labels(v), bool(c)) for t, v, c in d.get("outside", ())),
        )


def absolute(target: str, module: str, package: bool) -> str:
    """A relative import's dotted target made absolute (``.tools.run`` in ``app.api``)."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    rest = target[level:]
    parts = module.split(".") if module else []
    if not package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    return f"{base}.{rest}" if base and rest else base or rest


def dotted_name(node: ast.AST) -> str | None:
    """The dotted name a standard-library ``ast`` expression spells (``os.path.join``), or
    None when it is not a name or a chain of attributes of one."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


# the methods Python runs for an operation (auditor.scan.collect's ``operations``): a call of
# one asked for by the project-wide stage keeps every body holding such an operation
# (auditor.scan.prefilter), and the stage counts them among the calls it may ask for
OPERATED: tuple[tuple[str, type[ast.expr]], ...] = (
    ("__getitem__", ast.Subscript), ("__setitem__", ast.Subscript),
    ("__contains__", ast.Compare),
    *((m, ast.BinOp) for m in (
        "__add__", "__sub__", "__mul__", "__matmul__", "__truediv__", "__floordiv__",
        "__mod__", "__pow__", "__lshift__", "__rshift__", "__or__", "__and__", "__xor__",
    )),
    *((m, ast.BinOp) for m in (
        "__radd__", "__rsub__", "__rmul__", "__rmatmul__", "__rtruediv__", "__rfloordiv__",
        "__rmod__", "__rpow__", "__rlshift__", "__rrshift__", "__ror__", "__rand__", "__rxor__",
    )),
)  # fmt: skip
OPERATED_METHODS = frozenset(m for m, _ in OPERATED)
