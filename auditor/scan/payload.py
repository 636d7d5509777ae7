"""Decide whether a payload is known at compile time.

A payload is ``constant`` when every part of it is known before the program runs: literals,
names whose every binding (at module or function level) is a constant, f-strings, ``+``,
``%``, ``.format`` and ``" ".join(...)`` over constants, lists and tuples of constants, lists
grown with ``+=``, ``.append``, ``.extend`` from constants, the variable of a loop over a
constant list or tuple, a lookup in a constant dict, list or tuple, a path of the project
(``Path(__file__).parent / "x"``, ``os.path.join(os.path.dirname(__file__), "x")``), and an
instance attribute assigned once, in ``__init__``, from such values, and a call of a plain
function of the module (bound once, no decorator, not a method, async or a generator) with
such values: what its ``return``s give with its parameters bound to them
(``def which(n): return shutil.which(n) or n``, then ``which("git")``: as if
``shutil.which("git") or "git"`` were written there). An argv whose program is
constant (or ``sys.executable``, or ``shutil.which("literal")``) but whose other items are
not is ``fixed-program``. Everything else is ``dynamic``.

With ``assume_params``, a function's parameters count as constants: what a payload would be
if every caller passed constants (the project-wide stage, ``auditor.flow``, decides whether
they all do).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from auditor.file_summary import ANY_ATTR
from auditor.scan.resolve import Resolver, keyword, may_compute, positional
from auditor.scan.scopes import Binding, Scope
from auditor.scan.strings import string_value

_MAX_DEPTH = 16
_MAX_INLINED = 2  # calls of the module's functions read inside one another (Evaluator._returned)
_PROGRAM_NAMES = frozenset({"sys.executable", "sys._base_executable"})
# a container of a constant container's items is constant (frozenset({"ls", "df"}))
_CONTAINER_FUNCS = frozenset(
    {"builtins.frozenset", "builtins.set", "builtins.list", "builtins.tuple", "builtins.sorted"}
)
_CONST_FUNCS = frozenset(
    {"shlex.join", "shlex.quote", "builtins.str", "os.path.join", "posixpath.join"}
)


@dataclass(frozen=True, slots=True)
class Value:
    """What is known of an expression: ``const`` when fully known; ``program`` when its first
    argv item (or first word, for a string) is known; ``text`` holds a constant string;
    ``items`` the values of a constant list or tuple."""

    const: bool
    program: bool = False
    text: str | None = None
    items: tuple[Value, ...] | None = None
    truth: bool | None = None
    exe: bool = False
    # ``items`` is a known prefix: more items may follow (a list grown by .append/+=)
    more: bool = False
    # one of these values (a loop variable, a lookup in a constant container)
    choices: tuple[Value, ...] | None = None
    # with ``more``: whether every item that may follow is constant
    tail_const: bool = True
    # with ``exe``: the program's name when known (``shutil.which("sudo")``: "sudo"), or
    # "python" for ``sys.executable`` (for auditor.judge.launchers)
    name: str | None = None
    # a string built at run time: its constant text segments and its holes (None), in order
    # (``f"sudo {cmd} -v"``: ``("sudo ", None, " -v")``), for peeling a shell string's
    # launchers (auditor.scan.runs)
    parts: tuple[str | None, ...] | None = None
    # with ``more``: the items that may follow include the words of something split or
    # spread at run time (``f"find /srv -name {x}".split()``, ``[*args]``): one hole that
    # may be several words, options among them
    splits: bool = False

    def program_item(self) -> bool:
        """Usable as a known argv[0]: a constant, or a known executable (sys.executable)."""
        return self.const or self.exe


DYNAMIC = Value(False)
PROGRAM_ONLY = Value(False, program=True, exe=True)
PYTHON = Value(False, program=True, exe=True, name="python")  # sys.executable
# a constant whose text is not tracked (a parameter under assume_params, a project path)
UNKNOWN_TEXT = Value(True, program=True)
# an imported name taken for a constant (Evaluator.imported): text, or a container whose
# items (iterated, looked up) are constants
_IMPORTED = Value(True, program=True, choices=(UNKNOWN_TEXT,))
# path functions whose result is constant when their arguments are
_PATH_FUNCS = frozenset(
    {
        "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath",
        "os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.normpath",
        "os.path.basename", "os.fspath", "os.path.splitext",
    }
)  # fmt: skip
_PATH_METHODS = frozenset(
    {"resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem", "as_posix"}
)
_PATH_ATTRS = frozenset({"parent", "parents", "name", "stem", "suffix"})


def one_of(values: Sequence[Value]) -> Value:
    """A value that is one of ``values`` (alternative bindings, a loop variable)."""
    if not values:
        return DYNAMIC
    if len(values) == 1:
        return values[0]
    texts = {v.text for v in values}
    return Value(
        all(v.const for v in values),
        program=all(v.program or v.program_item() for v in values),
        text=texts.pop() if len(texts) == 1 else None,
        truth=None,
        exe=all(v.exe for v in values),
        choices=tuple(values),
    )


def _const_text(text: str) -> Value:
    return Value(True, program=True, text=text, truth=bool(text))


AttrTable = dict[tuple[str, str], list[tuple[cst.BaseExpression | None, Scope, str, bool]]]


class Evaluator:
    """``attrs``: ``(class key, attr) -> [(value, scope, method, mutation)]`` of every
    ``self.<attr> = value`` of the module; ``methods``: ``id(scope) -> (class key, name of
    self)`` for the scopes that are methods."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        assume_params: bool = False,
        attrs: AttrTable | None = None,
        methods: dict[int, tuple[str, str]] | None = None,
        outside: frozenset[str] = frozenset(),
    ) -> None:
        self.resolver = resolver
        self.assume_params = assume_params
        self.attrs = attrs or {}
        self.methods = methods or {}
        # attribute names set on objects from outside their class's methods: an instance
        # attribute of that name may hold whatever they set (never the constant of __init__)
        self.outside = outside
        # class key -> the classes of the module that derive from it (an instance of one
        # runs the class's methods with the attributes it sets)
        self.subclasses: dict[str, tuple[str, ...]] = {}
        # class key -> the scope of the class's body (its class attributes: ``command =
        # "/bin/bash"``, read as ``self.command`` where no method sets it)
        self.class_scopes: dict[str, Scope] = {}
        # class key -> its ``class`` statement (its decorators, bases and annotations)
        self.class_nodes: dict[str, cst.ClassDef] = {}
        self._active: set[int] = set()
        # marking mode (``mark_quoting``): each call of these quoting functions is a constant
        # text naming it, so that where it lands in a shell string can be read
        self.quoting: frozenset[str] = frozenset()
        self.marked: list[cst.Call] | None = None
        # the marks whose quoted value is known to start with a constant that is no option
        # (``f"/srv/{name}.tgz"``): where a launcher reads options it is an operand
        self.not_options: set[int] = set()
        # the module-level names a value read (when not None): another module may assign
        # them (``tasks.PAGER = x``), which the project-wide stage checks
        self.reads: set[str] | None = None
        # names imported from the project's other modules that the project-wide stage found
        # bound once to a constant there (absolute dotted name -> its value): a ``const:``
        # request (auditor.flow.constants); ``absolute`` makes a relative import's target
        # absolute
        self.given: dict[str, Value] = {}
        # names of other modules that the stage found their module never binds (absolute
        # dotted): a star import of that module does not bind them (``unbound:`` requests)
        self.unbound: frozenset[str] = frozenset()
        self.absolute: Callable[[str], str] = lambda target: target
        # when not None: every imported name (or attribute of an imported module) read is
        # taken for a constant of unknown text and its absolute dotted name noted here, to
        # tell which sites another module's constants could make constant
        self.imported: set[str] | None = None
        # set when a value read an imported name (or an attribute of one) it could not
        # know: whether reading it with :attr:`imported` may be worth it
        self.read_import = False
        # the plain functions of the module (no decorator, not a method), by (id of the scope
        # that binds the name, name): (def, its own scope, what its ``return``s give); a call
        # of one with constants is what it returns for them (``def which(n): return
        # shutil.which(n) or n``, then ``which("git")``)
        self.functions: dict[
            tuple[int, str], tuple[cst.FunctionDef, Scope, list[cst.BaseExpression]]
        ] = {}
        # the values of the parameters of the functions being inlined: id(scope) -> name ->
        self._bound: dict[int, dict[str, Value]] = {}
        self.inlined: set[int] = set()  # the calls read so (by id)
        # id(def) -> (readable, may return None): shared by the evaluators of a module
        self.shapes: dict[int, tuple[bool, bool]] = {}
        # (id(def), the values passed) -> what it returns for them
        self._returns: dict[tuple[int, tuple[tuple[str, Value], ...]], Value] = {}

    def mark_quoting(self, names: frozenset[str]) -> None:
        """Evaluate every later call of ``names`` (shlex.quote...) as the text
        :func:`quote_mark` of its index in :attr:`marked`."""
        self.quoting = names
        self.marked = []

    def value(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Value:
        # ``type(node) is``, not isinstance: the node classes are leaves (isinstance against
        # a libcst class is a Python-level ABC check for every other class)
        if depth > _MAX_DEPTH:
            return DYNAMIC
        if type(node) is cst.SimpleString:
            v = string_value(node)
            if isinstance(v, bytes):
                return _const_text(v.decode("latin-1"))
            return _const_text(v)
        if type(node) is cst.ConcatenatedString:
            return self._join([node.left, node.right], scope, depth)
        if type(node) is cst.FormattedString:
            return self._fstring(node, scope, depth)
        if type(node) is cst.Integer or type(node) is cst.Float or type(node) is cst.Imaginary:
            return Value(True, text=node.value, truth=node.value.strip("0._jJ") != "")
        if type(node) is cst.Name:
            if node.value in ("True", "False", "None"):
                return Value(True, text=None, truth=node.value == "True")
            return self._name(node, scope, depth)
        if type(node) is cst.List or type(node) is cst.Tuple:
            return self._sequence(node.elements, scope, depth)
        if type(node) is cst.Set:  # an allow-list: constant when its items are
            inner = self._sequence(node.elements, scope, depth)
            return Value(inner.const, choices=inner.items if inner.const else None, truth=True)
        if type(node) is cst.BinaryOperation:
            return self._binop(node, scope, depth)
        if type(node) is cst.Call:
            return self._call(node, scope, depth)
        if type(node) is cst.Attribute:
            if self.resolver.qualname(node, scope) in _PROGRAM_NAMES:
                return PYTHON
            if node.attr.value in _PATH_ATTRS:
                inner = self.value(node.value, scope, depth + 1)
                return UNKNOWN_TEXT if inner.const else DYNAMIC
            if node.attr.value == "__file__" and type(node.value) is cst.Name:
                # an imported module's own file (``release.__file__``): a path of the code
                # installed or of the project, chosen no more at run time than ``__file__``
                bound = scope.lookup(node.value.value)
                if bound and all(b.kind == "import" for b in bound):
                    return UNKNOWN_TEXT
            if self.given or self.imported is not None:
                imported = self._imported_attr(node, scope)
                if imported is not None:
                    return imported
            else:
                root: cst.BaseExpression = node.value
                while type(root) is cst.Attribute:
                    root = root.value
                if type(root) is cst.Name:
                    bound = scope.lookup(root.value)
                    if bound and bound[0].kind == "import":
                        self.read_import = True
            return self._self_attr(node, scope, depth)
        if type(node) is cst.Subscript:
            return self._subscript(node, scope, depth)
        if type(node) is cst.Dict:
            values = [
                self.value(e.value, scope, depth + 1)
                for e in node.elements
                if type(e) is cst.DictElement
            ]
            if len(values) != len(node.elements):
                return DYNAMIC  # a **spread
            keys = [
                self.value(e.key, scope, depth + 1)
                for e in node.elements
                if type(e) is cst.DictElement
            ]
            const = all(v.const for v in (*keys, *values))
            return Value(const, choices=tuple(values) if const else None, truth=bool(values))
        if (
            type(node) is cst.DictComp
            or type(node) is cst.ListComp
            or type(node) is cst.SetComp
            or type(node) is cst.GeneratorExp
        ):
            return self._comprehension(node, scope, depth)
        if type(node) is cst.BooleanOperation:
            left = self.value(node.left, scope, depth + 1)
            right = self.value(node.right, scope, depth + 1)
            if left.const and right.const:
                return Value(True, truth=None)
            if left.program_item() and right.program_item():
                return PROGRAM_ONLY  # shutil.which("x") or "x"
            return DYNAMIC
        if type(node) is cst.IfExp:  # "npm.cmd" if windows else "npm": one of the two
            body = self.value(node.body, scope, depth + 1)
            return one_of([body, self.value(node.orelse, scope, depth + 1)])
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
            inner = self.value(node.expression, scope, depth + 1)
            if inner.const and inner.truth is not None:
                return Value(True, truth=not inner.truth)
        return DYNAMIC

    def _comprehension(
        self,
        node: cst.DictComp | cst.ListComp | cst.SetComp | cst.GeneratorExp,
        scope: Scope,
        depth: int,
    ) -> Value:
        """A comprehension over constants that builds its items from its loop variables
        and constants only (``{key: (mod, cls) for key, (mod, cls, _) in TABLE.items()}``):
        a constant whose items are constants of unknown text (a lookup in it is one). Its
        first iterable is read in ``scope``; one that names an earlier loop variable, or an
        item built by a call or anything else, makes it dynamic. Its conditions only pick."""
        targets: set[str] = set()
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            if clause.asynchronous is not None or _names_in(clause.iter) & targets:
                return DYNAMIC
            if not self.value(clause.iter, scope, depth + 1).const:
                return DYNAMIC
            if not _target_names(clause.target, targets):
                return DYNAMIC
            clause = clause.inner_for_in
        built = (node.key, node.value) if isinstance(node, cst.DictComp) else (node.elt,)
        for part in built:
            if not self._built_of(part, targets, scope, depth):
                return DYNAMIC
        return Value(True, choices=(Value(True, truth=None),), truth=None)

    def _built_of(
        self, node: cst.BaseExpression, targets: set[str], scope: Scope, depth: int
    ) -> bool:
        """Whether ``node`` is built of the loop variables ``targets`` and constants only,
        by tuples, lists, lookups and operators."""
        if type(node) is cst.Name:
            return node.value in targets or self.value(node, scope, depth + 1).const
        if type(node) is cst.Tuple or type(node) is cst.List:
            return all(
                type(e) is cst.Element and self._built_of(e.value, targets, scope, depth)
                for e in node.elements
            )
        if type(node) is cst.Subscript:
            return self._built_of(node.value, targets, scope, depth) and all(
                isinstance(e.slice, cst.Index)
                and self._built_of(e.slice.value, targets, scope, depth)
                for e in node.slice
            )
        if type(node) is cst.BinaryOperation:
            return self._built_of(node.left, targets, scope, depth) and self._built_of(
                node.right, targets, scope, depth
            )
        if _names_in(node):
            return False
        return self.value(node, scope, depth + 1).const

    def _imported_attr(self, node: cst.Attribute, scope: Scope) -> Value | None:
        """``consts.CMD``, ``app.consts.CMD``: see :meth:`_imported`."""
        attrs: list[str] = []
        base: cst.BaseExpression = node
        while isinstance(base, cst.Attribute):
            attrs.append(base.attr.value)
            base = base.value
        if not isinstance(base, cst.Name):
            return None
        return self._imported(base.value, scope, ".".join(reversed(attrs)))

    def _imported(self, name: str, scope: Scope, attr: str | None = None) -> Value | None:
        """An imported name bound once in its scope (``from .consts import CMD``), or an
        attribute of a module imported so (``consts.CMD``): its value when the project-wide
        stage gave it (:attr:`given`), a constant of unknown text in the recording mode
        (:attr:`imported`); else None."""
        bindings = scope.lookup(name)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "import":
            return None
        if bindings[0].defines:  # a def or class of this module
            return None
        target = bindings[0].target
        if not target:
            return None
        dotted = self.absolute(f"{target}.{attr}" if attr is not None else target)
        given = self.given.get(dotted)
        if given is not None:
            return given
        if self.imported is not None:
            self.imported.add(dotted)
            return _IMPORTED
        return None

    def _star_rebound(self, name: str, bindings: list[Binding], module: Scope) -> Value | None:
        """A module-level ``name`` bound before a ``from m import *`` of a module whose
        names are not known (``CMD = "ls"``, then ``from settings import *``): ``m`` may bind
        it again. Its value there when the project-wide stage gave it (``const:m.name``) and
        the star import comes after every binding; in the recording mode (:attr:`imported`)
        a constant of unknown text noted as ``m.name``; else dynamic. None when no such star
        import follows a binding."""
        first = min(b.order for b in bindings)
        after = [
            (m, order)
            for m, order in module.star_imports
            if order > first and self.absolute(f"{m}.{name}") not in self.unbound
        ]
        if not after:
            return None
        last = max(b.order for b in bindings)
        star, order = after[-1]
        if order < last:
            return DYNAMIC  # bound again after it: either value may hold
        dotted = self.absolute(f"{star}.{name}")
        given = self.given.get(dotted)
        if given is not None and len(after) == 1:
            return given
        if self.imported is not None and len(after) == 1:
            self.imported.add(dotted)
            return _IMPORTED
        return DYNAMIC

    def _name(self, node: cst.Name, scope: Scope, depth: int) -> Value:
        bindings = scope.lookup(node.value)
        if not bindings:
            # __file__: the module's own path, a file of the project
            return UNKNOWN_TEXT if node.value == "__file__" and bindings is None else DYNAMIC
        if bindings[0].kind == "import":
            if self.given or self.imported is not None:
                imported = self._imported(node.value, scope)
                if imported is not None:
                    return imported
            elif not bindings[0].defines:
                self.read_import = True
        # Any binding that cannot be followed, or that is being followed already (a name
        # bound from itself, ``s = s.strip()``), makes the name dynamic: decided before any
        # binding is followed, or a name bound n times from itself costs 2 ** n.
        for binding in bindings:
            if binding.kind == "param" and (
                self.assume_params or node.value in self._bound.get(id(binding.scope), {})
            ):
                continue
            if binding.kind == "unpack" and binding.position is not None:
                pass  # ``a, b = v``: the item of ``v`` at its place
            elif binding.kind not in ("value", "iter", "augment") or binding.value is None:
                return DYNAMIC
            if binding.scope.kind not in ("module", "function"):
                return DYNAMIC
            if id(binding) in self._active:
                return DYNAMIC
        module = scope.module()
        if module.bindings.get(node.value) is bindings:
            if module.written_by_key:
                return DYNAMIC  # globals()[k] = v somewhere: any module name may be k
            if module.star_imports:
                rebound = self._star_rebound(node.value, bindings, module)
                if rebound is not None:
                    return rebound
            if self.reads is not None:
                self.reads.add(node.value)
        bases: list[Value] = []
        added: list[Value] = []
        for binding in bindings:
            if binding.kind == "param":
                given = self._bound.get(id(binding.scope), {}).get(node.value)
                bases.append(given if given is not None else UNKNOWN_TEXT)
                continue
            assert binding.value is not None
            key = id(binding)
            self._active.add(key)
            try:
                value = self.value(binding.value, binding.scope, depth + 1)
            finally:
                self._active.discard(key)
            if binding.kind == "iter":
                value = _element(value)
            if binding.kind == "unpack" and binding.position is not None:
                value = _unpacked(value, *binding.position)
            if binding.kind == "augment":
                added.append(value)
            else:
                bases.append(value)
        if not bases:
            return DYNAMIC
        base = one_of(bases)
        if not added:
            return base
        return _grown(base, added)

    def _marked(self, node: cst.Call, qualname: str, scope: Scope, depth: int) -> Value:
        """A quoting call in marking mode: a mark; ``shlex.join`` of a list written out,
        its constant items quoted and a mark for each other one (each is a word)."""
        assert self.marked is not None
        if qualname.endswith(".join") and len(node.args) == 1 and not node.args[0].star:
            joined = self._quoted_words(node, node.args[0].value, scope, depth)
            if joined is not None:
                return joined
        first = positional(node, 0)
        self._mark(node, self.value(first, scope, depth + 1) if first is not None else DYNAMIC)
        return _const_text(quote_mark(len(self.marked) - 1))

    def _quoted_words(
        self, node: cst.Call, words: cst.BaseExpression, scope: Scope, depth: int
    ) -> Value | None:
        """``shlex.join(words)`` in marking mode, for ``words`` written out: its constant
        items quoted and a mark for each other one (each is a word); else None."""
        assert self.marked is not None
        inner = self.value(words, scope, depth + 1)
        if inner.items is None or inner.more:
            return None
        out = []
        for item in inner.items:
            if item.const and item.text is not None:
                out.append(shlex.quote(item.text))
            else:
                self._mark(node, item)
                out.append(quote_mark(len(self.marked) - 1))
        return _const_text(" ".join(out))

    def _joined_quotes(self, node: cst.Call, scope: Scope) -> cst.Call | None:
        """The quoting call of ``" ".join(shlex.quote(w) for w in words)`` (a generator or
        a list comprehension, one loop, no condition, each item quoted whole): the same
        command line as ``shlex.join(words)``; None for any other call."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "join":
            return None
        if not isinstance(func.value, cst.SimpleString) or len(node.args) != 1:
            return None
        if string_value(func.value) != " " or node.args[0].star or node.args[0].keyword:
            return None
        made = node.args[0].value
        if not isinstance(made, (cst.GeneratorExp, cst.ListComp)):
            return None
        loop = made.for_in
        if loop.inner_for_in is not None or loop.ifs or loop.asynchronous is not None:
            return None
        quote, target = made.elt, loop.target
        if not isinstance(quote, cst.Call) or not isinstance(target, cst.Name):
            return None
        if len(quote.args) != 1 or quote.args[0].star or quote.args[0].keyword:
            return None
        word = quote.args[0].value
        if not isinstance(word, cst.Name) or word.value != target.value:
            return None
        qualname = self.resolver.qualname(quote.func, scope)
        if qualname not in self.quoting or qualname.endswith(".join"):
            return None
        return quote

    def _mark(self, node: cst.Call, quoted: Value) -> None:
        assert self.marked is not None
        self.marked.append(node)
        head = quoted.parts[0] if quoted.parts else None
        if head and not head.startswith("-"):
            self.not_options.add(len(self.marked) - 1)

    def _self_attr(self, node: cst.Attribute, scope: Scope, depth: int) -> Value:
        """``self.<attr>`` in a method: the value assigned once, in ``__init__``, and nowhere
        else in the class (a mutation anywhere makes it dynamic)."""
        if not isinstance(node.value, cst.Name):
            return DYNAMIC
        method_scope: Scope | None = scope
        while method_scope is not None and id(method_scope) not in self.methods:
            if method_scope.kind != "comprehension":
                method_scope = None
                break
            method_scope = method_scope.parent
        if method_scope is None:
            return DYNAMIC
        cls, self_name = self.methods[id(method_scope)]
        bindings = method_scope.lookup(node.value.value)
        if node.value.value != self_name or not bindings or bindings[0].kind != "param":
            return DYNAMIC
        assigns = self.attrs.get((cls, node.attr.value), [])
        if len(assigns) > 1 or node.attr.value in self.outside:
            return DYNAMIC
        if ANY_ATTR in self.outside:
            return DYNAMIC  # setattr(obj, name, v): any attribute may be the one written
        for sub in (cls, *self.subclasses.get(cls, ())):
            if (sub, ANY_ATTR) in self.attrs:
                return DYNAMIC  # setattr(self, name, v): self may be an instance of sub
            if sub != cls and not self._constant_sets(sub, node.attr.value, depth):
                return DYNAMIC  # a subclass sets self.<attr> to what is not constant
        if not assigns:
            return self._class_attr(cls, node.attr.value, depth)
        value, where, method, mutation = assigns[0]
        if mutation or method != "__init__" or value is None:
            return DYNAMIC
        key = id(value)
        if key in self._active:
            return DYNAMIC
        self._active.add(key)
        try:
            return self.value(value, where, depth + 1)
        finally:
            self._active.discard(key)

    def _class_attr(self, cls: str, attr: str, depth: int) -> Value:
        """``self.<attr>`` that no method of the class sets: the class attribute its body
        binds once (``command: str = "/bin/bash"``), when the bodies of the module's
        subclasses bind it to constants too, or not at all."""
        value = self._class_binding(cls, attr)
        if value is None:
            return DYNAMIC  # (inherited from a class of another module, or set elsewhere)
        for sub in self.subclasses.get(cls, ()):
            if sub not in self.class_scopes:
                return DYNAMIC
            if attr in self.class_scopes[sub].bindings:
                other = self._class_binding(sub, attr)
                if other is None or not self._settled(other, depth).const:
                    return DYNAMIC
        return self._settled(value, depth)

    def _class_binding(self, cls: str, attr: str) -> tuple[cst.BaseExpression, Scope] | None:
        """The value the body of class ``cls`` binds ``attr`` to, when it binds it once."""
        body = self.class_scopes.get(cls)
        bindings = body.bindings.get(attr) if body is not None else None
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind != "value" or binding.value is None:
            return None
        node = self.class_nodes.get(cls)
        if node is None or (_annotated(node, attr) and not _plain_class(node)):
            # a declared field's default (``@dataclass``, a pydantic model, a NamedTuple):
            # the constructor sets the instance's own
            return None
        return binding.value, binding.scope

    def _settled(self, found: tuple[cst.BaseExpression, Scope], depth: int) -> Value:
        value, where = found
        if id(value) in self._active:
            return DYNAMIC
        self._active.add(id(value))
        try:
            return self.value(value, where, depth + 1)
        finally:
            self._active.discard(id(value))

    def _constant_sets(self, cls: str, attr: str, depth: int) -> bool:
        """Whether every ``self.<attr> = value`` of class ``cls`` sets a constant."""
        for value, where, _, mutation in self.attrs.get((cls, attr), ()):
            if mutation or value is None or id(value) in self._active:
                return False
            self._active.add(id(value))
            try:
                if not self.value(value, where, depth + 1).const:
                    return False
            finally:
                self._active.discard(id(value))
        return True

    def _subscript(self, node: cst.Subscript, scope: Scope, depth: int) -> Value:
        """A lookup in a constant container is one of its values, whatever the key."""
        container = self.value(node.value, scope, depth + 1)
        if not container.const or len(node.slice) != 1:
            return DYNAMIC
        index = node.slice[0].slice
        if not isinstance(index, cst.Index):
            return DYNAMIC  # a slice of a constant is constant, but its items are unknown
        if container.choices is not None:
            return one_of(container.choices)
        if container.items is not None and not container.more:
            key = self.value(index.value, scope, depth + 1)
            if key.const and isinstance(index.value, cst.Integer):
                position = int(index.value.value, 0)
                if -len(container.items) <= position < len(container.items):
                    return container.items[position]
            return one_of(container.items)
        return DYNAMIC

    def _join(self, parts: list[cst.BaseExpression], scope: Scope, depth: int) -> Value:
        values = [self.value(p, scope, depth + 1) for p in parts]
        if all(v.const and v.text is not None for v in values):
            return _const_text("".join(v.text or "" for v in values))
        return Value(False, program=_leading_program(values), parts=_parts_of(values))

    def _fstring(self, node: cst.FormattedString, scope: Scope, depth: int) -> Value:
        values: list[Value] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                values.append(_const_text(part.value))
            elif isinstance(part, cst.FormattedStringExpression):
                inner = self.value(part.expression, scope, depth + 1)
                if not inner.const:
                    values.append(DYNAMIC)
                elif part.format_spec or part.conversion or inner.text is None:
                    values.append(Value(True, text=""))  # constant, text not tracked
                else:
                    values.append(inner)
            else:  # pragma: no cover - libcst has no other part types
                values.append(DYNAMIC)
        if all(v.const for v in values):
            return Value(True, program=True, text="".join(v.text or "" for v in values), truth=None)
        return Value(False, program=_leading_program(values), parts=_parts_of(values))

    def _sequence(
        self,
        elements: Sequence[cst.BaseElement],
        scope: Scope,
        depth: int,
    ) -> Value:
        items: list[Value] = []
        more = False  # the items after a spread of a grown list have unknown positions
        const = True
        tail = True
        splits = False
        for element in elements:
            if isinstance(element, cst.StarredElement):
                inner = self.value(element.value, scope, depth + 1)
                if inner.items is None:
                    known = bool(items) and items[0].program_item() and not more
                    return Value(
                        False,
                        program=known,
                        items=tuple(items),
                        more=True,
                        tail_const=False,
                        splits=True,
                    )
                splits = splits or (inner.more and inner.splits)
                if not more:
                    items.extend(inner.items)
                elif not _items_const(inner):
                    tail = False
                if inner.more and not inner.tail_const:
                    tail = False
                more = more or inner.more
                const = const and inner.const
            else:
                value = self.value(element.value, scope, depth + 1)
                if not more:
                    items.append(value)
                elif not value.const:
                    tail = False
                const = const and value.const
        const = const and all(v.const for v in items)
        program = bool(items) and items[0].program_item()
        return Value(
            const,
            program=program,
            items=tuple(items),
            truth=bool(items) or more,
            more=more,
            tail_const=tail,
            splits=splits,
        )

    def _binop(self, node: cst.BinaryOperation, scope: Scope, depth: int) -> Value:
        left = self.value(node.left, scope, depth + 1)
        if isinstance(node.operator, cst.Divide):  # a path joined with /
            right = self.value(node.right, scope, depth + 1)
            return UNKNOWN_TEXT if left.const and right.const else DYNAMIC
        if isinstance(node.operator, cst.Add):
            right = self.value(node.right, scope, depth + 1)
            if left.items is not None and right.items is not None:
                items = left.items + right.items if not left.more else left.items
                tail = (not left.more or left.tail_const) and (not right.more or right.tail_const)
                if left.more and not all(v.const for v in right.items):
                    tail = False
                return Value(
                    left.const and right.const,
                    program=bool(left.items) and left.items[0].program_item(),
                    items=items,
                    more=left.more or right.more,
                    tail_const=tail,
                    splits=(left.more and left.splits) or (right.more and right.splits),
                )
            if left.items is not None:
                # [prog, ...] + unknown: the program is still known (and the list added
                # may hold any number of words)
                return Value(
                    False,
                    program=bool(left.items) and left.items[0].program_item(),
                    items=left.items,
                    more=True,
                    tail_const=False,
                    splits=True,
                )
            if left.text is not None and right.text is not None and left.const and right.const:
                return _const_text(left.text + right.text)
            if left.const and right.const:
                return Value(True, text=None)
            return Value(
                False, program=_leading_program([left, right]), parts=_parts_of([left, right])
            )
        if isinstance(node.operator, cst.Modulo):
            right = self.value(node.right, scope, depth + 1)
            if left.const and right.const:
                filled = _percent_filled(left.text, right) if self.marked is not None else None
                return Value(True, program=True, text=filled or "")
            return Value(
                False,
                program=left.text is not None and _first_word(left.text),
                parts=_template_parts(left.text, _PERCENT_FIELD),
            )
        return DYNAMIC

    def _call(self, node: cst.Call, scope: Scope, depth: int) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = self.value(func.value, scope, depth + 1)
            if method == "format" and receiver.text is not None:
                args = [self.value(a.value, scope, depth + 1) for a in node.args]
                if receiver.const and all(a.const for a in args):
                    filled = None
                    if self.marked is not None and not any(a.keyword for a in node.args):
                        filled = _format_filled(receiver.text, args)
                    return Value(True, program=True, text=filled or "")
                return Value(
                    False,
                    program=_first_word(receiver.text),
                    parts=_template_parts(receiver.text, _FORMAT_FIELD),
                )
            if method == "join" and self.marked is not None:
                quote = self._joined_quotes(node, scope)
                if quote is not None:
                    assert isinstance(node.args[0].value, (cst.GeneratorExp, cst.ListComp))
                    words = node.args[0].value.for_in.iter
                    joined = self._quoted_words(quote, words, scope, depth)
                    if joined is not None:
                        return joined
            if method == "join" and receiver.const and len(node.args) == 1:
                inner = self.value(node.args[0].value, scope, depth + 1)
                if inner.const and (inner.more or inner.choices is not None):
                    return Value(True, program=True, text="")
                if inner.const and inner.items is not None:
                    texts = [v.text for v in inner.items]
                    if all(t is not None for t in texts):
                        return _const_text((receiver.text or "").join(t or "" for t in texts))
                    return Value(True, program=True, text="")
                if inner.items is not None and receiver.text is not None:
                    parts = _joined_parts(receiver.text, inner.items, inner.more)
                    program = bool(inner.items) and inner.items[0].program_item()
                    return Value(False, program=program, parts=parts)
                return DYNAMIC
            if method in ("strip", "lower", "upper") and receiver.const and not node.args:
                if receiver.text is not None:  # "LS".lower(): "ls"
                    return _const_text(getattr(str, method)(receiver.text))
                return receiver
            if method == "split" and _splits_on_blanks(node, receiver.const):
                return _words(receiver, shell_like=False)
            if method in _PATH_METHODS:
                args = [self.value(a.value, scope, depth + 1) for a in node.args]
                if receiver.const and all(a.const for a in args):
                    return UNKNOWN_TEXT
                return DYNAMIC
            if method in ("items", "keys", "values") and receiver.const and not node.args:
                return Value(True, choices=(Value(True, truth=None),), truth=None)
            if method == "get" and receiver.choices is not None and node.args:
                default = (
                    self.value(node.args[1].value, scope, depth + 1)
                    if len(node.args) > 1
                    else Value(True, truth=False)
                )
                return one_of([*receiver.choices, default])
        qualname = self.resolver.qualname(func, scope)
        if qualname is None and isinstance(func, cst.Name) and scope.lookup(func.value) is None:
            qualname = f"builtins.{func.value}"  # str(), int()... (not shadowed)
        if qualname == "shutil.which":
            first = positional(node, 0) or keyword(node, "cmd")
            named = self.value(first, scope, depth + 1) if first is not None else DYNAMIC
            if named.const:
                return Value(False, program=True, exe=True, name=named.text)
            return DYNAMIC
        if qualname == "shlex.split" and len(node.args) == 1 and not node.args[0].star:
            return _words(self.value(node.args[0].value, scope, depth + 1), shell_like=True)
        if qualname == "builtins.compile":
            first = positional(node, 0) or keyword(node, "source")
            if first is not None and self.value(first, scope, depth + 1).const:
                return Value(True)
            return DYNAMIC
        if qualname in _CONTAINER_FUNCS and len(node.args) == 1 and not node.args[0].star:
            inner = self.value(node.args[0].value, scope, depth + 1)
            if not inner.const:
                return DYNAMIC
            if qualname in ("builtins.list", "builtins.tuple"):
                return inner
            return Value(True, choices=inner.items or inner.choices, truth=None)
        if qualname in _PATH_FUNCS:
            args = [self.value(a.value, scope, depth + 1) for a in node.args]
            if all(a.const for a in args) and not any(a.star for a in node.args):
                return UNKNOWN_TEXT
            return DYNAMIC
        if self.marked is not None and qualname in self.quoting:
            return self._marked(node, qualname, scope, depth)
        if qualname in _CONST_FUNCS:
            args = [self.value(a.value, scope, depth + 1) for a in node.args]
            if args and all(a.const for a in args) and not any(a.star for a in node.args):
                return Value(True, program=True, text="")
        if isinstance(func, cst.Name) and self.functions:
            returned = self._returned(func, node, scope, depth)
            if returned is not None:
                return returned
        # a string computed from constants (rules/names.toml: bytes([...]).decode(),
        # "".join(map(chr, [...])), "EXEC".lower()...), as the resolver computes a name
        computed = self.resolver.texts(node, scope) if may_compute(node) else None
        if computed is not None:
            return one_of([_const_text(text) for text in computed])
        return DYNAMIC

    def _returned(self, func: cst.Name, node: cst.Call, scope: Scope, depth: int) -> Value | None:
        """What a plain function of the module returns for the values a call passes, read
        from its ``return``s with its parameters bound to them; None when it cannot be read
        so (bound more than once, decorated, async, a generator, dropped by the skeleton,
        ``*args`` passed, a parameter not given without a default)."""
        bindings = scope.lookup(func.value)
        if not bindings or len(bindings) != 1 or not bindings[0].defines:
            return None
        found = self.functions.get((id(bindings[0].scope), func.value))
        if found is None:
            return None
        module = scope.module()
        if bindings[0].scope is module:
            if module.written_by_key:
                return None  # globals()[k] = v: any function of the module may be replaced
            if self.reads is not None:
                self.reads.add(func.value)  # another module may replace it (mod.f = g)
        fn, own, returns = found
        if fn.decorators or fn.asynchronous is not None or id(fn) in self._active:
            return None
        if not returns or len(self._bound) >= _MAX_INLINED:
            return None
        params = fn.params
        if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
            return None  # *args, **kwargs
        positional = [*params.posonly_params, *params.params]
        values: dict[str, Value] = {}
        names = [p.name.value for p in (*positional, *params.kwonly_params)]
        for index, arg in enumerate(node.args):
            if arg.star:
                return None
            if arg.keyword is not None:
                if arg.keyword.value not in names:
                    return None
                name = arg.keyword.value
            elif index < len(positional):
                name = positional[index].name.value
            else:
                return None
            values[name] = self.value(arg.value, scope, depth + 1)
        for param in (*positional, *params.kwonly_params):
            name = param.name.value
            if name in values:
                continue
            if param.default is None:
                return None
            values[name] = self.value(param.default, bindings[0].scope, depth + 1)
        if not all(v.const or v.program_item() for v in values.values()):
            return None  # what it returns for a value built at run time: not read here
        shape = self.shapes.get(id(fn))
        if shape is None:
            shape = self.shapes[id(fn)] = _shape(fn)
        if not shape[0]:
            return None
        memo = (id(fn), tuple(sorted(values.items())))
        # (not kept where the reading notes what it reads, or inside another function read
        # so, whose parameters a nested function may read)
        plain = self.reads is None and self.imported is None and self.marked is None
        done = self._returns.get(memo) if plain and not self._bound else None
        if done is None:
            key = id(own)
            self._bound[key] = values
            self._active.add(id(fn))
            try:
                out = [self.value(r, own, depth + 1) for r in returns]
            finally:
                self._active.discard(id(fn))
                del self._bound[key]
            if shape[1]:
                out.append(Value(True, text=None, truth=False))  # None
            done = one_of(out)
            if plain and not self._bound:
                self._returns[memo] = done
        self.inlined.add(id(node))
        return done


class _Body(cst.CSTVisitor):
    """Whether a function's own body (not a nested function's, lambda's or class's) yields,
    and whether it has a bare ``return``."""

    def __init__(self) -> None:
        self.yields = False
        self.bare = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.yields = True
        return False

    def visit_Return(self, node: cst.Return) -> bool:
        if node.value is None:
            self.bare = True
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _shape(fn: cst.FunctionDef) -> tuple[bool, bool]:
    """Whether a function's returns can be read (a body that was parsed, not a skeleton's
    stub: one string, or ``pass``; that does not yield), and whether it may return None:
    its last statement is no ``return`` or ``raise`` (on the safe side: an ``if`` whose
    branches all return counts), or it has a bare ``return``."""
    body = fn.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return False, True
    if len(body.body) == 1:
        line = body.body[0]
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            only = line.body[0]
            if isinstance(only, cst.Pass) or (
                isinstance(only, cst.Expr) and isinstance(only.value, cst.SimpleString)
            ):
                return False, True
    visitor = _Body()
    body.visit(visitor)
    if visitor.yields:
        return False, True
    last = body.body[-1]
    ends = False
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        final = last.body[-1]
        ends = isinstance(final, cst.Raise) or (
            isinstance(final, cst.Return) and final.value is not None
        )
    return True, visitor.bare or not ends


def _splits_on_blanks(node: cst.Call, const: bool) -> bool:
    """``x.split()`` or ``x.split(None)``; any ``split`` of a constant with constant
    arguments is handled by :func:`_words` as unknown constant items."""
    if not node.args:
        return True
    if len(node.args) == 1 and not node.args[0].star:
        arg = node.args[0]
        if arg.keyword is None or arg.keyword.value == "sep":
            return isinstance(arg.value, cst.Name) and arg.value.value == "None"
    return False


def split_words(text: Value) -> Value:
    """The argv a string is split into as a shell would split it, without a shell
    (``pexpect.spawn(f"su {user}")``: su, then words not known): see :func:`_words`. A value
    that is no string written out (a known executable, a parameter) is left as it is."""
    if text.items is not None or text.exe or (not text.const and text.parts is None):
        return text
    return _words(text, shell_like=True)


def _words(text: Value, shell_like: bool) -> Value:
    """The argv list ``text.split()`` (or ``shlex.split(text)``) makes: every word of a
    constant; of a string built at run time, the words of its constant start (not the
    last one when it is glued to what follows), then items not known."""
    if text.const:
        if text.text is None:
            return Value(True, truth=None)
        try:
            found = shlex.split(text.text) if shell_like else text.text.split()
        except ValueError:  # an unclosed quote: shlex.split raises at run time
            return Value(True, truth=None)
        return Value(True, items=tuple(_const_text(w) for w in found), truth=bool(found))
    head = text.parts[0] if text.parts else None
    if not head or (shell_like and any(c in head for c in "\"'\\#")):
        return DYNAMIC
    found = head.split()
    if found and not head[-1].isspace():
        found = found[:-1]  # f"x{y}": the last word goes on with what y holds
    if not found:
        return DYNAMIC
    known = tuple(_const_text(w) for w in found)
    return Value(False, program=True, items=known, more=True, tail_const=False, splits=True)


def _annotated(node: cst.ClassDef, attr: str) -> bool:
    """Whether the body of class ``node`` declares ``attr`` with an annotation."""
    for statement in node.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and isinstance(small.target, cst.Name)
                    and small.target.value == attr
                ):
                    return True
    return False


def _plain_class(node: cst.ClassDef) -> bool:
    """A class with no decorator and no base but ``object``: its annotated class
    attributes are no fields a constructor sets."""
    if node.decorators or node.keywords:
        return False
    return all(
        isinstance(base.value, cst.Name) and base.value.value == "object" for base in node.bases
    )


def _names_in(node: cst.CSTNode) -> set[str]:
    """The names ``node`` reads (``cst.Name`` anywhere in it)."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        item = stack.pop()
        if type(item) is cst.Name:
            found.add(item.value)
        elif type(item) is cst.Attribute:
            stack.append(item.value)  # (not the attribute's own name)
        else:
            stack.extend(item.children)
    return found


def _target_names(target: cst.BaseExpression, into: set[str]) -> bool:
    """Add the names a loop target binds (``key, (mod, cls)``) to ``into``; False for a
    target that binds anything else (an attribute, an item)."""
    if type(target) is cst.Name:
        into.add(target.value)
        return True
    if type(target) is cst.Tuple or type(target) is cst.List:
        return all(type(e) is cst.Element and _target_names(e.value, into) for e in target.elements)
    return False


def _element(container: Value) -> Value:
    """What iterating over ``container`` yields: one of its items when they are known."""
    if container.items is not None and not container.more and container.items:
        return one_of(container.items)
    if container.choices is not None and container.const:
        return one_of(container.choices)  # iterating a dict yields its keys: constant too
    if container.const and container.text is not None:
        return Value(True, text=None)  # characters of a constant string
    return DYNAMIC


def _unpacked(whole: Value, index: int, count: int) -> Value:
    """What ``a, b = whole`` binds to the name at ``index`` of ``count``: that item of a
    sequence written out, of each alternative (``module, cls = TABLE[key]``, a lookup in a
    constant table of pairs); a constant of unknown text for any other constant."""
    if whole.items is not None and not whole.more:
        return whole.items[index] if len(whole.items) == count else DYNAMIC
    if whole.choices is not None and whole.const:
        return one_of([_unpacked(choice, index, count) for choice in whole.choices])
    if whole.const:
        return Value(True, text=None, truth=None)
    return DYNAMIC


def _grown(base: Value, added: list[Value]) -> Value:
    """A list (or string) bound once and grown by ``+=``, ``.append``, ``.extend``,
    ``.insert``, ``x[k] = v``: its known prefix stays, more items may follow (``.insert``
    may also put them first: the program stays known only when every addition is)."""
    const = base.const and all(a.const for a in added)
    if base.items is not None:
        program = bool(base.items) and base.items[0].program_item()
        tail = base.tail_const and all(_items_const(a) for a in added)
        splits = (base.more and base.splits) or any(a.more and a.splits for a in added)
        return Value(
            const, program=program, items=base.items, more=True, tail_const=tail, splits=splits
        )
    return Value(const, program=base.program, text=None, truth=None)


def _items_const(value: Value) -> bool:
    """Whether a value added to a list is constant (a list of items, or one item)."""
    if value.items is not None:
        return all(v.const for v in value.items) and (not value.more or value.tail_const)
    return value.const


def _first_word(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and any(ch.isspace() for ch in stripped)


_PERCENT_FIELD = re.compile(r"%%|%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[a-zA-Z]")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
_ESCAPES = {"%%": "%", "{{": "{", "}}": "}"}


def _merged(parts: list[str | None]) -> tuple[str | None, ...]:
    """Adjacent texts joined, adjacent holes kept one; empty texts dropped."""
    out: list[str | None] = []
    for part in parts:
        if part == "":
            continue
        if out and part is not None and out[-1] is not None:
            out[-1] = (out[-1] or "") + part
        elif out and part is None and out[-1] is None:
            continue
        else:
            out.append(part)
    return tuple(out)


def _parts_of(values: Sequence[Value]) -> tuple[str | None, ...] | None:
    """The text segments and holes of a string built of ``values``; None when one of them is
    no string (a list)."""
    parts: list[str | None] = []
    for v in values:
        if v.items is not None:
            return None
        if v.const and v.text is not None:
            parts.append(v.text)
        elif v.parts is not None:
            parts.extend(v.parts)
        else:
            parts.append(None)
    return _merged(parts)


def _template_parts(text: str | None, field: re.Pattern[str]) -> tuple[str | None, ...] | None:
    """The parts of a ``%`` or ``.format`` template whose fields are filled at run time."""
    if text is None:
        return None
    parts: list[str | None] = []
    at = 0
    for match in field.finditer(text):
        parts.append(text[at : match.start()])
        parts.append(_ESCAPES.get(match.group(0)))
        at = match.end()
    parts.append(text[at:])
    return _merged(parts)


def _joined_parts(sep: str, items: Sequence[Value], more: bool) -> tuple[str | None, ...]:
    """The parts of ``sep.join(items)`` (``more``: further unknown items follow)."""
    parts: list[str | None] = []
    for i, v in enumerate(items):
        if i:
            parts.append(sep)
        parts.append(v.text if v.const and v.text is not None else None)
    if more:
        parts.extend([sep, None])
    return _merged(parts)


def _leading_program(values: list[Value]) -> bool:
    """For a string built of parts: is the first word complete and constant?"""
    if not values:
        return False
    first = values[0]
    return first.const and first.text is not None and _first_word(first.text)


_MARK = re.compile("\x00(\\d+)\x00")


def quote_mark(index: int) -> str:
    """The text a marked quoting call evaluates to (see :meth:`Evaluator.mark_quoting`)."""
    return f"\x00{index}\x00"


def split_marks(parts: Sequence[str | None]) -> list[str | int | None]:
    """Text segments and holes with each quoting mark made its index."""
    out: list[str | int | None] = []
    for part in parts:
        if part is None:
            out.append(None)
            continue
        at = 0
        for match in _MARK.finditer(part):
            out.append(part[at : match.start()])
            out.append(int(match.group(1)))
            at = match.end()
        out.append(part[at:])
    return [p for p in out if p != ""]


def _percent_filled(template: str | None, right: Value) -> str | None:
    """``template % right`` when every field is a plain ``%s`` and the values' texts are
    known."""
    if template is None:
        return None
    values = right.items if right.items is not None else (right,)
    texts = [v.text for v in values]
    fields = [m.group(0) for m in _PERCENT_FIELD.finditer(template) if m.group(0) != "%%"]
    if any(f != "%s" for f in fields) or len(fields) != len(texts) or None in texts:
        return None
    it = iter(texts)
    return _PERCENT_FIELD.sub(lambda m: "%" if m.group(0) == "%%" else next(it) or "", template)


def _format_filled(template: str | None, args: Sequence[Value]) -> str | None:
    """``template.format(*args)`` when every field is ``{}`` or ``{N}`` and the texts of the
    values are known."""
    if template is None or any(a.text is None for a in args):
        return None
    out: list[str] = []
    at = 0
    auto = 0
    for match in _FORMAT_FIELD.finditer(template):
        out.append(template[at : match.start()])
        field = match.group(0)
        if field in _ESCAPES:
            out.append(_ESCAPES[field])
        else:
            inner = field[1:-1]
            if inner == "":
                position = auto
                auto += 1
            elif inner.isdigit():
                position = int(inner)
            else:
                return None
            if position >= len(args):
                return None
            out.append(args[position].text or "")
        at = match.end()
    out.append(template[at:])
    return "".join(out)
