"""A file's own globals written in ways the per-file stage did not see (attack round
trust8, t30 and t4): through a name bound to ``globals()`` or to ``f.__globals__``, by a
constant ``exec`` text, by replacing a function's ``__defaults__``, or by a ``del`` that
lets a builtin of that name show through. Each left the site constant, and ``auditor
migrate`` rewrote ``subprocess.run(CMD, shell=True)`` into the stale argv list."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import migrate
from auditor.judge.policy import load_policy
from tests.conftest import findings, scan_files

H = "import builtins, os, subprocess, sys\nCMD = 'uptime'\n"
SITE = "def f():\n    subprocess.run(CMD, shell=True)\n"

WRITTEN = {
    "g = globals()": "def load():\n    g = globals()\n    g['CMD'] = os.environ.get('X', 'ls')\n",
    "alias of an alias": "def load():\n    g = globals()\n    h = g\n    h['CMD'] = sys.argv[1]\n",
    "h = f.__globals__": "def g():\n    h = f.__globals__\n    h['CMD'] = sys.argv[1]\n",
    "exec at module level": "exec(\"CMD = os.environ.get('PAGER', CMD)\")\n",
    "exec with global": "def g():\n    exec('global CMD; CMD = sys.argv[1]')\n",
    "exec of a for": "exec('for CMD in sys.argv: pass')\n",
    "exec in globals()": "exec('CMD = sys.argv[1]', globals())\n",
    "del then a builtin": "builtins.CMD = sys.argv[1]\ndel CMD\n",
}


@pytest.mark.parametrize("name", WRITTEN)
def test_a_global_written_so_is_not_constant(name: str) -> None:
    sites = [f for f in findings(H + SITE + WRITTEN[name]) if f.sink != "builtins.exec"]
    assert [f.payload for f in sites] == ["dynamic"], name


def test_an_exec_in_its_own_namespace_writes_no_global() -> None:
    sites = findings(H + SITE + "exec('CMD = sys.argv[1]', {})\n")
    assert [f.payload for f in sites if f.sink != "builtins.exec"] == ["constant"]


@pytest.mark.parametrize(
    ("after", "payload"),
    [
        ("f.__defaults__ = (sys.argv[1],)\n", "dynamic"),
        ("", "constant"),  # untouched: every caller passes constants
    ],
)
def test_replaced_defaults_are_not_the_def_s(tmp_path: Path, after: str, payload: str) -> None:
    code = H + "def f(c=CMD):\n    os.system(c)\n" + after + "f()\n"
    [site] = scan_files(tmp_path, {"m.py": code})
    assert site.payload == payload


def test_migrate_does_not_freeze_a_global_written_through_an_alias(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "import os, subprocess\nCMD = 'uptime'\n" + SITE + WRITTEN["g = globals()"]
    )
    plans = migrate.plan([str(tmp_path)], load_policy(tmp_path))
    codemods = [site.codemod for plan in plans for site in plan.sites]
    assert "shell-to-argv" not in codemods
