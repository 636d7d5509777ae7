"""Two trust defects: a shell quote counted where it protects nothing, and a module global
taken for a constant while something rebinds it (a walrus in a comprehension, a write by
name through ``globals()``, another module's ``mod.NAME = x``). Each is checked on the
scan's classification and on what ``auditor migrate`` would rewrite."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor import migrate
from auditor.api import scan
from auditor.judge.launchers import exposed_holes
from auditor.judge.policy import load_policy

FLASK = "import os, shlex, subprocess\nfrom flask import request\n"


def _scan(tmp_path: Path, files: dict[str, str]) -> dict[str, list[tuple[str, str, str]]]:
    """(rule, payload, message) of each finding, by file name."""
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=load_policy(tmp_path))
    out: dict[str, list[tuple[str, str, str]]] = {}
    for f in result.findings:
        out.setdefault(Path(f.path).name, []).append((f.rule, f.payload, f.message))
    return out


def _rewrites(tmp_path: Path) -> list[str]:
    """The codemods migrate would apply (a dry run) under ``tmp_path``."""
    plans = migrate.plan([tmp_path], load_policy(tmp_path))
    return [s.codemod for p in plans for s in p.sites]


# -- the shell quote ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("parts", "exposed"),
    [
        (("ls ", 1), set()),  # a whole word outside quotes
        (("grep ", 1, " file"), set()),
        (("ls --file=", 1), set()),  # attached to an option: still one literal word
        (("ls -l ", 1, " | wc -l"), set()),
        (("X=", 1, " ls"), set()),  # an assignment's value
        (("ls > ", 1), set()),  # a redirection's file
        (("sudo -u ", 1, " ls"), set()),  # a launcher's option value
        (("bash -c 'ls' _ ", 1), set()),  # sh -c CODE NAME ARG: an argument
        (("bash -c ", 1), {1}),  # the quoted word is the script
        (("sh -c ", 1, " && ls ", 2), {1}),
        (("python3 -c ", 1), {1}),
        (("su -c ", 1, " root"), {1}),
        (("ssh host ", 1), {1}),  # ssh joins its words into a remote command
        (("cd /tmp; eval ", 1), {1}),
        (("eval ls ", 1), {1}),  # eval joins its words and reads them again
        (('echo "', 1, '"'), {1}),  # inside double quotes: the single quotes are literal
        (("echo '", 1, "'"), {1}),
        (("echo $(cat ", 1, ")"), {1}),  # nested: not judged
        (("cat <<EOF\n", 1, "\nEOF"), {1}),  # a here-document expands $(...)
        (("echo \\", 1), {1}),  # the opening quote escaped
        (("echo $", 1), {1}),  # $'...' reads escapes
        ((1, " -l"), {1}),  # the program itself
        (("sudo ", 1), {1}),
        (("timeout 5 ", 1), {1}),
        (("ls 'a", 1), {1}),  # an unterminated quote: its place cannot be read
        (("echo ", None, " ", 1), set()),
    ],
)
def test_where_a_quoted_hole_protects(
    parts: tuple[str | int | None, ...], exposed: set[int]
) -> None:
    assert exposed_holes(parts) == exposed


def test_quote_counts_only_where_it_protects(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app.py": FLASK
            + textwrap.dedent(
                """\
                def plain():
                    os.system("ls " + shlex.quote(request.args["p"]))

                def fstring():
                    x = request.args["x"]
                    os.system(f"grep {shlex.quote(x)} file")

                def bash_c():
                    os.system("bash -c " + shlex.quote(request.args["c"]))

                def in_double_quotes():
                    os.system(f'echo "{shlex.quote(request.args["m"])}"')

                def percent():
                    os.system("bash -c %s" % shlex.quote(request.args["c"]))

                def format_ssh():
                    os.system("ssh host {}".format(shlex.quote(request.args["c"])))

                def through_a_name():
                    q = shlex.quote(request.args["c"])
                    subprocess.run("sh -c " + q, shell=True)
                """
            )
        },
    )["app.py"]
    quoted = [m for _, _, m in found if "quoted or converted (shlex.quote)" in m]
    critical = [m for r, _, m in found if r == "AUD001"]
    assert len(found) == 7
    assert len(quoted) == 2  # plain, fstring: still lowered
    assert all("quoted or converted" not in m for m in critical)
    assert len(critical) == 5


def test_shlex_join_quotes_each_word(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app.py": FLASK
            + textwrap.dedent(
                """\
                def written_out():
                    os.system(shlex.join(["tar", "-czf", request.args["n"], "/srv"]))

                def program_chosen():
                    os.system(shlex.join(request.json["argv"]))

                def remote():
                    os.system("ssh host " + shlex.join(["ls", request.args["d"]]))
                """
            )
        },
    )["app.py"]
    rules = [(r, "quoted or converted" in m) for r, _, m in found]
    assert rules == [("AUD101", True), ("AUD001", False), ("AUD001", False)]


def test_a_join_of_each_word_quoted_is_read_as_shlex_join(tmp_path: Path) -> None:
    """``" ".join(shlex.quote(p) for p in parts)`` (vanna 2.0's ``_quote_command``) is the
    command line ``shlex.join(parts)`` is: a quoted word that is the program, or the script
    python runs, is no quote that counts; one that is an operand still is."""
    found = _scan(
        tmp_path,
        {
            "app.py": FLASK
            + textwrap.dedent(
                """                def script_chosen():
                    parts = [sys.executable, request.args["file"]]
                    os.system(" ".join(shlex.quote(p) for p in parts))

                def program_chosen():
                    parts = [request.args["prog"], "-v"]
                    os.system(" ".join([shlex.quote(p) for p in parts]))

                def operand():
                    parts = ["grep", "--", request.args["word"], "/srv/log"]
                    os.system(" ".join(shlex.quote(p) for p in parts))

                def filtered():
                    parts = [sys.executable, request.args["file"]]
                    os.system(" ".join(shlex.quote(p) for p in parts if p))
                """
            )
        },
    )["app.py"]
    rules = [(r, "quoted or converted" in m) for r, _, m in found]
    # (a condition may drop words: the join is read as before, a quote that counts)
    assert rules == [("AUD001", False), ("AUD001", False), ("AUD101", True), ("AUD101", True)]


def test_a_number_still_counts_anywhere(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {"app.py": FLASK + "def f():\n    os.system('bash -c ' + str(int(request.args['n'])))\n"},
    )["app.py"]
    assert [r for r, _, _ in found] == ["AUD101"]
    assert "quoted or converted" in found[0][2]


# -- module globals rebound ---------------------------------------------------------------
def test_walrus_in_a_comprehension_rebinds_the_module_name(tmp_path: Path) -> None:
    code = """\
        import subprocess, sys

        CLEAN = "make clean"

        def clean():
            return subprocess.run(CLEAN, shell=True).returncode

        if __name__ == "__main__":
            if any((CLEAN := a) for a in sys.argv[1:2]):
                pass
            clean()
        """
    found = _scan(tmp_path, {"job.py": code})["job.py"]
    assert [(r, p) for r, p, _ in found] == [("AUD101", "dynamic")]
    assert "shell-to-argv" not in _rewrites(tmp_path)


def test_walrus_in_a_function_comprehension_binds_the_function_name(tmp_path: Path) -> None:
    code = """\
        import subprocess, sys

        def f():
            cmd = "ls"
            [cmd := a for a in sys.argv]
            subprocess.run(cmd, shell=True)
        """
    found = _scan(tmp_path, {"f.py": code})["f.py"]
    assert [(r, p) for r, p, _ in found] == [("AUD101", "dynamic")]


@pytest.mark.parametrize(
    "write",
    [
        'def setup():\n    globals()["CMD"] = sys.argv[1]\n',
        "def setup():\n    globals().update(CMD=sys.argv[1])\n",
        'def setup():\n    setattr(sys.modules[__name__], "CMD", sys.argv[1])\n',
        "sys.modules[__name__].CMD = sys.argv[1]\n",  # (in a body: not kept by the pre-filter)
        "def setup(k):\n    globals()[k] = sys.argv[1]\n",  # any name may be written
        "def setup(d):\n    globals().update(d)\n",
        "def setup(k):\n    setattr(sys.modules[__name__], k, 'x')\n",
        # a function's own __globals__ is the module's namespace
        'def setup():\n    g.__globals__["CMD"] = sys.argv[1]\n',
        "def setup():\n    g.__globals__.update(CMD=sys.argv[1])\n",
    ],
)
def test_globals_written_by_name_are_no_constants(tmp_path: Path, write: str) -> None:
    code = "import os, sys\nCMD = 'uptime'\ndef g():\n    os.system(CMD)\n" + write
    found = _scan(tmp_path, {"t.py": code})["t.py"]
    assert [(r, p) for r, p, _ in found] == [("AUD101", "dynamic")]
    assert "shell-to-argv" not in _rewrites(tmp_path)


def test_another_global_written_by_name_leaves_the_constant(tmp_path: Path) -> None:
    code = (
        "import os, sys\nCMD = 'uptime'\ndef g():\n    os.system(CMD)\n"
        'def setup():\n    globals()["OTHER"] = sys.argv[1]\n'
    )
    found = _scan(tmp_path, {"t.py": code})["t.py"]
    assert [(r, p) for r, p, _ in found] == [("AUD201", "constant")]
    assert _rewrites(tmp_path) == ["shell-to-argv"]


TASKS = """\
    import subprocess

    PAGER = "less"

    def page():
        return subprocess.run(PAGER, shell=True).returncode
    """


@pytest.mark.parametrize(
    "cli",
    [
        "import sys\nimport tasks\n\ndef main():\n    tasks.PAGER = sys.argv[1]\n",
        "import sys\nimport tasks as t\n\ndef main():\n    t.PAGER = sys.argv[1]\n",
        "import sys\nimport tasks\n\ndef main():\n    setattr(tasks, 'PAGER', sys.argv[1])\n",
        "import sys\nfrom . import tasks\n\ndef main():\n    tasks.PAGER += sys.argv[1]\n",
        # its namespace written: by key, by keyword, with keys not written out
        "import sys\nimport tasks\n\ndef main():\n    vars(tasks)['PAGER'] = sys.argv[1]\n",
        "import sys\nimport tasks\n\ndef main():\n    tasks.__dict__['PAGER'] = sys.argv[1]\n",
        "import json, sys\nimport tasks\n\ndef main():\n"
        "    tasks.__dict__.update(PAGER=json.load(open(sys.argv[1]))['pager'])\n",
        "import json, sys\nimport tasks\n\ndef main():\n"
        "    vars(tasks).update(json.load(open(sys.argv[1])))\n",
    ],
)
def test_a_global_another_module_assigns_is_no_constant(tmp_path: Path, cli: str) -> None:
    found = _scan(tmp_path, {"tasks.py": TASKS, "cli.py": cli})
    assert [(r, p) for r, p, _ in found["tasks.py"]] == [("AUD101", "dynamic")]
    assert "cli.py assigns tasks.PAGER" in found["tasks.py"][0][2]
    plans = migrate.plan([tmp_path], load_policy(tmp_path))
    assert [s.codemod for p in plans for s in p.sites] == []
    reviews = [r.reason for p in plans for r in p.reviews]
    assert any("cli.py assigns tasks.PAGER" in r for r in reviews)
    assert not any(p.changed for p in plans)


@pytest.mark.parametrize(
    ("other", "why"),
    [
        # a settings loader: any global of tasks may be the name it sets
        (
            "import json, sys\nimport tasks\n\ndef load():\n"
            "    for name, value in json.load(open(sys.argv[1])).items():\n"
            "        setattr(tasks, name, value)\n",
            "may assign any global of tasks at run time",
        ),
        # a test's patches, by dotted name (no import of tasks needed) or on the module
        (
            "from unittest import mock\n\ndef test_page():\n"
            "    with mock.patch('tasks.PAGER', 'more'):\n        pass\n",
            "patches tasks.PAGER",
        ),
        (
            "from unittest import mock\n\n@mock.patch('tasks.PAGER', 'more')\n"
            "def test_page():\n    pass\n",
            "patches tasks.PAGER",
        ),
        (
            "def test_page(monkeypatch):\n    monkeypatch.setattr('tasks.PAGER', 'more')\n",
            "patches tasks.PAGER",
        ),
        (
            "import tasks\nfrom unittest import mock\n\ndef test_page():\n"
            "    with mock.patch.object(tasks, 'PAGER', 'more'):\n        pass\n",
            "assigns tasks.PAGER",
        ),
        (
            "import tasks\nfrom unittest import mock\n\n"
            "@mock.patch.multiple(tasks, PAGER='more')\ndef test_page():\n    pass\n",
            "assigns tasks.PAGER",
        ),
    ],
)
def test_a_global_overridden_at_run_time_is_no_constant(
    tmp_path: Path, other: str, why: str
) -> None:
    """An argv list would freeze the value the global has before the override: migrate
    leaves the call (and the scan does not call the command constant)."""
    found = _scan(tmp_path, {"tasks.py": TASKS, "other.py": other})
    assert [(r, p) for r, p, _ in found["tasks.py"]] == [("AUD101", "dynamic")]
    assert f"other.py {why}" in found["tasks.py"][0][2]
    plans = migrate.plan([tmp_path], load_policy(tmp_path))
    assert [s.codemod for p in plans for s in p.sites] == []
    reasons = [r for p in plans for review in p.reviews for r in review.reasons]
    assert any(f"other.py {why}" in r for r in reasons), reasons
    assert not any(p.changed for p in plans)


@pytest.mark.parametrize(
    "other",
    [
        # attributes of another object by name; another global patched; another module's
        "import json, sys\nimport tasks\n\ndef load(obj):\n"
        "    for name, value in json.load(open(sys.argv[1])).items():\n"
        "        setattr(obj, name, value)\n",
        "from unittest import mock\n\ndef test_page():\n"
        "    with mock.patch('tasks.OTHER', 'x'):\n        pass\n",
        "from unittest import mock\n\ndef test_page():\n"
        "    with mock.patch('other.PAGER', 'x'):\n        pass\n",
    ],
)
def test_an_override_of_something_else_leaves_the_constant(tmp_path: Path, other: str) -> None:
    found = _scan(tmp_path, {"tasks.py": TASKS, "other.py": other})
    assert [(r, p) for r, p, _ in found["tasks.py"]] == [("AUD201", "constant")]
    assert _rewrites(tmp_path) == ["shell-to-argv"]


def test_migrate_sees_the_tests_outside_the_paths_it_migrates(tmp_path: Path) -> None:
    """``auditor migrate src``: the project's tests still patch what src runs."""
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "tasks.py").write_text(textwrap.dedent(TASKS))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tasks.py").write_text(
        "from unittest import mock\n\nfrom pkg import tasks\n\n\ndef test_page():\n"
        "    with mock.patch('pkg.tasks.PAGER', 'true'):\n        assert tasks.page() == 0\n"
    )
    plans = migrate.plan([tmp_path / "pkg"], load_policy(tmp_path))
    assert [s.codemod for p in plans for s in p.sites] == []
    reasons = [r for p in plans for review in p.reviews for r in review.reasons]
    assert any("test_tasks.py patches pkg.tasks.PAGER" in r for r in reasons), reasons
    assert not any(p.changed for p in plans)


@pytest.mark.parametrize(
    "cli",
    [
        # reads it, assigns another attribute, or assigns it on a module it does not import
        "import tasks\n\ndef main():\n    print(tasks.PAGER)\n",
        "import sys\nimport tasks\n\ndef main():\n    tasks.OTHER = sys.argv[1]\n",
        "import sys\nimport other\n\ndef main():\n    other.PAGER = sys.argv[1]\n",
        "import tasks\n\ndef main():\n    if tasks.PAGER == 'more':\n        pass\n",
        "import sys\nimport tasks\n\ndef main():\n    tasks.__dict__.update(OTHER=sys.argv[1])\n",
    ],
)
def test_a_global_no_other_module_assigns_stays_constant(tmp_path: Path, cli: str) -> None:
    found = _scan(tmp_path, {"tasks.py": TASKS, "cli.py": cli})
    assert [(r, p) for r, p, _ in found["tasks.py"]] == [("AUD201", "constant")]
    assert _rewrites(tmp_path) == ["shell-to-argv"]


# -- containers changed in place ----------------------------------------------------------
M = "import os, subprocess, sys\n"


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # an alias changed: the list it names is
        ("args = ['ls', '-l']\na2 = args\na2[0] = sys.argv[1]\nsubprocess.run(args)", "AUD102"),
        ("args = ['ls', '-l']\nargs.__setitem__(0, sys.argv[1])\nsubprocess.run(args)", "AUD102"),
        # handed to a function that may change it, then run
        (
            "args = ['ls', '-l']\ndef mut(l):\n    l[0] = sys.argv[1]\nmut(args)\n"
            "subprocess.run(args)",
            "AUD102",
        ),
        (
            "args = ['ls', '-l']\nargs.clear()\nargs.append(sys.argv[1])\nsubprocess.run(args)",
            "AUD102",
        ),
        (
            "args = ['echo', '-l']\nargs.extend(sys.argv)\nargs.sort()\nsubprocess.run(args)",
            "AUD102",
        ),
        ("d = {'cmd': 'ls'}\nd.update(cmd=sys.argv[1])\nos.system(d['cmd'])", "AUD101"),
        # reading calls and the run itself change nothing
        ("args = ['ls', '-l']\nprint(args)\nlen(args)\nsubprocess.run(args)", "AUD301"),
        ("args = ['ls', '-l']\nsubprocess.run(args)\nprint(' '.join(args))", "AUD301"),
        # a string handed to a function is not changed by it
        ("cmd = 'ls -l'\ndef f(c):\n    pass\nf(cmd)\nos.system(cmd)", "AUD201"),
    ],
)
def test_a_container_changed_in_place_is_no_constant(
    tmp_path: Path, body: str, rule: str | None
) -> None:
    code = M + "def run():\n" + textwrap.indent(body, "    ") + "\n"
    found = _scan(tmp_path, {"t.py": code}).get("t.py", [])
    assert [r for r, _, _ in found] == ([rule] if rule else [])
    if rule in ("AUD101", "AUD102"):
        assert "shell-to-argv" not in _rewrites(tmp_path)


def test_a_suppression_of_the_constant_does_not_cover_what_another_module_assigns(
    tmp_path: Path,
) -> None:
    """``# auditor: ignore[AUD201]`` accepted a constant pager; cli.py assigning it from the
    command line makes the site dynamic (high): the comment no longer covers it."""
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    (tmp_path / "tasks.py").write_text(
        "import subprocess\n\nPAGER = 'less'\n\n\ndef page():\n"
        "    subprocess.run(PAGER, shell=True)  # auditor: ignore[AUD201] the pager is ours\n"
    )
    (tmp_path / "cli.py").write_text(
        "import sys\nimport tasks\n\n\ndef main():\n    tasks.PAGER = sys.argv[1]\n"
    )
    [finding] = scan([tmp_path], policy=load_policy(tmp_path)).findings
    assert (finding.rule, finding.risk, finding.suppressed) == ("AUD101", "high", False)
    assert "its suppression comment accepted AUD201 medium" in finding.message
