"""What a function writes into the file it then runs.

Code that runs generated code often writes it to a file first: ``f.write(src)`` into a
``NamedTemporaryFile``, then ``subprocess.run([sys.executable, f.name])``, or
``Path(p).write_text(code)`` then ``exec(open(p).read())``. The call's own payload is
then a path (built inside the program) or a file's content: where the *code* comes from
is what was written. :func:`written_content` finds, in the function holding a sink's call,
what is written into a file the payload names or reads, so that the project-wide stage
gives the site the origin of that content (request data, model output...).

A file is recognised by the expression that names it, followed through names bound once
in the function (and module-level names bound once), ``str()``/``os.fspath()``/``Path()``
around it, ``open(P)`` (the file object's path is ``P``) and ``tempfile.NamedTemporaryFile``
(its ``.name``). A path is spelled out as its text with the parts known only at run time
kept by the code that names them, so that ``os.path.join(D, "x.py")``, ``D + "/x.py"``,
``f"{D}/x.py"``, ``Path(D) / "x.py"`` and, with ``D = "/srv"``, ``"/srv/x.py"`` name the
same file. A relative path or a Python module (``python -m mod``, ``import_module("mod")``)
is also looked for in the working directory the call is given (``cwd=``, ``os.chdir``).
A file copied, moved or renamed (``shutil.copy(tmp, dst)``, ``os.rename``) holds what was
written into its source. A function of the same file that writes a file named by its
parameters (``def save(p, src): open(p, "w").write(src)``, or one that returns the path
it wrote) writes, at each call, into the file its argument names what its argument
carries (two calls deep). Only the function's own calls and those helpers are read: a file
written in another function that is not called from it is not seen.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

import libcst as cst

from auditor.scan.collect import CallSite, FunctionRecord
from auditor.scan.resolve import Resolver, keyword, positional
from auditor.scan.scopes import Scope
from auditor.scan.strings import string_value

_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open", "os.fdopen"})
_TEMPFILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.SpooledTemporaryFile"})
_MKSTEMPS = frozenset({"tempfile.mkstemp"})
_PATH_WRAPPERS = frozenset(
    {
        "builtins.str",
        "os.fspath",
        "pathlib.Path",
        "pathlib.PurePath",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.path.expanduser",
    }
)
# methods of a path that name the same file (``p.resolve()``, ``p.absolute()``)
_SAME_FILE_METHODS = frozenset({"resolve", "absolute", "expanduser"})
# calls that join their arguments into a path (``Path(a, b)`` too)
_JOINS = frozenset({"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath"})
_FILE_WRITES = frozenset({"write", "writelines"})
_PATH_WRITES = frozenset({"write_text", "write_bytes"})
_FILE_READS = frozenset({"read", "readlines"})
_PATH_READS = frozenset({"read_text", "read_bytes"})
# a file's content put under another name: (source, destination) positional arguments
_COPIES = frozenset(
    {
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.move",
        "os.rename",
        "os.replace",
        "os.renames",
        "os.link",
        "os.symlink",
    }
)
_PATH_COPIES = frozenset({"rename", "replace"})  # Path(src).rename(dst)
_PATH_LINKS = frozenset({"symlink_to", "hardlink_to"})  # Path(dst).symlink_to(src)
_COPY_NAMES = frozenset(n.rsplit(".", 1)[-1] for n in _COPIES) | _PATH_COPIES | _PATH_LINKS
_HELPER_DEPTH = 2  # a helper that writes through another helper, not deeper

_CODE = cst.Module(body=())  # generates any node's code (the keys of files)
_HOLE = "\x00"  # around the code of a part of a path known only at run time


def _same_file(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The path ``p.resolve()``, ``p.absolute()`` or ``p.expanduser()`` is called on."""
    if (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _SAME_FILE_METHODS
    ):
        return node.func.value
    return None


def _normal(text: str) -> str:
    """A path's key in one spelling: no repeated or ``./`` separators; a path known
    whole is normalised (``/srv/./x.py``, ``/srv//x.py``: ``/srv/x.py``)."""
    if _HOLE not in text:
        return posixpath.normpath(text) if text else text
    text = re.sub("/+", "/", text)
    while "/./" in text:
        text = text.replace("/./", "/")
    return text[2:] if text.startswith("./") else text


def _relative(key: str) -> bool:
    """Whether a key is a path known to be relative (a constant that does not start at
    the root)."""
    return bool(key) and not key.startswith(("/", _HOLE, "<"))


def module_files(name: str) -> tuple[str, ...]:
    """The files, relative to a folder of ``sys.path``, that Python imports or runs for
    module ``name`` (``pkg.mod``: ``pkg/mod.py``, ``pkg/mod/__init__.py``...)."""
    base = name.replace(".", "/")
    return (f"{base}.py", f"{base}/__init__.py", f"{base}/__main__.py")


class _Files:
    def __init__(
        self,
        resolver: Resolver,
        scope: Scope,
        helpers: dict[str, list[FunctionRecord]] | None = None,
        depth: int = 0,
    ) -> None:
        self.module = _CODE
        self.resolver = resolver
        self.scope = scope
        self.helpers = helpers or {}
        self.depth = depth

    def _qualname(self, func: cst.BaseExpression) -> str | None:
        name = self.resolver.qualname(func, self.scope)
        if name is None and isinstance(func, cst.Name) and self.scope.lookup(func.value) is None:
            return f"builtins.{func.value}"
        return name

    def _bound_once(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """The value a local name is bound to, when it is bound once (assignment or
        ``with ... as``) in the function."""
        if not isinstance(node, cst.Name):
            return None
        bindings = self.scope.bindings.get(node.value)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind in ("value", "with") and binding.value is not None:
            return binding.value
        value = binding.value
        if (
            binding.kind == "unpack"  # fd, path = tempfile.mkstemp(): both name its file
            and isinstance(value, cst.Call)
            and self._qualname(value.func) in _MKSTEMPS
        ):
            return value
        return None

    def bound_lists(self, node: cst.BaseExpression) -> list[cst.List | cst.Tuple]:
        """The lists and tuples a local name is assigned in the function, however many
        times (``args = [str(p)]`` in each branch): the items an argv spreads with
        ``*args`` may be any of them."""
        if isinstance(node, cst.StarredElement):
            node = node.value
        if not isinstance(node, cst.Name):
            return []
        return [
            b.value
            for b in self.scope.bindings.get(node.value, ())
            if b.kind == "value" and isinstance(b.value, cst.List | cst.Tuple)
        ]

    def _module_constant(self, node: cst.Name) -> cst.BaseExpression | None:
        """The value of a module-level name the function reads, when the module binds it
        once (``D = "/srv/jobs"``)."""
        if node.value in self.scope.bindings:
            return None
        bindings = self.scope.lookup(node.value)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        module = binding.scope
        if module.kind != "module" or module.written_by_key or binding.kind != "value":
            return None
        return binding.value

    def helper(self, call: cst.Call) -> FunctionRecord | None:
        """The function of this file a call calls by its name (``save(p, src)``), or as
        a method of the class of the function being read (``self.save(p, src)``)."""
        if not self.helpers or self.depth >= _HELPER_DEPTH:
            return None
        func = call.func
        if isinstance(func, cst.Name):
            records = self.helpers.get(func.value)
            bindings = self.scope.lookup(func.value) if records else None
            if not records or not bindings or len(bindings) != 1:
                return None
            for record in records:
                if record.cls is None and record.outer is bindings[0].scope:
                    return record
            return None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls")
            and self.scope.parent is not None
            and self.scope.parent.kind == "class"
        ):
            for record in self.helpers.get(func.attr.value, ()):
                if record.outer is self.scope.parent:
                    return record
        return None

    def path_key(self, node: cst.BaseExpression, depth: int = 0) -> str:
        """A key naming the file ``node`` names as a path."""
        if depth > 6:
            return _HOLE + self.module.code_for_node(node) + _HOLE
        if (
            isinstance(node, cst.Call)
            and len(node.args) == 1
            and not node.args[0].star
            and not node.args[0].keyword
            and self._qualname(node.func) in _PATH_WRAPPERS
        ):
            return self.path_key(node.args[0].value, depth + 1)
        if (same := _same_file(node)) is not None:
            return self.path_key(same, depth + 1)
        if isinstance(node, cst.Attribute) and node.attr.value == "name":
            opened = self.opened(node.value, depth + 1)
            if opened is not None:
                return opened
        if isinstance(node, cst.Call):
            name = self._qualname(node.func)
            if name in _MKSTEMPS:
                return f"<temporary file {id(node)}>"  # its descriptor and its path alike
            first = positional(node, 0)
            if name == "os.open" and first is not None:
                return self.path_key(first, depth + 1)  # a descriptor: its file's key
            returned = self._returned_path(node)
            if returned is not None:
                return returned
        bound = self._bound_once(node)
        if bound is not None:
            return self.path_key(bound, depth + 1)
        return _normal("".join(self._spelled(node, depth)))

    def _spelled(self, node: cst.BaseExpression, depth: int) -> Iterator[str]:
        """The text of a path, a part known only at run time as its code between holes."""
        if depth > 8:
            yield _HOLE + self.module.code_for_node(node) + _HOLE
            return
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            yield text if isinstance(text, str) else text.decode("utf-8", "replace")
            return
        if isinstance(node, cst.ConcatenatedString):
            yield from self._spelled(node.left, depth + 1)
            yield from self._spelled(node.right, depth + 1)
            return
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    yield part.value
                elif (
                    isinstance(part, cst.FormattedStringExpression)
                    and part.conversion is None
                    and part.format_spec is None
                ):
                    yield from self._spelled(part.expression, depth + 1)
                else:
                    yield _HOLE + self.module.code_for_node(part) + _HOLE
            return
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, cst.Add | cst.Divide
        ):
            yield from self._spelled(node.left, depth + 1)
            if isinstance(node.operator, cst.Divide):  # Path(d) / "x.py"
                yield "/"
            yield from self._spelled(node.right, depth + 1)
            return
        if (same := _same_file(node)) is not None:
            yield from self._spelled(same, depth + 1)
            return
        if isinstance(node, cst.Call) and not any(a.star or a.keyword for a in node.args):
            name = self._qualname(node.func)
            joined = isinstance(node.func, cst.Attribute) and node.func.attr.value == "joinpath"
            parts = [a.value for a in node.args]
            if joined and isinstance(node.func, cst.Attribute):
                parts = [node.func.value, *parts]
            if (name in _JOINS or joined) and parts:
                spelled = ["".join(self._spelled(p, depth + 1)) for p in parts]
                start = max(i for i, s in enumerate(spelled) if i == 0 or s.startswith("/"))
                yield "/".join(spelled[start:])
                return
            if name in _PATH_WRAPPERS and len(parts) == 1:
                yield from self._spelled(parts[0], depth + 1)
                return
        if isinstance(node, cst.Name):
            value = self._bound_once(node)
            if value is None:
                value = self._module_constant(node)
            if value is not None:
                yield from self._spelled(value, depth + 1)
                return
        yield _HOLE + self.module.code_for_node(node) + _HOLE

    def _returned_path(self, call: cst.Call) -> str | None:
        """The key of the path a helper of this file returns (``def write(code): ...;
        return path``), with its parameters replaced by what ``call`` passes."""
        record = self.helper(call)
        if record is None or len(record.returns) != 1:
            return None
        inner = _Files(self.resolver, record.scope, self.helpers, self.depth + 1)
        key = inner.path_key(record.returns[0])
        return self._substituted(key, record, call)

    def _substituted(self, key: str, record: FunctionRecord, call: cst.Call) -> str:
        """``key`` (a path spelled in ``record``'s body) with the parameters ``call``
        passes spelled as this function names them."""
        if _HOLE not in key:
            return key
        for param, arg in _passed(record, call).items():
            hole = _HOLE + param + _HOLE
            if hole in key:
                key = key.replace(hole, self.path_key(arg))
        return _normal(key)

    def opened(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        """The key of the file a file object (``open(P)``, a named temporary file) was
        opened on; None when ``node`` is not known to be one."""
        if depth > 6:
            return None
        value = self._bound_once(node) if isinstance(node, cst.Name) else node
        if isinstance(value, cst.Name):  # g = f: the same file object
            return self.opened(value, depth + 1)
        if not isinstance(value, cst.Call):
            return None
        if (
            isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "open"
            and self._qualname(value.func) not in _OPENERS
        ):
            return self.path_key(value.func.value, depth + 1)  # Path(p).open("w")
        name = self._qualname(value.func)
        if name in _TEMPFILES:
            return f"<temporary file {id(value)}>"
        if name in _OPENERS:
            first = positional(value, 0) or keyword(value, "file")
            if first is not None:
                return self.path_key(first, depth + 1)
        return None

    def written(self, call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
        """The file a call writes into and what it writes: ``f.write(x)``,
        ``f.writelines(x)``, ``print(x, file=f)``, ``os.write(fd, x)``,
        ``Path(p).write_text(x)``; None for another call."""
        func = call.func
        name = self._qualname(func)
        if name == "os.write":
            fd, content = positional(call, 0), positional(call, 1)
            if fd is not None and content is not None:
                return (self.path_key(fd), content)
            return None
        if name == "builtins.print":
            into = keyword(call, "file")
            target = self.opened(into) if into is not None else None
            printed = [a.value for a in call.args if a.keyword is None and not a.star]
            if target is not None and printed:
                return (target, printed[0])
            return None
        if isinstance(func, cst.Attribute):
            content = positional(call, 0)
            method = func.attr.value
            if content is None:
                return None
            if method in _FILE_WRITES:
                target = self.opened(func.value)
                return (target, content) if target is not None else None
            if method in _PATH_WRITES:
                return (self.path_key(func.value), content)
        return None

    def copied(self, call: cst.Call) -> tuple[str, str] | None:
        """The keys of the source and the destination of a call that puts a file's
        content under another name (``shutil.copy(src, dst)``, ``os.rename``,
        ``Path(src).rename(dst)``, ``Path(dst).symlink_to(src)``)."""
        func = call.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last not in _COPY_NAMES:
            return None
        if self._qualname(func) not in _COPIES:
            if isinstance(func, cst.Attribute) and func.attr.value in _PATH_COPIES | _PATH_LINKS:
                other = positional(call, 0) or keyword(call, "target")
                if other is None:
                    return None
                if func.attr.value in _PATH_LINKS:
                    return (self.path_key(other), self.path_key(func.value))
                return (self.path_key(func.value), self.path_key(other))
            return None
        source = positional(call, 0) or keyword(call, "src")
        target = positional(call, 1) or keyword(call, "dst")
        if source is None or target is None:
            return None
        return (self.path_key(source), self.path_key(target))

    def writes(
        self, calls: Sequence[CallSite], by_scope: dict[int, list[CallSite]], skip: cst.Call
    ) -> Iterator[tuple[str, cst.BaseExpression]]:
        """What each call of this function writes into which file, a helper's writes
        with its parameters replaced by what the call passes."""
        for other in calls:
            if other.node is skip:
                continue
            found = self.written(other.node)
            if found is not None:
                yield found
                continue
            record = self.helper(other.node)
            if record is None:
                continue
            inner = _Files(self.resolver, record.scope, self.helpers, self.depth + 1)
            passed = _passed(record, other.node)
            for key, content in inner.writes(by_scope.get(id(record.scope), []), by_scope, skip):
                target = self._substituted(key, record, other.node)
                for given in _carried(content, passed, other.node):
                    yield (target, given)


def _passed(record: FunctionRecord, call: cst.Call) -> dict[str, cst.BaseExpression]:
    """The arguments ``call`` passes to the parameters of ``record``, by name (a method
    called on ``self``: from its second parameter)."""
    params = record.node.params
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    if record.cls is not None and isinstance(call.func, cst.Attribute):
        names = names[1:]
    out: dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            break
        if arg.keyword is not None:
            out[arg.keyword.value] = arg.value
        elif index < len(names):
            out[names[index]] = arg.value
            index += 1
    return out


def _carried(
    content: cst.BaseExpression, passed: dict[str, cst.BaseExpression], call: cst.Call
) -> list[cst.BaseExpression]:
    """What a helper writes, as its caller sees it: the arguments of the parameters the
    written value reads; and the call itself when the value holds more than parameters
    and literals (what the helper adds is then known only at run time)."""
    if isinstance(content, cst.Name) and content.value in passed:
        return [passed[content.value]]
    out: list[cst.BaseExpression] = []
    only = True
    todo: list[cst.CSTNode] = [content]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Name):
            if node.value in passed:
                out.append(passed[node.value])
            else:
                only = False
            continue
        if isinstance(node, cst.Attribute | cst.Call | cst.Subscript | cst.Lambda):
            only = False
        todo.extend(node.children)
    return out if only else [*out, call]


def written_content(
    payload: list[cst.BaseExpression],
    call: CallSite,
    calls: list[CallSite],
    resolver: Resolver,
    *,
    cwd: cst.BaseExpression | None = None,
    modules: Sequence[str] = (),
    functions: Sequence[FunctionRecord] = (),
) -> list[cst.BaseExpression]:
    """What the function holding ``call`` writes into a file that one of ``payload``'s
    expressions (or an argv list's items) names, or whose content it reads
    (``f.read()``, ``open(p).read()``, ``Path(p).read_text()``). ``cwd``: the working
    directory the call runs in, where a relative path is looked for; ``modules``: Python
    modules the call imports or runs (their files in any folder)."""
    helpers: dict[str, list[FunctionRecord]] = {}
    for record in functions:
        helpers.setdefault(record.node.name.value, []).append(record)
    files = _Files(resolver, call.scope, helpers)
    wanted: set[str] = set()
    todo = [(node, 0) for node in payload]
    while todo:
        node, depth = todo.pop()
        items = node.elements if isinstance(node, cst.List | cst.Tuple) else [node]
        for item in items:
            value = item.value if isinstance(item, cst.BaseElement) else item
            if depth < 3:  # [sys.executable, *args], run(program, *args): args's items
                todo.extend((spread, depth + 1) for spread in files.bound_lists(value))
            wanted.add(files.path_key(value))
            if not isinstance(value, cst.Call):
                continue
            opened = files.opened(value)  # stdin=open(p): the file itself
            if opened is not None:
                wanted.add(opened)
            if isinstance(value.func, cst.Attribute):
                method, receiver = value.func.attr.value, value.func.value
                read_from = None
                if method in _FILE_READS:
                    read_from = files.opened(receiver)
                elif method in _PATH_READS:
                    read_from = files.path_key(receiver)
                if read_from is not None:
                    wanted.add(read_from)
            if depth < 3:  # compile(open(p).read(), p, "exec"): what a call is given
                todo.extend((a.value, depth + 1) for a in value.args)
    suffixes = {name for module in modules for name in module_files(module)}
    if cwd is not None:
        # a relative path, a module's file: looked for in the working directory
        folder = files.path_key(cwd)
        relative = [k for k in wanted if _relative(k)] + sorted(suffixes)
        wanted |= {_normal(f"{folder}/{k}") for k in relative}
    if not wanted and not suffixes:
        return []
    by_scope: dict[int, list[CallSite]] = {}
    for other in calls:
        by_scope.setdefault(id(other.scope), []).append(other)
    mine = by_scope.get(id(call.scope), [])

    def named(key: str) -> bool:
        return key in wanted or any(key == s or key.endswith("/" + s) for s in suffixes)

    copies = [found for other in mine if (found := files.copied(other.node)) is not None]
    for _ in range(3):  # a file copied, then moved...
        grown = {source for source, target in copies if named(target)} - wanted
        if not grown:
            break
        wanted |= grown
    return [content for key, content in files.writes(mine, by_scope, call.node) if named(key)]
