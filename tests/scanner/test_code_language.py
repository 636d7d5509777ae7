"""The language of the code a site runs: ``perl -e CODE`` runs Perl, not Python. The
launcher's ``language`` (rules/launchers.toml) reaches the classification, the finding's
``language`` field and its message; rule ids and fingerprints do not depend on it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.cli import main
from auditor.findings import Finding
from auditor.judge.launcher_table import LauncherTableError, builtin_table, load_table
from tests.conftest import make_policy
from tests.scanner.test_launchers import MINIMAL

H = "import subprocess, sys\n"


def _scan(tmp_path: Path, code: str, policy: dict[str, object] | None = None) -> list[Finding]:
    (tmp_path / "m.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(policy or {}, root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return result.findings


def _one(tmp_path: Path, call: str) -> Finding:
    (finding,) = _scan(tmp_path, H + f"def f(x):\n    {call}\n")
    return finding


DYNAMIC = [
    # (call, language, the words of the message, via)
    ("subprocess.run(['perl', '-e', x])", "perl", "Perl code", ("perl -e",)),
    ("subprocess.run(['node', '-e', x])", "node", "JavaScript (Node.js) code", ("node -e",)),
    ("subprocess.run(['osascript', '-e', x])", "applescript", "AppleScript code",
     ("osascript -e",)),
    ("subprocess.run(['osascript', '-l', 'JavaScript', '-e', x])", "javascript",
     "JavaScript for Automation (JXA) code", ("osascript -e",)),
    ("subprocess.run(['ruby', '-e', x])", "ruby", "Ruby code", ("ruby -e",)),
    ("subprocess.run(['php', '-r', x])", "php", "PHP code", ("php -r",)),
    ("subprocess.run([sys.executable, '-c', x])", "python", "Python code", ("python -c",)),
    ("subprocess.run(['sudo', '-u', 'app', 'perl', '-e', x])", "perl", "Perl code",
     ("sudo", "perl -e")),
    ("subprocess.run(['env', 'A=1', 'python3', '-c', x])", "python", "Python code",
     ("env", "python -c")),
    # what a call feeds an interpreter's standard input is code in its language
    ("subprocess.run(['ruby'], input=x)", "ruby", "Ruby code", ("ruby",)),
]  # fmt: skip


@pytest.mark.parametrize(("call", "language", "words", "via"), DYNAMIC)
def test_the_message_names_the_language_of_the_code(
    tmp_path: Path, call: str, language: str, words: str, via: tuple[str, ...]
) -> None:
    finding = _one(tmp_path, call)
    assert (finding.rule, finding.category) == ("AUD103", "dynamic-code")
    assert finding.language == language
    assert finding.via == via
    assert f"runs {words} generated at run time" in finding.message
    if language != "python":
        assert "Python" not in finding.message


def test_a_language_chosen_at_run_time_is_named_by_no_one(tmp_path: Path) -> None:
    finding = _one(tmp_path, "subprocess.run(['osascript', '-l', x, '-e', 'beep'])")
    assert finding.rule == "AUD103"  # -l chooses what the code means: dynamic
    assert finding.language is None
    assert "runs code generated at run time" in finding.message
    assert "AppleScript" not in finding.message and "Python" not in finding.message


def test_a_shell_through_sudo_is_a_shell_command_in_no_language(tmp_path: Path) -> None:
    finding = _one(tmp_path, "subprocess.run(['sudo', 'sh', '-c', x])")
    assert (finding.rule, finding.via, finding.privileged) == ("AUD101", ("sudo", "sh -c"), True)
    assert finding.language is None
    assert finding.message.startswith("subprocess.run() runs a shell command assembled")
    assert "code" not in finding.message


def test_eval_is_python(tmp_path: Path) -> None:
    finding = _one(tmp_path, "eval(x)")
    assert (finding.rule, finding.language) == ("AUD103", "python")
    assert finding.message.startswith("eval() runs Python code generated at run time")


def test_an_import_names_no_language(tmp_path: Path) -> None:
    finding = _one(tmp_path, "__import__(x)")
    assert finding.category == "dynamic-import"
    assert finding.language is None


def test_constant_code_names_its_language(tmp_path: Path) -> None:
    finding = _one(tmp_path, "subprocess.run(['perl', '-e', 'print 1'])")
    assert (finding.rule, finding.language) == ("AUD302", "perl")
    assert finding.message == "subprocess.run() runs constant Perl code (through perl -e)"


def test_a_trusted_command_says_the_language_in_its_message(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        H + "subprocess.run(['php', '-r', 'echo 1;'])\n",
        {"trusted_commands": ["php -r *"]},
    )
    assert (finding.rule, finding.trusted_by) == ("AUD302", "command:php -r *")
    assert finding.message == (
        "subprocess.run(): constant PHP code; allowed, trusted by the policy (command:php -r *)"
    )


def test_a_project_summary_of_the_class_is_kept_as_written(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        H + "subprocess.run(['php', '-r', 'echo 1;'])\n",
        {
            "trusted_commands": ["php -r *"],
            "classes": {"constant-code": {"summary": "Fixed snippet"}},
        },
    )
    assert finding.message.startswith("subprocess.run(): fixed snippet; allowed")


def test_the_project_wide_stage_names_the_language(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        """
        import subprocess
        from flask import Flask, request
        app = Flask(__name__)

        @app.route("/run")
        def run():
            subprocess.run(["node", "-e", request.args["js"]])

        def helper(code):
            subprocess.run(["ruby", "-e", code])

        def caller():
            helper("puts 1")
        """,
    )
    by_line = {f.line: f for f in found}
    critical = by_line[8]
    assert (critical.rule, critical.origin, critical.language) == ("AUD003", "remote-input", "node")
    assert critical.message.startswith(
        "subprocess.run() runs JavaScript (Node.js) code that comes from request data"
    )
    constant = by_line[11]  # every caller passes a constant
    assert (constant.rule, constant.language) == ("AUD302", "ruby")
    assert constant.message.startswith("subprocess.run() runs constant Ruby code (")


def test_the_machine_formats_carry_the_message_and_the_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.py").write_text(H + "def f(x):\n    subprocess.run(['perl', '-e', x])\n")
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "json"])
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["language"] == "perl"
    assert "runs Perl code generated at run time" in finding["message"]
    main(["scan", "--format", "sarif"])
    [result] = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert "runs Perl code generated at run time" in result["message"]["text"]
    assert result["properties"]["language"] == "perl"
    main(["scan", "--format", "text"])
    text = capsys.readouterr().out
    assert "AUD103 high/isolate subprocess.run() runs Perl code generated at run time" in text
    assert "Python" not in text


def test_the_fingerprint_does_not_depend_on_the_message(tmp_path: Path) -> None:
    """A baseline records fingerprints: the same call in a policy whose class summary (and so
    the message of a trusted site) differs keeps its fingerprint."""
    code = H + "subprocess.run(['perl', '-e', 'print 1'])\n"
    trusted = {"trusted_commands": ["perl -e *"]}
    [a] = _scan(tmp_path, code, trusted)
    [b] = _scan(tmp_path, code, {**trusted, "classes": {"constant-code": {"summary": "Other"}}})
    assert a.message != b.message
    assert a.fingerprint == b.fingerprint


# -- the table of languages -----------------------------------------------------------------


def test_every_language_of_the_table_has_a_name() -> None:
    table = builtin_table()
    used = {launcher.language for launcher in table.launchers} - {None}
    used |= {v for x in table.launchers for m in x.language_values.values() for v in m.values()}
    assert used <= set(table.languages)
    assert table.language_name("perl") == "Perl"
    assert table.language_name("python") == "Python"


def test_a_language_without_a_name_is_refused_once_the_table_names_languages() -> None:
    with pytest.raises(LauncherTableError, match=r"language 'py' has no \[language\.py\] table"):
        load_table(MINIMAL + '\n[language.python]\nname = "Python"\n', "t.toml")
    table = load_table(MINIMAL + '\n[language.py]\nname = "Python"\n', "t.toml")
    assert table.language_name("py") == "Python"
    assert load_table(MINIMAL, "t.toml").language_name("py") == "py"  # no names: the key


def test_language_values_name_an_option_with_a_value() -> None:
    bad = MINIMAL.replace('last = ["-c"]', 'last = ["-c"]\nlanguage-values = { "-x" = {} }')
    with pytest.raises(LauncherTableError, match="'language-values' names '-x'"):
        load_table(bad, "t.toml")
