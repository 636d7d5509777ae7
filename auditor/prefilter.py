"""A cheap, sound test run on the standard library's ``ast`` tree before the libcst parse.

The libcst analysis reports a call only when (see ``auditor.resolve`` and ``auditor.analyze``):

1. the call passes ``shell=`` (a possible wrapper), or
2. its callee is an attribute named like an event-loop method sink (``subprocess_shell``), or
3. its callee resolves to a catalogue name. Resolution starts from a name. An unbound name
   resolves only to ``builtins.<name>`` (so ``eval``, ``exec`` or ``__import__`` must appear as
   a name); a bound name resolves only through an ``import``/``from ... import`` of a module
   (so one of the sink modules' root names is imported somewhere in the file), through a
   module-level ``def`` (a project sink defined in this very file), or through an assignment
   whose value itself resolves (which again needs one of the above). The last component of
   the resolved name is the sink's own last component (``run``, ``system``...), and it
   enters the resolution only as an attribute name, an imported name, a bare name, or the
   string literal of ``getattr(mod, "name")``.

So a file none of whose calls passes ``shell=`` or names a method sink, that uses no builtin
sink name, defines no project sink, and either imports no sink module or never mentions a
sink's last component in one of those four places, cannot yield a finding: skipping its
libcst parse changes nothing (:func:`may_report`).

Before that, :func:`text_may_report` runs on the source text, before any parse. Every
identifier above appears in the text as written, except in two ways: a ``getattr`` string
literal may spell the name with escapes or implicit concatenation (so any file that says
``getattr`` goes on to the tree check), and Python folds non-ASCII identifiers to NFKC (so any
non-ASCII file goes on too). A file that fails the text check is not parsed at all: it cannot
run anything this audit is about, so its syntax errors are not reported either.
``tests/scanner/test_prefilter.py`` checks both against the full analysis on real code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.catalogue import Catalogue
from auditor.resolve import BUILTIN_NAMES


@dataclass(frozen=True, slots=True)
class SinkWords:
    roots: frozenset[str]  # root module names of sinks: subprocess, os, asyncio...
    last: frozenset[str]  # last components of sink names: run, system, eval...
    methods: frozenset[str]  # method sinks matched on any receiver
    builtins: frozenset[str]  # builtin sink names usable unbound: eval, exec, __import__
    defined: frozenset[str]  # last components of project sinks (a def in this file)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = self.roots | self.last | self.methods | self.builtins | self.defined
        words |= {"shell", "getattr"}
        alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
        object.__setattr__(self, "pattern", re.compile(rf"\b(?:{alternatives})\b"))

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
        )


def text_may_report(text: str, words: SinkWords) -> bool:
    """False only when the source text provably holds no finding (see the module doc)."""
    if not text.isascii():
        return True
    found = set(words.pattern.findall(text))
    if not found:
        return False
    if found & (words.builtins | words.methods | words.defined | {"shell", "getattr"}):
        return True
    return bool(found & words.roots) and bool(found & words.last)


def may_report(tree: ast.AST, words: SinkWords) -> bool:
    """False only when the full analysis provably reports nothing for this tree."""
    imports_root = False
    mentions_last = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if any(k.arg == "shell" for k in node.keywords):
                return True
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in words.methods:
                return True
        elif isinstance(node, ast.Name):
            if node.id in words.builtins:
                return True
            if node.id in words.last:
                mentions_last = True
        elif isinstance(node, ast.Attribute):
            if node.attr in words.last:
                mentions_last = True
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in words.roots:
                    imports_root = True
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] in words.roots:
                imports_root = True
                if any(a.name in words.last or a.name == "*" for a in node.names):
                    mentions_last = True
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and node.value in words.last:
                mentions_last = True
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name in words.defined
        ):
            return True
        if imports_root and mentions_last:
            return True
    return False
