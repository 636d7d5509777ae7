"""A sink handed out by code of the project and called where it lands (an attacker's cases,
round 9, items 1 to 3): bound by ``with`` from a ``@contextmanager`` generator or a class's
``__enter__``, iterated out of a generator (``for f in gen()``, ``async for``), taken by
``next(...)`` or as the default of ``.get(k, default)``, or read through a ``@property``.
Before, the first three gave no finding at all, and ``next(iter([os.system]))(x)`` or
``{}.get("y", os.system)(x)`` only a high "handed over" finding at the container, with no
origin.

Each must be the finding the direct call of the sink with the same arguments is: every
test scans the form and the direct call and compares them."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from tests.conftest import scan_files

HEAD = """\
import os, subprocess, contextlib, functools
from flask import Flask, request
app = Flask(__name__)

@contextlib.contextmanager
def runner():
    yield os.system

class Entered:
    def __enter__(self):
        return os.system
    def __exit__(self, *a):
        pass

def gen():
    yield os.system

def gen_from():
    yield from [os.system]

async def agen():
    yield os.system

HANDLERS = {"a": os.system}

class P:
    @property
    def run(self):
        return os.system

    @functools.cached_property
    def cached(self):
        return os.system

"""


def _shape(f: Finding) -> tuple[str, str, str | None, str, str | None, bool]:
    return (f.rule, f.risk, f.sink, f.payload, f.origin, f.isolated)


def _one_route(tmp_path: Path, body: str, prefix: str = "") -> list[Finding]:
    """The findings of one Flask view whose body is ``body`` (indented), at that view."""
    code = (
        HEAD
        + f"@app.route('/a')\n{prefix}def view():\n"
        + "".join(f"    {line}\n" for line in body.splitlines())
    )
    found = scan_files(tmp_path, {"app.py": code})
    view_line = code.splitlines().index(f"{prefix}def view():") + 1
    return [f for f in found if f.line > view_line]


@pytest.mark.parametrize(
    ("form", "prefix"),
    [
        ('with runner() as r:\n    r(request.args["c"])', ""),
        ('with Entered() as r:\n    r(request.args["c"])', ""),
        ('for f in gen():\n    f(request.args["c"])', ""),
        ('for f in gen_from():\n    f(request.args["c"])', ""),
        ('async for f in agen():\n    f(request.args["c"])', "async "),
        ('next(iter([os.system]))(request.args["c"])', ""),
        ('g = gen()\nnext(g)(request.args["c"])', ""),
        ('{}.get("y", os.system)(request.args["c"])', ""),
        ('HANDLERS.get(request.args["k"])(request.args["c"])', ""),
        ('P().run(request.args["c"])', ""),
        ('P().cached(request.args["c"])', ""),
    ],
)
def test_a_sink_handed_out_is_the_direct_call(tmp_path: Path, form: str, prefix: str) -> None:
    [expected] = _one_route(tmp_path / "direct", 'os.system(request.args["c"])')
    assert (expected.risk, expected.origin) == ("critical", "remote-input")
    found = _one_route(tmp_path / "form", form, prefix)
    [finding] = found  # no "handed over" finding besides, at the container
    assert _shape(finding) == _shape(expected)
    assert finding.snippet == form.splitlines()[-1].strip()


def test_a_class_entered_in_another_route_of_the_file(tmp_path: Path) -> None:
    """The view calling ``Entered()`` names no sink: its body must still be parsed."""
    code = HEAD.replace("return os.system", "return subprocess.getoutput", 1) + (
        "@app.route('/d')\ndef d():\n    with Entered() as f:\n"
        "        return f(request.args['c'])\n"
    )
    [finding] = scan_files(tmp_path, {"app.py": code})
    assert (finding.sink, finding.risk, finding.origin) == (
        "subprocess.getoutput",
        "critical",
        "remote-input",
    )


def test_what_hands_out_no_sink_gives_nothing(tmp_path: Path) -> None:
    """A context manager, generator, ``.get`` default or property that gives anything
    else: no finding (the view itself names no sink)."""
    code = """\
import os, contextlib
from flask import Flask, request
app = Flask(__name__)

@contextlib.contextmanager
def where():
    yield os.getcwd

def names():
    yield os.getcwd

class P:
    @property
    def run(self):
        return os.getcwd

@app.route('/a')
def view():
    with where() as w:
        w(request.args['c'])
    for f in names():
        f(request.args['c'])
    {}.get('y', os.getcwd)(request.args['c'])
    P().run(request.args['c'])
"""
    assert scan_files(tmp_path, {"app.py": code}) == []
