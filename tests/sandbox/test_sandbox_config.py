"""[tool.auditor.sandbox] in the nearest pyproject.toml overrides the defaults."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from auditor import sandbox
from auditor.sandbox import config


def _project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(body)
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    return sub


def test_defaults_without_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, "[project]\nname = 'x'\n"))
    s = sandbox.load_settings()
    assert s.limits == sandbox.Limits()
    assert (s.profile, s.python_profile, s.allow_degraded, s.cgroup) == (
        "standard",
        "strict",
        False,
        "auto",
    )


def test_table_found_upward_overrides_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = _project(
        tmp_path,
        "[tool.auditor.sandbox]\n"
        'memory = "64M"\ncpu_time = 5\npids = 12\nopen_files = 40\n'
        'profile = "strict"\nallow_degraded = true\ncgroup = "off"\n',
    )
    monkeypatch.chdir(sub)
    s = sandbox.load_settings()
    assert s.limits.memory_bytes == 64 << 20
    assert (s.limits.cpu_time, s.limits.pids, s.limits.open_files) == (5, 12, 40)
    assert (s.profile, s.allow_degraded, s.cgroup) == ("strict", True, "off")
    assert s.source == str(tmp_path / "pyproject.toml")
    # run() picks them up: strict profile, 40 open files, no cgroup.
    r = sandbox.run(["sh", "-c", "ulimit -n"], capture_output=True, text=True)
    assert r.stdout == "40\n"
    assert "readonly-root" in r.isolation
    assert "cgroup" not in r.isolation
    # Explicit arguments win over the file.
    r = sandbox.run(
        ["sh", "-c", "ulimit -n"],
        capture_output=True,
        text=True,
        profile="standard",
        limits=sandbox.Limits(open_files=50),
    )
    assert r.stdout == "50\n"
    assert "readonly-root" not in r.isolation


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 'red'", "key 'colour' is unknown"),
        ("memory = true", "key 'memory' is invalid"),
        ("pids = 'many'", "key 'pids' is invalid"),
        ("profile = 'lax'", "key 'profile' must be one of"),
        ("allow_degraded = 'yes'", "key 'allow_degraded' must be true or false"),
        ("cgroup = 'maybe'", "key 'cgroup' must be one of"),
    ],
)
def test_bad_table_is_a_one_line_error_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.chdir(_project(tmp_path, f"[tool.auditor.sandbox]\n{body}\n"))
    with pytest.raises(ValueError, match=message) as info:
        sandbox.load_settings()
    assert isinstance(info.value, sandbox.SandboxConfigError)
    assert "\n" not in str(info.value)
    with pytest.raises(sandbox.SandboxConfigError):
        sandbox.run(["true"])


def test_find_pyproject_stops_at_the_nearest(tmp_path: Path) -> None:
    sub = _project(tmp_path, "")
    (sub / "pyproject.toml").write_text("")
    assert config.find_pyproject(sub) == sub / "pyproject.toml"
    assert config.find_pyproject(sub.parent) == tmp_path / "pyproject.toml"


def test_cached_lookup_sees_new_nearer_and_edited_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """find_pyproject caches per cwd and revalidates with one stat per directory: a file
    created nearer to the cwd, or an edited one, is picked up on the next run."""
    sub = _project(tmp_path, '[tool.auditor.sandbox]\nmemory = "64M"\n')
    old = time.time_ns() - 100 * 10**9  # older than the racy window: the lookup is cached

    def age(*paths: Path) -> None:
        for p in paths:
            os.utime(p, ns=(old, old))

    age(tmp_path, tmp_path / "src", sub, tmp_path / "pyproject.toml")
    monkeypatch.chdir(sub)
    assert sandbox.load_settings().limits.memory_bytes == 64 << 20
    assert (os.getcwd(), "") in config._found  # cached
    # A nearer file appears: its directory's mtime changes.
    (sub / "pyproject.toml").write_text('[tool.auditor.sandbox]\nmemory = "32M"\n')
    assert sandbox.load_settings().limits.memory_bytes == 32 << 20
    # It goes again, and the outer one is edited (same size, its own mtime changes).
    (sub / "pyproject.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.auditor.sandbox]\nmemory = "16M"\n')
    age(sub, tmp_path / "pyproject.toml")
    os.utime(tmp_path / "pyproject.toml", ns=(old + 10**9, old + 10**9))
    assert sandbox.load_settings().limits.memory_bytes == 16 << 20


def test_require_from_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, '[tool.auditor.sandbox]\nrequire = ["memory"]\n'))
    assert sandbox.load_settings().require == ("memory",)
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(_project(tmp_path / "b", '[tool.auditor.sandbox]\nrequire = ["disk"]\n'))
    with pytest.raises(sandbox.SandboxConfigError, match="'require' must be a list of"):
        sandbox.load_settings()
