"""The program table (rules/sudo_programs.toml): every technique's examples, for every
program, run through the grant analysis. An entry made ``like`` another runs the examples it
inherits with its own program name."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

import pytest

from auditor.system.grants import (
    Context,
    Program,
    Technique,
    analyze,
    find_program,
    program_table,
)
from auditor.system.sudoers import Command, parse_command


def _command(example: str, name: str) -> tuple[Command, bool]:
    """The example as a sudoers command, its program renamed to ``name``; and whether it
    carries the NOEXEC tag."""
    noexec = example.startswith("NOEXEC: ")
    text = example.removeprefix("NOEXEC: ")
    program, _, rest = text.partition(" ")
    renamed = posixpath.join(posixpath.dirname(program), name) + (f" {rest}" if rest else "")
    return parse_command(renamed), noexec


def _grants(command: Command, noexec: bool, technique: Technique, env: bool) -> bool:
    context = Context(noexec=noexec, kept_env=frozenset(technique.env) if env else frozenset())
    found = analyze(command.program, command.arg_pattern, context)
    return any(g.technique is technique for g in found.grants)


def _cases() -> Iterator[object]:
    seen: set[int] = set()
    for program in program_table().values():
        if id(program) in seen:
            continue
        seen.add(id(program))
        for index, technique in enumerate(program.techniques):
            for expect, examples in ((True, technique.grants), (False, technique.denies)):
                for n, example in enumerate(examples):
                    word = "grants" if expect else "denies"
                    yield pytest.param(
                        program, technique, example, expect,
                        id=f"{program.name}-{index + 1}-{word}-{n + 1}",
                    )  # fmt: skip


@pytest.mark.parametrize(("program", "technique", "example", "expect"), list(_cases()))
def test_every_example_of_every_program(
    program: Program, technique: Technique, example: str, expect: bool
) -> None:
    command, noexec = _command(example, program.name)
    assert find_program(command.program)[0] is program
    assert _grants(command, noexec, technique, env=True) is expect, (
        f"{command.program} {command.args}: {technique.how}"
    )
    if technique.env and expect:
        # a technique that needs a variable does not apply when sudo drops it
        assert not _grants(command, noexec, technique, env=False)


def test_the_table_covers_each_family_the_issue_names() -> None:
    """The programs issue 16 lists, each with the kind of grant it names."""
    table = program_table()
    wanted = {
        "run": ["sh", "bash", "python3", "perl", "vim", "nano", "less", "more", "man", "systemctl",
                "git", "find", "tar", "zip", "rsync", "ssh", "apt-get", "iptables", "dmesg"],
        "write": ["cp", "mv", "tee", "dd", "install", "ln", "chmod", "chown", "truncate"],
        "read": ["cat", "tail", "head", "grep", "base64"],
        "defence": ["ufw", "iptables", "ifdown", "chattr", "journalctl", "nft"],
        "info": ["pgrep", "journalctl", "systemctl"],
        "pager": ["systemctl", "journalctl"],
    }  # fmt: skip
    for kind, names in wanted.items():
        for name in names:
            kinds = {t.kind for t in table[name].techniques} | (
                {"run"} if table[name].launcher else set()
            )
            assert kind in kinds, (name, kind)


def test_every_technique_has_a_grant_example_and_like_entries_share_techniques() -> None:
    table = program_table()
    assert len({id(p) for p in table.values()}) >= 300
    assert all(t.grants for p in table.values() for t in p.techniques)
    assert table["dash"].techniques == table["sh"].techniques
    assert table["dash"].like == "sh"


def test_versioned_names_find_their_program() -> None:
    assert find_program("/usr/bin/python3.11")[0].name == "python"
    assert find_program("/usr/bin/perl5.36")[0].name == "perl"
    assert find_program("/usr/bin/nosuchprogram") == []
    assert {p.name for p in find_program("/usr/bin/python3*")} >= {"python"}
