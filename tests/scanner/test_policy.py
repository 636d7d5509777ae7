"""Policy loading: defaults, pyproject/auditor.toml discovery, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.policy import PolicyError, load_policy


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_follow_the_users_audit(tmp_path: Path) -> None:
    policy = load_policy(tmp_path)
    assert policy.source is None
    assert "scripts/canonical/**" in policy.trusted_paths
    assert "systemctl status *" in policy.trusted_commands
    described = policy.describe()
    must = {i["rule"] for i in described["must_isolate"]}
    assert must == {"AUD101", "AUD102", "AUD103"}


def test_found_upward_from_the_scanned_path(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.auditor]\ntrusted_paths = ["ops/**"]\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    policy = load_policy(deep)
    assert policy.trusted_paths == ("ops/**",)
    assert policy.root == str(tmp_path.resolve())


def test_pyproject_without_tool_auditor_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nexclude = ["x/**"]\n')
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load_policy(tmp_path / "sub").exclude == ("x/**",)


def test_auditor_toml_and_extend(tmp_path: Path) -> None:
    write(tmp_path / "auditor.toml", 'extend_trusted_commands = ["uptime"]\n')
    policy = load_policy(tmp_path)
    assert policy.trusted_commands[-1] == "uptime"
    assert "systemctl status *" in policy.trusted_commands


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("trusted_path = []", "unknown key 'trusted_path' (did you mean 'trusted_paths'?)"),
        ('trusted_paths = "scripts/**"', "'trusted_paths' must be a list of strings"),
        ("max_file_size = -1", "'max_file_size' must be a positive integer"),
        ("[tool.auditor.classes.dynamic-shell]\nrisk = 'severe'", "must be high, medium or low"),
        (
            "[tool.auditor.classes.dynamic-shell]\nrule = 'X1'",
            "unknown key 'classes.dynamic-shell.rule'",
        ),
        ("[tool.auditor.classes.nope]\nrisk = 'low'", "unknown class 'classes.nope'"),
        ("[[tool.auditor.sinks]]\nname = 'a.b'\nkind = 'shell'", "sinks #1: 'kind' must be one of"),
        (
            "[[tool.auditor.sinks]]\nname = 'a.b'\npayload = 'x'",
            "sinks #1: 'payload' must be a int",
        ),
        ("[[tool.auditor.sinks]]\nkind = 'code'", "sinks #1: missing key 'name'"),
        ("sandbox = 3", "'sandbox' must be a table"),
    ],
)
def test_bad_policy_is_a_one_line_error_naming_the_key(
    tmp_path: Path, body: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "pyproject.toml", "[tool.auditor]\n" + body + "\n")
    with pytest.raises(PolicyError, match=r"pyproject\.toml") as info:
        load_policy(tmp_path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    # and through the CLI: exit 2, one line on stderr, no traceback
    (tmp_path / "m.py").write_text("x = 1\n")
    assert main(["scan", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.auditor]\nexclude = [1,,]\nx = 1\n")
    with pytest.raises(PolicyError, match=r"pyproject.toml: invalid TOML: .*line"):
        load_policy(tmp_path)


def test_policy_command_prints_both_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.auditor]\ntrusted_paths = ["ops/**"]\n')
    assert main(["policy", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MUST be isolated:" in out and "MAY run directly:" in out
    assert "files under ops/**" in out
    assert main(["policy", str(tmp_path), "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["trusted_paths"] == ["ops/**"]
    assert data["classes"]["dynamic-shell"]["rule"] == "AUD101"
