"""The parsers never raise on garbage: every problem is a one-line error with file and line
within the file, and the checks run on whatever was read."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from auditor.findings import ScanError
from auditor.system.checks import check_sudoers, check_unit
from auditor.system.sudoers import parse_file, parse_text
from auditor.system.units import load_units

SUDOERS_TOKENS = [
    "u", "%wheel", "ALL", "=", "(", ")", "(ALL)", "(root : adm)", ":", ",", "\\", "#", "#1000",
    "NOPASSWD:", "SETENV:", "BOGUS:", "/bin/sh", "/usr/bin/pkill", "-f", "*", '""', "!",
    "Cmnd_Alias", "User_Alias", "X", "lower", "Defaults", "Defaults:u", "!authenticate",
    "env_keep", "+=", '"LD_PRELOAD"', "@include", "#includedir", "sha256:abc", "CWD=/tmp",
    "sudoedit", "\t", "é", "\x00",
]  # fmt: skip
UNIT_TOKENS = [
    "[Service]", "[Slice]", "[Scope]", "[Unit", "[]", "Restart", "=", "no", "MemoryLimit=1G",
    "TasksMax=infinity", "\\", "#", ";", "X-Foo=1", "ExecStart=/bin/true", "words", "é",
    "MemoryMax=", "Slice=a.slice", "\x00",
]  # fmt: skip


def _garbage(rng: random.Random, tokens: list[str], lines: int) -> str:
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(tokens) for _ in range(rng.randint(0, 8))))
    return "\n".join(out) + rng.choice(["", "\n", "\\\n", "\\"])


def _check_errors(errors: list[ScanError], path: str, lines: int) -> None:
    for e in errors:
        assert e.path == path and "\n" not in e.message
        assert e.line is None or 1 <= e.line <= lines + 1


@pytest.mark.parametrize("seed", range(40))
def test_sudoers_garbage(seed: int) -> None:
    rng = random.Random(seed)
    text = _garbage(rng, SUDOERS_TOKENS, 30)
    parsed = parse_text(text, "g")
    _check_errors(parsed.errors, "g", text.count("\n") + 1)
    for f in check_sudoers(parsed, ["*"]):
        assert f.path == "g" and 1 <= f.line <= f.end_line


@pytest.mark.parametrize("seed", range(40))
def test_unit_garbage(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    text = _garbage(rng, UNIT_TOKENS, 30)
    names = ["x.service", "x.slice", "x-sandbox.scope", "x.service.d/a.conf"]
    path = tmp_path / rng.choice(names)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    errors: list[ScanError] = []
    for unit in load_units([path], {path: "g"}, errors):
        for f in check_unit(unit):
            assert f.path == "g" and f.line >= 1
    _check_errors(errors, "g", text.count("\n") + 1)


def test_binary_sudoers_file(tmp_path: Path) -> None:
    path = tmp_path / "bin"
    path.write_bytes(bytes(range(256)) * 4)
    parsed = parse_file(path, "bin")
    assert parsed.errors  # not valid UTF-8, and lines it cannot read
    _check_errors(parsed.errors, "bin", 100)
