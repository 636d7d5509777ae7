"""The findings document: the public JSON contract (``schema: auditor/findings/v1``).

Changes to this module must be additive: later tools, CI scripts and users parse it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from auditor.file_summary import FileSummary

SCHEMA = "auditor/findings/v1"
# FileResult.stored_summary of a result read from the cache without its summary (a warm
# scan whose project-wide stage is cached never reads them): auditor.api reads them before
# the stage runs
SUMMARY_UNREAD: Any = object()

Risk = Literal["critical", "high", "medium", "low"]
Action = Literal["isolate", "convert", "allow", "review"]
PayloadClass = Literal["constant", "fixed-program", "dynamic"]
RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a payload's flow from its source to the sink: where, and what happens
    there (``note``, in English: "the HTTP request (Flask): request.args", "passed to
    run_cmd() as `cmd`"). ``kind`` says which step it is, for documents in other languages:
    "source" (``subject``: the expression, ``detail``: what the source is), "entry" (a
    parameter a framework fills in: ``subject`` the function, ``detail`` the parameter),
    "registered" (before an "entry": another file registers the function as a view or a
    tool, which makes its parameters sources: ``subject`` the function, ``detail`` what
    its parameters are),
    "passed" (``subject``: the callee, ``detail``: the parameter), "returned" (``subject``:
    the callee), "parameter" (a caller the analysis cannot see: ``subject`` the function,
    ``detail`` the parameter), "fed" (written to the standard input of the shell the site
    starts: ``subject``, the call that writes it, ``p.stdin.write``), "written" (another
    file assigns the module global a constant payload reads: ``subject``, ``tasks.CMD``;
    ``settings.CMD`` for a write under a name chosen at run time, ``setattr(settings, k,
    v)``, or ``settings.*`` for the module's own write of its globals by key), "patched"
    (another file replaces something of the isolation wrapper's module a call goes
    through: ``subject``, what it replaces, ``auditor.sandbox.run``), "shadowed" (a file of
    the project named like auditor's sandbox, which Python may import instead: ``subject``,
    the name it stands for, ``auditor.sandbox``), "voided" (a sanitizer the project takes
    away: a file of the project named like its module, or one that replaces it at run
    time: ``subject``, the sanitizer, ``shlex.quote``) or "reaches"
    (``subject``: the sink)."""

    path: str
    line: int
    column: int
    note: str
    kind: str = ""
    subject: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "note": self.note,
            "kind": self.kind,
            "subject": self.subject,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(
            data["path"],
            data["line"],
            data["column"],
            data["note"],
            data.get("kind", ""),
            data.get("subject", ""),
            data.get("detail", ""),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One call site that runs a shell, a process or interpreter code."""

    rule: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    sink: str
    kind: str
    shell: bool | None
    payload: str
    isolated: bool
    trusted_by: str | None
    risk: str
    action: str
    function: str
    snippet: str
    message: str
    fingerprint: str
    suppressed: bool = False
    # additive fields (not in the first sketch of the schema)
    category: str = ""
    cwe: int = 0
    suppression_reason: str | None = None
    # other engines (``--engines``) that flag the same call: "bandit:B602",
    # "semgrep:auditor.os-system"; sorted, empty when none (or when only libcst ran)
    also_flagged_by: tuple[str, ...] = ()
    # where a non-constant payload comes from (auditor.flow): remote-input, llm-output,
    # user-input, file, environment, parameter or internal; None for a constant payload
    origin: str | None = None
    # the steps from the source to this call (the call itself last); () when none is known
    flow: tuple[Step, ...] = ()
    # the launchers peeled off the argv to find what really runs ("sudo", "bash -c")
    via: tuple[str, ...] = ()
    # the payload runs through sudo, doas, pkexec, su or runuser
    privileged: bool = False
    # the sink is handed over as a value to this callee, which calls it (threading.Thread,
    # functools.partial, loop.run_in_executor...): the finding is at that call
    handed_to: str | None = None
    # what the code a code site runs is written in: "python" (eval, exec, python -c), "perl",
    # "ruby", "node", "php", "applescript"... (rules/launchers.toml's [language.NAME]); None
    # for a command, or code in a language that cannot be told (osascript -l $lang)
    language: str | None = None
    # what running a dynamic payload does that the rule's words do not say, kept when the
    # project-wide stage rewrites the message: "pip install runs the build and install code
    # of the packages it is given..." (rules/launchers.toml's ``note`` of an installer), "the
    # script runs its arguments (eval "$1")" (auditor.judge.script_uses)
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        # every field is a scalar but the tuples; dataclasses.asdict deep-copies (slow)
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["also_flagged_by"] = list(self.also_flagged_by)
        data["flow"] = [step.to_json() for step in self.flow]
        data["via"] = list(self.via)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if "also_flagged_by" in values:
            values["also_flagged_by"] = tuple(values["also_flagged_by"])
        if "flow" in values:
            values["flow"] = tuple(Step.from_json(s) for s in values["flow"])
        if "via" in values:
            values["via"] = tuple(values["via"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file that could not be analysed, with a one-line reason."""

    path: str
    message: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class EngineOnly:
    """A result of another engine (bandit, semgrep) that no finding of ours covers: a
    possible recall gap of the scanner, or a mistake of that engine."""

    engine: str
    rule: str
    path: str
    line: int
    end_line: int
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.end_line, self.engine, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class EngineError:
    """An engine that could not run (not installed, crashed, timed out) or could not analyse
    one file (``path`` set). Our own findings are never lost to it."""

    engine: str
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"engine": self.engine, "path": self.path, "message": self.message}


@dataclass(slots=True)
class FileResult:
    """What the analysis of one file yields. ``parsed``: it went through libcst."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    parsed: bool = False
    # findings reported only if the project-wide stage finds where their payload comes from
    # (a method looked up by a name on an object: getattr(self, name)())
    latent: list[Finding] = field(default_factory=list)
    # the summary as the result cache holds it (a JSON text), decoded when first read: a
    # warm scan whose project-wide stage comes from the cache never reads it (stdlib: the
    # warm scan went from 1.7 s to 0.45 s); SUMMARY_UNREAD when the cache's row was read
    # without it (auditor.scan.cache)
    stored_summary: Any = None
    _summary: FileSummary | None = None
    # the module-level bindings the project-wide stage reads for sinks' aliases
    # (auditor.flow.aliases.bindings), when the worker read them along with the analysis;
    # None when it did not (the file is no candidate, or the result came from the cache)
    bindings: tuple[tuple[str, str], ...] | None = None

    @property
    def summary(self) -> FileSummary | None:
        """What the project-wide stage needs of the file (auditor.flow); None when not
        parsed."""
        if self.stored_summary is not None:
            from auditor.file_summary import FileSummary

            if self.stored_summary is SUMMARY_UNREAD:
                raise RuntimeError("the summary of a cached result was not read from the cache")

            self._summary = FileSummary.from_json(json.loads(self.stored_summary))
            self.stored_summary = None
        return self._summary

    @summary.setter
    def summary(self, value: FileSummary | None) -> None:
        self._summary = value
        self.stored_summary = None


@dataclass(slots=True)
class Stats:
    files: int = 0
    parsed: int = 0
    seconds: float = 0.0
    cached: int = 0
    # the folders the walk left out by its default rules (build output, virtual
    # environments, installed packages; submodules not checked out): auditor.scan.discover
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "parsed": self.parsed,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "skipped": list(self.skipped),
        }


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    # engines that ran (``--engines``); libcst is the scanner itself
    engines: list[str] = field(default_factory=lambda: ["libcst"])
    engine_only: list[EngineOnly] = field(default_factory=list)
    engine_errors: list[EngineError] = field(default_factory=list)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
        self.errors.sort(key=lambda e: (e.path, e.line or 0))
        self.engine_only.sort(key=EngineOnly.sort_key)
        self.engine_errors.sort(key=lambda e: (e.engine, e.path or "", e.message))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
            "stats": self.stats.to_json(),
            "engines": list(self.engines),
            "engine_only": [e.to_json() for e in self.engine_only],
            "engine_errors": [e.to_json() for e in self.engine_errors],
        }
