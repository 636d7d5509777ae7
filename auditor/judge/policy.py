"""The isolation policy: defaults from ``rules/policy.toml`` merged with the project's own
``[tool.auditor]`` table (``pyproject.toml``) or ``auditor.toml``, found upward from the scanned
path. Every key is validated; a mistake is a :class:`PolicyError` naming the file and the key."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from auditor.findings import RISK_ORDER
from auditor.judge.catalogue import CatalogueError, Sink, sink_from_dict
from auditor.judge.shellwords import PatternError, compile_pattern
from auditor.rules_files import rule_data, rule_table

ACTIONS = ("isolate", "convert", "allow", "review")
CLASS_NAMES = (
    "critical-shell",
    "critical-program",
    "critical-code",
    "critical-import",
    "critical-arguments",
    "critical-call",
    "dynamic-shell",
    "dynamic-program",
    "dynamic-code",
    "dynamic-import",
    "dynamic-call",
    "constant-shell",
    "shell-wrapper",
    "fixed-program",
    "constant-command",
    "constant-code",
)
_LIST_KEYS = ("trusted_paths", "trusted_commands", "exclude", "include")
_TRUST_KEYS = {"trusted_paths": "path", "trusted_commands": "command"}
_PRESET_KEYS = frozenset({"description", "classes", *_LIST_KEYS})


class PolicyError(ValueError):
    """The policy file is malformed. The message is one line naming the file and the key."""


@dataclass(frozen=True, slots=True)
class ClassRule:
    name: str
    rule: str
    summary: str
    risk: str
    action: str


@dataclass(frozen=True, slots=True)
class TrustSource:
    """Where a trust rule comes from: the built-in defaults, a preset (``name``), or the
    project's policy file (``name`` is its path, ``line`` the pattern's line when found)."""

    kind: str  # "builtin", "preset" or "project"
    name: str = ""
    line: int | None = None

    def describe(self) -> str:
        if self.kind == "builtin":
            return "built-in defaults"
        if self.kind == "preset":
            return f"preset {self.name}"
        return f"{self.name}:{self.line}" if self.line else self.name

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "line": self.line}


@dataclass(frozen=True, slots=True)
class Policy:
    trusted_paths: tuple[str, ...] = ()
    trusted_commands: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    max_file_size: int = 5_000_000
    sinks: tuple[Sink, ...] = ()
    classes: dict[str, ClassRule] = field(default_factory=dict)
    sandbox: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    root: str = "."
    # the gate (auditor check): the lowest risk that fails it, and the baseline file
    # (relative to the project root) whose findings it ignores
    fail_on: str = "high"
    baseline: str | None = None
    # [tool.auditor.system]: the system checks' settings (sandbox_names, rules overrides)
    system: dict[str, Any] = field(default_factory=dict)
    # the presets named in ``extends``, and where each trust rule ("path:GLOB",
    # "command:PATTERN", as findings' trusted_by) comes from
    extends: tuple[str, ...] = ()
    trust_sources: dict[str, TrustSource] = field(default_factory=dict)
    # [[tool.auditor.sources]]: the project's own sources, sanitizers... (auditor.flow)
    sources: tuple[dict[str, Any], ...] = ()
    # [tool.auditor.origins.<origin>]: the risk a site gets from where its payload comes from
    origins: dict[str, dict[str, str]] = field(default_factory=dict)

    def origin_risk(self, origin: str) -> str | None:
        """The risk ``origin`` gives a site it reaches (None: the class's own risk)."""
        return self.origins.get(origin, {}).get("risk")

    def trust_source(self, trusted_by: str) -> TrustSource | None:
        return self.trust_sources.get(trusted_by)

    def rule_for(self, category: str) -> ClassRule:
        return self.classes[category]

    def fingerprint(self) -> str:
        """A hash of everything that changes findings (for the result cache)."""
        data = self.to_json()
        data.pop("source", None)
        data.pop("root", None)
        data.pop("trust_sources", None)  # where a rule is written does not change findings
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "root": self.root,
            "trusted_paths": list(self.trusted_paths),
            "trusted_commands": list(self.trusted_commands),
            "exclude": list(self.exclude),
            "include": list(self.include),
            "max_file_size": self.max_file_size,
            "sinks": [_sink_json(s) for s in self.sinks],
            "classes": {
                name: {"rule": c.rule, "summary": c.summary, "risk": c.risk, "action": c.action}
                for name, c in self.classes.items()
            },
            "sandbox": self.sandbox,
            "fail_on": self.fail_on,
            "baseline": self.baseline,
            # only when set, so that policies without it keep their fingerprint
            **({"system": self.system} if self.system else {}),
            **({"extends": list(self.extends)} if self.extends else {}),
            **({"sources": list(self.sources)} if self.sources else {}),
            "origins": self.origins,
            "trust_sources": {k: v.to_json() for k, v in self.trust_sources.items()},
        }

    def describe(self) -> dict[str, list[dict[str, str]]]:
        """The policy as the audit document states it: what must be isolated and what may
        run directly. Items carry a ``key`` so that templates can word them per language."""
        must: list[dict[str, str]] = []
        may: list[dict[str, str]] = []
        for name, c in self.classes.items():
            item = {"key": f"class:{name}", "rule": c.rule, "text": c.summary, "risk": c.risk}
            if c.action == "isolate":
                must.append(item)
            elif c.action in ("allow", "convert"):
                may.append(item)
        for key, patterns in (
            ("trusted_path", self.trusted_paths),
            ("trusted_command", self.trusted_commands),
        ):
            for pattern in patterns:
                prefix = "path" if key == "trusted_path" else "command"
                origin = self.trust_source(f"{prefix}:{pattern}")
                may.append(
                    {
                        "key": key,
                        "rule": "",
                        "text": pattern,
                        "risk": "low",
                        "source": origin.describe() if origin is not None else "",
                        "source_kind": origin.kind if origin is not None else "",
                        "source_name": origin.name if origin is not None else "",
                        "source_line": str(origin.line or "") if origin is not None else "",
                    }
                )
        for sink in self.sinks:
            if sink.isolated:
                may.append(
                    {"key": "isolation_wrapper", "rule": "", "text": sink.name, "risk": "low"}
                )
        may.append(
            {"key": "isolation_wrapper", "rule": "", "text": "auditor.sandbox.*", "risk": "low"}
        )
        return {"must_isolate": must, "may_run_directly": may}


def _sink_json(s: Sink) -> dict[str, Any]:
    return {
        "name": s.name,
        "kind": s.kind,
        "form": s.form,
        "payload": s.payload,
        "keyword": s.keyword,
        "shell": s.shell,
        "isolated": s.isolated,
        "remote": s.remote,
    }


@cache
def _defaults() -> dict[str, Any]:
    return rule_data("policy.toml")


def default_summary(name: str) -> str | None:
    """The summary rules/policy.toml gives the class ``name`` (None: no such class)."""
    entry = _defaults()["classes"].get(name)
    return str(entry["summary"]) if entry is not None else None


@cache
def presets() -> dict[str, str]:
    """The named presets a project may ``extends`` (``rules/presets/*.toml``), with their
    one-line descriptions."""
    from auditor.rules_files import folder

    out = {}
    for path in sorted((folder() / "presets").glob("*.toml")):
        out[path.stem] = str(tomllib.loads(path.read_text("utf-8")).get("description", ""))
    return out


@cache
def _preset(name: str) -> dict[str, Any]:
    data = rule_data(f"presets/{name}.toml")
    unknown = set(data) - _PRESET_KEYS
    if unknown:  # a mistake in our own data: the test suite loads every preset
        raise PolicyError(f"rules/presets/{name}.toml: unknown key {sorted(unknown)[0]!r}")
    return data


def _extends(where: str, value: object) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise PolicyError(f"{where}: 'extends' must be a preset name or a list of them")
    known = presets()
    for name in names:
        if name not in known:
            listed = ", ".join(known) or "none"
            raise PolicyError(f"{where}: unknown preset {name!r} in 'extends' (known: {listed})")
    return tuple(names)


def _pattern_lines(source: str | None, key: str, patterns: tuple[str, ...]) -> dict[str, int]:
    """The line of each pattern in the policy file, found by reading its text: the first
    string literal equal to the pattern after the line that sets ``key``."""
    if source is None:
        return {}
    try:
        lines = Path(source).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    first = 0
    if Path(source).name == "pyproject.toml":  # the [tool.auditor] table, not another tool's
        first = next((i for i, line in enumerate(lines) if line.strip() == "[tool.auditor]"), 0)
    start = next(
        (i for i in range(first, len(lines)) if lines[i].strip().replace("-", "_").startswith(key)),
        None,
    )
    if start is None:
        return {}
    out: dict[str, int] = {}
    for pattern in patterns:
        quoted = (json.dumps(pattern), f"'{pattern}'")
        for i in range(start, len(lines)):
            if any(q in lines[i] for q in quoted):
                out[pattern] = i + 1
                break
    return out


def find_config(start: Path) -> Path | None:
    """The nearest ``auditor.toml``, or ``pyproject.toml`` with a ``[tool.auditor]`` table,
    at or above ``start``."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = folder / "auditor.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return candidate  # let load_policy report the problem
            if "auditor" in data.get("tool", {}):
                return candidate
    return None


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("auditor", {})
    else:
        table = data.get("tool", {}).get("auditor", data)
    if not isinstance(table, dict):
        raise PolicyError(f"{path}: [tool.auditor] must be a table")
    return table


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def _classes(where: str, base: dict[str, Any], override: dict[str, Any]) -> dict[str, ClassRule]:
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in base.items()}
    if not isinstance(override, dict):
        raise PolicyError(f"{where}: 'classes' must be a table")
    for name, table in override.items():
        if name not in merged:
            raise PolicyError(
                f"{where}: unknown class 'classes.{name}' (known: {', '.join(CLASS_NAMES)})"
            )
        if not isinstance(table, dict):
            raise PolicyError(f"{where}: 'classes.{name}' must be a table")
        for key, value in table.items():
            if key not in ("risk", "action", "summary"):
                raise PolicyError(
                    f"{where}: unknown key 'classes.{name}.{key}' "
                    "(risk, action and summary can be set; rule ids are fixed)"
                )
            if key == "risk" and value not in RISK_ORDER:
                raise PolicyError(
                    f"{where}: 'classes.{name}.risk' must be critical, high, medium or low"
                )
            if key == "action" and value not in ACTIONS:
                raise PolicyError(
                    f"{where}: 'classes.{name}.action' must be one of {', '.join(ACTIONS)}"
                )
            if key == "summary" and not isinstance(value, str):
                raise PolicyError(f"{where}: 'classes.{name}.summary' must be a string")
            merged[name][key] = value
    return {name: ClassRule(name=name, **fields) for name, fields in merged.items()}


def _system(where: str, table: object) -> dict[str, Any]:
    """``[tool.auditor.system]``: ``sandbox_names`` (globs of the units that must bound
    memory, swap and CPU), ``hardened_services`` (globs of more services that run generated
    code: their hardening is scored) and ``rules.AUDnnn`` tables with ``risk`` and/or
    ``action``."""
    if not isinstance(table, dict):
        raise PolicyError(f"{where}: 'system' must be a table ([tool.auditor.system])")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("sandbox_names", "hardened_services"):
            out[key] = list(_strings(where, f"system.{key}", value))
        elif key == "rules":
            if not isinstance(value, dict):
                raise PolicyError(f"{where}: 'system.rules' must be a table")
            rules: dict[str, dict[str, str]] = {}
            system_rules = rule_table("system.toml")["rules"]
            for rule, override in value.items():
                if rule not in system_rules:
                    known = ", ".join(sorted(system_rules))
                    raise PolicyError(
                        f"{where}: unknown rule 'system.rules.{rule}' (known: {known})"
                    )
                if not isinstance(override, dict) or not override:
                    raise PolicyError(f"{where}: 'system.rules.{rule}' must be a table")
                for name, setting in override.items():
                    choices = {"risk": tuple(RISK_ORDER), "action": ACTIONS}
                    allowed = choices.get(str(name))
                    if allowed is None:
                        raise PolicyError(
                            f"{where}: unknown key 'system.rules.{rule}.{name}' "
                            "(known: risk, action)"
                        )
                    if setting not in allowed:
                        raise PolicyError(
                            f"{where}: 'system.rules.{rule}.{name}' must be one of "
                            f"{', '.join(allowed)}"
                        )
                rules[rule] = dict(override)
            out[key] = rules
        else:
            raise PolicyError(
                f"{where}: unknown key 'system.{key}' "
                "(known: sandbox_names, hardened_services, rules)"
            )
    return out


def build_policy(
    table: dict[str, Any], where: str, source: str | None = None, root: str = "."
) -> Policy:
    """Merge a ``[tool.auditor]`` table over the defaults, validating every key."""
    defaults = _defaults()
    known = {*_LIST_KEYS, *(f"extend_{k}" for k in _LIST_KEYS)}
    known |= {"max_file_size", "sinks", "classes", "sandbox", "fail_on", "baseline", "system"}
    known |= {"extends", "sources", "origins"}
    values: dict[str, Any] = {k: tuple(defaults[k]) for k in _LIST_KEYS}
    provenance: dict[str, TrustSource] = {}
    for key, prefix in _TRUST_KEYS.items():
        for pattern in values[key]:
            provenance.setdefault(f"{prefix}:{pattern}", TrustSource("builtin"))
    extends = _extends(where, table.get("extends", ()))
    classes_base: dict[str, Any] = {k: dict(v) for k, v in defaults["classes"].items()}
    for name in extends:
        preset = _preset(name)
        for key in _LIST_KEYS:
            added = _strings(f"rules/presets/{name}.toml", key, preset.get(key, []))
            values[key] = values[key] + tuple(p for p in added if p not in values[key])
            if key in _TRUST_KEYS:
                for pattern in added:
                    provenance.setdefault(
                        f"{_TRUST_KEYS[key]}:{pattern}", TrustSource("preset", name)
                    )
        for cname, override in _classes(
            f"rules/presets/{name}.toml", classes_base, preset.get("classes", {})
        ).items():
            classes_base[cname] = {
                "rule": override.rule,
                "summary": override.summary,
                "risk": override.risk,
                "action": override.action,
            }
    for key, value in table.items():
        norm = key.replace("-", "_")
        if norm not in known:
            hint = _suggest(norm, known)
            raise PolicyError(f"{where}: unknown key {key!r}{hint}")
        if norm in _LIST_KEYS:
            values[norm] = _strings(where, key, value)
        elif norm.startswith("extend_"):
            base = norm.removeprefix("extend_")
            values[base] = values[base] + _strings(where, key, value)
        else:
            continue
        base = norm.removeprefix("extend_")
        if base in _TRUST_KEYS:
            given = _strings(where, key, value)
            lines = _pattern_lines(source, norm, given)
            for pattern in given:
                provenance[f"{_TRUST_KEYS[base]}:{pattern}"] = TrustSource(
                    "project", source or where, lines.get(pattern)
                )
    trust_sources = {
        f"{prefix}:{pattern}": provenance[f"{prefix}:{pattern}"]
        for key, prefix in _TRUST_KEYS.items()
        for pattern in values[key]
    }
    for pattern in values["trusted_commands"]:
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            raise PolicyError(f"{where}: 'trusted_commands': {exc}") from None
    max_size = table.get("max_file_size", table.get("max-file-size", defaults["max_file_size"]))
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size <= 0:
        raise PolicyError(f"{where}: 'max_file_size' must be a positive integer (bytes)")
    raw_sinks = table.get("sinks", [])
    if not isinstance(raw_sinks, list):
        raise PolicyError(f"{where}: 'sinks' must be an array of tables ([[tool.auditor.sinks]])")
    sinks = []
    for i, entry in enumerate(raw_sinks):
        if not isinstance(entry, dict):
            raise PolicyError(f"{where}: 'sinks' entry #{i + 1} must be a table")
        try:
            sinks.append(sink_from_dict(entry, f"{where}: sinks #{i + 1}"))
        except CatalogueError as exc:
            raise PolicyError(str(exc)) from None
    sandbox = table.get("sandbox", {})
    if not isinstance(sandbox, dict):
        raise PolicyError(f"{where}: 'sandbox' must be a table ([tool.auditor.sandbox])")
    fail_on = table.get("fail_on", table.get("fail-on", "high"))
    if fail_on not in RISK_ORDER:
        raise PolicyError(f"{where}: 'fail_on' must be critical, high, medium or low")
    baseline = table.get("baseline")
    if baseline is not None and (not isinstance(baseline, str) or not baseline):
        raise PolicyError(f"{where}: 'baseline' must be a file name (a string)")
    system = _system(where, table.get("system", {}))
    sources = _sources(where, table.get("sources", []))
    origins = _origins(where, defaults.get("origins", {}), table.get("origins", {}))
    return Policy(
        system=system,
        trusted_paths=values["trusted_paths"],
        trusted_commands=values["trusted_commands"],
        exclude=values["exclude"],
        include=values["include"],
        max_file_size=max_size,
        sinks=tuple(sinks),
        classes=_classes(where, classes_base, table.get("classes", {})),
        sandbox=sandbox,
        source=source,
        root=root,
        fail_on=fail_on,
        baseline=baseline,
        extends=extends,
        trust_sources=trust_sources,
        sources=sources,
        origins=origins,
    )


def _sources(where: str, value: object) -> tuple[dict[str, Any], ...]:
    """``[[tool.auditor.sources]]``, validated by building the catalogue with them."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PolicyError(
            f"{where}: 'sources' must be an array of tables ([[tool.auditor.sources]])"
        )
    if not value:  # the built-in catalogue alone is checked by the suite (and not imported)
        return ()
    from auditor.judge.sources import SourceError, build

    try:
        build(value, where)
    except SourceError as exc:
        raise PolicyError(str(exc)) from None
    return tuple(value)


def _origins(where: str, base: dict[str, Any], value: object) -> dict[str, dict[str, str]]:
    """``[tool.auditor.origins.<origin>]``: ``risk`` (critical, high, medium, low)."""
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: 'origins' must be a table ([tool.auditor.origins.ORIGIN])")
    merged = {k: dict(v) for k, v in base.items()}
    if value:  # (a policy without origins does not import the source catalogue)
        from auditor.judge.sources import ORIGINS
    for origin, table in value.items():
        if origin not in ORIGINS:
            raise PolicyError(
                f"{where}: unknown origin 'origins.{origin}' (known: {', '.join(ORIGINS)})"
            )
        if not isinstance(table, dict):
            raise PolicyError(f"{where}: 'origins.{origin}' must be a table")
        for key, setting in table.items():
            if key != "risk":
                raise PolicyError(f"{where}: unknown key 'origins.{origin}.{key}' (known: risk)")
            if setting not in RISK_ORDER:
                raise PolicyError(
                    f"{where}: 'origins.{origin}.risk' must be critical, high, medium or low"
                )
        merged.setdefault(origin, {}).update(table)
    return merged


def _suggest(key: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_policy(start: Path | None = None, config: Path | None = None) -> Policy:
    """The effective policy for a scan of ``start`` (or of ``config`` when given)."""
    path = config if config is not None else find_config(start or Path.cwd())
    if path is None:
        root = (start or Path.cwd()).resolve()
        if root.is_file():
            root = root.parent
        return build_policy({}, "defaults", None, str(root))
    table = _read_table(path)
    section = "[tool.auditor]" if path.name == "pyproject.toml" else ""
    where = f"{path} {section}".strip()
    return build_policy(table, where, str(path), str(path.resolve().parent))
