"""Classification per the policy: rule, risk, action, trusted_by, isolated."""

from __future__ import annotations

import pytest

from tests.conftest import findings, make_policy

H = "import subprocess, os, sys\n"


@pytest.mark.parametrize(
    ("code", "rule", "risk", "action"),
    [
        (H + "subprocess.run(cmd, shell=True)", "AUD101", "high", "isolate"),
        (H + "subprocess.run([prog])", "AUD102", "high", "isolate"),
        ("exec(code)", "AUD103", "high", "isolate"),
        ("__import__(name)", "AUD104", "high", "review"),
        (H + "subprocess.run('uptime', shell=True)", "AUD201", "medium", "convert"),
        ("helper(cmd, shell=True)", "AUD202", "medium", "review"),
        (H + "subprocess.run(['ls', d])", "AUD203", "medium", "allow"),
        (H + "subprocess.run(['ls', '-l'])", "AUD301", "low", "allow"),
        ("eval('1')", "AUD302", "low", "allow"),
    ],
)
def test_default_classes(code: str, rule: str, risk: str, action: str) -> None:
    [f] = findings(code)
    assert (f.rule, f.risk, f.action, f.isolated, f.trusted_by) == (rule, risk, action, False, None)


def test_cwe_by_kind() -> None:
    [cmd] = findings(H + "os.system(c)")
    [code] = findings("eval(c)")
    assert (cmd.cwe, code.cwe, cmd.kind, code.kind) == (78, 95, "command", "code")


def test_trusted_path() -> None:
    policy = make_policy({"trusted_paths": ["scripts/canonical/**"]})
    code = H + "subprocess.run(cmd, shell=True)"
    [f] = findings(code, path="scripts/canonical/deep/job.py", policy=policy)
    assert (f.trusted_by, f.risk, f.action, f.rule) == (
        "path:scripts/canonical/**",
        "low",
        "allow",
        "AUD101",
    )
    [g] = findings(code, path="scripts/other/job.py", policy=policy)
    assert (g.trusted_by, g.risk) == (None, "high")


def test_trusted_command_applies_only_to_constant_commands() -> None:
    policy = make_policy({"trusted_commands": ["systemctl status *"]})
    [f] = findings(H + "subprocess.run(['systemctl', 'status', 'redis'])", policy=policy)
    assert (f.trusted_by, f.action) == ("command:systemctl status *", "allow")
    [g] = findings(H + "subprocess.run('systemctl status redis', shell=True)", policy=policy)
    assert (g.trusted_by, g.risk, g.action) == ("command:systemctl status *", "low", "allow")
    [h] = findings(H + "subprocess.run(['systemctl', 'status', unit])", policy=policy)
    assert h.trusted_by is None
    [i] = findings(H + "subprocess.run(f'systemctl status {u}', shell=True)", policy=policy)
    assert (i.trusted_by, i.risk) == (None, "high")


def test_isolation_wrappers_are_reported_isolated() -> None:
    [f] = findings("from auditor import sandbox\nsandbox.run(cmd, shell=True)")
    assert (f.isolated, f.risk, f.action, f.sink) == (True, "low", "allow", "auditor.sandbox.run")
    policy = make_policy({"sinks": [{"name": "app.jail.run", "kind": "code", "isolated": True}]})
    [g] = findings("from app.jail import run\nrun(code)", policy=policy)
    assert (g.isolated, g.action, g.category) == (True, "allow", "dynamic-code")


def test_policy_can_change_risk_and_action_of_a_class() -> None:
    policy = make_policy({"classes": {"fixed-program": {"risk": "high", "action": "isolate"}}})
    [f] = findings(H + "subprocess.run(['ls', d])", policy=policy)
    assert (f.rule, f.risk, f.action) == ("AUD203", "high", "isolate")


def test_message_names_the_sink_and_the_remedy() -> None:
    [f] = findings(H + "subprocess.run(cmd, shell=True)")
    assert f.message.startswith("subprocess.run()")
    assert "sandbox" in f.message
