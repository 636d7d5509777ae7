"""An allow-list check against another module's list (``if cmd in settings.ALLOWED:
os.system(cmd)``) sanitizes nothing when that module fills the list from a source
(``ALLOWED = os.environ["CMDS"].split(",")``, a file's content): whoever sets the variable
chooses what is allowed (auditor.flow.stage's ``_sourced_lists``). Before, it counted as an
allow-list (medium) as a list of constants does (an attacker's case: request data run
below the ``--fail-on critical`` gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

APP = """\
import os
from flask import Flask, request
{imported}
app = Flask(__name__)

@app.route("/x")
def x():
    cmd = request.args["c"]
    if cmd in {name}:
        os.system(cmd)
"""
USES = [("import settings", "settings.ALLOWED"), ("from settings import ALLOWED", "ALLOWED")]


@pytest.mark.parametrize(("imported", "name"), USES)
def test_a_list_from_the_environment_is_no_allow_list(
    imported: str, name: str, tmp_path: Path
) -> None:
    settings = 'import os\nALLOWED = os.environ["CMDS"].split(",")\n'
    app = APP.format(imported=imported, name=name)
    [found] = scan_files(tmp_path, {"settings.py": settings, "app.py": app})
    assert (found.line, found.risk, found.origin) == (10, "critical", "remote-input")
    if imported == "import settings":  # (the check's note names the list it reads)
        assert "settings.ALLOWED is no allow-list: the environment" in found.message
        steps = [(Path(s.path).name, s.line, s.kind) for s in found.flow]
        assert ("settings.py", 2, "source") in steps


def test_a_list_from_a_file_is_no_allow_list(tmp_path: Path) -> None:
    settings = 'import json\nALLOWED = json.load(open("/etc/app/allowed.json"))\n'
    app = APP.format(imported="import settings", name="settings.ALLOWED")
    [found] = scan_files(tmp_path, {"settings.py": settings, "app.py": app})
    assert (found.risk, found.origin) == ("critical", "remote-input")


@pytest.mark.parametrize("value", ['["ls", "df"]', 'frozenset({"ls", "df"})'])
def test_a_list_of_constants_still_is_one(value: str, tmp_path: Path) -> None:
    app = APP.format(imported="import settings", name="settings.ALLOWED")
    [found] = scan_files(tmp_path, {"settings.py": f"ALLOWED = {value}\n", "app.py": app})
    assert (found.risk, found.origin) == ("medium", "remote-input")
    assert "checked against the allow-list settings.ALLOWED" in found.message
