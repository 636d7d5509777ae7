"""A call of auditor's sandbox counts as isolated only when it surely runs there
(auditor/scan/isolation.py); an isolated call that gives the payload the network or the
host's environment is reviewed."""

from __future__ import annotations

import pytest

from tests.conftest import findings, make_policy

ARGV = "import subprocess, sys\n"

NOT_ISOLATED = {
    "rebound after the import": (
        ARGV + "from auditor.sandbox import run\nrun = subprocess.run\n"
        "run(sys.argv[1], shell=True)\n",
        "`run` is also bound to `subprocess.run`",
    ),
    "global rebinding in a function": (
        ARGV + "from auditor import sandbox\n\ndef setup():\n    global sandbox\n"
        "    sandbox = subprocess\n\nsetup()\nsandbox.run(sys.argv[1], shell=True)\n",
        "`sandbox` is also bound to `subprocess`",
    ),
    "a for loop": (
        ARGV + "from auditor import sandbox\nfor sandbox in (subprocess,):\n    pass\n"
        "sandbox.run(sys.argv[1], shell=True)\n",
        "`sandbox` is also bound by a for loop",
    ),
    "a fallback import": (
        "import sys\ntry:\n    from auditor import sandbox\nexcept ImportError:\n"
        "    import subprocess as sandbox\nsandbox.run(sys.argv[1], shell=True)\n",
        "`sandbox` is also imported from `subprocess`",
    ),
    "a monkeypatch in the file": (
        ARGV + "from auditor import sandbox\nsandbox.run = subprocess.run\n"
        "sandbox.run(sys.argv[1], shell=True)\n",
        "this file assigns an attribute `run` of an object",
    ),
    "a profile built by hand": (
        "import sys\nfrom auditor import sandbox\nfrom auditor.sandbox import Profile\n"
        "sandbox.run(sys.argv[1], shell=True, profile=Profile('host', namespaces=()))\n",
        "a profile the scan cannot read",
    ),
    "allow_degraded": (
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, allow_degraded=True)\n",
        "allow_degraded=True lets it run with less isolation",
    ),
    # options spread with ** (an attacker's case: allow_degraded hidden in a dict)
    "options spread from a name": (
        "import sys\nfrom auditor import sandbox\nOPTS = {'allow_degraded': True}\n"
        "sandbox.run(sys.argv[1], shell=True, **OPTS)\n",
        "options the scan cannot read (**OPTS) may set allow_degraded or profile",
    ),
    "options spread from a call": (
        "import json, sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, **json.loads(sys.argv[2]))\n",
        "options the scan cannot read (**json.loads(sys.argv[2]))",
    ),
    "allow_degraded spread from a dict written out": (
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, **{'allow_degraded': True})\n",
        "options the scan cannot read (**{'allow_degraded': True})",
    ),
    # the sandbox's own keywords: _settings may allow degraded runs, _pooled lets sockets in
    "a private option": (
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, _pooled=True)\n",
        "a private option of the sandbox (_pooled=), which it does not check",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_ISOLATED))
def test_a_sandbox_call_that_may_run_on_the_host_is_not_isolated(case: str) -> None:
    code, why = NOT_ISOLATED[case]
    # the call on the last line (a patch like ``sandbox.run = subprocess.run`` is a finding
    # of its own: a sink stored in an attribute, tests/scanner/test_stored_sinks.py)
    last = code.rstrip("\n").count("\n") + 1
    [f] = [f for f in findings(code) if f.line == last]
    assert (f.rule, f.risk, f.action, f.isolated) == ("AUD101", "high", "isolate", False)
    assert f"(not counted as isolated: {why}" in f.message


@pytest.mark.parametrize(
    ("keywords", "given"),
    [
        ("network=True", ["with the network (network=True)"]),
        ("env=dict(os.environ)", ["with an environment chosen at run time"]),
        (
            "network=True, env=dict(os.environ)",
            ["with the network (network=True)", "the payload may read the host's secrets"],
        ),
        # a descriptor of the host: a socket to its Docker daemon (refused at run time
        # without the network), a file or pipe open there
        ("pass_fds=(sock.fileno(),)", ["with descriptors of the host (pass_fds=(sock.fileno(),))"]),
        ("pass_fds=[3]", ["with descriptors of the host (pass_fds=[3])"]),
        ("pass_fds=FDS", ["with descriptors of the host (pass_fds=FDS)"]),
        # a file or descriptor open on the host as a standard stream (docs/sandbox.md: "other
        # descriptors ... auditor scan reviews a call that passes any")
        (
            "stdout=open(os.path.expanduser('~/.bashrc'), 'a')",
            ["a descriptor of the host as its stdout (stdout=open(os.path.expanduser("],
        ),
        (
            "stdout=os.open('/etc/cron.d/job', os.O_WRONLY)",
            ["a descriptor of the host as its stdout (stdout=os.open("],
        ),
        ("stdin=open('/etc/shadow')", ["a descriptor of the host as its stdin"]),
        ("stderr=open('/tmp/x.py', 'w')", ["a descriptor of the host as its stderr"]),
        ("stdout=sys.stdout", ["a descriptor of the host as its stdout (stdout=sys.stdout)"]),
        ("stdout=3", ["a descriptor of the host as its stdout (stdout=3)"]),
    ],
)
def test_an_isolated_call_given_the_network_or_the_hosts_environment_is_reviewed(
    keywords: str, given: list[str]
) -> None:
    head = "import os, sys\nfrom auditor import sandbox\n"
    code = f"{head}sandbox.run(sys.argv[1], shell=True, {keywords})\n"
    [f] = findings(code)
    assert (f.rule, f.risk, f.action, f.isolated) == ("AUD101", "medium", "review", True)
    for words in given:
        assert words in f.message


@pytest.mark.parametrize(
    "code",
    [
        # the plain, documented forms
        "import sys\nfrom auditor import sandbox\nsandbox.run(sys.argv[1], shell=True)\n",
        "import sys\nimport auditor.sandbox\nauditor.sandbox.run(sys.argv[1], shell=True)\n",
        # the profiles the sandbox defines, the variables written out, no network
        "import os, sys\nfrom auditor import sandbox\nsandbox.run(sys.argv[1], shell=True, "
        "profile='strict', env={'PATH': os.environ['PATH']}, network=False, "
        "allow_degraded=False)\n",
        "import sys\nfrom auditor import sandbox\nfrom auditor.sandbox import STRICT\n"
        "sandbox.run(sys.argv[1], shell=True, profile=STRICT)\n",
        # no descriptor
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, pass_fds=())\n",
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, pass_fds=[])\n",
        # standard streams the sandbox makes or inherits
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, stdin=None, stdout=sandbox.PIPE, "
        "stderr=sandbox.STDOUT)\n",
        "import subprocess, sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, stdin=subprocess.DEVNULL, stdout=-1, stderr=-2)\n",
    ],
)
def test_a_sandbox_call_that_surely_runs_there_stays_isolated(code: str) -> None:
    [f] = findings(code)
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)
    assert "not counted" not in f.message and "(but " not in f.message


def test_a_constant_command_given_the_network_stays_allowed() -> None:
    [f] = findings(
        "from auditor import sandbox\nsandbox.run(['curl', 'https://x'], network=True)\n"
    )
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)


def test_the_policys_own_isolation_wrapper_stays_isolated() -> None:
    """A wrapper the policy declares isolated is imported from its own module: that is no
    doubt, and its keywords are its own (``env=`` is not auditor's)."""
    sink = {"name": "jail.run", "kind": "command", "payload": 0, "isolated": True}
    policy = make_policy({"sinks": [sink]})
    code = "import os, sys\nimport jail\njail.run(sys.argv[1], env=dict(os.environ))\n"
    [f] = findings(code, policy=policy)
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)
    rebound = code.replace("import jail\n", "import jail\nimport subprocess as jail\n")
    [g] = findings(rebound, policy=policy)
    assert g.isolated is False and "`jail` is also imported from `subprocess`" in g.message


# The attacker's cases (docs/sandbox.md, "the working directory"): a payload chosen at run
# time that may write its working directory rewrote the app's own helper.py, which the host
# then imported as root; one given cwd= from the request rewrote a script in /srv the host
# ran later.
FLASK = "from flask import request\nfrom auditor import sandbox\n"


@pytest.mark.parametrize(
    ("call", "rule", "given"),
    [
        (
            "sandbox.run(request.args['cmd'], shell=True, writable_cwd=True)",
            "AUD101",
            "with its working directory writable (writable_cwd=True): the payload can change "
            "files the host reads or runs later",
        ),
        (
            "sandbox.Popen(request.args['cmd'], shell=True, writable_cwd=request.args['w'])",
            "AUD101",
            "with its working directory writable (writable_cwd=request.args['w'])",
        ),
        (
            "sandbox.run(['make', request.args['target']], cwd=request.args['dir'], "
            "writable_cwd=True)",
            "AUD102",
            "with a working directory chosen at run time (cwd=request.args['dir']) writable "
            "(writable_cwd=True): the payload can change files the host reads or runs later",
        ),
        (
            "sandbox.run(['make', request.args['target']], cwd=request.args['dir'])",
            "AUD102",
            "with a working directory chosen at run time (cwd=request.args['dir']): the "
            "payload reads the files of whatever folder it names",
        ),
        (
            "sandbox.exec_python(request.form['code'], cwd=request.args['dir'])",
            "AUD103",
            "with a working directory chosen at run time (cwd=request.args['dir'])",
        ),
    ],
)
def test_an_isolated_call_that_may_write_or_choose_its_working_directory_is_reviewed(
    call: str, rule: str, given: str
) -> None:
    [f] = findings(f"{FLASK}{call}\n")
    assert (f.rule, f.risk, f.action, f.isolated) == (rule, "medium", "review", True)
    assert f"(but {given}" in f.message


@pytest.mark.parametrize(
    "call",
    [
        # read-only by default: the payload may not change the host's files
        "sandbox.run(request.args['cmd'], shell=True)",
        "sandbox.run(request.args['cmd'], shell=True, writable_cwd=False)",
        # a constant folder, or the program's own
        "sandbox.run(request.args['cmd'], shell=True, cwd='/srv/app')",
        "sandbox.run(request.args['cmd'], shell=True, cwd=None)",
    ],
)
def test_a_read_only_working_directory_the_program_chose_stays_allowed(call: str) -> None:
    [f] = findings(f"{FLASK}{call}\n")
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)
    assert "(but " not in f.message


def test_a_constant_command_with_a_writable_working_directory_stays_allowed() -> None:
    """The payload is the program's own: what it writes is the program's choice."""
    [f] = findings("from auditor import sandbox\nsandbox.run(['make'], writable_cwd=True)\n")
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)


def test_the_projects_allow_degraded_setting_makes_every_call_doubtful() -> None:
    code = "import sys\nfrom auditor import sandbox\nsandbox.run(sys.argv[1], shell=True)\n"
    policy = make_policy({"sandbox": {"allow_degraded": True}})
    [f] = findings(code, policy=policy)
    assert (f.risk, f.isolated) == ("high", False)
    assert "the project's [tool.auditor.sandbox] sets allow_degraded = true" in f.message


def test_options_spread_from_a_dict_of_harmless_keys_stay_isolated() -> None:
    code = (
        "import sys\nfrom auditor import sandbox\n"
        "sandbox.run(sys.argv[1], shell=True, **{'timeout': 5, 'text': True})\n"
    )
    [f] = findings(code)
    assert (f.risk, f.isolated) == ("low", True)
