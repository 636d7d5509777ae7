"""Analyse one file: decode, parse with libcst, resolve names, match sinks, evaluate payloads,
classify, apply suppressions and fingerprint. Pure: bytes in, findings and errors out."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import hashlib
import io
import keyword as keywords
import re
import sys
import tokenize
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from auditor.file_summary import absolute
from auditor.findings import FileResult, Finding, ScanError
from auditor.judge.sources import SourceCatalogue
from auditor.judge.sources import build as build_sources

if TYPE_CHECKING:
    from auditor.file_summary import FileSummary
from auditor.judge.catalogue import Catalogue, Sink, builtin_sinks
from auditor.judge.classify import Verdict, classify, handed_text
from auditor.judge.launchers import Word, builtin_table, exposed_holes, peel
from auditor.judge.policy import Policy
from auditor.judge.script_uses import quoted_words_run
from auditor.scan.collect import CallSite, Collector
from auditor.scan.cst_parse import parse_module
from auditor.scan.discover import module_name
from auditor.scan.environ import (
    SETTING_METHODS,
    env_choice,
    setting_of_call,
    setting_of_store,
    settings,
)
from auditor.scan.handover import callee_name, handed_args, handovers
from auditor.scan.held import HeldSinks
from auditor.scan.isolation import isolation_doubt, isolation_exposed
from auditor.scan.lines import line_number, physical_lines, tokenizable
from auditor.scan.options import Options
from auditor.scan.payload import AttrTable, Evaluator, Value, split_marks, split_words
from auditor.scan.positions import NodePositions, Span, agrees, call_spans, statement_starts
from auditor.scan.prefilter import SinkWords, Survey, stdin_feeds, survey, text_may_report
from auditor.scan.resolve import (
    BUILTIN_NAMES,
    Resolver,
    attribute_lookup,
    from_param,
    has_star_args,
    has_star_kwargs,
    importers,
    keyword,
    known_names,
    positional,
    returns_of,
)
from auditor.scan.runs import (
    Runs,
    environment_dynamic,
    environment_runs,
    fetched_code,
    peel_argv,
    peel_shell_string,
    shell_executable,
    word_of,
)
from auditor.scan.scopes import Scope
from auditor.scan.skeleton import skeleton
from auditor.scan.stored import escaping, stored_sinks, target_text
from auditor.scan.strings import string_value
from auditor.scan.suppress import Target, comments_by_line, suppressions
from auditor.scan.walk import walk
from auditor.scan.workdir import shell_workdir_chooses, workdir_chooses
from auditor.scan.written import written_content

_PY2 = re.compile(
    rb"^[ \t]*(print[ \t]+[\"'\w]|exec[ \t]+[\"']|except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:)",
    re.MULTILINE,
)
_SNIPPET_MAX = 200
# libcst walks the tree recursively; long implicit string concatenations and deeply nested
# expressions in real code (CPython's pydoc_data/topics.py) need more than the default 1000.
_RECURSION_LIMIT = 10_000


@dataclass(slots=True)
class _Site:
    call: CallSite
    sink: Sink | None
    shell: bool | None
    payload: str
    # what a trusted-command pattern is matched against: the constant command string a shell
    # runs, or the constant argv list run without a shell
    command: str | tuple[str, ...] | None
    # a sink handed over as a value: the call it will receive, made up from the arguments
    # it is handed with (the site's own call is the one that hands it over)
    handed: cst.Call | None = None
    # reported only when the project-wide stage finds an origin for its payload (a method
    # looked up by name on an object: getattr(self, name)(); auditor.flow.stage.apply)
    latent: bool = False
    # what the argv really runs once launchers are peeled off (auditor.scan.runs)
    runs: Runs | None = None
    # expressions outside the payload argument that choose what runs: an ``executable=``,
    # the values of the environment's PATH, LD_PRELOAD... (for the project-wide stage)
    extra: tuple[cst.BaseExpression, ...] = ()
    # a setting of the process's environment (``os.environ["PATH"] = d``): what it sets, as
    # a dict display (auditor.scan.environ); ``anchor`` the statement that sets it when it
    # is no call (the site's call is then made up), ``order`` where it stands among the
    # calls (before the ``order``-th)
    setting: cst.Dict | None = None
    anchor: cst.CSTNode | None = None
    order: float | None = None
    # ``handed`` is the call a function that calls a method by its name makes
    # (``operator.methodcaller("system", cmd)(os)``), not a sink handed over
    by_name: bool = False
    # what made the function the site's call calls, when the call the sink receives is not
    # that call (``functools.partial(subprocess.run, shell=True)``: its callee; a lambda
    # calling the sink): the finding says the sink is handed over to it (auditor.scan.
    # analyze's ``_made_call``), and no codemod rewrites the call as the sink's
    maker: cst.CSTNode | None = None
    # a sink stored where calls the file cannot follow may reach it (auditor.scan.stored):
    # what holds it (``self.run``, ``builtins.print``), as the finding names it
    stored: str | None = None
    # the constant Python text a code sink runs (``exec("def run(c): os.system(c)")``): it
    # is analysed as code of its own, and what it holds is reported here (_embedded)
    code: str | None = None
    # why a call of auditor's sandbox is not counted as isolated (auditor.scan.isolation)
    doubt: str | None = None
    # what an isolated call gives the payload back (``network=True``): it is reviewed
    exposed: str | None = None

    def position(self) -> float:
        """Where the site stands among the file's sites, in source order."""
        return self.order if self.order is not None else self.call.index


class Context:
    """What the per-file analysis needs, built once per scan."""

    def __init__(self, policy: Policy, options: Options | None = None) -> None:
        self.policy = policy
        self.options = options or Options()
        self._use(Catalogue(builtin_sinks() + policy.sinks))
        self.sources: SourceCatalogue = build_sources(policy.sources, policy.source or "policy")
        self._aliased: dict[frozenset[tuple[str, str]], Context] = {}
        if sys.getrecursionlimit() < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)

    def _use(self, catalogue: Catalogue) -> None:
        """Take ``catalogue`` and what the analysis reads of it."""
        self.catalogue = catalogue
        names = {name.rsplit(".", 1)[-1] for name in catalogue.by_name}
        names.update(catalogue.by_method)
        self.interesting = frozenset(names)
        self.known = known_names(catalogue.by_name)
        self.isolated = known_names(
            name for name, sink in catalogue.by_name.items() if sink.isolated
        )
        self.words = SinkWords.of(catalogue, tuple(s.name for s in self.policy.sinks))

    def with_aliases(self, aliases: frozenset[tuple[str, str]]) -> Context:
        """This context with more names for some sinks: ``("pkg.utils.sh", "os.system")``,
        a sink another module of the project binds under a name of its own
        (auditor.flow.aliases). An alias whose sink is unknown is left out."""
        found = self._aliased.get(aliases)
        if found is not None:
            return found
        more: dict[str, list[str]] = {}
        for alias, target in aliases:
            if target in self.catalogue.by_name and alias not in self.catalogue.by_name:
                more.setdefault(self.catalogue.by_name[target].name, []).append(alias)
        sinks = tuple(
            dataclasses.replace(s, aliases=(*s.aliases, *sorted(more[s.name])))
            if s.name in more and s.match != "method"
            else s
            for s in self.catalogue.sinks
        )
        made = Context.__new__(Context)
        made.__dict__.update(self.__dict__)
        made._aliased = {}
        made._use(Catalogue(sinks))
        self._aliased[aliases] = made
        return made


def _aliases(extra: tuple[str, ...], dotted: str, rel_path: str) -> frozenset[tuple[str, str]]:
    """The ``sink:ALIAS=SINK`` requests of the project-wide stage (auditor.flow.aliases), with
    the spellings a relative import of this module gives each alias (``.compat.run`` in
    ``pkg/views.py`` for ``pkg.compat.run``: the collector keeps an import's dots)."""
    package = rel_path.endswith(("__init__.py", "__init__.pyw"))
    parts = dotted.split(".") if dotted else []
    if not package:
        parts = parts[:-1]
    out: set[tuple[str, str]] = set()
    for request in extra:
        if not request.startswith("sink:"):
            continue
        alias, _, target = request[5:].partition("=")
        out.add((alias, target))
        for level in range(1, len(parts) + 1):
            prefix = ".".join(parts[: len(parts) - level + 1])
            if alias.startswith(prefix + "."):
                out.add(("." * level + alias[len(prefix) + 1 :], target))
    return frozenset(out)


def decode(data: bytes, path: str) -> tuple[str | None, ScanError | None]:
    """Decode source bytes honouring a BOM or an encoding cookie."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in exc.msg:
            cookie_line = 1 if b"coding" in data.split(b"\n", 1)[0] else 2
            return None, ScanError(path, f"bad encoding declaration: {exc.msg}", cookie_line)
        encoding = "utf-8"  # no cookie and not UTF-8: report the offending byte below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = line_number(data[: exc.start].decode("latin-1"), exc.start)
        return None, ScanError(
            path, f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} is invalid", line
        )
    except LookupError:
        return None, ScanError(path, f"unknown encoding {encoding!r} in the coding cookie", 1)
    if "\x00" in text:
        line = line_number(text, text.index("\x00"))
        return None, ScanError(path, "source contains a NUL byte (binary file?)", line)
    return text, None


def _python_syntax_error(exc: SyntaxError, data: bytes, path: str) -> ScanError:
    if _PY2.search(data):
        reason = "Python 2 syntax is not supported (port the file or exclude it)"
    else:
        reason = f"syntax error: {exc.msg}"
    return ScanError(path, reason, exc.lineno)


def _positions(
    nodes: NodePositions, calls: list[ast.Call], count: int, sites: list[_Site]
) -> dict[int, Span]:
    """Spans of the sites' calls by call index (see auditor.scan.positions); of a site
    anchored at a statement (a setting of the environment), by the id of the statement."""
    spans = call_spans(calls, nodes.lines)
    # the two parsers' calls pair when they are as many and every site's call agrees
    paired = len(spans) == count and all(
        agrees(site.call.node, spans[site.call.index][1]) for site in sites if site.anchor is None
    )
    out = {}
    for site in sites:
        anchor = site.anchor
        if anchor is None and paired:
            out[site.call.index] = spans[site.call.index][0]
            continue
        r = nodes.range(anchor if anchor is not None else site.call.node)
        if r is None:
            raise LookupError("a site's node is not in its module")
        key = id(anchor) if anchor is not None else site.call.index
        out[key] = Span(r.start.line, r.start.column, r.end.line, r.end.column)
    return out


def snippet_of(code: str) -> str:
    """The call's source on one line: comments dropped, white space folded outside strings."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(tokenizable(code)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return " ".join(code.split())
    out: list[str] = []
    prev_end: tuple[int, int] | None = None
    skip = (
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    )
    # a trailing comma before a closing bracket is noise on one line, except the one that
    # makes a tuple of one item (``("uptime",)``): per open bracket, whether it is a tuple's
    # parenthesis (not a call's) and how many commas it holds
    opened: list[list[int]] = []
    previous: tokenize.TokenInfo | None = None
    for tok in tokens:
        if tok.type in skip:
            continue
        if tok.string in (")", "]", "}") and out and out[-1] == ",":
            tuple_paren, commas = opened[-1] if opened else (0, 0)
            if not (tuple_paren and commas == 1):
                out.pop()
        if tok.string in ("(", "[", "{"):
            call = previous is not None and (
                (previous.type == tokenize.NAME and not keywords.iskeyword(previous.string))
                or previous.type == tokenize.STRING
                or previous.string in (")", "]", "}")
            )
            opened.append([int(tok.string == "(" and not call), 0])
        elif tok.string in (")", "]", "}") and opened:
            opened.pop()
        elif tok.string == "," and opened:
            opened[-1][1] += 1
        if (
            out
            and tok.start != prev_end
            and out[-1] not in ("(", "[", "{")
            and tok.string not in (")", "]", "}", ",")
        ):
            out.append(" ")
        out.append(tok.string)
        prev_end = tok.end
        previous = tok
    return "".join(out)


def analyze_source(
    data: bytes,
    path: str,
    rel_path: str,
    ctx: Context,
    explicit: bool = False,
    extra: tuple[str, ...] = (),
    trees: list[tuple[str, ast.Module]] | None = None,
    embedded: int = 0,
) -> FileResult:
    """Findings for one file. ``path`` is what the output shows; ``rel_path`` is the path
    relative to the policy root, for trusted-path matching. A file named ``explicit``-ly on
    the command line is always parsed, so its syntax errors are always reported.

    ``extra``: what the project-wide stage asks of this file beyond its own sinks
    ("call:NAME": the functions that call NAME; "def:NAME": the body of NAME; "set:NAME":
    the functions that set an attribute NAME, ``self.NAME = ...``; "put:NAME": the
    statements that write NAME as another module's global or a class attribute, in place
    or not, ``backup.NAME.append(x)``, ``NAME[0] = x``), so that
    the file's summary holds them (see auditor.flow).

    ``trees``: where to put the text and the standard library's tree of the whole file when
    it is parsed (for the worker's other readings of it: auditor.worker).

    ``embedded``: how deep ``data`` is the constant text a code sink of another file runs
    (``exec("...")``), 0 for a file (see :func:`_embedded`)."""
    result = FileResult()
    text, error = decode(data, path)
    if error is not None or text is None:
        result.errors.append(error or ScanError(path, "cannot decode"))
        return result
    # A file whose module is a sink module itself (CPython's os.py, test/support/
    # script_helper.py) defines catalogue names: no text check can rule it out. (Not every
    # module under a sink's root: a project's tests/ is not CPython's test.support.)
    dotted = module_name(rel_path, ctx.policy.root)
    # a sink the stage found under a project module's name (auditor.flow.aliases): the
    # whole file is parsed (the survey reads imports by their module's root, which a
    # relative import of the alias's module does not say)
    aliased = any(e.startswith("sink:") for e in extra)
    if aliased:
        ctx = ctx.with_aliases(_aliases(extra, dotted, rel_path))
    sink_module = dotted in ctx.words.modules
    extra_calls = frozenset(e[5:] for e in extra if e.startswith("call:"))
    extra_defs = frozenset(e[4:] for e in extra if e.startswith("def:"))
    extra_sets = frozenset(e[4:] for e in extra if e.startswith("set:"))
    extra_puts = frozenset(e[4:] for e in extra if e.startswith("put:"))
    if (
        ctx.options.prefilter
        and not explicit
        and not sink_module
        and not extra
        and not text_may_report(text, ctx.words)
    ):
        return result
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        result.errors.append(_python_syntax_error(exc, data, path))
        return result
    except (RecursionError, MemoryError, ValueError) as exc:
        result.errors.append(ScanError(path, f"cannot parse: {type(exc).__name__}"))
        return result
    if trees is not None:
        trees.append((text, tree))
    found = survey(tree, ctx.words, sink_module, extra_calls, extra_defs, extra_sets, extra_puts)
    if ctx.options.prefilter and not found.may_report and not aliased:
        return result
    if (
        ctx.options.prefilter
        and extra
        and not extra_defs
        and not explicit
        and not found.asked
        and not aliased
    ):
        # no call or set the stage asks for is here (the name was in a comment, a string, or
        # named something else): the file gives what it gave alone, without libcst. (A
        # ``def:`` request always parses: it may ask for a module-level name, an instance
        # whose method is called elsewhere, or a re-exported class.)
        if not (sink_module or text_may_report(text, ctx.words)):
            return result
        if not survey(tree, ctx.words, sink_module).may_report:
            return result
    calls = found.calls
    source, dropped = text, list[tuple[int, int]]()
    if ctx.options.prefilter and found.stubs and not aliased:
        source, dropped = skeleton(text, found.stubs)
        if dropped:
            calls = [c for c in calls if not _within(c.lineno, dropped)]
    try:
        try:
            module = parse_module(source)
        except cst.ParserSyntaxError:
            if not (aliased and ctx.options.prefilter and found.stubs):
                raise
            # the whole text libcst cannot parse: the skeleton, as without the aliases
            source, dropped = skeleton(text, found.stubs)
            if dropped:
                calls = [c for c in calls if not _within(c.lineno, dropped)]
            module = parse_module(source)
    except cst.ParserSyntaxError as exc:
        reason = " ".join(exc.message.split())
        result.errors.append(
            ScanError(path, f"valid Python that libcst cannot parse: {reason}", exc.raw_line)
        )
        return result
    except RecursionError:
        result.errors.append(ScanError(path, "too deeply nested to parse"))
        return result
    result.parsed = True
    if not text.isascii():
        module = _fold_identifiers(module)
    collector = Collector(ctx.catalogue, ctx.interesting, dotted)
    collector.package = rel_path.endswith(("__init__.py", "__init__.pyw"))
    collector.given = given_constants(extra)
    collector.unbound = frozenset(e[8:] for e in extra if e.startswith("unbound:"))
    try:
        collector.root = module
        collector.embedded = embedded > 0
        walk(module, collector)
        collector.finish()
        sites = _match(collector.calls, ctx, collector)
        # the rule each site has without the other modules' constants: its fingerprint's
        # (a baseline keeps matching the finding the constants reclassify)
        unaided: dict[tuple[int, int, int], str] = {}
        if collector.given or collector.inlined or collector.unbound:
            unaided = _unaided_rules(module, collector, ctx, rel_path)
        site_keys = _site_keys(sites)
    except RecursionError:
        result.errors.append(ScanError(path, "too deeply nested to analyse"))
        return result
    lines = physical_lines(source)
    placing = NodePositions(module, statement_starts(tree), lines)
    if not sites:
        result.summary = _summary(
            module, collector, ctx, dotted, rel_path, calls, placing, [], found, dropped
        )
        return result
    # the latent ones last: a site's finding is numbered in the findings, then the latent
    sites = [site for site in sites if not site.latent] + [s for s in sites if s.latent]
    positions = _positions(placing, calls, collector.call_count, sites)
    comments = comments_by_line(text)
    seen: Counter[str] = Counter()
    derived: list[Finding] = []
    judged = []
    for site in sites:
        node = site.call.node
        anchor = site.anchor
        pos = positions[id(anchor) if anchor is not None else site.call.index]
        sink_name = site.sink.name if site.sink is not None else _callee_text(module, node)
        verdict = _verdict(site, ctx, rel_path, sink_name)
        keys = {verdict.rule, verdict.category, sink_name, sink_name.rsplit(".", 1)[-1]}
        # bandit's tests on the call: its sink's, or "any other function with shell=True"
        bandit = site.sink.bandit if site.sink is not None else ("B604",)
        target = Target(
            (pos.line, pos.column), (pos.end_line, pos.end_column), frozenset(keys), bandit
        )
        judged.append((site, pos, sink_name, verdict, target))
    suppressed = suppressions(comments, [j[-1] for j in judged], ctx.options.honor_nosec)
    for (site, pos, sink_name, verdict, _), suppression in zip(judged, suppressed, strict=True):
        node = site.call.node
        anchor = site.anchor
        whole = snippet_of(module.code_for_node(anchor if anchor is not None else node))
        snippet = whole
        if len(snippet) > _SNIPPET_MAX:
            snippet = snippet[: _SNIPPET_MAX - 1] + "…"
        message = verdict.message
        runs = site.runs
        note = None
        if runs is not None and runs.told and runs.note and site.payload == "dynamic":
            note = runs.note  # pip install SPEC: what the package's code does; cwd=: what reads it
        elif runs is not None and runs.uses and site.payload == "dynamic":
            note = runs.uses  # bash -c 'eval "$1"' bash CMD: the script runs CMD
        elif site.payload != "dynamic":  # sh -c "curl URL | sh": constant, from the network
            note = fetched_code(runs, site.shell, site.command)
        if note:
            message += f": {note}"
        handed_to = None
        if site.stored is not None:
            # not the sink's own call: no codemod rewrites it
            handed_to = site.stored
            message += (
                f" (stored in {site.stored}: a call through it runs the sink, from code the"
                " analysis may not see)"
            )
        elif (
            site.handed is not None
            and site.sink is not None
            and site.sink.form != "dispatch"
            and not site.by_name
        ):
            handed_to = _callee_text(module, node)
            message += handed_text(handed_to)
        elif isinstance(site.maker, cst.Lambda):
            handed_to = "lambda"  # the made call is not this one: no rewrite of its own
            message += handed_text(handed_to)
        elif site.maker is not None:
            maker = site.maker.func if isinstance(site.maker, cst.Call) else site.maker
            handed_to = " ".join(module.code_for_node(maker).split())  # functools.partial
            message += handed_text(handed_to)
        if site.doubt is not None:
            message += f" (not counted as isolated: {site.doubt})"
        risk, action = verdict.risk, verdict.action
        if verdict.isolated and site.exposed is not None and site.payload == "dynamic":
            risk, action = "medium", "review"
            message += f" (but {site.exposed})"
        if suppression.note:
            message += f" ({suppression.note})"
        # the whole call, not the snippet cut for display: text appended past the cut (``;
        # curl ... | sh``) is a new call for a baseline (a short call's is its snippet); the
        # rule the file alone gives, without other modules' constants
        rule = unaided.get(site_keys[id(site)], verdict.rule)
        identity = "|".join((rule, rel_path, sink_name, site.call.function, whole))
        seen[identity] += 1
        fingerprint = hashlib.sha256(f"{identity}|{seen[identity]}".encode()).hexdigest()[:20]
        (result.latent if site.latent else result.findings).append(
            Finding(
                rule=verdict.rule,
                path=path,
                line=pos.line,
                column=pos.column + 1,
                end_line=pos.end_line,
                end_column=pos.end_column + 1,
                sink=sink_name,
                kind=site.sink.kind if site.sink is not None else "command",
                shell=site.shell,
                payload=site.payload,
                isolated=verdict.isolated,
                trusted_by=verdict.trusted_by,
                risk=risk,
                action=action,
                function=site.call.function,
                snippet=snippet,
                message=message,
                fingerprint=fingerprint,
                suppressed=suppression.suppressed,
                category=verdict.category,
                cwe=site.sink.cwe if site.sink is not None else 78,
                suppression_reason=suppression.reason,
                handed_to=handed_to,
                via=site.runs.via if site.runs is not None else (),
                privileged=site.runs.privileged if site.runs is not None else False,
                language=verdict.language,
                note=note,
            )
        )
        if site.code is not None and embedded < _EMBEDDED_DEPTH and not site.latent:
            derived.extend(_embedded(site.code, result.findings[-1], path, rel_path, ctx, embedded))
    result.summary = _summary(
        module, collector, ctx, dotted, rel_path, calls, placing, sites, found, dropped
    )
    if derived:
        # after the sites' own findings: a latent site's number counts from their end
        count = len(result.findings)
        result.findings.extend(derived)
        summary = result.summary
        if summary is not None and result.latent:
            summary.sites = [
                dataclasses.replace(s, finding=s.finding + len(derived))
                if s.finding >= count
                else s
                for s in summary.sites
            ]
    return result


# how deep constant code run by constant code is analysed
_EMBEDDED_DEPTH = 3


def _embedded(
    code: str, outer: Finding, path: str, rel_path: str, ctx: Context, depth: int
) -> list[Finding]:
    """The findings of the constant Python text a code sink runs (``exec("def run(c):
    os.system(c)")``, ``eval("os.system")``), analysed as code of its own, each reported at
    the sink's call (``outer``'s place): what that text defines and leaves in its namespace
    is reached by calls the analysis does not see."""
    with warnings.catch_warnings():
        # what the text's parse warns of (SyntaxWarning: "invalid decimal literal" in the
        # test strings of CPython's test_grammar) is no news to the user of the scan
        warnings.simplefilter("ignore")
        inner = analyze_source(
            code.encode(), path, rel_path, ctx, explicit=True, embedded=depth + 1
        )
    out = []
    short = (outer.sink or "exec").rsplit(".", 1)[-1]
    for found in inner.findings:
        identity = f"{outer.fingerprint}|{found.fingerprint}"
        out.append(
            dataclasses.replace(
                found,
                path=outer.path,
                line=outer.line,
                column=outer.column,
                end_line=outer.end_line,
                end_column=outer.end_column,
                function=outer.function,
                snippet=outer.snippet,
                message=f"{found.message} (in the code {short}() runs: {found.snippet})",
                fingerprint=hashlib.sha256(identity.encode()).hexdigest()[:20],
                suppressed=outer.suppressed or found.suppressed,
                suppression_reason=outer.suppression_reason or found.suppression_reason,
                handed_to=outer.sink,  # not the sink's own call here: no rewrite
            )
        )
    return out


def given_constants(extra: tuple[str, ...] | frozenset[str]) -> dict[str, cst.BaseExpression]:
    """The ``const:NAME=EXPR`` requests of the project-wide stage: a name of another module
    of the project (absolute dotted) bound once to a constant there, with its value as a
    Python expression (auditor.flow.constants)."""
    out: dict[str, cst.BaseExpression] = {}
    for item in extra:
        if not item.startswith("const:"):
            continue
        name, _, source = item[6:].partition("=")
        try:
            out[name] = cst.parse_expression(source)
        except (cst.ParserSyntaxError, RecursionError):
            continue  # not followed: the name stays what the file alone says
    return out


def _site_keys(sites: list[_Site]) -> dict[int, tuple[int, int, int]]:
    """A key for each site (by id) that another matching of the same file gives it too:
    its call, the call it is handed to, and its rank among the sites of both."""
    seen: Counter[tuple[int, int]] = Counter()
    out = {}
    for site in sites:
        key = (site.call.index, id(site.handed) if site.handed is not None else 0)
        out[id(site)] = (*key, seen[key])
        seen[key] += 1
    return out


def _unaided_rules(
    module: cst.Module, collector: Collector, ctx: Context, rel_path: str
) -> dict[tuple[int, int, int], str]:
    """The rule of each site as the file alone gave it before it read other modules'
    constants (``collector.given``) and what its functions return (``collector.inline``):
    a finding's fingerprint is made with it, so that a baseline keeps matching it."""
    given, collector.given, collector.inline = collector.given, {}, False
    unbound, collector.unbound = collector.unbound, frozenset()
    try:
        alone = _match(collector.calls, ctx, collector)
    finally:
        collector.given, collector.inline = given, True
        collector.unbound = unbound
    rules = {}
    keys = _site_keys(alone)
    for site in alone:
        name = site.sink.name if site.sink is not None else _callee_text(module, site.call.node)
        rules[keys[id(site)]] = _verdict(site, ctx, rel_path, name).rule
    return rules


def _verdict(site: _Site, ctx: Context, rel_path: str, sink_name: str) -> Verdict:
    """The policy's classification of ``site`` (its sink named ``sink_name``)."""
    runs = site.runs
    return classify(
        ctx.policy,
        site.sink,
        site.shell,
        site.payload,
        rel_path,
        site.command,
        sink_name,
        runs=runs.runs if runs is not None else None,
        via=runs.via if runs is not None else (),
        privileged=runs is not None and runs.privileged,
        language=runs.language if runs is not None else None,
    )


def _summary(
    module: cst.Module,
    collector: Collector,
    ctx: Context,
    dotted: str,
    rel_path: str,
    calls: list[ast.Call],
    placing: NodePositions,
    sites: list[_Site],
    found: Survey,
    dropped: list[tuple[int, int]],
) -> FileSummary | None:
    """The file's summary for the project-wide stage (auditor.flow)."""
    try:
        return _build_summary(
            module, collector, ctx, dotted, rel_path, calls, placing, sites, found, dropped
        )
    except RecursionError:
        return None  # too deep to follow: the findings stand as the file alone gives them


def _build_summary(
    module: cst.Module,
    collector: Collector,
    ctx: Context,
    dotted: str,
    rel_path: str,
    calls: list[ast.Call],
    placing: NodePositions,
    sites: list[_Site],
    found: Survey,
    dropped: list[tuple[int, int]],
) -> FileSummary:
    from auditor.scan.summary import Summarizer, payload_nodes

    resolver = Resolver(ctx.known, isolated=ctx.isolated)
    evaluator = evaluator_for(collector, resolver)
    assume = evaluator_for(collector, resolver, assume_params=True)
    lines = placing.lines
    spans = call_spans(calls, lines)
    by_index = {c.index: c.node for c in collector.every_call}

    def call_position(index: int) -> tuple[int, int]:
        if len(spans) == collector.call_count:
            span = spans[index][0]
            return (span.line, span.column + 1)
        pos = placing.range(by_index[index])
        return (pos.start.line, pos.start.column + 1) if pos is not None else (0, 0)

    package = rel_path.endswith(("__init__.py", "__init__.pyw"))
    defs = [d for d in found.defs if not _within(d[1], dropped)] if found.defs else None
    summarizer = Summarizer(
        module, collector, resolver, evaluator, assume, ctx.sources, dotted, package,
        call_position, placing, defs,
    )  # fmt: skip
    summarizer.importing = evaluator_for(collector, resolver)
    summarizer.importing.imported = set()
    summarizer.dropped = dropped
    if ctx.sources.quoting:
        summarizer.exposed = _exposed_quotes(sites, collector, resolver, ctx.sources.quoting)
    entries = []
    reading: Evaluator | None = None
    chdirs: _Chdirs | None = None
    for index, site in enumerate(sites):
        node = site.handed if site.handed is not None else site.call.node
        imports: tuple[str, ...] = ()
        if site.setting is not None:
            # what the setting sets (site.extra, below); constant when the parameters are
            nodes = []
            chosen = env_choice(site.setting, site.call.scope, assume).chosen
            if_params = "dynamic" if chosen else "constant"
        elif site.sink is not None and site.sink.form == "dispatch":
            nodes = payload_nodes(node, 0, None)  # the name looked up
            if_params = None
        elif site.sink is not None:
            start = site.sink.payload
            nodes = []
            if start < 0 and site.sink.form == "program-args":
                start = 0  # sh.bash("-c", cmd): the program is the sink's default
            if start >= 0:
                nodes = payload_nodes(
                    node, start, site.sink.keyword, site.sink.form, site.sink.name
                )
            twin_call = site.call
            if site.handed is not None:
                twin_call = CallSite(site.handed, site.call.scope, site.call.function, -1)
            if chdirs is None:
                chdirs = chdir_calls(collector.every_call, resolver)
            twin = _evaluate(site.sink, twin_call, assume, chdirs)
            if_params = twin.payload if twin is not None else None
            if site.payload != "constant" and site.handed is None:
                imports = _imports_read(site, collector, resolver, chdirs)
        else:
            nodes = payload_nodes(node, 0, "args")
            first = positional(node, 0) or keyword(node, "args") or keyword(node, "cmd")
            const = first is not None and assume.value(first, site.call.scope).const
            if_params = "constant" if const else None
        program = _program_item(site, nodes)
        if site.handed is None:
            if site.payload == "dynamic" and site.sink is not None:
                # code written to a file the call then runs or reads (or that a shell
                # reading its input is given: stdin=open(p)): its origin counts
                read = nodes
                fed = keyword(site.call.node, "stdin")
                if site.runs is not None and site.runs.stdin is not None and fed is not None:
                    read = [*nodes, fed]
                if chdirs is None:
                    chdirs = chdir_calls(collector.every_call, resolver)
                argv = _payload_arg(site.sink, site.call.node)
                run_module = None
                if isinstance(argv, cst.List | cst.Tuple):
                    run_module = _module_item(argv, site.runs, site.call.scope, evaluator)
                nodes = nodes + written_content(
                    read, site.call, collector.every_call, resolver,
                    cwd=_cwd_arg(site.sink, site.call, chdirs),
                    modules=[run_module] if run_module is not None else [],
                    functions=collector.functions,
                )  # fmt: skip
            nodes = nodes + list(site.extra)
        reads_stdin: str | None = None
        if site.runs is not None and site.runs.stdin is not None and site.handed is None:
            reads_stdin = "process"
            if site.sink is not None and _opens_pipe(
                site.sink, site.call.node, site.call.scope, evaluator
            ):
                reads_stdin = "pipe"  # os.popen("sh", "w"): the call returns the pipe
            elif site.sink is not None and stdin_feeds().session(site.sink.name) is not None:
                reads_stdin = site.sink.name  # pexpect.spawn("bash"): fed by child.sendline
            else:
                # what the call itself feeds it (``run(["bash"], input=cmd)``) is its payload
                nodes = nodes + _input_args(site.call.node)
        elif (
            site.handed is None
            and site.payload == "dynamic"
            and site.sink is not None
            and stdin_feeds().session(site.sink.name) is not None
        ):
            # pexpect.spawn(f"su {user}"): what starts is not known, and may be a shell that
            # runs what child.sendline() sends it; its origin counts too
            reads_stdin = site.sink.name
        names: frozenset[str] = frozenset()
        if (
            site.payload == "constant"
            and site.sink is not None
            and not site.call.scope.module().written_by_key
        ):
            if reading is None:
                reading = evaluator_for(collector, resolver)
            reading.reads = set()
            for item in nodes:
                reading.value(item, site.call.scope)
            names = frozenset(reading.reads)
        entries.append(
            (
                index, site.call, nodes, if_params, _argv_param(site), program, reads_stdin,
                names, imports,
            )
        )  # fmt: skip
    return summarizer.build(entries, found.value_names, found.value_attrs)


def _imports_read(
    site: _Site, collector: Collector, resolver: Resolver, chdirs: _Chdirs | None
) -> tuple[str, ...]:
    """The names imported from other modules (absolute dotted) that a site reads, when the
    site would be more constant if they were constants (``subprocess.run(["python",
    SCRIPT])`` with ``from .consts import SCRIPT``): the project-wide stage looks for their
    values (auditor.flow.constants). Empty otherwise."""
    assert site.sink is not None
    reading = evaluator_for(collector, resolver)
    reading.imported = set()
    alt = _evaluate(site.sink, site.call, reading, chdirs)
    if not reading.imported or (alt is not None and alt.payload == site.payload):
        return ()
    return tuple(sorted(reading.imported))


def _exposed_quotes(
    sites: list[_Site], collector: Collector, resolver: Resolver, quoting: set[str]
) -> set[int]:
    """The quoting calls (``shlex.quote(x)``, by id) of the shell command strings of
    ``sites`` that protect nothing where they stand: inside quotes, where the quoted word is
    the command itself or a launcher's code (``"bash -c " + shlex.quote(x)``). Their
    sanitizer does not count (auditor.judge.shellwords.exposed_quoted_holes)."""
    out: set[int] = set()
    marking: Evaluator | None = None
    for site in sites:
        sink = site.sink
        if sink is None or sink.form not in ("command", "program-args", "program-argv"):
            continue
        node = site.handed if site.handed is not None else site.call.node
        arg = _payload_arg(sink, node)
        if arg is None:
            continue
        if marking is None:
            marking = evaluator_for(collector, resolver)
            marking.mark_quoting(frozenset(quoting))
        assert marking.marked is not None
        marking.marked.clear()
        marking.not_options.clear()
        value = marking.value(arg, site.call.scope)
        if sink.form != "command":
            value = _program_vector(sink, node, value, site.call.scope, marking)
        if not marking.marked:
            continue
        if site.shell is False or sink.form != "command":
            exposed = _argv_exposed(value, marking.not_options)
        elif value.items is not None:  # a list run by a shell: its first item is the command
            exposed = _string_exposed(
                value.items[0] if value.items else Value(False), marking.not_options
            )
            if site.shell is None:  # or the argv, without one
                exposed |= _argv_exposed(value, marking.not_options)
        else:
            exposed = _string_exposed(value, marking.not_options)
        out.update(id(marking.marked[index]) for index in exposed)
    return out


def _program_vector(
    sink: Sink, node: cst.Call, program: Value, scope: Scope, evaluator: Evaluator
) -> Value:
    """What an exec or spawn call runs as one argument vector: its program, then its
    arguments (``os.execlp("sh", "sh", "-c", cmd)``, ``os.execvp("sh", ["sh", "-c", cmd])``;
    an exec's argv[0] is only the name it gives the program)."""
    if sink.form == "program-args":
        extra = [a for a in node.args if a.keyword is None and a.star == ""]
        rest = extra[sink.payload + 1 :]
        if sink.env_position == -1 and len(rest) > 1:
            rest = rest[:-1]  # execle(path, arg0, ..., env): the environment
        items = [program, *(evaluator.value(a.value, scope) for a in rest)]
        more = has_star_args(node)
    else:
        argv_node = _payload_arg(sink, node, 1)
        argv = evaluator.value(argv_node, scope) if argv_node is not None else Value(True)
        if argv.items is None:
            return Value(False)
        items = [program, *argv.items]
        more = argv.more
    if sink.argv0 or sink.form == "program-argv":
        items = [items[0], *items[2:]]
    return Value(False, items=tuple(items), more=more, splits=more)


def _text_parts(value: Value) -> tuple[str | None, ...] | None:
    """The constant text segments and holes of a string (None: not a string, or unread)."""
    if value.const and value.text is not None:
        return (value.text,)
    return value.parts


def _string_exposed(value: Value, not_options: set[int]) -> set[int]:
    """The quoted holes of a shell command string that protect nothing: where the shell
    reads them (auditor.judge.shellwords.exposed_quoted_holes), or where the string runs
    them further on (``x='W'; eval "$x"``: auditor.judge.script_uses.quoted_words_run).
    Where the quoted values land cannot be read: none (they count as before)."""
    parts = _text_parts(value)
    if parts is None:
        return set()
    marks = split_marks(parts)
    return exposed_holes(marks, not_options=not_options) | quoted_words_run(marks, not_options)


def _argv_exposed(value: Value, not_options: set[int]) -> set[int]:
    """The quoted holes of an argument vector run without a shell that protect nothing:
    all but those in the command string a shell of the vector reads (``["sh", "-c", "ls "
    + shlex.quote(x)]``, ``["ssh", host, "ls " + shlex.quote(x)]``), judged there as in any
    shell string. Without a shell a quote adds quote characters to a word that needs them
    and leaves a word it need not quote as it is: ``-exec``, ``--to-command=sh`` and ``id``
    stay an option or a program, and ``.split()`` of a quoted string cuts it at its blanks.
    A hole of an item the vector does not show counts as before."""
    items = value.items
    if items is None:
        return set()
    found = [set(_marks_in(v)) for v in items]
    if not any(found):
        return set()
    exposed: set[int] = set().union(*found)
    words = [word_of(v) for v in items]
    if value.more:
        words.append(Word(None, splits=value.splits))
    peeled = peel(words)
    if peeled.kind != "shell" or peeled.language not in (None, "sh"):
        return exposed
    start = peeled.start
    if start >= len(items):
        return exposed
    script = list(items[start:]) if peeled.joined else [items[start]]
    if peeled.joined and value.more:
        return exposed - set().union(*found[start:])  # the rest of the command is not seen
    parts: list[str | None] = []
    for k, item in enumerate(script):
        text = _text_parts(item)
        if text is None:
            return exposed - set().union(*found[start:])
        if k:
            parts.append(" ")
        parts.extend(text)
    if peeled.offset and parts and isinstance(parts[0], str):
        parts[0] = parts[0][peeled.offset :]
    inside = set().union(*found[start : start + len(script)])
    return (exposed - inside) | _string_exposed(Value(False, parts=tuple(parts)), not_options)


def _marks_in(value: Value) -> list[int]:
    """The quoted holes an argv item holds."""
    parts = _text_parts(value)
    if parts is None:
        return []
    return [p for p in split_marks(parts) if isinstance(p, int)]


def _input_args(node: cst.Call) -> list[cst.BaseExpression]:
    """The keyword arguments of a call starting a shell that are its standard input
    (``input=``: rules/stdin_feeds.toml)."""
    table = stdin_feeds()
    return [
        arg.value
        for arg in node.args
        if arg.keyword is not None and arg.keyword.value in table.keywords
    ]


def _program_item(site: _Site, nodes: list[cst.BaseExpression]) -> cst.BaseExpression | None:
    """The program of an argument vector written out as a list or tuple and run without a
    shell or launcher (``subprocess.run([editor, path])``: ``editor``), else None."""
    sink = site.sink
    if sink is None or sink.form != "command" or site.shell is not False or site.runs:
        return None
    executable = _executable_arg(sink, site.call.node)
    if executable is not None:
        return executable  # subprocess.run(["ls"], executable=prog): prog runs
    if len(nodes) != 1 or not isinstance(nodes[0], (cst.List, cst.Tuple)):
        return None
    elements = nodes[0].elements
    if not elements or not isinstance(elements[0], cst.Element):
        return None  # empty, or a starred first item
    return elements[0].value


def _argv_param(site: _Site) -> str | None:
    """The parameter that is the whole argument vector of a program run without a shell,
    named as is (``subprocess.run(cmd)`` in ``def run(cmd)``, ``cmd`` bound nowhere else)."""
    sink = site.sink
    if sink is None or sink.form != "command" or site.shell is not False or site.handed is not None:
        return None
    if site.runs is not None or site.payload != "dynamic":
        return None
    arg = _payload_arg(sink, site.call.node)
    if not isinstance(arg, cst.Name):
        return None
    bindings = site.call.scope.lookup(arg.value)
    if not bindings or any(b.kind != "param" for b in bindings):
        return None
    return arg.value


def _within(line: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether ``line`` is in one of ``ranges`` (sorted, disjoint, inclusive)."""
    i = bisect.bisect_right(ranges, (line, sys.maxsize)) - 1
    return i >= 0 and ranges[i][0] <= line <= ranges[i][1]


class _FoldNames(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        value = updated_node.value
        if value.isascii():
            return updated_node
        return updated_node.with_changes(value=unicodedata.normalize("NFKC", value))


class _FindNonAsciiName:
    found = False

    def visit_Name(self, node: cst.Name) -> None:
        if not node.value.isascii():
            self.found = True


def _fold_identifiers(module: cst.Module) -> cst.Module:
    """Python folds identifiers to NFKC (fullwidth ``eval`` is ``eval``); libcst keeps them as
    written. Fold them before resolution, so that a disguised name is still resolved. Most
    non-ASCII files have non-ASCII only in strings and comments: libcst's rebuilding visit
    (the cost of a parse) runs only when a name needs it, found by the read-only walk."""
    finder = _FindNonAsciiName()
    walk(module, finder)
    return module.visit(_FoldNames()) if finder.found else module


def _callee_text(module: cst.Module, node: cst.Call) -> str:
    return " ".join(module.code_for_node(node.func).split())


def _subclasses(collector: Collector) -> dict[str, tuple[str, ...]]:
    """Each class of the module -> the classes of the module that derive from it, directly
    or not (a base named by its name, or by its key)."""
    direct: dict[str, set[str]] = {}
    keys = {record.key for record in collector.classes}
    for record in collector.classes:
        for base in record.node.bases:
            text = _dotted_name(base.value)
            if text in keys and text != record.key:
                direct.setdefault(text, set()).add(record.key)
    out: dict[str, tuple[str, ...]] = {}
    for key in direct:
        found: list[str] = []
        queue = list(direct[key])
        while queue:
            sub = queue.pop()
            if sub not in found and sub != key:
                found.append(sub)
                queue += direct.get(sub, ())
        out[key] = tuple(found)
    return out


def _dotted_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = _dotted_name(node.value)
        return f"{inner}.{node.attr.value}" if inner is not None else None
    return None


def evaluator_for(
    collector: Collector, resolver: Resolver, assume_params: bool = False
) -> Evaluator:
    """A payload evaluator that knows the module's ``self.<attr>`` assignments."""
    attrs: AttrTable = {}
    for assign in collector.attr_assigns:
        attrs.setdefault((assign.cls, assign.attr), []).append(
            (assign.value, assign.scope, assign.method, assign.mutation)
        )
    methods: dict[int, tuple[str, str]] = {}
    for record in collector.functions:
        params = (*record.node.params.posonly_params, *record.node.params.params)
        plain = not any(
            isinstance(d.decorator, cst.Name)
            and d.decorator.value in ("staticmethod", "classmethod")
            for d in record.node.decorators
        )
        if record.cls is not None and params and plain:
            methods[id(record.scope)] = (record.cls, params[0].name.value)
    evaluator = Evaluator(
        resolver, assume_params=assume_params, attrs=attrs, methods=methods,
        outside=frozenset(collector.outside_attrs),
    )  # fmt: skip
    evaluator.subclasses = _subclasses(collector)
    evaluator.class_scopes = {
        record.key: record.scope for record in collector.classes if record.scope is not None
    }
    evaluator.class_nodes = {record.key: record.node for record in collector.classes}
    module, package = collector.module_name, collector.package
    evaluator.absolute = lambda target: absolute(target, module, package)
    if collector.inline:
        evaluator.functions = {
            (id(record.outer), record.node.name.value): (record.node, record.scope, record.returns)
            for record in collector.functions
            if record.cls is None
        }
        evaluator.inlined = collector.inlined
        evaluator.shapes = collector.shapes
    evaluator.unbound = collector.unbound
    if collector.given:
        literal = Evaluator(resolver)
        evaluator.given = {
            name: literal.value(value, collector.module_scope)
            for name, value in collector.given.items()
        }
    return evaluator


def _match(calls: list[CallSite], ctx: Context, collector: Collector | None = None) -> list[_Site]:
    resolver = Resolver(ctx.known, lookups=True, isolated=ctx.isolated)
    evaluator = evaluator_for(collector, resolver) if collector is not None else Evaluator(resolver)
    catalogue = ctx.catalogue
    held = HeldSinks(collector, resolver, catalogue) if collector is not None else None
    chdirs = chdir_calls(collector.every_call, resolver) if collector is not None else None
    sites: list[_Site] = []
    for call in calls:
        node = call.node
        qualname = resolver.qualname(node.func, call.scope)
        sink = catalogue.lookup(qualname) if qualname is not None else None
        builtin = _builtin_before_bound(node.func, call) if sink is None else None
        if builtin is not None:
            sink = catalogue.lookup(builtin)
        if sink is None and isinstance(node.func, cst.Attribute):
            sink = catalogue.by_method.get(node.func.attr.value) or _instance_method(
                node.func, call.scope, resolver, catalogue, held
            )
        if sink is None and held is not None:
            sink = _held_sink(node.func, call.scope, held)
        if sink is None:
            maker: cst.CSTNode | None = None
            made = _called_by_name(node, call.scope, resolver, catalogue)
            if made is None:
                made = _init_called(node, call.scope, resolver, catalogue)
            if made is None:
                found = _made_call(node, call.scope, resolver, catalogue)
                if found is not None:
                    made, maker = (found[0], found[1]), found[2]
            if made is not None:  # operator.methodcaller("system", cmd)(os): os.system(cmd)
                sink, handed = made
                site = _evaluate(sink, CallSite(handed, call.scope, call.function, -1), evaluator)
                if site is not None:
                    _judge_handed(site, call.scope, resolver, evaluator, collector, ctx)
                    site.call, site.handed, site.by_name = call, handed, True
                    site.maker = maker
                    sites.append(site)
                continue
        doubt = exposed = None
        if sink is not None and sink.isolated:
            sink, doubt, exposed = _isolation_judged(
                sink, node, call.scope, resolver, evaluator, collector, ctx
            )
        if sink is not None:
            site = _evaluate(sink, call, evaluator, chdirs)
            if site is None and sink.form == "module" and collector is not None:
                site = _imports_written(sink, call, collector, resolver, evaluator)
            if site is not None:
                site.doubt, site.exposed = doubt, exposed
                if qualname is not None and qualname.endswith("(partial)"):
                    # a partial of the sink another module's function returns: the sink
                    # receives more than this call gives (auditor.flow.aliases)
                    site.maker = node.func
                if (
                    sink.name in _ARGV_READERS
                    and site.payload == "constant"
                    and collector is not None
                    and _argv_set(call, collector, evaluator)
                ):
                    site.payload = "fixed-program"  # sys.argv = ["pip", "install", *pkgs]
                sites.append(site)
            continue
        shell_arg = keyword(node, "shell")
        if shell_arg is None:
            continue
        if _hands_a_sink(node, call, resolver, catalogue):
            continue  # functools.partial(subprocess.run, cmd, shell=True): a handover
        dispatch = _dispatch(call, resolver, evaluator, catalogue)
        if dispatch is not None and not dispatch.latent:
            # getattr(subprocess, name)(cmd, shell=True): a function chosen by name in a
            # module of sinks, not a wrapper outside the catalogue
            sites.append(dispatch)
            continue
        shell = evaluator.value(shell_arg, call.scope)
        if shell.const and shell.truth is False:
            continue
        first = positional(node, 0) or keyword(node, "args") or keyword(node, "cmd")
        payload = "dynamic"
        if first is not None and evaluator.value(first, call.scope).const:
            payload = "constant"
        sites.append(_Site(call, None, True if shell.truth else None, payload, None))
    if collector is not None and held is not None:
        matched = {id(site.call.node) for site in sites}
        seen = {id(call.node) for call in calls}
        callees = _callee_calls(sites)
        for call in collector.every_call:
            if id(call.node) in matched:
                continue
            if id(call.node) not in seen:
                # a callee the collector does not keep by its name: a sink an attribute of
                # a class holds (self.sh(cmd)), a class deriving from a catalogue class
                sink = _held_sink(call.node.func, call.scope, held)
                if sink is None and isinstance(call.node.func, cst.Attribute):
                    sink = _instance_method(
                        call.node.func, call.scope, resolver, catalogue, held, local_only=True
                    )
                if sink is not None:
                    site = _evaluate(sink, call, evaluator, chdirs)
                    if site is not None:
                        sites.append(site)
                    continue
            for site in _handovers(call, resolver, evaluator, catalogue):
                if site.sink is not None and site.sink.name in callees.get(id(call.node), ()):
                    # next(iter([os.system]))(cmd): the sink is reported where it is called
                    continue
                _judge_handed(site, call.scope, resolver, evaluator, collector, ctx)
                sites.append(site)
            dispatch = _dispatch(call, resolver, evaluator, catalogue)
            if dispatch is not None:
                sites.append(dispatch)
        sites.extend(_settings(collector, resolver, evaluator))
        sites.extend(_stored(collector, resolver, evaluator, catalogue))
        sites.sort(key=_Site.position)
        sites = [_runs_written(site, collector, resolver, evaluator, chdirs) for site in sites]
    return sites


def _callee_calls(sites: list[_Site]) -> dict[int, set[str]]:
    """id() of each call inside the callee of a site (``iter([os.system])`` of
    ``next(iter([os.system]))(cmd)``, ``d.get("y", os.system)`` of ``d.get("y",
    os.system)(cmd)``) -> the sinks of those sites: what such a call is handed is the sink
    the site calls, reported there, not as a handover of its own."""
    out: dict[int, set[str]] = {}
    for site in sites:
        func = site.call.node.func
        if site.sink is None or site.handed is not None or type(func) in (cst.Name, cst.Attribute):
            continue
        pending: list[cst.CSTNode] = [func]
        while pending:
            node = pending.pop()
            if isinstance(node, cst.Call):
                out.setdefault(id(node), set()).add(site.sink.name)
            pending.extend(node.children)
    return out


_WRITTEN = "the script it runs is a file this function writes with data built at run time"


def _runs_written(
    site: _Site,
    collector: Collector,
    resolver: Resolver,
    evaluator: Evaluator,
    chdirs: _Chdirs | None,
) -> _Site:
    """A site that runs a file the same function writes with content built at run time
    (``f.write(src)`` then ``run([sys.executable, f.name])``, ``run([path])``,
    ``runpy.run_path(path)``): what runs is that content, dynamic code, whatever the path
    (a temporary file's name is known only at run time, but it is not what chooses what
    runs)."""
    runs, sink = site.runs, site.sink
    if sink is None or site.handed is not None:
        return site
    if site.payload == "dynamic" and (runs is None or runs.runs != "program"):
        return site
    argv = _payload_arg(sink, site.call.node)
    items: list[cst.BaseExpression] = []
    modules: list[str] = []
    if sink.kind == "code" and argv is not None:
        if sink.name == "runpy.run_path":
            items.append(argv)
    elif isinstance(argv, cst.List | cst.Tuple) and argv.elements:
        at = [0] if runs is None else []  # the program itself, run by its #! line
        if runs is not None and runs.script_at is not None:
            at.append(runs.script_at)
        for index in at:
            if index < len(argv.elements) and not any(
                isinstance(e, cst.StarredElement) for e in argv.elements[: index + 1]
            ):
                items.append(argv.elements[index].value)
            elif index > 0:
                # ``[sys.executable, *args]``: the script is one of the items spread (a
                # list the function binds: written_content reads its items)
                items.extend(e.value for e in argv.elements[1:])
        module = _module_item(argv, runs, site.call.scope, evaluator)
        if module is not None:
            modules.append(module)  # python3 -m mod: mod.py, where the call runs
    if not items and not modules:
        return site
    written = written_content(
        items, site.call, collector.every_call, resolver,
        cwd=_cwd_arg(sink, site.call, chdirs), modules=modules, functions=collector.functions,
    )  # fmt: skip
    built = [c for c in written if not evaluator.value(c, site.call.scope).const]
    if not built:
        return site
    if runs is None:
        runs = Runs("dynamic", "code", (), False, _WRITTEN, told=True)
    else:
        runs = dataclasses.replace(runs, payload="dynamic", runs="code", note=_WRITTEN, told=True)
    return dataclasses.replace(
        site, payload="dynamic", command=None, runs=runs, extra=(*site.extra, *built)
    )


def _module_item(
    argv: cst.List | cst.Tuple, runs: Runs | None, scope: Scope, evaluator: Evaluator
) -> str | None:
    """The module a Python argv runs by ``-m`` (``["python3", "-m", "mod"]``), when it is
    a constant."""
    index = runs.module_at if runs is not None else None
    if index is None or index >= len(argv.elements):
        return None
    if any(isinstance(e, cst.StarredElement) for e in argv.elements[: index + 1]):
        return None
    value = evaluator.value(argv.elements[index].value, scope)
    if not value.const or not value.text:
        return None
    return value.text.removeprefix("-m") or None


def _imports_written(
    sink: Sink, call: CallSite, collector: Collector, resolver: Resolver, evaluator: Evaluator
) -> _Site | None:
    """A constant import (``importlib.import_module("mod")``, ``__import__("mod")``) of a
    module whose file the same function writes with data built at run time (``mod.py``
    written into a folder it puts on ``sys.path``): dynamic code, what was written."""
    arg = _payload_arg(sink, call.node)
    value = evaluator.value(arg, call.scope) if arg is not None else None
    if value is None or not value.const or not value.text or value.text.startswith("."):
        return None
    written = written_content(
        [], call, collector.every_call, resolver,
        modules=[value.text], functions=collector.functions,
    )  # fmt: skip
    built = [c for c in written if not evaluator.value(c, call.scope).const]
    if not built:
        return None
    runs = Runs("dynamic", "code", (), False, _WRITTEN_MODULE, told=True, language="python")
    return _Site(call, sink, False, "dynamic", None, runs=runs, extra=tuple(built))


_WRITTEN_MODULE = "the module it imports is a file this function writes with data built at run time"


_SETS_ENV = "every later command of the process runs with this variable, which chooses its program"


def _settings(collector: Collector, resolver: Resolver, evaluator: Evaluator) -> list[_Site]:
    """The settings of the process's own environment that choose what every later command
    runs (rules/sinks.toml's ``[[environ]]``: ``os.environ["PATH"] = d``,
    ``os.environ.update(...)``, ``os.putenv(k, v)`` with a value known only at run time):
    one site each, a program chosen at run time (auditor.scan.environ)."""
    table = settings()
    if not table:
        return []
    mappings = {s.name for s in table if s.form == "mapping"}
    functions = {s.name for s in table if s.form == "call"}
    lasts = {name.rsplit(".", 1)[-1] for name in mappings | functions}
    found: list[tuple[CallSite, cst.Dict, str, cst.CSTNode | None, float | None]] = []
    for store in collector.item_stores:
        holder = store.holder
        last = holder.attr.value if isinstance(holder, cst.Attribute) else None
        if last is not None and last not in lasts:
            continue
        mapping = resolver.qualname(holder, store.scope)
        if mapping not in mappings:
            continue
        key = None if store.key is None else evaluator.value(store.key, store.scope)
        shown = "..." if key is None or not key.const or key.text is None else key.text
        name = mapping if store.merge else f"{mapping}[{shown}]"
        made_up = cst.Call(func=cst.Name("__environ__"))
        call = CallSite(made_up, store.scope, store.function, -1)
        setting = setting_of_store(store.key, store.value)
        found.append((call, setting, name, store.statement, store.before - 0.5))
    for call in collector.every_call:
        func = call.node.func
        method: str | None = None
        if isinstance(func, cst.Attribute) and func.attr.value in SETTING_METHODS:
            if resolver.qualname(func.value, call.scope) not in mappings:
                continue
            method = func.attr.value
        elif isinstance(func, (cst.Name, cst.Attribute)):
            last = func.value if isinstance(func, cst.Name) else func.attr.value
            if last not in lasts or resolver.qualname(func, call.scope) not in functions:
                continue
        else:
            continue
        called = resolver.qualname(func, call.scope) or ""
        mapped = setting_of_call(call.node, method)
        if mapped is not None:
            found.append((call, mapped, called, None, None))
    sites = []
    for call, setting, name, anchor, order in found:
        choice = env_choice(setting, call.scope, evaluator)
        if not choice.chosen:
            continue
        sink = Sink(name, "command", "environ", cwe=78)
        runs = Runs("dynamic", "program", (), False, _SETS_ENV, told=True)
        sites.append(
            _Site(call, sink, False, "dynamic", None, runs=runs, extra=tuple(choice.values),
                  setting=setting, anchor=anchor, order=order)
        )  # fmt: skip
    return sites


def _stored(
    collector: Collector,
    resolver: Resolver,
    evaluator: Evaluator,
    catalogue: Catalogue,
) -> list[_Site]:
    """A sink kept in an attribute, an item, a class body's name or a container (auditor.
    scan.stored): one site at the assignment, the payload of a call with no argument the
    analysis knows (whoever calls it through what holds it)."""
    sites = _namespace_left(collector, resolver, evaluator, catalogue)
    escaped: frozenset[str] | None = None
    for store in collector.stores:
        found = stored_sinks(store, resolver, catalogue)
        if (
            found
            and isinstance(store.target, cst.Name)
            and store.scope.kind != "class"
            and collector.root is not None
        ):
            # a container bound to a name: only where the name escapes what is followed
            if escaped is None:
                escaped = escaping(collector.root)
            if store.target.value not in escaped:
                continue
        for sink, value in found:
            made = cst.Call(func=value)
            call = CallSite(made, store.scope, store.function, -1)
            site = _evaluate(sink, call, evaluator)
            if site is None:
                continue
            site.handed, site.anchor, site.order = made, store.statement, store.before - 0.5
            site.stored = target_text(store.target, store.scope)
            sites.append(site)
    return sites


def _namespace_left(
    collector: Collector, resolver: Resolver, evaluator: Evaluator, catalogue: Catalogue
) -> list[_Site]:
    """Of constant code a code sink runs (``exec("import subprocess as s; run =
    s.getoutput", ns)``): its module-level names bound to a sink, left in the namespace the
    caller reads (``ns["run"](cmd)``), each a site as a sink stored (:func:`_stored`)."""
    root = collector.root
    if not collector.embedded or root is None or not root.body:
        return []
    sites = []
    scope = collector.module_scope
    for name, bindings in scope.bindings.items():
        for binding in bindings:
            if binding.kind == "import":
                sink = catalogue.lookup(binding.target)
            elif binding.kind == "value" and binding.value is not None:
                qualname = resolver.qualname(binding.value, binding.scope)
                sink = catalogue.lookup(qualname) if qualname is not None else None
            else:
                continue
            if sink is None or sink.form == "dispatch":
                continue
            made = cst.Call(func=cst.Name(name))
            call = CallSite(made, scope, "<module>", -1)
            site = _evaluate(sink, call, evaluator)
            if site is not None:
                site.handed, site.anchor, site.order = made, root.body[0], -1
                site.stored = name
                sites.append(site)
            break
    return sites


def _called_by_name(
    node: cst.Call, scope: Scope, resolver: Resolver, catalogue: Catalogue
) -> tuple[Sink, cst.Call] | None:
    """A call of ``operator.methodcaller(NAME, *args)`` (or of a name bound once to one)
    with an object whose method ``NAME`` is a sink: the sink and the call it makes
    (``operator.methodcaller("system", cmd)(os)`` makes ``os.system(cmd)``)."""
    maker, where = node.func, scope
    if isinstance(maker, cst.Name):
        bindings = scope.lookup(maker.value)
        if not bindings or len(bindings) != 1 or bindings[0].kind != "value":
            return None
        maker, where = bindings[0].value, bindings[0].scope  # type: ignore[assignment]
    if not isinstance(maker, cst.Call) or not maker.args or maker.args[0].star:
        return None
    target = positional(node, 0)
    if target is None or maker.args[0].keyword is not None:
        return None
    if resolver.qualname(maker.func, where) != "operator.methodcaller":
        return None
    for name in resolver.texts(maker.args[0].value, where) or ():
        if not name.isidentifier():
            continue
        func = cst.Attribute(value=target, attr=cst.Name(name))
        qualname = resolver.qualname(func, scope)
        sink = catalogue.lookup(qualname) if qualname is not None else None
        if sink is not None and not sink.isolated:
            return sink, cst.Call(func=func, args=maker.args[1:])
    return None


def _init_called(
    node: cst.Call, scope: Scope, resolver: Resolver, catalogue: Catalogue
) -> tuple[Sink, cst.Call] | None:
    """A sink class's initialiser called unbound on an object
    (``subprocess.Popen.__init__(object.__new__(subprocess.Popen), cmd, shell=True)``):
    it starts the process as ``subprocess.Popen(cmd, shell=True)`` does. The sink and the
    call it makes: the arguments after the object."""
    func = node.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "__init__":
        return None
    if not node.args or node.args[0].star or node.args[0].keyword is not None:
        return None
    qualname = resolver.qualname(func.value, scope)
    sink = catalogue.lookup(qualname) if qualname is not None else None
    if sink is None or sink.isolated:
        return None
    return sink, cst.Call(func=func.value, args=node.args[1:])


# how many calls deep a callee is followed to what makes it (``runner = make(); runner(x)``)
_MADE_DEPTH = 3


def _made_call(
    node: cst.Call, scope: Scope, resolver: Resolver, catalogue: Catalogue
) -> tuple[Sink, cst.Call, cst.CSTNode] | None:
    """A call of a function that calls a sink with the arguments it is given, made by
    ``functools.partial`` (``partial(subprocess.run, shell=True)(cmd)`` is
    ``subprocess.run(cmd, shell=True)``), written there, bound to a name or returned by a
    function of this file (``make()(cmd)``, ``runner = make(); runner(cmd)``), or by a
    lambda a function returns (``def make(): return lambda c: os.system(c)``; a lambda
    bound to a name is a function the project-wide stage follows into: its body's call is
    the finding): the sink and the call it makes. The partial's own arguments and the
    lambda's body are evaluated in the caller's scope. Third: the partial's callee or the
    lambda (_Site.maker)."""
    for value, where, returned in _made_values(node.func, scope, 0, False):
        made = _partial_call(value, where, node, resolver, catalogue)
        if made is None and returned:
            made = _lambda_call(value, where, node, resolver, catalogue)
        if made is not None:
            return made
    return None


def _made_values(
    func: cst.BaseExpression, scope: Scope, depth: int, returned: bool
) -> list[tuple[cst.BaseExpression, Scope, bool]]:
    """What ``func`` may be: itself, the values of a name bound to it, what a function or
    lambda called there returns (each with the scope it is evaluated in, and whether it
    is what a call returns)."""
    if depth > _MADE_DEPTH:
        return []
    out: list[tuple[cst.BaseExpression, Scope, bool]] = [(func, scope, returned)]
    if isinstance(func, cst.Name):
        for binding in scope.lookup(func.value) or ():
            if binding.kind == "value" and binding.value is not None:
                out.extend(_made_values(binding.value, binding.scope, depth + 1, returned))
    elif isinstance(func, cst.Call):
        for value, where in returns_of(func.func, scope):
            out.extend(_made_values(value, where, depth + 1, True))
    return out


def _partial_call(
    value: cst.BaseExpression,
    where: Scope,
    node: cst.Call,
    resolver: Resolver,
    catalogue: Catalogue,
) -> tuple[Sink, cst.Call, cst.CSTNode] | None:
    if not isinstance(value, cst.Call) or not value.args or value.args[0].star:
        return None
    if value.args[0].keyword is not None:
        return None
    if resolver.qualname(value.func, where) != "functools.partial":
        return None
    target = value.args[0].value
    name = resolver.qualname(target, where)
    sink = catalogue.lookup(name) if name is not None else None
    if sink is None:
        return None
    given = list(value.args[1:])
    named = [a for a in (*given, *node.args) if a.keyword is not None or a.star == "**"]
    listed = [a for a in (*given, *node.args) if a.keyword is None and a.star != "**"]
    return sink, cst.Call(func=target, args=[*listed, *named]), value.func


class _Substitute(cst.CSTTransformer):
    """A lambda's parameters replaced by what a call gives them."""

    def __init__(self, given: dict[str, cst.BaseExpression]) -> None:
        self.given = given

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False  # a nested lambda's own parameters

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.given.get(original_node.value, updated_node)


def _lambda_call(
    value: cst.BaseExpression,
    where: Scope,
    node: cst.Call,
    resolver: Resolver,
    catalogue: Catalogue,
) -> tuple[Sink, cst.Call, cst.CSTNode] | None:
    if not isinstance(value, cst.Lambda) or not isinstance(value.body, cst.Call):
        return None
    params = value.params
    if params.star_arg != cst.MaybeSentinel.DEFAULT or params.star_kwarg is not None:
        return None
    if params.kwonly_params or any(a.star for a in node.args):
        return None
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    given: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(node.args):
        name = arg.keyword.value if arg.keyword is not None else None
        if name is None:
            if index >= len(names):
                return None
            name = names[index]
        elif name not in names:
            return None
        given[name] = arg.value
    body = value.body
    if from_param(value, body.func):
        return None  # the callee is a parameter: lambda f, c: f(c)
    called = resolver.qualname(body.func, where)
    sink = catalogue.lookup(called) if called is not None else None
    if sink is None:
        return None
    made = body.visit(_Substitute(given))
    return (sink, made, value) if isinstance(made, cst.Call) else None


# the runners that run a module or script as ``__main__``: it reads its arguments from
# ``sys.argv``, which the caller may set first
_ARGV_READERS = frozenset({"runpy.run_module", "runpy.run_path"})


def _argv_set(call: CallSite, collector: Collector, evaluator: Evaluator) -> bool:
    """Whether the function of ``call`` sets ``sys.argv`` to something not constant
    (``sys.argv = ["pip", "install", *packages]``): the module it runs gets arguments
    chosen at run time."""
    for target, attr, value, scope in collector.object_attrs:
        if attr != "argv" or scope is not call.scope or target.value != "sys":
            continue
        if not evaluator.value(value, scope).const:
            return True
    return False


def _builtin_before_bound(func: cst.BaseExpression, call: CallSite) -> str | None:
    """``builtins.NAME`` when ``func`` is a builtin's name (``exec``) that the module binds
    only after the call may run: a call at module level above ``from x import exec``, or in
    a function defined above it (which may be called before the import runs) may run the
    builtin, and a sink is never hidden (recall first)."""
    if not isinstance(func, cst.Name) or func.value not in BUILTIN_NAMES:
        return None
    bindings = call.scope.lookup(func.value)
    if not bindings or any(b.scope.kind != "module" for b in bindings):
        return None
    if min(b.order for b in bindings) < call.runs_from:
        return None
    return f"builtins.{func.value}"


def _instance_method(
    func: cst.Attribute,
    scope: Scope,
    resolver: Resolver,
    catalogue: Catalogue,
    held: HeldSinks | None = None,
    local_only: bool = False,
) -> Sink | None:
    """A sink that is a method of a catalogue class, called on an instance the code creates
    in sight: ``code.InteractiveConsole().push(x)``, or ``console.push(x)`` where the
    scope's one binding of ``console`` is ``code.InteractiveConsole(...)`` (or
    ``with Cls(...) as console``, or the parameter a task runner fills in with one:
    ``@invoke.task def deploy(c): c.run(x)``, rules/sinks.toml's ``[[task_parameter]]``); also on an
    instance of a class of this file deriving from one (``MyConsole().push(x)``).
    ``local_only``: only the latter (the call's name is no catalogue method's). An
    instance held in an attribute of a class of this file (``self.libc.system(cmd)`` after
    ``self.libc = ctypes.CDLL(None)``) counts as created in sight."""
    receiver = func.value
    if isinstance(receiver, cst.Attribute) and not local_only:
        # an attribute of an instance made in sight: ``client.containers.run(...)`` after
        # ``client = docker.from_env()``, ``sandbox.process.exec(cmd)`` after ``sandbox =
        # Daytona().create()`` (rules/sinks.toml names them ``docker.from_env.containers.run``)
        made_by = _maker(receiver.value, scope, resolver)
        if made_by is not None:
            sink = catalogue.lookup(f"{made_by}.{receiver.attr.value}.{func.attr.value}")
            if sink is not None:
                return sink
    if isinstance(receiver, cst.Attribute) and held is not None and not local_only:
        for made, where in held.instances(receiver, scope):
            cls = resolver.qualname(made.func, where)
            sink = catalogue.lookup(f"{cls}.{func.attr.value}") if cls is not None else None
            if sink is not None:
                return sink
        return None
    if isinstance(receiver, cst.Name):
        bindings = scope.lookup(receiver.value)
        if bindings and len(bindings) == 1 and bindings[0].kind == "param" and not local_only:
            # @invoke.task def deploy(c): c.run(cmd), c an invoke.Context
            cls = held.task_context(receiver.value, bindings[0].scope) if held is not None else None
            return catalogue.lookup(f"{cls}.{func.attr.value}") if cls is not None else None
        # (``with Connection(host) as c``: a catalogue class's __enter__ returns the
        # instance, as fabric's, paramiko's and pexpect's do)
        found = _bound_call(receiver, scope)
        if found is None:
            return None
        receiver, scope = found
    if not isinstance(receiver, cst.Call):
        return None
    if not local_only:
        cls = resolver.qualname(receiver.func, scope)
        sink = catalogue.lookup(f"{cls}.{func.attr.value}") if cls is not None else None
        if sink is not None:
            return sink
    return held.method(func, receiver, scope) if held is not None else None


def _bound_call(name: cst.Name, scope: Scope) -> tuple[cst.Call, Scope] | None:
    """The call ``name`` is bound to, once (``sbx = Sandbox()``, ``with Sandbox() as sbx``),
    with the scope it is written in; None otherwise."""
    bindings = scope.lookup(name.value)
    if not bindings or len(bindings) != 1 or bindings[0].kind not in ("value", "with"):
        return None
    value = bindings[0].value
    return (value, bindings[0].scope) if isinstance(value, cst.Call) else None


def _maker(
    node: cst.BaseExpression, scope: Scope, resolver: Resolver, depth: int = 0
) -> str | None:
    """What made the instance ``node`` is, as a dotted name: the callee of a call written
    there (``docker.from_env()``: ``docker.from_env``), of the value of a name bound once to
    a call (``sbx = Sandbox()``, ``with Sandbox() as sbx``), or a method of such an instance
    (``Daytona().create()``: ``daytona.Daytona.create``). None when it is not known."""
    if depth > 3:
        return None
    if isinstance(node, cst.Name):
        found = _bound_call(node, scope)
        if found is None:
            return None
        node, scope = found
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, (cst.Call, cst.Name)):
        named = resolver.qualname(func, scope)
        if named is not None:
            return named
        owner = _maker(func.value, scope, resolver, depth + 1)
        return f"{owner}.{func.attr.value}" if owner is not None else None
    return resolver.qualname(func, scope)


def _held_sink(func: cst.BaseExpression, scope: Scope, held: HeldSinks) -> Sink | None:
    """A sink held by a class of this file: an attribute assigned one (``self.sh(cmd)``
    after ``self.sh = os.system``), one a method returns (``self.get_runner()(cmd)``, or
    ``runner = self.get_runner(); runner(cmd)``), or
    the class itself when it derives from a catalogue class (``LoggedPopen(cmd)``, ``class
    LoggedPopen(subprocess.Popen)``)."""
    if isinstance(func, cst.Attribute):
        return held.attribute(func, scope)
    if isinstance(func, cst.Subscript):  # self.ops["r"](cmd)
        return held.item(func, scope)
    if isinstance(func, cst.Call) and isinstance(func.func, cst.Attribute):
        return held.returned(func.func, scope)  # self.get_runner()(cmd)
    if isinstance(func, cst.Name):  # runner = self.get_runner(); runner(cmd)
        for binding in scope.lookup(func.value) or ():
            value = binding.value
            if (
                binding.kind == "value"
                and isinstance(value, cst.Call)
                and isinstance(value.func, cst.Attribute)
            ):
                sink = held.returned(value.func, binding.scope)
                if sink is not None:
                    return sink
    return held.constructed(func, scope)


def _judge_handed(
    site: _Site,
    scope: Scope,
    resolver: Resolver,
    evaluator: Evaluator,
    collector: Collector | None,
    ctx: Context,
) -> None:
    """The sandbox's own checks for a sandbox call handed over or made from parts
    (``executor.submit(sandbox.run, cmd, network=True)``, ``functools.partial(sandbox.run,
    profile=p)(cmd)``): judged on the call it stands for, with every argument it will get,
    as a direct call is (a profile the scan cannot read, ``allow_degraded``, the network,
    host descriptors)."""
    sink, node = site.sink, site.handed
    if sink is None or not sink.isolated or node is None:
        return
    site.sink, site.doubt, site.exposed = _isolation_judged(
        sink, node, scope, resolver, evaluator, collector, ctx
    )


def _isolation_judged(
    sink: Sink,
    node: cst.Call,
    scope: Scope,
    resolver: Resolver,
    evaluator: Evaluator,
    collector: Collector | None,
    ctx: Context,
) -> tuple[Sink, str | None, str | None]:
    """An isolated sink's call (``node``) judged by the sandbox's own checks: the sink (no
    longer isolated when the call is doubtful), why it is doubtful, and what of the host it
    exposes otherwise."""
    doubt = isolation_doubt(
        node, sink.name, scope, resolver, evaluator, collector, ctx.isolated,
        ctx.policy.sandbox.get("allow_degraded") is True,
    )  # fmt: skip
    if doubt is not None:
        return dataclasses.replace(sink, isolated=False), doubt, None
    return sink, None, isolation_exposed(node, sink.name, scope, evaluator)


def _hands_a_sink(node: cst.Call, call: CallSite, resolver: Resolver, catalogue: Catalogue) -> bool:
    for arg in node.args:
        if not arg.star and isinstance(arg.value, (cst.Name, cst.Attribute)):
            qualname = resolver.qualname(arg.value, call.scope)
            if qualname is not None and catalogue.lookup(qualname) is not None:
                return True
    return False


def _handovers(
    call: CallSite, resolver: Resolver, evaluator: Evaluator, catalogue: Catalogue
) -> list[_Site]:
    """A sink handed over as a value (issue 15 A2): reported at the call it is handed to,
    with the payload taken from the arguments that call will give it."""
    node = call.node
    out: list[_Site] = []
    if callee_name(node) in handovers().inspect_only:
        return out  # isinstance(p, subprocess.Popen): looked at, never called
    inspect_keywords = handovers().inspect_keywords
    for position, arg in enumerate(node.args):
        value = arg.value
        if arg.star or (arg.keyword is not None and arg.keyword.value in inspect_keywords):
            continue  # Mock(spec=subprocess.Popen): a specification, never called
        values = [value]
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            # handed in a container (``functools.reduce(lambda a, f: f(a), [os.system],
            # cmd)``): the call may call each item with what it calls a function with
            values = [e.value for e in value.elements if isinstance(e, cst.Element)]
        for item in values:
            if not isinstance(item, (cst.Name, cst.Attribute)):
                continue
            qualname = resolver.qualname(item, call.scope)
            sink = catalogue.lookup(qualname) if qualname is not None else None
            if sink is None and isinstance(item, cst.Attribute):
                # a bound method of a sink matched on any receiver (``asyncio.to_thread(
                # self._container.exec_run, cmd)``, ``run_in_executor(None, ssh.exec_command,
                # cmd)``), as a call of it is
                sink = catalogue.by_method.get(item.attr.value)
            if sink is None:
                continue
            args = handed_args(node, position, arg)
            handed = cst.Call(func=item, args=args)
            site = _evaluate(sink, CallSite(handed, call.scope, call.function, -1), evaluator)
            if site is not None:
                site.call = call
                site.handed = handed
                out.append(site)
    return out


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


_DISPATCH = {
    "globals": Sink("builtins.globals", "code", "dispatch", cwe=470),
    "locals": Sink("builtins.locals", "code", "dispatch", cwe=470),
    "vars": Sink("builtins.vars", "code", "dispatch", cwe=470),
    "getattr": Sink("builtins.getattr", "code", "dispatch", cwe=470),
}


class _Found(NamedTuple):
    """A function looked up by name (see :func:`_lookup`)."""

    namespace: str  # a key of _DISPATCH
    name: cst.BaseExpression  # the name's expression
    latent: bool  # reported only when the name comes from a critical origin
    # the module of the catalogue whose namespace it is looked up in (``getattr(os, n)``,
    # ``builtins.__dict__[n]``), None for any other namespace or object
    module: str | None = None


def _found_in(
    namespace: str, name: cst.BaseExpression, holder: str | None, catalogue: Catalogue
) -> _Found:
    """A lookup by ``name`` in ``holder`` (a dotted name, None when not known): latent
    unless the holder is a module of the catalogue."""
    if holder is not None and holder in catalogue.module_members:
        return _Found(namespace, name, False, holder)
    return _Found(namespace, name, True)


def _in_namespace(
    holder: cst.BaseExpression,
    name: cst.BaseExpression,
    resolver: Resolver,
    scope: Scope,
    catalogue: Catalogue,
) -> _Found | None:
    """A lookup by ``name`` in ``holder`` when it is a namespace: a module's of the
    catalogue (``builtins.__dict__``, ``__builtins__``, ``vars(os)``), then ``globals()``,
    ``locals()``, ``vars(x)`` (whatever ``x``), a function's ``__globals__``; a module's
    that holds no sink (``hashlib.__dict__``) is latent."""
    module = resolver.namespace(holder, scope)
    if module is not None and module in catalogue.module_members:
        return _Found("vars", name, False, module)
    namespace = _namespace_call(holder, scope)
    if namespace is not None:
        return _Found(namespace, name, False)
    if module is not None and module != "sys.modules":
        return _Found("vars", name, True)
    return None


def _lookup(
    expr: cst.BaseExpression,
    resolver: Resolver,
    scope: Scope,
    catalogue: Catalogue,
    called: CallSite | None = None,
) -> _Found | None:
    """The lookup of ``globals()[name]``, ``globals().get(name)`` (also ``locals()``,
    ``vars(x)``), a module's namespace (``builtins.__dict__[name]``, ``__builtins__.get(
    name)``), ``getattr(obj, name)``, ``obj.__getattribute__(name)`` and
    ``operator.attrgetter(name)(obj)``; and of ``operator.methodcaller(name)`` when
    ``called`` (the call of it) gives it the object; of any branch of a choice (``a if c
    else b``). A lookup in a module's namespace may reach whatever it imported; a lookup in
    any other object (``self``, a module that holds no sink: ``hashlib``) is latent:
    reported only when the name comes from an origin the policy ranks critical."""
    if isinstance(expr, (cst.IfExp, cst.BooleanOperation)):
        # (builtins.print if c else getattr(builtins, name))(x): a branch that may run a
        # function chosen by name is a finding whatever the others are
        branches = (
            (expr.body, expr.orelse) if isinstance(expr, cst.IfExp) else (expr.left, expr.right)
        )
        chosen = [
            f for b in branches if (f := _lookup(b, resolver, scope, catalogue, called)) is not None
        ]
        return next((f for f in chosen if not f.latent), chosen[0] if chosen else None)
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if not isinstance(index, cst.Index):
            return None
        found = _in_namespace(expr.value, index.value, resolver, scope, catalogue)
        if found is not None:
            return found
    if isinstance(expr, cst.Call) and expr.args:
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("get", "__getitem__"):
            found = _in_namespace(func.value, expr.args[0].value, resolver, scope, catalogue)
            if found is not None:
                return found
        if isinstance(func, cst.Attribute) and func.attr.value == "__getattribute__":
            held, named = attribute_lookup(expr)  # os.__getattribute__(name)
            if held is None or named is None:
                return None
            holder = resolver.qualname(held, scope)
            return _found_in("getattr", named, holder, catalogue)
        callee = resolver.qualname(func, scope)
        if callee == "operator.getitem" and len(expr.args) == 2:
            held, named = positional(expr, 0), positional(expr, 1)
            if held is not None and named is not None:
                return _in_namespace(held, named, resolver, scope, catalogue)
        if callee == "builtins.getattr" and len(expr.args) >= 2:
            holder = resolver.qualname(expr.args[0].value, scope)
            return _found_in("getattr", expr.args[1].value, holder, catalogue)
        if callee == "operator.methodcaller" and called is not None and not expr.args[0].star:
            target = positional(called.node, 0)
            holder = resolver.qualname(target, called.scope) if target is not None else None
            return _found_in("getattr", expr.args[0].value, holder, catalogue)
        if (
            isinstance(func, cst.Call)
            and len(func.args) == 1
            and not func.args[0].star
            and resolver.qualname(func.func, scope) == "operator.attrgetter"
        ):
            holder = resolver.qualname(expr.args[0].value, scope)
            return _found_in("getattr", func.args[0].value, holder, catalogue)
    return None


def _namespace_call(expr: cst.BaseExpression, scope: Scope | None = None) -> str | None:
    """The namespace ``expr`` is: ``globals()``, ``locals()``, ``vars(x)``, a function's
    ``f.__globals__`` (its module's globals), or a name whose one binding in ``scope`` is
    one of those (``g = globals()``)."""
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in ("globals", "locals", "vars")
    ):
        return expr.func.value
    if isinstance(expr, cst.Attribute) and expr.attr.value == "__globals__":
        return "globals"
    if isinstance(expr, cst.Name) and scope is not None:
        bindings = scope.lookup(expr.value)
        if bindings and len(bindings) == 1 and bindings[0].kind == "value":
            value = bindings[0].value
            if value is not None and not isinstance(value, cst.Name):
                return _namespace_call(value)
    return None


def _bounded(name: cst.BaseExpression) -> bool:
    """Whether a name built at run time keeps a constant part (``"visit_" + kind``,
    ``f"do_{cmd}"``, ``"_get_%s_permissions" % kind``): it can only pick among the
    functions so named, which the code's authors chose."""
    if isinstance(name, cst.FormattedString):
        return any(isinstance(part, cst.FormattedStringText) and part.value for part in name.parts)
    if isinstance(name, cst.BinaryOperation):
        if isinstance(name.operator, cst.Add):
            return any(_literal_text(side) or _bounded(side) for side in (name.left, name.right))
        if isinstance(name.operator, cst.Modulo):
            text = _literal_text(name.left)
            return bool(text) and text.replace("%s", "").replace("%r", "") != ""
    if (
        isinstance(name, cst.Call)
        and isinstance(name.func, cst.Attribute)
        and name.func.attr.value == "format"
    ):
        text = _literal_text(name.func.value)
        return bool(text) and re.sub(r"\{[^{}]*\}", "", text) != ""
    return False


def _literal_text(expr: cst.BaseExpression) -> str:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else ""
    return ""


def _dispatch(
    call: CallSite, resolver: Resolver, evaluator: Evaluator, catalogue: Catalogue
) -> _Site | None:
    """A function looked up by a name that is not constant, and called: it may be any
    function of the module (or object), a sink included."""
    func = call.node.func
    found = _lookup(func, resolver, call.scope, catalogue, call)
    scope = call.scope
    if found is None and isinstance(func, cst.Name):  # f = globals().get(name); f()
        bindings = call.scope.lookup(func.value)
        if bindings and len(bindings) == 1 and bindings[0].kind == "value":
            value = bindings[0].value
            if value is not None:
                found = _lookup(value, resolver, bindings[0].scope, catalogue, call)
                scope = bindings[0].scope
    if found is None:
        module = _unknown_import(func, resolver, call.scope, evaluator, catalogue)
        if module is None:
            return None
        lookup = cst.Call(func=cst.Name("__lookup__"), args=[cst.Arg(value=module)])
        return _Site(call, _DISPATCH["getattr"], False, "dynamic", None, lookup)
    name = found.name
    if found.module is not None:
        # a module of the catalogue (builtins, os, subprocess...): a name the resolver
        # computes is no choice (the call is that function's, a sink's finding or none);
        # one it cannot compute may be a sink's, constant or not, unless its constant
        # parts rule every sink of the module out ("visit_" + kind)
        if resolver.texts(name, scope) is not None:
            return None
        members = catalogue.module_members[found.module]
        if not _may_name(name, scope, evaluator, members):
            return None
    elif _bounded(name) or evaluator.value(name, scope).const:
        return None
    # the name chooses what runs: the site's payload (for the project-wide stage)
    lookup = cst.Call(func=cst.Name("__lookup__"), args=[cst.Arg(value=name)])
    return _Site(call, _DISPATCH[found.namespace], False, "dynamic", None, lookup, found.latent)


def _unknown_import(
    func: cst.BaseExpression,
    resolver: Resolver,
    scope: Scope,
    evaluator: Evaluator,
    catalogue: Catalogue,
) -> cst.BaseExpression | None:
    """The module name of ``__import__(NAME).system`` (or ``importlib.import_module``...,
    rules/names.toml's importers) when ``NAME`` is a constant the resolver cannot compute
    (``"".join(sorted(["o", "s"]))``) and ``system`` is the name of a sink of some module
    of the catalogue: the module may be that one. A name not constant is a dynamic import
    already (AUD104, at the import)."""
    if not isinstance(func, cst.Attribute) or func.attr.value not in catalogue.member_names:
        return None
    imported = func.value
    if isinstance(imported, cst.Name):  # m = __import__(NAME); m.system(cmd)
        bindings = scope.lookup(imported.value)
        if not bindings or len(bindings) != 1 or bindings[0].value is None:
            return None
        imported, scope = bindings[0].value, bindings[0].scope
    if isinstance(imported, cst.Subscript) and len(imported.slice) == 1:
        # sys.modules[name].system(cmd): a module chosen by name among those loaded
        index = imported.slice[0].slice
        if (
            isinstance(index, cst.Index)
            and resolver.namespace(imported.value, scope) == "sys.modules"
            and resolver.texts(index.value, scope) is None
        ):
            return index.value
        return None
    if not isinstance(imported, cst.Call):
        return None
    callee = resolver.qualname(imported.func, scope)
    if callee not in importers():
        if (  # sys.modules.get(name).system(cmd)
            isinstance(imported.func, cst.Attribute)
            and imported.func.attr.value == "get"
            and imported.args
            and resolver.namespace(imported.func.value, scope) == "sys.modules"
            and resolver.texts(imported.args[0].value, scope) is None
        ):
            return imported.args[0].value
        return None
    first = positional(imported, 0)
    if first is None or resolver.texts(first, scope) is not None:
        return None
    return first if evaluator.value(first, scope).const else None


def _may_name(
    name: cst.BaseExpression, scope: Scope, evaluator: Evaluator, members: Iterable[str]
) -> bool:
    """Whether a name built at run time may be one of ``members``: its constant segments,
    in order, with anything in its holes (``"ex" + kind`` may be ``exec``, ``"visit_" +
    kind`` no sink of ``os``); True when its shape is not known."""
    value = evaluator.value(name, scope)
    if value.const or value.parts is None:
        return True
    pattern = ".*".join(re.escape(part) if part is not None else "" for part in value.parts)
    if value.parts[0] is None:
        pattern = ".*" + pattern
    if value.parts[-1] is None:
        pattern += ".*"
    shape = re.compile(pattern, re.DOTALL)
    return any(shape.fullmatch(member) for member in members)


def _payload_arg(sink: Sink, node: cst.Call, offset: int = 0) -> cst.BaseExpression | None:
    value = positional(node, sink.payload + offset)
    if value is None and sink.keyword is not None and offset == 0:
        value = keyword(node, sink.keyword)
    return value


def _rest_arg(sink: Sink, node: cst.Call) -> cst.BaseExpression | None:
    """The argument that holds the program's arguments (the sink's ``rest``), if given."""
    if sink.rest is None and sink.rest_position is None:
        return None
    found = positional(node, sink.rest_position) if sink.rest_position is not None else None
    if found is None and sink.rest is not None:
        found = keyword(node, sink.rest)
    return found


def _with_rest(program: Value, rest: Value) -> Value:
    """The argv of a program and the list of its arguments (``pexpect.spawn(p, args)``);
    arguments not known as a list are words known only at run time, any number of them."""
    known = program.program_item()
    if rest.items is not None:
        return Value(
            program.const and rest.const,
            program=known,
            items=(program, *rest.items),
            more=rest.more,
            tail_const=rest.tail_const,
            splits=rest.splits,
        )
    return Value(False, program=known, items=(program,), more=True, tail_const=False, splits=True)


def _shell_of(sink: Sink, node: cst.Call, call: CallSite, evaluator: Evaluator) -> bool | None:
    if sink.shell == "always":
        return True
    if sink.shell == "never":
        return False
    if sink.shell == "string":
        # anyio.run_process(cmd): a str runs through the shell, a sequence does not; not
        # known here (a parameter): either
        arg = _payload_arg(sink, node)
        if arg is None:
            return None
        value = evaluator.value(arg, call.scope)
        if value.items is not None or isinstance(arg, cst.List | cst.Tuple):
            return False
        if value.text is not None or isinstance(
            arg, cst.SimpleString | cst.FormattedString | cst.ConcatenatedString
        ):
            return True
        return None
    arg = keyword(node, "shell")
    if arg is None:
        return None if has_star_kwargs(node) else False
    value = evaluator.value(arg, call.scope)
    return value.truth if value.const else None


def _fed(
    runs: Runs | None, node: cst.Call, call: CallSite, evaluator: Evaluator, sink: Sink
) -> Runs | None:
    """A shell or interpreter left to read what it runs from its standard input (``["bash"]``,
    ``["python3", "-"]``) runs what the call feeds it there: ``input=`` when given, else
    whatever the program writes to the pipe (or file) it passes as ``stdin=`` or to the pipe
    the call returns (``os.popen("sh", "w")``), unseen here and so dynamic. With neither (or
    ``stdin=None``/``DEVNULL``) it reads the caller's own input, and what it runs stays as
    the argv says. A session's program (``pexpect.spawn``: rules/stdin_feeds.toml's
    ``[[sessions]]``) always reads what the caller writes to its pty or pipe."""
    if runs is not None and runs.stdin is None and stdin_feeds().session(sink.name) is not None:
        runs = _session_reader(runs)
    if runs is None or runs.stdin is None or runs.payload == "dynamic":
        return runs
    if _opens_pipe(sink, node, call.scope, evaluator):
        return _fed_dynamic(runs)
    if stdin_feeds().session(sink.name) is not None:
        # pexpect.spawn("bash"): its input is a pty the caller writes to, never the caller's
        return _fed_dynamic(runs)
    fed = keyword(node, "input")
    if fed is None or _is_none(fed):
        fed = keyword(node, "stdin")
        if (
            fed is None
            or _is_none(fed)
            or (isinstance(fed, cst.Attribute) and fed.attr.value == "DEVNULL")
        ):
            return runs
        const = False
    else:
        const = evaluator.value(fed, call.scope).const
    if const:
        return runs
    return _fed_dynamic(runs)


def _session_reader(runs: Runs) -> Runs:
    """What a session's program runs when its launchers cannot be read to the end
    (``pexpect.spawn(f"su {user}")``: the word may be an option or the user): when the last
    launcher, left with nothing to run, reads its input as a shell or an interpreter (su,
    runuser, bash: the launcher table's ``empty = "stdin"``), what the caller sends it may
    be what runs, a shell command or code built at run time."""
    if runs.payload != "dynamic" or runs.runs != "program" or not runs.via:
        return runs
    last = builtin_table().by_name.get(runs.via[-1])
    if last is None or last.empty != "stdin" or last.language is None:
        return runs
    return _fed_dynamic(dataclasses.replace(runs, stdin=last.language))


def _fed_dynamic(runs: Runs) -> Runs:
    """What a shell or interpreter runs when what it reads from its input is not constant."""
    if runs.stdin in builtin_table().shells:
        return dataclasses.replace(runs, payload="dynamic", runs="shell")
    return dataclasses.replace(runs, payload="dynamic", runs="code", language=runs.stdin)


def _opens_pipe(sink: Sink, node: cst.Call, scope: Scope, evaluator: Evaluator) -> bool:
    """Whether the call returns the pipe to the standard input of what it starts, opened to
    be written to (``os.popen(cmd, "w")``: rules/stdin_feeds.toml's ``[[pipes]]``): a mode
    among the writing ones, or one that is not a constant (it may be one of them)."""
    for opener in stdin_feeds().pipes:
        if opener.name != sink.name:
            continue
        mode = positional(node, opener.mode) or keyword(node, opener.keyword)
        if mode is None:
            if has_star_args(node) or has_star_kwargs(node):
                return True  # os.popen(cmd, *rest): the mode may be among them
            continue
        value = evaluator.value(mode, scope)
        if not value.const or value.text in opener.modes:
            return True
    return False


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _known_argv(value: Value) -> bool:
    """A list whose program is known (a constant, ``shutil.which("npm")``,
    ``sys.executable``) and whose other items are constants: run by a shell (or by one only
    on some platforms, ``shell=use_shell``), its first item is the command, a program path
    the caller did not choose; without one, a constant argv. Constant either way."""
    items = value.items
    return (
        items is not None
        and not value.more
        and bool(items)
        and items[0].program_item()
        and all(v.const for v in items[1:])
    )


def _argv_class(items: tuple[Value, ...]) -> str:
    if not items or not items[0].program_item():
        return "dynamic"
    return "constant" if all(v.const for v in items[1:]) else "fixed-program"


def _executable_arg(sink: Sink, node: cst.Call) -> cst.BaseExpression | None:
    """The ``executable=`` that replaces the program a call runs (None: none given)."""
    if sink.executable is None:
        return None
    found = keyword(node, sink.executable)
    return None if found is None or _is_none(found) else found


def _env_arg(sink: Sink, node: cst.Call) -> cst.BaseExpression | None:
    """The environment a call gives the program it starts (``env=``, os.execve's third)."""
    found = keyword(node, sink.env) if sink.env is not None else None
    if found is None and sink.env_position is not None and not has_star_args(node):
        given = [a.value for a in node.args if a.keyword is None]
        if sink.env_position >= 0:
            found = given[sink.env_position] if sink.env_position < len(given) else None
        elif len(given) > sink.payload + 2:  # execle(path, arg0, ..., env)
            found = given[-1]
    return found


def _spelled_out(call: CallSite) -> CallSite | None:
    """The call with its ``**kw`` written out as keyword arguments, when every key ``kw``
    may hold is known: a dict display, ``dict(a=1)``, or a name bound once to one and
    changed only key by key (``kw["close_fds"] = True``). None when the call has no ``**``
    or one whose keys are not all known."""
    node = call.node
    if not has_star_kwargs(node):
        return None
    args: list[cst.Arg] = []
    for arg in node.args:
        if arg.star != "**":
            args.append(arg)
            continue
        known = _known_keywords(arg.value, call.scope)
        if known is None:
            return None
        args.extend(known)
    names = [a.keyword.value for a in args if a.keyword is not None]
    if len(names) != len(set(names)):
        return None  # a key set twice (or also passed by name): which value wins is not read
    return CallSite(
        node.with_changes(args=args), call.scope, call.function, call.index, done=call.done
    )


def _known_keywords(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> list[cst.Arg] | None:
    """The keyword arguments ``**expr`` passes, when its keys are all known (see
    :func:`_spelled_out`)."""
    if isinstance(expr, cst.Dict):
        out = []
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None  # {**other}
            name = _key_name(element.key)
            if name is None:
                return None
            out.append(cst.Arg(keyword=cst.Name(name), value=element.value))
        return out
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "dict"
        and scope.lookup("dict") is None
        and all(a.keyword is not None and not a.star for a in expr.args)
    ):
        return [cst.Arg(keyword=a.keyword, value=a.value) for a in expr.args]
    if not isinstance(expr, cst.Name) or depth > 0:
        return None
    bindings = scope.lookup(expr.value)
    values = [b for b in bindings or () if b.kind == "value"]
    if len(values) != 1 or values[0].value is None:
        return None
    known = _known_keywords(values[0].value, values[0].scope, depth + 1)
    if known is None:
        return None
    for binding in bindings or ():
        if binding is values[0]:
            continue
        name = _key_name(binding.key) if binding.key is not None else None
        if binding.kind not in ("augment", "opaque") or name is None or binding.value is None:
            return None  # kw.update(other), a rebinding: its keys are not known
        known.append(cst.Arg(keyword=cst.Name(name), value=binding.value))
    return known


def _key_name(key: cst.BaseExpression | None) -> str | None:
    if not isinstance(key, cst.SimpleString):
        return None
    text = string_value(key)
    return text if isinstance(text, str) and text.isidentifier() else None


_CHOSEN_SPREAD = "keyword arguments built at run time may set executable=, env= or cwd="


def _spread_choosers(sink: Sink, call: CallSite, evaluator: Evaluator) -> cst.BaseExpression | None:
    """The ``**opts`` of a call whose sink takes ``executable=``, ``env=`` or ``cwd=`` when
    what it holds is not known (a dict built at run time, request JSON): it may set them."""
    if sink.executable is None and sink.env is None and sink.cwd is None:
        return None
    for arg in call.node.args:
        if arg.star == "**" and not evaluator.value(arg.value, call.scope).const:
            return arg.value
    return None


_CHOSEN_ENV = "the environment sets what chooses the program (PATH, LD_PRELOAD...) at run time"
_CHOSEN_EXE = "executable= chooses the program at run time"


def _evaluate(
    sink: Sink, call: CallSite, evaluator: Evaluator, chdirs: _Chdirs | None = None
) -> _Site | None:
    """The site's payload, then what its ``env=`` and ``cwd=`` change: a variable that
    chooses what runs (PATH, LD_PRELOAD: auditor.scan.environ) set at run time, or a
    working directory known only at run time that a relative program or a program of
    rules/workdir.toml reads code from (auditor.scan.workdir), makes the program one chosen
    at run time, whatever the argv says. ``chdirs``: the ``os.chdir(dir)`` calls of the
    file, by scope (the last one before the call, in its own function, stands for a
    ``cwd=`` it does not pass)."""
    spelled = _spelled_out(call)
    if spelled is not None:  # **kw whose keys are known: as if they were written out
        site = _evaluate(sink, spelled, evaluator, chdirs)
        if site is not None:
            site.call = call
        return site
    site = _evaluate_payload(sink, call, evaluator)
    if site is None or sink.kind != "command":
        return site
    spread = _spread_choosers(sink, call, evaluator)
    if spread is not None:
        # ``**opts`` built at run time may hold executable=, env= or cwd=: the program is
        # chosen by it, and its origin is the site's too (the stage follows site.extra)
        extra = (*site.extra, spread)
        if site.payload == "dynamic":
            return dataclasses.replace(site, extra=extra)
        via, privileged = (site.runs.via, site.runs.privileged) if site.runs else ((), False)
        runs = Runs("dynamic", "program", via, privileged, _CHOSEN_SPREAD, told=True)
        return dataclasses.replace(site, payload="dynamic", command=None, runs=runs, extra=extra)
    if site.payload == "dynamic":
        return site
    via, privileged = (site.runs.via, site.runs.privileged) if site.runs else ((), False)
    env = _env_arg(sink, call.node)
    if env is not None:
        choice = env_choice(env, call.scope, evaluator)
        if choice.chosen:
            runs = Runs("dynamic", "program", via, privileged, _CHOSEN_ENV)
            extra = (*site.extra, *choice.values)
            return dataclasses.replace(
                site, payload="dynamic", command=None, runs=runs, extra=extra
            )
        script_env = environment_runs(site.runs, site.shell, site.command)
        if script_env is not None:  # sh -c 'eval "$JOB"' with env={"JOB": x}: x runs
            choice = env_choice(env, call.scope, evaluator, script_env.names)
            if choice.chosen:
                runs = environment_dynamic(site.runs, script_env, choice.names)
                extra = (*site.extra, *choice.values)
                return dataclasses.replace(
                    site, payload="dynamic", command=None, runs=runs, extra=extra
                )
    cwd = _cwd_arg(sink, call, chdirs)
    if cwd is None or evaluator.value(cwd, call.scope).const:
        return site
    note = _workdir_note(sink, call.node, site, evaluator)
    if note is None:
        return site
    runs = Runs("dynamic", "program", via, privileged, f"{_CHOSEN_CWD}: {note}", told=True)
    if site.runs is not None:  # the script or module it runs from there (written.py)
        runs = dataclasses.replace(
            runs, script_at=site.runs.script_at, module_at=site.runs.module_at
        )
    extra = (*site.extra, cwd)
    return dataclasses.replace(site, payload="dynamic", command=None, runs=runs, extra=extra)


# the ``os.chdir(dir)`` calls of a file: (call index, dir) by the id of their scope
_Chdirs = dict[int, list[tuple[int, cst.BaseExpression]]]
_CHOSEN_CWD = "the working directory is chosen at run time"


def chdir_calls(calls: list[CallSite], resolver: Resolver) -> _Chdirs:
    """The ``os.chdir(dir)`` calls among ``calls``, by scope (see :func:`_evaluate`)."""
    out: _Chdirs = {}
    for call in calls:
        func = call.node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if name != "chdir" or resolver.qualname(func, call.scope) != "os.chdir":
            continue
        arg = positional(call.node, 0) or keyword(call.node, "path")
        if arg is not None:
            out.setdefault(id(call.scope), []).append((call.index, arg))
    return out


def _cwd_arg(sink: Sink, call: CallSite, chdirs: _Chdirs | None) -> cst.BaseExpression | None:
    """The working directory a call starts its program in, when it is not the process's
    own as it was when the function began: ``cwd=``, else the last ``os.chdir(dir)`` before
    the call in the same function."""
    if sink.cwd is None:
        return None
    found = keyword(call.node, sink.cwd)
    if found is not None:
        return None if _is_none(found) else found
    if has_star_kwargs(call.node) or chdirs is None:
        return None
    before = [arg for index, arg in chdirs.get(id(call.scope), ()) if index < call.index]
    return before[-1] if before else None


def _workdir_note(sink: Sink, node: cst.Call, site: _Site, evaluator: Evaluator) -> str | None:
    """Why the working directory chooses what the site runs (auditor.scan.workdir), or None:
    its argv, or the first command of its constant shell string."""
    arg = _payload_arg(sink, node)
    if arg is None:
        return None
    value = evaluator.value(arg, site.call.scope)
    if site.shell is not False:
        return shell_workdir_chooses(value.text) if value.const and value.text else None
    if value.items is not None:
        return workdir_chooses([word_of(v) for v in value.items])
    if value.const and value.text:
        return workdir_chooses([Word(w) for w in value.text.split()])
    return None


def _guarded_safe(sink: Sink, call: CallSite, evaluator: Evaluator) -> bool:
    """Whether the argument that decides if the call runs anything says it runs nothing
    (``yaml.load(s, Loader=yaml.SafeLoader)``, ``torch.load(f, weights_only=True)``).
    A value not known here (a variable, ``**kwargs``) is taken as unsafe."""
    if sink.guard is None:
        return False
    node = call.node
    arg = keyword(node, sink.guard)
    if arg is None and sink.guard_position is not None:
        arg = positional(node, sink.guard_position)
    if arg is None:
        if has_star_kwargs(node) or (sink.guard_position is not None and has_star_args(node)):
            return False
        return sink.guard_missing == "safe"
    if isinstance(arg, cst.Name) and arg.value in ("True", "False", "None"):
        return arg.value in sink.safe
    value = evaluator.value(arg, call.scope)
    if value.const and value.truth is not None and value.text is None and value.items is None:
        return str(value.truth) in sink.safe  # a name bound to True/False
    name = evaluator.resolver.qualname(arg, call.scope)
    return name is not None and name in sink.safe


def _evaluate_payload(sink: Sink, call: CallSite, evaluator: Evaluator) -> _Site | None:
    node, scope = call.node, call.scope
    if _guarded_safe(sink, call, evaluator):
        return None  # yaml.load(s, Loader=yaml.SafeLoader): runs nothing
    shell = _shell_of(sink, node, call, evaluator)
    arg = _payload_arg(sink, node)
    if arg is None and sink.optional and not has_star_args(node) and not has_star_kwargs(node):
        return None  # webbrowser.get(): nothing the caller chose
    value = evaluator.value(arg, scope) if arg is not None else Value(False)
    if (
        arg is None
        and sink.default is not None
        and (sink.payload < 0 or not (has_star_args(node) or has_star_kwargs(node)))
    ):
        # replwrap.bash(): the command it starts by default
        value = Value(True, program=True, text=sink.default, truth=bool(sink.default))
    exe_node = _executable_arg(sink, node)
    exe = evaluator.value(exe_node, scope) if exe_node is not None else None
    choosers: tuple[cst.BaseExpression, ...] = (exe_node,) if exe_node is not None else ()
    rest_node = _rest_arg(sink, node)
    given = evaluator.value(rest_node, scope) if rest_node is not None else None
    if rest_node is not None and given is not None and not (given.const and given.items == ()):
        # pexpect.spawn("bash", ["-c", cmd]): the program, then its arguments
        value = _with_rest(value, given)
        choosers = (*choosers, rest_node)
    elif sink.split and value.choices is None:
        value = split_words(value)  # pexpect.spawn("bash -c x"): its argv, no shell
    if sink.form == "module":
        if value.const:
            return None  # a constant module name is an ordinary import
        return _Site(call, sink, False, "dynamic", None)
    if sink.form == "data":
        # serialised data that can run code (a pickle): reported only when the project-wide
        # stage finds it comes from request data or model output (latent)
        return None if value.const else _Site(call, sink, False, "dynamic", None, latent=True)
    if sink.form == "code":
        if arg is not None and _function_object(arg, scope):
            return None  # timeit.timeit(work), run_docstring_examples(f): called, not compiled
        if arg is not None and _existing_code(arg):
            if sink.bandit or sink.ruff:
                # exec(f.__code__): runs code the program already has, a constant; still
                # reported, as bandit and ruff report every exec (no site of theirs is lost)
                return _Site(call, sink, False, "constant", None)
            return None  # types.FunctionType(f.__code__, ...): a copy of a function
        site = _Site(call, sink, False, "constant" if value.const else "dynamic", None)
        if value.const and isinstance(value.text, str):
            site.code = value.text
        return site
    if sink.form == "command":
        command: str | tuple[str, ...] | None = None
        if exe is not None and shell is not False:
            # shell=True runs [executable, "-c", command]: a shell chosen at run time, or a
            # known program that is no shell (python3 -c: code)
            if not exe.program_item():
                chosen = Runs("dynamic", "program", (), False, _CHOSEN_EXE)
                return _Site(call, sink, shell, "dynamic", None, runs=chosen, extra=choosers)
            operands = value.items if value.items is not None else (value,)
            through = shell_executable(exe, operands, value.more, value.tail_const, value.splits)
            fed = _fed(through, node, call, evaluator, sink)
            if fed is not None:
                return _Site(call, sink, shell, fed.payload, None, runs=fed, extra=choosers)
        elif exe is not None:
            # without a shell, executable= is the program and argv[0] only its name
            if value.items is not None:
                value = dataclasses.replace(value, items=(exe, *value.items[1:]))
            elif value.const:  # a string: the name the program runs under
                value = Value(exe.const, program=exe.program_item(), items=(exe,))
        if shell is not False:
            payload = "constant" if value.const or _known_argv(value) else "dynamic"
            if value.const and value.items is not None:
                # a list run by a shell: the first item is the command, the rest its $0, $1...
                command = value.items[0].text if value.items else None
            elif value.const:
                command = value.text
            # a string whose command reads its input (``"bash -s"``) runs what it is fed
            shell_runs = _fed(peel_shell_string(value, payload), node, call, evaluator, sink)
            if shell_runs is not None:
                return _Site(
                    call, sink, shell, shell_runs.payload, command, runs=shell_runs, extra=choosers
                )
        elif value.items is not None and not value.more:
            payload = _argv_class(value.items)
            command = _argv_words(value.items) if payload == "constant" else None
            runs = _fed(peel_argv(value.items), node, call, evaluator, sink)
            if runs is not None:
                return _Site(call, sink, shell, runs.payload, command, runs=runs, extra=choosers)
        elif value.items is not None:  # a known prefix, grown by .append/+=
            payload = _argv_class(value.items)
            if payload == "constant" and not value.tail_const:
                payload = "fixed-program"
            peeled = peel_argv(value.items, True, value.tail_const, value.splits)
            runs = _fed(peeled, node, call, evaluator, sink)
            if runs is not None:
                return _Site(call, sink, shell, runs.payload, None, runs=runs, extra=choosers)
        elif value.const:
            payload = "constant"  # a constant string run without a shell: one program name
            command = (value.text,) if value.text is not None else None
        elif value.program:
            payload = "fixed-program"
        else:
            payload = "dynamic"
        return _Site(call, sink, shell, payload, command, extra=choosers)
    # program-args / program-argv: the program, then its arguments
    if exe is not None:
        value = exe  # create_subprocess_exec(name, *args, executable=prog): prog runs
    items: list[Value] = [value]
    rest_known = False
    if sink.form == "program-args":
        if has_star_args(node):
            rest_const = False
        else:
            extra = [a for a in node.args if a.keyword is None and a.star == ""]
            rest = extra[sink.payload + 1 :]
            if sink.env_position == -1 and len(rest) > 1:
                rest = rest[:-1]  # execle(path, arg0, ..., env): the environment
            values = []
            rest_known = True
            for position, a in enumerate(rest):
                v = evaluator.value(a.value, scope)
                if v.items is None:
                    values.append(v)
                    continue
                # a list where an argument goes (create_subprocess_exec(p, [p, "-c", x])):
                # a TypeError at run time, but what the author means to run is its items,
                # an argv whose first item is the program's name
                named = position == 0 and not sink.argv0 and bool(v.items)
                values.extend(v.items[1:] if named else v.items)
                if v.more:
                    rest_known = False
                    values.append(Value(v.tail_const))
            items.extend(values)
            rest_const = all(v.const for v in values)
    else:
        argv_node = _payload_arg(sink, node, 1)
        argv = evaluator.value(argv_node, scope) if argv_node is not None else Value(True)
        rest_const = argv.const
        if argv.items is not None and not argv.more:
            items.extend(argv.items[1:])
            rest_known = True
    if not value.program_item():
        payload = "dynamic"
    else:
        payload = "constant" if rest_const else "fixed-program"
    words = _argv_words(tuple(items)) if payload == "constant" and rest_known else None
    # what runs: the program, then argv[1:] (an exec's argv[0] is only the name it is given)
    ran = [items[0], *items[2:]] if sink.form == "program-args" and sink.argv0 else items
    runs = peel_argv(ran, not rest_known, rest_const) if value.program_item() else None
    runs = _fed(runs, node, call, evaluator, sink)
    if runs is not None:
        return _Site(call, sink, False, runs.payload, words, runs=runs, extra=choosers)
    return _Site(call, sink, False, payload, words, extra=choosers)


def _function_object(arg: cst.BaseExpression, scope: Scope) -> bool:
    """Whether a code sink's payload is a function (a lambda, or a name the file binds only
    by ``def`` or ``class``): no source to compile. Those that take one call it
    (``timeit.timeit(work)``) or read its docstring (``doctest.run_docstring_examples``)."""
    if isinstance(arg, cst.Lambda):
        return True
    if isinstance(arg, cst.Name):
        bindings = scope.lookup(arg.value)
        return bool(bindings) and all(b.defines for b in bindings or ())
    return False


def _existing_code(arg: cst.BaseExpression) -> bool:
    """Whether a code sink's payload is the code object of a function of the program
    (``f.__code__``, ``f.__code__.replace(co_name="g")``): it runs no code made at run
    time (``types.FunctionType(f.__code__, globals())`` copies a function)."""
    while True:
        if isinstance(arg, cst.Call) and isinstance(arg.func, cst.Attribute):
            if arg.func.attr.value != "replace":
                return False
            arg = arg.func.value
        elif isinstance(arg, cst.Attribute):
            return arg.attr.value == "__code__"
        else:
            return False


def _argv_words(items: tuple[Value, ...]) -> tuple[str, ...] | None:
    """The words of a constant argv list, when every item's text is known."""
    texts = [v.text for v in items]
    if not texts or any(t is None for t in texts):
        return None
    return tuple(t or "" for t in texts)
