"""Sinks, sanitizers and shell readings an attacker review found wrong (attack3): the
standard library's other command runners, interpreter code loaded from a path, ``**kwargs``
that may choose the program, sanitizers trusted where they do not protect, and a list run
with a shell known only at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import findings, make_policy

H = "import os, platform, shlex, shutil, subprocess, sys\n"
WIN = "use_shell = platform.system() == 'Windows'\n"

# -- a list argv with shell= known only at run time (shell=use_shell) -----------------------
# shell=True runs the list's first item as the command; without a shell the list is the
# argv: when its program is known and the rest constant, what runs is constant either way.
SHELL_UNKNOWN = [
    (H + WIN + "subprocess.run(['npm', 'install'], shell=use_shell)", "constant", "AUD201"),
    (
        H + WIN + "subprocess.run([shutil.which('npm'), 'install'], shell=use_shell)",
        "constant",
        "AUD201",
    ),
    (
        H + WIN + "subprocess.run([sys.executable, '-m', 'pip', 'list'], shell=use_shell)",
        "constant",
        "AUD201",
    ),
    # a program that is one of two constants
    (
        H + WIN + "def f(win):\n    npm = 'npm.cmd' if win else 'npm'\n"
        "    subprocess.run([npm, 'install'], shell=use_shell)\n",
        "constant",
        "AUD201",
    ),
    # an item built at run time: with a shell (cmd.exe joins the list into its command
    # line) it is read by the shell
    (
        H + WIN + "def f(url):\n    subprocess.run(['git', 'clone', url], shell=use_shell)\n",
        "dynamic",
        "AUD101",
    ),
    (
        H + WIN + "def f(prog):\n    subprocess.run([prog, 'install'], shell=use_shell)\n",
        "dynamic",
        "AUD101",
    ),
    (
        H + WIN + "def f(win, p):\n    npm = 'npm.cmd' if win else p\n"
        "    subprocess.run([npm, 'install'], shell=use_shell)\n",
        "dynamic",
        "AUD101",
    ),
]


@pytest.mark.parametrize(("code", "payload", "rule"), SHELL_UNKNOWN)
def test_list_with_shell_known_only_at_run_time(code: str, payload: str, rule: str) -> None:
    [finding] = findings(code)
    assert (finding.payload, finding.rule, finding.shell) == (payload, rule, None), code


# -- **kwargs that may choose the program ---------------------------------------------------
KWARGS = [
    # request JSON spread into the call: executable=, env= or cwd= may be among its keys
    (H + "def f(request):\n    opts = request.get_json()\n"
     "    subprocess.run(['df', '-h'], **opts)\n", "dynamic", "AUD102"),
    (H + "def f(opts):\n    subprocess.Popen(['df', '-h'], **opts)\n", "dynamic", "AUD102"),
    # known keys, none of which chooses the program (nor runs a shell)
    (H + "def f(t):\n    subprocess.run(['df', '-h'], **{'timeout': t})\n", "constant", "AUD301"),
    (H + "subprocess.run(['df', '-h'], **{'cwd': '/tmp'})\n", "constant", "AUD301"),
    # keys known, set one by one: as if written out (no shell=: no shell)
    (
        H + "def f(d):\n    kw = dict(stdout=subprocess.PIPE, cwd=d)\n"
        "    kw['close_fds'] = True\n    subprocess.Popen(['git', 'describe'], **kw)\n",
        "constant",
        "AUD301",
    ),
    (
        H + "def f(exe):\n    kw = {'text': True}\n    kw['executable'] = exe\n"
        "    subprocess.run(['ls'], **kw)\n",
        "dynamic",
        "AUD102",
    ),
    (
        H + "def f():\n    kw = {'shell': True}\n    subprocess.run('ls', **kw)\n",
        "constant",
        "AUD201",
    ),
    # a key set by a call whose keys are not known
    (
        H + "def f(more):\n    kw = {'text': True}\n    kw.update(more)\n"
        "    subprocess.run(['ls'], **kw)\n",
        "dynamic",
        "AUD102",
    ),
    # a sink that takes none of them
    (H + "def f(opts):\n    os.system('uptime', **opts)\n", "constant", "AUD201"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "payload", "rule"), KWARGS)
def test_spread_keywords_may_choose_the_program(code: str, payload: str, rule: str) -> None:
    [finding] = findings(code)
    assert (finding.payload, finding.rule) == (payload, rule), code
    if payload == "dynamic" and "executable" not in code:
        assert "may set executable=, env= or cwd=" in finding.message


# -- the attack3 reproducers, through the project-wide stage ---------------------------------
FLASK = "import os, shlex, subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def scan_app(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "app.py").write_text(code)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return result.findings


REPRODUCERS = [
    # request JSON spread into the call may set executable=, env=, cwd=
    (
        FLASK + "@app.route('/disk')\ndef disk():\n    opts = request.get_json() or {}\n"
        "    return subprocess.run(['df', '-h'], text=True, **opts).stdout\n",
        "AUD002",
    ),
    # a command built at run time: the spread's origin is the site's too
    (
        FLASK + "def probe(cmd):\n    opts = request.get_json() or {}\n"
        "    return subprocess.run(cmd + ' -h', **opts)\n"
        "@app.route('/disk')\ndef disk():\n    return probe(os.environ['PROBE'])\n",
        "AUD001",
    ),
    # a plain dataclass converts nothing: its `int` field still holds the request's string
    (
        FLASK + "from dataclasses import dataclass\n@dataclass\nclass Job:\n    name: str\n"
        "    retries: int\n@app.route('/retry')\ndef retry():\n"
        "    job = Job(name='sync', retries=request.args['retries'])\n"
        "    os.system(f'echo retrying {job.retries} times')\n",
        "AUD001",
    ),
    # the allow-list check says nothing of what is appended after it
    (
        FLASK + "ALLOWED = {'uptime', 'df'}\n@app.route('/stat')\ndef stat():\n"
        "    cmd = request.args['cmd']\n    if cmd in ALLOWED:\n"
        "        cmd = cmd + ' ' + request.args.get('flags', '')\n        os.system(cmd)\n",
        "AUD001",
    ),
    # a quoted word printed into a shell runs there
    (
        FLASK + "@app.route('/step')\ndef step():\n"
        "    os.system('echo ' + shlex.quote(request.args['step']) + ' | sh')\n",
        "AUD001",
    ),
    (
        FLASK + "@app.route('/step')\ndef step():\n"
        "    os.system('echo ' + shlex.quote(request.args['step']) + ' | tee log | bash -s')\n",
        "AUD001",
    ),
    # a quoted word where tar reads options: --to-command=CMD
    (
        FLASK + "@app.route('/x')\ndef extract():\n    member = request.args['member']\n"
        "    os.system('tar -xf /tmp/a.tar -C /tmp ' + shlex.quote(member))\n",
        "AUD001",
    ),
]


UNCONVERTED = [
    # an attacker's second round: a field that may also hold a string keeps the string
    "retries: Union[int, str]",
    "retries: int | str",
    "retries: Optional[Union[int, str]] = None",
    "retries: tuple[int, str]",
]


@pytest.mark.parametrize("field", UNCONVERTED)
def test_a_field_that_may_hold_a_string_converts_nothing(field: str, tmp_path: Path) -> None:
    code = (
        FLASK + "from typing import Optional, Union\nfrom pydantic import BaseModel\n"
        f"class Job(BaseModel):\n    {field}\n"
        "@app.route('/retry')\ndef retry():\n    job = Job(retries=request.args['retries'])\n"
        "    os.system(f'echo retrying {job.retries} times')\n"
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.risk, finding.origin) == ("critical", "remote-input")


@pytest.mark.parametrize(("code", "rule"), REPRODUCERS)
def test_reproducers_stay_critical(code: str, rule: str, tmp_path: Path) -> None:
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == (rule, "critical", "remote-input")
    assert "quoted or converted" not in finding.message and "allow-list" not in finding.message


# what the sanitizers still protect: the risk is one level lower, the origin kept
PROTECTED = [
    # a pydantic model converts its `int` field, or the request fails
    (
        FLASK + "from pydantic import BaseModel\nclass Job(BaseModel):\n    retries: int\n"
        "@app.route('/retry')\ndef retry():\n    job = Job(retries=request.args['retries'])\n"
        "    os.system(f'echo retrying {job.retries} times')\n",
        "converted to int by its model",
    ),
    # ... Optional[int] and int | None convert too (None is no string)
    (
        FLASK + "from typing import Optional\nfrom pydantic import BaseModel\n"
        "class Job(BaseModel):\n    retries: Optional[int] = None\n"
        "@app.route('/retry')\ndef retry():\n    job = Job(retries=request.args['retries'])\n"
        "    os.system(f'echo retrying {job.retries} times')\n",
        "converted to int by its model",
    ),
    # ... also through a base class of the file
    (
        FLASK + "import pydantic\nclass Base(pydantic.BaseModel):\n    pass\n"
        "class Job(Base):\n    retries: int\n@app.route('/retry')\ndef retry():\n"
        "    job = Job(retries=request.args['retries'])\n"
        "    os.system(f'echo retrying {job.retries} times')\n",
        "converted to int by its model",
    ),
    # the checked value itself, rebound to nothing new
    (
        FLASK + "ALLOWED = {'uptime', 'df'}\n@app.route('/stat')\ndef stat():\n"
        "    cmd = request.args['cmd']\n    if cmd in ALLOWED:\n        os.system(cmd)\n",
        "checked against the allow-list ALLOWED",
    ),
    # a quoted word piped into a program that does not run its input
    (
        FLASK + "@app.route('/step')\ndef step():\n"
        "    os.system('echo ' + shlex.quote(request.args['step']) + ' | grep -c x')\n",
        "quoted or converted (shlex.quote)",
    ),
    # after `--` tar reads no option: the quoted word is a member's name
    (
        FLASK + "@app.route('/x')\ndef extract():\n    member = request.args['member']\n"
        "    os.system('tar -xf /tmp/a.tar -C /tmp -- ' + shlex.quote(member))\n",
        "quoted or converted (shlex.quote)",
    ),
]


@pytest.mark.parametrize(("code", "note"), PROTECTED)
def test_sanitizers_that_protect(code: str, note: str, tmp_path: Path) -> None:
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert note in finding.message


def test_stdlib_runners_and_loaders(tmp_path: Path) -> None:
    code = (
        FLASK + "import importlib.util, pickle, pydoc, webbrowser\n"
        "@app.route('/page')\ndef page():\n    pydoc.pipepager('text', request.args['pager'])\n"
        "@app.route('/open')\ndef open_():\n"
        "    webbrowser.get(request.args['browser']).open('http://localhost/')\n"
        "@app.route('/plugin')\ndef plugin():\n"
        "    spec = importlib.util.spec_from_file_location('p', request.args['path'])\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "@app.route('/restore', methods=['POST'])\ndef restore():\n"
        "    return pickle.loads(request.get_data())\n"
        "def cached(path):\n    with open(path, 'rb') as fh:\n        return pickle.load(fh)\n"
    )
    found = [(f.sink, f.rule, f.cwe) for f in scan_app(tmp_path, code)]
    assert found == [
        ("pydoc.pipepager", "AUD001", 78),
        ("webbrowser.get", "AUD002", 78),
        ("importlib.util.spec_from_file_location", "AUD004", 95),
        ("pickle.loads", "AUD003", 502),
    ]
