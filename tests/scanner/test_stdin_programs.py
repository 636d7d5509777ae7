"""Programs and constant scripts that run what the call feeds their standard input, or the
words they are handed, beyond a shell's ``-s``: editors and calculators that run commands
(``ed``'s ``!CMD``, ``ex``/``vim -es``'s ``:!CMD``, ``sed e``, ``m4``'s ``syscmd``, ``dc``'s
``!``, ``sftp``'s ``!CMD``, R's ``system()``), ``xargs`` putting its input where a command
reads what it runs (``xargs -0 sh -c``, ``xargs -I{} sh -c {}``), and shell and Python
scripts that pass their input on (``cat > f && sh f``, ``source <(cat)``, ``bash <&0``,
``code.interact()``). Each was a constant command (low, allowed) fed request data."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.script_uses import (
    fetches,
    reads_input,
    runs_arguments,
    runs_environment,
    xargs_runs,
)
from tests.conftest import make_policy


def _scan(tmp_path: Path, line: str) -> tuple[str, str, str | None]:
    (tmp_path / "app.py").write_text(
        f"import os\nimport subprocess\nimport sys\n\n\ndef run(cmd):\n    {line}\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    return finding.rule, finding.payload, finding.note


FED = [
    # (the call, rule, payload): what the call feeds the program's input runs
    ('subprocess.run(["ed", "-s", "notes.txt"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["ex", "-s", "notes.txt"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["vim", "-es", "notes.txt"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["vim", "-e", "-s", "notes.txt"], input=cmd)', "AUD103", "dynamic"),
    ('subprocess.run(["sed", "e"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["sed", "-n", "s/^/echo /ep"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["sed", "-e", "s/a/b/", "-e", "e"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["sed", "-e", "s/a/b/", "--expression=1e"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["m4"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["gnuplot"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["dc"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["R", "--vanilla", "--quiet"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["Rscript", "-"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["sftp", "-b", "-", "backup@host"], input=cmd)', "AUD103", "dynamic"),
    ('subprocess.run(["sftp", "backup@host"], input=cmd)', "AUD103", "dynamic"),
    ('subprocess.run(["newgrp", "staff"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["xargs", "-I{}", "sh", "-c", "{}"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["xargs", "-I", "%", "sh", "-c", "echo %"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["xargs", "-0", "sh", "-c"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["xargs", "-0", "bash", "-c"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["xargs", "python3", "-c"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["xargs", "-I{}", "{}"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "cat > job.sh && sh job.sh"], input=cmd)', "AUD101", "dynamic"),
    (
        'subprocess.run(["sh", "-c", "tee job.sh >/dev/null; . ./job.sh"], input=cmd)',
        "AUD101",
        "dynamic",
    ),
    ('subprocess.run(["bash", "-c", "source <(cat)"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["bash", "-c", "python3 <(cat)"], input=cmd)', "AUD103", "dynamic"),
    ('subprocess.run(["bash", "-c", "bash <&0"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "sh < /dev/stdin"], input=cmd)', "AUD101", "dynamic"),
    (
        """subprocess.run(["sh", "-c", 'IFS= read -r c; sh -c "$c"'], input=cmd)""",
        "AUD101",
        "dynamic",
    ),
    ('subprocess.run(["sh", "-c", "xargs -0 sh -c"], input=cmd)', "AUD101", "dynamic"),
    # a second round: more filters between the input and the shell, stdin by its path
    ('subprocess.run(["sh", "-c", "sed s/a/a/ | sh"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "dd status=none | sh"], input=cmd)', "AUD101", "dynamic"),
    ('subprocess.run(["sh", "-c", "cat | sort | sh"], input=cmd)', "AUD101", "dynamic"),
    (
        """subprocess.run(["python3", "-c", "exec(open('/dev/stdin').read())"], input=cmd)""",
        "AUD103",
        "dynamic",
    ),
    ("""subprocess.run(["perl", "-e", 'do "/dev/stdin"'], input=cmd)""", "AUD103", "dynamic"),
    (
        """subprocess.run(["perl", "-e", "system(readline(STDIN))"], input=cmd)""",
        "AUD101",
        "dynamic",
    ),
    (
        'subprocess.run([sys.executable, "-c", "import code; code.interact(local={})"], input=cmd)',
        "AUD103",
        "dynamic",
    ),
    (
        'subprocess.run(["python3", "-c", "import pdb; pdb.set_trace()"], input=cmd)',
        "AUD103",
        "dynamic",
    ),
    # what they read is constant, or they run none of it
    (
        'subprocess.run(["ed", "-s", "notes.txt"], input="1d\\nw\\n", text=True)',
        "AUD301",
        "constant",
    ),
    ('subprocess.run(["ed", "-r", "-s", "notes.txt"], input=cmd, text=True)', "AUD301", "constant"),
    ('subprocess.run(["sed", "-e", "s/a/b/"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["sed", "s/.*/date/e"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["sed", "e", "notes.txt"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["sed", "e date"], input=cmd, text=True)', "AUD302", "constant"),
    ('subprocess.run(["vim", "-es", "-c", "%s/a/b/g|x", "f"], input=cmd)', "AUD302", "constant"),
    ('subprocess.run(["xargs", "-0", "rm", "--"], input=cmd)', "AUD301", "constant"),
    ('subprocess.run(["xargs", "-I{}", "rm", "{}"], input=cmd)', "AUD301", "constant"),
    ('subprocess.run(["xargs", "-a", "list", "sh", "-c"], input=cmd)', "AUD301", "constant"),
    ('subprocess.run(["sh", "-c", "cat > job.sh; cat job.sh"], input=cmd)', "AUD201", "constant"),
    (
        'subprocess.run(["sh", "-c", "cat f > job.sh && sh job.sh"], input=cmd)',
        "AUD201",
        "constant",
    ),
    ('subprocess.run(["sh", "-c", "sh < job.sh"], input=cmd)', "AUD201", "constant"),
    ('subprocess.run(["bash", "-c", "sort <(cat)"], input=cmd)', "AUD201", "constant"),
]


@pytest.mark.parametrize(("line", "rule", "payload"), FED)
def test_what_the_call_feeds_a_program_that_runs_its_input_is_its_payload(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, _ = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)


ARGUMENTS = [
    # (the call, rule, payload): the script runs its argument (was AUD005 option injection)
    (
        """subprocess.run(["sh", "-c", 'for a; do eval "$a"; done', "sh", cmd])""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run(["sh", "-c", 'for a in "$@"; do sh -c "$a"; done', "sh", cmd])""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run(["sh", "-c", 'printf "%s" "$1" > f; sh f', "sh", cmd])""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run(["sh", "-c", 'echo "$1" | xargs -0 sh -c', "sh", cmd])""",
        "AUD101",
        "dynamic",
    ),
    # the arguments are data
    (
        """subprocess.run(["sh", "-c", 'for a; do echo "$a"; done', "sh", cmd])""",
        "AUD203",
        "fixed-program",
    ),
    (
        """subprocess.run(["sh", "-c", 'printf "%s" "$1" > f; cat f', "sh", cmd])""",
        "AUD203",
        "fixed-program",
    ),
]


@pytest.mark.parametrize(("line", "rule", "payload"), ARGUMENTS)
def test_a_script_that_runs_its_arguments_through_a_loop_or_a_file(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, _ = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)


@pytest.mark.parametrize(
    ("script", "runs"),
    [
        ("e", True),
        ("1,3e", True),
        ("/^run /e", True),
        ("p;e", True),
        ("s/^/ls /e", True),
        ("s|x|&|ge", True),
        ("s/.*/date/e", False),
        ("e date", False),
        ("s/a/b/g", False),
        ("y/abc/xyz/", False),
        ("# e\ns/x/y/", False),
        ("a e", False),
        ("/e/d", False),
    ],
)
def test_a_sed_script_that_runs_its_input(script: str, runs: bool) -> None:
    assert (reads_input("sed", script) is not None) == runs
    assert reads_input("sed", script, ["data.txt"]) is None  # it reads the file


@pytest.mark.parametrize(
    ("script", "language"),
    [
        ("cat > /tmp/j.sh && sh /tmp/j.sh", "sh"),
        ("cat - > j.sh; chmod +x j.sh; ./j.sh", "sh"),
        ("source <(cat)", "sh"),
        (". <(base64 -d)", "sh"),
        ("bash <&0", "sh"),
        ("0<&0 sh", "sh"),
        ("sh < /dev/stdin", "sh"),
        ('IFS= read -r c; sh -c "$c"', "sh"),
        ("xargs -0 sh -c", "sh"),
        ("xargs -I{} sh -c '{}'", "sh"),
        ("cat > j.sh; cat j.sh", None),
        ("cat job > j.sh; sh j.sh", None),
        ("source <(cat job.sh)", None),
        ("sh < job.sh", None),
        ("bash <&3", None),
        ("xargs rm -f", None),
    ],
)
def test_whether_a_shell_script_runs_its_input(script: str, language: str | None) -> None:
    found = reads_input("sh", script)
    assert (found[0] if found else None) == language


def test_for_loops_over_the_arguments() -> None:
    use = runs_arguments("sh", 'for a; do eval "$a"; done')
    assert use is not None and use.operands is None
    use = runs_arguments("sh", 'for a in "$2"; do eval "$a"; done')
    assert use is not None and use.operands == frozenset({2})
    assert runs_arguments("sh", 'for a in x y; do eval "$a"; done') is None


@pytest.mark.parametrize(
    ("argv", "start", "runs"),
    [
        (["xargs", "-0", "sh", "-c"], 2, "shell"),
        (["xargs", "-I{}", "sh", "-c", "{}"], 2, "shell"),
        (["xargs", "-I", "{}", "sh", "-c", "{}"], 3, "shell"),
        (["xargs", "-i", "sh", "-c", "echo {}"], 2, "shell"),
        (["xargs", "--replace=@", "bash", "-c", "@"], 2, "shell"),
        (["xargs", "-n1", "python3", "-c"], 2, "code"),
        (["xargs", "-0", "sh", "-c", 'eval "$1"', "sh"], 2, "shell"),
        (["xargs", "-0", "rm", "--"], 2, None),
        (["xargs", "-I{}", "cp", "{}", "/tmp"], 2, None),
        (["xargs", "-n1", "sh", "-c", 'echo "$1"', "sh"], 2, None),
        (["xargs", "-a", "list.txt", "sh", "-c"], 3, None),
        (["xargs", "--arg-file=list.txt", "sh", "-c"], 2, None),
    ],
)
def test_where_xargs_puts_its_input(argv: list[str], start: int, runs: str | None) -> None:
    use = xargs_runs(argv, start)
    assert (use.runs if use else None) == runs


@pytest.mark.parametrize(
    ("code", "runs"),
    [
        ("import code; code.interact(local={})", True),
        ("import code\nc = code.InteractiveConsole()\nc.interact()", True),
        ("from code import InteractiveConsole as C; C({}).interact()", True),
        ("import pdb; pdb.set_trace()", True),
        ("breakpoint()", True),
        ("import code; print(code.__doc__)", False),
    ],
)
def test_python_consoles_run_their_input(code: str, runs: bool) -> None:
    found = reads_input("python", code)
    assert (found[0] if found else None) == ("python" if runs else None)


ENVIRONMENT = [
    # (the call, rule, payload): env= sets at run time what the constant script runs, or a
    # variable that makes the program run a command
    (
        """subprocess.run(["sh", "-c", 'eval "$JOB"'], env={**os.environ, "JOB": cmd})""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run(["sh", "-c", 'c=$JOB; sh -c "$c"'], env={"JOB": cmd, "PATH": "/bin"})""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run("eval \\"$JOB\\"", shell=True, env=dict(os.environ, JOB=cmd))""",
        "AUD101",
        "dynamic",
    ),
    (
        """subprocess.run([sys.executable, "-c", "import os; exec(os.environ['CODE'])"], """
        """env={**os.environ, "CODE": cmd})""",
        "AUD103",
        "dynamic",
    ),
    (
        """subprocess.run(["python3", "-c", "import os; os.system(os.getenv('C'))"], """
        """env={"C": cmd})""",
        "AUD101",
        "dynamic",
    ),
    (
        'subprocess.run(["tar", "-xf", "a.tar"], env={**os.environ, "TAR_OPTIONS": cmd})',
        "AUD102",
        "dynamic",
    ),
    ('subprocess.run(["man", "ls"], env={**os.environ, "MANPAGER": cmd})', "AUD102", "dynamic"),
    ('subprocess.run(["vim", "-es", "f"], env={"VIMINIT": cmd})', "AUD102", "dynamic"),
    # the variable the script runs is constant, or another one is set at run time
    (
        """subprocess.run(["sh", "-c", 'eval "$JOB"'], env={**os.environ, "JOB": "make"})""",
        "AUD201",
        "constant",
    ),
    (
        """subprocess.run(["sh", "-c", 'eval "$JOB"'], env={**os.environ, "NAME": cmd})""",
        "AUD201",
        "constant",
    ),
    (
        """subprocess.run(["sh", "-c", 'echo "$JOB"'], env={**os.environ, "JOB": cmd})""",
        "AUD201",
        "constant",
    ),
    (
        """subprocess.run([sys.executable, "-c", "import os; print(os.environ['CODE'])"], """
        """env={"CODE": cmd})""",
        "AUD302",
        "constant",
    ),
]


@pytest.mark.parametrize(("line", "rule", "payload"), ENVIRONMENT)
def test_an_environment_variable_the_script_runs_is_its_payload(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    got_rule, got_payload, note = _scan(tmp_path, line)
    assert (got_rule, got_payload) == (rule, payload)
    if payload == "dynamic" and "-c" in line:
        assert note is not None and "environment" in note


def test_request_data_in_the_environment_a_script_runs_is_critical(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os, subprocess\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "@app.route('/hook')\n"
        "def hook():\n"
        "    subprocess.run(['sh', '-c', 'eval \"$JOB\"'],\n"
        "                   env={**os.environ, 'JOB': request.args['job']})\n"
        "    subprocess.run(['ed', '-s', 'notes.txt'], input=request.args['e'], text=True)\n"
        "    return 'ok'\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    got = sorted((f.line, f.rule, f.risk) for f in result.findings)
    assert got == [(6, "AUD001", "critical"), (8, "AUD003", "critical")]


@pytest.mark.parametrize(
    ("script", "names"),
    [
        ('eval "$JOB"', {"JOB"}),
        ("$CMD --flag", {"CMD"}),
        ('sh -c "${HOOK}"', {"HOOK"}),
        ('echo "$JOB"', None),
        ('eval "$1"', None),
    ],
)
def test_which_environment_variables_a_shell_script_runs(
    script: str, names: set[str] | None
) -> None:
    found = runs_environment("sh", script)
    assert (set(found.names or ()) if found else None) == names


FETCHED = [
    # (the call, whether the note says it runs downloaded code): the class stays constant
    ('subprocess.run(["sh", "-c", "curl -LsSf https://astral.sh/uv/install.sh | sh"])', True),
    ('subprocess.run("curl -fsSL https://get.docker.com | sudo sh", shell=True)', True),
    ('subprocess.run(["bash", "-c", \'eval "$(wget -qO- https://x.invalid/i)"\'])', True),
    ('subprocess.run(["bash", "-c", "bash <(curl -s https://x.invalid/i)"])', True),
    (
        'subprocess.run(["powershell", "-Command", "irm https://astral.sh/uv/install.ps1 | iex"])',
        True,
    ),
    (
        'subprocess.run(["python3", "-c", "import urllib.request as u; '
        "exec(u.urlopen('https://x.invalid').read())\"])",
        True,
    ),
    ('subprocess.run(["sh", "-c", "curl -fsSL https://x.invalid/a.json | jq ."])', False),
    ('subprocess.run(["sh", "-c", "curl -o i.sh https://x.invalid/i.sh"])', False),
    ('subprocess.run(["curl", "-fsSL", "https://x.invalid/i.sh"])', False),
]


@pytest.mark.parametrize(("line", "fetched"), FETCHED)
def test_a_constant_script_that_runs_downloaded_code_says_so(
    tmp_path: Path, line: str, fetched: bool
) -> None:
    _, payload, note = _scan(tmp_path, line)
    assert payload == "constant"
    assert (note is not None and "runs code it downloads" in note) == fetched


@pytest.mark.parametrize(
    ("language", "script", "fetched"),
    [
        ("sh", "curl -LsSf https://astral.sh/uv/install.sh | sh", True),
        ("sh", "wget -qO- https://x | sudo bash -s -- -y", True),
        ("sh", 'sh -c "$(curl -fsSL https://x)"', True),
        ("sh", "curl https://x | base64 -d | python3 -", True),
        ("sh", "curl https://x | tee out.json", False),
        ("powershell", "iex ((New-Object System.Net.WebClient).DownloadString('https://x'))", True),
        ("powershell", "irm https://x/status", False),
        ("python", "import requests; print(requests.get('https://x').text)", False),
    ],
)
def test_what_runs_downloaded_code(language: str, script: str, fetched: bool) -> None:
    assert (fetches(language, script) is not None) == fetched
