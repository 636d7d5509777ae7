"""``scan``, ``check`` and ``report`` pick up the sudoers files and systemd units that a
repository holds under deploy/, etc/ or systemd/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.system.discovery import discover

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text("import os\n\ndef go(cmd):\n    os.system(cmd)\n")
    shutil.copytree(FIXTURES / "bad/sudoers.d", tmp_path / "deploy/sudoers.d")
    shutil.copytree(FIXTURES / "bad/units", tmp_path / "systemd")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_discover_finds_the_deployment_folders(repo: Path) -> None:
    sudoers, units = discover([repo])
    assert [p.relative_to(repo).as_posix() for p in sudoers] == ["deploy/sudoers.d/omnimind"]
    assert [p.relative_to(repo).as_posix() for p in units] == [
        "systemd/omnimind-sandbox.scope",
        "systemd/omnimind-sandbox.slice",
        "systemd/omnimind.service",
    ]


def test_scan_reports_python_and_system_findings(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--no-cache", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in data["findings"]}
    assert kinds == {"command", "sudoers", "systemd"}
    assert data["stats"]["files"] == 1 + 4
    paths = [f["path"] for f in data["findings"]]
    assert paths == sorted(paths)  # one sorted list, as scan always gives


def test_the_gate_fails_on_system_findings(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text("print('no sinks')\n")
    assert main(["check", "--no-cache", "--fail-on", "high"]) == 1
    assert "AUD401" in capsys.readouterr().out


def test_report_keeps_system_findings_out_of_the_python_fixes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    fixes = text.split("## 5.", 1)[1].split("## 6.", 1)[0]
    assert "app.py" in fixes and "sudoers" not in fixes and "omnimind.service" not in fixes


@pytest.mark.parametrize(
    ("lang", "titles", "row", "fix"),
    [
        (
            "en",
            ["## 7. Sudoers", "## 8. Process protection", "## 9. Automatic restart",
             "## 10. Memory limits"],
            "| `deploy/sudoers.d/omnimind` | 10 | deploy | ALL | `ALL` | **AUD401** ALL lets the "
            "user run any command as root | 🔴 High | 🚫 To do |",
            "- **AUD501** (Service has no restart policy): Add `Restart=on-failure`",
        ),
        (
            "pt-BR",
            ["## 7. Sudoers", "## 8. Proteção de processos do usuário",
             "## 9. Restart automático", "## 10. Limites de memória"],
            "| `deploy/sudoers.d/omnimind` | 10 | deploy | ALL | `ALL` | **AUD401** Regra do "
            "sudoers permite ALL (qualquer comando) | 🔴 Alto | 🚫 Pendente |",
            "- **AUD501** (Serviço sem política de restart): Acrescentar `Restart=on-failure`",
        ),
    ],
)  # fmt: skip
def test_report_has_the_system_sections(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    titles: list[str],
    row: str,
    fix: str,
) -> None:
    assert main(["report", "--no-cache", "--lang", lang]) == 0
    text = capsys.readouterr().out
    positions = [text.index(t + "\n") for t in titles]
    assert positions == sorted(positions)
    assert row in text and fix in text
    memory = text.split(titles[3], 1)[1]
    assert "`MemoryLimit=8G`" in memory and "`[Scope]`" in memory
    process = text.split(titles[1], 1)[1].split(titles[2], 1)[0]
    assert process.count("| AUD404 |") == 3  # pkill -f inside bash -c, pkill *, killall
    final = text.split("\n## ", 20)[-1]
    for item in (["Restricted sudoers", "Process protection", "Automatic restart",
                  "Memory limits"] if lang == "en" else
                 ["Sudoers restrito", "Proteção de processos", "Restart automático",
                  "Limites de memória"]):  # fmt: skip
        assert f"| {item} |" in final


def test_a_clean_deployment_shows_its_sections_done(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(repo / "deploy")
    shutil.rmtree(repo / "systemd")
    shutil.copytree(FIXTURES / "fixed/units", repo / "systemd")
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out

    def section(title: str) -> str:
        return text.split(title + "\n", 1)[1].split("\n## ", 1)[0]

    for title in ("## 9. Automatic restart", "## 10. Memory limits"):
        assert section(title).count("No problem found.") == 1
    # no sudoers file: those sections say nothing was checked, and are not "done"
    for title in ("## 7. Sudoers", "## 8. Process protection"):
        assert "No sudoers file in the scope: nothing checked." in section(title)
    assert "| Memory limits | ✅ DONE |" in text and "| Automatic restart | ✅ DONE |" in text
    assert "| Restricted sudoers |" not in text and "| Process protection |" not in text
    assert "Files checked: `systemd/omnimind-sandbox.slice`, `systemd/omnimind.service`, " in text
    assert "sudoers and systemd finding" not in text  # no checklist item


def test_without_deploy_files_there_are_no_system_sections(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(repo / "deploy")
    shutil.rmtree(repo / "systemd")
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert "## 7." not in text and "Restricted sudoers" not in text


def test_excluded_deploy_files_do_not_count_as_checked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--no-cache", "--exclude", "deploy/**", "--exclude", "systemd/**"]) == 0
    assert "## 7." not in capsys.readouterr().out


def test_english_locale_words_follow_the_rule_catalogue() -> None:
    import tomllib

    from auditor.system.data import system_rules

    root = Path(__file__).parents[2]
    en = tomllib.loads((root / "reports/locale/en.toml").read_text("utf-8"))
    pt = tomllib.loads((root / "reports/locale/pt-BR.toml").read_text("utf-8"))
    assert set(en["system"]["rules"]) == set(pt["system"]["rules"]) == set(system_rules())
    for rule, info in system_rules().items():
        assert en["system"]["rules"][rule] == {"summary": info.summary, "fix": info.fix}
        assert info.section in ("sudoers", "process", "restart", "memory", "hardening")


def test_excluded_deploy_files_are_not_picked_up(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["scan", "--no-cache", "--format", "json", "--exclude", "systemd/**"]
    assert main(args) == 0
    kinds = {f["kind"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert kinds == {"command", "sudoers"}
    (repo / "pyproject.toml").write_text("[tool.auditor]\nexclude = ['deploy/**']\n")
    assert main(["scan", "--no-cache", "--format", "json"]) == 0
    kinds = {f["kind"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert kinds == {"command", "systemd"}


def test_a_rule_the_policy_trusts_is_allowed_in_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.auditor]\ntrusted_commands = ['systemctl --no-pager status *']\n"
    )
    (tmp_path / "deploy/sudoers").write_text(
        "ops ALL=(root) /usr/bin/systemctl --no-pager status *\n"
    )
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    sudoers = text.split("## 7. Sudoers", 1)[1].split("\n## ", 1)[0]
    assert "| `/usr/bin/systemctl --no-pager status *` | **AUD413** " in sudoers
    assert "| 🟢 Low | ✅ Allowed |" in sudoers
    assert "| Restricted sudoers | ✅ DONE |" in text
    assert "- [x] Fix the 0 sudoers and systemd finding(s)" in text


def test_the_preset_trusts_systemctl_status_but_not_its_pager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The isolation-audit preset trusts "systemctl status *": the wider view is allowed,
    the pager (a root shell before systemd 247) is still to do."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\nextends = "isolation-audit"\n')
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/sudoers").write_text("ops ALL=(root) /usr/bin/systemctl status *\n")
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    sudoers = text.split("## 7. Sudoers", 1)[1].split("\n## ", 1)[0]
    assert "**AUD413** " in sudoers and "<br>**AUD414** " in sudoers
    assert "| 🟡 Medium | 🚫 To do |" in sudoers
    assert "| Restricted sudoers | ✅ DONE |" not in text


def test_system_markdown_knows_the_files_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "fixed/units", tmp_path / "u")
    shutil.copytree(FIXTURES / "fixed/sudoers.d", tmp_path / "sudoers.d")
    args = ["system", "--units", "u/omnimind.service", "--units", "u/omnimind-sandbox.slice",
            "--sudoers", "sudoers.d/omnimind", "--format", "markdown"]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.count("No problem found.") == 5  # sections 7 to 11
    assert "| Restricted sudoers | ✅ DONE |" in text
