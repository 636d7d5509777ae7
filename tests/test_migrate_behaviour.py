"""Behaviour: small programs print and return the same before and after migration.

The shell-to-argv program runs without the sandbox; the others run the migrated code
through ``auditor.sandbox`` for real (namespaces, cgroup), as root or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.cli import main


def _run(program: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, str(program), *args],
        cwd=program.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout


def _migrate(program: Path, codemod: str) -> str:
    before = program.read_text()
    assert main(["migrate", "--apply", "--codemod", codemod, str(program)]) == 0
    after = program.read_text()
    assert after != before
    return after


def _same_behaviour(
    tmp_path: Path, source: str, codemod: str, *args: str
) -> tuple[tuple[int, str], str]:
    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent(source))
    before = _run(program, *args)
    migrated = _migrate(program, codemod)
    after = _run(program, *args)
    assert after == before, (migrated, before, after)
    return before, migrated


def test_constant_shell_commands_to_argv(tmp_path: Path) -> None:
    script = tmp_path / "exit3.sh"
    script.write_text("#!/bin/sh\necho from-script\nexit 3\n")
    script.chmod(0o755)
    (code, out), migrated = _same_behaviour(
        tmp_path,
        """\
        import os
        import subprocess
        import sys

        subprocess.run("uname -s", shell=True)
        rc = subprocess.call("./exit3.sh", shell=True)
        print("call", rc, flush=True)
        out = subprocess.check_output("uname  -s", shell=True, text=True)
        print("out", out.strip(), flush=True)
        os.system("./exit3.sh")
        print("popen", os.popen("uname -s").read().strip(), flush=True)
        sys.exit(subprocess.run("./exit3.sh", shell=True).returncode)
        """,
        "shell-to-argv",
    )
    assert "shell=True" not in migrated and "os.system" not in migrated
    assert 'subprocess.call(["./exit3.sh"])' in migrated
    assert code == 3
    assert out == ("Linux\nfrom-script\ncall 3\nout Linux\nfrom-script\npopen Linux\nfrom-script\n")


def test_pipelines_wait_statuses_and_popen_through_the_sandbox(tmp_path: Path) -> None:
    (code, out), migrated = _same_behaviour(
        tmp_path,
        """\
        import os
        import subprocess
        import sys

        done = subprocess.run("printf 'a\\\\nb\\\\nc\\\\n' | wc -l", shell=True,
                              capture_output=True, text=True)
        print("pipe", done.stdout.strip(), done.returncode, flush=True)
        status = os.system("exit 3")
        print("status", status, os.waitstatus_to_exitcode(status), flush=True)
        print("popen", os.popen("echo hi | tr a-z A-Z").read().strip(), flush=True)
        with os.popen("echo one; echo two") as pipe:
            print("lines", [line.strip() for line in pipe], flush=True)
        pipe = os.popen("echo bye; exit 3")
        print("close", pipe.read().strip(), pipe.close(), flush=True)
        print("getstatusoutput", subprocess.getstatusoutput("echo x; exit 2"), flush=True)
        print("dynamic", subprocess.check_output(sys.argv[1], shell=True, text=True).strip())
        sys.exit(subprocess.call("exit 5", shell=True))
        """,
        "route-to-sandbox",
        "echo $((6 * 7))",
    )
    assert "from auditor import sandbox" in migrated
    assert "sandbox.system(" in migrated and "sandbox.popen(" in migrated
    assert 'sandbox.run("echo hi | tr a-z A-Z", shell=True, stdout=sandbox.PIPE' in migrated
    assert "subprocess.run(" not in migrated and "os.system" not in migrated
    assert code == 5
    assert out == (
        "pipe 3 0\nstatus 768 3\npopen HI\nlines ['one', 'two']\nclose bye 768\n"
        "getstatusoutput (2, 'x')\ndynamic 42\n"
    )


def test_eval_and_exec_through_the_sandbox(tmp_path: Path) -> None:
    (code, out), migrated = _same_behaviour(
        tmp_path,
        """\
        import sys


        def compute(expr):
            return eval(expr)


        def run(code):
            exec(code)


        print("value", compute(sys.argv[1]), flush=True)
        run(sys.argv[2])
        """,
        "eval-exec-to-sandbox",
        "[1, 2] + [3 * 3, {'k': (4, 5)}]",
        "print('hello from exec', sum(range(10)))",
    )
    assert "sandbox.eval_python(expr)" in migrated and "sandbox.exec_python(code)" in migrated
    assert code == 0
    assert out == "value [1, 2, 9, {'k': (4, 5)}]\nhello from exec 45\n"


@pytest.mark.parametrize("status", [0, 1, 3, 255])
def test_sandbox_system_keeps_os_system_wait_status(tmp_path: Path, status: int) -> None:
    program = tmp_path / "prog.py"
    program.write_text("import os\nimport sys\nprint(os.system(sys.argv[1]))\n")
    before = _run(program, f"exit {status}")
    assert before == (0, f"{status << 8}\n")
    _migrate(program, "route-to-sandbox")
    assert _run(program, f"exit {status}") == before
    assert os.system(f"exit {status}") == status << 8
