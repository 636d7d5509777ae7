"""What ``*args`` and ``**mapping`` spread out is an argument of the call: a model built
with ``Model.model_construct(**request.json)`` or ``Model(**request.json)`` holds request
data, and a field read from it reaches the sink as remote input (not ``internal``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

APP = """\
import os
from dataclasses import dataclass
from flask import Flask, request
from pydantic import BaseModel

app = Flask(__name__)


class Req(BaseModel):
    lines: str = "10"


@dataclass
class D:
    lines: str


@app.route("/r", methods=["POST"])
def r():
    m = {made}
    os.system(f"tail -n {{m.lines}} /var/log/app.log")
"""

MADE = {
    "model_construct": "Req.model_construct(**request.json)",
    "construct": "Req.construct(**request.json)",
    "pydantic-init": "Req(**request.json)",
    "dataclass-init": "D(**request.get_json())",
    "model_construct-positional-spread": "Req.model_construct(*request.json['fields'])",
    "unknown-factory": "make_req(**request.json)",
}


@pytest.mark.parametrize("case", sorted(MADE))
def test_spread_request_data_is_remote_input(case: str, tmp_path: Path) -> None:
    code = APP.format(made=MADE[case])
    if case == "unknown-factory":
        code = code.replace("import os\n", "import os\nfrom lib import make_req\n")
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")
    sink = '    os.system(f"tail -n {m.lines} /var/log/app.log")'
    assert finding.line == code.splitlines().index(sink) + 1
