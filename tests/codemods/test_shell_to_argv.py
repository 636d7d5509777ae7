"""shell-to-argv: table-driven fix and no-op cases (pyupgrade style)."""

from __future__ import annotations

import textwrap

import pytest
from libcst.codemod import CodemodContext, TransformSuccess, transform_module

from auditor.codemod_support import Outcome
from auditor.codemods.shell_to_argv import ShellToArgv, shell_free_argv
from auditor.judge.policy import load_policy


def run(source: str) -> tuple[str, list[Outcome]]:
    source = textwrap.dedent(source)
    codemod = ShellToArgv(CodemodContext(filename="mod.py"), policy=load_policy(None))
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess), result
    return result.code, codemod.outcomes


FIX = [
    pytest.param(
        'import subprocess\nsubprocess.run("ls -l /tmp", shell=True)\n',
        'import subprocess\nsubprocess.run(["ls", "-l", "/tmp"])\n',
        id="run",
    ),
    pytest.param(
        "import subprocess\nsubprocess.call('git status --short', shell=True, cwd='/')\n",
        "import subprocess\nsubprocess.call(['git', 'status', '--short'], cwd='/')\n",
        id="single-quotes-and-kwarg-after",
    ),
    pytest.param(
        'import subprocess\nsubprocess.check_output(args="uname -r", shell=True)\n',
        'import subprocess\nsubprocess.check_output(args=["uname", "-r"])\n',
        id="args-keyword",
    ),
    pytest.param(
        'import subprocess as sp\nout = sp.check_output("uname  -a", shell=True, text=True)\n',
        'import subprocess as sp\nout = sp.check_output(["uname", "-a"], text=True)\n',
        id="module-alias-double-space",
    ),
    pytest.param(
        'from subprocess import run as r\nr("make all", shell=True, check=True)\n',
        'from subprocess import run as r\nr(["make", "all"], check=True)\n',
        id="from-import-alias",
    ),
    pytest.param(
        'from subprocess import *\nPopen("sleep 1", shell=True).wait()\n',
        'from subprocess import *\nPopen(["sleep", "1"]).wait()\n',
        id="star-import",
    ),
    pytest.param(
        """\
        import subprocess
        subprocess.run(
            "ls -l",  # list it
            shell=True,
            check=True,  # fail loudly
        )
        """,
        """\
        import subprocess
        subprocess.run(
            ["ls", "-l"],  # list it
            check=True,  # fail loudly
        )
        """,
        id="multi-line-comments",
    ),
    pytest.param(
        """\
        import subprocess
        subprocess.run(
            "ls -l",  # list it
            shell=True
        )
        """,
        """\
        import subprocess
        subprocess.run(
            ["ls", "-l"]  # list it
        )
        """,
        id="multi-line-last-arg-no-trailing-comma",
    ),
    pytest.param(
        """\
        import subprocess
        subprocess.run(
            "ls -l",
            shell=True,
        )
        """,
        """\
        import subprocess
        subprocess.run(
            ["ls", "-l"],
        )
        """,
        id="multi-line-trailing-comma",
    ),
    pytest.param(
        """\
        import subprocess
        def f():
            subprocess.run(
                "ls",  # a
                # before shell
                shell=True,  # b
                # after shell
                check=True,  # c
            )
            subprocess.run(
                "ls",  # d
                shell=True  # e
            )
        """,
        """\
        import subprocess
        def f():
            subprocess.run(
                ["ls"],  # a
                # before shell
                # b
                # after shell
                check=True,  # c
            )
            subprocess.run(
                ["ls"]  # d
                # e
            )
        """,
        id="every-comment-kept",
    ),
    pytest.param(
        'import subprocess\nsubprocess.run("ls", shell=True,\n               check=True)\n',
        'import subprocess\nsubprocess.run(["ls"],\n               check=True)\n',
        id="hanging-indent",
    ),
    pytest.param(
        'import os\nos.system("make all")\n',
        'import subprocess\nsubprocess.call(["make", "all"])\n',
        id="os-system-statement",
    ),
    pytest.param(
        'import os\nos.system("make all")\nprint(os.getcwd())\n',
        'import os\nimport subprocess\nsubprocess.call(["make", "all"])\nprint(os.getcwd())\n',
        id="os-system-os-still-used",
    ),
    pytest.param(
        'import os\nversion = os.popen("uname -r").read()\n',
        "import subprocess\n"
        'version = subprocess.run(["uname", "-r"], stdout=subprocess.PIPE, text=True).stdout\n',
        id="os-popen-read",
    ),
    pytest.param(
        'import subprocess\nCMD = "ls -l"\nsubprocess.run("ls" " -a", shell=True)\n',
        'import subprocess\nCMD = "ls -l"\nsubprocess.run(["ls", "-a"])\n',
        id="concatenated-literal",
    ),
    pytest.param(
        'import subprocess\nsubprocess.check_output("date -u +%Y-%m-%d", shell=True)\n',
        'import subprocess\nsubprocess.check_output(["date", "-u", "+%Y-%m-%d"])\n',
        id="percent-is-not-shell-syntax",
    ),
    pytest.param(
        'import subprocess\nsubprocess.run("ls\\x20-l caf\\xe9", shell=True)\n',
        'import subprocess\nsubprocess.run(["ls", "-l", "caf\xe9"])\n',
        id="escapes-evaluated",
    ),
    pytest.param(
        'import os\nos.system("ls -l")\nimport subprocess\n',
        'import subprocess\nsubprocess.call(["ls", "-l"])\nimport subprocess\n',
        id="late-import-comes-too-late",
    ),
    pytest.param(
        'import os\n\ndef f():\n    import subprocess\n    os.system("ls -l")\n',
        '\ndef f():\n    import subprocess\n    subprocess.call(["ls", "-l"])\n',
        id="function-imports-it-first",
    ),
    # a name bound once to a constant string, as the scanner reads it
    pytest.param(
        """\
        import subprocess
        UPTIME = "uptime"

        def uptime():
            return subprocess.check_output(UPTIME, shell=True, text=True)
        """,
        """\
        import subprocess
        UPTIME = "uptime"

        def uptime():
            return subprocess.check_output(["uptime"], text=True)
        """,
        id="module-constant",
    ),
    pytest.param(
        "import subprocess\ndef f():\n    cmd = 'ls -l'\n    subprocess.run(cmd, shell=True)\n",
        'import subprocess\ndef f():\n    cmd = \'ls -l\'\n    subprocess.run(["ls", "-l"])\n',
        id="function-constant",
    ),
    pytest.param(
        'import os\nBASE = "ls"\nLONG = BASE + " -l"\nos.system(LONG)\n',
        'import subprocess\nBASE = "ls"\nLONG = BASE + " -l"\nsubprocess.call(["ls", "-l"])\n',
        id="constant-through-names-and-plus",
    ),
    # asyncio's shell functions: the exec twin, with the words as arguments
    pytest.param(
        """\
        import asyncio
        async def load():
            return await asyncio.create_subprocess_shell(
                "cat /proc/loadavg", stdout=asyncio.subprocess.PIPE
            )
        """,
        """\
        import asyncio
        async def load():
            return await asyncio.create_subprocess_exec(
                "cat", "/proc/loadavg", stdout=asyncio.subprocess.PIPE
            )
        """,
        id="asyncio-create-subprocess-shell",
    ),
    pytest.param(
        "from asyncio import create_subprocess_shell\n"
        "async def f():\n    return await create_subprocess_shell('uname -r')\n",
        "import asyncio\n"
        "async def f():\n    return await asyncio.create_subprocess_exec('uname', '-r')\n",
        id="asyncio-from-import",
    ),
    pytest.param(
        "async def f(loop, proto):\n    await loop.subprocess_shell(proto, 'ls -l', stdin=0)\n",
        "async def f(loop, proto):\n    await loop.subprocess_exec(proto, 'ls', '-l', stdin=0)\n",
        id="loop-subprocess-shell",
    ),
]


@pytest.mark.parametrize(("source", "expected"), FIX)
def test_fix(source: str, expected: str) -> None:
    code, outcomes = run(source)
    assert code == textwrap.dedent(expected)
    assert outcomes and all(o.rewritten for o in outcomes)


NOOP = [
    pytest.param('subprocess.run("ls | wc -l", shell=True)', "'|'", id="pipe"),
    pytest.param('subprocess.run("ls > out.txt", shell=True)', "'>'", id="redirect"),
    pytest.param('subprocess.run("rm *.pyc", shell=True)', "'*'", id="glob"),
    pytest.param('subprocess.run("echo $HOME", shell=True)', "'$'", id="variable"),
    pytest.param('subprocess.run("make; make install", shell=True)', "';'", id="semicolon"),
    pytest.param('subprocess.run("make && make install", shell=True)', "'&'", id="and"),
    pytest.param("subprocess.run(\"grep 'a b' f\", shell=True)", '"\'"', id="quotes"),
    pytest.param('subprocess.run("ls ~/x", shell=True)', "'~'", id="tilde"),
    pytest.param('subprocess.run("cd /tmp", shell=True)', "builtin", id="builtin"),
    pytest.param('subprocess.run("echo hi", shell=True)', "builtin", id="echo-builtin"),
    pytest.param('subprocess.run("kill -l", shell=True)', "builtin", id="kill-builtin"),
    pytest.param('subprocess.run("A=1 make", shell=True)', "variable assignment", id="assign"),
    pytest.param('subprocess.run("   ", shell=True)', "empty", id="empty"),
    pytest.param('subprocess.run("ls \\x01", shell=True)', "non-printable", id="control-char"),
    pytest.param(
        'subprocess.run("ls", shell=True, executable="/bin/bash")', "executable", id="exe"
    ),
    pytest.param('subprocess.run("ls", 0, shell=True)', "positional", id="positional"),
    # (a **kw whose keys are not known may hold executable=: no constant shell site at all)
    pytest.param(
        'kw = {"check": True}\nsubprocess.run("ls", shell=True, **kw)', "**kwargs", id="star-kwargs"
    ),
    pytest.param('subprocess.run(b"ls", shell=True)', "bytes", id="bytes"),
    pytest.param('x = os.system("make all")', "wait status", id="system-status-used"),
    pytest.param('if os.system("make"):\n    pass', "wait status", id="system-in-if"),
    pytest.param('f = os.popen("ls")\nf.close()', "beyond .read()", id="popen-file"),
    pytest.param('os.popen("ls", "r").read()', "more than the command", id="popen-mode"),
    pytest.param('subprocess = 1\nos.system("ls")', "bound to something else", id="shadow"),
    pytest.param(
        'def f():\n    os.system("ls")\n    import subprocess',
        "only after this call",
        id="function-imports-it-later",
    ),
    pytest.param('CMD = "ls | wc -l"\nsubprocess.run(CMD, shell=True)', "'|'", id="name-pipe"),
    pytest.param(
        'D = "/tmp"\nsubprocess.run(f"ls {D}", shell=True)', "not known exactly", id="fstring"
    ),
    pytest.param(
        'import asyncio\nasyncio.create_subprocess_shell(cmd="ls -l")', "keyword", id="aio-kw"
    ),
    pytest.param(
        'import asyncio\nasyncio.create_subprocess_shell("ls", executable="/bin/bash")',
        "executable",
        id="aio-executable",
    ),
]


@pytest.mark.parametrize(("body", "reason"), NOOP)
def test_noop(body: str, reason: str) -> None:
    source = f"import os\nimport subprocess\n{body}\n"
    code, outcomes = run(source)
    assert code == source
    assert [o.rewritten for o in outcomes] == [False]
    assert reason in outcomes[0].reason


def test_dynamic_and_constant_argv_are_not_its_sites() -> None:
    source = "import subprocess\nsubprocess.run(cmd, shell=True)\nsubprocess.run(['ls'])\n"
    code, outcomes = run(source)
    assert code == source
    assert outcomes == []


def test_outcome_carries_the_scanner_fingerprint_and_span() -> None:
    from auditor.scan.analyze import Context, analyze_source

    source = 'import subprocess\nsubprocess.run("ls -l", shell=True)\n'
    finding = analyze_source(source.encode(), "mod.py", "mod.py", Context(load_policy(None)))
    (outcome,) = run(source)[1]
    assert outcome.fingerprint == finding.findings[0].fingerprint
    assert outcome.span == (2, 1, 2, 36)
    assert outcome.new_code == 'subprocess.run(["ls", "-l"])'


@pytest.mark.parametrize(
    ("command", "argv"),
    [("ls", ["ls"]), ("ls  -l\t/x", None), ("/usr/bin/env python3 -V", None)],
)
def test_shell_free_argv(command: str, argv: list[str] | None) -> None:
    from auditor.codemod_support import Decline

    if argv is None and "\t" in command:
        with pytest.raises(Decline):
            shell_free_argv(command)
    else:
        assert shell_free_argv(command) == (argv or command.split())


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('subprocess.run("ls | wc -l", shell=True)', "needs-shell"),
        ('subprocess.run("cd /tmp", shell=True)', "needs-shell"),
        ('x = os.system("make all")', "wait-status"),
        ('f = os.popen("ls")\nf.close()', "popen-object"),
        ('subprocess.run("ls", shell=True, executable="/bin/bash")', "executable"),
        ('D = "/tmp"\nsubprocess.run(f"ls {D}", shell=True)', "text-unknown"),
    ],
)
def test_declines_name_why(body: str, key: str) -> None:
    """needs-shell: only a shell can run it (route-to-sandbox takes it); any other key: an
    argv list would do, but not by this rewrite (the audit says "convert by hand")."""
    (outcome,) = run(f"import os\nimport subprocess\n{body}\n")[1]
    assert outcome.reason_key == key


def test_only_a_name_bound_once_is_a_constant() -> None:
    source = (
        "import subprocess\nONCE = 'ls'\nTWICE = 'ls'\nif x:\n    TWICE = 'ls -l'\n"
        "subprocess.run(ONCE, shell=True)\nsubprocess.run(TWICE, shell=True)\n"
    )
    code, outcomes = run(source)
    assert code.endswith('subprocess.run(["ls"])\nsubprocess.run(TWICE, shell=True)\n')
    # TWICE is a constant for the scanner (each binding is), but which text runs is not
    # known at rewrite time: the site is left to a person
    assert len(outcomes) == 2
    assert outcomes[1].new_code is None and outcomes[1].reason_key == "text-unknown"
