"""A module's list changed through another name for the same object (a parameter's
default, a ``for`` target, a walrus) or after it escaped into another object (an item of a
dict or list, a class or object attribute) is not the constant it was built with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import findings, scan_files

H = "import subprocess\nfrom flask import request\nCMD = ['echo', 'hi']\n"
RUN = "def h():\n    subprocess.run(CMD)\n"

CHANGED = [
    # the default is CMD itself
    "def add(extra=CMD):\n    extra.append(request.args['c'])\n",
    "def mutate(l=CMD):\n    l[0] = request.args['c']\n",
    "def mutate(*, l=CMD):\n    l.insert(0, request.args['c'])\n",
    # a for target over a display holding it, or over a name bound to one
    "def s():\n    for c in [CMD]:\n        c[0] = request.args['c']\n",
    "ALL = [CMD]\ndef s():\n    for c in ALL:\n        c.insert(0, request.args['c'])\n",
    # a walrus
    "def s():\n    (c := CMD)[0] = request.args['c']\n",
    "def s():\n    (c := CMD).insert(0, request.args['c'])\n",
    # escaped into another object
    "class K:\n    cmd = CMD\ndef s():\n    K.cmd.insert(0, request.args['c'])\n",
    "STATE = {'cmd': CMD}\ndef s():\n    STATE['cmd'][0] = request.args['c']\n",
    "def s(holder):\n    holder.cmd = CMD\n",
    "def s(v):\n    st = {'c': CMD}\n    helper(st)\n",
]


@pytest.mark.parametrize("code", CHANGED)
def test_a_list_changed_through_another_name_is_not_constant(code: str) -> None:
    [finding] = findings(H + code + RUN)
    assert finding.payload != "constant", code  # (append: the program is still known)
    assert finding.risk not in ("low", "info")


KEPT = [
    # a loop over constant lists runs each of them, unchanged
    "OTHER = ['ls']\ndef s():\n    for c in [CMD, OTHER]:\n        print(c)\n",
    # unpacked item by item: no tuple holds CMD
    "def s():\n    a, b = CMD, 1\n    print(a, b)\n",
    # a copy of it
    "STATE = {'cmd': list(CMD), 'all': [*CMD]}\n",
    # a string is never changed in place
    "NAME = 'x'\nSTATE = {'n': NAME}\nclass K:\n    n = NAME\n",
]


@pytest.mark.parametrize("code", KEPT)
def test_a_list_read_or_copied_stays_constant(code: str) -> None:
    [finding] = findings(H + code + RUN)
    assert finding.payload == "constant", code


def test_another_module_s_list_escaped_there_is_not_constant(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "consts.py": "CMD = ['echo']\nSTATE = {'c': CMD}\nOTHER = ['ls']\n",
            "web.py": "import sys\nfrom consts import STATE\n"
            "def s():\n    STATE['c'][0] = sys.argv[1]\n",
            "app.py": "import subprocess\nfrom consts import CMD, OTHER\n"
            "def go():\n    subprocess.run(CMD)\n    subprocess.run(OTHER)\n",
        },
    )
    assert [(f.line, f.payload) for f in found] == [(4, "dynamic"), (5, "constant")]
