"""A ``match`` statement's captures hold parts of its subject and carry its origin: a tool
router that dispatches a request's JSON (or a model's tool call) with ``match`` runs that
data. Before, every capture was an unknown local value: origin ``internal``, high, and
``check --fail-on critical`` passed (an attacker's case)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files

APP = """\
import os
from flask import Flask, request
app = Flask(__name__)

@app.route("/m")
def m():
    data = request.get_json()
    match data:
        case {"action": "run", "cmd": str(c)}:
            os.system(c)
        case [_, *rest]:
            os.system(rest[0])
        case {"code": code} if code:
            exec(code)
        case {"kind": "x", **extra}:
            exec(extra["src"])
        case other:
            os.system(other)
"""


def test_captures_carry_the_subjects_origin(tmp_path: Path) -> None:
    found = scan_files(tmp_path, {"app.py": APP})
    assert [(f.line, f.rule, f.risk, f.origin) for f in found] == [
        (10, "AUD001", "critical", "remote-input"),
        (12, "AUD001", "critical", "remote-input"),
        (14, "AUD003", "critical", "remote-input"),
        (16, "AUD003", "critical", "remote-input"),
        (18, "AUD001", "critical", "remote-input"),
    ]


def test_a_capture_of_a_parameter_carries_the_parameter(tmp_path: Path) -> None:
    code = "import os\n\ndef f(x):\n    match x:\n        case str(s):\n            os.system(s)\n"
    [finding] = scan_files(tmp_path, {"tool.py": code})
    assert (finding.rule, finding.origin) == ("AUD101", "parameter")
