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

from auditor.catalogue import CatalogueError, Sink, sink_from_dict
from auditor.findings import RISK_ORDER
from auditor.rules_files import read_rule_file

ACTIONS = ("isolate", "convert", "allow", "review")
CLASS_NAMES = (
    "dynamic-shell",
    "dynamic-program",
    "dynamic-code",
    "dynamic-import",
    "constant-shell",
    "shell-wrapper",
    "fixed-program",
    "constant-command",
    "constant-code",
)
_LIST_KEYS = ("trusted_paths", "trusted_commands", "exclude", "include")


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

    def rule_for(self, category: str) -> ClassRule:
        return self.classes[category]

    def fingerprint(self) -> str:
        """A hash of everything that changes findings (for the result cache)."""
        data = self.to_json()
        data.pop("source", None)
        data.pop("root", None)
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
        for pattern in self.trusted_paths:
            may.append({"key": "trusted_path", "rule": "", "text": pattern, "risk": "low"})
        for pattern in self.trusted_commands:
            may.append({"key": "trusted_command", "rule": "", "text": pattern, "risk": "low"})
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
    }


@cache
def _defaults() -> dict[str, Any]:
    text = read_rule_file("policy.toml")
    return tomllib.loads(text)


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
                raise PolicyError(f"{where}: 'classes.{name}.risk' must be high, medium or low")
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
    from auditor.system.data import system_rules

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
            for rule, override in value.items():
                if rule not in system_rules():
                    known = ", ".join(system_rules())
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
    values: dict[str, Any] = {k: tuple(defaults[k]) for k in _LIST_KEYS}
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
        raise PolicyError(f"{where}: 'fail_on' must be high, medium or low")
    baseline = table.get("baseline")
    if baseline is not None and (not isinstance(baseline, str) or not baseline):
        raise PolicyError(f"{where}: 'baseline' must be a file name (a string)")
    system = _system(where, table.get("system", {}))
    return Policy(
        system=system,
        trusted_paths=values["trusted_paths"],
        trusted_commands=values["trusted_commands"],
        exclude=values["exclude"],
        include=values["include"],
        max_file_size=max_size,
        sinks=tuple(sinks),
        classes=_classes(where, defaults["classes"], table.get("classes", {})),
        sandbox=sandbox,
        source=source,
        root=root,
        fail_on=fail_on,
        baseline=baseline,
    )


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
