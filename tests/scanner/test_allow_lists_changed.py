"""An allow-list check (``if cmd in ALLOWED: os.system(cmd)``) sanitizes nothing when the
file changes the list with what a request sent: through a helper of the file that changes
its parameter (``add(ALLOWED, x)``), a builtin type's method called on the type
(``list.append(A, x)``), a function of rules/mutators.toml (``heapq.heappush(A, x)``) or a
method looked up by name (``getattr(A, "append")(x)``); and a substring test on a text
(``cmd in "uptime df"``) is no allow-list at all (attack round trust8, t3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

H = (
    "import heapq, os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    "ALLOWED = ['uptime', 'df']\n"
    "def add(lst, x):\n    lst.append(x)\n"
)
CHECK = (
    "@app.route('/a')\ndef a():\n    cmd = request.args['cmd']\n"
    "    if cmd in ALLOWED:\n        os.system(cmd)\n"
)
CHANGES = [
    "add(ALLOWED, request.args['new'])",
    "list.append(ALLOWED, request.args['new'])",
    "list.insert(ALLOWED, 0, request.args['new'])",
    "heapq.heappush(ALLOWED, request.args['new'])",
    "getattr(ALLOWED, 'append')(request.args['new'])",
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_list_a_request_fills_is_no_allow_list(tmp_path: Path, change: str) -> None:
    code = H + f"@app.route('/setup')\ndef setup():\n    {change}\n" + CHECK
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.rule, finding.risk) == ("AUD001", "critical"), change


@pytest.mark.parametrize(
    "change",
    [
        "",
        "add(ALLOWED, 'free -h')",  # a constant added: still an allow-list
        "print(ALLOWED)",
    ],
)
def test_a_list_left_alone_or_given_constants_still_checks(tmp_path: Path, change: str) -> None:
    code = H + f"@app.route('/setup')\ndef setup():\n    {change or 'pass'}\n" + CHECK
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert finding.risk == "medium", change


@pytest.mark.parametrize("text", ['"uptime df"', "TEXT", "'uptime' 'df'"])
def test_a_substring_test_is_no_allow_list(tmp_path: Path, text: str) -> None:
    code = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "TEXT = 'uptime df'\n"
        f"@app.route('/a')\ndef a():\n    cmd = request.args['cmd']\n"
        f"    if cmd in {text}:\n        os.system(cmd)\n"
    )
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.rule, finding.risk) == ("AUD001", "critical"), text
