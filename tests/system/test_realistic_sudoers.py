"""The realistic sudoers file (fixtures/realistic/platform, 66 rules) against the grants
written down for it before the grant table existed (fixtures/realistic/expected.toml)."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

from auditor.system.checks import check_sudoers
from auditor.system.sudoers import parse_file

HERE = Path(__file__).parent / "fixtures/realistic"


def _expected() -> list[dict[str, object]]:
    data = tomllib.loads((HERE / "expected.toml").read_text("utf-8"))
    rules: list[dict[str, object]] = data["rule"]
    return rules


def test_the_file_has_forty_rules_or_more_of_every_kind() -> None:
    parsed = parse_file(HERE / "platform", "platform")
    assert parsed.errors == []
    commands = [c for spec in parsed.specs for c in spec.commands]
    assert len(parsed.specs) >= 40 and len(commands) >= 40
    assert {a.kind for a in parsed.aliases.values()} == {
        "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias"
    }  # fmt: skip
    assert len(parsed.defaults) >= 5
    assert any(c.args is None for c in commands) and any(c.args == "" for c in commands)
    assert any("*" in (c.args or "") for c in commands)


def test_every_rule_grants_what_was_written_down_before_the_tool_ran() -> None:
    parsed = parse_file(HERE / "platform", "platform")
    lines = (HERE / "platform").read_text("utf-8").splitlines()
    findings = check_sudoers(parsed)
    by_line: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        by_line[f.line][f.sink].append((f.rule, f.message))
    expected_lines = set()
    mismatches = []
    for rule in _expected():
        line = lines.index(str(rule["text"])) + 1
        expected_lines.add(line)
        got = by_line.get(line, {})
        for command in rule["commands"]:  # type: ignore[attr-defined]
            sink = command["command"]
            found = got.get(sink, [])
            rules = sorted(r for r, _m in found)
            if rules != sorted(command["rules"]):
                mismatches.append((line, sink, sorted(command["rules"]), rules))
                continue
            if command["rules"]:
                first = command["rules"][0]
                message = next(m for r, m in found if r == first)
                if command["how"] not in message:
                    mismatches.append((line, sink, command["how"], message))
        unexpected = set(got) - {c["command"] for c in rule["commands"]}  # type: ignore[attr-defined]
        mismatches.extend((line, s, [], sorted(r for r, _ in got[s])) for s in unexpected)
    for line, sinks in by_line.items():
        if line not in expected_lines:
            mismatches.append(
                (line, lines[line - 1], [], sorted(r for s in sinks.values() for r, _ in s))
            )
    assert mismatches == []
