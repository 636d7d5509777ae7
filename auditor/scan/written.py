"""What a function writes into the file it then runs.

Code that runs generated code often writes it to a file first: ``f.write(src)`` into a
``NamedTemporaryFile``, then ``subprocess.run([sys.executable, f.name])``, or
``Path(p).write_text(code)`` then ``exec(open(p).read())``. The call's own payload is
then a path (built inside the program) or a file's content: where the *code* comes from
is what was written. :func:`written_content` finds, in the function holding a sink's call,
what is written into a file the payload names or reads, so that the project-wide stage
gives the site the origin of that content (request data, model output...).

A file is recognised by the expression that names it, followed through names bound once
in the function, ``str()``/``os.fspath()``/``Path()`` around it, ``open(P)`` (the file
object's path is ``P``) and ``tempfile.NamedTemporaryFile`` (its ``.name``). Only the
function's own calls are read: a file written in another function is not seen (the
origin stays what the call's own payload says).
"""

from __future__ import annotations

import libcst as cst

from auditor.scan.collect import CallSite
from auditor.scan.resolve import Resolver, keyword, positional
from auditor.scan.scopes import Scope

_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open", "os.fdopen"})
_TEMPFILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.SpooledTemporaryFile"})
_MKSTEMPS = frozenset({"tempfile.mkstemp"})
_PATH_WRAPPERS = frozenset(
    {"builtins.str", "os.fspath", "pathlib.Path", "pathlib.PurePath", "os.path.abspath"}
)
_FILE_WRITES = frozenset({"write", "writelines"})
_PATH_WRITES = frozenset({"write_text", "write_bytes"})
_FILE_READS = frozenset({"read", "readlines"})
_PATH_READS = frozenset({"read_text", "read_bytes"})


_CODE = cst.Module(body=())  # generates any node's code (the keys of files)


class _Files:
    def __init__(self, resolver: Resolver, scope: Scope) -> None:
        self.module = _CODE
        self.resolver = resolver
        self.scope = scope

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

    def path_key(self, node: cst.BaseExpression, depth: int = 0) -> str:
        """A key naming the file ``node`` names as a path."""
        if depth > 6:
            return self.module.code_for_node(node)
        if (
            isinstance(node, cst.Call)
            and len(node.args) == 1
            and not node.args[0].star
            and self._qualname(node.func) in _PATH_WRAPPERS
        ):
            return self.path_key(node.args[0].value, depth + 1)
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
        bound = self._bound_once(node)
        if bound is not None:
            return self.path_key(bound, depth + 1)
        if isinstance(node, cst.SimpleString):
            return repr(node.evaluated_value)  # whichever quotes it is written with
        return self.module.code_for_node(node)

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


def written_content(
    payload: list[cst.BaseExpression],
    call: CallSite,
    calls: list[CallSite],
    resolver: Resolver,
) -> list[cst.BaseExpression]:
    """What the function holding ``call`` writes into a file that one of ``payload``'s
    expressions (or an argv list's items) names, or whose content it reads
    (``f.read()``, ``open(p).read()``, ``Path(p).read_text()``)."""
    files = _Files(resolver, call.scope)
    wanted: set[str] = set()
    todo = [(node, 0) for node in payload]
    while todo:
        node, depth = todo.pop()
        items = node.elements if isinstance(node, cst.List | cst.Tuple) else [node]
        for item in items:
            value = item.value if isinstance(item, cst.BaseElement) else item
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
    if not wanted:
        return []
    out: list[cst.BaseExpression] = []
    for other in calls:
        if other.scope is not call.scope or other.node is call.node:
            continue
        found = files.written(other.node)
        if found is not None and found[0] in wanted:
            out.append(found[1])
    return out
