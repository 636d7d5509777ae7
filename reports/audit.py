"""The isolation audit document: a model built from a scan result and the policy, rendered
with jinja2 templates (``templates/audit.<lang>.md.j2``) and per-language words
(``locale/<lang>.toml``).

The model is plain data (dicts, lists, strings, numbers), so that a user template
(``auditor report --template FILE``) can lay it out differently; it may also
``{% extends "audit.en.md.j2" %}`` or import the built-in templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from auditor import __version__, sandbox_needs
from auditor.findings import RISK_ORDER, Finding, ScanResult, Step
from auditor.judge.catalogue import Sink, builtin_sinks
from auditor.judge.classify import called
from auditor.judge.launcher_table import builtin_table
from auditor.judge.policy import CLASS_NAMES, Policy, build_policy
from auditor.reports import LANGS
from auditor.rules_files import package_toml, read_rule_file
from auditor.sandbox.config import load_settings
from auditor.sandbox.errors import SandboxConfigError
from auditor.sandbox.limits import Limits
from auditor.sandbox_needs import SandboxEffect

from . import diagrams
from .fixes import CONVERT, Fix, codemod_for, command_needs_shell, manual_for

if TYPE_CHECKING:
    from auditor.scan.discover import Globs
    from auditor.system.data import SystemRule

ICONS = {"critical": "⛔", "high": "🔴", "medium": "🟡", "low": "🟢"}
LEVELS = ("critical", "high", "medium", "low")
# Origins from outside the program: each such site gets its flow drawn.
OUTSIDE = ("remote-input", "llm-output", "user-input", "environment", "file")
# Flow diagrams per section at most (the text flow is there for every site).
MAX_FLOW_DIAGRAMS = 40
# Finding kinds of `auditor system`: they get their own sections, not the Python ones.
SYSTEM_KINDS = frozenset({"sudoers", "systemd"})
SYSTEM_SECTIONS = ("sudoers", "process", "restart", "memory", "hardening")


class ReportError(ValueError):
    """A problem with a template; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What the document says about the run: its date, what was scanned, and the commit."""

    date: dt.date
    scope: tuple[str, ...] = (".",)
    commit: str | None = None
    # sudoers files and systemd units found in the scope and checked: with them, the system
    # sections appear even when they hold no finding (their status is then done).
    sudoers_files: tuple[str, ...] = ()
    unit_files: tuple[str, ...] = ()

    @property
    def system_files(self) -> tuple[str, ...]:
        return (*self.sudoers_files, *self.unit_files)


def report_date() -> dt.date:
    """Today (UTC), or the date of ``SOURCE_DATE_EPOCH`` for reproducible documents."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def git_commit(path: Path) -> str | None:
    """The short commit hash of the git work tree holding ``path``, if any."""
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def collect_meta(
    paths: Sequence[str | os.PathLike[str]], globs: Sequence[Globs] = ()
) -> ReportMeta:
    """What the report says of its scope: the scanned ``paths``, their commit and the
    deployment files they hold (minus those ``globs``, the scan's, exclude)."""
    from auditor.scan.discover import display_path
    from auditor.system.discovery import discover, is_dropin, is_unit_file, looks_like_sudoers

    given = [Path(p) for p in paths] or [Path(".")]
    sudoers, units = discover([p for p in given if p.is_dir()], globs)
    for path in given:  # deployment files named explicitly (auditor system --format markdown)
        if path.is_file() and (is_unit_file(path) or is_dropin(path)):
            units.append(path)
        elif path.is_file() and looks_like_sudoers(path):
            sudoers.append(path)
    cwd = Path.cwd()
    return ReportMeta(
        date=report_date(),
        scope=tuple(p.as_posix() for p in given),
        commit=git_commit(given[0].resolve()),
        sudoers_files=tuple(display_path(p, cwd) for p in sudoers),
        unit_files=tuple(display_path(p, cwd) for p in units),
    )


@cache
def locale(lang: str) -> dict[str, Any]:
    if lang not in LANGS:
        raise ReportError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    # beside this module (importlib.resources would import zipfile and friends: see
    # auditor.rules_files)
    text = (Path(__file__).parent / "locale" / f"{lang}.toml").read_text("utf-8")
    return package_toml(text)


@cache
def metrics() -> list[dict[str, Any]]:
    """The sandbox metrics to monitor (``rules/metrics.toml``)."""
    text = read_rule_file("metrics.toml")
    entries: list[dict[str, Any]] = package_toml(text)["metric"]
    return entries


@cache
def _default_summaries() -> dict[str, str]:
    return {name: c.summary for name, c in build_policy({}, "defaults").classes.items()}


def _shown_path(path: str | None) -> str | None:
    """A path relative to the working directory when it is under it (as findings show)."""
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _code(text: object) -> str:
    """Markdown inline code that survives backticks in the text."""
    value = str(text)
    run = 0
    longest = 0
    for char in value:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _cell(text: object) -> str:
    """Text safe in a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _plain(text: object) -> str:
    """Prose that markdown must not format: ``*``, ``_``, ``<`` and the like escaped."""
    return re.sub(r"([\\`*_<>\[\]])", r"\\\1", str(text))


def _fence(text: object) -> str:
    """A code fence long enough for ``text``."""
    value = str(text)
    longest = max((len(part) for part in value.split("\n") if set(part) == {"`"}), default=0)
    return "`" * max(3, longest + 1)


class _Builder:
    def __init__(
        self,
        result: ScanResult,
        policy: Policy,
        meta: ReportMeta,
        lang: str,
        fixes: Mapping[str, Fix | tuple[str, str]] | None,
    ) -> None:
        self.result = result
        self.policy = policy
        self.meta = meta
        self.lang = lang
        self.t = locale(lang)
        self.fixes = {
            k: v if isinstance(v, Fix) else Fix(before=v[0], after=v[1])
            for k, v in (fixes or {}).items()
        }
        self.sinks: dict[str, Sink] = {s.name: s for s in (*builtin_sinks(), *policy.sinks)}
        self.active = [
            f for f in result.findings if not f.suppressed and f.kind not in SYSTEM_KINDS
        ]
        self.system_active = [
            f for f in result.findings if not f.suppressed and f.kind in SYSTEM_KINDS
        ]
        self._limits: Limits | None = None
        self._system_sections: list[dict[str, Any]] | None = None

    # -- words -------------------------------------------------------------------------
    def summary(self, name: str) -> str:
        c = self.policy.classes.get(name)
        if c is None:
            return name
        if c.summary == _default_summaries().get(name):
            return str(self.t["classes"][name]["summary"])
        return c.summary  # the project's own wording

    def site_summary(self, f: Finding) -> str:
        """The summary of a site's class, naming the language of the code it runs when the
        class says it for each language (``summary_language``: "Perl code generated at run
        time") and the policy keeps the class's own summary."""
        c = self.policy.classes.get(f.category)
        words = self.t["classes"].get(f.category, {})
        if (
            c is None
            or f.language is None
            or "summary_language" not in words
            or c.summary != _default_summaries().get(f.category)
        ):
            return self.summary(f.category)
        return str(
            words["summary_language"].format(language=builtin_table().language_name(f.language))
        )

    def class_action(self, name: str) -> str:
        c = self.policy.classes.get(name)
        return c.action if c is not None else "review"

    @staticmethod
    def status_key(f: Finding) -> str:
        return _status_key(f)

    def type_text(self, f: Finding) -> str:
        text = f"`{called(f.sink.removeprefix('builtins.'))}`"
        words = self.t["type"]
        if f.category == "shell-wrapper":
            return f"{text} {words['wrapper']}"
        sink = self.sinks.get(f.sink)
        if f.kind == "command" and f.shell is True:
            always = sink is not None and sink.shell == "always"
            return f"{text} {words['shell_always' if always else 'shell_true']}"
        if f.kind == "command" and f.shell is None and f.category.endswith("shell"):
            return f"{text} {words['shell_unknown']}"
        return text

    def origin_text(self, f: Finding) -> str:
        """Where the site's payload comes from, with the first step of its flow."""
        if f.origin is None or f.origin == "internal":
            return ""
        words = self.t["origin"]
        text = f"{words[f.origin]} (`{f.origin}`)"
        if f.flow and f.origin != "parameter":
            first = f.flow[0]
            text += f": {_code(f'{first.path}:{first.line}')} {self.step_text(first, f.origin)}"
        return text

    def step_text(self, step: Step, origin: str | None, code: Any = _code) -> str:
        """A step of a flow in the document's language (``code`` formats code: markdown
        inline code by default, ``str`` for a diagram's plain label)."""
        words = self.t["flow"]
        if step.kind not in words:
            return step.note
        origin_words = self.t["origin"].get(origin or "", origin or "")
        return str(
            words[step.kind].format(
                detail=step.detail,
                code=code(step.subject),
                origin=origin_words,
                param=code(step.detail),
                function=code(f"{step.subject}()"),
            )
        )

    def via_text(self, f: Finding) -> str:
        """The launchers an argv runs through, and whether one of them changes user."""
        if not f.via:
            return ""
        text = " → ".join(_code(v) for v in f.via)
        if f.privileged:
            text += f" ({self.t['via']['privileged']})"
        return text

    def flow_diagram(self, f: Finding) -> str:
        """The site's flow from its source to the call, as a Mermaid flowchart."""
        steps = list(f.flow)
        if steps and steps[-1].kind == "reaches":
            steps = steps[:-1]  # the call is the last node, with its snippet
        origin = self.t["origin"].get(f.origin or "", f.origin or "")
        return diagrams.flow(
            [(f"{s.path}:{s.line}", self.step_text(s, f.origin, code=str)) for s in steps]
            or [(f"{f.path}:{f.line}", origin)],
            origin.capitalize() if origin else "",
            [
                f"{f.path}:{f.line}",
                f.snippet,
                f"{self.site_summary(f)} ({f.rule})",
                *(
                    [
                        f"{self.t['via']['label']}: {' → '.join(f.via)}"
                        + (f" ({self.t['via']['privileged']})" if f.privileged else "")
                    ]
                    if f.via
                    else []
                ),
            ],
        )

    def outside_flows(self) -> list[Finding]:
        """The sites whose payload comes from outside the program, with a flow."""
        return [
            f
            for f in sorted(self.active, key=lambda f: (f.path, f.line, f.column))
            if f.origin in OUTSIDE and f.flow
        ]

    def attention(self) -> list[dict[str, Any]]:
        """The critical sites, each with its flow from the source to the call: the
        generated form of the user's "ATTENTION - LLM/Chat" section."""
        out = []
        for f in sorted(self.active, key=lambda f: (f.path, f.line, f.column)):
            if f.risk != "critical" or f.isolated:
                continue
            out.append(
                {
                    "path": f.path,
                    "line": f.line,
                    "function": self.function_text(f.function),
                    "rule": f.rule,
                    "summary": self.site_summary(f),
                    "type": self.type_text(f),
                    "snippet": f.snippet,
                    "origin": self.t["origin"].get(f.origin or "", f.origin or ""),
                    "origin_key": f.origin,
                    "via": self.via_text(f),
                    "flow": [
                        {"where": f"{s.path}:{s.line}", "note": self.step_text(s, f.origin)}
                        for s in f.flow
                    ],
                    "diagram": self.flow_diagram(f) if f.flow else None,
                }
            )
        for item in out[MAX_FLOW_DIAGRAMS:]:
            item["diagram"] = None
        return out

    def other_flows(self) -> dict[str, Any]:
        """The sites whose payload comes from outside the program that the attention
        section does not list (not critical, or already isolated), each with its flow."""
        attention = {(a["path"], a["line"], a["rule"]) for a in self.attention()}
        sites: list[dict[str, Any]] = []
        for f in self.outside_flows():
            if (f.path, f.line, f.rule) in attention:
                continue
            sites.append(
                {
                    "path": f.path,
                    "line": f.line,
                    "function": self.function_text(f.function),
                    "rule": f.rule,
                    "summary": self.site_summary(f),
                    "type": self.type_text(f),
                    "snippet": f.snippet,
                    "risk": self.t["risk"][f.risk],
                    "icon": ICONS[f.risk],
                    "status": self.t["site_status"][self.status_key(f)],
                    "origin": self.t["origin"].get(f.origin or "", f.origin or ""),
                    "origin_key": f.origin,
                    "via": self.via_text(f),
                    "flow": [
                        {"where": f"{s.path}:{s.line}", "note": self.step_text(s, f.origin)}
                        for s in f.flow
                    ],
                    "diagram": self.flow_diagram(f) if len(sites) < MAX_FLOW_DIAGRAMS else None,
                }
            )
        return {"sites": sites, "drawn": min(len(sites), MAX_FLOW_DIAGRAMS)}

    def action_text(self, f: Finding) -> str:
        action = f.action
        fix = self.fixes.get(f.fingerprint)
        if f.category == "constant-shell" and command_needs_shell(f, fix):
            action = "convert_needs_shell"
        text = str(self.t["action"].get(action, action))
        if f.trusted_by and not f.isolated:
            trusted = self.t["action"]["trusted"].format(rule=_code(f.trusted_by))
            source = self.trusted_source(f.trusted_by)
            if source:
                trusted = self.t["policy"]["from"].format(text=trusted, source=source)
            text += f" ({trusted})"
        return text

    def source_text(self, item: Mapping[str, str]) -> str:
        """Where a trust rule comes from, in the document's language."""
        words = self.t["policy"]
        kind = item.get("source_kind", "")
        if kind == "builtin":
            return str(words["source_builtin"])
        if kind == "preset":
            return str(words["source_preset"].format(name=item["source_name"]))
        if kind == "project":
            file = _code(_shown_path(item["source_name"]) or item["source_name"])
            line = item.get("source_line", "")
            key = "source_project" if line else "source_file"
            return str(words[key].format(file=file, line=line))
        return ""

    def trusted_source(self, trusted_by: str) -> str:
        origin = self.policy.trust_source(trusted_by)
        if origin is None:
            return ""
        return self.source_text(
            {
                "source_kind": origin.kind,
                "source_name": origin.name,
                "source_line": str(origin.line or ""),
            }
        )

    def function_text(self, name: str) -> str:
        if name == "<module>":
            return str(self.t["module_level"])
        return _code(f"{name}()")

    def _lines_text(self, lines: list[int]) -> str:
        word = self.t["origin"]["lines" if len(lines) > 1 else "line"]
        return f"{word} {', '.join(str(n) for n in lines)}"

    # -- sections ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """From the highest risk of the unsuppressed sites that are not isolated (sites that
        the policy trusts are low risk already)."""
        open_sites = [f for f in self.active if not f.isolated] + self.system_todo()
        top = max((RISK_ORDER[f.risk] for f in open_sites), default=-1)
        words = self.t["overall"]
        if top == RISK_ORDER["critical"]:
            n = sum(1 for f in open_sites if f.risk == "critical")
            high = sum(1 for f in open_sites if f.risk == "high")
            detail = [words["outside_detail"].format(n=n)]
            if high:
                detail.append(words["high_detail"].format(n=high))
            if self.result.errors:
                detail.append(words["errors_detail"].format(n=len(self.result.errors)))
            return {"key": "critical", "label": words["critical"], "detail": "; ".join(detail)}
        if top == RISK_ORDER["high"]:
            key, n = "high", sum(1 for f in open_sites if f.risk == "high")
        elif top == RISK_ORDER["medium"]:
            key, n = "attention", sum(1 for f in open_sites if f.risk == "medium")
        else:
            key, n = "ok", 0
        details = [words[f"{key}_detail"].format(n=n)]
        if self.result.errors:
            details.append(words["errors_detail"].format(n=len(self.result.errors)))
        return {"key": key, "label": words[key], "detail": "; ".join(details)}

    def sweep(self) -> list[dict[str, Any]]:
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for f in sorted(self.active, key=lambda f: (f.path, f.line, f.column)):
            status = self.status_key(f)
            # grouped by the site's own risk and status: a site the policy trusts or that
            # runs in the sandbox is low risk, not listed under its class's priority
            key = (
                f.risk, f.path, f.rule, f.sink, f.shell, status, f.trusted_by, f.action, f.language
            )  # fmt: skip
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    "priority": f.risk,
                    "path": f.path,
                    "rule": f.rule,
                    "category": f.category,
                    "summary": self.site_summary(f),
                    "type": self.type_text(f),
                    "risk": self.t["risk"][f.risk],
                    "risk_key": f.risk,
                    "action": self.action_text(f),
                    "status": self.t["site_status"][status],
                    "status_key": status,
                    "functions": [],
                    "snippets": [],
                    "sites": [],
                    "origins": [],
                    "via": [],
                }
            function = self.function_text(f.function)
            if function not in group["functions"]:
                group["functions"].append(function)
            if f.snippet not in group["snippets"]:
                group["snippets"].append(f.snippet)
            group["sites"].append(
                {"line": f.line, "column": f.column, "function": f.function,
                 "snippet": f.snippet, "fingerprint": f.fingerprint}
            )  # fmt: skip
            origin = self.origin_text(f)
            group.setdefault("origin_lines", {}).setdefault(origin, []).append(f.line)
            via = self.via_text(f)
            if via and via not in group["via"]:
                group["via"].append(via)
        for group in groups.values():
            group["lines"] = ", ".join(str(s["line"]) for s in group["sites"])
            by_origin: dict[str, list[int]] = group.pop("origin_lines")
            # one origin for every line, or each origin with its lines (a line whose
            # payload is built inside the program shows none)
            mixed = len(by_origin) > 1
            group["origins"] = [
                f"{origin} ({self._lines_text(lines)})" if mixed else origin
                for origin, lines in by_origin.items()
                if origin
            ]
        out = []
        for level in LEVELS:
            chosen = [g for g in groups.values() if g["priority"] == level]
            if level == "critical" and not chosen:
                continue  # the level exists only where request data or model output does
            out.append(
                {
                    "key": level,
                    "icon": ICONS[level],
                    "title": self.t["priority"][level],
                    "groups": chosen,
                    "sites": sum(len(g["sites"]) for g in chosen),
                }
            )
        return out

    def counts(self) -> dict[str, int]:
        return site_counts(self.result)

    def per_class(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for f in self.active:
            row = table.setdefault(f.category, {"total": 0, "todo": 0, "isolated": 0})
            row["total"] += 1
            row["todo"] += self.status_key(f) == "todo"
            row["isolated"] += f.isolated
        return table

    def policy_lists(self) -> dict[str, list[str]]:
        described = self.policy.describe()
        words = self.t["policy"]

        def text(item: dict[str, str]) -> str:
            key = item["key"]
            if key.startswith("class:"):
                return f"{self.summary(key.removeprefix('class:'))} ({item['rule']})"
            out = str(words[key].format(text=item["text"]))
            source = self.source_text(item)
            return str(words["from"].format(text=out, source=source)) if source else out

        return {
            "must": [text(i) for i in described["must_isolate"]],
            "may": [text(i) for i in described["may_run_directly"]],
        }

    def architecture(self) -> dict[str, int]:
        sandbox_isolated = sandbox_todo = review = allowed = convert = 0
        for f in self.active:
            if f.isolated:
                sandbox_isolated += 1
            elif f.action == "isolate":
                sandbox_todo += 1
            elif f.action == "review":
                review += 1
            elif f.action == "convert":
                convert += 1
            else:
                allowed += 1
        return {
            "sandbox": sandbox_isolated + sandbox_todo,
            "sandbox_isolated": sandbox_isolated,
            "sandbox_todo": sandbox_todo,
            "review": review,
            "direct": allowed + convert,
            "direct_allowed": allowed,
            "direct_convert": convert,
        }

    def charts(self) -> dict[str, Any]:
        """The sites to do by risk (a pie) and by top-level folder (stacked bars)."""
        todo = [f for f in self.active if self.status_key(f) == "todo"]
        words = diagrams.Words(self.t["diagrams"])
        if not todo:
            return {"pie": None, "folders": None, "caption": ""}
        by_risk = Counter(f.risk for f in todo)
        pie = diagrams.risk_pie(by_risk, self.t["risk"], words["pie_title"])
        per_folder: dict[str, Counter[str]] = {}
        for f in todo:
            per_folder.setdefault(self.top_folder(f.path), Counter())[f.risk] += 1
        ranked = sorted(per_folder.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        rows: list[tuple[str, Mapping[str, int]]] = list(ranked[: diagrams.MAX_FOLDERS])
        rest = ranked[diagrams.MAX_FOLDERS :]
        if rest:
            total: Counter[str] = Counter()
            for _, c in rest:
                total.update(c)
            rows.append((words["other_folders"].format(n=len(rest)), total))
        bars = diagrams.folder_bars(rows, words["bar_title"], words["bar_axis"])
        return {"pie": pie, "folders": bars, "caption": words["caption"]}

    def top_folder(self, path: str) -> str:
        """The first folder of ``path`` below the scanned folder that holds it, or the
        words for "top level" for a file directly in it."""
        parts = Path(path).parts
        for scope in sorted(self.meta.scope, key=len, reverse=True):
            prefix = Path(scope).parts if scope not in (".", "") else ()
            if tuple(parts[: len(prefix)]) == prefix and len(parts) > len(prefix):
                rest = parts[len(prefix) :]
                return rest[0] if len(rest) > 1 else str(self.t["diagrams"]["top_level"])
        return parts[0] if len(parts) > 1 else str(self.t["diagrams"]["top_level"])

    def architecture_diagram(self, counts: dict[str, int]) -> str:
        """The isolation architecture as a flowchart generated from the policy: what must
        be isolated, what is reviewed by hand, what may run directly (classes and trust
        rules), and the sandbox's layers with the project's limits."""
        words = diagrams.Words(self.t["diagrams"])
        must: list[str] = []
        review: list[str] = []
        may: list[str] = []
        for name in CLASS_NAMES:
            c = self.policy.classes.get(name)
            if c is None:
                continue
            item = f"{self.summary(name)} ({c.rule})"
            {"isolate": must, "review": review}.get(c.action, may).append(item)
        for pattern in self.policy.trusted_paths:
            may.append(words["trusted_path"].format(text=pattern))
        for pattern in self.policy.trusted_commands:
            may.append(words["trusted_command"].format(text=pattern))
        for sink in self.policy.sinks:
            if sink.isolated:
                may.append(words["isolation_wrapper"].format(text=sink.name))
        return diagrams.architecture(
            diagrams.Architecture(
                must=must,
                review=review,
                may=may,
                layers=self.sandbox_layers(),
                sites=len(self.active),
                sandbox=words["sandbox_sites"].format(
                    n=counts["sandbox"],
                    isolated=counts["sandbox_isolated"],
                    todo=counts["sandbox_todo"],
                ),
                review_sites=words["review_sites"].format(n=counts["review"]),
                direct_sites=words["direct_sites"].format(
                    n=counts["direct"],
                    allowed=counts["direct_allowed"],
                    convert=counts["direct_convert"],
                ),
            ),
            words,
        )

    def sandbox_layers(self) -> list[str]:
        """The sandbox's layers in words, with the project's profiles and limits."""
        from auditor.sandbox.profiles import PROFILES

        words = diagrams.Words(self.t["diagrams"])
        try:
            settings = load_settings(self.policy.root or None)
            profile, python_profile = settings.profile, settings.python_profile
        except SandboxConfigError:
            profile, python_profile = "standard", "strict"
        limits = self.sandbox_limits()
        none = words["no_limit"]

        def shown(value: object) -> str:
            return none if value is None else str(value)

        namespaces = PROFILES.get(profile, PROFILES["standard"]).namespaces
        return [
            words["layer_namespaces"].format(names=", ".join(namespaces)),
            words["layer_filesystem"].format(profile=profile, python_profile=python_profile),
            words["layer_filter"],
            words["layer_limits"].format(
                memory=shown(limits.memory),
                cpu=shown(limits.cpu_time),
                pids=shown(limits.pids),
                output=shown(limits.output),
            ),
            words["layer_run"],
        ]

    def checklist(self, per_class: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
        words = self.t["checklist"]
        phases: list[list[dict[str, Any]]] = [[], [], [], []]

        def item(phase: int, done: bool, key: str, **fields: Any) -> None:
            phases[phase].append({"done": done, "text": words[key].format(**fields)})

        for name in CLASS_NAMES:
            row = per_class.get(name)
            if row is None:
                continue
            c = self.policy.classes[name]
            fields = {"summary": self.summary(name), "rule": c.rule, **row}
            if c.action == "isolate":
                item(0, row["todo"] == 0, "isolate", **fields)
            elif c.action in ("convert", "review"):
                item(1, row["todo"] == 0, c.action, **fields)
            elif c.risk != "low" and row["total"] > row["isolated"]:
                item(2, False, "check_args", n=row["total"] - row["isolated"], **fields)
        if self.result.errors:
            item(0, False, "errors", n=len(self.result.errors))
        if self.system_active:
            todo = len(self.system_todo())
            phases[0].append(
                {"done": todo == 0, "text": self.t["system"]["checklist"].format(n=todo)}
            )
        item(1, False, "gate")
        item(1, False, "tests")
        item(2, False, "metrics")
        item(2, False, "limits")
        item(3, False, "alert_violations")
        item(3, False, "alert_isolation")
        item(3, False, "regenerate")
        return [{"title": words[f"phase{i + 1}"], "items": items} for i, items in enumerate(phases)]

    def fix_list(self) -> list[dict[str, Any]]:
        by_path: dict[str, list[dict[str, Any]]] = {}
        todo = [f for f in self.active if self.status_key(f) == "todo"]
        words = self.t["codemod"]
        for f in sorted(todo, key=lambda f: (f.path, f.line, f.column)):
            fix = self.fixes.get(f.fingerprint)
            codemod = codemod_for(f, fix)  # what the codemods actually do with this site
            manual = None if codemod else manual_for(f, fix)
            reasons: list[str] = []
            if manual is not None and fix is not None:
                known = self.t["manual_reason"]
                reasons = [known[k] for k in dict.fromkeys(fix.reasons) if k in known]
            effect = fix.effect if fix is not None and codemod is not None else None
            sandbox = self.sandbox_effect(effect)
            by_path.setdefault(f.path, []).append(
                {
                    "line": f.line,
                    "function": self.function_text(f.function),
                    "rule": f.rule,
                    "summary": self.site_summary(f),
                    "type": self.type_text(f),
                    "codemod": codemod,
                    "codemod_text": words[
                        codemod or ("convert_by_hand" if manual == CONVERT else "manual")
                    ],
                    "manual": manual,
                    "reasons": reasons,
                    "before": fix.before if fix is not None and fix.before else f.snippet,
                    "after": fix.after if fix is not None else None,
                    "fingerprint": f.fingerprint,
                    "sandbox": sandbox,
                    "granted": sandbox["granted"] if sandbox else [],
                    "lost": sandbox["lost"] if sandbox else [],
                }
            )
        return [{"path": path, "sites": sites} for path, sites in by_path.items()]

    def sandbox_effect(self, effect: SandboxEffect | None) -> dict[str, Any] | None:
        """What the sandbox takes away from a call the codemods route to it, in words: the
        capabilities given back (``granted``) and lost (``lost``, each marked ``needed``
        when the program is known to need it), and one sentence (``text``)."""
        if effect is None:
            return None
        words = self.t["sandbox"]
        caps = sandbox_needs.table().capabilities
        limits = self.sandbox_limits()
        profile = effect.profile

        def item(name: str) -> dict[str, Any]:
            cap = caps[name]
            texts = {cap.lost(p, self.lang, limits) for p in sandbox_needs.profiles_taking(name)}
            return {
                "name": name,
                "order": list(caps).index(name),
                "label": cap.label(self.lang),
                "text": cap.lost(profile, self.lang, limits),
                "keyword": cap.keyword(profile),
                "profile": profile,
                "per_profile": len(texts) > 1,
                "needed": name in effect.needed,
            }

        granted = [item(n) for n in effect.granted]
        lost = [item(n) for n in effect.lost]
        if effect.code:
            what = str(words["code"])
        else:
            parts = [_code(p) for p in effect.programs]
            if effect.unlisted:
                names = ", ".join(_code(n) for n in effect.unlisted)
                parts.append(words["unlisted"].format(names=names))
            elif effect.unknown:
                parts.append(str(words["unknown"]))
            what = ", ".join(parts)
        clauses = [what]
        if granted:
            shown = ", ".join(f"{i['label']} ({_code(i['keyword'])})" for i in granted)
            clauses.append(words["given"].format(items=shown))
        needed = [i["label"] for i in lost if i["needed"]]
        maybe = [i["label"] for i in lost if not i["needed"]]
        if needed:
            clauses.append(words["needs"].format(items=", ".join(needed)))
        if maybe:
            key = "loses" if effect.unknown else "may"
            clauses.append(words[key].format(items=", ".join(maybe)))
        if not granted and not lost:
            clauses.append(str(words["nothing"]))
        intro = words["intro"].format(profile=_code(profile))
        return {
            "profile": profile,
            "granted": granted,
            "lost": lost,
            "text": f"{intro}: " + "; ".join(clauses) + ".",
        }

    def sandbox_limits(self) -> Limits:
        """The limits the sandboxed calls run with ([tool.auditor.sandbox] of the project)."""
        if self._limits is None:
            try:
                self._limits = load_settings(self.policy.root or None).limits
            except SandboxConfigError:
                self._limits = Limits()  # auditor migrate and report say what is wrong
        return self._limits

    def status_table(self, per_class: dict[str, dict[str, int]]) -> list[dict[str, str]]:
        words = self.t["table"]
        rows = []
        for name in CLASS_NAMES:
            row = per_class.get(name)
            if row is None or self.class_action(name) == "allow":
                continue
            risk = self.policy.classes[name].risk
            done = row["todo"] == 0
            rows.append(
                {
                    "item": self.t["classes"][name]["item"],
                    "status": words["done"] if done else f"{words['todo']} ({row['todo']})",
                    "priority": f"{ICONS[risk]} {self.t['priority_short'][risk]}",
                    "done": "yes" if done else "no",
                }
            )
        for section in self.system_sections():
            todo = [r for r in section["rows"] if not r["done"]]
            if not section["rows"] and not section["checked"]:
                continue
            risk = section["risk_key"]
            rows.append(
                {
                    "item": section["item"],
                    "status": f"{words['todo']} ({len(todo)})" if todo else words["done"],
                    "priority": f"{ICONS[risk]} {self.t['priority_short'][risk]}",
                    "done": "no" if todo else "yes",
                }
            )
        errors = len(self.result.errors)
        if errors:  # a task only when some file could not be analysed
            rows.append(
                {
                    "item": words["errors"],
                    "status": f"{words['todo']} ({errors})",
                    "priority": f"{ICONS['high']} {self.t['priority_short']['high']}",
                    "done": "no",
                }
            )
        return rows

    def system_todo(self) -> list[Finding]:
        """The system findings still to fix (not allowed by the policy)."""
        return [f for f in self.system_active if self.status_key(f) == "todo"]

    def system_sections(self) -> list[dict[str, Any]]:
        """Sudoers, process protection, automatic restart and memory limits: the findings
        of ``auditor system``, one table per section, with each rule's fix once (made once:
        the status table and the sections both show them)."""
        if self._system_sections is None:
            self._system_sections = self._make_system_sections()
        return self._system_sections

    def _make_system_sections(self) -> list[dict[str, Any]]:
        rules: Mapping[str, SystemRule] = {}
        if self.system_active:  # the rules (a large table) only for findings to describe
            from auditor.system.data import system_rules

            rules = system_rules()
        words = self.t["system"]
        out = []
        for key in SYSTEM_SECTIONS:
            chosen = [
                f
                for f in sorted(self.system_active, key=lambda f: (f.path, f.line, f.rule))
                if rules.get(f.rule) is not None and rules[f.rule].section == key
            ]
            rows = []
            fixes: dict[str, dict[str, str]] = {}
            for f in chosen:
                texts = words["rules"].get(f.rule, {})
                summary = texts.get("summary", rules[f.rule].summary)
                rows.append(
                    {
                        "path": f.path,
                        "line": f.line,
                        "rule": f.rule,
                        "summary": summary,
                        "detail": _detail(f.message, rules[f.rule].summary),
                        "sink": f.sink,
                        "snippet": f.snippet,
                        "function": f.function,
                        "risk": self.t["risk"][f.risk],
                        "risk_key": f.risk,
                        "icon": ICONS[f.risk],
                        "action": words["action"].get(f.action, f.action),
                        "status": self.t["site_status"][self.status_key(f)],
                        "done": self.status_key(f) != "todo",
                    }
                )
                fixes.setdefault(
                    f.rule,
                    {
                        "rule": f.rule,
                        "summary": summary,
                        "fix": texts.get("fix", rules[f.rule].fix),
                    },
                )
            top = max((RISK_ORDER[f.risk] for f in chosen), default=0)
            out.append(
                {
                    "rules": self.sudoers_rules() if key == "sudoers" else [],
                    "services": self.service_scores() if key == "hardening" else [],
                    "key": key,
                    "title": words["sections"][key]["title"],
                    "item": words["sections"][key]["item"],
                    "intro": words["sections"][key]["intro"],
                    "rows": rows,
                    "fixes": [fixes[r] for r in sorted(fixes)],
                    "risk_key": ("low", "medium", "high")[top],
                    # were files of this section's kind checked (sudoers or systemd units)?
                    "checked": bool(
                        self.meta.sudoers_files
                        if key in ("sudoers", "process")
                        else self.meta.unit_files
                    ),
                    "not_checked": words["not_checked"][
                        "sudoers" if key in ("sudoers", "process") else "systemd"
                    ],
                }
            )
        return out

    def service_scores(self) -> list[dict[str, Any]]:
        """The services that run generated code or the sandbox, with the exposure
        `systemd-analyze security` would give them."""
        units = [f for f in self.system_active if f.kind == "systemd"]
        paths = dict.fromkeys([*self.meta.unit_files, *(f.path for f in units)])
        if not paths:  # no unit file: not even the parsers are needed
            return []
        from auditor.system.audit import service_scores

        out = []
        for s in service_scores(paths, self.policy.system):
            risk = "high" if s.exposure >= 75 else "medium" if s.exposure >= 50 else "low"
            out.append(
                {
                    "path": s.path, "name": s.name, "why": s.why, "score": s.score,
                    "level": s.level, "icon": ICONS[risk], "breaks": s.sandbox_breaks,
                }
            )  # fmt: skip
        return out

    def sudoers_rules(self) -> list[dict[str, Any]]:
        """Every command of every sudoers rule in the scope with what it grants (one line
        per finding, or what it is limited to), its highest risk and status from the
        findings; then the Defaults entries that have findings."""
        found = [f for f in self.system_active if f.kind == "sudoers"]
        paths = dict.fromkeys([*self.meta.sudoers_files, *(f.path for f in found)])
        if not paths:  # no sudoers file and no finding: not even the parsers are needed
            return []
        from auditor.system.audit import sudoers_rule_rows
        from auditor.system.data import system_rules

        rules = system_rules()
        words = self.t["system"]
        by_key: dict[tuple[str, int, str], list[Finding]] = {}
        for f in found:
            by_key.setdefault((f.path, f.line, f.sink), []).append(f)
        out = []

        def row(path: str, line: int, users: str, runas: str, command: str,
                grants: list[dict[str, str]], fs: list[Finding],
                nopasswd: bool = False) -> dict[str, Any]:  # fmt: skip
            top = max(fs, key=lambda f: RISK_ORDER[f.risk], default=None)
            todo = any(self.status_key(f) == "todo" for f in fs)
            status = self.t["site_status"]["todo" if todo else "allowed"]
            return {
                "path": path, "line": line, "users": users, "runas": runas, "command": command,
                "grants": grants, "nopasswd": nopasswd,
                "risk": f"{ICONS[top.risk]} {self.t['risk'][top.risk]}" if top else "—",
                "status": status if fs else words["rules_table"]["no_finding"],
                "done": not todo,
            }  # fmt: skip

        def grant(rule: str, text: str) -> dict[str, str]:
            summary = words["rules"].get(rule, {}).get("summary", rules[rule].summary)
            return {"rule": rule, "summary": summary, "text": text}

        for r in sudoers_rule_rows(paths):
            fs = by_key.pop((r.path, r.line, r.command), [])
            texts = [grant(rule, text) for rule, text in zip(r.rules, r.grants, strict=False)]
            if not r.rules:
                limited = words["rules_table"]["wild" if r.grants[0].startswith("any") else "exact"]
                texts = [{"rule": "", "summary": limited, "text": r.grants[0]}]
            users = r.users if r.hosts == "ALL" else f"{r.users} on {r.hosts}"
            out.append(row(r.path, r.line, users, r.runas, r.command, texts, fs, r.nopasswd))
        for (path, line, _sink), fs in sorted(by_key.items()):
            texts = [grant(f.rule, _detail(f.message, rules[f.rule].summary)) for f in fs]
            out.append(row(path, line, "", "", fs[0].snippet, texts, fs))
        return out

    def build(self) -> dict[str, Any]:
        per_class = self.per_class()
        checklist = self.checklist(per_class)
        architecture = self.architecture()
        next_steps = [i["text"] for p in checklist[:2] for i in p["items"] if not i["done"]][:4]
        t = self.t
        date = self.meta.date
        return {
            "lang": self.lang,
            "t": t,
            "version": __version__,
            "date": t["date_format"].format(
                day=date.day, month=t["months"][date.month - 1], year=date.year
            ),
            "date_iso": date.isoformat(),
            "scope": {
                "paths": list(self.meta.scope),
                "commit": self.meta.commit,
                "files": self.result.stats.files,
                "parsed": self.result.stats.parsed,
                "policy": _shown_path(self.policy.source),
                "presets": list(self.policy.extends),
            },
            "status": self.status(),
            "counts": self.counts(),
            "priorities": self.sweep(),
            "attention": self.attention(),
            "suppressed": [
                {"path": f.path, "line": f.line, "rule": f.rule, "reason": f.suppression_reason}
                for f in self.result.findings
                if f.suppressed
            ],
            "errors": [
                {"path": e.path, "line": e.line, "message": e.message} for e in self.result.errors
            ],
            "engine_only": [
                {
                    "engine": o.engine,
                    "rule": o.rule,
                    "path": o.path,
                    "line": o.line,
                    "message": o.message,
                }
                for o in self.result.engine_only
            ],
            "engine_errors": [
                {"engine": e.engine, "path": e.path, "message": e.message}
                for e in self.result.engine_errors
            ],
            "policy": self.policy_lists(),
            "architecture": architecture,
            "architecture_diagram": self.architecture_diagram(architecture),
            "charts": self.charts(),
            "other_flows": self.other_flows(),
            "checklist": checklist,
            "fixes": self.fix_list(),
            "metrics": [
                {
                    "name": m["name"],
                    "display": m["name"]
                    + ("{" + ",".join(m["labels"]) + "}" if m["labels"] else ""),
                    "type": m["type"],
                    "description": m[self.lang],
                }
                for m in metrics()
            ],
            "status_table": self.status_table(per_class),
            "system": {
                "present": bool(self.system_active) or bool(self.meta.system_files),
                "files": list(self.meta.system_files),
                "sections": self.system_sections(),
            },
            "next_steps": next_steps,
        }


def _status_key(f: Finding) -> str:
    if f.isolated:
        return "isolated"
    return "allowed" if f.action == "allow" else "todo"


def site_counts(result: ScanResult) -> dict[str, int]:
    """The call sites of the document's sweep (deployment files apart): how many, to do,
    isolated, allowed and suppressed, and how many of those to do are critical or high risk."""
    active = [f for f in result.findings if not f.suppressed and f.kind not in SYSTEM_KINDS]
    keys = Counter(_status_key(f) for f in active)
    return {
        "sites": len(active),
        "todo": keys["todo"],
        "todo_critical": sum(
            1 for f in active if _status_key(f) == "todo" and f.risk == "critical"
        ),
        "todo_high": sum(1 for f in active if _status_key(f) == "todo" and f.risk == "high"),
        "isolated": keys["isolated"],
        "allowed": keys["allowed"],
        "suppressed": sum(
            1 for f in result.findings if f.suppressed and f.kind not in SYSTEM_KINDS
        ),
        "files_with_sites": len({f.path for f in active}),
    }


def _detail(message: str, summary: str) -> str:
    """The finding-specific part of a system finding's message ("summary: detail. Fix: ...")."""
    detail = message.removeprefix(f"{summary}: ")
    return detail.split(". Fix: ", 1)[0]


def build_context(
    result: ScanResult,
    policy: Policy | None = None,
    *,
    lang: str = "en",
    meta: ReportMeta | None = None,
    fixes: Mapping[str, Fix | tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The document's model. ``fixes`` maps a finding's fingerprint to the before/after code
    of its fix (from the codemods); without it the document names the codemod."""
    if policy is None:
        policy = build_policy({}, "defaults")
    locale(lang)  # validates the language
    meta = meta or ReportMeta(date=report_date())
    return _Builder(result, policy, meta, lang, fixes).build()


# How the templates are compiled (the compiled code depends on these: see _bytecode_cache).
_SYNTAX: dict[str, Any] = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "autoescape": False,
}


class _TemplateBytecode(jinja2.FileSystemBytecodeCache):
    """The built-in templates compiled, kept beside them as Python keeps a module's
    bytecode: compiling the document's template took longer than rendering it (30 ms of
    every report). jinja2 uses a file only for the same template source (its checksum)
    and Python version. Best effort, as ``.pyc`` files are: a file that cannot be read is
    compiled again, one that cannot be written is not kept, and nothing is written when
    Python writes no bytecode (``PYTHONDONTWRITEBYTECODE``)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file: compile the template again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_folder() -> Path:
    """``templates/__pycache__`` of this package (under ``sys.pycache_prefix`` when set):
    written by whoever may write the package, as its ``.pyc`` files are; never a folder
    of the project scanned, whose files must not become code that runs."""
    folder = Path(__file__).resolve().parent / "templates" / "__pycache__"
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix).joinpath(*folder.parts[1:])
    return folder


def _bytecode_cache() -> jinja2.BytecodeCache:
    # the compiled code also depends on jinja2's version and the syntax options
    options = ",".join(f"{k}={v}" for k, v in sorted(_SYNTAX.items()))
    tag = hashlib.blake2b(f"{jinja2.__version__}|{options}".encode(), digest_size=6)
    return _TemplateBytecode(str(_bytecode_folder()), f"%s.{tag.hexdigest()}.jinja2")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.reports", "templates"),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache(),
        **_SYNTAX,
    )
    env.filters["code"] = _code
    env.filters["cell"] = _cell
    env.filters["fence"] = _fence
    env.filters["plain"] = _plain
    return env


def render(
    result: ScanResult,
    policy: Policy | None = None,
    *,
    lang: str = "en",
    template: Path | None = None,
    meta: ReportMeta | None = None,
    fixes: Mapping[str, Fix | tuple[str, str]] | None = None,
) -> str:
    """The audit document as markdown, from the built-in template for ``lang`` or from the
    user's ``template`` file."""
    context = build_context(result, policy, lang=lang, meta=meta, fixes=fixes)
    env = _environment()
    if template is None:
        return env.get_template(f"audit.{lang}.md.j2").render(context)
    try:
        source = template.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{template}: cannot read template: {exc}") from None
    try:
        return env.from_string(source).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ReportError(
            f"{template}:{exc.lineno}: template syntax error: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise ReportError(f"{template}: template error: {exc.message or exc}") from None
