"""A sink stored in an attribute, an item or a class body (auditor.scan.stored) is reported
at the assignment with the origin ``parameter`` and a flow step of that kind there: the calls
through what holds it come from code the analysis does not see, with a payload it does not
see (auditor.flow.stage's ``_stored_origin``). Before, its origin was ``internal``, which a
reviewer reads as "built by the program from its own data"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

STORES = {
    "attribute": (
        "import os\nclass H:\n    def __init__(self):\n        self.run = os.system\n",
        4,
    ),
    "class body": ("import os\nclass H:\n    run = os.system\n", 3),
    "item": (
        "import os\nclass H:\n    def __init__(self):\n        self.ops = {'r': os.system}\n",
        4,
    ),
}


def _origin(found: list[Finding]) -> list[tuple[int, str, str | None, list[tuple[str, str]]]]:
    return [(f.line, f.risk, f.origin, [(s.kind, s.subject) for s in f.flow]) for f in found]


@pytest.mark.parametrize("where", sorted(STORES))
def test_a_stored_sink_has_a_caller_not_seen(where: str, tmp_path: Path) -> None:
    code, line = STORES[where]
    [found] = scan_files(tmp_path, {"app.py": code})
    assert found.handed_to is not None
    assert _origin([found]) == [
        (line, "high", "parameter", [("parameter", found.handed_to), ("reaches", "os.system")])
    ]
    assert "a payload it does not see" in found.flow[0].note
    data = found.to_json()
    assert (data["origin"], data["flow"][0]["kind"]) == ("parameter", "parameter")
    json.dumps(data)


def test_a_call_the_file_follows_keeps_its_own_origin(tmp_path: Path) -> None:
    code = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "class H:\n    run = os.system\n"
        "@app.route('/x')\ndef x():\n    return str(H().run(request.args['c']))\n"
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.line, f.origin) for f in found] == [(5, "parameter"), (8, "remote-input")]
