"""The project-wide stage, between the per-file analysis and the final findings.

It runs in rounds. Each round builds the project (auditor.flow.propagate) from the summaries
at hand and asks for what is missing: the files that call a *derived sink* (a function whose
parameter reaches a sink) but whose calls the per-file stage did not keep, because the text
pre-filter skipped the file or the skeleton dropped the calling function (``call:NAME``),
and the bodies of functions whose return value reaches a sink (``def:NAME``). Those files
are analysed again with those names as markers (cached like any other result), and the next
round sees them. When nothing more is asked (or after a few rounds), each finding gets its
origin, its flow, and, for a derived sink called only with constants, its constant class.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from auditor.file_summary import (
    ALLOW_LIST,
    ANY_ATTR,
    DECORATED,
    OPERATED_METHODS,
    WRAPPERS,
    Arg,
    FileSummary,
    uncut,
)
from auditor.findings import RISK_ORDER, Finding, Step
from auditor.flow.constants import Constants, Imports
from auditor.flow.entry import WORD, Entry, root_of, text_reader
from auditor.flow.module_writes import Write, may_write_by_name, module_writes, same_module
from auditor.flow.propagate import Info, Project, Reach
from auditor.judge.catalogue import Catalogue, Sink, builtin_sinks
from auditor.judge.classify import Flowed, called, reclassify, unfrozen
from auditor.judge.mutators import SETATTR_DUNDER, first_argument_changed
from auditor.judge.policy import Policy
from auditor.judge.sources import RANK, SourceCatalogue, call_check
from auditor.scan.lines import line_end, line_number, line_start
from auditor.scan.suppress import Target, comments_by_line, suppressions

ROUNDS = 4
# The files the rounds may analyse again, over all rounds: at least _REREAD_MIN, or this
# percentage of the scan's files. Without a bound, a large project whose functions have
# common names (``run``, ``handle``, ``serialize``) had nearly every file parsed again
# (django: 2,666 files of 2,818, 93 s against 5 s without the rounds). The minimum decides
# mid-size projects: at 60, open-webui (288 files) lost three critical sites once more sites
# asked for more files in the first round (its route file was left out); at 100, aider's
# slash-command dispatch became "critical" through a chain of over-approximations (a
# constructed object carries its arguments, a method's result its receiver), which the
# budget does not fix: see docs/flow.md, "What it misses".
_REREAD_MIN = 80
# the words of the statements that set an attribute by a name given as a value
_BY_NAME_SETTERS = ("setattr", "__dict__", "vars")
# the methods a call or an operation runs without naming them
_IMPLICIT = OPERATED_METHODS | {"__call__"}
_REREAD_SHARE = 15
# ... or this many files for each file whose text calls a model or a connection (a method
# heuristic of rules/sources.toml: ``model_client.create(``), up to the scan's number of
# files: the chains from where the model's reply enters to a sink take the rounds a few
# files each. A fixed minimum spent itself on the first round's requests in an agent
# framework where most files are near a model (AutoGen, 250 files: the agent that hands
# the model's code blocks to the local executor was asked for in the third round, when
# nothing was left). The four benchmark corpora have few such files: their share decides.
_REREAD_PER_CALLER = 5


# the words of a lookup of a function by a name known at run time (getattr(handlers,
# "cmd_" + op), globals()[name]): a file that says one and the head of a derived sink's name
# may call it, or hand it on (auditor.scan.summary's _looked_up)
_LOOKUP_WORDS = frozenset({"getattr", "globals"})


def _lookup_heads(words: frozenset[str], names: Iterable[str], text: str) -> set[str]:
    """The ``names`` whose head (two letters or more, then ``_``: ``cmd_``, ``do_``) starts
    a string of ``text`` and is continued at run time (``"cmd_" + op``, ``f"cmd_{op}"``,
    ``"cmd_%s" % op``), in a file that looks functions up by name (``words``, its words)."""
    out = set()
    for name in names:
        cut = name.find("_", 2)
        while cut > 0:
            head = name[: cut + 1]
            if head in words and re.search(rf"""['"]{re.escape(head)}(?:['"]|\{{|%)""", text):
                out.add(name)
                break
            cut = name.find("_", cut + 1)
    return out


def _params_of(labels: Iterable[tuple[object, ...]]) -> Iterable[str]:
    for label in labels:
        if label[0] in WRAPPERS:
            yield from _params_of([label[-1]])  # type: ignore[list-item]
        elif label[0] == "p":
            yield str(label[1])


def build(
    entries: list[Entry], unseen: frozenset[str] = frozenset(), *, propagate: bool = True
) -> tuple[Project, list[int]]:
    """The project over every entry with a summary; and, for each project file, the index
    of its entry. ``unseen``: see :class:`Project`. The propagation (``Project.run``, most
    of the cost) only when ``propagate``: what the rounds ask for is read from the
    project's structure (its calls, targets, returns), never from the propagated values,
    so only the last build of the rounds needs them."""
    files = []
    owners = []
    for index, entry in enumerate(entries):
        if entry.result.summary is not None:
            files.append((entry.shown, entry.result.summary))
            owners.append(index)
    project = Project(files, unseen)
    if propagate:
        project.run()
    return project, owners


def derived_sinks(project: Project) -> set[str]:
    """The functions whose parameter reaches a sink's payload, directly, through the
    values other project functions return, or through other derived sinks (global ids)."""
    memo: dict[tuple[int, int], frozenset[str]] = {}
    attrs: dict[tuple[str, str], frozenset[str]] = {}  # (class, attribute) -> as memo

    def depends(index: int, labels: Iterable[tuple[object, ...]], depth: int = 0) -> set[str]:
        """The functions (global ids) whose parameters the labels depend on."""
        out: set[str] = set()
        for label in labels:
            kind = label[0]
            if kind in WRAPPERS:
                out |= depends(index, [label[-1]], depth)  # type: ignore[list-item]
            elif kind == "p":
                out.add(project.gid(index, str(label[1])))
            elif kind == "c" and depth < 8:
                key = (index, int(label[1]))  # type: ignore[call-overload]
                if key not in memo:
                    memo[key] = frozenset()  # a cycle: what is known so far
                    memo[key] = frozenset(_through_call(index, key[1], depth))
                out |= memo[key]
            elif kind == "a" and depth < 8:
                # an instance attribute: what the methods of its class (or of a base or
                # subclass) assign to it, ``self.command = command`` in ``__init__``
                gid = project.gid(index, str(label[1]))
                attr = str(label[2])
                if (gid, attr) not in attrs:
                    attrs[(gid, attr)] = frozenset()  # a cycle: what is known so far
                    found: set[str] = set()
                    for name in {attr, ANY_ATTR}:  # (a name known at run time: any)
                        for cls in project.attr_family(gid, name):
                            other = project.classes.get(cls)
                            if other is not None:
                                assigned = other[1].attrs.get(name, ())
                                found |= depends(other[0], assigned, depth + 1)
                    attrs[(gid, attr)] = frozenset(found)
                out |= attrs[(gid, attr)]
        return out

    def _through_call(index: int, number: int, depth: int) -> set[str]:
        call = project.files[index][1].calls[number]
        target = project.targets.get((index, number))
        passed = [*call.args, *call.kwargs.values(), Arg(call.spread, False)]
        if call.receiver is not None:
            passed.append(call.receiver)
        if target is None:
            if call.fallback_only:  # the model's reply: none of what its prompt carries
                return set()
            return depends(index, (x for a in passed for x in a.labels), depth + 1)
        out: set[str] = set()
        if (index, number) in project.constructors:  # the object carries its arguments
            out |= depends(index, (x for a in passed for x in a.labels), depth + 1)
        for gid in target.functions:
            callee_index, function = project.functions[gid]
            returned = {str(uncut(x)[1]) for x in function.returns if uncut(x)[0] == "p"}
            if returned or not function.complete or function.abstract:
                # what the call passes reaches the result: its dependencies are the caller's
                out |= depends(index, (x for a in passed for x in a.labels), depth + 1)
            others = [x for x in function.returns if uncut(x)[0] != "p"]
            out |= depends(callee_index, others, depth + 1)
        return out

    derived: set[str] = set()
    for index, (_, summary) in enumerate(project.files):
        for site in summary.sites:
            derived |= depends(index, site.labels)
    # a decorator's wrapper calling the function it wraps (``fn(*args)``): what a call of a
    # decorated function passes reaches the wrapper's parameters (Project._wrappers_called)
    wrapping = [
        (project.gid(index, call.caller), project.targets.get((index, number)))
        for index, (_, summary) in enumerate(project.files)
        for number, call in enumerate(summary.calls)
        if call.callee.startswith(DECORATED) and call.caller
    ]
    changed = True
    while changed:
        changed = False
        for wrapper, wrapped in wrapping:
            if wrapped is not None and wrapper in derived:
                fresh = set(wrapped.functions) - derived
                changed = changed or bool(fresh)
                derived |= fresh
        for (index, number), target in project.targets.items():
            if target is None or not derived.intersection(target.functions):
                continue
            call = project.files[index][1].calls[number]
            passed = [*call.args, *call.kwargs.values(), Arg(call.spread, False)]
            for gid in depends(index, (x for a in passed for x in a.labels)):
                if gid not in derived:
                    derived.add(gid)
                    changed = True
    return {gid for gid in derived if gid in project.functions}


_TYPING_MODULES = frozenset({"typing", "typing_extensions"})  # where ``Protocol`` is imported from
_PROTOCOL_CLASS = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\([^)]*\bProtocol\b", re.MULTILINE)
_MIN_MENTIONS = 30  # files a derived sink's name may be said in, at least ...
_MENTIONS_SHARE = 5  # ... or this percentage of the scan's files
_WORD = WORD


class Planner:
    """Decides, round after round, which files the per-file stage must read again, and
    for what. It keeps what it learnt: each file's words, which files are near sources,
    which derived sinks some call is known to pass a non-constant to."""

    def __init__(
        self,
        entries: list[Entry],
        text_of: Callable[[Entry], str | None],
        sinks: tuple[Sink, ...] = (),
    ) -> None:
        self.entries = entries
        self.text_of = text_of
        self.sinks = sinks  # the policy's own sinks, beside the catalogue's
        self._words: dict[int, frozenset[str]] = {}
        self._binds: dict[tuple[int, str], bool] = {}
        self._budget: int | None = None
        self._index: dict[str, list[int]] | None = None
        self._eligible: set[int] | None = None
        self.closed: set[str] = set()  # some call passes a non-constant (or hands it over)
        self.skipped: set[str] = set()  # said in too many files to be followed by its text
        # said in too many files, followed only where its class is named too
        self.narrowed: set[str] = set()
        # names some file far from sources calls, always with literals (checked with ast)
        self.external: set[str] = set()
        self._checked: set[tuple[str, int]] = set()
        self.reread = 0  # files analysed again, over the rounds
        # (entry, "def:Class") asked for a base class of the project's classes: read first
        # in a round, since every call of its abstract methods turns on it
        self.bases_asked: set[tuple[int, str]] = set()
        # the files that import a sink under a project module's name for it, and the
        # ``sink:`` requests that make them see it (auditor.flow.aliases): asked in the first
        # round, whatever the budget (a call of such an alias is a finding, not an origin)
        self._aliases: dict[int, set[str]] | None = None
        # names of functions called in files the rounds did not read for them (said in too
        # many files, or beyond the budget, or asked for after the last round)
        self.unseen: set[str] = set()
        # (file, "call:NAME") asked because the file says a head of NAME (_lookup_heads)
        self.head_asks: set[tuple[int, str]] = set()
        self._constants: Constants | None = None  # other modules' constants, on first use
        self._writers: Writers | None = None  # who writes other modules' globals, on first use
        # (module, names, entry) -> the files that write those names of the module
        self._writer_files: dict[tuple[str, tuple[str, ...], int], list[int]] = {}
        self._imports_of: dict[int, Imports] = {}

    def budgeted(self, asked: dict[int, frozenset[str]]) -> dict[int, frozenset[str]]:
        """``asked`` within what is left of the rounds' budget of files analysed again:
        first the files asked for a function's body (``def:``, the functions whose return
        value or parameters a flow goes through), then those asked for calls of the fewest
        names, in the order of the scan. The calls left out are noted in ``unseen``."""
        left = max(0, self.budget() - self.reread)
        # the files read for a sink's alias are findings, not origins: outside the budget
        aliased = {
            n for n in asked if any(x.startswith("sink:") for x in asked[n] - self.entries[n].extra)
        }
        if len(asked) - len(aliased) > left:

            def rank(number: int) -> tuple[bool, bool, bool, bool, int, int]:
                new = asked[number] - self.entries[number].extra
                base = any((number, x) in self.bases_asked for x in new)
                # last, the files asked only because they say a head of the names
                # (_lookup_heads): a lookup handed on there is the least likely caller
                head = all((number, x) in self.head_asks for x in new)
                defs = any(x.startswith("def:") for x in new)
                # first the calls of a function of the file itself (a helper's callers
                # next to it: the nearest, most often its only callers)
                summary = self.entries[number].result.summary
                own = summary is not None and any(
                    x.startswith("call:") and x[5:] in _defined(summary) for x in new
                )
                return (head, not base, not own, not defs, len(new), number)

            kept = aliased | set(sorted(set(asked) - aliased, key=rank)[:left])
            self.not_read({n: extra for n, extra in asked.items() if n not in kept})
            asked = {number: asked[number] for number in sorted(kept)}
        self.reread += len(set(asked) - aliased)
        return asked

    def budget(self) -> int:
        """The files the rounds may analyse again, over all rounds (see _REREAD_MIN)."""
        if self._budget is None:
            count = len(self.entries)
            budget = max(_REREAD_MIN, count * _REREAD_SHARE // 100)
            if budget < count:  # else no file calling a model can raise it
                check = call_check()
                callers = sum(
                    1
                    for number, entry in enumerate(self.entries)
                    if check.matches(self.words(number), self.text_of(entry) or "")
                )
                budget = max(budget, min(count, callers * _REREAD_PER_CALLER))
            self._budget = budget
        return self._budget

    def not_read(self, asked: dict[int, frozenset[str]]) -> None:
        """Note the calls ``asked`` for and not read: their functions' parameters may
        receive anything from them."""
        for number, extra in asked.items():
            for item in extra - self.entries[number].extra:
                kind, _, name = item.partition(":")
                if kind == "call":
                    self.unseen.add(name)

    def words(self, number: int) -> frozenset[str]:
        found = self._words.get(number)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            found = self._words[number] = frozenset(_WORD.findall(text))
        return found

    def saying(self, word: str) -> list[int]:
        """The entries whose text holds ``word``, in the order of the scan (one index of
        every file's words, built on first use)."""
        if self._index is None:
            index: dict[str, list[int]] = {}
            for number in range(len(self.entries)):
                for found in self.words(number):
                    index.setdefault(found, []).append(number)
            self._index = index
        return self._index.get(word, [])

    def _ask_base(
        self, base: str, modules: dict[str, int], wanted: dict[int, set[str]], hops: int = 0
    ) -> None:
        """Ask for the class ``base`` (a dotted name) in the project module that defines it,
        following re-exports (``from ._base import CodeExecutor`` in a package's
        ``__init__``) through the modules already read."""
        parts = base.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            owner = modules.get(".".join(parts[:cut]))
            if owner is None:
                continue
            name = parts[cut]
            summary = self.entries[owner].result.summary
            if summary is None:
                extra = f"def:{name}"
                if name.isidentifier() and extra not in self.entries[owner].extra:
                    wanted.setdefault(owner, set()).add(extra)
                    self.bases_asked.add((owner, extra))
            elif cut == len(parts) - 1 and name not in summary.classes and hops < 4:
                target = summary.exports.get(name)
                if target is not None and target != base:
                    self._ask_base(target, modules, wanted, hops + 1)
            break

    def alias_requests(self) -> dict[int, set[str]]:
        """The ``sink:`` requests of the files that import a sink under the name a module of
        the project gives it (auditor.flow.aliases), computed once."""
        if self._aliases is not None:
            return self._aliases
        from auditor.flow import aliases
        from auditor.scan.discover import module_name

        self._aliases = {}
        catalogue = Catalogue(builtin_sinks() + self.sinks)
        last = aliases.bound_words(catalogue)
        candidates = []
        for number, entry in enumerate(self.entries):
            text = self.text_of(entry)
            if not text or not aliases.may_bind(text, self.words(number), last):
                continue
            here = module_name(entry.rel, _root(entry))
            if not here:
                continue
            package = entry.rel.endswith(("__init__.py", "__init__.pyw"))
            # read by the worker with the file's analysis, when it was (the same text)
            held = entry.result.bindings
            found = list(held) if held is not None else aliases.bindings(text, here, package)
            if found:
                candidates.append((here, found))
        table = aliases.Aliases(catalogue)
        table.collect(candidates)
        members = table.members()
        if members:
            self._aliases = aliases.importer_requests(
                members,
                _modules(self.entries),
                len(self.entries),
                self.words,
                lambda number: self.text_of(self.entries[number]) or "",
                lambda number: (
                    module_name(self.entries[number].rel, _root(self.entries[number])),
                    self.entries[number].rel.endswith(("__init__.py", "__init__.pyw")),
                ),
            )
        return self._aliases

    def eligible(self) -> set[int]:
        if self._eligible is None:
            self._eligible = _near_sources(self.entries, self.text_of, self.words)
        return self._eligible

    def passes_constants(self, name: str, number: int) -> int | None:
        """How many calls of a function named ``name`` the file holds, when every one passes
        literals and the name is never used otherwise (handed over as a value, imported
        under another name...); None when that is not so. Read from the text, for the files
        far from sources, which libcst does not read again: each call's arguments are parsed
        alone. By name and by text, so on the safe side: a call of another function of that
        name, or the name in a comment, counts too."""
        text = self.text_of(self.entries[number]) or ""
        count = 0
        for match in re.finditer(rf"\b{re.escape(name)}\b", text):
            start, end = match.span()
            if _DEFINITION.search(text, max(0, start - 40), start):
                continue  # its definition
            paren = _OPEN_CALL.match(text, end)
            if paren is not None:
                args = _arguments(text, paren.end() - 1)
                known = functools.partial(self._reads_constant, number)
                if args is None or not _literal_call(args, known):
                    return None
                count += 1
                continue
            line = text[line_start(text, start) : line_end(text, end)]
            if _IMPORT_LINE.match(line) and not re.search(rf"\b{re.escape(name)}\s+as\b", line):
                continue  # imported under its own name
            return None  # any other use: a value, an alias, an attribute read
        return count

    def _reads_constant(self, number: int, written: str) -> bool:
        """Whether the name ``written`` (``CMD``, ``consts.CMD``) reads, in the file, a
        constant of another module of the project (auditor.flow.constants.Imports)."""
        imports = self._imports_of.get(number)
        if imports is None:
            local = re.escape(written.partition(".")[0])
            text = self.text_of(self.entries[number]) or ""
            if not re.search(
                rf"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b(?:[ \t]*\([^)]*|[^\n]*)\b{local}\b"
                rf"|import\b[^\n]*\b{local}\b)",
                text,
                re.MULTILINE,
            ):
                return False  # not imported under that name: no parse of the file
            from auditor.scan.discover import module_name

            entry = self.entries[number]
            imports = self._imports_of[number] = Imports(
                self.text_of(entry) or "",
                module_name(entry.rel, _root(entry)),
                entry.rel.endswith(("__init__.py", "__init__.pyw")),
            )
        if self._constants is None:
            self._constants = self._make_constants()
        return imports.reads_constant(written, self._constants)

    def _ask_naming(
        self,
        project: Project,
        word: str,
        cls: str,
        extra: str,
        budget: int,
        wanted: dict[int, set[str]],
        anywhere: bool = False,
    ) -> None:
        """Ask ``extra`` of the files not read in full that say ``word`` and the name of
        class ``cls`` (a global id), a subclass or a module-level instance of one (or,
        ``anywhere``, that say ``word``); none when ``word`` is said in more such files
        than ``budget`` (too common to follow by its text)."""
        if not word.isidentifier():
            return
        classes = {n for n in _class_names(project, cls) if n.isidentifier()}
        where = [n for n in self.saying(word) if anywhere or self.words(n) & classes]
        if len(where) > budget:
            return
        defined = extra[4:] if extra.startswith("def:") else None
        for number in where:
            entry = self.entries[number]
            summary = entry.result.summary
            if summary is not None and all(f.complete for f in summary.functions.values()):
                continue  # every body was analysed: it holds every assignment and def
            if defined is not None and not self.binds(number, defined):
                continue  # it says ``word`` only as an attribute (``self.assertEqual``)
            if extra not in entry.extra:
                wanted.setdefault(number, set()).add(extra)

    def binds(self, number: int, name: str) -> bool:
        """Whether the text of entry ``number`` may bind ``name``: it says it once not as
        an attribute (``def name``, ``class name``, ``name =``, an import, a string given
        to ``setattr``). A file that says it only after a dot (``self.name(...)``) defines
        no function or class of that name."""
        key = (number, name)
        found = self._binds.get(key)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            bare = re.compile(rf"(?<![.\w]){re.escape(name)}(?!\w)")
            found = self._binds[key] = bare.search(text) is not None
        return found

    def _protocols_of(self, name: str, budget: int, wanted: dict[int, set[str]]) -> None:
        """Ask ``def:name`` of the files no round has analysed that may declare a protocol
        with a method ``name``: they say ``typing`` (or ``typing_extensions``) and, in
        their text, a class deriving from ``Protocol`` and a ``def name(`` (none when there
        are more than ``budget`` of them). An analysed file's classes are known already."""
        definition = re.compile(rf"\bdef[ \t]+{re.escape(name)}[ \t]*\(")
        where = []
        for number in self.saying("Protocol"):
            words = self.words(number)
            if self.entries[number].result.summary is not None or name not in words:
                continue
            if not words & _TYPING_MODULES:
                continue
            text = self.text_of(self.entries[number]) or ""
            if _PROTOCOL_CLASS.search(text) and definition.search(text):
                where.append(number)
        if len(where) > budget:
            return
        for number in where:
            if f"def:{name}" not in self.entries[number].extra:
                wanted.setdefault(number, set()).add(f"def:{name}")

    def _declared_body(
        self, project: Project, gid: str, wanted: dict[int, set[str]], owners: list[int]
    ) -> None:
        """Method ``gid``, called, whose body the skeleton dropped: when it may be only
        declared (a protocol's method, or one a project subclass overrides: a hook such as
        ``def run(self, cmd): raise NotImplementedError``), its file is asked for it, to
        know whether the call runs the implementations or overrides."""
        index, function = project.functions[gid]
        if function.complete or function.cls is None:
            return
        cls = project.gid(index, function.cls)
        if cls not in project.protocols and not project.overridden(gid):
            return
        number = owners[index]
        extra = f"def:{function.key.rsplit('.', 1)[-1]}"
        if extra not in self.entries[number].extra:
            wanted.setdefault(number, set()).add(extra)

    def requests(self, project: Project, owners: list[int]) -> dict[int, frozenset[str]]:
        """What each entry must be analysed again for (entry index -> its new ``extra``)."""
        entries = self.entries
        wanted: dict[int, set[str]] = {}
        for number, asks in self.alias_requests().items():
            if asks - entries[number].extra:
                wanted.setdefault(number, set()).update(asks)
        # function name -> the names a file must also say to call it: the classes of the
        # methods of that name (theirs and their subclasses'), "" for a plain function (the
        # name alone is enough)
        names: dict[str, set[str]] = {}
        constant = project.constant_params()
        open_names: set[str] = set()  # every visible call may still pass constants
        derived = derived_sinks(project)
        for gid in derived:
            index, function = project.functions[gid]
            name = function.key.rsplit(".", 1)[-1]
            said = [name]
            if function.cls is not None and name == "__init__":
                # a constructor is called by its class's name (or a subclass's), never as
                # ``__init__``: ``InputOutput(notifications_command=args.command)``
                said = sorted(set(_class_family(project, gid[: -len(".__init__")]).values()))
                for cls in said:
                    names.setdefault(cls, set()).add("")
            else:
                needs = names.setdefault(name, set())
                if function.cls is None or function.kind == "function":
                    needs.add("")
                else:
                    needs |= _class_names(project, gid.rsplit(".", 1)[0])
                    # a call on the type of a base or a protocol that declares it abstract
                    # runs it too (``self.env.execute(action)`` with ``env: Environment``)
                    needs |= {c.rsplit(".", 1)[-1] for c in project.dispatching(gid)}
            params = [p for p in function.params if (gid, p) in constant]
            if not project.callers.get(gid) or params:
                open_names.update(said)
        # a derived decorator's wrapper: the functions it decorates are where its name is
        # said (``@shell_command``), in files no round may have read yet
        for index, (_, read) in enumerate(project.files):
            for call in read.calls:
                if (
                    call.callee.startswith(DECORATED)
                    and call.caller
                    and project.gid(index, call.caller) in derived
                ):
                    names.setdefault(call.callee.rsplit(".", 1)[-1], set()).add("")
                    # (a decorator nested in a factory, ``@shell("x")``: the factory's name)
                    factory = call.callee[len(DECORATED) :].rpartition(".")[0]
                    made_by = project.resolve(factory) if "." in factory else None
                    if made_by is not None and made_by.shift == 0:
                        names.setdefault(factory.rsplit(".", 1)[-1], set()).add("")
        open_names -= self.closed
        if names:
            eligible = self.eligible()
            mentions: dict[str, list[int]] = {}
            typed: dict[str, list[int]] = {}
            by_head: set[tuple[str, int]] = set()  # (name, file) said by its head only
            for number in range(len(entries)):
                words = self.words(number)
                looked = set()
                if words & _LOOKUP_WORDS:
                    looked = _lookup_heads(words, names, self.text_of(entries[number]) or "")
                by_head.update((name, number) for name in looked - words)
                for name in (words & names.keys()) | looked:
                    mentions.setdefault(name, []).append(number)
                    if "" in names[name] or words & names[name]:
                        typed.setdefault(name, []).append(number)
                for name in _IMPLICIT & names.keys():
                    if words & names[name] and name not in words:
                        # an instance called (or operated on: ``r[k]`` runs its class's
                        # ``__getitem__``) is called under any name: where its class is named
                        mentions.setdefault(name, []).append(number)
            # a name said in too many files (get, run, default) cannot be followed by its
            # text: the origin of such a derived sink stays what its own file says. For a
            # method, the files that also name its class (or a subclass, or an instance
            # made at module level) may still be few enough: a file that names none of them
            # seldom types a receiver as one
            budget = max(_MIN_MENTIONS, len(entries) * _MENTIONS_SHARE // 100)
            for name, where in list(mentions.items()):
                if len(where) > budget:
                    # the files that only say its head (``"get_" + x``, a common one) are
                    # not worth losing the name for: the lookups they call are read anyway
                    # (a call by a name known at run time keeps its body); only a lookup
                    # handed on there is then missed
                    where = mentions[name] = [n for n in where if (name, n) not in by_head]
                if len(where) > budget:
                    narrowed = typed.get(name, [])
                    if "" not in names[name] and len(narrowed) <= budget:
                        mentions[name] = narrowed
                        self.narrowed.add(name)  # read for origins, never taken as constant
                        # a protocol that declares the method is named where it is called
                        # instead of the class: the files that may declare one are read for
                        # it, so that the next round knows the protocol's name
                        self._protocols_of(name, budget, wanted)
                    else:
                        self.skipped.add(name)
                        self.unseen.add(name)
            for name, where in mentions.items():
                if name in self.skipped:
                    continue
                for number in where:
                    entry = entries[number]
                    extra = f"call:{name}"
                    if extra in entry.extra:
                        continue
                    summary = entry.result.summary
                    if summary is not None and all(f.complete for f in summary.functions.values()):
                        continue  # every body was analysed: it holds every call it makes
                    if number not in eligible and (name, number) not in by_head:
                        # (a lookup by a name known at run time, its head said, may give
                        # it: what becomes of it the text check cannot tell, libcst reads it)
                        # far from sources: a call there can only pass values from inside
                        # the program; whether all pass constants is checked without libcst,
                        # while no visible call passes something else
                        if name not in open_names or (name, number) in self._checked:
                            continue
                        self._checked.add((name, number))
                        calls = self.passes_constants(name, number)
                        if calls is None:
                            self.closed.add(name)
                            open_names.discard(name)
                        elif calls:
                            self.external.add(name)
                        continue
                    wanted.setdefault(number, set()).add(extra)
                    if (name, number) in by_head:
                        self.head_asks.add((number, extra))
        eligible = self.eligible()
        for gid in project.wanted():
            index, function = project.functions[gid]
            number = owners[index]
            extra = f"def:{function.key.rsplit('.', 1)[-1]}"
            if extra not in entries[number].extra:
                wanted.setdefault(number, set()).add(extra)
        # the instance attributes a payload reads (``for c in self.shell_commands``): the
        # files that name the attribute and the class or a subclass may set it in a method
        # the per-file stage dropped, or hold a subclass it never parsed (a coder's subclass
        # in another file putting the model's reply there): their assignments are wanted
        budget = max(_MIN_MENTIONS, len(entries) * _MENTIONS_SHARE // 100)
        for gid, attr in sorted(project.read_attrs):
            # (by its name, or by a name known at run time: ``setattr(self, k, v)``,
            # ``vars(self).update(kw)``, ``self.__dict__[k] = v``)
            for word in (attr, *_BY_NAME_SETTERS):
                self._ask_naming(project, word, gid, f"set:{attr}", budget, wanted)
        # the abstract methods a payload's value comes from: a subclass's override runs, and
        # a subclass may be in a file no round has parsed (an LLM backend's ``submit_prompt``
        # in its own module): the files that name the method and the class or a known
        # subclass are asked for its ``def`` (one that only names them is not parsed)
        # (of a protocol's method, the files that say the method's name: a class need not
        # name the protocol to implement it)
        for gid in sorted(project.abstract_reached):
            cls, _, name = gid.rpartition(".")
            anywhere = cls in project.protocols
            self._ask_naming(project, name, cls, f"def:{name}", budget, wanted, anywhere)
        # calls of a function of a project file the per-file stage did not parse (no sink in
        # it): its return value may carry a source (an LLM client's wrapper)
        modules = _modules(entries)
        for (index, number), target in project.targets.items():
            if target is not None:
                # a protocol's method (or one a subclass overrides) whose body the
                # skeleton dropped: its file is asked for it, to know it is only declared
                # (and so run the implementations or the overrides)
                self._declared_body(project, target.function, wanted, owners)
                continue
            callee = project.files[index][1].calls[number].callee
            parts = callee.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                owner = modules.get(".".join(parts[:cut]))
                if owner is None:
                    continue
                summary = entries[owner].result.summary
                name = parts[cut].removesuffix("()")
                if cut + 1 < len(parts):  # Class().method or Class.method
                    name = parts[cut + 1].removesuffix("()")
                elif callee.endswith("()"):
                    name = "__call__"  # an instance called
                elif summary is not None and any(k == name for k in summary.classes):
                    name = "__init__"
                extra = f"def:{name}"
                near = owner in eligible
                if name.isidentifier() and extra not in entries[owner].extra and near:
                    wanted.setdefault(owner, set()).add(extra)
                break
        # the bases of the project's classes that name a module of the project no round has
        # parsed: a package's __init__ that re-exports the base (``from .base import
        # VannaBase``) holds no sink; its imports say which class it is, and so which
        # subclasses' overrides a call of an abstract method runs
        # (and, once that __init__ is read, the module it re-exports the base from)
        for _, klass in project.classes.values():
            for base in klass.bases:
                if project.class_id(base) is not None:
                    continue
                self._ask_base(base, modules, wanted)
        # the constructors of the classes whose fields a sink reads (``exec(self.code)``
        # in a pydantic model): their keywords are what the fields hold
        constructed: set[str] = set()
        for gid in _fields_read(project):
            constructed |= {n for n in _class_names(project, gid) if n.isidentifier()}
        if constructed:
            eligible = self.eligible()
            for number in eligible:
                summary = entries[number].result.summary
                if summary is not None and all(f.complete for f in summary.functions.values()):
                    continue
                for name in self.words(number) & constructed:
                    if f"call:{name}" not in entries[number].extra:
                        wanted.setdefault(number, set()).add(f"call:{name}")
        # the classes of the fields read (``req.level``) whose file has no summary yet (a
        # field declared ``int`` there is converted), and the bases of the classes whose
        # methods hold a sink (a tool's base class of the project derives from a framework's
        # tool base: its methods' parameters are then the model's)
        for name in _field_classes(project) | _site_bases(project):
            if project.constructed(name) is not None:
                continue
            module, _, cls = name.rpartition(".")
            owner = modules.get(module)
            if owner is not None and f"def:{cls}" not in entries[owner].extra:
                wanted.setdefault(owner, set()).add(f"def:{cls}")
        # the globals of a module and the class attributes a payload reads that another
        # file may write, in place or not (``backup.RSYNC.extend(x)``, ``from backup import
        # RSYNC`` then ``RSYNC[0] = x``, ``cfg.Settings.CMD = x``), and the allow-lists a
        # check reads (``settings.ALLOWED_CMDS.append(x)``): the files that may write them
        # are asked for those statements (``put:NAME``), to know what they write
        self._ask_writers(project, owners, budget, wanted)
        # the names a site imports from another module of the project that would make it
        # more constant (``from .consts import SCRIPT``): when each is bound once to a
        # constant there, the file is asked again with their values (auditor.flow.constants)
        for index, (_, summary) in enumerate(project.files):
            number = owners[index]
            markers = self.constant_markers(summary, index, project, derived)
            if markers - entries[number].extra:
                wanted.setdefault(number, set()).update(markers)
        return {
            number: entries[number].extra | frozenset(extra) for number, extra in wanted.items()
        }

    def _ask_writers(
        self, project: Project, owners: list[int], budget: int, wanted: dict[int, set[str]]
    ) -> None:
        """See :meth:`requests`: ``put:NAME`` of the files that may write what a site's
        payload reads of another module (its constant's module-level names, the names it
        imports, an allow-list it is checked against)."""
        writers = self.writers()
        targets: set[str] = set()
        for index, (_, summary) in enumerate(project.files):
            own = owners[index]
            for site in summary.sites:
                if site.names:
                    last = summary.module.rsplit(".", 1)[-1]
                    key = (summary.module, site.names, own)
                    found = self._writer_files.get(key)
                    if found is None:
                        found = self._writer_files[key] = [
                            n for n, _ in writers.writers(summary.module, site.names, own)
                        ]
                    for number in found:
                        # (and the names the file binds them to: ``from backup import
                        # RSYNC as R``, then ``R.append(x)``)
                        changed = writers._from_imported(number, last)
                        local = [b for n, b, _ in changed if n in site.names]
                        self._ask_put(number, [*site.names, *local], wanted)
                targets.update(site.imports)
                for note in _allow_lists(site.labels):
                    code = note[len(ALLOW_LIST) :]
                    root, _, rest = code.partition(".")
                    base = summary.exports.get(root)
                    if base is not None and rest:
                        targets.add(f"{base}.{rest}")
                    elif base is None and not rest and summary.module:
                        targets.add(f"{summary.module}.{root}")  # the module's own list
        modules = _modules(self.entries)
        for target in sorted(targets):
            module, _, name = target.rpartition(".")
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if not module or not name.isidentifier():
                continue  # not a module of the scan
            last = module.rsplit(".", 1)[-1]
            where = [n for n in self.saying(name) if last in self.words(n)]
            if len(where) > budget:
                continue
            for number in where:
                self._ask_put(number, (name,), wanted)

    def writers(self) -> Writers:
        """Who writes other modules' globals (:class:`Writers`), made on first use and
        shared by the rounds, the constants and :func:`apply`: it reads only the files'
        text, which the rounds do not change."""
        if self._writers is None:
            self._writers = Writers(self.entries, self.text_of)
        return self._writers

    def _ask_put(self, number: int, names: Iterable[str], wanted: dict[int, set[str]]) -> None:
        entry = self.entries[number]
        summary = entry.result.summary
        if summary is not None and all(f.complete for f in summary.functions.values()):
            return  # every body was analysed: it holds every write
        for name in names:
            if f"put:{name}" not in entry.extra:
                wanted.setdefault(number, set()).add(f"put:{name}")

    def constant_markers(
        self, summary: FileSummary, index: int, project: Project, derived: set[str]
    ) -> set[str]:
        """The ``const:NAME=EXPR`` requests for the sites of a file (project file
        ``index``), and the arguments its calls of derived sinks pass, whose every imported
        name they record (``Site.imports``, ``Arg.imports``) is another module's constant."""
        wanted: list[tuple[str, ...]] = [s.imports for s in summary.sites if s.imports]
        for number, call in enumerate(summary.calls):
            target = project.targets.get((index, number))
            if target is None or not derived.intersection(target.functions):
                continue
            wanted += [a.imports for a in (*call.args, *call.kwargs.values()) if a.imports]
        out: set[str] = set()
        for names in wanted:
            if self._constants is None:
                self._constants = self._make_constants()
            found = [(name, self._constants.expression(name)) for name in names]
            # a name its module never binds (read through ``from m import *``): the star
            # import does not bind it again (``unbound:``)
            unbound = {n for n, value in found if value is None and self._constants.unbound(n)}
            if all(value is not None or n in unbound for n, value in found):
                out.update(f"const:{n}={value}" for n, value in found if value is not None)
                out.update(f"unbound:{n}" for n in sorted(unbound))
        return out

    def constants(self) -> Constants:
        """The other modules' constants (auditor.flow.constants), made on first use."""
        if self._constants is None:
            self._constants = self._make_constants()
        return self._constants

    def _make_constants(self) -> Constants:
        modules = _modules(self.entries)
        writers = self.writers()

        def module_text(name: str) -> tuple[str, bool] | None:
            number = modules.get(name)
            if number is None:
                return None
            entry = self.entries[number]
            text = self.text_of(entry)
            if text is None:
                return None
            return text, entry.rel.endswith(("__init__.py", "__init__.pyw"))

        def assigned_elsewhere(module: str, name: str) -> Step | None:
            own = modules.get(module)
            if own is None:  # not a module of the scan: never asked (its text is unknown)
                return Step("", 0, 0, f"{module} is not a module of the scan", "written")
            return writers.writer(module, [name], own)

        def shown(module: str) -> str:
            number = modules.get(module)
            return self.entries[number].shown if number is not None else module

        def mutated(name: str) -> bool:
            pattern = re.compile(
                rf"\b{re.escape(name)}\s*(?:\.\s*[A-Za-z_]\w*\s*\(|\[[^\]\n]*\]\s*"
                rf"(?:\*\*|//|<<|>>|[-+*/%&|^@])?=(?!=)|(?:\*\*|//|<<|>>|[-+*/%&|^@])=)"
                rf"|\bdel\b[^\n]*\b{re.escape(name)}\s*\["
            )
            changing = first_argument_changed()  # heapq.heappush(k.L5, x), list.extend(L3, x)
            for n in range(len(self.entries)):
                if name not in self.words(n):
                    continue
                text = self.text_of(self.entries[n]) or ""
                if pattern.search(text):
                    return True
                if any(m.group(1) == name for m in changing.finditer(text)):
                    return True
            return False

        return Constants(module_text, assigned_elsewhere, mutated, shown)


def _allow_lists(labels: Iterable[tuple[object, ...]]) -> Iterator[str]:
    """The notes of the allow-list checks among ``labels`` (and the labels they wrap)."""
    for label in labels:
        while label[0] in WRAPPERS:
            if label[0] == "q" and str(label[1]).startswith(ALLOW_LIST):
                yield str(label[1])
            label = label[-1]  # type: ignore[assignment]


def _defined(summary: FileSummary) -> set[str]:
    """The names of the functions and methods a file's summary defines."""
    return {key.rsplit(".", 1)[-1] for key in summary.functions}


def _fields_read(project: Project) -> set[str]:
    """The classes (global ids) a site's payload reads a declared field of."""
    out: set[str] = set()
    for index, (_, summary) in enumerate(project.files):
        for site in summary.sites:
            for label in site.labels:
                while label[0] in WRAPPERS:
                    label = label[-1]
                if label[0] == "a":
                    gid = project.gid(index, str(label[1]))
                    if project.declares(gid, str(label[2])):
                        out.add(gid)
    return out


def _site_bases(project: Project) -> set[str]:
    """The bases (dotted names) of the classes whose methods hold a site, and of their
    bases the project knows, up to the first the project does not know."""
    out: set[str] = set()
    for index, (_, summary) in enumerate(project.files):
        owners = {
            summary.functions[s.function].cls
            for s in summary.sites
            if s.function in summary.functions
        }
        for cls in owners:
            if cls is None:
                continue
            queue = [project.gid(index, cls)]
            seen: set[str] = set()
            while queue:
                gid = queue.pop()
                if gid in seen or gid not in project.classes:
                    continue
                seen.add(gid)
                for base in project.classes[gid][1].bases:
                    resolved = project.class_id(base)
                    if resolved is None:
                        out.add(base)
                    else:
                        queue.append(resolved)
    return out


def _field_classes(project: Project) -> set[str]:
    """The classes named by the field labels of every site and call argument."""
    out: set[str] = set()

    def walk(label: tuple[object, ...]) -> None:
        while label[0] in WRAPPERS:
            if label[0] == "f":
                out.add(str(label[1]))
            label = label[-1]  # type: ignore[assignment]

    for _, summary in project.files:
        for site in summary.sites:
            for label in site.labels:
                walk(label)
        for call in summary.calls:
            for arg in (*call.args, *call.kwargs.values()):
                for label in arg.labels:
                    walk(label)
    return out


def _class_family(project: Project, cls: str) -> dict[str, str]:
    """Class ``cls`` (a global id) and its subclasses: global id -> short name."""
    out: dict[str, str] = {}
    queue = [cls]
    while queue:
        gid = queue.pop()
        if gid not in out:
            out[gid] = gid.rsplit(".", 1)[-1]
            queue += project.subclasses.get(gid, [])
    return out


def _class_names(project: Project, cls: str) -> set[str]:
    """The short names of class ``cls`` (a global id) and of its subclasses, and the
    names of their module-level instances (``runner = Runner()``, imported elsewhere)."""
    family = _class_family(project, cls)
    out = set(family.values())
    for gid in family:
        out.update(project.exported_as(f"{gid}()"))
    return out


_DEFINITION = re.compile(r"\b(?:def|class)[ \t]+\Z")
_OPEN_CALL = re.compile(r"[ \t]*\(")
_IMPORT_LINE = re.compile(r"[ \t]*(?:from[ \t]+\S+[ \t]+)?import\b")


def _arguments(text: str, open_paren: int) -> str | None:
    """The text between ``open_paren`` and its matching ``)``, strings skipped; None when
    it cannot be read (unbalanced, or too long to be a literal argument list)."""
    depth = 0
    i = open_paren
    end = min(len(text), open_paren + 2000)
    quote = ""
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch in "'\"":
            triple = text[i : i + 3]
            quote = triple if triple in ("'''", '"""') else ch
            i += len(quote)
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return text[open_paren + 1 : i]
        i += 1
    return None


def _literal_call(args: str, known: Callable[[str], bool] | None = None) -> bool:
    """Whether an argument list holds only literals (or names, ``CMD`` or ``consts.CMD``,
    that ``known`` says are constants: those of other modules the file imports)."""
    try:
        call = ast.parse(f"f({args})", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    values = (*call.args, *(k.value for k in call.keywords))
    return all(_literal(v, known) for v in values)


def _literal(node: ast.expr, known: Callable[[str], bool] | None) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return known is not None and known(node.id)
    if isinstance(node, ast.Attribute) and known is not None:
        attrs: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            attrs.append(base.attr)
            base = base.value
        return isinstance(base, ast.Name) and known(".".join([base.id, *reversed(attrs)]))
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(v, ast.Constant)
            or (isinstance(v, ast.FormattedValue) and _literal(v.value, known))
            for v in node.values
        )
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e, known) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return _literal(node.left, known) and _literal(node.right, known)
    if isinstance(node, ast.UnaryOp):
        return _literal(node.operand, known)
    return False


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w, \t]+)|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)


def _near_sources(
    entries: list[Entry],
    text_of: Callable[[Entry], str | None],
    words_of: Callable[[int], frozenset[str]] | None = None,
) -> set[int]:
    """The entries where an outside origin may start or pass, where the callers of a
    derived sink are read with libcst: the entry points of request data and model output
    (a web framework's, a model client's, an agent's) and every file of the project they
    import, directly or not; and the files where user input or a connection's data enters
    (not their imports: a command-line tool imports most of its package). See
    rules/sources.toml [near_sources]."""
    from auditor.file_summary import absolute
    from auditor.judge.sources import near_check
    from auditor.scan.discover import module_name

    outside, user = near_check("closure"), near_check("local")
    modules = _modules(entries)
    seeds: list[int] = []
    reached: set[int] = set()
    for number, entry in enumerate(entries):
        text = text_of(entry)
        if not text:
            continue
        words = words_of(number) if words_of is not None else frozenset(_WORD.findall(text))
        if outside.matches(words, text):
            seeds.append(number)
        elif user.matches(words, text):
            reached.add(number)
    reached.update(seeds)
    queue = list(seeds)
    while queue:
        number = queue.pop()
        entry = entries[number]
        text = text_of(entry) or ""
        here = module_name(entry.rel, _root(entry))
        package = entry.rel.endswith(("__init__.py", "__init__.pyw"))
        for match in _IMPORT.finditer(text):
            if match.group(3):
                targets = [t.strip().split(" ")[0] for t in match.group(3).split(",")]
            else:
                base = absolute(match.group(1), here, package) if here else match.group(1)
                names = [n.strip().split(" ")[0] for n in match.group(2).split(",") if n.strip()]
                targets = [base, *(f"{base}.{n}" for n in names)]
            for target in targets:
                owner = modules.get(target)
                if owner is not None and owner not in reached:
                    reached.add(owner)
                    queue.append(owner)
    return reached


def voided_sanitizers(
    entries: list[Entry], text_of: Callable[[Entry], str | None]
) -> Callable[[str], tuple[tuple[str | None, Step], ...]]:
    """Where the project shadows or patches a sanitizer, by its dotted name
    (auditor.flow.sanitizers), read when a flow first meets it."""
    from auditor.flow.sanitizers import VoidedSanitizers
    from auditor.scan.discover import module_name

    def module_of(entry: Entry) -> str:
        return module_name(entry.rel, _root(entry))

    return VoidedSanitizers(entries, text_of, module_of).of


def _root(entry: Entry) -> str:
    """The folder ``entry.rel`` is relative to (the policy's root)."""
    return root_of(entry.path, entry.rel)


def _modules(entries: list[Entry]) -> dict[str, int]:
    """The entry of each module of the scan, by dotted name (and by the name it may be
    imported under from a sub-folder: the shortest unique suffixes are not guessed here)."""
    from auditor.scan.discover import module_name

    out: dict[str, int] = {}
    for number, entry in enumerate(entries):
        name = module_name(entry.rel, _root(entry))
        if name:
            out.setdefault(name, number)
    return out


def apply(
    project: Project,
    owners: list[int],
    entries: list[Entry],
    policy: Policy,
    planner: Planner | None = None,
) -> None:
    """Give every finding its origin and flow (and its constant class when every caller
    passes constants, the visible ones and, by the planner's checks, those in the files far
    from sources), in place."""
    external = planner.external if planner is not None else set()
    writers = None
    if planner is not None:
        same = planner.entries is entries
        writers = planner.writers() if same else Writers(entries, planner.text_of)
    patched = _unisolate(entries, policy, planner.text_of if planner is not None else None)
    constant = project.constant_params(external)
    if planner is not None:
        _sourced_lists(project, planner, policy)
    unsure: set[str] = set()  # names whose calls were not all read
    if planner is not None:  # a name some call passes a non-constant to, or not followed
        unsure = planner.closed | planner.skipped | planner.narrowed | planner.unseen
        constant = {(g, p) for g, p in constant if g.rsplit(".", 1)[-1] not in unsure}
    for index, (_, summary) in enumerate(project.files):
        entry = entries[owners[index]]
        findings, latent = entry.result.findings, entry.result.latent
        count = len(findings)
        comments: dict[int, str] | None = None
        for site in summary.sites:
            written = None
            if site.finding < count and site.names and writers is not None:
                written = writers.writer(summary.module, site.names, owners[index])
            if written is not None:
                finding = findings[site.finding]
                changes = unfrozen(policy, finding, written.note)
                if changes:  # the flow names the file that writes it (check --changed)
                    changes["flow"] = (written,)
                flowed = dataclasses.replace(finding, **changes) if changes else finding
                # what the writers put there (``backup.RSYNC.extend(request.form...)``)
                targets = [f"{summary.module}.{name}" for name in site.names]
                flowed = _written_origin(project, flowed, targets, policy, written)
            elif (
                site.finding < count
                and findings[site.finding].payload == "constant"
                and _set_from_outside(project, index, site.labels)
            ):
                # ``self.cmd`` of a constant ``__init__`` that another file sets on an
                # instance (``j = Job(); j.cmd = request.args["c"]``): the per-file stage
                # did not see it
                finding = findings[site.finding]
                flowed = _attribute_origin(project, index, site, finding, policy)
            elif site.finding < count:
                finding = findings[site.finding]
                flowed = _flowed(project, constant, unsure, index, site, finding, policy)
                if site.imports and not flowed.flow:
                    # another module's global or a class attribute written elsewhere
                    # (``cfg.DEFAULTS.update(cmd=request.args["c"])`` in web.py)
                    flowed = _written_origin(project, flowed, site.imports, policy)
                if writers is not None and flowed.payload != "constant":
                    flowed = _voided_checks(
                        project, index, summary, site, flowed, writers, owners[index]
                    )
                if site.imports and planner is not None and not flowed.flow:
                    # a name imported from a module of the scan that gets a value at run
                    # time there (``CMD = os.environ.get(...)``: its origin), or is written
                    # at run time elsewhere (``setattr(settings, k, v)`` in a loader): the
                    # flow names where (and so check --changed judges the site with it)
                    flowed = _imported_origin(flowed, site.imports, planner, policy)
                    if not flowed.flow:
                        flowed = _overridden(flowed, site.imports, planner)
                if not flowed.flow:
                    flowed = _stored_origin(flowed, policy)
            elif site.finding - count < len(latent):  # reported only when it has an origin
                finding = latent[site.finding - count]
                flowed = _flowed(project, constant, unsure, index, site, finding, policy)
                if flowed.risk != "critical":  # an origin the policy ranks critical
                    continue
            else:
                continue
            if flowed.rule != finding.rule:
                if comments is None:
                    text = (planner.text_of if planner is not None else text_reader())(entry)
                    comments = comments_by_line(text or "")
                if comments:
                    others = [f for f in findings if f is not finding]
                    flowed = _resuppressed(flowed, finding, comments, others)
            if site.finding < count:
                findings[site.finding] = flowed
            else:
                findings.append(flowed)
    for (number, position), (step, why) in patched.items():
        finding = entries[number].result.findings[position]
        flow = finding.flow
        if flow and flow[-1].kind == "reaches":  # the patch, before the call it makes
            flow = (*flow[:-1], step, flow[-1])  # run on the host
        else:
            flow = (*flow, step)
        message = finding.message
        if why not in message:  # a message made again for the origin (critical)
            message += f" (not counted as isolated: {why})"
        entries[number].result.findings[position] = dataclasses.replace(
            finding, flow=flow, message=message
        )


def _stored_origin(finding: Finding, policy: Policy) -> Finding:
    """``finding``, a sink stored in an attribute, an item or a class body (auditor.scan.
    stored: reported at the assignment, ``handed_to`` what holds it) that nothing known
    reaches, with the origin ``parameter`` and a step of that kind at the assignment: the
    calls through what holds it are made by code the analysis does not see, so its payload
    is not seen, which is no value "built inside the program" (``internal``)."""
    holder = finding.handed_to
    if (
        holder is None
        or finding.payload == "constant"
        or finding.origin not in (None, "internal")
        or f"(stored in {holder}:" not in finding.message
    ):
        return finding
    changes = reclassify(policy, finding, Flowed(None, "parameter"))
    sink = next((s for s in (*builtin_sinks(), *policy.sinks) if s.name == finding.sink), None)
    param = sink.keyword if sink is not None and sink.keyword else "*args"
    note = (
        f"stored in {holder}: called through it from code the analysis cannot see, with a"
        " payload it does not see"
    )
    step = Step(finding.path, finding.line, finding.column, note, "parameter", holder, param)
    changes["flow"] = (step, _reaches(finding))
    return dataclasses.replace(finding, **changes)


def _written_origin(
    project: Project,
    finding: Finding,
    targets: Iterable[str],
    policy: Policy,
    written: Step | None = None,
) -> Finding:
    """``finding``, whose payload reads ``targets`` (absolute dotted names: globals of a
    module, class attributes), with the origin of the most dangerous value other code
    writes there, in place or not (Project.written), and a flow from that value to the
    sink (through ``written``, the step of the write the message names, when it is in the
    same file). Unchanged when nothing written there has an origin."""
    if finding.payload == "constant" or finding.origin not in (None, "internal"):
        return finding
    info = None
    for target in targets:
        found = project.written(target)
        info = found if info is None else info.merge(found)
    if info is None:
        return finding
    reach, origin, changes = _ranked_reach(policy, finding, info)
    if reach is None or origin == "internal":
        return finding
    sink = _reaches(finding)
    flow = _once(reach.flow)
    if written is not None and flow and flow[-1].path == written.path:
        flow = (*flow, written)
    changes["flow"] = (*flow, sink)
    return dataclasses.replace(finding, **changes)


def _sourced_lists(project: Project, planner: Planner, policy: Policy) -> None:
    """The module-level lists the allow-list checks of the project read that their own
    module fills from a source (``ALLOWED = os.environ["CMDS"].split(",")``,
    auditor.flow.constants.Constants.origin_of): no allow-list, whoever sets the variable
    or sends the request chooses what is allowed (Project.sourced_lists). A list built at
    run time from nothing known (origin "internal") still counts as one."""
    constants = planner.constants()
    sources = _sources(policy)
    for index, (_, summary) in enumerate(project.files):
        for site in summary.sites:
            for note in _allow_lists(site.labels):
                target = project.allow_list(index, note)
                if target is None or target in project.sourced_lists:
                    continue
                found = constants.origin_of(target, sources)
                if found is not None and found[0] != "internal":
                    project.sourced_lists[target] = found[1]


def _voided_checks(
    project: Project,
    index: int,
    summary: FileSummary,
    site: object,
    finding: Finding,
    writers: Writers,
    own: int,
) -> Finding:
    """``finding`` (a site of ``summary``, the entry ``own``) saying which allow-list
    checks its payload went through are none (Project.voided: another file puts something
    other than a constant in the list), with a flow step where (kind "written") before the
    sink, so that ``check --changed`` of that file judges the site too."""
    from auditor.file_summary import Site

    assert isinstance(site, Site)
    for note in sorted(set(_allow_lists(site.labels))):
        if not project.voided(index, note):
            continue
        code = note[len(ALLOW_LIST) :]
        root, _, rest = code.partition(".")
        base = summary.exports.get(root)
        target = f"{base}.{rest}" if base is not None and rest else f"{summary.module}.{root}"
        module, _, name = target.rpartition(".")
        step = project.sourced_lists.get(project.allow_list(index, note) or target)
        if step is None:
            step = writers.writer(module, [name], own if module == summary.module else -1)
        why = f"{code} is no allow-list: another file puts values known only at run time in it"
        if step is not None:
            why = f"{code} is no allow-list: {step.note}"
        message = f"{finding.message} ({why})"
        flow = finding.flow
        if step is not None:
            flow = (*flow[:-1], step, flow[-1]) if flow and flow[-1].kind == "reaches" else flow
        return dataclasses.replace(finding, message=message, flow=flow)
    return finding


def _set_from_outside(project: Project, index: int, labels: Iterable[tuple[object, ...]]) -> bool:
    """Whether a payload's labels read an instance attribute (``self.cmd``) that a file
    other than the class's sets on an instance of it or of a class of its family
    (Project.object_attrs: ``j = Job(); j.cmd = x`` in web.py)."""
    for label in labels:
        while label[0] in WRAPPERS:
            label = label[-1]  # type: ignore[assignment]
        if label[0] != "a":
            continue
        gid, attr = project.gid(index, str(label[1])), str(label[2])
        for name in (attr, ANY_ATTR):
            for cls in project.attr_family(gid, name):
                if any(where != index for where, _ in project.object_attrs.get((cls, name), ())):
                    return True
                # a subclass of another file that assigns it in a method (not a constant)
                where, klass = project.classes.get(cls, (index, None))
                if where != index and klass is not None and klass.attrs.get(name):
                    return True
    return False


def _attribute_origin(
    project: Project, index: int, site: object, finding: Finding, policy: Policy
) -> Finding:
    """A constant ``finding`` whose payload reads an instance attribute another file sets
    (:func:`_set_from_outside`): dynamic, with the origin of what may be there."""
    from auditor.file_summary import Site

    assert isinstance(site, Site)
    why = "another file sets the instance attribute it reads"
    changes = unfrozen(policy, finding, why)
    if not changes:
        return finding
    unfrozen_finding = dataclasses.replace(finding, **changes)
    info = project.info(index, site.labels)
    reach, origin, more = _ranked_reach(policy, unfrozen_finding, info)
    if reach is None or origin == "internal":
        return unfrozen_finding
    sink = _reaches(finding)
    more["flow"] = (*_once(reach.flow), sink)
    return dataclasses.replace(unfrozen_finding, **more)


def _unisolate(
    entries: list[Entry], policy: Policy, text_of: Callable[[Entry], str | None] | None
) -> dict[tuple[int, int], tuple[Step, str]]:
    """Judge again, in place, the isolated findings whose wrapper's module another file
    replaces something of at run time (auditor.flow.patches), and every call of auditor's
    sandbox when a file of the project is named like it (auditor.flow.shadows): as the call
    would be without the sandbox, saying why. Returns, for each (entry, finding) so judged,
    the flow step at the patch (kind "patched") or at the file named like the sandbox (kind
    "shadowed") and why, for the stage to add once the flows are known."""
    from auditor.flow.patches import Patches
    from auditor.flow.shadows import SANDBOX, first_shadow
    from auditor.judge.classify import unisolated
    from auditor.scan.discover import module_name

    out: dict[tuple[int, int], tuple[Step, str]] = {}
    if not any(f.isolated for e in entries for f in e.result.findings):
        return out

    def module_of(entry: Entry) -> str:
        return module_name(entry.rel, _root(entry))

    patches = Patches(entries, text_of or text_reader(), module_of)
    shadow = first_shadow(entries, module_of)
    for number, entry in enumerate(entries):
        findings = entry.result.findings
        for position, finding in enumerate(findings):
            if not finding.isolated:
                continue
            target = finding.sink.rsplit(".", 1)[0]
            if shadow is not None and (target == SANDBOX or target.startswith(SANDBOX + ".")):
                # the project's own ``auditor``: the name proves nothing (auditor.flow.shadows)
                why = shadow.why()
                note = f"{shadow.path} is a module of the project named {shadow.name}"
                step = Step(shadow.path, 1, 0, note, "shadowed", shadow.name)
            else:
                patch = patches.of(target) if target else None
                if patch is None:
                    continue
                why = patch.why()
                write, subject = patch.write, patch.subject()
                note = f"{patch.path} replaces {subject} at run time ({write.code})"
                step = Step(patch.path, write.line, write.column, note, "patched", subject)
            changes = unisolated(policy, finding, why)
            if finding.suppressed and finding.suppression_reason != "# nosec":
                # its comment accepted a call that runs in the sandbox, not on the host
                changes.update(suppressed=False, suppression_reason=None)
                changes["message"] += (
                    " (its suppression comment accepted the call as isolated: name it again "
                    "to accept it)"
                )
            findings[position] = dataclasses.replace(finding, **changes)
            out[(number, position)] = (step, why)
    return out


def _imported_origin(
    finding: Finding, imports: tuple[str, ...], planner: Planner, policy: Policy
) -> Finding:
    """``finding``, whose payload reads ``imports`` (names of other modules of the scan),
    with the origin of the most dangerous value their modules give them and a flow from
    there (auditor.flow.constants.Constants.origin_of): ``from consts import CMD`` with
    ``CMD = os.environ.get("X", "ls")`` is the environment's. A value built at run time
    from nothing known keeps the origin "internal", with a flow step where it is built."""
    if finding.payload == "constant" or finding.origin not in (None, "internal"):
        return finding
    constants = planner.constants()
    sources = _sources(policy)
    best: tuple[str, Step] | None = None
    for name in imports:
        found = constants.origin_of(name, sources)
        if found is not None and (best is None or RANK[found[0]] > RANK[best[0]]):
            best = found
    if best is None:
        return finding
    origin, step = best
    if origin == "internal":
        return dataclasses.replace(finding, flow=(step,))
    changes = reclassify(policy, finding, Flowed(None, origin))
    sink = _reaches(finding)
    changes["flow"] = (step, sink)
    return dataclasses.replace(finding, **changes)


_MADE: list[tuple[Policy, SourceCatalogue]] = []  # the last policy's catalogue


def _sources(policy: Policy) -> SourceCatalogue:
    """The source catalogue of ``policy`` (rules/sources.toml and its own entries), made
    once for the policy the stage runs with."""
    from auditor.judge.sources import build

    if not _MADE or _MADE[0][0] is not policy:
        _MADE[:] = [(policy, build(policy.sources, policy.source or "policy"))]
    return _MADE[0][1]


def _overridden(finding: Finding, imports: tuple[str, ...], planner: Planner) -> Finding:
    """``finding``, whose payload reads ``imports`` (names of other modules of the scan),
    with a flow step where the first of them is written at run time and its note, when it
    is not constant and one is (auditor.flow.constants.Constants.overridden)."""
    if finding.payload == "constant" or finding.origin not in (None, "internal"):
        return finding
    constants = planner.constants()
    for name in imports:
        step = constants.overridden(name)
        if step is not None:
            message = f"{finding.message} ({step.note})"
            return dataclasses.replace(finding, flow=(step,), message=message)
    return finding


def _resuppressed(
    flowed: Finding, finding: Finding, comments: dict[int, str], others: list[Finding]
) -> Finding:
    """The suppression of a finding whose rule the stage changed. A comment that names the
    new rule or class suppresses it (when it is the call the comment goes to, among the
    file's ``others``: auditor.scan.suppress). One that suppressed the old finding still
    does, unless the stage raised its risk (a dynamic shell command that a web route's
    request data now reaches): the comment accepted the risk it had, not this one (a
    sink's name accepts no more than that). Bandit's ``# nosec`` (with --honor-nosec)
    silences anything, as in bandit."""
    if finding.suppression_reason == "# nosec":
        return flowed
    targets = [
        Target(
            (f.line, f.column),
            (f.end_line, f.end_column),
            frozenset({f.rule, f.category, f.sink, f.sink.rsplit(".", 1)[-1]}),
        )
        for f in others
    ]
    targets.append(
        Target(
            (flowed.line, flowed.column),
            (flowed.end_line, flowed.end_column),
            frozenset({flowed.rule, flowed.category}),
        )
    )
    again = suppressions(comments, targets, False)[-1]
    if again.suppressed:
        return dataclasses.replace(flowed, suppressed=True, suppression_reason=again.reason)
    if not finding.suppressed or RISK_ORDER[flowed.risk] <= RISK_ORDER[finding.risk]:
        return flowed
    note = (
        f" (its suppression comment accepted {finding.rule} {finding.risk}, not "
        f"{flowed.rule} {flowed.risk}: name {flowed.rule} to accept it)"
    )
    return dataclasses.replace(
        flowed, suppressed=False, suppression_reason=None, message=flowed.message + note
    )


# ``<x>.NAME = v`` (or ``+=``...), ``setattr(<x>, "NAME", v)``, ``<x>.__dict__["NAME"] = v``:
# an attribute assigned, read from the text (a file far from any sink is never parsed)
_ATTR_WRITE = re.compile(
    r"\.\s*([A-Za-z_]\w*)\s*(?:\*\*|//|<<|>>|[-+*/%&|^@])?=(?!=)"
    r"|\bsetattr\(\s*[\w.\[\]]+\s*,\s*[rbu]?['\"]([A-Za-z_]\w*)['\"]"
    r"|(?:__dict__|__globals__|\bvars\(\s*[\w.]+\s*\))\s*\[\s*[rbu]?['\"]([A-Za-z_]\w*)['\"]\s*\]"
    r"\s*=(?!=)"
)
# a test's patch of a module's global by its dotted name, ``mock.patch("pkg.mod.NAME", x)``,
# ``monkeypatch.setattr("pkg.mod.NAME", x)``, ``mocker.patch(...)``, ``@patch(...)``
_PATCH_BY_NAME = re.compile(
    r"\b(?:patch|setattr|delattr)\(\s*[rbu]?(['\"])((?:[A-Za-z_]\w*\.)+)([A-Za-z_]\w*)\1"
)
# ``patch.object(mod, "NAME", x)``, ``patch.multiple(mod, NAME=x)``, ``delattr(mod, "NAME")``
_PATCH_OBJECT = re.compile(
    r"\b(?:patch\.object|delattr)\(\s*[\w.\[\]]+\s*,\s*[rbu]?['\"]([A-Za-z_]\w*)['\"]"
    r"|\bpatch\.multiple\(\s*[\w.\[\]]+\s*,((?:\s*[A-Za-z_]\w*\s*=[^,)]*,?)+)"
)
# ``<x>.__dict__.update(NAME=v)``, ``vars(x).update({"NAME": v})``, ``f.__globals__.update(d)``
_NAMESPACE_UPDATE = re.compile(
    r"(?:__dict__|__globals__|\bvars\(\s*[\w.]+\s*\))\s*\.\s*(update|setdefault|__setitem__)\("
)
# the methods that change a container in place (``<x>.NAME.append(v)``, ``NAME.update(
# k=v)``): what it holds is then not what its module built
_MUTATORS = (
    "append|extend|insert|add|update|setdefault|appendleft|extendleft|pop|popitem|popleft"
    "|remove|discard|clear|sort|reverse|rotate|__setitem__|__delitem__|__iadd__"
    "|difference_update|intersection_update|symmetric_difference_update"
)
_OP = r"(?:\*\*|//|<<|>>|[-+*/%&|^@])"
# ``<x>.NAME.append(v)``, ``<x>.NAME[k] = v`` (``+=``...), ``del <x>.NAME[k]``: an attribute
# whose value is changed in place, read from the text
_ATTR_MUTATE = re.compile(
    rf"\.\s*([A-Za-z_]\w*)\s*(?:\.\s*(?:{_MUTATORS})\s*\(|\[[^\]\n]*\]\s*{_OP}?=(?!=))"
    r"|\bdel\b[^\n]*?\.\s*([A-Za-z_]\w*)\s*\["
)
_KEYWORD = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")
_KEY = re.compile(r"\s*[rbu]?(['\"])([A-Za-z_]\w*)\1\s*$")


def _top_level(text: str, start: int) -> list[str]:
    """The arguments of the call whose ``(`` ends at ``start``, split at its own commas
    (strings are not parsed: a comma in one splits it, which only loses a name)."""
    out, depth, begin = [], 0, start
    for index in range(start, min(len(text), start + 2000)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                out.append(text[begin:index])
                return out
            depth -= 1
        elif char == "," and depth == 0:
            out.append(text[begin:index])
            begin = index + 1
    return [*out, text[begin:]]


def _updated_names(text: str) -> set[str]:
    """The globals a namespace's ``update``/``setdefault`` writes; ``*`` when a key is not
    written out (``update(d)``)."""
    names: set[str] = set()
    for match in _NAMESPACE_UPDATE.finditer(text):
        args = [a for a in _top_level(text, match.end()) if a.strip()]
        if match.group(1) in ("setdefault", "__setitem__"):
            key = _KEY.match(args[0].split(":")[0]) if args else None
            names.add(key.group(2) if key else "*")
            continue
        for arg in args:
            keyword = _KEYWORD.match(arg)
            if keyword is not None:
                names.add(keyword.group(1))
                continue
            body = arg.strip()
            if body.startswith("{") and body.endswith("}"):
                for item in _top_level(body, 1):
                    key = _KEY.match(item.split(":", 1)[0]) if ":" in item else None
                    names.add(key.group(2) if key else "*")
                continue
            names.add("*")  # update(d), update(**d): any global
    return names


class Writers:
    """Which files of the scan assign a module's global from outside (``tasks.PAGER = x``
    in cli.py makes ``subprocess.run(PAGER, shell=True)`` in tasks.py run what cli.py
    chose). Read from each file's text, conservatively: a file that imports a module of
    that last name (``import tasks``, ``from pkg import tasks``) and assigns an attribute
    of that name on anything (``<x>.PAGER = ...``, ``setattr(x, "PAGER", ...)``) is taken
    for a writer; so is one that writes its namespace (``tasks.__dict__["PAGER"] = x``,
    ``vars(tasks)["PAGER"] = x``, ``tasks.__dict__.update(PAGER=x)``; an ``update`` whose
    keys are not written out may write any of them), or patches it in a test
    (``patch.object(tasks, "PAGER", x)``, ``patch.multiple(tasks, PAGER=x)``); a file that
    patches the global by its dotted name (``mock.patch("pkg.tasks.PAGER")``,
    ``monkeypatch.setattr("pkg.tasks.PAGER", x)``) writes it without importing it. A write
    under a name chosen at run time on the module itself (``for k, v in cfg.items():
    setattr(settings, k, v)`` with ``settings`` imported from the project,
    ``setattr(sys.modules["pkg.settings"], k, v)``) may write any of its globals: those are
    read with ``ast`` from the few files whose text may hold one
    (auditor.flow.module_writes). A write through an alias of the module (``import tasks as
    t``) is not seen."""

    def __init__(self, entries: list[Entry], text_of: Callable[[Entry], str | None]) -> None:
        self.entries = entries
        self.text_of = text_of
        self._assigned_by: dict[int, frozenset[str]] = {}
        self._patched_by: dict[int, frozenset[tuple[str, str]]] = {}
        self._saying: dict[str, list[int]] = {}
        self._dynamic: dict[int, list[Write]] = {}
        self._changed: dict[tuple[int, str], list[tuple[str, str, int]]] = {}

    def _assigned_in(self, number: int) -> frozenset[str]:
        """The attribute names file ``number`` assigns on anything (``*``: any), read once."""
        found = self._assigned_by.get(number)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            names: set[str] = set()
            if "=" in text or "setattr" in text or "update" in text:
                names = {next(g for g in m.groups() if g) for m in _ATTR_WRITE.finditer(text)}
            if "(" in text or "[" in text:
                names |= {next(g for g in m.groups() if g) for m in _ATTR_MUTATE.finditer(text)}
                if "__dict__" in text or "__globals__" in text or "vars(" in text:
                    names |= _updated_names(text)
            if "(" in text:  # heapq.heappush(k.L5, x), object.__setattr__(k, "A1", x)
                names |= {m.group(1) for m in first_argument_changed().finditer(text)}
                if "__setattr__" in text:
                    names |= {
                        next(g for g in m.groups() if g) for m in SETATTR_DUNDER.finditer(text)
                    }
            if "patch" in text or "delattr" in text:
                for match in _PATCH_OBJECT.finditer(text):
                    if match.group(1):
                        names.add(match.group(1))
                    else:
                        names |= set(_KEYWORD_NAMES.findall(match.group(2)))
            found = self._assigned_by[number] = frozenset(names)
        return found

    def _patched_in(self, number: int) -> frozenset[tuple[str, str]]:
        """The globals file ``number`` patches by their dotted name (``mock.patch(
        "pkg.mod.NAME")``): (module, name) pairs, read once."""
        found = self._patched_by.get(number)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            pairs: set[tuple[str, str]] = set()
            if "patch" in text or "setattr" in text or "delattr" in text:
                for match in _PATCH_BY_NAME.finditer(text):
                    pairs.add((match.group(2).rstrip("."), match.group(3)))
            found = self._patched_by[number] = frozenset(pairs)
        return found

    def _importers(self, last: str) -> list[int]:
        """The files whose text says ``last`` (a module's last name), once per name: only
        they may import the module (a substring check before any regular expression)."""
        found = self._saying.get(last)
        if found is None:
            found = self._saying[last] = [
                number
                for number, entry in enumerate(self.entries)
                if last in (self.text_of(entry) or "")
            ]
        return found

    def written(self, module: str, names: Iterable[str], own: int) -> str | None:
        """Why a constant that reads ``names`` of ``module`` (the entry ``own``) is not
        one: the first other file that imports the module and assigns one of them."""
        found = self.writer(module, names, own)
        return found.note if found is not None else None

    def writer(self, module: str, names: Iterable[str], own: int) -> Step | None:
        """:meth:`written` as a step of the payload's flow (kind "written"): where the first
        other file that imports the module assigns one of ``names``, and why (``note``)."""
        return next((step for _, step in self.writers(module, names, own)), None)

    def writers(self, module: str, names: Iterable[str], own: int) -> Iterator[tuple[int, Step]]:
        """Each other file (its entry) that imports the module and assigns one of ``names``
        or changes it in place (``backup.RSYNC.extend(x)``, ``from backup import RSYNC``
        then ``RSYNC[0] = x``), with the step of the first such write there."""
        last = module.rsplit(".", 1)[-1]
        if not last:
            return
        wanted = set(names)
        imports = re.compile(
            rf"^[ \t]*(?:from[ \t]+[\w.]*\b{re.escape(last)}\b[ \t]+import\b"
            rf"|(?:from[ \t]+[\w.]+[ \t]+)?import\b[^\n]*\b{re.escape(last)}\b)",
            re.MULTILINE,
        )
        for number in self._importers(last):
            if number == own:
                continue
            step = self._writer_in(number, module, last, wanted, imports)
            if step is not None:
                yield number, step

    def _writer_in(
        self, number: int, module: str, last: str, wanted: set[str], imports: re.Pattern[str]
    ) -> Step | None:
        where = self.entries[number].shown
        for dotted, name in sorted(self._patched_in(number)):
            if name in wanted and _same_module(dotted, module):
                patched = self.text_of(self.entries[number]) or ""
                place = patched.find(f"{dotted}.{name}")
                line = line_number(patched, place)
                column = place - line_start(patched, place)
                note = f"{where} patches {dotted}.{name} at run time"
                return Step(where, line, column, note, "written", f"{last}.{name}")
        assigned = self._assigned_in(number)
        hit = sorted(wanted if "*" in assigned else wanted & assigned)
        text = self.text_of(self.entries[number]) or ""
        if hit and imports.search(text):
            at = next(
                (m.start() for m in _ATTR_WRITE.finditer(text) if hit[0] in m.groups()),
                None,
            )
            verb = "assigns"
            if at is None:
                at = next(
                    (m.start() for m in _ATTR_MUTATE.finditer(text) if hit[0] in m.groups()),
                    None,
                )
                verb = "changes" if at is not None else verb
            if at is None:
                at = next(
                    (
                        m.start()
                        for pattern in (first_argument_changed(), SETATTR_DUNDER)
                        for m in pattern.finditer(text)
                        if hit[0] in m.groups()
                    ),
                    None,
                )
                verb = "changes" if at is not None else verb
            if at is None:  # a namespace update whose keys are not written out
                found = _NAMESPACE_UPDATE.search(text)
                at = found.start() if found is not None else 0
            line = line_number(text, at)
            column = at - line_start(text, at)
            note = f"{where} {verb} {last}.{hit[0]} at run time"
            return Step(where, line, column, note, "written", f"{last}.{hit[0]}")
        if "import" in text and "from" in text and any(name in text for name in wanted):
            for name, _, at in self._from_imported(number, last):
                if name not in wanted:
                    continue
                line = line_number(text, at)
                column = at - line_start(text, at)
                note = f"{where} changes {last}.{name} at run time (imported from {last})"
                return Step(where, line, column, note, "written", f"{last}.{name}")
        for write in self._by_name_in(number, last):
            if not same_module(write.module, module):
                continue
            if write.name != "*" and write.name not in wanted:
                continue
            name = write.name if write.name != "*" else sorted(wanted)[0]
            if write.name == "*":
                note = f"{where} may assign any global of {last} at run time ({write.code})"
            else:
                note = f"{where} assigns {last}.{name} at run time"
            return Step(where, write.line, write.column, note, "written", f"{last}.{name}")
        return None

    def _from_imported(self, number: int, last: str) -> list[tuple[str, str, int]]:
        """:func:`_from_imported_changes` of file ``number``, read once for each module."""
        key = (number, last)
        found = self._changed.get(key)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            found = self._changed[key] = _from_imported_changes(text, last)
        return found

    def _by_name_in(self, number: int, last: str) -> list[Write]:
        """The writes of file ``number`` that only a reading with ``ast`` finds (under a
        name chosen at run time, through ``sys.modules["pkg.m"]``), read once; [] for a
        file whose text cannot write so a module named ``last``
        (auditor.flow.module_writes)."""
        found = self._dynamic.get(number)
        if found is None:
            entry = self.entries[number]
            text = self.text_of(entry) or ""
            if not may_write_by_name(text, last):
                return []
            from auditor.scan.discover import module_name

            here = module_name(entry.rel, _root(entry))
            package = entry.rel.endswith(("__init__.py", "__init__.pyw"))
            found = self._dynamic[number] = module_writes(text, here, package)
        return found


_KEYWORD_NAMES = re.compile(r"([A-Za-z_]\w*)\s*=(?!=)")
_FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE
)


def _from_imported_changes(text: str, last: str) -> list[tuple[str, str, int]]:
    """The names ``text`` imports from a module whose last name is ``last`` (``from
    pkg.backup import RSYNC as R``) and changes in place under the name it binds
    (``R.append(v)``, ``R[0] = v``, ``R += v``, ``del R[0]``): (name, the name bound,
    where), by text (a local of the same name counts too: on the safe side)."""
    out: list[tuple[str, str, int]] = []
    for match in _FROM_IMPORT.finditer(text):
        if match.group(1).rsplit(".", 1)[-1] != last:
            continue
        for item in match.group(2).strip("()").split(","):
            parts = item.split("#")[0].split()
            if not parts or not parts[0].isidentifier():
                continue
            local = parts[2] if len(parts) == 3 and parts[1] == "as" else parts[0]
            if not local.isidentifier():
                continue
            at = _changed_at(text, local)
            if at is None:  # heapq.heappush(R, x), list.extend(R, [x])
                at = next(
                    (m.start() for m in first_argument_changed().finditer(text)
                     if m.group(1) == local),
                    None,
                )  # fmt: skip
            if at is not None:
                out.append((parts[0], local, at))
    return out


# what follows a name changed in place: ``.append(``, ``[k] =``, ``+=``
_CHANGED_AFTER = re.compile(
    rf"\s*(?:\.\s*(?:{_MUTATORS})\s*\(|\[[^\]\n]*\]\s*{_OP}?=(?!=)|{_OP}=(?!=))"
)
_DEL_BEFORE = re.compile(r"[ \t]*del\b")


def _changed_at(text: str, name: str) -> int | None:
    """Where ``text`` first changes what ``name`` (a name alone, not an attribute) holds in
    place (``name.append(v)``, ``name[k] = v``, ``name += v``, ``del name[k]``); None when
    it never does. A search for the name, each place checked (no regular expression over
    the whole text for each name)."""
    start = 0
    while True:
        at = text.find(name, start)
        if at < 0:
            return None
        start = at + len(name)
        before = text[at - 1] if at else ""
        after = text[start] if start < len(text) else ""
        if before.isalnum() or before in ("_", ".") or after.isalnum() or after == "_":
            continue
        if _CHANGED_AFTER.match(text, start):
            return at
        line = line_start(text, at)
        if _DEL_BEFORE.match(text, line) and text[start:].lstrip(" \t").startswith("["):
            return at


def _same_module(dotted: str, module: str) -> bool:
    """Whether the dotted module name a patch says (``pkg.mod``) may be ``module`` (the
    scan's name for it, which depends on the folder it was found from: ``src.pkg.mod``,
    or ``mod`` alone)."""
    return dotted == module or module.endswith("." + dotted) or dotted.endswith("." + module)


def _flowed(
    project: Project,
    constant: set[tuple[str, str]],
    unsure: set[str],
    index: int,
    site: object,
    finding: Finding,
    policy: Policy,
) -> Finding:
    from auditor.file_summary import Site

    assert isinstance(site, Site)
    function = project.gid(index, site.function) if site.function else ""
    if (
        site.if_params is not None
        and function
        and all((function, name) in constant for name in site.params)
        and finding.payload != "constant"
    ):
        changes = reclassify(policy, finding, Flowed(site.if_params, None))
        if changes:
            return dataclasses.replace(finding, **changes)
    if (
        site.argv is not None
        and function
        and finding.category == "dynamic-program"
        and function.rsplit(".", 1)[-1] not in unsure
        and project.fixed_program(function, site.argv)
    ):
        why = "every caller passes a fixed program"
        changes = reclassify(policy, finding, Flowed("fixed-program", None, why=why))
        if changes:
            finding = dataclasses.replace(finding, **changes)
    if finding.payload == "constant":
        return finding
    info = project.info(index, site.labels)
    program = None
    if site.program is not None and finding.category == "dynamic-program":
        chosen = project.info(index, site.program)
        best = chosen.plain if chosen.plain is not None else chosen.clean
        program = best.origin if best is not None else "internal"
    reach, origin, changes = _ranked_reach(policy, finding, info, program)
    if reach is not None and origin != "internal":
        sink = _reaches(finding)
        changes["flow"] = (*_once(reach.flow), sink)
    return dataclasses.replace(finding, **changes) if changes else finding


def _reaches(finding: Finding) -> Step:
    """The last step of a flow: the call of ``finding`` that runs the payload."""
    name = finding.sink.removeprefix("builtins.")
    return Step(
        finding.path, finding.line, finding.column, f"reaches {called(name)}", "reaches", name
    )


def _ranked_reach(
    policy: Policy, finding: Finding, info: Info, program: str | None = None
) -> tuple[Reach | None, str, dict[str, Any]]:
    """The reach of ``info`` that ranks ``finding`` highest, its origin ("internal" for
    none) and the finding's changes with it. A sanitized reach of a more dangerous origin
    (a quoted request parameter) must not hide an unsanitized one (the environment): each
    is classified, the higher risk wins, then the more dangerous origin, then the plain."""
    options: list[tuple[Reach | None, str | None]] = []
    if info.plain is not None:
        options.append((info.plain, None))
    if info.clean is not None:
        options.append((info.clean, info.sanitizer))
    if not options:
        options.append((None, None))
    ranked = []
    for reach, sanitizer in options:
        origin = reach.origin if reach is not None else "internal"
        changes = reclassify(policy, finding, Flowed(None, origin, sanitizer, program=program))
        risk = RISK_ORDER.get(changes.get("risk", finding.risk), 0)
        ranked.append((risk, reach.rank if reach is not None else -1, reach, origin, changes))
    _, _, reach, origin, changes = max(ranked, key=lambda r: (r[0], r[1]))
    return reach, origin, changes


def _once(flow: tuple[Step, ...]) -> tuple[Step, ...]:
    """``flow`` without a step that repeats the one before it (a recursive helper's
    ``return to_text(...)`` went through the same line once per call)."""
    out: list[Step] = []
    for step in flow:
        if not out or step != out[-1]:
            out.append(step)
    return tuple(out)
