"""A file's migration plan as plain data, and the words of the codemods' outcomes.

What ``auditor migrate`` and the audit document's "specific lines to fix" need of the
codemods: per file, the sites a codemod rewrites (the lines before and after), the sites
left to a person and why, and the file's rewritten text. Free of libcst, so that a plan
read back from the result cache (:meth:`FilePlan.to_cache` / :meth:`FilePlan.from_cache`)
costs no parser import; the planning itself is :mod:`auditor.planning`.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.findings import FileResult, Finding
from auditor.judge.policy import Policy
from auditor.sandbox_needs import SandboxEffect
from auditor.scan.options import Options

if TYPE_CHECKING:
    from auditor.sandbox.config import Settings

# The format of a cached plan (FilePlan.to_cache); part of the plans' cache key.
PLAN_SCHEMA = 1
# The codemods by name, in the order they run (auditor.planning.CODEMODS holds the classes).
CODEMOD_NAMES = ("shell-to-argv", "route-to-sandbox", "eval-exec-to-sandbox")

SiteFilter = Callable[[Finding], bool]


class MigrateError(ValueError):
    """Bad input to the migration (an unknown codemod name, a malformed --only)."""


# Classes of call sites the migration acts on; the rest (fixed programs, constant commands
# without a shell, constant code) are allowed by the default policy.
UNSAFE_CATEGORIES = frozenset(
    {
        "dynamic-shell",
        "dynamic-program",
        "dynamic-code",
        "dynamic-import",
        "constant-shell",
        "shell-wrapper",
    }
)


def needs_action(finding: Finding) -> bool:
    """A site the migration should rewrite or list for review."""
    return (
        finding.category in UNSAFE_CATEGORIES
        and not finding.isolated
        and finding.trusted_by is None
        and not finding.suppressed
        and finding.action != "allow"
    )


# Decline keys of shell-to-argv's reasons: NEEDS_SHELL, only a shell can run the command
# (route-to-sandbox takes it); TEXT_UNKNOWN, its text is not known at the call site; any
# other key of a constant shell command: an argv list would do, but this call cannot be
# rewritten with the same meaning, so a person converts it ("convert by hand").
NEEDS_SHELL = "needs-shell"
TEXT_UNKNOWN = "text-unknown"
NO_CODEMOD = "no-codemod"
NOT_SELECTED = "not-selected"
_NOT_CONVERTIBLE = frozenset({NEEDS_SHELL, TEXT_UNKNOWN, NO_CODEMOD, NOT_SELECTED})


def convert_by_hand(category: str, keys: Sequence[str]) -> bool:
    """Whether a site the codemods left alone is a constant shell command that an argv list
    would run (its command needs no shell), from the keys of the reasons it was declined."""
    return (
        category == "constant-shell"
        and any(keys)
        and not any(key.startswith("needs-") or key in _NOT_CONVERTIBLE for key in keys)
    )


class Decline(Exception):
    """Raised inside a rewrite to leave the site as it is, with a reason. ``key`` names the
    reason for the audit document, which has words for it in each language
    (``[manual_reason]`` of reports/locale/*.toml)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def parse_only(spec: str) -> tuple[str, int]:
    """``path:line`` of ``--only``."""
    path, sep, line = spec.rpartition(":")
    if not sep or not path or not line.isdigit() or int(line) < 1:
        raise MigrateError(f"--only {spec!r}: expected PATH:LINE (a line number from 1)")
    return path, int(line)


def site_filter(
    select: Iterable[str] = (), only: Iterable[str] = (), matched: set[str] | None = None
) -> SiteFilter | None:
    """A filter for ``--select RULE`` (rule id or class) and ``--only PATH:LINE``; the
    ``--only`` specs that let a site through are added to ``matched``."""
    rules = {s.strip() for s in select if s.strip()}
    specs = list(only)
    places = [parse_only(s) for s in specs]
    if not rules and not places:
        return None
    resolved = [
        (spec, os.path.normpath(os.path.abspath(p)), line)
        for spec, (p, line) in zip(specs, places, strict=True)
    ]

    def wanted(finding: Finding) -> bool:
        if rules and finding.rule not in rules and finding.category not in rules:
            return False
        if not resolved:
            return True
        here = os.path.normpath(os.path.abspath(finding.path))
        hits = [
            s for s, p, line in resolved if here == p and finding.line <= line <= finding.end_line
        ]
        if matched is not None:
            matched.update(hits)
        return bool(hits)

    return wanted


def sandbox_settings(policy: Policy) -> Settings:
    """The ``[tool.auditor.sandbox]`` settings of the project (its profiles and limits are
    what the sandboxed calls will run with), or :class:`MigrateError` naming the file and
    key of a mistake."""
    from auditor.sandbox.config import load_settings
    from auditor.sandbox.errors import SandboxConfigError

    try:
        return load_settings(policy.root)
    except SandboxConfigError as exc:
        raise MigrateError(str(exc)) from None


def unreadable(path: str | os.PathLike[str], max_size: int) -> str | None:
    """Why ``path`` cannot be planned (a plan's error), or None when it can be read."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "cannot read: not a regular file"
    if info.st_size > max_size:
        return f"cannot read: file too large ({info.st_size} bytes > max_file_size {max_size})"
    return None


def actionable_sites(result: FileResult, wanted: SiteFilter | None) -> list[Finding]:
    """The sites of a file's analysis that its plan rewrites or lists for review."""
    actionable = [f for f in result.findings if needs_action(f)]
    if wanted is not None:
        actionable = [f for f in actionable if wanted(f)]
    return actionable


def same_analysis(scan: Options, explicit: bool, result: FileResult) -> bool:
    """Whether a scan's analysis of a file (``result``, with the ``scan`` options;
    ``explicit``: the file was named on the command line) is the analysis its plan starts
    from (the default options, as ``auditor migrate`` analyses): the options agree, and a
    file named explicitly was not refused for a reason the pre-filter would not have looked
    at (its findings are the same either way, by the pre-filter's soundness; its errors are
    not)."""
    return scan == Options() and (not explicit or not result.errors)


def plan_from_analysis(
    result: FileResult, shown: str, file: Path, wanted: SiteFilter | None
) -> FilePlan | None:
    """A file's plan when its analysis alone decides it (``result``: the analysis with the
    default options): an error when the analysis failed, nothing to do when no site needs
    action (or passes ``wanted``); None when the codemods must run. This is what
    :func:`auditor.planning.plan_source` decides before it runs them."""
    if result.errors:
        first = result.errors[0]
        return FilePlan(shown, file, error=first.message, error_line=first.line)
    if not actionable_sites(result, wanted):
        return FilePlan(shown, file)
    return None


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """What to plan: the codemods to run (None: all, in order), ``--select`` rules and
    ``--only PATH:LINE`` specs (see :func:`site_filter`); plain data, for worker processes
    and the cache key."""

    codemods: tuple[str, ...] | None = None
    select: tuple[str, ...] = ()
    only: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.codemods is not None:
            unknown = [n for n in self.codemods if n not in CODEMOD_NAMES]
            if unknown:
                known = ", ".join(CODEMOD_NAMES)
                raise MigrateError(f"unknown codemod {unknown[0]!r} (known: {known})")
        for spec in self.only:
            parse_only(spec)

    def names(self) -> tuple[str, ...]:
        """The codemods that run, in order."""
        if not self.codemods:
            return CODEMOD_NAMES
        return tuple(n for n in CODEMOD_NAMES if n in self.codemods)

    def site_filter(self, matched: set[str] | None = None) -> SiteFilter | None:
        return site_filter(self.select, self.only, matched)

    def key(self, settings: Settings) -> str:
        """What the plans depend on besides a file and the code: the codemods, the filter
        (``--only`` paths as this process resolves them) and the sandbox settings."""
        only = [
            (spec, os.path.normpath(os.path.abspath(path)), line)
            for spec in self.only
            for path, line in [parse_only(spec)]
        ]
        rules = sorted({s.strip() for s in self.select if s.strip()})
        return json.dumps(
            [self.names(), rules, only, dataclasses.asdict(settings)], default=str, sort_keys=True
        )


@dataclass(frozen=True, slots=True)
class SitePlan:
    """One site a codemod rewrites: the lines it spans before, and the same lines after;
    for a call routed to the sandbox, ``effect`` says what the sandbox takes away from it
    and what the rewrite gives back (``network=True``)."""

    fingerprint: str
    codemod: str
    rule: str
    category: str
    sink: str
    path: str
    line: int
    end_line: int
    before_lines: list[str]
    after_lines: list[str]
    effect: SandboxEffect | None = None

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["effect"] = self.effect.to_json() if self.effect is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SitePlan:
        effect = data.get("effect")
        return cls(
            data["fingerprint"],
            data["codemod"],
            data["rule"],
            data["category"],
            data["sink"],
            data["path"],
            data["line"],
            data["end_line"],
            list(data["before_lines"]),
            list(data["after_lines"]),
            SandboxEffect.from_json(effect) if effect is not None else None,
        )

    def markdown(self) -> str:
        """The site as before/after blocks, for the audit's "specific lines to fix"."""
        where = f"{self.path}:{self.line}" + (
            f"-{self.end_line}" if self.end_line != self.line else ""
        )
        before = "\n".join(self.before_lines)
        after = "\n".join(self.after_lines)
        text = (
            f"`{where}` ({self.rule}, {self.codemod})\n\n"
            f"Before:\n\n```python\n{before}\n```\n\nAfter:\n\n```python\n{after}\n```\n"
        )
        if self.effect is not None:
            what, *rest = self.effect.describe()
            text += (
                f"\nIn the sandbox (profile {self.effect.profile}): {what}; {'; '.join(rest)}.\n"
            )
        return text


@dataclass(frozen=True, slots=True)
class SiteReview:
    """A site that needs action but that no selected codemod rewrote, and why: ``reasons``
    in words, ``keys`` the same reasons as keys the audit document has words for (see
    :class:`Decline`), ``before_lines`` the lines of the call."""

    fingerprint: str
    rule: str
    category: str
    sink: str
    path: str
    line: int
    column: int
    reasons: tuple[str, ...]
    keys: tuple[str, ...] = ()
    end_line: int = 0
    before_lines: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def manual(self) -> str:
        """ "convert" when the command needs no shell and an argv list would run it, but
        no codemod could rewrite this call with the same meaning; "review" otherwise."""
        return "convert" if convert_by_hand(self.category, self.keys) else "review"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["keys"] = list(self.keys)
        data["before_lines"] = list(self.before_lines)
        data["manual"] = self.manual
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteReview:
        return cls(
            data["fingerprint"],
            data["rule"],
            data["category"],
            data["sink"],
            data["path"],
            data["line"],
            data["column"],
            tuple(data["reasons"]),
            tuple(data["keys"]),
            data["end_line"],
            tuple(data["before_lines"]),
        )


@dataclass(slots=True)
class FilePlan:
    path: str  # as shown (relative to the working directory when under it)
    file: Path  # the file to write
    original: str = ""
    updated: str = ""
    encoding: str = "utf-8"
    data: bytes = b""
    sites: list[SitePlan] = field(default_factory=list)
    reviews: list[SiteReview] = field(default_factory=list)
    rewritten: Counter[str] = field(default_factory=Counter)  # codemod -> sites
    error: str | None = None
    error_line: int | None = None
    # the ``--only`` specs that a site of this file matched (see migrate.site_filter)
    matched: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.error is None and self.updated != self.original

    @property
    def wanted(self) -> bool:
        """Whether the plan says anything: an error, a change or a site to review (a plan
        of a file with nothing to do is left out of the plans)."""
        return self.error is not None or self.changed or bool(self.reviews)

    def diff(self) -> str:
        if not self.changed:
            return ""
        # split at "\n" only, as patch and git apply read a diff: splitlines() also splits
        # at a form feed or "\x1c", and the "\n" added after such a line corrupted the patch
        lines = difflib.unified_diff(
            _diff_lines(self.original),
            _diff_lines(self.updated),
            f"a/{self.path}",
            f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def to_json(self) -> dict[str, Any]:
        """What a report needs of the plan (not the file's text)."""
        return {
            "path": self.path,
            "changed": self.changed,
            "rewritten": dict(self.rewritten),
            "sites": [site.to_json() for site in self.sites],
            "reviews": [review.to_json() for review in self.reviews],
            "error": self.describe_error() if self.error is not None else None,
            "diff": self.diff(),
        }

    def describe_error(self) -> str:
        where = f"{self.path}:{self.error_line}" if self.error_line else self.path
        return f"{where}: {self.error}"

    def light(self) -> FilePlan:
        """The plan without the file's bytes and text when it changes nothing (what a report
        or a dry run reads of it stays: sites, reviews, error), to send between processes."""
        if not self.changed:
            self.data = b""
            self.original = self.updated = ""
        return self

    def to_cache(self) -> dict[str, Any]:
        """Everything of the plan but the file's bytes (the cache key holds them) and its
        text when it does not change (the caller has the bytes: see :meth:`from_cache`)."""
        changed = self.changed
        return {
            "path": self.path,
            "file": str(self.file),
            "original": self.original if changed else None,
            "updated": self.updated if changed else None,
            "encoding": self.encoding,
            "sites": [site.to_json() for site in self.sites],
            "reviews": [review.to_json() for review in self.reviews],
            "rewritten": dict(self.rewritten),
            "error": self.error,
            "error_line": self.error_line,
            "matched": list(self.matched),
        }

    @classmethod
    def from_cache(cls, data: Mapping[str, Any], content: bytes) -> FilePlan:
        """The plan :meth:`to_cache` stored, for the file whose bytes are ``content``. A
        plan that changes nothing keeps no text: only what a report or a dry run reads of
        it (its sites, reviews and error) is restored."""
        return cls(
            data["path"],
            Path(data["file"]),
            data["original"] or "",
            data["updated"] or "",
            data["encoding"],
            content,
            [SitePlan.from_json(s) for s in data["sites"]],
            [SiteReview.from_json(r) for r in data["reviews"]],
            Counter(data["rewritten"]),
            data["error"],
            data["error_line"],
            tuple(data["matched"]),
        )


def _diff_lines(text: str) -> list[str]:
    """The lines of ``text`` as a unified diff counts them, with their endings: each ends
    at ``\n`` (a lone ``\r`` or a form feed stays inside its line)."""
    return list(io.StringIO(text))  # newline="\n": no translation, lines end at "\n" only
