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
from auditor.scan.resolve import Resolver, positional
from auditor.scan.scopes import Scope

_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open", "os.fdopen"})
_TEMPFILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.SpooledTemporaryFile"})
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
        bound = self._bound_once(node)
        if bound is not None:
            return self.path_key(bound, depth + 1)
        if isinstance(node, cst.SimpleString):
            return repr(node.evaluated_value)  # whichever quotes it is written with
        return self.module.code_for_node(node)

    def opened(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        """The key of the file a file object (``open(P)``, a named temporary file) was
        opened on; None when ``node`` is not known to be one."""
        value = self._bound_once(node) if isinstance(node, cst.Name) else node
        if not isinstance(value, cst.Call):
            return None
        name = self._qualname(value.func)
        if name in _TEMPFILES:
            return f"<temporary file {id(value)}>"
        if name in _OPENERS:
            first = positional(value, 0)
            if first is not None:
                return self.path_key(first, depth + 1)
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
    for node in payload:
        items = node.elements if isinstance(node, cst.List | cst.Tuple) else [node]
        for item in items:
            value = item.value if isinstance(item, cst.BaseElement) else item
            if not isinstance(value, cst.Name | cst.Attribute | cst.Call | cst.SimpleString):
                continue
            wanted.add(files.path_key(value))
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                method, receiver = value.func.attr.value, value.func.value
                read_from = None
                if method in _FILE_READS:
                    read_from = files.opened(receiver)
                elif method in _PATH_READS:
                    read_from = files.path_key(receiver)
                if read_from is not None:
                    wanted.add(read_from)
    if not wanted:
        return []
    out: list[cst.BaseExpression] = []
    for other in calls:
        if other.scope is not call.scope or other.node is call.node:
            continue
        func = other.node.func
        content = positional(other.node, 0)
        if not isinstance(func, cst.Attribute) or content is None:
            continue
        method = func.attr.value
        if method in _FILE_WRITES:
            target = files.opened(func.value)
            # a named temporary file written as an object, run by its .name
            if target is not None and target in wanted:
                out.append(content)
        elif method in _PATH_WRITES and files.path_key(func.value) in wanted:
            out.append(content)
    return out
