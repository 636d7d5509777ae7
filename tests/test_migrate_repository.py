"""Whole-repository migration of a real third-party package (click, a dependency of
auditor, so always installed), and the codemods under libcst's own runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from auditor.api import scan
from auditor.cli import main


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_migrate_apply_on_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = Path(click.__file__).parent
    repo = tmp_path / "repo"
    shutil.copytree(source, repo / "click", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "vendored click")
    monkeypatch.chdir(repo)
    before = _snapshot(repo)

    assert main(["migrate", "--apply", "click"]) == 0
    summary = capsys.readouterr().err
    assert "route-to-sandbox: 0 site(s)" not in summary  # click runs pagers, editors...
    after = _snapshot(repo)
    assert set(after) == set(before)  # no file added or removed (no temporary file left)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed
    assert f"{len(changed)} file(s) written" in summary
    for name, data in after.items():
        if name.endswith(".py"):
            compile(data, name, "exec", dont_inherit=True)
    # untouched files are byte-identical, and git sees only the changed files
    assert _git(repo, "diff", "--name-only").split() == changed
    for name in set(before) - set(changed):
        assert after[name] == before[name]
    # in the rewritten files, every site is now isolated, allowed, or was listed for review
    findings = scan(changed).findings
    assert any(f.sink.startswith("auditor.sandbox.") and f.isolated for f in findings)
    for finding in findings:
        if not finding.isolated and finding.action != "allow" and not finding.suppressed:
            assert f"{finding.rule} {finding.sink}()" in summary
    # a second run (the migrated files committed) changes nothing
    _git(repo, "commit", "-qam", "migrated")
    assert main(["migrate", "--apply", "click"]) == 0
    assert "0 file(s) written" in capsys.readouterr().err
    assert _snapshot(repo) == after


def test_codemods_run_under_libcst_tool(tmp_path: Path) -> None:
    target = tmp_path / "prog.py"
    target.write_text(
        "import subprocess\n"
        'subprocess.run("ls -l", shell=True)\n'
        "\n"
        "def f(cmd, expr):\n"
        "    subprocess.run(cmd, shell=True)\n"
        "    return eval(expr) == 1\n"
    )
    second = tmp_path / "second.py"
    second.write_text("import os\n\ndef g(c):\n    return os.system(c)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for module in (
        "auditor.codemods.shell_to_argv.ShellToArgv",
        "auditor.codemods.route_to_sandbox.RouteToSandbox",
        "auditor.codemods.eval_exec_to_sandbox.EvalExecToSandbox",
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "libcst.tool", "codemod", "--no-format", "-x", module, "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Failed to codemod 0 files" in proc.stderr
    assert target.read_text() == (
        "import subprocess\n"
        "from auditor import sandbox\n"
        'subprocess.run(["ls", "-l"])\n'
        "\n"
        "def f(cmd, expr):\n"
        "    sandbox.run(cmd, shell=True)\n"
        "    return sandbox.eval_python(expr) == 1\n"
    )
    # every file of the run gets its own import
    assert second.read_text() == (
        "from auditor import sandbox\n\ndef g(c):\n    return sandbox.system(c)\n"
    )
