"""False reassurances an attacker confirmed (shellquote): a ``shlex.quote``d word that the
shell string runs further on (eval of a variable, a constant ``sh -c`` script that runs its
``$1``, a file written and then run), a quote in an argument vector run without a shell
(where it quotes nothing that matters), and the words of a string split at run time (one
hole may be several words, ``-exec`` among them), also after ``del parts[0:3]``. Each case
states its rule, risk and origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from auditor.judge import script_uses
from tests.conftest import make_policy

FLASK = (
    "import shlex, subprocess, sys\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    "@app.route('/x')\ndef view():\n    x = request.args['x']\n    q = shlex.quote(x)\n"
)
CLI = "import shlex, subprocess, sys\ndef main():\n    x = sys.argv[1]\n"


def scan_app(tmp_path: Path, code: str) -> Finding:
    (tmp_path / "app.py").write_text(code)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    [finding] = result.findings
    return finding


# -- where the shell string runs the quoted word further on ---------------------------------
@pytest.mark.parametrize(
    ("parts", "run"),
    [
        (("echo ", 0, " > /tmp/s.sh; sh /tmp/s.sh"), {0}),  # written to a file, then run
        (("printf %s ", 0, " > job.py; python3 job.py"), {0}),
        (("echo ", 0, " > f; . ./f"), {0}),
        (("printf %s ", 0, " | tee /tmp/s.sh; sh /tmp/s.sh"), {0}),  # tee writes the file
        (("echo ", 0, " > /tmp/s.sh; cat /tmp/s.sh | sh"), {0}),  # the file fed to a shell
        (("echo ", 0, " > /tmp/s.sh; bash < /tmp/s.sh"), {0}),
        (("sh -c 'eval \"$1\"' sh ", 0), {0}),  # a constant script that runs its $1
        (("bash -c '$1' _ ", 0), {0}),
        (("sh -c '\"$0\"' ", 0), {0}),
        (('python3 -c "import sys; exec(sys.argv[1])" ', 0), {0}),
        (("x=", 0, '; eval "$x"'), {0}),  # a variable, evaluated
        (("x=", 0, "; $x"), {0}),  # ... or run as the command word
        (("export JOB=", 0, '; sh -c "$JOB"'), {0}),
        (("export JOB=", 0, "; sh -c 'eval \"$JOB\"'"), {0}),  # read by the inner shell
        (("JOB=", 0, " sh -c 'eval \"$JOB\"'"), {0}),
        (("env JOB=", 0, " sh -c 'eval \"$JOB\"'"), {0}),
        (("x=", 0, '; y="$x"; eval "$y"'), {0}),
        (("ls ", 0, "; x=", 1, '; eval "$x"'), {1}),
        # a variable that chooses what runs (the env launcher's chooser-assignments)
        (("GIT_SSH_COMMAND=", 0, " git fetch origin"), {0}),
        (("export PATH=", 0, "; make"), {0}),
        (("LANG=", 0, " make"), set()),
        # data: the quote protects
        (("grep -- ", 0, " /var/log/app.log"), set()),
        (("x=", 0, '; echo "$x"'), set()),
        (("echo ", 0, " > /tmp/s.txt; cat /tmp/s.txt"), set()),
        (("echo ", 0, " | tee /tmp/s.txt; wc -l /tmp/s.txt"), set()),
        (("echo ", 0, " > /tmp/s.txt; wc -l < /tmp/s.txt"), set()),
        (("sh -c 'echo \"$1\"' sh ", 0), set()),
        (('sh -c "$0" ', 0), set()),  # the outer shell expands "$0" (its own name)
        (("ls -l ", 0, " ", 1), set()),
    ],
)
def test_quoted_words_the_string_runs(parts: tuple[str | int | None, ...], run: set[int]) -> None:
    assert script_uses.quoted_words_run(parts) == run


RUN_LATER = [
    'f"echo {q} > /tmp/s.sh; sh /tmp/s.sh"',
    'f"sh -c \'eval \\"$1\\"\' sh {q}"',
    "f\"bash -c '$1' _ {q}\"",
    'f"sh -c \'\\"$0\\"\' {q}"',
    'f"x={q}; eval \\"$x\\""',
    'f"export JOB={q}; sh -c \\"$JOB\\""',
    'f"GIT_SSH_COMMAND={q} git fetch origin"',
]


@pytest.mark.parametrize("command", RUN_LATER)
def test_a_quoted_word_the_string_runs_is_no_sanitizer(command: str, tmp_path: Path) -> None:
    """remote-input, critical, AUD001 (was AUD101 medium, "quoted or converted")."""
    finding = scan_app(tmp_path, FLASK + f"    subprocess.run({command}, shell=True)\n")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")
    assert "quoted or converted" not in finding.message


@pytest.mark.parametrize(
    "command",
    [
        'f"grep -- {q} /var/log/app.log"',
        'f"x={q}; echo \\"$x\\" >> /tmp/log"',
        'f"sh -c \'grep -- \\"$1\\" /var/log/app.log\' sh {q}"',
    ],
)
def test_a_quoted_word_used_as_data_still_protects(command: str, tmp_path: Path) -> None:
    """remote-input, medium, AUD101: the quote holds."""
    finding = scan_app(tmp_path, FLASK + f"    subprocess.run({command}, shell=True)\n")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "quoted or converted (shlex.quote)" in finding.message


# -- a quote in an argument vector run without a shell ---------------------------------------
ARGV_QUOTED = [
    # tar reads an option there: shlex.quote("--to-command=sh") is "--to-command=sh"
    ('["tar", "-xf", "a.tar", q]', "AUD002"),
    ('shlex.split("tar -xf a.tar " + q)', "AUD002"),
    ('["sh", "-c", q]', "AUD001"),  # the script itself
    ("[q, '-l']", "AUD002"),  # the program
    ("['sh', '-c', 'eval \"$1\"', 'sh', q]", "AUD001"),  # the script runs its $1
    ('["ls", "-l", q]', "AUD005"),  # an option all the same (-R, --hide=...)
    # the words of a quoted string split at its blanks: 'a -exec sh -c id ; -name b'
    ('f"find /srv -name {q}".split()', "AUD002"),
]


@pytest.mark.parametrize(("argv", "rule"), ARGV_QUOTED)
def test_a_quote_without_a_shell_is_no_sanitizer(argv: str, rule: str, tmp_path: Path) -> None:
    """remote-input, critical (was one level lower, "quoted or converted")."""
    finding = scan_app(tmp_path, FLASK + f"    subprocess.run({argv})\n")
    assert (finding.rule, finding.risk, finding.origin) == (rule, "critical", "remote-input")
    assert "quoted or converted" not in finding.message


@pytest.mark.parametrize(
    "argv",
    [
        '["sh", "-c", "grep -- " + q + " /var/log/app.log"]',  # in the script a shell reads
        '["ssh", "backup", "ls -l " + q]',  # ssh joins its words into a remote command
    ],
)
def test_a_quote_in_the_script_of_an_argv_protects(argv: str, tmp_path: Path) -> None:
    """remote-input, medium, AUD101: the quote stands in a command string a shell reads."""
    finding = scan_app(tmp_path, FLASK + f"    subprocess.run({argv})\n")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "quoted or converted (shlex.quote)" in finding.message


EXEC_QUOTED = [
    ('os.execvp("tar", ["tar", "-xf", "a.tar", q])', "AUD002"),
    ('os.execlp("sh", "sh", "-c", q)', "AUD001"),
    ('asyncio.run(asyncio.create_subprocess_exec("sh", "-c", q))', "AUD001"),
    # shell= known only at run time (read as a shell: AUD001); without one the list is
    # the argv, where the quote protects nothing
    ('subprocess.run(["tar", "-xf", "a.tar", q], shell=len(sys.argv) > 5)', "AUD001"),
]


@pytest.mark.parametrize(("call", "rule"), EXEC_QUOTED)
def test_a_quote_in_an_exec_argv_is_no_sanitizer(call: str, rule: str, tmp_path: Path) -> None:
    """remote-input, critical (was one level lower, "quoted or converted")."""
    code = "import asyncio, os\n" + FLASK + f"    {call}\n"
    finding = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == (rule, "critical", "remote-input")
    assert "quoted or converted" not in finding.message


def test_a_quote_in_the_script_an_exec_gives_a_shell_protects(tmp_path: Path) -> None:
    """remote-input, medium, AUD101."""
    call = 'os.execlp("sh", "sh", "-c", "grep -- " + q + " /var/log/app.log")'
    finding = scan_app(tmp_path, "import os\n" + FLASK + f"    {call}\n")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "quoted or converted (shlex.quote)" in finding.message


# -- the words of a string split at run time ------------------------------------------------
SPLIT = [
    # one hole may be several words: "x -exec sh -c id ;" (find runs it)
    ('subprocess.run(f"find /srv -name {x}".split())', "AUD002", "AUD102"),
    ('subprocess.run(("find /srv -name " + x).split())', "AUD002", "AUD102"),
    ('subprocess.run(shlex.split(f"find /srv -name {x}"))', "AUD002", "AUD102"),
    ('subprocess.run(["find", "/srv", "-name", *x.split()])', "AUD002", "AUD102"),
    ('subprocess.run(["find", "/srv", "-name"] + x.split())', "AUD002", "AUD102"),
    # the fixed words removed: the hole is the program
    (
        'parts = f"echo hi {x}".split()\n    del parts[0:2]\n    subprocess.run(parts)',
        "AUD002",
        "AUD102",
    ),
    (
        'parts = f"find /srv -name {x}".split()\n    del parts[0]\n    subprocess.run(parts)',
        "AUD002",
        "AUD102",
    ),
]


@pytest.mark.parametrize(("call", "remote", "local"), SPLIT)
def test_a_split_hole_may_be_options(call: str, remote: str, local: str, tmp_path: Path) -> None:
    """remote-input: critical (was AUD005 fixed program); user-input (sys.argv): high,
    isolate (was AUD203 medium allow for the find cases)."""
    finding = scan_app(tmp_path, FLASK + f"    {call}\n")
    assert (finding.rule, finding.risk, finding.origin) == (remote, "critical", "remote-input")
    finding = scan_app(tmp_path, CLI + f"    {call}\n")
    assert (finding.rule, finding.risk, finding.action, finding.origin) == (
        local,
        "high",
        "isolate",
        "user-input",
    )


@pytest.mark.parametrize(
    "call",
    [
        # one word, where find reads the value of -name: data
        'cmd = ["find", "/srv", "-name"]\n    cmd.append(x)\n    subprocess.run(cmd)',
        # a program that reads no command from its options
        'subprocess.run(f"ls -l {x}".split())',
    ],
)
def test_one_word_or_a_harmless_program_stays_a_fixed_program(call: str, tmp_path: Path) -> None:
    """user-input: AUD203, medium, allow."""
    finding = scan_app(tmp_path, CLI + f"    {call}\n")
    assert (finding.rule, finding.risk, finding.action, finding.origin) == (
        "AUD203",
        "medium",
        "allow",
        "user-input",
    )


@pytest.mark.parametrize(
    ("script", "operands"),
    [
        # a constant script handing its $1 to a constant script of its own that runs it
        ('x="$1"; sh -c \'eval "$1"\' sh "$x"', {1}),
        ('JOB="$1" sh -c \'eval "$JOB"\'', {1}),
        ('printf %s "$1" | tee job.sh; sh job.sh', {1}),
        ('printf %s "$1" > job.sh; cat job.sh | sh', {1}),
    ],
)
def test_a_script_that_runs_its_argument_further_on(script: str, operands: set[int]) -> None:
    """["sh", "-c", SCRIPT, "sh", cmd]: the script runs cmd (AUD101/AUD001, not AUD203)."""
    use = script_uses.runs_arguments("sh", script)
    assert use is not None and use.operands == frozenset(operands)


def test_a_script_that_passes_its_argument_as_data() -> None:
    assert script_uses.runs_arguments("sh", 'sh -c \'grep -- "$1" f\' sh "$1"') is None


def test_sort_runs_its_compress_program(tmp_path: Path) -> None:
    """user-input: AUD102, high, isolate (was AUD203 medium allow): the word may be
    --compress-program=PROG; after -- it is a file (AUD203)."""
    finding = scan_app(tmp_path, CLI + '    subprocess.run(["sort", "-u", x])\n')
    assert (finding.rule, finding.risk, finding.action) == ("AUD102", "high", "isolate")
    finding = scan_app(tmp_path, CLI + '    subprocess.run(["sort", "-u", "--", x])\n')
    assert (finding.rule, finding.risk, finding.action) == ("AUD203", "medium", "allow")
