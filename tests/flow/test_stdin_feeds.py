"""What a program writes to a shell it started to read its standard input is that site's
payload (rules/stdin_feeds.toml, docs/flow.md): the summary records it as a label written at
the feeding call, the pre-filter keeps the body that writes it, and only the process the
site returns is followed. The end-to-end cases are in cases/stdin_fed_shells and
cases/stdin_fed_pipes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.file_summary import FileSummary
from auditor.findings import Finding
from auditor.scan.analyze import Context, Options, analyze_source
from reports.audit import locale
from tests.conftest import analyze, make_policy

SESSION = """\
import subprocess


class Session:
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)

    def helper(self):
        return 1

    def send(self, command):
        line = command + "\\n"
        self.process.stdin.write(line)
"""


def _scan(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return sorted(result.findings, key=lambda f: f.line)


def test_the_summary_records_the_write_as_the_sites_payload() -> None:
    result = analyze(SESSION, path="app/session.py")
    assert result.summary is not None
    [site] = result.summary.sites
    assert site.function == "Session.__init__"
    # written at line 13 by self.process.stdin.write, what send()'s parameter carries
    assert site.labels == (
        ("w", 13, 9, "self.process.stdin.write", ("p", "Session.send", "command")),
    )
    # send() is not the site's function: nothing of it can make the site constant
    assert site.params == ()
    # the pre-filter kept send()'s body (it holds no sink, but writes to the shell)
    assert result.summary.functions["Session.send"].complete
    assert not result.summary.functions["Session.helper"].complete


def test_the_written_label_survives_the_cache() -> None:
    result = analyze(SESSION, path="app/session.py")
    assert result.summary is not None
    again = FileSummary.from_json(result.summary.to_json())
    assert again.sites == result.summary.sites


def test_a_write_to_another_process_feeds_nothing(tmp_path: Path) -> None:
    bash, cat = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def relay(text: str) -> str:
            \"\"\"Copy a text.\"\"\"
            shell = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
            copier = subprocess.Popen(["cat"], stdin=subprocess.PIPE, text=True)
            copier.stdin.write(text)
            shell.stdin.write("true\\n")
            return ""
        """,
    )
    assert (bash.line, bash.rule, bash.origin, bash.flow) == (8, "AUD101", "internal", ())
    assert (cat.line, cat.rule) == (9, "AUD301")


def test_an_alias_of_the_process_is_followed(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def run(code: str) -> str:
            \"\"\"Run it.\"\"\"
            started = subprocess.Popen(["sh"], stdin=subprocess.PIPE, text=True)
            proc = started
            proc.communicate(code)
            return ""
        """,
    )
    assert (finding.rule, finding.origin) == ("AUD001", "llm-output")
    assert [(s.line, s.kind) for s in finding.flow] == [(6, "entry"), (10, "fed"), (8, "reaches")]


def test_a_fixed_program_fed_a_value_is_no_stdin_shell(tmp_path: Path) -> None:
    # ``bash -c CMD`` runs its operand: what is written to its input is data
    [finding] = _scan(
        tmp_path,
        """\
        import subprocess
        from langchain_core.tools import tool


        @tool
        def run(code: str) -> str:
            \"\"\"Run it.\"\"\"
            proc = subprocess.Popen(["bash", "-c", "cat"], stdin=subprocess.PIPE, text=True)
            proc.communicate(code)
            return ""
        """,
    )
    assert (finding.rule, finding.payload, finding.origin) == ("AUD201", "constant", None)


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_step_is_worded_in_each_language(lang: str) -> None:
    words = locale(lang)["flow"]["fed"]
    text = words.format(detail="", code="x", origin="", param="", function="`p.stdin.write()`")
    assert "`p.stdin.write()`" in text


# A shell started in __init__ and fed by send(), a method with no sink of its own, through
# the pipe held another way than ``self.process.stdin.write``: (the methods, the call that
# writes). The pre-filter must keep send()'s body for the summary to see the write.
FEEDERS = {
    "pipe-in-attribute-printed": (
        """
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
        self.pipe = self.process.stdin

    def send(self, command):
        print("set -e", command, sep="\\n", file=self.pipe)
""",
        "print",
    ),
    "pipe-in-variable": (
        """
    def __init__(self):
        self.process = subprocess.Popen(["sh"], stdin=subprocess.PIPE, text=True)

    def send(self, command):
        pipe = self.process.stdin
        pipe.writelines([command])
""",
        "pipe.writelines",
    ),
    "descriptor-in-attribute": (
        """
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE)
        self.fd = self.process.stdin.fileno()

    def send(self, command):
        os.write(self.fd, command)
""",
        "os.write",
    ),
    "popen-pipe-in-attribute": (
        """
    def __init__(self):
        self.shell = os.popen("sh", "w")

    def send(self, command):
        self.shell.write(command)
""",
        "self.shell.write",
    ),
    "popen-aliased": (
        """
    def __init__(self):
        self.shell = run_shell("bash", mode="w")

    def send(self, command):
        self.shell.write(command)
""",
        "self.shell.write",
    ),
    "popen-by-factory": (
        """
    def __init__(self):
        self.shell = self._open()

    def _open(self):
        return os.popen("bash", "w")

    def send(self, command):
        self.shell.write(command)
""",
        "self.shell.write",
    ),
    "process-by-factory": (
        """
    def __init__(self):
        self.process = self._start()

    def _start(self):
        return subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)

    def send(self, command):
        stdin = self.process.stdin
        stdin.write(command)
""",
        "stdin.write",
    ),
    # a pipe only retyped for the type checker is the same pipe (composio's host shell:
    # ``stdin = t.cast(t.IO[str], self._process.stdin)``, then ``os.write(stdin.fileno(), b)``)
    "cast-by-descriptor": (
        """
    def __init__(self):
        self._process = subprocess.Popen(["bash", "-l"], stdin=subprocess.PIPE, text=True)

    def send(self, command):
        stdin = t.cast(t.IO[str], self._process.stdin)
        os.write(stdin.fileno(), command)
""",
        "os.write",
    ),
    "cast-by-name": (
        """
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)

    def send(self, command):
        pipe = cast(IO[str], self.process.stdin)
        pipe.write(command)
""",
        "pipe.write",
    ),
    "cast-by-keyword": (
        """
    def __init__(self):
        self.process = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
        self.pipe = cast(typ=IO[str], val=self.process.stdin)

    def send(self, command):
        self.pipe.write(command)
""",
        "self.pipe.write",
    ),
}

FEEDER_FILE = """\
import os
import subprocess
import typing as t
from os import popen as run_shell
from typing import IO, cast


class Shell:{methods}
    def log(self, text):
        out = open("log.txt", "w")
        out.write(text)
"""


@pytest.mark.parametrize("name", sorted(FEEDERS))
def test_a_pipe_held_another_way_is_followed_and_kept(name: str) -> None:
    methods, writer = FEEDERS[name]
    code = FEEDER_FILE.format(methods=methods)
    written = next(n for n, text in enumerate(code.splitlines(), 1) if f"{writer}(" in text)
    results = [
        analyze_source(code.encode(), "app.py", "app/app.py", ctx)
        for ctx in (Context(make_policy()), Context(make_policy(), Options(prefilter=False)))
    ]
    fast, full = (r.summary for r in results)
    assert fast is not None and full is not None
    [site] = fast.sites
    assert [(x[0], x[1], x[3], x[4]) for x in site.labels] == [
        ("w", written, writer, ("p", "Shell.send", "command"))
    ]
    # the pre-filter kept send()'s body (it writes to the shell), dropped log()'s (its write
    # is to a file), and changed nothing the summary says of the site
    assert fast.functions["Shell.send"].complete
    assert not fast.functions["Shell.log"].complete
    assert fast.sites == full.sites


@pytest.mark.parametrize(
    "feeding",
    [
        "print(command, file=sys.stderr)",
        "print(command, file=other.stdin)",
        "os.write(other.stdin.fileno(), command)",
        "os.write(2, command)",
        "alias = other.stdin\n    alias.write(command)",
        "print(command, file=shell.stdout)",
        "alias = typing.cast(typing.IO[str], other.stdin)\n    alias.write(command)",
        "alias = typing.cast(typing.IO[str], shell.stdout)\n    alias.write(command)",
    ],
)
def test_a_write_elsewhere_feeds_nothing(feeding: str) -> None:
    code = f"""\
import os
import subprocess
import sys
import typing


def run(command):
    shell = subprocess.Popen(["bash"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    other = subprocess.Popen(["cat"], stdin=subprocess.PIPE, text=True)
    {feeding}
"""
    result = analyze(code, path="app/app.py")
    assert result.summary is not None
    bash = next(s for s in result.summary.sites if s.finding == 0)
    assert bash.labels == ()


@pytest.mark.parametrize(
    ("argv", "language"),
    [
        ('["julia"]', "Julia"),
        ('["guile"]', "Scheme (Guile)"),
        ('["sbcl", "--noinform"]', "Common Lisp"),
        ('["ghci"]', "Haskell"),
        ('["swipl", "-q"]', "Prolog"),
        ('["scala"]', "Scala"),
    ],
)
def test_interpreters_that_read_their_program_from_input(
    argv: str, language: str, tmp_path: Path
) -> None:
    """With nothing to run, these interpreters run what their standard input holds: request
    data fed to them through ``input=`` is remote code (rules/launchers.toml)."""
    code = f"""\
        import subprocess
        from flask import request
        def view():
            subprocess.run({argv}, input=request.get_data())
        """
    found = _scan(tmp_path, code)
    assert [(f.rule, f.origin) for f in found] == [("AUD003", "remote-input")]
    assert language in found[0].message


_REMOTE = "remote-input"


@pytest.mark.parametrize(
    ("argv", "fed", "expected"),
    [
        ('["tee", "/etc/cron.d/job"]', "request.get_data()", ("AUD001", "critical", _REMOTE)),
        ('["sudo", "tee", "/etc/sudoers.d/x"]', "request.data", ("AUD001", "critical", _REMOTE)),
        ('["tee", "/home/app/.bashrc"]', "os.environ['LINE']", ("AUD101", "high", "environment")),
        ('["tee", "/var/log/app.log"]', "request.get_data()", ("AUD301", "low", None)),
        ('["dd", "of=/etc/cron.d/job"]', "request.get_data()", ("AUD001", "critical", _REMOTE)),
        ('["dd", "of=/srv/upload.bin"]', "request.get_data()", ("AUD301", "low", None)),
        ('["tee", "/etc/cron.d/job"]', "'* * * * * root true'", ("AUD301", "low", None)),
    ],
)  # fmt: skip
def test_tee_into_a_file_that_decides_what_runs(
    argv: str, fed: str, expected: tuple[str, str, str | None], tmp_path: Path
) -> None:
    """tee writes what it is fed to the files it names: into a cron table, a sudoers rule or
    a shell profile, that data is what runs later (rules/launchers.toml, then = "writes")."""
    code = f"""\
        import os, subprocess
        from flask import request
        def view():
            subprocess.run({argv}, input={fed})
        """
    found = _scan(tmp_path, code)
    assert [(f.rule, f.risk, f.origin) for f in found] == [expected]


TERMINAL = """\
import pexpect


class Terminal:
    def __init__(self, user):
        self.shell = pexpect.spawn(f"su {user}", encoding="utf-8")

    def helper(self):
        return 1

    def send(self, command):
        self.shell.sendline(command)
"""


def test_a_session_records_what_its_methods_send() -> None:
    """pexpect.spawn(f"su {user}") (rules/stdin_feeds.toml's [[sessions]]): su's word known
    only at run time may be the user, whose shell then reads the pty, so the site is a
    dynamic shell; ``self.shell.sendline(command)`` in another method is a label written at
    line 12, and the pre-filter kept send()'s body (no sink there) but not helper()'s."""
    result = analyze(TERMINAL, path="app/terminal.py")
    assert result.summary is not None
    [site] = result.summary.sites
    assert ("w", 12, 9, "self.shell.sendline", ("p", "Terminal.send", "command")) in site.labels
    assert result.summary.functions["Terminal.send"].complete
    assert not result.summary.functions["Terminal.helper"].complete
    [finding] = result.findings
    assert (finding.rule, finding.payload, finding.via) == ("AUD101", "dynamic", ("su",))
