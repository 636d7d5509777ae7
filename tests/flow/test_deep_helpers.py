"""Helpers shared by many callers, deeper than the propagation instantiates them
(auditor.flow.propagate: _INSTANCE_DEPTH nested calls, _INSTANCE_BUDGET instantiations).
Beyond the bound a nested call is valued by the called function's summary (what it returns
of its own, and which of its parameters its return carries, through which sanitizers),
applied to what this call passes: one caller's origin must not reach another caller's
sink, and no caller may lose its own (salt's `salt.utils.path.which()`, reached through
the recursive `salt.utils.data._remove_circular_refs()`, carried one ZeroMQ message into
every program path it returns)."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.flow import propagate
from tests.conftest import make_policy

WEB = """\
import subprocess
from flask import Flask, request
from pkg.paths import which

app = Flask(__name__)

@app.route("/run")
def run():
    subprocess.run([which(request.args["prog"]), "-l"])
"""

LOCAL = """\
import os, subprocess
from pkg.paths import which

def listing():
    subprocess.run([which("ls"), "-l"])

def configured():
    subprocess.run([which(os.environ["PROG"]), "-l"])
"""


def _chain(length: int, last: str) -> str:
    """``which(x)`` returning ``helper1(x)``... returning ``last``."""
    names = ["which", *(f"helper{n}" for n in range(1, length))]
    lines = []
    for name, nxt in itertools.pairwise(names):
        lines += [f"def {name}(x):", f"    return {nxt}(x)", ""]
    lines += [f"def {names[-1]}(x):", f"    return {last}", ""]
    return "\n".join(lines)


def _scan(
    tmp_path: Path, paths: str, prefilter: bool = True, local: str = LOCAL
) -> dict[str, Finding]:
    files = {"pkg/__init__.py": "", "pkg/web.py": WEB, "pkg/local.py": local, "pkg/paths.py": paths}
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, prefilter=prefilter)
    assert result.errors == []
    return {f.function: f for f in result.findings}


def _origins(found: dict[str, Finding]) -> dict[str, str | None]:
    return {name: f.origin for name, f in found.items()}


def test_a_chain_deeper_than_the_instantiation_keeps_each_caller_its_own_origin(
    tmp_path: Path,
) -> None:
    # seven functions deep (the instantiation follows four); the pre-filter off, so that
    # every body is analysed (with it, the project stage's four rounds would stop at the
    # fourth body, and the rest would be calls it cannot follow)
    found = _scan(tmp_path, _chain(7, "x.strip()"), prefilter=False)
    assert _origins(found) == {
        "run": "remote-input",
        "listing": "internal",
        "configured": "environment",
    }
    # the request's flow enters which() where run() calls it, not through another caller
    assert [s.path for s in found["run"].flow] == [
        str(tmp_path / "pkg/web.py"),
        *[str(tmp_path / "pkg/paths.py")] * (len(found["run"].flow) - 3),
        str(tmp_path / "pkg/web.py"),
        str(tmp_path / "pkg/web.py"),
    ]


def test_a_source_inside_a_deep_helper_reaches_every_caller(tmp_path: Path) -> None:
    # what the deepest helper returns of its own (an environment variable) reaches the
    # constant caller too; what a caller passes reaches only that caller
    found = _scan(tmp_path, _chain(7, 'x or os.environ["DEFAULT"]'), prefilter=False)
    assert _origins(found) == {
        "run": "remote-input",
        "listing": "environment",
        "configured": "environment",
    }


def test_a_recursive_helper_keeps_each_caller_its_own_origin(tmp_path: Path) -> None:
    # the shape of salt.utils.data's recursive decoders: the recursion goes beyond the
    # instantiation depth whatever the depth, with the pre-filter on
    paths = """\
    def which(x):
        return _walk(x, 8)

    def _walk(x, n):
        if n:
            return _walk(x.strip(), n - 1)
        return x
    """
    local = """\
    import subprocess
    from pkg.paths import which

    def listing():
        subprocess.run([which("ls"), "-l"])
    """
    found = _scan(tmp_path, paths, local=local)
    assert _origins(found) == {"run": "remote-input", "listing": "internal"}


def test_a_sanitizer_deep_in_a_helper_applies_to_each_caller_s_own_value(
    tmp_path: Path,
) -> None:
    found = _scan(tmp_path, "import shlex\n" + _chain(7, "shlex.quote(x)"), prefilter=False)
    assert _origins(found) == {
        "run": "remote-input",
        "listing": "internal",
        "configured": "environment",
    }
    assert "quoted or converted" in found["run"].message
    assert "quoted or converted" in found["configured"].message
    assert found["run"].risk != "critical"


def test_beyond_the_instantiation_budget_each_caller_keeps_its_own_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a chain the depth would follow, with a budget of one instantiation per call result
    # (the bound that large projects reach first): the calls nested in which() are
    # valued beyond the budget
    monkeypatch.setattr(propagate, "_INSTANCE_BUDGET", 1)
    found = _scan(tmp_path, _chain(3, "x.strip()"))
    assert _origins(found) == {
        "run": "remote-input",
        "listing": "internal",
        "configured": "environment",
    }


def test_a_caller_passing_nothing_does_not_reuse_the_value_over_every_caller(
    tmp_path: Path,
) -> None:
    # which() instantiated for the constant caller gives its parameter nothing; h(x),
    # evaluated outside any instantiation as an argument of f(), reads x over every caller.
    # The two must not share a memoised value (they did when the instance for the
    # constant caller was computed first in a pass, as it is here)
    paths = """\
    def h(x):
        return x.strip()

    def f(y):
        return y

    def which(x):
        y = h(x)
        return f(y) or y
    """
    local = """\
    import subprocess
    from pkg.paths import which

    def listing():
        subprocess.run([which("ls"), "-l"])
    """
    found = _scan(tmp_path, paths, local=local)
    assert _origins(found) == {"run": "remote-input", "listing": "internal"}
