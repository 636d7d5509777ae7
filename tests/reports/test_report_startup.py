"""What ``auditor report`` loads on a small project: on the bundled example the fixed costs of
a process (imports, reading tables, compiling the template) are most of its time (issue 17).
A warm report loads neither libcst nor the sandbox's runtime, nor the parsers of deployment
files when the project has none; the document is the cold one, byte for byte. The
built-in template is compiled once, not on every run."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from auditor.findings import ScanResult
from auditor.judge.policy import Policy
from auditor.reports import audit
from tests.conftest import REPO, cli_in_a_new_process

EXAMPLE = REPO / "examples" / "llm_backend"
# loaded by the sandbox's runtime (running a command), never by reading its settings
RUNTIME = ("auditor.sandbox.api", "auditor.sandbox.pool", "auditor.sandbox.process")
# the parsers of sudoers files and systemd units
SYSTEM_PARSERS = ("auditor.system.audit", "auditor.system.sudoers", "auditor.system.units")
META = audit.ReportMeta(date=dt.date(2026, 1, 1), scope=(".",))


def _probe(argv: list[str]) -> dict[str, object]:
    return cli_in_a_new_process(argv)


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


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates jinja2 compiles from source, with the compiled templates
    kept in tmp_path/bytecode and Python writing bytecode."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any) -> Any:
        names.append(str(name))
        return compile_(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    monkeypatch.setattr(audit, "_bytecode_folder", lambda: tmp_path / "bytecode", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return names


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_template_is_compiled_once(
    compiled: list[str], tree_result: ScanResult, tree_policy: Policy, lang: str
) -> None:
    first = audit.render(tree_result, tree_policy, lang=lang, meta=META)
    again = audit.render(tree_result, tree_policy, lang=lang, meta=META)  # a new environment
    assert compiled == [f"audit.{lang}.md.j2"]
    assert again == first
    compiled.clear()
    audit.render(tree_result, tree_policy, lang=lang, meta=META, template=None)
    assert compiled == []


def test_a_damaged_or_unwritable_bytecode_folder_only_costs_a_compilation(
    compiled: list[str], tree_result: ScanResult, tree_policy: Policy, tmp_path: Path
) -> None:
    first = audit.render(tree_result, tree_policy, lang="en", meta=META)
    (kept,) = (tmp_path / "bytecode").iterdir()
    kept.write_bytes(kept.read_bytes()[:40])  # cut short
    assert audit.render(tree_result, tree_policy, lang="en", meta=META) == first
    assert compiled == ["audit.en.md.j2"] * 2
    kept.unlink()
    (tmp_path / "bytecode").rmdir()
    (tmp_path / "bytecode").write_text("a file where the folder would be")
    assert audit.render(tree_result, tree_policy, lang="en", meta=META) == first
    assert compiled == ["audit.en.md.j2"] * 3


def test_without_bytecode_writing_the_kept_template_is_read_and_none_written(
    compiled: list[str], tree_result: ScanResult, tree_policy: Policy, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    audit.render(tree_result, tree_policy, lang="en", meta=META)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE=1
    audit.render(tree_result, tree_policy, lang="en", meta=META)
    assert compiled == ["audit.en.md.j2"]  # read as .pyc files are
    audit.render(tree_result, tree_policy, lang="pt-BR", meta=META)
    assert compiled == ["audit.en.md.j2", "audit.pt-BR.md.j2"]
    assert len(list((tmp_path / "bytecode").iterdir())) == 1  # not written


def test_the_bytecode_lives_beside_the_templates() -> None:
    folder = audit._bytecode_folder()
    templates = REPO / "reports" / "templates"
    if sys.pycache_prefix:
        assert folder.as_posix().endswith(f"{templates.resolve().as_posix()}/__pycache__")
    else:
        assert folder == templates.resolve() / "__pycache__"
