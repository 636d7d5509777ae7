"""A table of sinks imported from another module of the project (``from ops import TABLE;
TABLE[name](cmd)`` where ops.py has ``TABLE = {"run": os.system}``) is followed as a table
of the file itself is (auditor.flow.aliases: ``ops.TABLE[run]`` and ``ops.TABLE[]`` are
aliases of the sink, auditor.scan.resolve's ``_subscript`` names the lookup). Before, the
call was no sink at all: request data run through it was not reported (an attacker's
case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

OPS = {
    "dict": 'import os, subprocess\nTABLE = {"run": os.system, "out": subprocess.getoutput}\n',
    "list": "import os\nTABLE = [os.system]\n",
}
APP = """\
from flask import Flask, request
{imported}
app = Flask(__name__)

@app.route("/x")
def x():
    return str({lookup}(request.args["c"]))
"""
CASES = [
    ("dict", "from ops import TABLE", 'TABLE["run"]', "os.system"),
    ("dict", "from ops import TABLE", "TABLE[request.args['op']]", "os.system"),
    ("dict", "import ops", 'ops.TABLE["out"]', "subprocess.getoutput"),
    ("list", "from ops import TABLE as T", "T[0]", "os.system"),
]


@pytest.mark.parametrize(("ops", "imported", "lookup", "sink"), CASES)
def test_the_imported_table_runs_the_request(
    ops: str, imported: str, lookup: str, sink: str, tmp_path: Path
) -> None:
    app = APP.format(imported=imported, lookup=lookup)
    found = scan_files(tmp_path, {"ops.py": OPS[ops], "app.py": app})
    assert [(Path(f.path).name, f.line, f.sink, f.risk, f.origin) for f in found] == [
        ("app.py", 7, sink, "critical", "remote-input")
    ]


def test_a_table_of_other_functions_is_no_sink(tmp_path: Path) -> None:
    ops = "import json\nTABLE = {'load': json.loads}\n"
    app = APP.format(imported="from ops import TABLE", lookup='TABLE["load"]')
    assert scan_files(tmp_path, {"ops.py": ops, "app.py": app}) == []
