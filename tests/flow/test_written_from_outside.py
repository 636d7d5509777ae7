"""Module globals, class attributes and instance attributes written from another file, in
place or not (attack round 6, items 4, 5, 8 and 9). Before, the project-wide stage saw a
module global *rebound* from another file (``tasks.PAGER = x``), not changed in place
(``backup.RSYNC.extend(x)``, ``from backup import RSYNC`` then ``RSYNC[0] = x``), and it
never followed what the writer put there (origin ``internal``); an allow-list another file
appends to still sanitized; ``self.cmd`` of a constant ``__init__`` set on an instance in
another file stayed constant; a class attribute set by a route (``Config.CMD =
request.form["cmd"]``) had no origin. Each case says its rule, risk and origin, before
(``main`` at 1413c1e) and now."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

_FLASK = "from flask import Flask, request\napp = Flask(__name__)\n"
_BACKUP = (
    "import subprocess\n\nRSYNC = ['rsync', '-a', '/srv/data/', 'backup:/data/']\n\n\n"
    "def sync():\n    return subprocess.run(RSYNC, check=True)\n"
)
_CRITICAL_PROGRAM = ("AUD002", "critical", "remote-input")
_CRITICAL_SHELL = ("AUD001", "critical", "remote-input")

# name -> (files, the file of the site, (rule, risk, origin) now, before)
_Verdict = tuple[str, str, str | None]
CASES: dict[str, tuple[dict[str, str], str, _Verdict, _Verdict]] = {
    "a module list extended through the module": (
        {
            "backup.py": _BACKUP,
            "web.py": _FLASK + "import backup\n\n\n@app.post('/sync')\ndef sync():\n"
            "    backup.RSYNC.extend(request.form.getlist('opt'))\n    backup.sync()\n",
        },
        "backup.py",
        _CRITICAL_PROGRAM,
        ("AUD301", "low", None),
    ),
    "a module list appended to through the module": (
        {
            "backup.py": _BACKUP,
            "web.py": _FLASK + "import backup\n\n\n@app.post('/sync')\ndef sync():\n"
            "    backup.RSYNC.append(request.form['opt'])\n",
        },
        "backup.py",
        _CRITICAL_PROGRAM,
        ("AUD301", "low", None),
    ),
    "an item of an imported list set": (
        {
            "backup.py": _BACKUP,
            "web2.py": _FLASK + "from backup import RSYNC, sync\n\n\n@app.post('/sync2')\n"
            "def sync2():\n    RSYNC[0] = request.form['tool']\n    sync()\n",
        },
        "backup.py",
        _CRITICAL_PROGRAM,
        ("AUD301", "low", None),
    ),
    "an imported list prepended to under an alias": (
        {
            "backup.py": _BACKUP,
            "web2.py": _FLASK + "from backup import RSYNC as R\n\n\n@app.post('/s')\n"
            "def s():\n    R.insert(0, request.form['tool'])\n",
        },
        "backup.py",
        _CRITICAL_PROGRAM,
        ("AUD301", "low", None),
    ),
    "a module list grown with += through the module": (
        {
            "backup.py": _BACKUP,
            "web.py": _FLASK + "import backup\n\n\n@app.post('/s')\ndef s():\n"
            "    backup.RSYNC += [request.form['opt']]\n",
        },
        "backup.py",
        _CRITICAL_PROGRAM,
        ("AUD102", "high", "internal"),
    ),
    "an item of a module list deleted": (
        {
            "backup.py": _BACKUP,
            "web.py": "import backup\n\n\ndef trim():\n    del backup.RSYNC[0]\n",
        },
        "backup.py",
        ("AUD102", "high", "internal"),
        ("AUD301", "low", None),
    ),
    "a module list appended a constant": (
        {
            "backup.py": _BACKUP,
            "other.py": "import backup\n\n\ndef verbose():\n    backup.RSYNC.append('-v')\n",
        },
        "backup.py",
        ("AUD102", "high", "internal"),
        ("AUD301", "low", None),
    ),
    "a module dict updated from a route": (
        {
            "cfg.py": "DEFAULTS = {'cmd': 'uptime'}\n",
            "web.py": _FLASK + "from cfg import DEFAULTS\n\n\n@app.route('/c')\ndef c():\n"
            "    DEFAULTS.update(cmd=request.args['c'])\n",
            "worker.py": "import os\nfrom cfg import DEFAULTS\n\n\ndef run3():\n"
            "    os.system(DEFAULTS['cmd'])\n",
        },
        "worker.py",
        _CRITICAL_SHELL,
        ("AUD101", "high", "internal"),
    ),
    "a module dict updated through the module": (
        {
            "cfg.py": "DEFAULTS = {'cmd': 'uptime'}\n",
            "web.py": _FLASK + "import cfg\n\n\n@app.route('/c')\ndef c():\n"
            "    cfg.DEFAULTS.update(cmd=request.args['c'])\n",
            "worker.py": "import os\nfrom cfg import DEFAULTS\n\n\ndef run3():\n"
            "    os.system(DEFAULTS['cmd'])\n",
        },
        "worker.py",
        _CRITICAL_SHELL,
        ("AUD101", "high", "internal"),
    ),
    "an allow-list appended request data in another file": (
        {
            "settings.py": "ALLOWED_CMDS = ['uptime', 'df -h']\n",
            "admin.py": "import settings\n" + _FLASK + "\n\n@app.post('/admin/allow')\n"
            "def allow():\n    settings.ALLOWED_CMDS.append(request.form['cmd'])\n"
            "    return 'ok'\n",
            "run.py": "import os, settings\nfrom flask import request\nfrom admin import app\n"
            "\n\n@app.route('/run')\ndef run():\n    cmd = request.args['c']\n"
            "    if cmd in settings.ALLOWED_CMDS:\n        os.system(cmd)\n    return 'ok'\n",
        },
        "run.py",
        _CRITICAL_SHELL,
        ("AUD101", "medium", "remote-input"),
    ),
    "an allow-list of the module itself appended to from another file": (
        {
            "run.py": "import os\n" + _FLASK + "ALLOWED = {'uptime'}\n\n\n@app.route('/run')\n"
            "def run():\n    cmd = request.args['c']\n    if cmd in ALLOWED:\n"
            "        os.system(cmd)\n",
            "admin.py": "from flask import request\nfrom run import ALLOWED, app\n\n\n"
            "@app.post('/allow')\ndef allow():\n    ALLOWED.add(request.form['cmd'])\n",
        },
        "run.py",
        _CRITICAL_SHELL,
        ("AUD101", "medium", "remote-input"),
    ),
    "an instance attribute set on an instance in another file": (
        {
            "jobs.py": "import os\n\n\nclass Job:\n    def __init__(self):\n"
            "        self.cmd = 'uptime'\n\n    def run(self):\n        os.system(self.cmd)\n",
            "web.py": _FLASK + "from jobs import Job\n\n\n@app.route('/run')\ndef run():\n"
            "    j = Job()\n    j.cmd = request.args['c']\n    j.run()\n",
        },
        "jobs.py",
        _CRITICAL_SHELL,
        ("AUD201", "medium", None),
    ),
    "an instance attribute a subclass of another file sets": (
        {
            "jobs.py": "import os\n\n\nclass Job:\n    def __init__(self):\n"
            "        self.cmd = 'uptime'\n\n    def run(self):\n        os.system(self.cmd)\n",
            "sub.py": "from flask import request\nfrom jobs import Job\n\n\nclass WebJob(Job):\n"
            "    def configure(self):\n        self.cmd = request.args['c']\n",
        },
        "jobs.py",
        _CRITICAL_SHELL,
        ("AUD201", "medium", None),
    ),
    "a class attribute set by a route": (
        {
            "app.py": "import subprocess\n" + _FLASK + "\n\nclass Config:\n"
            "    HEALTH_CMD = 'uptime'\n\n\n@app.post('/admin/health-cmd')\n"
            "def set_health_cmd():\n    Config.HEALTH_CMD = request.form['cmd']\n"
            "    return 'ok'\n\n\n@app.route('/health')\ndef health():\n"
            "    return subprocess.run(Config.HEALTH_CMD, shell=True).stdout\n",
        },
        "app.py",
        _CRITICAL_SHELL,
        ("AUD101", "high", "internal"),
    ),
    "a class attribute set from another file": (
        {
            "cfg.py": "class Settings:\n    CMD = 'uptime'\n",
            "web.py": _FLASK + "import cfg\n\n\n@app.route('/a')\ndef a():\n"
            "    cfg.Settings.CMD = request.args['c']\n",
            "worker.py": "import subprocess\nfrom cfg import Settings\n\n\ndef run1():\n"
            "    subprocess.run(Settings.CMD, shell=True)\n",
        },
        "worker.py",
        _CRITICAL_SHELL,
        ("AUD101", "high", "internal"),
    ),
    "an attribute of a module-level instance set from another file": (
        {
            "cfg.py": "class Settings:\n    CMD = 'uptime'\n\n\nsettings = Settings()\n",
            "web.py": _FLASK + "from cfg import settings\n\n\n@app.route('/b')\ndef b():\n"
            "    settings.CMD = request.args['c']\n",
            "worker.py": "import os\nfrom cfg import settings\n\n\ndef run2():\n"
            "    os.system(settings.CMD)\n",
        },
        "worker.py",
        _CRITICAL_SHELL,
        ("AUD101", "high", "internal"),
    ),
}


def _site(found: list[Finding], name: str) -> Finding:
    [finding] = [f for f in found if Path(f.path).name == name]
    return finding


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_another_file_writes_reaches_the_site(tmp_path: Path, case: str) -> None:
    files, where, now, _ = CASES[case]
    finding = _site(scan_files(tmp_path, files), where)
    assert (finding.rule, finding.risk, finding.origin) == now, case
    if now[2] not in (None, "internal"):
        # the flow starts where the writer reads the request and ends at the sink
        assert finding.flow[0].kind == "source"
        assert finding.flow[-1].kind == "reaches"
        assert finding.flow[-1].path.endswith(where)


def test_a_constant_put_in_an_allow_list_keeps_the_check(tmp_path: Path) -> None:
    """Only a list some file fills with something other than a constant stops being an
    allow-list: ``ALLOWED.append("df -h")`` leaves the check what it was."""
    files = {
        "settings.py": "ALLOWED_CMDS = ['uptime']\n",
        "extra.py": "import settings\n\n\ndef more():\n    settings.ALLOWED_CMDS.append('df -h')\n",
        "run.py": "import os, settings\n" + _FLASK + "\n\n@app.route('/run')\ndef run():\n"
        "    cmd = request.args['c']\n    if cmd in settings.ALLOWED_CMDS:\n"
        "        os.system(cmd)\n",
    }
    finding = _site(scan_files(tmp_path, files), "run.py")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "checked against the allow-list settings.ALLOWED_CMDS" in finding.message


def test_an_attribute_of_another_class_leaves_the_constant(tmp_path: Path) -> None:
    """``other.cmd = x`` on an instance of an unrelated class, and a write of another
    global of the module, leave the constants as they were."""
    files = {
        "backup.py": _BACKUP,
        "jobs.py": "import os\n\n\nclass Job:\n    def __init__(self):\n"
        "        self.cmd = 'uptime'\n\n    def run(self):\n        os.system(self.cmd)\n",
        "web.py": _FLASK + "import backup\n\n\nclass Other:\n    pass\n\n\n"
        "@app.route('/run')\ndef run():\n    o = Other()\n    o.cmd = request.args['c']\n"
        "    backup.OTHER.append(request.args['x'])\n",
    }
    found = scan_files(tmp_path, files)
    assert (_site(found, "jobs.py").rule, _site(found, "jobs.py").payload) == (
        "AUD201",
        "constant",
    )
    assert _site(found, "backup.py").rule == "AUD301"


def test_a_voided_allow_list_names_the_file_that_fills_it(tmp_path: Path) -> None:
    """The message says why the check counts for nothing, and the flow has a step at the
    write (kind "written", before the sink): ``check --changed`` of admin.py judges run.py."""
    files, where, _, _ = CASES["an allow-list appended request data in another file"]
    finding = _site(scan_files(tmp_path, files), where)
    assert "settings.ALLOWED_CMDS is no allow-list: " in finding.message
    assert "admin.py changes settings.ALLOWED_CMDS at run time" in finding.message
    assert [(Path(s.path).name, s.kind) for s in finding.flow] == [
        ("run.py", "source"),
        ("admin.py", "written"),
        ("run.py", "reaches"),
    ]
