"""Per program family, what a sudoers rule grants as findings: each bad rule with the rules
it must draw and a word of how, and a twin that grants nothing more than its command. Then
targets other than root, Defaults, and paths others can replace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.system import replaceable as replaceable_module
from auditor.system.audit import audit_system
from auditor.system.checks import check_sudoers
from auditor.system.sudoers import parse_text


def _found(text: str) -> dict[str, str]:
    parsed = parse_text(text, "s")
    assert parsed.errors == []
    return {f.rule: f.message for f in check_sudoers(parsed)}


FAMILIES = {
    "shells": [
        ("/bin/bash", ["AUD402"], "interactive shell", '/bin/sh /usr/local/sbin/backup.sh ""'),
        (
            "/bin/sh -c /usr/bin/report *",
            ["AUD402"],
            "after the -c script",
            '/bin/sh /usr/local/sbin/backup.sh ""',
        ),
        ("/bin/bash -i", ["AUD402"], "-s or -i", "/bin/bash /usr/local/sbin/backup.sh"),
    ],
    "interpreters": [
        (
            "/usr/bin/python3 *",
            ["AUD402"],
            "interactive",
            "/usr/bin/python3 /opt/app/run.py --once",
        ),
        (
            "/usr/bin/python3 -m app.worker",
            ["AUD402"],
            "working directory",
            "/usr/bin/python3 -I -m app.worker",
        ),
        ("/usr/bin/perl -e *", ["AUD402"], "after the -e program", "/usr/bin/perl /opt/app/x.pl"),
        ("/usr/bin/awk *", ["AUD402"], "system", "/usr/bin/awk {print} /var/log/app.log"),
    ],
    "editors and pagers": [
        ("/usr/bin/vim /etc/hosts", ["AUD402"], ":!sh", "sudoedit /etc/hosts"),
        ("/usr/bin/less /var/log/syslog", ["AUD402"], "!sh", "sudoedit /etc/hosts"),
        ("NOEXEC: /usr/bin/less /var/log/syslog", ["AUD411"], ":e FILE", "sudoedit /etc/hosts"),
        ("NOEXEC: /usr/bin/vim /etc/hosts", ["AUD410"], ":w FILE", "sudoedit /etc/hosts"),
        ("/usr/bin/man ls", ["AUD402"], "pager", "/usr/bin/man -P cat ls"),
        (
            "/usr/bin/git log --oneline",
            ["AUD402"],
            "pager",
            "/usr/bin/git --no-pager -C /srv/app log",
        ),
    ],
    "options that run a command": [
        (
            "/usr/bin/tar -czf /b/*.tgz /srv",
            ["AUD402"],
            "--checkpoint-action",
            "/usr/bin/tar -czf /b/a.tgz /srv",
        ),
        ("/usr/bin/zip -r /b/a.zip /srv/*", ["AUD402"], "-TT", "/usr/bin/zip -r /b/a.zip /srv"),
        ("/usr/bin/rsync -a /srv/* /b/", ["AUD402"], "-e PROGRAM", "/usr/bin/rsync -a /srv/ /b/"),
        (
            "/usr/bin/ssh backup@vault *",
            ["AUD402"],
            "ProxyCommand",
            "/usr/bin/ssh backup@vault /usr/local/bin/pull",
        ),
        (
            "/usr/bin/find /var/www -name *.tmp -delete",
            ["AUD402"],
            "-exec",
            "/usr/bin/find /var/www -name x.tmp -delete",
        ),
        (
            "/usr/bin/apt-get install *",
            ["AUD402"],
            "Pre-Invoke",
            "/usr/bin/apt-get install -y nginx",
        ),
        ("/usr/bin/git *", ["AUD402"], "core.pager", "/usr/bin/git --no-pager -C /srv/app pull"),
        ("/usr/sbin/iptables -L *", ["AUD402"], "--modprobe", "/usr/sbin/iptables -L -n"),
        (
            "/usr/bin/tar -czf /b/a.tgz -- /srv/*",
            ["AUD406"],
            "knows no way beyond",
            "/usr/bin/tar -czf /b/a.tgz /srv",
        ),
    ],
    "file write": [
        ("/usr/bin/cp * /backup/", ["AUD410"], "-t DIR", "/usr/bin/cp /var/lib/a.db /backup/"),
        (
            "/usr/bin/mv * /opt/app/quarantine/",
            ["AUD410"],
            "-t DIR",
            "/usr/bin/mv /srv/in/a /opt/app/quarantine/",
        ),
        (
            "/usr/bin/tee -a /var/log/app/*",
            ["AUD410"],
            "FILE",
            "/usr/bin/tee -a /var/log/app/a.log",
        ),
        (
            "/usr/bin/tee /etc/sudoers.d/app",
            ["AUD410"],
            "/etc/sudoers.d/app",
            "/usr/bin/tee /var/log/app/a.log",
        ),
        (
            "/usr/bin/dd if=/dev/zero of=/var/lib/*",
            ["AUD410"],
            "of=FILE",
            "/usr/bin/dd if=/dev/zero of=/var/lib/swap bs=1M count=4",
        ),
        (
            "/usr/bin/install *",
            ["AUD402"],
            "4755",
            "/usr/bin/install -m 0755 /srv/a /usr/local/bin/a",
        ),
        ("/usr/bin/ln *", ["AUD410"], "-t DIR", "/usr/bin/ln -sfn /opt/app/v2 /opt/app/current"),
        (
            "/usr/bin/chmod 0640 /etc/app/*",
            ["AUD410"],
            "--reference",
            "/usr/bin/chmod 0640 /etc/app/secret.env",
        ),
        ("/usr/bin/chown app /srv/up/*", ["AUD410"], "--reference", "/usr/bin/chown app /srv/up"),
        (
            "/usr/bin/truncate -s 0 /var/log/*",
            ["AUD410"],
            "emptied",
            "/usr/bin/truncate -s 0 /var/log/a",
        ),
        ("sudoedit /etc/*", ["AUD410"], "/etc/", "sudoedit /etc/hosts"),
    ],
    "file read": [
        (
            "/usr/bin/cat /var/log/app/*.log",
            ["AUD411"],
            "any file",
            "/usr/bin/cat /var/log/app/a.log",
        ),
        ("/usr/bin/tail -f /var/log/*", ["AUD411"], "any file", "/usr/bin/tail -f /var/log/syslog"),
        (
            "/usr/bin/grep -i error /var/log/*",
            ["AUD411"],
            "any file",
            "/usr/bin/grep -i error /var/log/syslog",
        ),
    ],
    "firewall and network": [
        ("/usr/sbin/ufw disable", ["AUD412"], "firewall", "/usr/sbin/ufw status"),
        ("/usr/sbin/ufw *", ["AUD412"], "disable", "/usr/sbin/ufw status"),
        ("/usr/sbin/iptables -F", ["AUD412"], "-F", "/usr/sbin/iptables -L -n"),
        ("/usr/sbin/nft flush ruleset", ["AUD412"], "flush", "/usr/sbin/nft list ruleset"),
        ("/sbin/ifdown eth0", ["AUD412"], "network goes down", "/usr/sbin/ip addr show"),
        ("/usr/sbin/ip link set eth0 *", ["AUD412"], "down", "/usr/sbin/ip link set eth0 up"),
    ],
    "protections": [
        ("/usr/bin/chattr -i /etc/*", ["AUD412"], "immutable", "/usr/bin/chattr -i /etc/app/x"),
        ("/usr/sbin/setenforce 0", ["AUD412"], "SELinux", "/usr/sbin/auditctl -l"),
        (
            "/usr/bin/journalctl -u *",
            ["AUD412", "AUD413", "AUD414"],
            "--vacuum",
            "/usr/bin/journalctl -u app --no-pager",
        ),
    ],
    "killing by pattern": [
        (
            "/usr/bin/pkill -f worker.py",
            ["AUD404"],
            "pattern",
            "/usr/bin/pkill --cgroup /system.slice/app.service",
        ),
        ("/usr/bin/killall python3", ["AUD404"], "name", "/usr/bin/systemctl stop app.slice"),
        ("/bin/kill -TERM *", ["AUD404"], "any process", "/bin/kill -TERM 1234"),
    ],
    "information": [
        ("/usr/bin/pgrep *", ["AUD413"], "process", "/usr/bin/pgrep -f worker.py"),
        (
            "/usr/bin/systemctl --no-pager status *",
            ["AUD413"],
            "any unit",
            "/usr/bin/systemctl --no-pager status app",
        ),
        (
            "/usr/bin/systemctl status app",
            ["AUD414"],
            "before 247",
            "/usr/bin/systemctl --no-pager status app",
        ),
    ],
    "launchers": [
        ("/usr/bin/env *", ["AUD402"], "env runs the program", "/usr/bin/env LANG=C /usr/bin/id"),
        (
            "/usr/bin/timeout 10 /usr/bin/tar *",
            ["AUD402"],
            "through timeout",
            '/usr/bin/timeout 10 /usr/local/bin/job ""',
        ),
        ("/usr/bin/nice -n 5 *", ["AUD402"], "nice runs", "/usr/bin/nice -n 5 /usr/bin/id"),
        ("/usr/bin/xargs /usr/bin/tar", ["AUD402"], "through xargs", "/usr/bin/xargs /usr/bin/id"),
        ("/usr/bin/sudo -u app *", ["AUD402"], "-u", "/usr/bin/sudo -u app /usr/bin/id"),
        (
            "/usr/bin/systemd-run --scope *",
            ["AUD402"],
            "systemd-run runs",
            "/usr/bin/systemd-run --scope -- /usr/bin/true",
        ),
    ],
    "systemctl": [
        ("/usr/bin/systemctl *", ["AUD402"], "edit", "/usr/bin/systemctl restart app.service"),
        ("/usr/bin/systemctl stop *", ["AUD412"], "any service", "/usr/bin/systemctl stop app"),
        (
            "/usr/bin/systemctl enable *",
            ["AUD402"],
            "unit file of the caller's",
            "/usr/bin/systemctl enable app.service",
        ),
    ],
}


@pytest.mark.parametrize(
    ("bad", "rules", "how", "twin"),
    [
        pytest.param(*case, id=f"{family}-{n}")
        for family, cases in FAMILIES.items()
        for n, case in enumerate(cases)
    ],
)
def test_each_family(bad: str, rules: list[str], how: str, twin: str) -> None:
    found = _found(f"u ALL=(root) {bad}\n")
    assert sorted(found) == sorted(rules)
    assert how in found[rules[0]]
    assert _found(f"u ALL=(root) {twin}\n") == {}


def test_nopasswd_goes_with_every_root_equivalent_grant() -> None:
    assert sorted(_found("u ALL=(root) NOPASSWD: /usr/bin/cp * /b/\n")) == ["AUD403", "AUD410"]
    assert sorted(_found("u ALL=(root) NOPASSWD: /usr/sbin/ufw disable\n")) == ["AUD412"]


def test_targets_other_than_root() -> None:
    # a lateral move: psql's \! as postgres, who reaches no root here
    assert sorted(_found("u ALL=(postgres) /usr/bin/psql\n")) == ["AUD417"]
    # the target's own rule reaches root, in one or two steps
    chain = "u ALL=(app) ALL\napp ALL=(ops) NOPASSWD: ALL\nops ALL=(root) /bin/sh\n"
    found = {(f.line, f.rule) for f in check_sudoers(parse_text(chain, "s"))}
    assert {(1, "AUD415"), (2, "AUD415"), (2, "AUD403"), (3, "AUD402")} <= found
    message = next(f.message for f in check_sudoers(parse_text(chain, "s")) if f.line == 1)
    assert "runs as app, who may run 'ALL' as root (s:2)" in message
    # a root-equivalent group
    assert sorted(_found("u ALL=(:docker) NOPASSWD: /usr/bin/env *\n")) == ["AUD403", "AUD415"]
    # a run-as alias holding root is root
    aliased = "Runas_Alias A = root, app\nu ALL=(A) /usr/bin/vim /etc/hosts\n"
    assert sorted(_found(aliased)) == ["AUD402"]
    # exact commands as another user grant nothing more
    assert _found("u ALL=(postgres) /usr/bin/pg_dump appdb\n") == {}
    # reading any file as another user is a lateral move too; what needs root is nothing
    assert (
        "reads any file as postgres" in _found("u ALL=(postgres) /usr/bin/cat /srv/*\n")["AUD417"]
    )
    assert _found("u ALL=(app) /usr/sbin/ufw disable\n") == {}


def test_defaults_that_let_code_in_reach_the_rules_they_cover() -> None:
    text = (
        'Defaults:DEVS env_keep += "PYTHONPATH"\n'
        "User_Alias DEVS = carol, %dev\n"
        "carol ALL=(root) /usr/bin/python3 /opt/app/manage.py migrate\n"
        "dave ALL=(root) /usr/bin/python3 /opt/app/manage.py migrate\n"
    )
    found = {(f.line, f.rule) for f in check_sudoers(parse_text(text, "s"))}
    assert found == {(1, "AUD409"), (3, "AUD402")}  # dave's Defaults keep nothing
    assert sorted(_found("Defaults !env_reset\nu ALL=(root) /usr/bin/git -C /srv pull\n")) == [
        "AUD402", "AUD409"
    ]  # fmt: skip  # GIT_SSH_COMMAND reaches git; PYTHONPATH would not (env_delete)
    assert "AUD409" in _found("Defaults env_keep += GIT_SSH_COMMAND\n")
    assert "/home/u/bin" in _found('Defaults secure_path="/home/u/bin:/usr/bin"\n')["AUD416"]
    assert "AUD416" in _found("Defaults !secure_path\n")


def test_a_main_sudoers_file_without_secure_path(tmp_path: Path) -> None:
    (tmp_path / "sudoers.d").mkdir()
    (tmp_path / "sudoers.d/app").write_text('u ALL=(root) /usr/bin/id ""\n')
    main = tmp_path / "sudoers"
    main.write_text("root ALL=(ALL:ALL) ALL\n#includedir sudoers.d\n")
    rules = [f.rule for f in audit_system([main], [], tmp_path).findings]
    assert sorted(rules) == ["AUD401", "AUD416"]
    main.write_text('Defaults secure_path="/usr/sbin:/usr/bin"\n' + main.read_text())
    assert [f.rule for f in audit_system([main], [], tmp_path).findings] == ["AUD401"]
    # a snippet inherits the main file's Defaults: it is not asked for one
    assert audit_system([tmp_path / "sudoers.d/app"], [], tmp_path).findings == []


def test_a_command_path_another_user_owns_is_replaceable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By its real owner and mode on this machine (the temporary folder itself lies under
    /tmp, a user-writable prefix: that check is set aside here to reach this one)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give the folder to another user")
    monkeypatch.setattr(replaceable_module, "_under_writable_prefix", lambda path: None)
    folder = tmp_path / "opt/app/bin"
    folder.mkdir(parents=True)
    program = folder / "run"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert replaceable_module.replaceable(str(program)) is None or "tmp" in str(
        replaceable_module.replaceable(str(program))
    )
    os.chown(folder, 65534, 65534)
    reason = replaceable_module.replaceable(str(program))
    assert reason is not None and f"{folder} belongs to" in reason and "65534" in reason
    os.chown(folder, 0, 0)
    folder.chmod(0o777)
    assert f"{folder} is writable by everyone" == replaceable_module.replaceable(str(program))
    folder.chmod(0o755)
    program.chmod(0o775)
    os.chown(program, 0, 65534)
    assert "writable by" in (replaceable_module.replaceable(str(program)) or "")
    rule = f"u ALL=(root) NOPASSWD: {program}\n"
    assert sorted(_found(rule)) == ["AUD403", "AUD405"]


def test_user_and_host_aliases_are_expanded_where_the_finding_names_its_rule() -> None:
    text = (
        "User_Alias OPS = alice, bob\nHost_Alias WEB = web1, 10.0.0.0/24\n"
        "OPS WEB = (root) /usr/bin/less /var/log/syslog\n"
    )
    (finding,) = check_sudoers(parse_text(text, "s"))
    assert finding.function == "sudoers: user OPS (alice, bob) on WEB (10.0.0.0/24, web1)"
