"""What chooses the program a call runs, outside its argv: ``executable=`` (POSIX
subprocess: without a shell it is the program, argv[0] only its name; with shell=True it is
the shell), the environment's PATH, LD_PRELOAD, GIT_SSH_COMMAND... (``env=``, os.execve's
third argument), and a remote command that is a shell reading its standard input (``["ssh",
host, "bash", "-s"]`` with ``input=``). Each case asserts the rule, risk and action; the
controls must stay as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

EXECUTABLE = [
    # (the call, rule, risk, action)
    ('subprocess.run(["true"], executable=x)', "AUD102", "high", "isolate"),
    ('subprocess.Popen(["ls"], executable=x)', "AUD102", "high", "isolate"),
    ('subprocess.check_output(args=["ls"], executable=x)', "AUD102", "high", "isolate"),
    ('subprocess.run("ls", executable=x)', "AUD102", "high", "isolate"),
    # a constant executable is the program: launchers are peeled from it
    ('subprocess.run(["ls", "-c", x], executable="/bin/sh")', "AUD101", "high", "isolate"),
    ('subprocess.run(["ls", "-c", "id"], executable="/bin/sh")', "AUD201", "medium", "convert"),
    ('subprocess.run(["-c", x], executable="/bin/bash")', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls", "-c", x], executable=sys.executable)', "AUD103", "high", "isolate"),
    # with a shell, executable= is the shell: chosen at run time, or a known one
    ('subprocess.run("ls", shell=True, executable=x)', "AUD102", "high", "isolate"),
    ('subprocess.run("ls " + x, shell=True, executable="/bin/bash")', "AUD101", "high", "isolate"),
    ('subprocess.run("ls", shell=True, executable="/bin/bash")', "AUD201", "medium", "convert"),
    ('subprocess.run(x, shell=True, executable="/usr/bin/python3")', "AUD103", "high", "isolate"),
    # the argument after the program is argv[1], not argv[0], for create_subprocess_exec
    (
        'asyncio.create_subprocess_exec("ls", "-c", x, executable="/bin/sh")',
        "AUD101",
        "high",
        "isolate",
    ),
    ('asyncio.create_subprocess_exec("ls", executable=x)', "AUD102", "high", "isolate"),
    ('asyncio.create_subprocess_exec("bash", "-c", x)', "AUD101", "high", "isolate"),
    # os.exec*/spawn*: the path is the program, argv[0] only its name
    ('os.execv(x, ["ls"])', "AUD102", "high", "isolate"),
    ('os.execv("/bin/sh", ["ls", "-c", x])', "AUD101", "high", "isolate"),
    ('os.posix_spawn("/bin/sh", ["ls", "-c", x], os.environ)', "AUD101", "high", "isolate"),
    ('os.spawnv(os.P_WAIT, "/bin/sh", ["ls", "-c", x])', "AUD101", "high", "isolate"),
    ('os.execl("/bin/sh", "ls", "-c", x)', "AUD101", "high", "isolate"),
    ('os.execle("/bin/sh", "ls", "-c", x, {})', "AUD101", "high", "isolate"),
    # controls
    ('subprocess.run(["ls"], executable="/bin/ls")', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], executable=None)', "AUD301", "low", "allow"),
    ('subprocess.run(["ls", x], executable="/bin/ls")', "AUD203", "medium", "allow"),
    ('subprocess.run("ls", shell=True, executable="/bin/sh")', "AUD201", "medium", "convert"),
    ('asyncio.create_subprocess_exec("sudo", "-u", "bob", "ls")', "AUD301", "low", "allow"),
    ('os.execv("/bin/ls", ["ls", "-l"])', "AUD301", "low", "allow"),
]

ENVIRONMENT = [
    ('subprocess.run(["ls"], env={"PATH": x})', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls"], env={"LD_PRELOAD": x})', "AUD102", "high", "isolate"),
    ('subprocess.run(["git", "log"], env={"GIT_SSH_COMMAND": x})', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls"], env={**os.environ, "LD_PRELOAD": x})', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls"], env=dict(os.environ, PATH=x))', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls"], env={k: x})', "AUD102", "high", "isolate"),
    ('subprocess.run("ls", shell=True, env={"BASH_ENV": x})', "AUD102", "high", "isolate"),
    ('subprocess.run(["ls", x], env={"PATH": x})', "AUD102", "high", "isolate"),
    ('os.execve("/bin/ls", ["ls"], {"LD_PRELOAD": x})', "AUD102", "high", "isolate"),
    ('os.execle("/bin/ls", "ls", {"LD_PRELOAD": x})', "AUD102", "high", "isolate"),
    ('os.posix_spawn("/bin/ls", ["ls"], {"PATH": x})', "AUD102", "high", "isolate"),
    # controls: the inherited environment, constants, variables that choose nothing
    ('subprocess.run(["ls"], env=os.environ.copy())', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], env=dict(os.environ))', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], env=None)', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], env={"LANG": x})', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], env={"PATH": "/usr/bin"})', "AUD301", "low", "allow"),
    ('subprocess.run(["ls"], env=dict(os.environ, LANG=x))', "AUD301", "low", "allow"),
    ('os.execve("/bin/ls", ["ls"], os.environ)', "AUD301", "low", "allow"),
    ('os.execle("/bin/ls", "ls", os.environ)', "AUD301", "low", "allow"),
    # a value made of constants and what the process's own environment holds: inherited
    (
        'subprocess.run(["ls"], env={"PATH": "/opt/bin:" + os.environ["PATH"]})',
        "AUD301",
        "low",
        "allow",
    ),
    (
        'subprocess.run(["ls"], env={"PATH": os.pathsep.join(["/opt/bin", os.getenv("PATH")])})',
        "AUD301",
        "low",
        "allow",
    ),
    (
        'subprocess.run(["ls"], env={"PATH": f"{os.environ.get(\'HOME\')}/bin"})',
        "AUD301",
        "low",
        "allow",
    ),
    (
        'subprocess.run(["ls"], env={"PATH": x + ":" + os.environ["PATH"]})',
        "AUD102",
        "high",
        "isolate",
    ),
]

# an environment built up over several statements
BUILT = [
    ('env = os.environ.copy()\n    env["PATH"] = x', "AUD102", "high", "isolate"),
    ("env = os.environ.copy()\n    env.update(LD_PRELOAD=x)", "AUD102", "high", "isolate"),
    ('env = dict(os.environ)\n    env.update({"PYTHONPATH": x})', "AUD102", "high", "isolate"),
    ('env = {}\n    env.setdefault("PATH", x)', "AUD102", "high", "isolate"),
    ("env = os.environ.copy()\n    env[k] = x", "AUD102", "high", "isolate"),
    # controls
    ('env = os.environ.copy()\n    env["LANG"] = x', "AUD301", "low", "allow"),
    ('env = os.environ.copy()\n    env["PATH"] = "/usr/bin:" + "/bin"', "AUD301", "low", "allow"),
    ("env = k", "AUD301", "low", "allow"),  # a parameter: what the caller passes, unread
]

STDIN = [
    # a remote command that is a shell reading its input runs what ssh forwards it
    ('subprocess.run(["ssh", "deploy@web1", "bash", "-s"], input=x)', "AUD101", "high", "isolate"),
    ('subprocess.run(["ssh", "deploy@web1", "bash -s"], input=x)', "AUD101", "high", "isolate"),
    ('subprocess.run(["ssh", "web1", "sh"], stdin=subprocess.PIPE)', "AUD101", "high", "isolate"),
    ('subprocess.run(["ssh", "-T", "web1", "python3", "-"], input=x)', "AUD103", "high", "isolate"),
    ('subprocess.run(["ssh", "web1", "sudo", "bash"], input=x)', "AUD101", "high", "isolate"),
    ('subprocess.run(["bash", "-c", "bash -s"], input=x)', "AUD101", "high", "isolate"),
    ('subprocess.run("ssh web1 bash -s", shell=True, input=x)', "AUD101", "high", "isolate"),
    # controls: a constant input, no input, a remote command that reads no commands
    (
        'subprocess.run(["ssh", "deploy@web1", "bash", "-s"], input="uptime")',
        "AUD201",
        "medium",
        "convert",
    ),
    ('subprocess.run(["ssh", "deploy@web1", "bash", "-s"])', "AUD201", "medium", "convert"),
    (
        'subprocess.run(["ssh", "deploy@web1", "cat > /tmp/f"], input=x)',
        "AUD201",
        "medium",
        "convert",
    ),
    ('subprocess.run(["ssh", "deploy@web1", "uptime"], input=x)', "AUD201", "medium", "convert"),
]


def _one(tmp_path: Path, body: str) -> tuple[str, str, str]:
    (tmp_path / "app.py").write_text(
        "import asyncio\nimport os\nimport subprocess\nimport sys\n\n\n"
        f"def run(x, k):\n    {body}\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    return finding.rule, finding.risk, finding.action


@pytest.mark.parametrize(("line", "rule", "risk", "action"), EXECUTABLE)
def test_executable_is_the_program(
    tmp_path: Path, line: str, rule: str, risk: str, action: str
) -> None:
    assert _one(tmp_path, line) == (rule, risk, action)


@pytest.mark.parametrize(("line", "rule", "risk", "action"), ENVIRONMENT)
def test_an_environment_that_chooses_the_program(
    tmp_path: Path, line: str, rule: str, risk: str, action: str
) -> None:
    assert _one(tmp_path, line) == (rule, risk, action)


@pytest.mark.parametrize(("lines", "rule", "risk", "action"), BUILT)
def test_an_environment_built_in_steps(
    tmp_path: Path, lines: str, rule: str, risk: str, action: str
) -> None:
    assert _one(tmp_path, f'{lines}\n    subprocess.run(["ls"], env=env)') == (rule, risk, action)


@pytest.mark.parametrize(("line", "rule", "risk", "action"), STDIN)
def test_a_remote_shell_reading_its_input(
    tmp_path: Path, line: str, rule: str, risk: str, action: str
) -> None:
    assert _one(tmp_path, line) == (rule, risk, action)


def test_request_data_chooses_the_program(tmp_path: Path) -> None:
    """The project-wide stage follows executable= and the environment's choosers to their
    origin: request data makes them critical."""
    (tmp_path / "app.py").write_text(
        "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        '@app.post("/a")\ndef a():\n'
        '    subprocess.run(["true"], executable=request.json["tool"])\n\n'
        '@app.post("/b")\ndef b():\n'
        '    subprocess.run(["ls"], env={"LD_PRELOAD": request.json["lib"]})\n\n'
        '@app.post("/c")\ndef c():\n'
        '    subprocess.run(["ssh", "web1", "bash", "-s"], input=request.json["s"])\n'
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = sorted((f.function, f.rule, f.risk, f.origin) for f in result.findings)
    assert got == [
        ("a", "AUD002", "critical", "remote-input"),
        ("b", "AUD002", "critical", "remote-input"),
        ("c", "AUD001", "critical", "remote-input"),
    ]
