"""The methods Python runs for an operation on an object of a project class (``r[k]``:
``Runner.__getitem__(k)``, ``r + x``: ``__add__``, ``x in r``: ``__contains__``, ``r[k] =
v``: ``__setitem__``) are followed like the calls written out (auditor.scan.collect's
``operations``, auditor.scan.summary's ``operate``). Before, a sink in such a method
running its parameter had origin ``parameter`` (high) though the operation passes request
data (an attacker's case, below the ``--fail-on critical`` gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

HEAD = """\
import os
from flask import Flask, request
app = Flask(__name__)
"""

CLASSES = {
    "__getitem__": "    def __getitem__(self, key):\n        return os.system(key)\n",
    "__add__": "    def __add__(self, other):\n        return os.system(other)\n",
    "__radd__": "    def __radd__(self, other):\n        return os.system(other)\n",
    "__contains__": "    def __contains__(self, key):\n        return os.system(key) == 0\n",
    "__setitem__": "    def __setitem__(self, key, value):\n        os.system(value)\n",
}
USES = {
    "__getitem__": "    return str(r[request.args['k']])\n",
    "__add__": "    return str(r + request.args['k'])\n",
    "__radd__": "    return str(request.args['k'] + r)\n",
    "__contains__": "    return str(request.args['k'] in r)\n",
    "__setitem__": "    r['a'] = request.args['k']\n    return ''\n",
}


def _found(found: list[Finding]) -> list[tuple[str, int, str, str | None]]:
    return [(Path(f.path).name, f.line, f.risk, f.origin) for f in found]


@pytest.mark.parametrize("method", sorted(CLASSES))
def test_an_operation_passes_the_request_to_the_method(method: str, tmp_path: Path) -> None:
    code = (
        HEAD
        + "class Runner:\n"
        + CLASSES[method]
        + "@app.route('/x')\ndef x():\n    r = Runner()\n"
        + USES[method]
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert _found(found) == [("app.py", 6, "critical", "remote-input")]
    steps = [(s.line, s.kind) for s in found[0].flow]
    assert steps[0] == (10, "source")  # the operation's line, where request.args is
    assert (10, "passed") in steps  # into the method, at the operation


def test_the_class_in_another_module_and_annotated(tmp_path: Path) -> None:
    runner = "import os\nclass Runner:\n" + CLASSES["__getitem__"]
    app = (
        "from flask import Flask, request\nfrom runner import Runner\n"
        "app = Flask(__name__)\n"
        "def look(r: Runner, k):\n    return r[k]\n"
        "@app.route('/x')\ndef x():\n    return str(look(Runner(), request.args['k']))\n"
    )
    found = scan_files(tmp_path, {"runner.py": runner, "app.py": app})
    assert _found(found) == [("runner.py", 4, "critical", "remote-input")]


def test_a_constant_key_is_no_request(tmp_path: Path) -> None:
    code = (
        HEAD
        + "class Runner:\n"
        + CLASSES["__getitem__"]
        + ("def main():\n    r = Runner()\n    return r['uptime']\n")
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert [(f.line, f.origin) for f in found] != [(6, "remote-input")]
    assert all(f.risk != "critical" for f in found)


def test_a_dict_is_no_project_class(tmp_path: Path) -> None:
    # a subscript of a builtin container runs no method of the project: the method's
    # parameter keeps the origin it had
    code = (
        HEAD
        + "class Runner:\n"
        + CLASSES["__getitem__"]
        + ("@app.route('/x')\ndef x():\n    d = dict()\n    return str(d[request.args['k']])\n")
    )
    found = scan_files(tmp_path, {"app.py": code})
    assert _found(found) == [("app.py", 6, "high", "parameter")]
