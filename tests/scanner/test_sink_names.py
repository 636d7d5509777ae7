"""Sink names built at run time from constants, and lookups in a module's namespace
(``builtins``, ``__builtins__``, ``os``, ``subprocess``...): a name the scanner can compute is
resolved to what it names (a sink's finding, or none), and a lookup in a module that holds
a sink by a name it cannot compute is a function called by a name chosen at run time
(AUD105), never silence. Every case is scanned as a project folder through the public API,
so that the text and tree checks before the parse (auditor/scan/prefilter.py) take part, and
compared with a scan without them."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.judge.catalogue import Catalogue, builtin_sinks
from auditor.rules_files import folder
from auditor.scan.prefilter import SinkWords, text_may_report
from tests.conftest import make_policy

HEAD = "import builtins, importlib\ndef f(code, cond):\n"

# (the body line of f, (rule, sink) of its one finding)
REPRODUCERS = [
    (
        '(getattr(__builtins__, "exec") if cond else __builtins__["exec"])(code)',
        ("AUD103", "builtins.exec"),
    ),
    ('vars(builtins)["".join(["ex", "ec"])](code)', ("AUD103", "builtins.exec")),
    (
        "getattr(builtins, bytes([101, 120, 101, 99]).decode())(code)",
        ("AUD103", "builtins.exec"),
    ),
    ('getattr(builtins, "ex" + "ec")(code)', ("AUD103", "builtins.exec")),
    ('getattr(builtins, "{}{}".format("ev", "al"))(code)', ("AUD103", "builtins.eval")),
    ('builtins.__dict__["exec"](code)', ("AUD103", "builtins.exec")),
    ('__builtins__.__dict__["eval"](code)', ("AUD103", "builtins.eval")),
    ('__import__("o" + "s").system(code)', ("AUD101", "os.system")),
    ('getattr(__import__("os"), "sys" + "tem")(code)', ("AUD101", "os.system")),
    ('importlib.import_module("subprocess").run(code, shell=True)', ("AUD101", "subprocess.run")),
    (
        'getattr(importlib.import_module("sub" + "process"), "Popen")(code, shell=True)',
        ("AUD101", "subprocess.Popen"),
    ),
    ('e = getattr(builtins, "exec"); e(code)', ("AUD103", "builtins.exec")),
    ('name = "ex" + "ec"; getattr(builtins, name)(code)', ("AUD103", "builtins.exec")),
    # the name cannot be known: a function chosen by name among the builtins
    ("getattr(builtins, cond)(code)", ("AUD105", "builtins.getattr")),
    ("builtins.__dict__[cond](code)", ("AUD105", "builtins.vars")),
]

# more spellings of the same: (body line, (rule, sink))
VARIANTS = [
    ('__builtins__["ex" + "ec"](code)', ("AUD103", "builtins.exec")),
    ('__builtins__.get("exec")(code)', ("AUD103", "builtins.exec")),
    ('vars(builtins).get("".join(["ex", "ec"]))(code)', ("AUD103", "builtins.exec")),
    ('x = vars(builtins); x["exec"](code)', ("AUD103", "builtins.exec")),
    ('b = __builtins__; b["exec"](code)', ("AUD103", "builtins.exec")),
    ('builtins.__getattribute__("exec")(code)', ("AUD103", "builtins.exec")),
    ('import os\n    vars(os)["sys" + "tem"](code)', ("AUD101", "os.system")),
    ('import sys\n    sys.modules["builtins"].__dict__["exec"](code)', ("AUD103", "builtins.exec")),
    ('from sys import modules\n    modules["os"].system(code)', ("AUD101", "os.system")),
    ('importlib.__import__("os").system(code)', ("AUD101", "os.system")),
    ('getattr(builtins, f"\\x65xec")(code)', ("AUD103", "builtins.exec")),
    ('getattr(builtins, "ex" f"ec")(code)', ("AUD103", "builtins.exec")),
    ('builtins.__dict__.__getitem__("exec")(code)', ("AUD103", "builtins.exec")),
    ('object.__getattribute__(builtins, "exec")(code)', ("AUD103", "builtins.exec")),
    ('type(builtins).__getattribute__(builtins, "exec")(code)', ("AUD103", "builtins.exec")),
    (
        'import operator\n    operator.getitem(vars(builtins), "exec")(code)',
        ("AUD103", "builtins.exec"),
    ),
    ('globals()["__builtins__"]["exec"](code)', ("AUD103", "builtins.exec")),
    # a choice: a sink any branch reaches is the finding
    ('getattr(builtins, "print" if cond else "exec")(code)', ("AUD103", "builtins.exec")),
    ('(getattr(builtins, "print") if cond else builtins.exec)(code)', ("AUD103", "builtins.exec")),
    ('(getattr(builtins, "print") or builtins.exec)(code)', ("AUD103", "builtins.exec")),
    ("(builtins.print if cond else getattr(builtins, cond))(code)", ("AUD105", "builtins.getattr")),
    # names not known: every namespace of a module of sinks
    ("__builtins__[cond](code)", ("AUD105", "builtins.vars")),
    ("vars(builtins)[cond](code)", ("AUD105", "builtins.vars")),
    ("builtins.__dict__.get(cond)(code)", ("AUD105", "builtins.vars")),
    ("f = builtins.__dict__.get(cond); f(code)", ("AUD105", "builtins.vars")),
    ("builtins.__getattribute__(cond)(code)", ("AUD105", "builtins.getattr")),
    ("import os\n    os.__dict__[cond](code)", ("AUD105", "builtins.vars")),
    ("import os\n    os.__getattribute__(cond)(code)", ("AUD105", "builtins.getattr")),
    ('import sys\n    sys.modules["os"].__dict__[cond](code)', ("AUD105", "builtins.vars")),
    ("getattr(__import__('os'), cond)(code)", ("AUD105", "builtins.getattr")),
    # a name chosen at run time given to a sink module with shell=: the lookup, not a wrapper
    (
        "import subprocess\n    getattr(subprocess, cond)(code, shell=True)",
        ("AUD105", "builtins.getattr"),
    ),
    (
        'getattr(importlib.import_module("subprocess"), cond)(code, shell=True)',
        ("AUD105", "builtins.getattr"),
    ),
    # a constant part that a sink of the module may complete ("ex" + "ec")
    ('getattr(builtins, "ex" + cond)(code)', ("AUD105", "builtins.getattr")),
    # constants the scanner does not compute: not known, so a choice
    ('getattr(builtins, "".join(sorted(["ex", "ec"])))(code)', ("AUD105", "builtins.getattr")),
    ('__import__("".join(sorted(["o", "s"]))).system(code)', ("AUD105", "builtins.getattr")),
    (
        'm = __import__("".join(sorted(["o", "s"]))); m.system(code)',
        ("AUD105", "builtins.getattr"),
    ),
    # a module chosen by name among those loaded
    ("import sys\n    sys.modules[cond].system(code)", ("AUD105", "builtins.getattr")),
    ("import sys\n    sys.modules.get(cond).popen(code)", ("AUD105", "builtins.getattr")),
    (
        'n = ["pr", "int"]; n[0] = "ex"; n[1] = "ec"; getattr(builtins, "".join(n))(code)',
        ("AUD105", "builtins.getattr"),
    ),
]

# (body line): no finding
NEGATIVES = [
    'getattr(builtins, "print")(code)',
    'vars(builtins)["".join(["pr", "int"])](code)',
    'x = "".join(["pr", "int"])',
    "getattr(builtins, bytes([112, 114, 105, 110, 116]).decode())(code)",
    'getattr(builtins, "{}{}".format("pr", "int"))(code)',
    'builtins.__dict__["print"](code)',
    '__builtins__.get("print")(code)',
    '__import__("o" + "s").getcwd()',
    'getattr(builtins, "EXEC".upper())(code)',  # "EXEC": no builtin
    'getattr(builtins, "print" if cond else "len")(code)',
    # a constant part no sink of the module has
    'getattr(builtins, "visit_" + cond)(code)',
    'import os\n    getattr(os, "get" + cond)(code)',
    # a lookup in an object that holds no sink, by a name not known: latent (AUD006 only
    # when the name comes from a request or a model)
    "import hashlib\n    hashlib.__dict__[cond](code)",
    "getattr(self_like, cond)(code)",
    # a module chosen by name whose function is no sink's name
    "import sys\n    sys.modules[cond].getcwd()",
]


def _scan_line(root: Path, line: str, prefilter: bool = True) -> list[Finding]:
    (root / "m.py").write_text(HEAD + f"    {line}\n")
    result = scan([root], policy=make_policy(root=str(root)), jobs=1, prefilter=prefilter)
    assert result.errors == []
    return result.findings


def _check(tmp_path: Path, line: str, expected: list[tuple[str, str]]) -> None:
    found = _scan_line(tmp_path, line)
    assert [(f.rule, f.sink) for f in found] == expected
    # the text and tree checks before the parse never skip a file that holds one
    assert [(f.rule, f.sink) for f in _scan_line(tmp_path, line, prefilter=False)] == expected


@pytest.mark.parametrize(("line", "expected"), REPRODUCERS, ids=[c[0] for c in REPRODUCERS])
def test_a_sink_named_at_run_time_is_reported(
    tmp_path: Path, line: str, expected: tuple[str, str]
) -> None:
    _check(tmp_path, line, [expected])


@pytest.mark.parametrize(("line", "expected"), VARIANTS, ids=[c[0] for c in VARIANTS])
def test_more_spellings_of_a_sink_named_at_run_time(
    tmp_path: Path, line: str, expected: tuple[str, str]
) -> None:
    _check(tmp_path, line, [expected])


@pytest.mark.parametrize("line", NEGATIVES)
def test_a_name_that_names_no_sink_is_no_finding(tmp_path: Path, line: str) -> None:
    _check(tmp_path, line, [])


def _names_table() -> dict[str, list[str]]:
    return tomllib.loads((folder() / "names.toml").read_text("utf-8"))


@pytest.mark.parametrize("example", _names_table()["must-resolve"])
def test_the_names_table_examples_resolve(tmp_path: Path, example: str) -> None:
    line, sink = (part.strip() for part in example.split("=>"))
    found = _scan_line(tmp_path, line)
    assert [f.sink for f in found] == [sink]
    assert found[0].rule in ("AUD101", "AUD103")


@pytest.mark.parametrize("example", _names_table()["must-not-report"])
def test_the_names_table_examples_not_reported(tmp_path: Path, example: str) -> None:
    _check(tmp_path, example, [])


def test_a_name_of_too_many_constants_is_a_choice_not_a_subset(tmp_path: Path) -> None:
    # 20 constant values, the sink's last: keeping only the first few would drop it
    branches = "".join(f"    if cond == {i}:\n        n = 'nosuch{i}'\n" for i in range(20))
    (tmp_path / "m.py").write_text(
        "import os\ndef f(code, cond):\n    n = 'getcwd'\n"
        + branches
        + "    if cond == 99:\n        n = 'system'\n    getattr(os, n)(code)\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert [(f.rule, f.sink) for f in result.findings] == [("AUD105", "builtins.getattr")]


def test_the_text_check_keeps_a_namespace_lookup_without_a_sink_name() -> None:
    words = SinkWords.of(Catalogue(builtin_sinks()))
    # no sink's name in the text: the namespace decides
    assert text_may_report("__builtins__[name](code)\n", words)
    assert text_may_report("import builtins\nbuiltins.__dict__[name](code)\n", words)
    assert text_may_report("import os\nos.__getattribute__(name)(code)\n", words)
    # no sink module in use, no builtins namespace: nothing to find
    assert not text_may_report("class A:\n    def f(self):\n        self.__dict__[k]()\n", words)


def test_the_cli_reports_every_reproducer(tmp_path: Path) -> None:
    for i, (line, _) in enumerate(REPRODUCERS):
        (tmp_path / f"r{i:02d}.py").write_text(HEAD + f"    {line}\n")
    run = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--format", "json", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    got = {Path(f["path"]).name: (f["rule"], f["sink"]) for f in document["findings"]}
    assert len(document["findings"]) == len(REPRODUCERS)
    assert got == {f"r{i:02d}.py": expected for i, (_, expected) in enumerate(REPRODUCERS)}


@pytest.mark.parametrize(
    "line",
    [
        '__builtins__.get("ex" + "ec")(code)',
        '__builtins__["ex" + "ec"](code)',
        'operator.getitem(vars(__builtins__), "ex" + "ec")(code)',
        "__builtins__[name](code)",
    ],
)
def test_the_builtins_namespace_needs_no_import(tmp_path: Path, line: str) -> None:
    # __builtins__ is bound in every module: no import names it, no sink name is written
    (tmp_path / "m.py").write_text(f"def f(code, name):\n    {line}\n")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert [f.rule for f in result.findings] == ["AUD105" if "name]" in line else "AUD103"]
