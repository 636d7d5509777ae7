"""``rules/system.toml``: the program lists, systemd directive tables and rule texts."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.rules_files import rule_table


@dataclass(frozen=True, slots=True)
class SystemRule:
    rule: str
    category: str
    summary: str
    risk: str
    action: str
    cwe: int
    full: str
    fix: str
    section: str = ""


def system_data() -> dict[str, Any]:
    return rule_table("system.toml")


@cache
def system_rules() -> dict[str, SystemRule]:
    """Rule id -> its texts, in id order."""
    rules = system_data()["rules"]
    return {
        rule: SystemRule(
            rule=rule,
            category=str(info["category"]),
            summary=str(info["summary"]),
            risk=str(info["risk"]),
            action=str(info["action"]),
            cwe=int(info["cwe"]),
            full=str(info["full"]),
            fix=str(info["fix"]),
            section=str(info.get("section", "")),
        )
        for rule, info in sorted(rules.items())
    }


def matches(name: str, patterns: list[str]) -> bool:
    """``name`` (a program's base name) matches one of the shell-style ``patterns``."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def sudoers_list(key: str) -> list[str]:
    value = system_data()["sudoers"][key]
    assert isinstance(value, list)
    return [str(v) for v in value]


@cache
def directive_sections() -> dict[str, frozenset[str]]:
    """Directive -> the sections where systemd reads it."""
    systemd = system_data()["systemd"]
    where: dict[str, set[str]] = {}
    for section, names in systemd["sections"].items():
        for name in names:
            where.setdefault(name, set()).add(section)
    for group in systemd["groups"].values():
        for name in group["directives"]:
            where.setdefault(name, set()).update(group["sections"])
    return {name: frozenset(sections) for name, sections in where.items()}
