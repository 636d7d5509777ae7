"""The sudoers parser and checks: each problem and its fixed twin, includes, malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from auditor.system.checks import check_sudoers
from auditor.system.sudoers import parse_file, parse_text

FIXTURES = Path(__file__).parent / "fixtures"


def _check(text: str) -> list[Finding]:
    parsed = parse_text(text, "sudoers")
    assert parsed.errors == []
    return check_sudoers(parsed)


def _rules(text: str) -> list[str]:
    return sorted(f.rule for f in _check(text))


@pytest.mark.parametrize(
    ("bad", "rules", "fixed"),
    [
        ("u ALL=(ALL) ALL", ["AUD401"], "u ALL=(root) /usr/bin/systemctl --no-pager status app"),
        ("u ALL=(ALL) NOPASSWD: ALL", ["AUD401", "AUD403"], "u ALL=(root) NOPASSWD: /bin/ps aux"),
        (
            "u ALL=(ALL) NOPASSWD: /bin/bash -c *",
            ["AUD402", "AUD403"],
            "u ALL=(root) NOPASSWD: /usr/bin/systemctl stop auditor-sandbox.slice",
        ),
        ("u ALL=(ALL) /bin/sh", ["AUD402"], 'u ALL=(root) /usr/bin/id ""'),
        ("u ALL=(ALL) /usr/bin/python3*", ["AUD402", "AUD405"], "u ALL=(root) /usr/bin/uptime -p"),
        ("u ALL=(ALL) /usr/bin/python3.11 *", ["AUD402"], "u ALL=(root) /usr/bin/uptime -p"),
        ("u ALL=(ALL) /usr/bin/env *", ["AUD402"], "u ALL=(root) /usr/bin/uptime -p"),
        ("u ALL=(ALL) /usr/bin/systemd-run *", ["AUD402"], "u ALL=(root) /usr/bin/uptime -p"),
        ("u ALL=(ALL) /usr/bin/nsenter", ["AUD402"], "u ALL=(root) /usr/bin/uptime -p"),
        ("u ALL=(ALL) /usr/sbin/chroot /srv/*", ["AUD402"], "u ALL=(root) /usr/bin/uptime -p"),
        (
            "u ALL=(ALL) /usr/bin/find / -name x -exec /bin/sh ;",
            ["AUD402"],
            "u ALL=(root) /usr/bin/find /var/log -name x -exec rm {} ;",
        ),
        (
            "u ALL=(ALL) /usr/bin/less /var/log/syslog",
            ["AUD402"],
            "u ALL=(root) sudoedit /etc/hosts",
        ),
        (
            "u ALL=(ALL) /usr/bin/pkill -9 -f python3",
            ["AUD404"],
            "u ALL=(root) /usr/bin/pkill -9 --cgroup /auditor.slice",
        ),
        (
            "u ALL=(ALL) /usr/bin/killall python3",
            ["AUD404"],
            "u ALL=(root) /usr/bin/systemctl kill auditor-sandbox.slice",
        ),
        (
            "u ALL=(ALL) /bin/kill *",
            ["AUD404"],
            "u ALL=(root) /usr/bin/systemctl stop auditor-sandbox.slice",
        ),
        ("u ALL=(ALL) /tmp/cleanup.sh", ["AUD405"], 'u ALL=(root) /usr/local/sbin/cleanup ""'),
        ("u ALL=(ALL) bin/cleanup", ["AUD405"], 'u ALL=(root) /usr/local/sbin/cleanup ""'),
        (
            "u ALL=(ALL) /usr/bin/perl /home/u/x.pl",
            ["AUD405"],
            "u ALL=(root) /usr/bin/perl /usr/lib/app/x.pl",
        ),
        (
            "u ALL=(ALL) /usr/bin/systemctl restart app*",
            ["AUD412"],
            "u ALL=(root) /usr/bin/systemctl restart app.service",
        ),
        (
            "u ALL=(ALL) /usr/local/bin/appctl restart *",
            ["AUD406"],
            "u ALL=(root) /usr/local/bin/appctl restart web",
        ),
        (
            'u ALL=(ALL) /bin/sh -c "systemctl restart app"',
            ["AUD407"],
            "u ALL=(root) /usr/bin/systemctl restart app",
        ),
        ("u ALL=(ALL) NOPASSWD: /usr/bin/", ["AUD402", "AUD403"], "u ALL=(root) /usr/bin/id -u"),
        ("Defaults !authenticate", ["AUD408"], "Defaults authenticate"),
        ("Defaults:u !env_reset", ["AUD409"], "Defaults env_reset"),
        (
            'Defaults env_keep += "LANG LD_PRELOAD"',
            ["AUD409"],
            'Defaults env_keep += "LANG LC_ALL"',
        ),
        ("Defaults env_keep = PYTHONPATH", ["AUD409"], "Defaults env_keep -= PYTHONPATH"),
        ('u ALL=(root) SETENV: /usr/bin/id ""', ["AUD409"], 'u ALL=(root) /usr/bin/id ""'),
    ],
)
def test_each_problem_and_its_fixed_twin(bad: str, rules: list[str], fixed: str) -> None:
    assert _rules(bad) == rules
    assert _check(fixed) == []


def test_the_users_sudoers_from_the_audit() -> None:
    parsed = parse_file(FIXTURES / "bad/sudoers.d/omnimind", "omnimind")
    assert parsed.errors == []
    found = {(f.line, f.rule) for f in check_sudoers(parsed)}
    assert (5, "AUD402") in found  # Cmnd_Alias SANDBOX = systemd-run *, systemd-nspawn *
    assert (5, "AUD403") in found
    assert {(6, "AUD402"), (6, "AUD403")} <= found  # /bin/bash -c *
    assert (7, "AUD402") in found  # unshare *
    # bash -c "pkill -9 -f 'unshare.*python3' ...": '*' is a sudoers glob, so it is a root
    # shell, and the pkill -f inside kills by pattern.
    assert {(8, "AUD402"), (8, "AUD404")} <= found
    assert (9, "AUD404") in found
    assert (10, "AUD401") in found
    assert (14, "AUD404") in found


def test_the_fixed_twin_has_no_findings() -> None:
    parsed = parse_file(FIXTURES / "fixed/sudoers.d/omnimind")
    assert parsed.errors == []
    assert check_sudoers(parsed) == []


def test_findings_say_rule_file_line_risk_and_fix() -> None:
    parsed = parse_text("# c\n\nu ALL=(ALL) NOPASSWD: /bin/bash -c *\n", "etc/sudoers.d/app")
    findings = check_sudoers(parsed)
    shell = next(f for f in findings if f.rule == "AUD402")
    assert (shell.path, shell.line, shell.risk, shell.kind) == (
        "etc/sudoers.d/app",
        3,
        "high",
        "sudoers",
    )
    assert shell.function == "sudoers: user u"
    assert shell.sink == "/bin/bash -c *"
    assert shell.payload == "constant" and shell.shell is None
    assert "Fix:" in shell.message and shell.cwe == 250


def test_fingerprint_does_not_depend_on_the_line() -> None:
    a = check_sudoers(parse_text("u ALL=(ALL) /bin/sh\n", "s"))
    b = check_sudoers(parse_text("# moved\n\nu ALL=(ALL) /bin/sh\n", "s"))
    assert [f.line for f in a] == [1] and [f.line for f in b] == [3]
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    c = check_sudoers(parse_text("u ALL=(ALL) /bin/sh\n", "other"))
    assert a[0].fingerprint != c[0].fingerprint


def test_tags_carry_over_and_are_overridden() -> None:
    parsed = parse_text("u ALL = (root) NOPASSWD: /bin/sh, PASSWD: /bin/bash, /bin/zsh\n", "s")
    tags = [c.tags for c in parsed.specs[0].commands]
    assert tags == [frozenset({"NOPASSWD"}), frozenset({"PASSWD"}), frozenset({"PASSWD"})]
    rules = sorted((f.sink, f.rule) for f in check_sudoers(parsed))
    assert rules == [
        ("/bin/bash", "AUD402"),
        ("/bin/sh", "AUD402"),
        ("/bin/sh", "AUD403"),
        ("/bin/zsh", "AUD402"),
    ]


def test_grammar_defaults_aliases_continuations_comments() -> None:
    text = (
        'Defaults env_reset, secure_path="/usr/sbin:/usr/bin"\n'
        "Defaults:%admin !lecture\n"
        "User_Alias ADMINS = alice, bob : OPS = carol\n"
        "Cmnd_Alias SHELLS = /bin/sh, \\\n"
        "   /bin/bash  # trailing comment\n"
        '#1000 ALL = (root) /usr/bin/id ""\n'
        "ADMINS, %wheel host1 = (root : adm) NOEXEC: SHELLS, !/bin/su\n"
        "u ALL=(ALL) /bin/echo a\\,b, /bin/true\n"
    )
    parsed = parse_text(text, "s")
    assert parsed.errors == []
    assert [d.scope for d in parsed.defaults] == ["", ":%admin"]
    assert parsed.defaults[0].settings == ("env_reset", 'secure_path="/usr/sbin:/usr/bin"')
    assert set(parsed.aliases) == {"ADMINS", "OPS", "SHELLS"}
    assert parsed.aliases["SHELLS"].members == ("/bin/sh", "/bin/bash")
    assert parsed.aliases["SHELLS"].line == 4
    uid, admins, echo = parsed.specs
    assert uid.users == ("#1000",) and uid.commands[0].args == ""
    assert admins.users == ("ADMINS", "%wheel") and admins.hosts == ("host1",)
    assert admins.commands[0].runas == "root : adm" and admins.commands[1].negated
    assert [(c.program, c.args) for c in echo.commands] == [
        ("/bin/echo", "a,b"),
        ("/bin/true", None),
    ]
    found = {(f.sink, f.rule) for f in check_sudoers(parsed)}
    assert ("/bin/sh", "AUD402") in found and ("/bin/bash", "AUD402") in found
    assert not any(sink == "!/bin/su" for sink, _ in found)  # a negated command grants nothing


def test_includes_are_followed(tmp_path: Path) -> None:
    (tmp_path / "sudoers.d").mkdir()
    (tmp_path / "sudoers").write_text(
        "Defaults env_reset\n#includedir sudoers.d\n@include extra\n#include missing\n"
    )
    (tmp_path / "extra").write_text("x ALL=(ALL) ALL\n")
    (tmp_path / "sudoers.d" / "app").write_text("u ALL=(ALL) /bin/sh\n")
    (tmp_path / "sudoers.d" / "app.bak").write_text("u ALL=(ALL) ALL\n")  # has '.': skipped
    (tmp_path / "sudoers.d" / "app~").write_text("u ALL=(ALL) ALL\n")  # ends in '~': skipped
    parsed = parse_file(tmp_path / "sudoers", "sudoers")
    assert parsed.files == ["sudoers", "sudoers.d/app", "extra"]
    assert [(e.path, e.line, e.message) for e in parsed.errors] == [
        ("sudoers", 4, "sudoers: included file missing not found")
    ]
    found = sorted((f.path, f.rule) for f in check_sudoers(parsed))
    assert found == [("extra", "AUD401"), ("sudoers.d/app", "AUD402")]


def test_include_cycles_stop(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("#include b\nu ALL=(ALL) ALL\n")
    (tmp_path / "b").write_text("#include a\n")
    parsed = parse_file(tmp_path / "a", "a")
    assert parsed.files == ["a", "b"] and len(parsed.specs) == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("u ALL=(ALL) ALL\njust words here\n", 2, "expected 'user host = command'"),
        ("u ALL=(root NOPASSWD: /bin/ls\n", 1, "unbalanced '('"),
        ("Cmnd_Alias lower = /bin/ls\n", 1, "invalid alias name 'lower'"),
        ("Cmnd_Alias X /bin/ls\n", 1, "expected NAME = members"),
        ("u ALL=(ALL) NOPASSWD:\n", 1, "a run-as list or tag without a command"),
        ("u ALL=(ALL) /bin/ls,, /bin/id\n", 1, "empty command"),
        ("u ALL=(ALL) BOGUS: /bin/ls\n", 1, "unknown tag 'BOGUS:'"),
        ("Defaults\n", 1, "Defaults without a setting"),
        ("u ALL=(ALL) ALL of it, please\n", 1, "ALL takes no arguments"),
    ],
)
def test_malformed_lines_are_one_line_errors_and_the_rest_is_read(
    text: str, line: int, message: str
) -> None:
    parsed = parse_text(text + "\nlater ALL=(ALL) ALL\n", "etc/sudoers")
    assert [(e.path, e.line) for e in parsed.errors] == [("etc/sudoers", line)]
    assert message in parsed.errors[0].message and "\n" not in parsed.errors[0].message
    assert any(spec.users == ("later",) for spec in parsed.specs)  # nothing after it is lost


def test_a_file_ending_in_a_continuation_is_reported_and_read() -> None:
    parsed = parse_text('x ALL=(ALL) /bin/id ""\nu ALL=(ALL) ALL, \\\n', "s")
    assert [(e.line, e.message) for e in parsed.errors] == [
        (2, "sudoers: the file ends inside a continued line (trailing '\\')"),
        (2, "sudoers: empty command in the list (a stray ',')"),
    ]
    # the commands read before the error are kept and checked
    assert [s.users for s in parsed.specs] == [("x",), ("u",)]
    assert [f.rule for f in check_sudoers(parsed)] == ["AUD401"]


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = parse_file(tmp_path / "nope", "nope")
    assert [e.path for e in missing.errors] == ["nope"] and "cannot read" in missing.errors[
        0
    ].message
    latin = tmp_path / "latin"
    latin.write_bytes(b"# caf\xe9\nu ALL=(ALL) ALL\n")
    parsed = parse_file(latin, "latin")
    assert [(e.line, e.message) for e in parsed.errors] == [
        (1, "sudoers: not valid UTF-8 (read as Latin-1)")
    ]
    assert [f.rule for f in check_sudoers(parsed)] == ["AUD401"]


def test_a_rule_over_continuation_lines_spans_them() -> None:
    text = "# c\nCmnd_Alias S = /bin/sh\nu ALL=(ALL) NOPASSWD: /bin/true, \\\n    /bin/bash\n"
    findings = check_sudoers(parse_text(text, "s"))
    assert {(f.line, f.end_line, f.end_column) for f in findings} == {(3, 4, 14)}
    assert {f.snippet for f in findings} == {"u ALL=(ALL) NOPASSWD: /bin/true, /bin/bash"}


def test_policy_trusted_commands_allow_only_harmless_wildcards() -> None:
    text = (
        "u ALL=(root) /usr/bin/systemctl status *\n"
        "u ALL=(root) /usr/bin/journalctl -u *\n"
        "u ALL=(root) /usr/bin/systemctl restart *\n"
        "u ALL=(root) NOPASSWD: /usr/bin/env *\n"
        "u ALL=(root) /usr/local/bin/appctl *\n"
    )
    parsed = parse_text(text, "s")
    trusted = ["systemctl status *", "journalctl -u *", "env *", "appctl *"]
    found = {(f.line, f.rule): f for f in check_sudoers(parsed, trusted)}
    state = {key: (f.trusted_by, f.risk, f.action) for key, f in found.items()}
    # the wider view the policy chose to trust is allowed...
    assert state[(1, "AUD413")] == ("command:systemctl status *", "low", "allow")
    assert state[(2, "AUD413")] == ("command:journalctl -u *", "low", "allow")
    assert state[(5, "AUD406")] == ("command:appctl *", "low", "allow")
    # ...not what the pattern also admits: the pager, erasing the journal
    assert state[(1, "AUD414")] == (None, "medium", "convert")
    assert state[(2, "AUD412")] == (None, "medium", "convert")
    assert state[(3, "AUD412")] == (None, "medium", "convert")  # not in the policy
    # a root shell is never trusted, whatever the policy says
    assert {rule for line, rule in state if line == 4} == {"AUD402", "AUD403"}
    assert all(state[key][0] is None for key in state if key[0] == 4)


def test_a_fixed_exec_runs_only_its_program() -> None:
    """find -exec with an exact command runs that command (rm), not one of the caller's:
    the old check called every -exec a root shell; the program it names decides."""
    assert _rules("u ALL=(root) /usr/bin/find /srv -name x -exec rm {} ;") == []
    assert _rules("u ALL=(root) /usr/bin/find /srv -name x -exec /bin/sh ;") == ["AUD402"]
    assert _rules("u ALL=(root) /usr/bin/find /srv -name x -exec *") == ["AUD402"]


def test_exact_arguments_of_ordinary_programs_are_fine() -> None:
    exact = (
        "u ALL=(root) /usr/bin/sed -e s/a/b/ /etc/app.conf, /usr/bin/tar -czf /backup/a.tgz /srv,"
        " /usr/bin/systemd-run --scope --slice=auditor-sandbox.slice /usr/bin/true\n"
    )
    assert check_sudoers(parse_text(exact, "s")) == []
    assert _rules("u ALL=(root) /usr/bin/sed *") == ["AUD402"]  # GNU sed has an e command
    assert _rules("u ALL=(root) /usr/bin/tar -czf /b.tgz --to-command=sh /srv") == ["AUD402"]
