"""The pre-commit hook, end to end with the real pre-commit: ``try-repo`` against a local git
copy of this project runs ``auditor check`` on the staged files of a temporary repository.

pre-commit pip-installs the copy into its own environment under PRE_COMMIT_HOME (a temporary
folder here); that needs the package index, as any first use of the hook does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
PROJECT_ITEMS = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")
PROJECT_DIRS = ("auditor", "rules", "reports", "codemods")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=540, check=False
    )


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    done = _run(["git", *args], cwd, env)
    assert done.returncode == 0, done.stderr


def _hook_repo(target: Path, env: dict[str, str]) -> Path:
    target.mkdir()
    for name in PROJECT_ITEMS:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    _git(target, env, "init", "-q")
    _git(target, env, "add", "-A")
    _git(target, env, "commit", "-q", "-m", "auditor")
    return target


def test_hook_definition() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "auditor-check"
    assert hook["entry"] == "auditor check --changed"
    assert hook["language"] == "python"
    assert "python" in hook["types_or"]


def test_try_repo_fails_a_bad_commit_and_passes_a_clean_one(tmp_path: Path) -> None:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    hook = _hook_repo(tmp_path / "hook", env)
    user = tmp_path / "user"
    user.mkdir()
    _git(user, env, "init", "-q")
    (user / "README.txt").write_text("not python\n", "utf-8")
    (user / "bad.py").write_text("import os\n\n\ndef f(cmd):\n    os.system(cmd)\n", "utf-8")
    _git(user, env, "add", "README.txt", "bad.py")
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(hook), "auditor-check"]

    bad = _run(try_repo, user, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.py:5:5: AUD101 high/isolate" in bad.stdout
    assert "auditor check FAILED: 1 finding at or above high" in bad.stdout
    assert "1 file scanned" in bad.stdout  # only the staged Python file

    _git(user, env, "rm", "-q", "--cached", "bad.py")
    (user / "bad.py").unlink()
    (user / "good.py").write_text(
        'import subprocess\n\n\ndef f():\n    subprocess.run(["ls", "-l"])\n', "utf-8"
    )
    _git(user, env, "add", "good.py")
    good = _run(try_repo, user, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    # a helper committed with a suppression that accepted what reached it then; a staged
    # Flask route now sends request data to it: the commit fails, on the helper's line
    (user / "runner.py").write_text(
        "import subprocess\n\n\ndef run_cmd(cmd):\n"
        "    subprocess.run(cmd, shell=True)  # auditor: ignore[AUD101] cron strings only\n",
        "utf-8",
    )
    _git(user, env, "add", "good.py", "runner.py")
    _git(user, env, "commit", "-q", "-m", "helper")
    (user / "app.py").write_text(
        "from flask import Flask, request\n\nfrom runner import run_cmd\n\n"
        "app = Flask(__name__)\n\n\n@app.get('/')\ndef index():\n"
        "    run_cmd(request.args['c'])\n",
        "utf-8",
    )
    _git(user, env, "add", "app.py")
    routed = _run(try_repo, user, env)
    assert routed.returncode == 1, routed.stdout + routed.stderr
    assert "runner.py:5:5: AUD001 critical/isolate" in routed.stdout
    assert "from app.py:10: the HTTP request (Flask)" in routed.stdout
