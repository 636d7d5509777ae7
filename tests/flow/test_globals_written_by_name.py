"""A module's globals written at run time under a name the code does not say (a settings
loader: ``for k, v in cfg.items(): setattr(settings, k, v)``) may be any of them: a
constant command of that module is no constant, in the module itself and where another
module imports it (auditor.flow.stage.Writers, auditor.flow.module_writes,
auditor.flow.constants). The finding names the write and its flow has a step there (kind
"written"). Before, the loaders of other files were not seen (the command stayed AUD201
"constant"), and where the scan saw the write, the finding did not say where it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

SETTINGS = "CMD = 'uptime'\n"
OWN_USE = "import subprocess\nCMD = 'uptime'\n\n\ndef go():\n    subprocess.run(CMD, shell=True)\n"
JOBS = (
    "import subprocess\nfrom app.settings import CMD\n\n\ndef go():\n"
    "    subprocess.run(CMD, shell=True)\n"
)
JOBS_DOTTED = (
    "import subprocess\nfrom app import settings\n\n\ndef go():\n"
    "    subprocess.run(settings.CMD, shell=True)\n"
)

# a loader of another file -> the line of the write
LOADERS = {
    "setattr in a loop": (
        "import json\nfrom app import settings\n\n\ndef load(p):\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(settings, k, v)\n",
        7,
    ),
    "setattr on an alias": (
        "import json\nimport app.settings as s\n\n\ndef load(p):\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(s, k, v)\n",
        7,
    ),
    "setattr after a relative import": (
        "import json\nfrom . import settings\n\n\ndef load(p):\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(settings, k, v)\n",
        7,
    ),
    "setattr on sys.modules by its name": (
        "import json, sys\n\n\ndef load(p):\n    for k, v in json.load(open(p)).items():\n"
        "        setattr(sys.modules['app.settings'], k, v)\n",
        6,
    ),
    "setattr on a name bound to sys.modules": (
        "import json, sys\n\n\ndef load(p):\n    mod = sys.modules['app.settings']\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(mod, k, v)\n",
        7,
    ),
    "setattr on import_module": (
        "import importlib, json\n\n\ndef load(p):\n"
        "    mod = importlib.import_module('app.settings')\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(mod, k, v)\n",
        7,
    ),
    "__dict__.update": (
        "import json\nfrom app import settings\n\n\ndef load(p):\n"
        "    settings.__dict__.update(json.load(open(p)))\n",
        6,
    ),
    "vars().update": (
        "import json\nfrom app import settings\n\n\ndef load(p):\n"
        "    vars(settings).update(json.load(open(p)))\n",
        6,
    ),
}


def _site(found: list[Finding], name: str) -> Finding:
    [f] = [f for f in found if Path(f.path).name == name]
    return f


def _written(f: Finding) -> list[tuple[str, int]]:
    return [(Path(s.path).name, s.line) for s in f.flow if s.kind == "written"]


@pytest.mark.parametrize("user", ["own module", "imported name", "imported module"])
@pytest.mark.parametrize("case", sorted(LOADERS))
def test_a_loader_of_another_file_makes_every_global_dynamic(
    tmp_path: Path, case: str, user: str
) -> None:
    loader, line = LOADERS[case]
    files = {"app/__init__.py": "", "app/loader.py": loader}
    if user == "own module":
        files["app/settings.py"] = OWN_USE
        where = "settings.py"
    else:
        files["app/settings.py"] = SETTINGS
        files["app/jobs.py"] = JOBS if user == "imported name" else JOBS_DOTTED
        where = "jobs.py"
    f = _site(scan_files(tmp_path, files), where)
    assert (f.rule, f.payload, f.origin) == ("AUD101", "dynamic", "internal")
    assert _written(f) == [("loader.py", line)]
    assert f"{tmp_path / 'app' / 'loader.py'} " in f.message


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            "import json\nCMD = 'uptime'\nwith open('/etc/app.json') as f:\n"
            "    globals().update(json.load(f))\n",
            4,
        ),
        (
            "import json, sys\nCMD = 'uptime'\n\nfor k, v in json.load(open('/etc/a')).items():\n"
            "    setattr(sys.modules[__name__], k, v)\n",
            5,
        ),
    ],
)
def test_a_module_writing_its_own_globals_by_key_names_the_write(
    tmp_path: Path, settings: str, line: int
) -> None:
    files = {"app/__init__.py": "", "app/settings.py": settings, "app/jobs.py": JOBS}
    f = _site(scan_files(tmp_path, files), "jobs.py")
    assert (f.rule, f.payload, f.origin) == ("AUD101", "dynamic", "internal")
    assert _written(f) == [("settings.py", line)]
    assert "settings.py may write any of its globals at run time" in f.message


@pytest.mark.parametrize(
    "loader",
    [
        # a name chosen at run time on an object that is no module
        "import json\nfrom app import settings\n\n\nclass Options:\n    pass\n\n\n"
        "def load(p):\n    o = Options()\n    for k, v in json.load(open(p)).items():\n"
        "        setattr(o, k, v)\n    return o, settings.CMD\n",
        # another package's settings module
        "import json\nfrom other import settings\n\n\ndef load(p):\n"
        "    for k, v in json.load(open(p)).items():\n        setattr(settings, k, v)\n",
        # another module of the project, by its name in sys.modules
        "import json, sys\n\n\ndef load(p):\n    for k, v in json.load(open(p)).items():\n"
        "        setattr(sys.modules['app.other_settings_loader'], k, v)\n",
        # a constant name that is not the command's
        "from app import settings\n\nsetattr(settings, 'DEBUG', True)\n",
    ],
)
def test_what_writes_no_global_of_the_module_leaves_it_constant(
    tmp_path: Path, loader: str
) -> None:
    files = {"app/__init__.py": "", "app/settings.py": OWN_USE, "app/loader.py": loader}
    f = _site(scan_files(tmp_path, files), "settings.py")
    assert (f.rule, f.payload) == ("AUD201", "constant")
