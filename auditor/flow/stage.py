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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditor.findings import FileResult, Finding, Step
from auditor.flow.propagate import Project
from auditor.judge.classify import Flowed, reclassify
from auditor.judge.policy import Policy

ROUNDS = 4


@dataclass(slots=True)
class Entry:
    """One file of the scan: where it is, its latest result, and what it was asked."""

    path: str  # absolute
    shown: str
    rel: str
    explicit: bool
    result: FileResult
    extra: frozenset[str] = field(default_factory=frozenset)


def _params_of(labels: Iterable[tuple[object, ...]]) -> Iterable[str]:
    for label in labels:
        if label[0] == "q":
            yield from _params_of([label[2]])  # type: ignore[list-item]
        elif label[0] == "p":
            yield str(label[1])


def build(entries: list[Entry]) -> tuple[Project, list[int]]:
    """The project over every entry with a summary; and, for each project file, the index
    of its entry."""
    files = []
    owners = []
    for index, entry in enumerate(entries):
        if entry.result.summary is not None:
            files.append((entry.shown, entry.result.summary))
            owners.append(index)
    project = Project(files)
    project.run()
    return project, owners


def derived_sinks(project: Project) -> set[str]:
    """The functions whose parameter reaches a sink's payload, directly, through the
    values other project functions return, or through other derived sinks (global ids)."""
    memo: dict[tuple[int, int], frozenset[str]] = {}

    def depends(index: int, labels: Iterable[tuple[object, ...]], depth: int = 0) -> set[str]:
        """The functions (global ids) whose parameters the labels depend on."""
        out: set[str] = set()
        for label in labels:
            kind = label[0]
            if kind == "q":
                out |= depends(index, [label[2]], depth)  # type: ignore[list-item]
            elif kind == "p":
                out.add(project.gid(index, str(label[1])))
            elif kind == "c" and depth < 8:
                key = (index, int(label[1]))  # type: ignore[call-overload]
                if key not in memo:
                    memo[key] = frozenset()  # a cycle: what is known so far
                    memo[key] = frozenset(_through_call(index, key[1], depth))
                out |= memo[key]
        return out

    def _through_call(index: int, number: int, depth: int) -> set[str]:
        call = project.files[index][1].calls[number]
        target = project.targets.get((index, number))
        passed = [*call.args, *call.kwargs.values()]
        if call.receiver is not None:
            passed.append(call.receiver)
        if target is None:
            return depends(index, (x for a in passed for x in a.labels), depth + 1)
        callee_index, function = project.functions[target.function]
        out: set[str] = set()
        returned = {str(x[1]) for x in function.returns if x[0] == "p"}
        if returned or not function.complete:
            # what the call passes reaches the result: its dependencies are the caller's
            out |= depends(index, (x for a in passed for x in a.labels), depth + 1)
        others = [x for x in function.returns if x[0] != "p"]
        out |= depends(callee_index, others, depth + 1)
        return out

    derived: set[str] = set()
    for index, (_, summary) in enumerate(project.files):
        for site in summary.sites:
            derived |= depends(index, site.labels)
    changed = True
    while changed:
        changed = False
        for (index, number), target in project.targets.items():
            if target is None or target.function not in derived:
                continue
            call = project.files[index][1].calls[number]
            passed = [*call.args, *call.kwargs.values()]
            for gid in depends(index, (x for a in passed for x in a.labels)):
                if gid not in derived:
                    derived.add(gid)
                    changed = True
    return {gid for gid in derived if gid in project.functions}


_MIN_MENTIONS = 30  # files a derived sink's name may be said in, at least ...
_MENTIONS_SHARE = 5  # ... or this percentage of the scan's files
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Planner:
    """Decides, round after round, which files the per-file stage must read again, and
    for what. It keeps what it learnt: each file's words, which files are near sources,
    which derived sinks some call is known to pass a non-constant to."""

    def __init__(self, entries: list[Entry], text_of: Callable[[Entry], str | None]) -> None:
        self.entries = entries
        self.text_of = text_of
        self._words: dict[int, frozenset[str]] = {}
        self._trees: dict[int, ast.Module | None] = {}
        self._eligible: set[int] | None = None
        self.closed: set[str] = set()  # some call passes a non-constant (or hands it over)
        self.skipped: set[str] = set()  # said in too many files to be followed by its text

    def words(self, number: int) -> frozenset[str]:
        found = self._words.get(number)
        if found is None:
            text = self.text_of(self.entries[number]) or ""
            found = self._words[number] = frozenset(_WORD.findall(text))
        return found

    def eligible(self) -> set[int]:
        if self._eligible is None:
            self._eligible = _near_sources(self.entries, self.text_of)
        return self._eligible

    def _tree(self, number: int) -> ast.Module | None:
        if number not in self._trees:
            try:
                self._trees[number] = ast.parse(self.text_of(self.entries[number]) or "")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._trees[number] = None
        return self._trees[number]

    def passes_constants(self, name: str, number: int) -> bool:
        """Whether every call of a function named ``name`` in that file passes literals (or
        module-level names bound to one), and the file never hands such a function over as
        a value: a cheap check with the standard library's parser, before asking libcst
        for the file. By name, so on the safe side: any other call closes the name."""
        tree = self._tree(number)
        if tree is None:
            return False
        literal_names = _module_literals(tree)
        called: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called.add(id(node.func))
                func = node.func
                callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if callee != name:
                    continue
                values = [*node.args, *(k.value for k in node.keywords)]
                if not all(_literal(v, literal_names) for v in values):
                    return False
        for node in ast.walk(tree):
            named = (isinstance(node, ast.Name) and node.id == name) or (
                isinstance(node, ast.Attribute) and node.attr == name
            )
            if named and isinstance(node.ctx, ast.Load) and id(node) not in called:  # type: ignore[attr-defined]
                return False  # handed over as a value
        return True

    def requests(self, project: Project, owners: list[int]) -> dict[int, frozenset[str]]:
        """What each entry must be analysed again for (entry index -> its new ``extra``)."""
        entries = self.entries
        wanted: dict[int, set[str]] = {}
        names: dict[str, set[str]] = {}  # function name -> class names it may need beside it
        constant = project.constant_params()
        open_names: set[str] = set()  # every visible call may still pass constants
        for gid in derived_sinks(project):
            index, function = project.functions[gid]
            name = function.key.rsplit(".", 1)[-1]
            needs = names.setdefault(name, set())
            if function.cls is not None:
                needs.add(function.cls.rsplit(".", 1)[-1])
            params = [p for p in function.params if (gid, p) in constant]
            if not project.callers.get(gid) or params:
                open_names.add(name)
        open_names -= self.closed
        if names:
            eligible = self.eligible()
            mentions: dict[str, list[int]] = {}
            for number in range(len(entries)):
                for name in self.words(number) & names.keys():
                    mentions.setdefault(name, []).append(number)
            # a name said in too many files (get, run, default) cannot be followed by its
            # text: the origin of such a derived sink stays what its own file says
            budget = max(_MIN_MENTIONS, len(entries) * _MENTIONS_SHARE // 100)
            for name, where in mentions.items():
                if len(where) > budget:
                    self.skipped.add(name)
            for name, where in mentions.items():
                if name in self.skipped:
                    continue
                classes = names[name]
                for number in where:
                    entry = entries[number]
                    extra = f"call:{name}"
                    if extra in entry.extra:
                        continue
                    summary = entry.result.summary
                    if summary is not None and all(f.complete for f in summary.functions.values()):
                        continue  # every body was analysed: it holds every call it makes
                    near = number in eligible
                    if not near:
                        if name not in open_names:
                            continue  # far from sources: only to prove a constant
                        if classes and not classes & self.words(number):
                            continue  # a method: the file must name its class too
                        if not self.passes_constants(name, number):
                            self.closed.add(name)
                            open_names.discard(name)
                            continue
                    wanted.setdefault(number, set()).add(extra)
        for gid in project.wanted:
            index, function = project.functions[gid]
            number = owners[index]
            extra = f"def:{function.key.rsplit('.', 1)[-1]}"
            if extra not in entries[number].extra:
                wanted.setdefault(number, set()).add(extra)
        # calls of a function of a project file the per-file stage did not parse (no sink in
        # it): its return value may carry a source (an LLM client's wrapper)
        modules = _modules(entries)
        for (index, number), target in project.targets.items():
            if target is not None:
                continue
            parts = project.files[index][1].calls[number].callee.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                owner = modules.get(".".join(parts[:cut]))
                if owner is None:
                    continue
                summary = entries[owner].result.summary
                name = parts[cut].removesuffix("()")
                if cut + 1 < len(parts):  # Class().method or Class.method
                    name = parts[cut + 1].removesuffix("()")
                elif summary is not None and any(k == name for k in summary.classes):
                    name = "__init__"
                extra = f"def:{name}"
                if name.isidentifier() and extra not in entries[owner].extra:
                    wanted.setdefault(owner, set()).add(extra)
                break
        return {
            number: entries[number].extra | frozenset(extra) for number, extra in wanted.items()
        }


def _module_literals(tree: ast.Module) -> frozenset[str]:
    """The names the module binds once, at module level, to a literal."""
    counts: dict[str, int] = {}
    literal: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                counts[target.id] = counts.get(target.id, 0) + 1
                if _literal(stmt.value, frozenset()):
                    literal.add(target.id)
    return frozenset(n for n in literal if counts.get(n) == 1)


def _literal(node: ast.expr, names: frozenset[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(v, ast.Constant)
            or (isinstance(v, ast.FormattedValue) and _literal(v.value, names))
            for v in node.values
        )
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e, names) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return _literal(node.left, names) and _literal(node.right, names)
    if isinstance(node, ast.UnaryOp):
        return _literal(node.operand, names)
    return False


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w, \t]+)|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)


def _near_sources(entries: list[Entry], text_of: Callable[[Entry], str | None]) -> set[int]:
    """The entries where an outside origin may start or pass, where the callers of a
    derived sink are read: the files that name a source of request data or model output (a
    web framework, a model client, an agent tool: see rules/sources.toml [near_sources]) and
    every file of the project they import, directly or not; and the files that name a
    source of user input themselves (a command-line tool imports most of its package: its
    imports are not followed). Elsewhere a call can only pass values from inside the
    program, or constants (read while every visible call passes constants)."""
    from auditor.flow.model import absolute
    from auditor.flow.sources import near_words
    from auditor.scan.discover import module_name

    outside, user = near_words(("remote-input", "llm-output")), near_words(("user-input",))
    modules = _modules(entries)
    seeds: list[int] = []
    reached: set[int] = set()
    for number, entry in enumerate(entries):
        text = text_of(entry)
        if not text:
            continue
        if outside.search(text):
            seeds.append(number)
        elif user.search(text):
            reached.add(number)
    reached.update(seeds)
    queue = list(seeds)
    while queue:
        number = queue.pop()
        entry = entries[number]
        text = text_of(entry) or ""
        here = module_name(entry.rel)
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


def _modules(entries: list[Entry]) -> dict[str, int]:
    """The entry of each module of the scan, by dotted name (and by the name it may be
    imported under from a sub-folder: the shortest unique suffixes are not guessed here)."""
    from auditor.scan.discover import module_name

    out: dict[str, int] = {}
    for number, entry in enumerate(entries):
        name = module_name(entry.rel)
        if name:
            out.setdefault(name, number)
    return out


def apply(project: Project, owners: list[int], entries: list[Entry], policy: Policy) -> None:
    """Give every finding its origin and flow (and its constant class when every caller
    passes constants), in place."""
    constant = project.constant_params()
    for index, (_, summary) in enumerate(project.files):
        entry = entries[owners[index]]
        findings = entry.result.findings
        for site in summary.sites:
            if site.finding >= len(findings):
                continue
            finding = findings[site.finding]
            findings[site.finding] = _flowed(project, constant, index, site, finding, policy)


def _flowed(
    project: Project,
    constant: set[tuple[str, str]],
    index: int,
    site: object,
    finding: Finding,
    policy: Policy,
) -> Finding:
    from auditor.flow.model import Site

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
    if finding.payload == "constant":
        return finding
    info = project.info(index, site.labels)
    plain, clean = info.plain, info.clean
    sanitizer = None
    if plain is not None and (clean is None or plain.rank >= clean.rank):
        reach = plain
    elif clean is not None:
        reach, sanitizer = clean, info.sanitizer
    else:
        reach = None
    origin = reach.origin if reach is not None else "internal"
    changes = reclassify(policy, finding, Flowed(None, origin, sanitizer))
    if reach is not None and origin != "internal":
        name = finding.sink.removeprefix("builtins.")
        sink = Step(
            finding.path, finding.line, finding.column, f"reaches {name}()", "reaches", name
        )
        changes["flow"] = (*reach.flow, sink)
    return dataclasses.replace(finding, **changes) if changes else finding
