"""Calls that take a function as a value and call it themselves (rules/handovers.toml):
``Thread(target=f, args=(a,))``, ``asyncio.to_thread(f, a)``, ``pool.map(f, items)``.

What they tell: the arguments the function handed over will receive. A sink handed over is
reported at the call it is handed to (auditor.scan.analyze); a function of the project
handed over is a call of it for the project-wide stage (auditor.scan.summary)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import libcst as cst

from auditor.rules_files import rule_table
from auditor.scan.resolve import keyword
from auditor.scan.strings import string_value


@dataclass(frozen=True, slots=True)
class Handovers:
    rest: frozenset[str]
    map_like: frozenset[str]
    apply_like: frozenset[str]
    target_keywords: frozenset[str]
    # an apply-like call's keywords for the arguments tuple and the keyword arguments dict
    apply_keywords: dict[str, tuple[str, str]] = field(default_factory=dict)
    # calls that only look at what they are given (isinstance): nothing handed to them runs
    inspect_only: frozenset[str] = frozenset()
    # the calls that return the object, or the module, a dotted path given as a string names
    # (``import_string("ops.backup.run")``, ``importlib.import_module(name)``): [lookups]
    by_path: frozenset[str] = frozenset()
    modules: frozenset[str] = frozenset()
    # keywords by which a call only looks at a value (``Mock(spec=subprocess.Popen)``)
    inspect_keywords: frozenset[str] = frozenset()

    def known(self, callee: str) -> bool:
        """Whether a call named ``callee`` (its last name) calls a function handed to it
        positionally with arguments this table can tell."""
        return callee in self.rest or callee in self.map_like or callee in self.apply_like


@functools.cache
def handovers() -> Handovers:
    data = rule_table("handovers.toml")
    return Handovers(
        frozenset(data["rest"]),
        frozenset(data["map-like"]),
        frozenset(data["apply-like"]),
        frozenset(data["target-keywords"]),
        {
            str(callee): (str(names[0]), str(names[1]))
            for callee, names in data.get("apply-keywords", {}).items()
        },
        frozenset(data.get("inspect-only", ())),
        frozenset(data.get("lookups", {}).get("by-path", ())),
        frozenset(data.get("lookups", {}).get("modules", ())),
        frozenset(data.get("inspect-keywords", ())),
    )


def callee_name(node: cst.Call) -> str:
    """The last name of what ``node`` calls ("to_thread" for ``asyncio.to_thread(...)``)."""
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def by_known_protocol(node: cst.Call, arg: cst.Arg) -> bool:
    """Whether the function handed over at ``arg`` is called with arguments the table can
    tell: passed by a target keyword, or positionally to a call the table lists."""
    table = handovers()
    if arg.keyword is not None:
        return arg.keyword.value in table.target_keywords
    return table.known(callee_name(node))


def handed_args(node: cst.Call, position: int, arg: cst.Arg) -> list[cst.Arg]:
    """The arguments the function handed over at ``arg`` (the ``position``-th argument of
    ``node``) will receive."""
    table = handovers()
    if arg.keyword is not None:
        if arg.keyword.value not in table.target_keywords:
            return []  # a protocol not known: the payload is not known
        return _applied(keyword(node, "args"), keyword(node, "kwargs"))
    callee = callee_name(node)
    rest = [a for a in node.args[position + 1 :] if a.keyword is None]
    if callee in table.map_like:  # each item of the next argument, one at a time
        if not rest:
            return []
        item = cst.Subscript(
            value=rest[0].value,
            slice=[cst.SubscriptElement(cst.Index(cst.Name("__item__")))],
        )
        return [cst.Arg(value=item)]
    if callee in table.apply_like:
        if any(a.star for a in node.args[position + 1 :]):
            # Timer(1, f, *rest): what lands in args is not known
            return [cst.Arg(value=a.value, star="*") for a in rest if a.star == "*"]
        names = table.apply_keywords.get(callee)
        args = rest[0].value if rest else None
        kwargs = rest[1].value if len(rest) > 1 else None
        if names is not None:
            args = args if args is not None else keyword(node, names[0])
            kwargs = kwargs if kwargs is not None else keyword(node, names[1])
        return _applied(args, kwargs)
    named = [a for a in node.args if a.keyword is not None and a is not arg]
    return [*rest, *named]


def _applied(args: cst.BaseExpression | None, kwargs: cst.BaseExpression | None) -> list[cst.Arg]:
    """The arguments of ``f(*args, **kwargs)``, the tuple and the dict written out when
    they are."""
    out: list[cst.Arg] = []
    if isinstance(args, (cst.Tuple, cst.List)):
        out += [cst.Arg(value=e.value) for e in args.elements]
    elif args is not None:
        out.append(cst.Arg(value=args, star="*"))
    if isinstance(kwargs, cst.Dict):
        for element in kwargs.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            name = string_value(key) if isinstance(key, cst.SimpleString) else None
            if isinstance(name, str):
                out.append(cst.Arg(value=element.value, keyword=cst.Name(name)))
    elif kwargs is not None:
        out.append(cst.Arg(value=kwargs, star="**"))
    return out
