"""What an argv really runs (issue 15 part A): launchers at its head are peeled off
(rules/launchers.toml) and the site is classified by what runs behind them, with ``via``
and ``privileged`` in the finding. Anything built at run time behind sudo, doas or su is
never allowed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy

H = "import asyncio, os, shutil, subprocess, sys\n"


def _one(tmp_path: Path, code: str) -> Finding:
    (tmp_path / "m.py").write_text(H + textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    (finding,) = result.findings
    return finding


CASES = [
    # (call, rule, via, privileged, action)
    ("subprocess.run([sys.executable, '-c', x])", "AUD103", ("python -c",), False, "isolate"),
    ("subprocess.run([shutil.which('python3'), '-c', x])", "AUD103", ("python -c",), False,
     "isolate"),
    ("subprocess.run([sys.executable, '-c', 'print(1)'])", "AUD302", ("python -c",), False,
     "allow"),
    ("subprocess.run([sys.executable, x])", "AUD102", ("python",), False, "isolate"),
    ("subprocess.run([sys.executable, '-m', 'http.server', x])", "AUD203", ("python -m",),
     False, "allow"),
    ("subprocess.run(['sudo', '-u', u, 'bash', '-c', x])", "AUD101", ("sudo", "bash -c"), True,
     "isolate"),
    # a fixed program as root with an argument from run time: never allowed
    ("subprocess.run(['sudo', 'apt-get', 'install', '-y', x])", "AUD203", ("sudo",), True,
     "review"),
    ("subprocess.run(['sudo', 'systemctl', 'restart', 'nginx'])", "AUD301", ("sudo",), True,
     "allow"),
    ("subprocess.run(['bash', '-c', 'ls | wc -l'])", "AUD201", ("bash -c",), False, "convert"),
    ("subprocess.run(['timeout', '5', 'ls', x])", "AUD203", ("timeout",), False, "allow"),
    ("subprocess.run(['env', 'A=1', x])", "AUD102", ("env",), False, "isolate"),
    ("subprocess.run(['nice', '-n', '5', 'sh', '-c', x])", "AUD101", ("nice", "sh -c"), False,
     "isolate"),
    # a launcher reading a word it cannot tell the meaning of: a program chosen at run time
    ("subprocess.run(['ssh', x, 'uptime'])", "AUD102", ("ssh",), False, "isolate"),
    ("os.execv(sys.executable, [sys.executable, '-c', x])", "AUD103", ("python -c",), False,
     "isolate"),
    ("os.execlp('sudo', 'sudo', x)", "AUD102", ("sudo",), True, "isolate"),
    # a list where an argument goes: read as its items (what the author means to run)
    ("asyncio.create_subprocess_exec('bash', ['bash', '-c', x])", "AUD101", ("bash -c",), False,
     "isolate"),
    ("os.execl('/bin/sh', ['sh', '-c', x])", "AUD101", ("sh -c",), False, "isolate"),
    ("os.spawnl(os.P_WAIT, 'ls', ('ls', x))", "AUD203", (), False, "allow"),
    # no launcher: as before
    ("subprocess.run(['ls', x])", "AUD203", (), False, "allow"),
    # shell strings: the launchers of the first simple command, whatever builds the string
    ("os.system(f'sudo rm -rf {x}')", "AUD101", ("sudo",), True, "isolate"),
    ("os.system('sudo systemctl restart nginx')", "AUD201", ("sudo",), True, "convert"),
    ("subprocess.run('nohup python3 -c \"%s\" &' % x, shell=True)", "AUD101",
     ("nohup", "python -c"), False, "isolate"),
    ("subprocess.run('timeout 5 {} --x'.format(x), shell=True)", "AUD101", ("timeout",), False,
     "isolate"),
    ("os.popen('doas ' + x)", "AUD101", ("doas",), True, "isolate"),
    ("subprocess.run(' '.join(['sudo', x]), shell=True)", "AUD101", ("sudo",), True, "isolate"),
    ("subprocess.run(['sudo ' + x], shell=True)", "AUD101", ("sudo",), True, "isolate"),
    # a hole that may split into several words stops the peeling where it stands
    ("os.system(f'sudo -u {u} bash -c {x}')", "AUD101", ("sudo",), True, "isolate"),
    # %% and {{ are literal text, not holes
    ("os.system('env A=100%% sh -c %s' % x)", "AUD101", ("env", "sh -c"), False, "isolate"),
    ("os.system('env B={{x}} sh -c {}'.format(x))", "AUD101", ("env", "sh -c"), False,
     "isolate"),
    ("os.system('ls ' + x)", "AUD101", (), False, "isolate"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "rule", "via", "privileged", "action"), CASES)
def test_what_an_argv_runs(
    tmp_path: Path, call: str, rule: str, via: tuple[str, ...], privileged: bool, action: str
) -> None:
    finding = _one(tmp_path, f"def f(x, u):\n    {call}\n")
    assert (finding.rule, finding.via, finding.privileged, finding.action) == (
        rule,
        via,
        privileged,
        action,
    )
    if via:
        assert f"(through {', '.join(via)})" in finding.message


def test_the_launchers_show_in_the_json_document(tmp_path: Path) -> None:
    finding = _one(tmp_path, "def f(x):\n    subprocess.run(['sudo', 'sh', '-c', x])\n")
    data = finding.to_json()
    assert data["via"] == ["sudo", "sh -c"]
    assert data["privileged"] is True
    assert Finding.from_json(data) == finding


def test_model_output_behind_python_c_is_critical_code(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        """\
        from openai import OpenAI
        def f():
            reply = OpenAI().chat.completions.create(model="m", messages=[])
            code = reply.choices[0].message.content
            subprocess.run([sys.executable, "-c", code])
        """,
    )
    assert (finding.rule, finding.category, finding.origin) == (
        "AUD003",
        "critical-code",
        "llm-output",
    )


# Package installers and runners: the packages' build and install code runs (pip install
# SPEC), or the package's program (npx PKG); a spec, requirements file or index chosen at run
# time chooses what runs. open-webui 0.12.4's utils/plugin.py installs the requirements a
# tool's uploaded source lists: pip install + options + those specs.
INSTALLERS = [
    # (call, rule, risk, action, via)
    ("subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + PIP_OPTIONS + reqs"
     " + INDEX_OPTIONS)", "AUD102", "high", "isolate", ("python -m", "pip install")),
    ("subprocess.run([sys.executable, '-m', 'pip', 'install', x])", "AUD102", "high",
     "isolate", ("python -m", "pip install")),
    ("subprocess.run(['pip3', 'install', '-r', x])", "AUD102", "high", "isolate",
     ("pip install",)),
    ("subprocess.run(['pip', 'install', '--index-url', x, 'requests'])", "AUD102", "high",
     "isolate", ("pip install",)),
    ("subprocess.run(['uv', 'pip', 'install', x])", "AUD102", "high", "isolate",
     ("uv pip install",)),
    ("subprocess.run(['npm', 'install', x])", "AUD102", "high", "isolate", ("npm install",)),
    ("subprocess.run(['npx', '-y', x])", "AUD102", "high", "isolate", ("npx",)),
    ("subprocess.run(['uvx', x, '--help'])", "AUD102", "high", "isolate", ("uv tool run",)),
    ("subprocess.run(['pipx', 'run', '--spec', x, 'tool'])", "AUD102", "high", "isolate",
     ("pipx run",)),
    # constant packages: a fixed program, as before (a constant command when all is constant)
    ("subprocess.run([sys.executable, '-m', 'pip', 'install', 'requests==2.31.0'])", "AUD301",
     "low", "allow", ("python -m", "pip install")),
    ("subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade', 'pip'])", "AUD301",
     "low", "allow", ("python -m", "pip install")),
    ("subprocess.run(['pip', 'install', '--target', x, 'requests==2.31.0'])", "AUD203",
     "medium", "allow", ("pip install",)),
    ("subprocess.run(['npx', '-y', 'prettier@3.3.3', x])", "AUD203", "medium", "allow",
     ("npx",)),
    ("subprocess.run([sys.executable, '-m', 'pip', 'list', '--format', x])", "AUD203",
     "medium", "allow", ("python -m",)),
]  # fmt: skip


@pytest.mark.parametrize(("call", "rule", "risk", "action", "via"), INSTALLERS)
def test_package_installers_and_runners(
    tmp_path: Path, call: str, rule: str, risk: str, action: str, via: tuple[str, ...]
) -> None:
    code = f"PIP_OPTIONS = []\nINDEX_OPTIONS = []\ndef f(x, reqs):\n    {call}\n"
    finding = _one(tmp_path, code)
    assert (finding.rule, finding.risk, finding.action, finding.via) == (rule, risk, action, via)
    installs = rule == "AUD102" and via[-1].endswith("install")
    assert ("chooses what runs" in finding.message) is installs, finding.message
