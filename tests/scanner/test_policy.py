"""Policy loading: defaults, pyproject/auditor.toml discovery, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.judge.policy import PolicyError, load_policy


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_trust_no_path_and_no_command(tmp_path: Path) -> None:
    policy = load_policy(tmp_path)
    assert policy.source is None
    assert policy.trusted_paths == () and policy.trusted_commands == ()
    described = policy.describe()
    must = {i["rule"] for i in described["must_isolate"]}
    assert must == {"AUD001", "AUD002", "AUD003", "AUD005", "AUD101", "AUD102", "AUD103"}


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
    write(
        tmp_path / "auditor.toml",
        'extends = "isolation-audit"\nextend_trusted_commands = ["uptime"]\n',
    )
    policy = load_policy(tmp_path)
    assert policy.trusted_commands == ("systemctl status *", "journalctl -u *", "uptime")
    assert policy.trusted_paths == ("scripts/canonical/**",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("trusted_path = []", "unknown key 'trusted_path' (did you mean 'trusted_paths'?)"),
        ('trusted_paths = "scripts/**"', "'trusted_paths' must be a list of strings"),
        ("max_file_size = -1", "'max_file_size' must be a positive integer"),
        (
            "[tool.auditor.classes.dynamic-shell]\nrisk = 'severe'",
            "must be critical, high, medium or low",
        ),
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


# -- trust is opt-in: presets and where each trust rule comes from (issue 13, part 3) ---------


def test_built_in_defaults_trust_nothing_from_the_users_audit() -> None:
    from tests.conftest import findings

    [f] = findings("import os\nos.system(input())\n", path="scripts/canonical/job.py")
    assert (f.trusted_by, f.risk, f.action) == (None, "high", "isolate")
    [g] = findings("import subprocess\nsubprocess.run(['systemctl', 'status', 'x'])\n")
    assert g.trusted_by is None


def test_a_preset_is_opt_in_and_named_as_the_source(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nextends = "isolation-audit"\n')
    policy = load_policy(tmp_path)
    assert policy.extends == ("isolation-audit",)
    assert policy.trusted_paths == ("scripts/canonical/**",)
    source = policy.trust_source("path:scripts/canonical/**")
    assert source is not None and source.describe() == "preset isolation-audit"


def test_the_projects_own_rules_name_their_file_and_line(tmp_path: Path) -> None:
    config = write(
        tmp_path / "pyproject.toml",
        "[tool.other]\n"
        'trusted_paths = ["ops/**"]\n'
        "\n"
        "[tool.auditor]\n"
        'extends = ["isolation-audit"]\n'
        "trusted_paths = [\n"
        '    "tools/**",\n'
        "    'ops/**',\n"
        "]\n"
        "extend-trusted-commands = ['uptime']\n",
    )
    policy = load_policy(tmp_path)
    assert policy.trusted_paths == ("tools/**", "ops/**")  # the project's list replaces
    lines = {k: (v.kind, v.name, v.line) for k, v in policy.trust_sources.items()}
    assert lines["path:tools/**"] == ("project", str(config), 7)
    assert lines["path:ops/**"] == ("project", str(config), 8)
    assert lines["command:uptime"] == ("project", str(config), 10)
    assert lines["command:systemctl status *"] == ("preset", "isolation-audit", None)


def test_an_unknown_preset_is_a_one_line_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.auditor]\nextends = "isolation-audti"\n')
    with pytest.raises(
        PolicyError,
        match=r"unknown preset 'isolation-audti' in 'extends' \(known: isolation-audit\)",
    ):
        load_policy(tmp_path)
    write(tmp_path / "pyproject.toml", "[tool.auditor]\nextends = 3\n")
    with pytest.raises(PolicyError, match="'extends' must be a preset name or a list of them"):
        load_policy(tmp_path)


def test_every_preset_loads_and_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.judge.policy import build_policy, presets

    assert "isolation-audit" in presets()
    for name in presets():
        build_policy({"extends": name}, "test")
    assert main(["policy", "--presets"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("isolation-audit: ")


def test_policy_command_shows_where_trust_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.auditor]\nextends = "isolation-audit"\nextend_trusted_paths = ["ops/**"]\n',
    )
    monkeypatch.chdir(tmp_path)
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    assert "Presets: isolation-audit" in out
    assert "files under scripts/canonical/**  [from preset isolation-audit]" in out
    assert f"files under ops/**  [from {tmp_path / 'pyproject.toml'}:3]" in out


def test_the_audit_document_names_the_source_of_each_trust_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.auditor]\nextends = "isolation-audit"\nextend_trusted_paths = ["ops/**"]\n',
    )
    write(tmp_path / "ops" / "job.py", "import os\nos.system(input())\n")
    write(tmp_path / "scripts" / "canonical" / "job.py", "import os\nos.system(input())\n")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert "Files under `ops/**` (trusted code), from `pyproject.toml`, line 3" in text
    assert "Files under `scripts/canonical/**` (trusted code), from the preset" in text
    assert "(trusted by the policy: `path:ops/**`, from `pyproject.toml`, line 3)" in text
    assert main(["report", "--no-cache", "--lang", "pt-BR"]) == 0
    assert "conforme o preset `isolation-audit`" in capsys.readouterr().out
