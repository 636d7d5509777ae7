"""The audit document: golden files in both languages, the CLI, user templates, the fix
section and the wording checks (no English left in the pt-BR document)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from auditor.api import scan
from auditor.cli import main
from auditor.findings import Finding, ScanResult
from auditor.formats import audit_fixes
from auditor.judge.policy import Policy, load_policy
from auditor.reports import audit, diagrams
from auditor.reports.fixes import codemod_for

GOLDEN = Path(__file__).parent / "golden"
META = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=(".",), commit="0123456789ab")
EPOCH_2025_12_17 = "1765972800"  # 2025-12-17T12:00:00Z
LOCALES = Path(__file__).parents[2] / "reports" / "locale"
EXAMPLE = Path(__file__).parents[2] / "examples" / "llm_backend"


def _golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1":  # regenerate, then READ the diff
        path.write_text(text, "utf-8")
    return path.read_text("utf-8")


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_golden_document(lang: str, tree_result: ScanResult, tree_policy: Policy) -> None:
    fixes = audit_fixes(tree_result, tree_policy)  # as `auditor report` does
    text = audit.render(tree_result, tree_policy, lang=lang, meta=META, fixes=fixes)
    assert text == _golden(f"audit.{lang}.md", text)


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_cli_report_in_a_git_tree_matches_the_golden_once_normalised(
    lang: str, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(tree, "init", "-q")
    _git(tree, "add", ".")
    _git(tree, "commit", "-q", "-m", "fixture")
    commit = _git(tree, "rev-parse", "--short=12", "HEAD")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2025_12_17)
    assert main(["report", "-o", "AUDIT.md", "--lang", lang]) == 0
    text = (tree / "AUDIT.md").read_text("utf-8")
    assert f"commit `{commit}`" in text
    text = text.replace(commit, "0123456789ab")
    assert text == (GOLDEN / f"audit.{lang}.md").read_text("utf-8")
    assert not [p.name for p in tree.iterdir() if p.name.startswith(".AUDIT.md.")]


def test_scan_format_markdown_is_the_english_document(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2025_12_17)
    assert main(["scan", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    golden = (GOLDEN / "audit.en.md").read_text("utf-8")
    assert out == golden.replace(", commit `0123456789ab`", "")  # not a git tree here


def _prose(text: str, result: ScanResult) -> str:
    """The document's own words: no code, no paths, no user-written suppression reasons.
    The labels of the Mermaid diagrams are the document's words too: their blocks stay,
    less the lines of syntax (init directives, class definitions)."""
    text = re.sub(
        r"^[ \t]*(```+)([^\n]*)\n.*?^[ \t]*\1[ \t]*$",
        lambda m: m.group(0) if m.group(2).strip() == "mermaid" else "",
        text,
        flags=re.S | re.M,
    )
    text = re.sub(r"^[ \t]*(%%.*|classDef .*|class .*)$", "", text, flags=re.M)
    text = re.sub(r"`[^`]*`", "", text)
    for f in result.findings:
        if f.suppression_reason:
            text = text.replace(f.suppression_reason, "")
        # code in the diagrams' labels (plain text there, escaped for Mermaid)
        for code in (f.snippet, *(s.subject for s in f.flow), *f.via):
            if code:
                text = text.replace(diagrams.text(code), "").replace(f"{code}()", "")
    return text


# ("item" and "final" are Portuguese words too, as in the hand-written audit)
ENGLISH = (
    "the", "and", "with", "of", "to", "from", "file", "files", "line", "lines", "site",
    "sites", "risk", "action", "isolated", "allowed", "review", "high", "medium", "low",
    "priority", "must", "may", "run", "runs", "directly", "phase", "metric", "metrics",
    "before", "after", "request", "function", "type", "date", "scope", "policy", "done",
    "todo", "fix", "specific", "architecture", "monitor", "next", "steps", "generated",
    "sweep", "command", "commands", "code", "this", "that", "which", "is", "are", "not",
    "all", "every", "each", "call", "calls", "through", "under", "matching", "when",
    "dynamic", "constant", "program", "module", "time", "shell command", "wrapper",
    "trusted", "convert", "goal", "parsed", "scanned", "suppressed",
    "reason", "none", "yes", "isolate", "sandboxed", "payload", "payloads", "counter",
    "gauge", "histogram", "limit", "level",
)  # fmt: skip
PORTUGUESE = (
    "de", "da", "dos", "não", "arquivo", "linha", "linhas", "risco", "ação", "isolado",
    "permitido", "pendente", "prioridade", "fase", "política", "código", "comando",
    "execução", "tempo", "antes", "depois", "métrica", "função", "uso", "tipo", "varredura",
    "próximos", "passos", "sim", "seção", "chamadas",
)  # fmt: skip


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)}


def test_no_english_left_in_the_pt_br_document(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    text = _prose(audit.render(tree_result, tree_policy, lang="pt-BR", meta=META), tree_result)
    words = _words(text)
    phrases = {p for p in ENGLISH if " " in p and p in text.lower()}
    assert sorted((words & set(ENGLISH)) | phrases) == []
    assert {"arquivo", "risco", "ação", "pendente"} <= words  # the check reads real prose


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_example_with_flows_speaks_one_language(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled example has critical flows, other flows from outside the program and
    launchers: their lists and diagrams are in the document's language too."""
    shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.chdir(tmp_path / "example")
    policy = load_policy(Path("."))
    result = scan(["."], policy=policy)
    text = audit.render(result, policy, lang=lang, meta=META)
    assert text.count("```mermaid") == 13  # 7 + 3 flows, 2 charts, the architecture
    words = _words(_prose(text, result))
    if lang == "pt-BR":
        phrases = {p for p in ENGLISH if " " in p and p in _prose(text, result).lower()}
        assert sorted((words & set(ENGLISH)) | phrases) == []
        assert {"passa", "origem", "fluxo"} <= words
    else:
        assert sorted(words & set(PORTUGUESE)) == []
        assert {"runs", "origin", "flow"} <= words


def test_no_portuguese_in_the_english_document(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    text = _prose(audit.render(tree_result, tree_policy, lang="en", meta=META), tree_result)
    words = _words(text)
    assert sorted(words & set(PORTUGUESE)) == []
    assert {"file", "risk", "action", "isolated"} <= words


def _keys(data: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for key, value in data.items():
        out.add(prefix + key)
        if isinstance(value, dict):
            out |= _keys(value, f"{prefix}{key}.")
    return out


def test_both_locales_define_the_same_words() -> None:
    en = tomllib.loads((LOCALES / "en.toml").read_text("utf-8"))
    pt = tomllib.loads((LOCALES / "pt-BR.toml").read_text("utf-8"))
    assert _keys(en) == _keys(pt)
    assert len(en["months"]) == len(pt["months"]) == 12


def test_metrics_have_both_languages() -> None:
    names = [m["name"] for m in audit.metrics()]
    assert names == [
        "auditor_sandbox_executions_total",
        "auditor_sandbox_cpu_seconds_total",
        "auditor_sandbox_memory_bytes_max",
        "auditor_sandbox_timeouts_total",
        "auditor_sandbox_oom_kills_total",
        "auditor_sandbox_security_violations_total",
        "auditor_sandbox_duration_seconds",
    ]
    for m in audit.metrics():
        assert m["en"] and m["pt-BR"] and m["en"] != m["pt-BR"]


def test_before_and_after_code_can_be_plugged_in(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    target = next(f for f in tree_result.findings if f.line == 17 and f.rule == "AUD201")
    fixes = {target.fingerprint: ('os.system("uptime")', 'subprocess.run(["uptime"])')}
    text = audit.render(tree_result, tree_policy, lang="en", meta=META, fixes=fixes)
    section = text.split("#### Line 17 - `uptime()` - AUD201", 1)[1].split("####", 1)[0]
    assert section.split("```python\n", 1)[1].split("```", 1)[0] == (
        '# ❌ BEFORE\nos.system("uptime")\n\n# ✅ AFTER\nsubprocess.run(["uptime"])\n'
    )
    assert "will come from the codemod" not in section
    # the other sites still name their codemod (not count_workers: `ps` needs the host's
    # processes, so route-to-sandbox leaves that pipeline to a person)
    assert text.count("The new code will come from the codemod") == 3


def test_code_with_backticks_gets_a_longer_fence(
    tree_result: ScanResult, tree_policy: Policy
) -> None:
    target = next(f for f in tree_result.findings if f.line == 17 and f.rule == "AUD201")
    fixes = {target.fingerprint: ("x = 1", 'doc = """\n```\n"""')}
    text = audit.render(tree_result, tree_policy, lang="en", meta=META, fixes=fixes)
    assert '````python\n# ❌ BEFORE\nx = 1\n\n# ✅ AFTER\ndoc = """\n```\n"""\n````\n' in text


def _finding(category: str, snippet: str, sink: str = "subprocess.run") -> Finding:
    return Finding(
        rule="AUD000", path="a.py", line=1, column=1, end_line=1, end_column=2, sink=sink,
        kind="command", shell=True, payload="constant", isolated=False, trusted_by=None,
        risk="medium", action="convert", function="f", snippet=snippet, message="m",
        fingerprint="0" * 20, category=category,
    )  # fmt: skip


AIO = "asyncio.create_subprocess_shell"
RUN = "subprocess.run"


@pytest.mark.parametrize(
    ("category", "snippet", "sink", "codemod"),
    [
        ("constant-shell", 'subprocess.run("ls -l", shell=True)', RUN, "shell-to-argv"),
        ("constant-shell", 'os.system("uptime")', "os.system", "shell-to-argv"),
        ("constant-shell", 'subprocess.run(args="df", shell=True)', RUN, "shell-to-argv"),
        ("constant-shell", 'os.system("ps aux | wc -l")', "os.system", None),  # ps: processes
        ("constant-shell", 'os.system("ls | wc -l")', "os.system", "route-to-sandbox"),
        ("constant-shell", 'os.system("echo $HOME")', "os.system", "route-to-sandbox"),
        ("constant-shell", 'os.system("ls *.py")', "os.system", "route-to-sandbox"),
        ("constant-shell", 'os.system("A=1 make")', "os.system", "route-to-sandbox"),
        ("constant-shell", 'os.system("a" "…', "os.system", None),  # cut: not known
        ("constant-shell", "os.system(CMD)", "os.system", "shell-to-argv"),  # bound once
        ("constant-shell", 'subprocess.run(f"ls {D}", shell=True)', "subprocess.run", None),
        ("constant-shell", 'subprocess.run("ls", shell=True, executable=sh)', RUN, None),
        ("constant-shell", 'subprocess.getoutput("uptime")', "subprocess.getoutput", None),
        ("constant-shell", 'asyncio.create_subprocess_shell("ls")', AIO, "shell-to-argv"),
        ("dynamic-shell", 'os.system("rm " + path)', "os.system", "route-to-sandbox"),
        ("dynamic-shell", 'os.system(f"sudo rm {path}")', "os.system", None),  # privileges
        ("dynamic-program", "subprocess.run([prog])", "subprocess.run", "route-to-sandbox"),
        ("dynamic-program", "os.execv(prog, [prog])", "os.execv", None),
        ("dynamic-code", "eval(expr)", "builtins.eval", "eval-exec-to-sandbox"),
        ("dynamic-code", "exec(src)", "builtins.exec", "eval-exec-to-sandbox"),
        ("dynamic-code", "runpy.run_path(p)", "runpy.run_path", None),
        ("dynamic-import", "importlib.import_module(n)", "importlib.import_module", None),
        ("shell-wrapper", "run_cmd(c, shell=True)", "run_cmd", None),
    ],
)  # fmt: skip
def test_codemod_for_each_class(
    category: str, snippet: str, sink: str, codemod: str | None
) -> None:
    assert codemod_for(_finding(category, snippet, sink)) == codemod


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text, "utf-8")


@pytest.mark.parametrize(
    ("name", "source", "label"),
    [
        ("app.py", "x = 1\n", "**Status:** ✅ OK - no site needs work"),
        (
            "app.py",
            'import os\nos.system("uptime")\n',
            "**Status:** ⚠️ ATTENTION - 1 medium-risk site(s)",
        ),
        (
            "app.py",
            "import os\nos.system(cmd)\n",
            "**Status:** 🔴 HIGH RISK - 1 high-risk site(s) still",
        ),
        # critical only where request data or model output runs unisolated
        (
            "app.py",
            "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
            "@app.route('/x')\ndef x():\n    os.system(request.args['c'])\n",
            "**Status:** 🚨 CRITICAL - 1 site(s) run request data or model output",
        ),
        (
            "app.py",
            "import os\nos.system(cmd)  # auditor: ignore[AUD101] cmd is a constant table\n",
            "**Status:** ✅ OK",
        ),
        ("app.py", "from auditor import sandbox\nsandbox.run(cmd, shell=True)\n", "✅ OK"),
        # allowed, but medium risk: a fixed program with run-time arguments
        (
            "app.py",
            "import subprocess\nsubprocess.run(['ps', '-p', pid])\n",
            "**Status:** ⚠️ ATTENTION - 1 medium-risk site(s) to convert, review or check",
        ),
        # the built-in policy trusts no path: scripts/canonical/ is not special (issue 13)
        ("scripts/canonical/app.py", "import os\nos.system(input())\n", "**Status:** 🔴 HIGH RISK"),
    ],
)
def test_overall_status_follows_the_highest_open_risk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str, label: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    _write(tmp_path, {name: source})
    result = scan(["."])
    assert len(result.findings) == (0 if source == "x = 1\n" else 1)
    assert label in audit.render(result, lang="en", meta=META)


def test_a_tree_without_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"app.py": "print('hello')\n"})
    text = audit.render(scan(["."]), lang="pt-BR", meta=META)
    assert text.count("Nenhum ponto.") == 3
    assert "Nada a corrigir." in text
    assert "**Política:** padrão embutida" in text
    assert "analisados" not in text.split("## Status final", 1)[1]  # no error: no row


def test_module_level_calls_and_broken_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"app.py": "import os\nos.system(cmd)\n", "bad.py": "def f(:\n    exec(c)\n"})
    assert main(["report", "-o", "AUDIT.md"]) == 2  # written, but not every file was read
    text = (tmp_path / "AUDIT.md").read_text("utf-8")
    assert "   - **Function:** module level\n" in text
    assert "#### Line 2 - module level - AUD101" in text
    assert "### Files that could not be analysed\n\n- `bad.py:1`: syntax error" in text
    assert "- [ ] Fix or exclude the 1 file(s) that could not be analysed" in text
    assert "| Files that could not be analysed, fixed or excluded | 🚫 TODO (1) | 🔴 High |" in text


def test_user_template(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "short.j2").write_text(
        "{{ status.label }}\n{% for l in priorities %}{{ l.key }}={{ l.sites }}\n{% endfor %}",
        "utf-8",
    )
    assert main(["report", "--template", "short.j2"]) == 0
    assert capsys.readouterr().out == "🔴 HIGH RISK\nhigh=4\nmedium=4\nlow=5\n"
    (tree / "extends.j2").write_text('{% extends "audit.pt-BR.md.j2" %}\n', "utf-8")
    assert main(["report", "--template", "extends.j2", "--lang", "pt-BR"]) == 0
    assert capsys.readouterr().out.startswith("# 🔍 Auditoria de isolamento")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.j2: cannot read template"),
        ("{{ no_such_thing }}", "bad.j2: template error: 'no_such_thing' is undefined"),
        ("line one\n{% for %}", "bad.j2:2: template syntax error: Expected an expression"),
    ],
)
def test_bad_user_template_is_a_one_line_error(
    tree: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    name = "missing.j2" if content is None else "bad.j2"
    if content is not None:
        (tree / name).write_text(content, "utf-8")
    assert main(["report", "--template", name, "-o", "AUDIT.md"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tree / "AUDIT.md").exists()


def test_unknown_language_is_a_usage_error(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--lang", "fr"]) == 2
    assert "'fr' is not one of 'en', 'pt-BR'" in capsys.readouterr().err
    with pytest.raises(audit.ReportError, match="unknown language 'fr'"):
        audit.build_context(ScanResult(), lang="fr")


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_engine_only_results_and_engine_errors_are_listed(
    lang: str, tree_result: ScanResult, tree_policy: Policy
) -> None:
    from auditor.findings import EngineError, EngineOnly

    tree_result.engine_only = [EngineOnly("bandit", "B307", "app/x.py", 3, 3, "insecure eval")]
    tree_result.engine_errors = [EngineError("semgrep", "not installed")]
    text = audit.render(tree_result, tree_policy, lang=lang, meta=META)
    assert "`app/x.py:3` (`bandit:B307`)" in text
    assert "- `semgrep`" in text
    # the engine's own (English) message only in the English document
    assert ("insecure eval" in text) == (lang == "en")
    plain = audit.render(ScanResult(), tree_policy, lang=lang, meta=META)
    assert "bandit" not in plain


# -- the document says what the findings say (issue 13, part 4) -------------------------------


def _section(text: str, title: str) -> str:
    return text.split(title, 1)[1].split("\n### ", 1)[0]


def test_sites_are_grouped_by_their_own_risk_and_the_counts_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\ntrusted_paths = ["ops/**"]\n')
    (tmp_path / "ops").mkdir()
    _write(
        tmp_path,
        {
            "app.py": "import os\nos.system(input())\n",
            "ops/job.py": "import os\nos.system(input())\n",
            "box.py": "from auditor import sandbox\nsandbox.run(input(), shell=True)\n",
        },
    )
    text = audit.render(scan(["."]), load_policy(tmp_path), lang="en", meta=META)
    high = _section(text, "### 🔴 High priority")
    low = _section(text, "### 🟢 Low priority")
    assert high.startswith(" (1 site(s))") and "**Status:** 🔴 HIGH RISK - 1 high-risk" in text
    assert "`app.py`" in high and "ops/job.py" not in high and "box.py" not in high
    assert "`ops/job.py`" in low and "`box.py`" in low
    assert low.startswith(" (2 site(s))")


def test_the_status_table_has_a_files_row_only_when_a_file_could_not_be_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"app.py": "import os\nos.system(input())\n"})
    text = audit.render(scan(["."]), lang="en", meta=META)
    table = text.split("## Final status", 1)[1]
    assert "analysed" not in table
    _write(tmp_path, {"broken.py": "import os\nos.system(\n"})
    text = audit.render(scan(["."]), lang="en", meta=META)
    table = text.split("## Final status", 1)[1]
    assert (
        "| Files that could not be analysed, fixed or excluded | 🚫 TODO (1) | 🔴 High |" in table
    )


def test_report_to_a_file_counts_the_critical_sites_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A critical site is not a high-risk one: a line saying "(1 high risk)" of a project
    whose every other site runs request data would hide the worst of it."""
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        {
            "app.py": "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
            "@app.get('/')\ndef index():\n    os.system(request.args['c'])\n"
            "    os.system(input())\n"
        },
    )
    assert main(["report", "-o", "AUDIT.md"]) == 0
    assert "2 to do (1 critical, 1 high risk)" in capsys.readouterr().err


def test_report_to_a_file_says_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        {"app.py": "import os, subprocess\nos.system(input())\nsubprocess.run(['ls'])\n"},
    )
    assert main(["report", "-o", "AUDIT.md"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "auditor report: wrote AUDIT.md: 2 call site(s) in 1 file(s), 1 to do (0 critical, "
        "1 high risk), 0 isolated, 1 allowed\n"
    )
    assert (tmp_path / "AUDIT.md").read_text("utf-8").startswith("# 🔍 Isolation audit")


def test_a_group_of_lines_with_different_origins_names_each_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two os.system calls in one function, one fed by the caller, one built inside: the
    # group says which line has which origin, not one origin for both
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        {
            "tool.py": (
                "import os\n\ndef run(cmd):\n    os.system(cmd)\n"
                "    os.system('echo ' + str(os.getpid()))\n"
            ),
            "cli.py": "import os, sys\nos.system(sys.argv[1])\n",
        },
    )
    text = audit.render(scan(["."]), load_policy(tmp_path), lang="en", meta=META)
    assert "   - **Lines:** 4, 5\n" in text
    assert "- **Origin:** a caller outside the scanned code (`parameter`) (line 4)\n" in text
    # alone (no request data or model output): the intro does not point at a list above
    other = _section(text, "### Other sites whose payload comes from outside the program")
    assert "not in the attention list above" not in other
    assert "at a lower risk than request data or model output unisolated" in other
