"""A constant script handed what it runs at run time: through its arguments
(``["bash", "-c", 'eval "$1"', "bash", cmd]`` runs cmd, not a fixed program with an argument)
or through its standard input (``["sh", "-c", "cat | sh"]``, ``["at", "now"]``,
``["crontab", "-"]``, ``["psql"]``, ``["awk", "-f", "-"]`` fed what the call writes there).
The script analysis is auditor.judge.script_uses (rules/script_uses.toml); the programs that
read what they run from their input are rules/launchers.toml's."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.script_uses import reads_input, runs_arguments
from tests.conftest import make_policy


def _scan(tmp_path: Path, line: str) -> tuple[str, str, str | None]:
    (tmp_path / "app.py").write_text(
        f"import os\nimport subprocess\nimport sys\n\n\ndef run(cmd):\n    {line}\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    return finding.rule, finding.payload, finding.note


ARGUMENT_CASES = [
    # (the call, rule, payload): the script runs its argument
    ("""subprocess.run(["bash", "-c", 'eval "$1"', "bash", cmd])""", "AUD101", "dynamic"),
    ("""subprocess.run(["sh", "-c", '"$@"', "sh", cmd])""", "AUD102", "dynamic"),
    ("""subprocess.run(["sh", "-c", 'c=$1; exec $c --x', "sh", cmd])""", "AUD102", "dynamic"),
    ("""subprocess.run(["sh", "-c", 'echo "$2" | sh', "sh", "x", cmd])""", "AUD101", "dynamic"),
    (
        """subprocess.run(["sh", "-c", 'sudo -u app bash -c "$1"', "sh", cmd])""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run([sys.executable, "-c", "import sys; exec(sys.argv[1])", cmd])""",
        "AUD103",
        "dynamic",
    ),
    (
        """subprocess.run(["python3", "-c", "import os,sys\\nc=sys.argv[1]\\nos.popen(c)", cmd])""",
        "AUD101",
        "dynamic",
    ),
    ("""subprocess.run(["awk", "BEGIN { system(ARGV[1]) }", cmd])""", "AUD101", "dynamic"),
    # the script uses its arguments as data: a fixed program with arguments, as before
    (
        """subprocess.run(["bash", "-c", 'grep -- "$1" /etc/hosts', "bash", cmd])""",
        "AUD203",
        "fixed-program",
    ),
    (
        """subprocess.run([sys.executable, "-c", "import sys; print(sys.argv[1])", cmd])""",
        "AUD203",
        "fixed-program",
    ),
    ("""subprocess.run(["awk", "{ print $1 }", cmd])""", "AUD203", "fixed-program"),
    # the argument it runs is a constant one ($1), the dynamic one ($2) is data
    (
        """subprocess.run(["bash", "-c", 'eval "$1" "$2"x', "bash", "ls", cmd])""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run(["bash", "-c", 'eval "$1"; echo "$2"', "bash", "ls", cmd])""",
        "AUD203",
        "fixed-program",
    ),
]


@pytest.mark.parametrize(("line", "rule", "payload"), ARGUMENT_CASES)
def test_a_constant_script_that_runs_its_argument_runs_what_is_built_at_run_time(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, note = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)
    assert (note is not None and "the script runs its arguments" in note) == (payload == "dynamic")


INPUT_CASES = [
    # (the call, rule, payload): what the call feeds the program's input runs
    ('subprocess.run(["at", "now + 1 minute"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["batch"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["crontab", "-"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["crontab"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run("crontab -u app -", shell=True, input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "cat | sh"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "base64 -d | bash -s"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["bash", "-c", \'eval "$(cat)"\'], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["bash", "-c", "source /dev/stdin"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["bash", "-c", \'read -r l; eval "$l"\'], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["awk", "-f", "-"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["awk", "-f", "/dev/stdin"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["awk", "{ system($0) }"], input=cmd, text=True)', "AUD101", "dynamic"),
    (
        'subprocess.run(["xargs", "-0", "sh", "-c", \'eval "$1"\', "sh"], input=cmd)',
        "AUD101",
        "dynamic",
    ),
    ('subprocess.run(["psql"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["psql", "-U", "app", "appdb"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["mysql", "appdb"], input=cmd, text=True)', "AUD103", "dynamic"),
    (
        'subprocess.run([sys.executable, "-c", "import sys; exec(sys.stdin.read())"], input=cmd)',
        "AUD103",
        "dynamic",
    ),
    ('p = subprocess.Popen(["at", "now"], stdin=subprocess.PIPE)', "AUD101", "dynamic"),
    # what they read is constant, or the script does not run its input
    ('subprocess.run(["at", "now"], input="echo hi", text=True)', "AUD301", "constant"),
    ('subprocess.run(["at", cmd], input="echo hi", text=True)', "AUD203", "fixed-program"),
    ('subprocess.run(["psql", "-U", cmd], input="select 1", text=True)', "AUD203", "fixed-program"),
    ('subprocess.run(["psql", "-c", "select 1"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["at", "-f", "job.sh", "now"], input=cmd, text=True)', "AUD301", "constant"),
    ('subprocess.run(["crontab", "-l"], input=cmd, text=True)', "AUD301", "constant"),
    ('subprocess.run(["sh", "-c", "cat | sort"], input=cmd, text=True)', "AUD201", "constant"),
    ('subprocess.run(["sh", "-c", "cat f | sh"], input=cmd, text=True)', "AUD201", "constant"),
    ('subprocess.run(["sh", "-c", "sh < job.sh"], input=cmd, text=True)', "AUD201", "constant"),
    ('subprocess.run(["sh", "-c", "ssh h \'bash -s\'"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["awk", "{ system($0) }", "data.txt"], input=cmd)', "AUD302", "constant"),
    ('subprocess.run(["xargs", "-0", "rm", "--"], input=cmd)', "AUD301", "constant"),
]


@pytest.mark.parametrize(("line", "rule", "payload"), INPUT_CASES)
def test_a_program_that_runs_its_input_runs_what_the_call_feeds_it(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, _ = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)


def test_request_data_fed_to_at_or_run_by_a_scripts_argument_is_critical(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "@app.post('/a')\n"
        "def a():\n"
        "    job = request.form['job']\n"
        "    subprocess.run(['at', 'now'], input=job, text=True)\n"
        "    subprocess.run(['bash', '-c', 'eval \"$1\"', 'bash', job])\n"
        "    subprocess.run(['awk', '-f', '-'], input=job, text=True)\n"
        "    return 'ok'\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = sorted((f.line, f.rule, f.risk) for f in result.findings)
    assert got == [
        (7, "AUD001", "critical"),
        (8, "AUD001", "critical"),
        (9, "AUD003", "critical"),
    ]
    eval_finding = next(f for f in result.findings if f.line == 8)
    assert eval_finding.note is not None and 'eval "$1"' in eval_finding.note


SHELL_ARGUMENTS = [
    # (script, operands it runs; None: any; "no": it runs none)
    ('eval "$1"', {1}),
    ("eval $2", {2}),
    ('"$@"', None),
    ("$*", None),
    ('exec "${1}" --flag', {1}),
    ('. "$1"', {1}),
    ('source "$3"', {3}),
    ('sh -c "$1"', {1}),
    ('x="$(echo hi; $1)"', {1}),
    ("`$1`", {1}),
    ('f=$1\ng=$f\neval "$g"', {1}),
    ('local c="$1"; $c', {1}),
    ('if true; then eval "$1"; fi', {1}),
    ('timeout 5 "$1" x', {1}),
    ('printf %s "$1" | bash', {1}),
    ('grep -- "$1" /etc/hosts', "no"),
    ('echo "$1" > out.txt', "no"),
    ("echo '$1' | sh", "no"),
    ("cat <<EOF\n$1\nEOF\necho done", "no"),
    ('for a in "$@"; do echo "$a"; done', "no"),
    ('test -n "$1" && ls "$1"', "no"),
]


@pytest.mark.parametrize(("script", "operands"), SHELL_ARGUMENTS)
def test_which_arguments_a_shell_script_runs(script: str, operands: object) -> None:
    use = runs_arguments("sh", script)
    if operands == "no":
        assert use is None, use
        return
    assert use is not None
    assert use.operands == (None if operands is None else frozenset(operands))  # type: ignore[arg-type]


SHELL_INPUT = [
    ("cat | sh", "sh"),
    ("cat - | bash -s", "sh"),
    ("sh -s", "sh"),
    ("tee log.txt | sh", "sh"),
    ('eval "$(cat)"', "sh"),
    ("eval `cat /dev/stdin`", "sh"),
    (". /dev/stdin", "sh"),
    ("python3 -", "python"),
    ('while read -r line; do eval "$line"; done', "sh"),
    ("cat > /tmp/x", None),
    ("cat job | sh", None),
    ("sh < job.sh", None),
    ("echo ls | sh", None),
    ("read x < f; eval $x", None),
    ("sort | uniq", None),
    ('ssh host "bash -s"', "sh"),
    ("sudo -u app bash -s", "sh"),
    ('python3 -c "import sys; exec(sys.stdin.read())"', "python"),
    ('cat job | sh -c "cat | sh"', None),
]


@pytest.mark.parametrize(("script", "language"), SHELL_INPUT)
def test_whether_a_shell_script_runs_its_input(script: str, language: str | None) -> None:
    found = reads_input("sh", script)
    assert (found[0] if found else None) == language


PYTHON = [
    ("import sys; exec(sys.argv[1])", "code", None),
    ("from sys import argv\nimport subprocess as sp\nsp.call(argv[1], shell=True)", "shell", None),
    ("import sys, subprocess\nsubprocess.run(sys.argv[1:])", "program", None),
    ("import sys; print(sys.argv[1])", None, None),
    ("import sys, os; os.system('ls ' + 'x'); print(sys.argv)", None, None),
    ("import sys; exec(sys.stdin.read())", None, "python"),
    ("import os; os.system(input())", None, "sh"),
    ("exec(open(0).read())", None, "python"),
    ("import sys; print(sys.stdin.read())", None, None),
]


@pytest.mark.parametrize(("code", "runs", "stdin"), PYTHON)
def test_what_python_code_runs_of_its_arguments_and_input(
    code: str, runs: str | None, stdin: str | None
) -> None:
    use = runs_arguments("python", code)
    assert (use.runs if use else None) == runs
    found = reads_input("python", code)
    assert (found[0] if found else None) == stdin


AWK = [
    ("BEGIN { system(ARGV[1]) }", True, False),
    ("BEGIN { c = ARGV[1]; c | getline out; print out }", True, False),
    ('BEGIN { print ARGV[1] | "sh" }', True, False),
    ('BEGIN { print "x" | ARGV[1] }', True, False),
    ('BEGIN { print ARGV[1] | "cat" }', False, False),
    ("{ print $1 }", False, False),
    ("{ system($0) }", False, True),
    ('{ print | "sh" }', False, True),
    ("{ getline line; system(line) }", False, True),
    ('BEGIN { system("date") }', False, False),
]


@pytest.mark.parametrize(("program", "argv", "stdin"), AWK)
def test_what_an_awk_program_runs_of_its_arguments_and_input(
    program: str, argv: bool, stdin: bool
) -> None:
    assert (runs_arguments("awk", program) is not None) == argv
    assert (reads_input("awk", program) is not None) == stdin
    assert reads_input("awk", program, ["data.txt"]) is None  # it reads the file


OTHER_INTERPRETERS = [
    # (the call, rule, payload): perl -e, ruby -e, php -r read as text (rules/script_uses.toml)
    ('subprocess.run(["perl", "-e", "system($ARGV[0])", "--", cmd])', "AUD101", "dynamic"),
    ('subprocess.run(["perl", "-e", "my $c = shift; print `$c`", "--", cmd])', "AUD101", "dynamic"),
    ('subprocess.run(["perl", "-e", "print $ARGV[0]", "--", cmd])', "AUD203", "fixed-program"),
    ('subprocess.run(["ruby", "-e", "system(ARGV[0])", "--", cmd])', "AUD101", "dynamic"),
    ('subprocess.run(["ruby", "-e", "puts ARGV[0]", "--", cmd])', "AUD203", "fixed-program"),
    ('subprocess.run(["php", "-r", "system($argv[1]);", "--", cmd])', "AUD101", "dynamic"),
    ('subprocess.run(["php", "-r", "echo $argv[1];", "--", cmd])', "AUD203", "fixed-program"),
    ('subprocess.run(["perl", "-e", "eval <STDIN>"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["perl", "-e", "print <STDIN>"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["ruby", "-e", "eval($stdin.read)"], input=cmd)', "AUD103", "dynamic"),
    (
        """subprocess.run(["node", "-e", "eval(require('fs').readFileSync(0))"], input=cmd)""",
        "AUD103",
        "dynamic",
    ),
]


@pytest.mark.parametrize(("line", "rule", "payload"), OTHER_INTERPRETERS)
def test_what_other_interpreters_code_runs_of_its_arguments_and_input(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, _ = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)


def test_a_method_named_like_a_sink_is_not_one() -> None:
    """RegExp.prototype.exec is no child_process.exec."""
    assert runs_arguments("node", "/x/.exec(process.argv[1])") is None
    assert runs_arguments("node", "require('child_process').execSync(process.argv[1])")
