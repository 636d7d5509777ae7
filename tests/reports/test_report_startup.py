"""What ``auditor report`` loads on a small project: on the bundled example the fixed costs of
a process (imports, reading tables, compiling the template) are most of its time (issue 17).
A warm report loads neither libcst nor the sandbox's runtime, nor the parsers of deployment
files when the project has none; the document is the cold one, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "llm_backend"
# loaded by the sandbox's runtime (running a command), never by reading its settings
RUNTIME = ("auditor.sandbox.api", "auditor.sandbox.pool", "auditor.sandbox.process")
# the parsers of sudoers files and systemd units
SYSTEM_PARSERS = ("auditor.system.audit", "auditor.system.sudoers", "auditor.system.units")


def _probe(argv: list[str]) -> dict[str, object]:
    code = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from auditor.cli import main
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main({argv!r})
        print(json.dumps({{"code": code, "err": err.getvalue(), "modules": sorted(sys.modules)}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin"},
    )
    data: dict[str, object] = json.loads(done.stdout)
    return data


def _loaded(probe: dict[str, object], names: tuple[str, ...]) -> list[str]:
    modules = probe["modules"]
    assert isinstance(modules, list)
    return [n for n in names if n in modules]


def test_a_warm_report_loads_no_libcst_no_sandbox_runtime_no_system_parsers(
    tmp_path: Path,
) -> None:
    cold_doc, warm_doc = tmp_path / "cold.md", tmp_path / "warm.md"
    cache = ["--cache-dir", str(tmp_path / "cache")]
    cold = _probe(["report", str(EXAMPLE), "-o", str(cold_doc), *cache])
    warm = _probe(["report", str(EXAMPLE), "-o", str(warm_doc), *cache])
    assert (cold["code"], warm["code"]) == (0, 0), (cold["err"], warm["err"])
    assert _loaded(warm, ("libcst", "auditor.planning", "auditor.migrate")) == []
    assert _loaded(warm, RUNTIME) == []
    assert _loaded(warm, SYSTEM_PARSERS) == []
    assert warm_doc.read_bytes() == cold_doc.read_bytes()
    assert "## " in warm_doc.read_text("utf-8")


def test_a_dry_run_loads_no_sandbox_runtime(tmp_path: Path) -> None:
    done = _probe(["migrate", str(EXAMPLE), "--cache-dir", str(tmp_path / "cache")])
    assert done["code"] == 0, done["err"]
    assert _loaded(done, ("auditor.planning",)) == ["auditor.planning"]  # it did plan
    assert _loaded(done, RUNTIME) == []
