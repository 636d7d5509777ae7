"""route-to-sandbox: table-driven fix and no-op cases."""

from __future__ import annotations

import textwrap

import pytest
from libcst.codemod import CodemodContext, TransformSuccess, transform_module

from auditor.codemod_support import Outcome
from auditor.codemods.route_to_sandbox import RouteToSandbox
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, analyze_source

POLICY = load_policy(None)


def run(source: str) -> tuple[str, list[Outcome]]:
    source = textwrap.dedent(source)
    codemod = RouteToSandbox(CodemodContext(filename="mod.py"), policy=POLICY)
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess), result
    return result.code, codemod.outcomes


FIX = [
    pytest.param(
        "import subprocess\nsubprocess.run(cmd, shell=True, stdout=subprocess.PIPE)\n",
        "import subprocess\nfrom auditor import sandbox\n"
        "sandbox.run(cmd, shell=True, stdout=subprocess.PIPE)\n",
        id="run-keeps-used-import",
    ),
    pytest.param(
        "import subprocess\n\ndef f(cmd):\n    return subprocess.check_output(cmd, shell=True)\n",
        "from auditor import sandbox\n\n"
        "def f(cmd):\n    return sandbox.check_output(cmd, shell=True)\n",
        id="import-removed-when-unused",
    ),
    pytest.param(
        "from subprocess import run as r\n\ndef f(cmd):\n    r(cmd, shell=True)\n",
        "from auditor import sandbox\n\ndef f(cmd):\n    sandbox.run(cmd, shell=True)\n",
        id="from-import-alias-removed",
    ),
    pytest.param(
        "from subprocess import run as r, PIPE\n\n"
        "def f(cmd):\n    r(cmd, shell=True, stdout=PIPE)\n",
        "from subprocess import PIPE\nfrom auditor import sandbox\n\n"
        "def f(cmd):\n    sandbox.run(cmd, shell=True, stdout=PIPE)\n",
        id="from-import-keeps-other-name",
    ),
    pytest.param(
        "from subprocess import *\n\ndef f(cmd):\n    return Popen(cmd, shell=True).wait()\n",
        "from subprocess import *\nfrom auditor import sandbox\n\n"
        "def f(cmd):\n    return sandbox.Popen(cmd, shell=True).wait()\n",
        id="star-import",
    ),
    pytest.param(
        "import os\nimport subprocess\n\ndef f(cmd):\n"
        "    out, _ = subprocess.Popen(cmd, shell=True, stdout=-1).communicate()\n"
        "    return os.popen(cmd).close()\n",
        "from auditor import sandbox\n\ndef f(cmd):\n"
        "    out, _ = sandbox.Popen(cmd, shell=True, stdout=-1).communicate()\n"
        "    return sandbox.popen(cmd).close()\n",
        id="objects-waited-for-at-once",
    ),
    pytest.param(
        "import os\n\ndef f(cmd):\n    status = os.system(cmd)\n    with os.popen(cmd) as f:\n"
        "        return f.read(), status\n",
        "from auditor import sandbox\n\n"
        "def f(cmd):\n    status = sandbox.system(cmd)\n    with sandbox.popen(cmd) as f:\n"
        "        return f.read(), status\n",
        id="os-system-and-popen",
    ),
    pytest.param(
        "import os\n\ndef f(cmd):\n    return os.popen(cmd).read()\n",
        "from auditor import sandbox\n\n"
        "def f(cmd):\n"
        "    return sandbox.run(cmd, shell=True, stdout=sandbox.PIPE, text=True).stdout\n",
        id="os-popen-read-temporary",
    ),
    pytest.param(
        'import os\nstatus = os.system("ls | wc -l")\n',
        'from auditor import sandbox\nstatus = sandbox.system("ls | wc -l")\n',
        id="constant-needing-a-shell",
    ),
    # a program known to need the network gets it back, in the call's own layout
    pytest.param(
        "import os\n\ndef f(url):\n    return os.popen(f'curl -s {url}').read()\n",
        "from auditor import sandbox\n\ndef f(url):\n    return sandbox.run(f'curl -s {url}', "
        "shell=True, stdout=sandbox.PIPE, text=True, network=True).stdout\n",
        id="network-popen-read",
    ),
    pytest.param(
        "import os\n\ndef f(repo):\n    with os.popen(f'git -C {repo} pull') as p:\n"
        "        return p.read(), p.close()\n",
        "from auditor import sandbox\n\ndef f(repo):\n"
        "    with sandbox.popen(f'git -C {repo} pull', network=True) as p:\n"
        "        return p.read(), p.close()\n",
        id="network-popen-object",
    ),
    pytest.param(
        """\
        import subprocess
        def f(pkg):
            subprocess.check_call(
                f"pip install {pkg}",  # the package
                shell=True,
            )
            return subprocess.getoutput(f"wget -q {pkg}")
        """,
        """\
        from auditor import sandbox
        def f(pkg):
            sandbox.check_call(
                f"pip install {pkg}",  # the package
                shell=True,
                network=True,
            )
            return sandbox.getoutput(f"wget -q {pkg}", network=True)
        """,
        id="network-multi-line-and-getoutput",
    ),
    pytest.param(
        """\
        import subprocess
        def f(url):
            subprocess.run(
                f"curl -O {url}",
                shell=True,  # a shell
                # the end
            )
        """,
        """\
        from auditor import sandbox
        def f(url):
            sandbox.run(
                f"curl -O {url}",
                shell=True,  # a shell
                # the end
                network=True,
            )
        """,
        id="network-after-comments",
    ),
    pytest.param(
        "import subprocess\n\ndef f(prog):\n    subprocess.run([prog, '-v'])\n",
        "from auditor import sandbox\n\ndef f(prog):\n    sandbox.run([prog, '-v'])\n",
        id="dynamic-program",
    ),
    pytest.param(
        """\
        import subprocess
        def f(cmd):
            subprocess.run(  # run it
                cmd,
                shell=True,  # it is a shell command
            )
        """,
        """\
        from auditor import sandbox
        def f(cmd):
            sandbox.run(  # run it
                cmd,
                shell=True,  # it is a shell command
            )
        """,
        id="multi-line-comments",
    ),
    pytest.param(
        "import subprocess\nsandbox = 'box'\n\ndef f(cmd):\n    subprocess.getoutput(cmd)\n",
        "from auditor import sandbox as _sandbox\nsandbox = 'box'\n\n"
        "def f(cmd):\n    _sandbox.getoutput(cmd)\n",
        id="name-clash",
    ),
    pytest.param(
        "import subprocess\nfrom auditor import sandbox as sb\n\n"
        "def f(cmd):\n    subprocess.getstatusoutput(cmd)\n",
        "from auditor import sandbox as sb\n\ndef f(cmd):\n    sb.getstatusoutput(cmd)\n",
        id="existing-sandbox-import",
    ),
    pytest.param(
        "import subprocess\n\ndef f(a, b):\n    subprocess.call(a, shell=True)\n"
        "    subprocess.check_call(b, shell=True)\n",
        "from auditor import sandbox\n\ndef f(a, b):\n    sandbox.call(a, shell=True)\n"
        "    sandbox.check_call(b, shell=True)\n",
        id="import-added-once",
    ),
    pytest.param(
        '"""Doc."""\nfrom __future__ import annotations\nimport os\n\n'
        "def f(c):\n    os.system(c)\n",
        '"""Doc."""\nfrom __future__ import annotations\nfrom auditor import sandbox\n\n'
        "def f(c):\n    sandbox.system(c)\n",
        id="after-docstring-and-future",
    ),
    pytest.param(
        "#!/usr/bin/env python3\n# header\nimport os\nos.system(CMD)\nimport json\n",
        "#!/usr/bin/env python3\n# header\nfrom auditor import sandbox\n"
        "sandbox.system(CMD)\nimport json\n",
        id="before-first-code-not-after-late-import",
    ),
    pytest.param(
        "import os\nos.system(CMD)\nfrom auditor import sandbox\n",
        "from auditor import sandbox as _sandbox\n_sandbox.system(CMD)\n"
        "from auditor import sandbox\n",
        id="late-sandbox-import-comes-too-late",
    ),
    # an argv that runs generated code or a script chosen at run time through an
    # interpreter: the launcher is peeled (auditor.scan.runs), the sandbox runs it as well
    pytest.param(
        "import subprocess, sys\n\n"
        "def f(code):\n    subprocess.run([sys.executable, '-c', code])\n",
        "import sys\nfrom auditor import sandbox\n\n"
        "def f(code):\n    sandbox.run([sys.executable, '-c', code])\n",
        id="python-c-generated-code",
    ),
    pytest.param(
        "import subprocess, sys\n\ndef f(script):\n    subprocess.run([sys.executable, script])\n",
        "import sys\nfrom auditor import sandbox\n\n"
        "def f(script):\n    sandbox.run([sys.executable, script])\n",
        id="python-script-chosen-at-run-time",
    ),
]


@pytest.mark.parametrize(("source", "expected"), FIX)
def test_fix(source: str, expected: str) -> None:
    code, outcomes = run(source)
    assert code == textwrap.dedent(expected)
    assert outcomes and all(o.rewritten for o in outcomes)
    # every rewritten site re-scans as isolated
    result = analyze_source(code.encode(), "mod.py", "mod.py", Context(POLICY))
    assert result.findings
    assert all(f.isolated for f in result.findings), [f.sink for f in result.findings]


NOOP = [
    pytest.param('subprocess.run("ls -l", shell=True)', "shell-to-argv", id="convertible"),
    pytest.param("subprocess.run(cmd, 0, shell=True)", "positional", id="run-positional"),
    pytest.param("subprocess.run(*cmd, shell=True)", "positional", id="run-star"),
    pytest.param("subprocess.Popen(cmd, shell=True)", "dropped at once", id="popen-dropped"),
    pytest.param(
        "out = subprocess.Popen(cmd, shell=True, stdout=-1).stdout.read()",
        "only .stdout",
        id="popen-stdout-only",
    ),
    pytest.param("pid = subprocess.Popen(cmd, shell=True).pid", "only .pid", id="popen-pid"),
    pytest.param("subprocess.Popen(cmd, shell=True).poll()", "only .poll", id="popen-poll"),
    # the sandbox refuses these at run time (SandboxUnavailable) or runs the argv itself
    pytest.param(
        "subprocess.run(cmd, shell=True, umask=0o077)", "umask= cannot be honoured", id="umask"
    ),
    pytest.param(
        "subprocess.run(cmd, shell=True, user='nobody')", "user= cannot be honoured", id="user"
    ),
    pytest.param(
        "subprocess.run(cmd, shell=True, executable='/bin/bash')",
        "executable= cannot be honoured",
        id="executable",
    ),
    # the object leaves with the function while the process runs (a background job)
    pytest.param(
        "def start(cmd):\n    return subprocess.Popen(cmd, shell=True)",
        "object is returned",
        id="popen-returned",
    ),
    pytest.param(
        "def launch(cmd):\n    proc = subprocess.Popen(cmd, shell=True)\n"
        "    print('started', proc.pid)",
        "only .pid of the Popen object",
        id="popen-name-pid-only",
    ),
    pytest.param("lines = [x for x in os.popen(cmd)]", "only iterated", id="popen-iterated"),
    pytest.param("os.popen(cmd).readlines()", "only .readlines", id="popen-statement"),
    pytest.param("n = len(os.popen(cmd).readlines())", "only .readlines", id="popen-attr"),
    pytest.param("text = os.popen(cmd, 'r').read()", "mode or buffering", id="popen-mode"),
    # a constant command that needs no shell is converted to argv (by hand when the
    # rewrite cannot keep its meaning), never routed to the sandbox
    pytest.param(
        'status = os.system("make all")', "convert it to an argv list by hand", id="status"
    ),
    pytest.param(
        'with os.popen("free -m") as pipe:\n    pipe.read()',
        "convert it to an argv list by hand",
        id="popen-with",
    ),
    pytest.param('subprocess.getoutput("uptime")', "convert it to an argv list by hand", id="go"),
    pytest.param(
        'CMD = "df -h"\nsubprocess.check_output(CMD, shell=True, executable="/bin/sh")',
        "convert it to an argv list by hand",
        id="name-exe",
    ),
    pytest.param(
        'D = "/tmp"\nsubprocess.run(f"ls {D} | wc -l", shell=True)',
        "see whether it needs a shell",
        id="text-unknown",
    ),
    # a working directory the sandbox refuses (view.workdir_refusal): the routed call would
    # always raise SandboxUnavailable (/tmp/atk9t-cases/8-migrate-cwd-tmp)
    pytest.param(
        'subprocess.call("pwd", shell=True, cwd="/tmp")',
        "cwd='/tmp': the sandbox refuses",
        id="cwd-tmp",
    ),
    pytest.param(
        'HOME_DIR = "/root"\nsubprocess.run(cmd, shell=True, cwd=HOME_DIR)',
        "cwd='/root': the sandbox refuses",
        id="cwd-home-name",
    ),
    pytest.param(
        'subprocess.run(cmd, shell=True, cwd="/run/user")', "which are never in view", id="cwd-run"
    ),
]


@pytest.mark.parametrize(("body", "reason"), NOOP)
def test_noop(body: str, reason: str) -> None:
    source = f"import os\nimport subprocess\n{body}\n"
    code, outcomes = run(source)
    assert code == source
    assert [o.rewritten for o in outcomes] == [False]
    assert reason in outcomes[0].reason


@pytest.mark.parametrize(
    "body",
    [
        "subprocess.run(['ls', '-l'])",  # constant argv: allowed
        "subprocess.run(['timeout', '5', 'ls', arg])",  # fixed program: allowed
        "os.execv(prog, [prog])",  # not a drop-in sink
        "sandbox.run(cmd, shell=True)",  # already isolated
        "subprocess.run(cmd, shell=True)  # auditor: ignore[AUD101] reviewed",
    ],
)
def test_not_its_sites(body: str) -> None:
    source = f"import os\nimport subprocess\nimport sys\nfrom auditor import sandbox\n{body}\n"
    code, outcomes = run(source)
    assert code == source
    assert all(not o.rewritten for o in outcomes)


def test_package_init_keeps_its_imports() -> None:
    source = "from subprocess import run\n\ndef f(c):\n    run(c, shell=True)\n"
    codemod = RouteToSandbox(CodemodContext(filename="pkg/__init__.py"), policy=POLICY)
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess)
    assert result.code == (
        "from subprocess import run\nfrom auditor import sandbox\n\n"
        "def f(c):\n    sandbox.run(c, shell=True)\n"
    )
    assert run(source)[0].startswith("from auditor import sandbox\n")  # elsewhere it goes


@pytest.mark.parametrize(
    "body",
    [
        "import functools\np = functools.partial(subprocess.run, shell=True)\np(cmd)",
        "import functools\ndef make():\n    return functools.partial(subprocess.run, shell=True)\n"
        "make()(cmd)",
        "def make():\n    return lambda c: os.system('echo ' + c)\nmake()(cmd)",
    ],
)
def test_a_call_a_partial_or_lambda_makes_is_not_rewritten_as_the_sinks(body: str) -> None:
    """``p(cmd)`` after ``p = functools.partial(subprocess.run, shell=True)`` is judged as
    ``subprocess.run(cmd, shell=True)``, but ``sandbox.run(cmd)`` would drop the shell (and
    a lambda's ``'echo ' + c``): the call is declined as a sink handed over, never
    rewritten as the sink's own."""
    source = f"import os\nimport subprocess\n{body}\n"
    code, outcomes = run(source)
    last = source.count("\n")
    [made] = [o for o in outcomes if o.line == last]
    assert not made.rewritten
    assert "handed over to" in made.reason
    assert code.splitlines()[-1] == body.splitlines()[-1]
