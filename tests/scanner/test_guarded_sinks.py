"""Sinks whose one argument decides whether they run anything (`guard` in rules/sinks.toml:
yaml.load's Loader=, numpy.load's allow_pickle=, torch.load's weights_only=), and anyio's
run_process, which runs a `str` through the shell and a list without one (`shell = 'string'`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.judge.catalogue import CatalogueError, sink_from_dict
from tests.conftest import findings, scan_files

_VIEW = "import yaml, numpy, torch\nfrom flask import request\ndef view(**opts):\n    {call}\n"


@pytest.mark.parametrize(
    ("call", "sink"),
    [
        ("yaml.load(request.get_data())", "yaml.load"),  # no loader: unsafe before PyYAML 5.4
        ("yaml.load(request.get_data(), Loader=yaml.CLoader)", "yaml.load"),
        ("yaml.load(request.get_data(), **opts)", "yaml.load"),  # may hold Loader=
        ("yaml.load(request.get_data(), Loader=opts['loader'])", "yaml.load"),
        ("numpy.load(request.files['f'], None, True)", "numpy.load"),
        ("numpy.load(request.files['f'], allow_pickle=opts['p'])", "numpy.load"),
        ("torch.load(request.files['f'], weights_only=opts['w'])", "torch.load"),
    ],
)
def test_an_unsafe_or_unknown_guard_is_reported(call: str, sink: str, tmp_path: Path) -> None:
    found = scan_files(tmp_path, {"app.py": _VIEW.format(call=call)})
    assert [(f.sink, f.rule, f.origin) for f in found] == [(sink, "AUD003", "remote-input")]


@pytest.mark.parametrize(
    "call",
    [
        "yaml.load(request.get_data(), yaml.FullLoader)",  # safe since PyYAML 5.4
        "yaml.load(request.get_data(), Loader=yaml.loader.SafeLoader)",
        "numpy.load(request.files['f'], None, False)",
        "torch.load(request.files['f'], weights_only=True)",
    ],
)
def test_a_safe_guard_is_not_reported(call: str, tmp_path: Path) -> None:
    assert scan_files(tmp_path, {"app.py": _VIEW.format(call=call)}) == []


def test_a_guard_bound_to_a_constant_name(tmp_path: Path) -> None:
    code = (
        "import numpy\nfrom flask import request\nPICKLE = {v}\ndef view():\n"
        "    numpy.load(request.files['f'], allow_pickle=PICKLE)\n"
    )
    assert scan_files(tmp_path, {"a.py": code.format(v="False")}) == []
    found = scan_files(tmp_path, {"a.py": code.format(v="True")})
    assert [f.sink for f in found] == ["numpy.load"]


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (
            "import anyio\nasync def f(h):\n    await anyio.run_process('ping ' + h)",
            "dynamic-shell",
        ),
        (
            "import anyio\nasync def f(h):\n    await anyio.run_process(['ping', h])",
            "fixed-program",
        ),
        (
            "import anyio\nasync def f():\n    await anyio.run_process('ls | wc -l')",
            "constant-shell",
        ),
        (
            "import anyio\nasync def f():\n    await anyio.run_process(['ls', '-l'])",
            "constant-command",
        ),
    ],
)
def test_anyio_runs_a_string_through_the_shell(code: str, category: str) -> None:
    assert [f.category for f in findings(code)] == [category]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"guard-missing": "maybe", "guard": "x"}, "'guard-missing' must be one of safe, unsafe"),
        ({"safe": ["True"]}, "need 'guard'"),
        ({"guard": 1}, "'guard' must be a str"),
    ],
)
def test_guard_keys_are_validated(entry: dict[str, object], message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        sink_from_dict({"name": "x.load", "form": "data", **entry}, "sink #1")
