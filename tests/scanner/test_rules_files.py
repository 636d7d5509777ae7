"""auditor's own TOML files parsed through their kept JSON form (auditor.rules_files)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from auditor import rules_files
from auditor.rules_files import folder, package_toml, rule_data

TEXT = 'name = "x"\n[[entry]]\nnames = ["a", "b"]\nlimit = 3\nratio = 0.5\non = true\n'


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Writing allowed (the suite may run with PYTHONDONTWRITEBYTECODE), into a temporary
    folder rather than the checkout's."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(rules_files, "_json_folder", lambda: tmp_path / "kept")
    return tmp_path / "kept"


def test_the_parse_is_kept_and_read_back_equal(kept: Path) -> None:
    first = package_toml(TEXT)
    [file] = list(kept.iterdir())
    assert first == tomllib.loads(TEXT)
    file.write_text('{"name": "from the kept file"}')  # read back, not parsed again
    assert package_toml(TEXT) == {"name": "from the kept file"}


def test_a_changed_text_is_parsed_again(kept: Path) -> None:
    package_toml(TEXT)
    assert package_toml(TEXT.replace("limit = 3", "limit = 4"))["entry"][0]["limit"] == 4
    assert len(list(kept.iterdir())) == 2


def test_a_damaged_kept_file_is_parsed_again(kept: Path) -> None:
    package_toml(TEXT)
    [file] = list(kept.iterdir())
    for damage in ("{not json", "[1, 2]", ""):
        file.write_text(damage)
        assert package_toml(TEXT) == tomllib.loads(TEXT)


def test_nothing_is_kept_without_bytecode_or_for_what_json_cannot_hold(
    kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package_toml("when = 1979-05-27\n")  # a date: not JSON
    assert not kept.exists() or not list(kept.iterdir())
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    package_toml(TEXT)
    assert not kept.exists() or not list(kept.iterdir())


def test_an_unwritable_folder_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(rules_files, "_json_folder", lambda: blocker / "kept")
    assert package_toml(TEXT) == tomllib.loads(TEXT)


def test_a_bad_text_raises_as_tomllib_does(kept: Path) -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        package_toml("name = \n")


def test_every_rule_file_reads_the_same_through_its_kept_form(kept: Path) -> None:
    names = sorted(p.relative_to(folder()).as_posix() for p in folder().rglob("*.toml"))
    assert "sinks.toml" in names and "launchers.toml" in names
    for name in names:
        parsed = tomllib.loads((folder() / name).read_text("utf-8"))
        assert rule_data(name) == parsed, name  # parsed, then kept
        assert rule_data(name) == parsed, name  # read back


def test_the_kept_file_is_readable_by_every_user(kept: Path) -> None:
    # a checkout's or an install's folder, written by its owner, read by others too
    package_toml(TEXT)
    [file] = list(kept.iterdir())
    assert file.stat().st_mode & 0o777 == 0o644
