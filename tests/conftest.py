from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.judge.policy import Policy, build_policy
from auditor.scan.analyze import Context, FileResult, Options, analyze_source

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli_in_a_new_process(argv: list[str], cwd: Path = REPO) -> dict[str, object]:
    """``auditor.cli.main(argv)`` run in a fresh interpreter: its exit ``code``, ``out``,
    ``err``, and the ``modules`` it loaded (what a command imports, on a cold start)."""
    code = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from auditor.cli import main
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main({argv!r})
        print(json.dumps({{"code": code, "out": out.getvalue(), "err": err.getvalue(),
                           "modules": sorted(sys.modules)}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin"},
    )
    data: dict[str, object] = json.loads(done.stdout)
    return data


def make_policy(table: dict[str, object] | None = None, root: str = "/project") -> Policy:
    return build_policy(dict(table or {}), "test policy", None, root)


def analyze(
    code: str,
    *,
    path: str = "pkg/mod.py",
    policy: Policy | None = None,
    honor_nosec: bool = False,
) -> FileResult:
    ctx = Context(policy or make_policy(), Options(honor_nosec=honor_nosec))
    return analyze_source(textwrap.dedent(code).encode(), path, path, ctx)


def findings(code: str, **kwargs: object) -> list[Finding]:
    result = analyze(code, **kwargs)  # type: ignore[arg-type]
    assert not result.errors, result.errors
    return result.findings


def scan_files(root: Path, files: dict[str, str]) -> list[Finding]:
    """Write ``files`` (path -> code, dedented) under ``root`` and scan them as one project
    (policy rooted there, one job, the project-wide stage on); no file may fail."""
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([root], policy=make_policy(root=str(root)), jobs=1)
    assert result.errors == []
    return result.findings


def scan_run_line(tmp_path: Path, line: str) -> Finding:
    """The one finding of ``line`` written as the body of ``def run(x)`` in a project of
    its own (``import subprocess`` above it), scanned with the project-wide stage."""
    (tmp_path / "app.py").write_text(f"import subprocess\n\n\ndef run(x):\n    {line}\n")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    return finding


@pytest.fixture
def scan_code() -> Callable[..., list[Finding]]:
    return findings


@pytest.fixture(autouse=True)
def _cache_outside_the_repo(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLI runs in tests cache into a temporary folder, never into the fixtures, and keep
    the cache's secret (auditor.scan.cache.local_secret) in another, not the user's."""
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
