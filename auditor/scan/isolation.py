"""When a call of auditor's sandbox (``sandbox.run(cmd)``, ``auditor.sandbox.Popen``...) is
really isolated, and what an isolated call gives its payload back.

A call is counted as isolated only when the name it is called through is auditor's sandbox on
every path: a name also bound to something else (``run = subprocess.run`` after ``from
auditor.sandbox import run``, ``except ImportError: import subprocess as sandbox``, ``global
sandbox; sandbox = subprocess`` in a function, ``for sandbox in (subprocess,)``), or whose
attribute this file assigns (``sandbox.run = subprocess.run``) may run on the host; so may a
call given a profile the scan cannot read (``profile=Profile("host", namespaces=())``),
``allow_degraded=`` anything but a constant false, a private option of the sandbox
(``_settings=``, ``_pooled=``: its own, unchecked), or options spread with ``**`` that the
scan cannot read (``**OPTS``, ``**request.get_json()``; a dict written out with constant keys
other than ``allow_degraded`` and ``profile`` is read), and every call when the project's
``[tool.auditor.sandbox]`` sets ``allow_degraded = true``. Such a call is judged as the call it
would be without the sandbox, and says why (recall first: "isolated" is a promise).

An isolated call given the network (``network=`` anything but a constant false), an
environment whose variables are not written out (``env=dict(os.environ)``: the host's
secrets; ``env={"PATH": p}`` names what it passes) or descriptors of the host (``pass_fds=``
anything but an empty tuple or list written out: a host file, a pipe to a host process; a
socket only with ``network=True``, the sandbox refuses it otherwise; so is a ``stdin=``,
``stdout=`` or ``stderr=`` other than ``None``, ``PIPE``, ``DEVNULL`` or ``STDOUT``: an open
host file such as ``~/.bashrc`` for appending) stays isolated, but a
payload chosen at run time is medium and reviewed: it reaches the internet and the host's
loopback services, reads what the environment holds, or uses what the descriptors are open
on (docs/sandbox.md).  So does one whose working directory
is writable (``writable_cwd=`` anything but a constant false) or chosen at run time
(``cwd=request.args["dir"]``): the payload can change files the host reads or runs later
(the project's modules, a script in ``/srv``), or, read-only, reads whatever folder it
names.

An assignment to the sandbox module's attributes made in another file of the project (a
plugin's monkeypatch; not a test file's) is the project-wide stage's to see
(auditor.flow.patches), and so is a module of the project named like the sandbox or its
package (``auditor/sandbox.py``, ``auditor.py``: auditor.flow.shadows), which Python may
import instead of auditor's sandbox: the dotted name alone is trusted here."""

from __future__ import annotations

import libcst as cst

from auditor.scan.collect import Collector
from auditor.scan.payload import Evaluator
from auditor.scan.resolve import Resolver, keyword, literal_string
from auditor.scan.scopes import Scope

# the profiles auditor's sandbox defines (auditor.sandbox.profiles.PROFILES), by name or as
# the module's constants
_PROFILES = frozenset({"standard", "strict"})
_PROFILE_NAMES = frozenset({"auditor.sandbox.STANDARD", "auditor.sandbox.STRICT"}) | frozenset(
    {"auditor.sandbox.profiles.STANDARD", "auditor.sandbox.profiles.STRICT"}
)


def _auditors(sink: str) -> bool:
    return sink.startswith("auditor.sandbox.")


def _root(func: cst.BaseExpression) -> cst.Name | None:
    while isinstance(func, cst.Attribute):
        func = func.value
    return func if isinstance(func, cst.Name) else None


def _code(node: cst.CSTNode) -> str:
    text = cst.Module([]).code_for_node(node)
    return text if len(text) <= 60 else text[:59] + "…"


def isolation_doubt(
    call: cst.Call,
    sink: str,
    scope: Scope,
    resolver: Resolver,
    evaluator: Evaluator,
    collector: Collector | None,
    isolated: frozenset[str],
    project_degraded: bool = False,
) -> str | None:
    """Why this call of the isolated sink ``sink`` may not run isolated, or None.
    ``project_degraded``: the policy's ``[tool.auditor.sandbox]`` sets ``allow_degraded``,
    the default of every call that does not pass it.
    ``isolated``: the names of the isolated sinks (auditor's sandbox, the policy's own
    wrappers) and their dotted prefixes, what the name called through must be bound to."""
    root = _root(call.func)
    if root is not None:
        for binding in scope.lookup(root.value) or ():
            if binding.kind == "import":
                if binding.target not in isolated:
                    return f"`{root.value}` is also imported from `{binding.target}`"
            elif binding.kind == "value" and binding.value is not None:
                if resolver.qualname(binding.value, binding.scope) not in isolated:
                    return f"`{root.value}` is also bound to `{_code(binding.value)}`"
            else:
                return f"`{root.value}` is also bound by a {_KINDS.get(binding.kind, 'statement')}"
        if (
            collector is not None
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in collector.outside_attrs
        ):
            return f"this file assigns an attribute `{call.func.attr.value}` of an object"
    if not _auditors(sink):
        return None  # a wrapper of the policy's: its keywords are its own
    profile = keyword(call, "profile")
    if profile is not None and not _known_profile(profile, scope, resolver):
        return f"a profile the scan cannot read (profile={_code(profile)})"
    for arg in call.args:
        name = arg.keyword.value if arg.keyword is not None else ""
        if name.startswith("_"):  # the sandbox's own (``_settings=``, ``_pooled=``)
            return f"a private option of the sandbox ({name}=), which it does not check"
    degraded = keyword(call, "allow_degraded")
    if degraded is not None:
        value = evaluator.value(degraded, scope)
        if not (value.const and value.truth is False):
            return f"allow_degraded={_code(degraded)} lets it run with less isolation"
    for arg in call.args:
        if arg.star == "**" and not _safe_options(arg.value, scope, evaluator):
            return (
                f"options the scan cannot read (**{_code(arg.value)}) may set "
                "allow_degraded or profile"
            )
    if project_degraded:
        return "the project's [tool.auditor.sandbox] sets allow_degraded = true"
    return None


# the keywords of auditor's sandbox calls that take isolation away (a ``**`` spread whose
# keys are written out may hold any of the others: network, env, cwd are judged as exposure
# only when written as keywords)
_DOUBTFUL_KEYS = frozenset({"allow_degraded", "profile"})


def _safe_options(node: cst.BaseExpression, scope: Scope, evaluator: Evaluator) -> bool:
    """A ``**`` spread written out as a dict with constant keys, none of them one that
    takes isolation away."""
    if not isinstance(node, cst.Dict):
        return False
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return False
        key = evaluator.value(element.key, scope)
        if not key.const or key.text is None or key.text in _DOUBTFUL_KEYS:
            return False
    return True


_KINDS = {
    "iter": "for loop",
    "with": "with statement",
    "param": "parameter",
    "def": "def or class",
    "unpack": "unpacking",
    "augment": "mutation",
    "opaque": "statement",
}


def _known_profile(node: cst.BaseExpression, scope: Scope, resolver: Resolver) -> bool:
    if isinstance(node, cst.Name) and node.value == "None":
        return True
    text = literal_string(node)
    if text is not None:
        return text in _PROFILES
    return resolver.qualname(node, scope) in _PROFILE_NAMES


def _known_keys(node: cst.BaseExpression, scope: Scope, evaluator: Evaluator) -> bool:
    """``env=None`` or a dict written out with constant keys (``{"PATH":
    os.environ["PATH"]}``): the variables the payload gets are the ones named."""
    if isinstance(node, cst.Name) and node.value == "None":
        return True
    if isinstance(node, cst.Dict):
        return all(
            isinstance(element, cst.DictElement) and evaluator.value(element.key, scope).const
            for element in node.elements
        )
    return False


def isolation_exposed(call: cst.Call, sink: str, scope: Scope, evaluator: Evaluator) -> str | None:
    """What an isolated call of auditor's sandbox gives its payload back that the sandbox
    takes away, or None."""
    if not _auditors(sink):
        return None
    given = []
    network = keyword(call, "network")
    if network is not None:
        value = evaluator.value(network, scope)
        if not (value.const and value.truth is False):
            given.append(
                f"with the network (network={_code(network)}): the payload reaches the "
                "internet and the host's loopback services"
            )
    env = keyword(call, "env")
    if env is not None and not _known_keys(env, scope, evaluator):
        given.append(
            f"with an environment chosen at run time (env={_code(env)}): the payload may "
            "read the host's secrets"
        )
    fds = keyword(call, "pass_fds")
    if fds is not None and not (isinstance(fds, cst.Tuple | cst.List) and not fds.elements):
        given.append(
            f"with descriptors of the host (pass_fds={_code(fds)}): the payload reads or "
            "writes what they are open on (a host file, a pipe or socket to a host process)"
        )
    for stream in ("stdin", "stdout", "stderr"):
        handed = keyword(call, stream)
        if handed is not None and not _own_stream(handed, scope, evaluator):
            given.append(
                f"with a descriptor of the host as its {stream} ({stream}={_code(handed)}): "
                "the payload reads or writes what it is open on (a host file, a pipe to a "
                "host process)"
            )
    given += _workdir_exposed(call, scope, evaluator)
    return "; ".join(given) or None


# what a standard stream of a sandbox call may be without a descriptor of the host: the
# sandbox's own pipe, /dev/null, stdout again (``subprocess``'s constants, which auditor's
# sandbox re-exports, and their values)
_OWN_STREAMS = frozenset(
    f"{module}.{name}"
    for module in ("subprocess", "asyncio.subprocess", "auditor.sandbox")
    for name in ("PIPE", "DEVNULL", "STDOUT")
)
_OWN_STREAM_VALUES = frozenset({-1, -2, -3})


def _own_stream(node: cst.BaseExpression, scope: Scope, evaluator: Evaluator) -> bool:
    """``stdin=``/``stdout=``/``stderr=`` ``None``, ``PIPE``, ``DEVNULL`` or ``STDOUT`` (by
    name or value): what the call inherits or the sandbox makes, not a file or a pipe
    opened on the host (``open("/etc/shadow")``, ``os.open(...)``, ``sys.stdout``)."""
    if isinstance(node, cst.Name) and node.value == "None":
        return True
    if evaluator.resolver.qualname(node, scope) in _OWN_STREAMS:
        return True
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.value) in _OWN_STREAM_VALUES
    return False


def _workdir_exposed(call: cst.Call, scope: Scope, evaluator: Evaluator) -> list[str]:
    """What the working directory gives the payload: a writable one (``writable_cwd=``
    anything but a constant false) lets it change the host's files there; one chosen at
    run time (``cwd=`` not a constant) is any folder of the host the value names."""
    writable = keyword(call, "writable_cwd")
    if writable is not None:
        value = evaluator.value(writable, scope)
        if value.const and value.truth is False:
            writable = None
    cwd = keyword(call, "cwd")
    if cwd is not None:
        value = evaluator.value(cwd, scope)
        if value.const or (isinstance(cwd, cst.Name) and cwd.value == "None"):
            cwd = None
    if writable is not None:
        where = (
            f"a working directory chosen at run time (cwd={_code(cwd)})"
            if cwd is not None
            else "its working directory"
        )
        return [
            f"with {where} writable (writable_cwd={_code(writable)}): the payload can change "
            "files the host reads or runs later (modules, scripts)"
        ]
    if cwd is not None:
        return [
            f"with a working directory chosen at run time (cwd={_code(cwd)}): the payload "
            "reads the files of whatever folder it names"
        ]
    return []
