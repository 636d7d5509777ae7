"""Payload and shell evaluation: (code, payload, shell, category)."""

from __future__ import annotations

import pytest

from tests.conftest import findings

H = "import subprocess, os, sys, shutil, shlex\n"

CASES = [
    # constant shell commands
    (H + "subprocess.run('uptime', shell=True)", "constant", True, "constant-shell"),
    (H + "CMD = 'uptime'\nsubprocess.run(CMD, shell=True)", "constant", True, "constant-shell"),
    (
        H + "def f():\n    cmd = 'ls'\n    subprocess.run(cmd, shell=True)",
        "constant",
        True,
        "constant-shell",
    ),
    (
        H + "A = 'ls'\nB = A + ' -l'\nsubprocess.run(B, shell=True)",
        "constant",
        True,
        "constant-shell",
    ),
    (H + "D = '/tmp'\nsubprocess.run(f'ls {D}', shell=True)", "constant", True, "constant-shell"),
    (H + "subprocess.run('ls %s' % '/tmp', shell=True)", "constant", True, "constant-shell"),
    (H + "subprocess.run('ls {}'.format('/tmp'), shell=True)", "constant", True, "constant-shell"),
    (H + "subprocess.run(' '.join(['ls', '-l']), shell=True)", "constant", True, "constant-shell"),
    (H + "os.system('echo' ' hi')", "constant", True, "constant-shell"),
    # dynamic shell commands
    (H + "subprocess.run(cmd, shell=True)", "dynamic", True, "dynamic-shell"),
    (H + "subprocess.run(f'ls {d}', shell=True)", "dynamic", True, "dynamic-shell"),
    (H + "subprocess.run('ls ' + d, shell=True)", "dynamic", True, "dynamic-shell"),
    (H + "subprocess.run('ls %s' % d, shell=True)", "dynamic", True, "dynamic-shell"),
    (H + "subprocess.run('ls {}'.format(d), shell=True)", "dynamic", True, "dynamic-shell"),
    # every binding of C is a constant: whichever holds, the command is known
    (H + "C = 'a'\nC = 'b'\nsubprocess.run(C, shell=True)", "constant", True, "constant-shell"),
    (H + "C = 'a'\nC = x\nsubprocess.run(C, shell=True)", "dynamic", True, "dynamic-shell"),
    (H + "C = 'a'\nC += x\nsubprocess.run(C, shell=True)", "dynamic", True, "dynamic-shell"),
    # a class attribute no method sets is its body's constant (tests/flow/
    # test_class_attributes.py), unless code outside the class sets it
    (
        H + "class K:\n    C = 'ls'\n    def f(self):\n        subprocess.run(self.C, shell=True)",
        "constant",
        True,
        "constant-shell",
    ),
    (
        H + "class K:\n    C = 'ls'\n    def f(self):\n        subprocess.run(self.C, shell=True)"
        "\nK.C = x",
        "dynamic",
        True,
        "dynamic-shell",
    ),
    (
        H + "from config import CMD\nsubprocess.run(CMD, shell=True)",
        "dynamic",
        True,
        "dynamic-shell",
    ),
    # shell= resolution
    (H + "SHELL = True\nsubprocess.run('ls', shell=SHELL)", "constant", True, "constant-shell"),
    (
        H + "SHELL = False\nsubprocess.run(['ls'], shell=SHELL)",
        "constant",
        False,
        "constant-command",
    ),
    (H + "subprocess.run(cmd, shell=use_shell)", "dynamic", None, "dynamic-shell"),
    (H + "subprocess.run(cmd, **kw)", "dynamic", None, "dynamic-shell"),
    # **kw may hold executable=, env= or cwd=: what runs is chosen at run time (attack3)
    (H + "subprocess.run(['ls'], shell=False, **kw)", "dynamic", False, "dynamic-program"),
    (
        H + "subprocess.run(['ls'], shell=False, **{'timeout': 5})",
        "constant",
        False,
        "constant-command",
    ),
    (H + "subprocess.run('ls', shell=1)", "constant", True, "constant-shell"),
    (H + "subprocess.run(['ls'], shell=0)", "constant", False, "constant-command"),
    # argv without a shell
    (H + "subprocess.run(['ls', '-l'])", "constant", False, "constant-command"),
    (H + "subprocess.run(('ls', '-l'))", "constant", False, "constant-command"),
    (H + "ARGS = ['ls', '-l']\nsubprocess.run(ARGS)", "constant", False, "constant-command"),
    (H + "subprocess.run(['ls', path])", "fixed-program", False, "fixed-program"),
    (H + "subprocess.run(['ls', *args])", "fixed-program", False, "fixed-program"),
    (H + "subprocess.run(['ls'] + args)", "fixed-program", False, "fixed-program"),
    # the interpreter is peeled off (auditor.scan.runs): what runs is the code
    (H + "subprocess.run([sys.executable, '-c', code])", "dynamic", False, "dynamic-code"),
    (H + "subprocess.run([sys.executable, '-c', 'pass'])", "constant", False, "constant-code"),
    (H + "subprocess.run(['timeout', '5', 'ls', p])", "fixed-program", False, "fixed-program"),
    (H + "subprocess.run(['env', p, 'x'])", "dynamic", False, "dynamic-program"),
    (H + "subprocess.run(['sudo', 'sh', '-c', p])", "dynamic", False, "dynamic-shell"),
    (H + "subprocess.run(['bash', '-c', 'ls | wc'])", "constant", False, "constant-shell"),
    (H + "subprocess.run([sys.executable, '-m', 'pip'])", "constant", False, "constant-command"),
    (
        H + "subprocess.run([shutil.which('git'), 'log', ref])",
        "fixed-program",
        False,
        "fixed-program",
    ),
    (
        H + "G = shutil.which('git') or 'git'\nsubprocess.run([G, ref])",
        "fixed-program",
        False,
        "fixed-program",
    ),
    (H + "subprocess.run([shutil.which(tool), 'x'])", "dynamic", False, "dynamic-program"),
    (H + "subprocess.run([prog, '-v'])", "dynamic", False, "dynamic-program"),
    (H + "subprocess.run(argv)", "dynamic", False, "dynamic-program"),
    (H + "subprocess.run([*argv])", "dynamic", False, "dynamic-program"),
    (H + "subprocess.run('ls')", "constant", False, "constant-command"),
    # the words of a constant split into an argv list are constant (payload._words)
    (H + "subprocess.run(shlex.split('ls -l'))", "constant", False, "constant-command"),
    (H + "subprocess.run(shlex.split(cmd))", "dynamic", False, "dynamic-program"),
    # exec and spawn families
    (H + "os.execv('/bin/ls', ['ls', '-l'])", "constant", False, "constant-command"),
    (H + "os.execv('/bin/ls', ['ls', path])", "fixed-program", False, "fixed-program"),
    (H + "os.execvp(prog, [prog])", "dynamic", False, "dynamic-program"),
    (H + "os.execl('/bin/ls', 'ls', '-l')", "constant", False, "constant-command"),
    (H + "os.execlp('ls', 'ls', path)", "fixed-program", False, "fixed-program"),
    (H + "os.spawnv(os.P_WAIT, '/bin/ls', ['ls', d])", "fixed-program", False, "fixed-program"),
    (H + "os.spawnl(os.P_WAIT, prog, prog)", "dynamic", False, "dynamic-program"),
    (H + "os.posix_spawn('/bin/ls', ['ls'], {})", "constant", False, "constant-command"),
    # code
    (H + "eval('1 + 1')", "constant", False, "constant-code"),
    (H + "exec('print(1)')", "constant", False, "constant-code"),
    (H + "SRC = 'x = 1'\nexec(SRC)", "constant", False, "constant-code"),
    (H + "exec(compile('x = 1', 'f', 'exec'))", "constant", False, "constant-code"),
    (H + "exec(compile(src, 'f', 'exec'))", "dynamic", False, "dynamic-code"),
    (H + "eval(prompt)", "dynamic", False, "dynamic-code"),
    (H + "eval(f'{a} + 1')", "dynamic", False, "dynamic-code"),
    # imports with a name chosen at run time
    ("import importlib\nimportlib.import_module(name)", "dynamic", False, "dynamic-import"),
    ("__import__(name)", "dynamic", False, "dynamic-import"),
    # shell wrappers outside the catalogue
    ("helper(cmd, shell=True)", "dynamic", True, "shell-wrapper"),
    ("helper('ls', shell=True)", "constant", True, "shell-wrapper"),
    ("helper(cmd, shell=flag)", "dynamic", None, "shell-wrapper"),
]


@pytest.mark.parametrize(
    ("code", "payload", "shell", "category"), CASES, ids=[str(i) for i in range(len(CASES))]
)
def test_payload(code: str, payload: str, shell: bool | None, category: str) -> None:
    found = findings(code)
    assert len(found) == 1, found
    f = found[0]
    assert (f.payload, f.shell, f.category) == (payload, shell, category)


@pytest.mark.parametrize(
    "code",
    [
        "helper(cmd, shell=False)",
        "import importlib\nimportlib.import_module('json')",
        "__import__('os')",
        "M = 'json'\n__import__(M)",
    ],
)
def test_not_a_finding(code: str) -> None:
    assert findings(code) == []
