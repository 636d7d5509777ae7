"""Behaviour: small programs print and return the same before and after migration.

The shell-to-argv program runs without the sandbox; the others run the migrated code
through ``auditor.sandbox`` for real (namespaces, cgroup), as root or not.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def test_an_env_without_path_keeps_the_shell(tmp_path: Path) -> None:
    """Attack round 8 (t13): with env= lacking PATH, sh looks the program up in its own
    default PATH (/usr/sbin included) and Python's exec in os.defpath (/bin:/usr/bin):
    sysctl runs through the shell and is not found as an argv. Such a call is left as it is;
    one whose env= holds PATH is converted."""
    if shutil.which("sysctl", path="/bin:/usr/bin") or not shutil.which("sysctl"):
        pytest.skip("needs sysctl outside os.defpath")
    (code, out), migrated = _same_behaviour(
        tmp_path,
        """\
        import os
        import subprocess

        subprocess.run("sysctl -n kernel.ostype", shell=True, env={})
        subprocess.run("uname -s", shell=True, env={**os.environ, "LANG": "C"})
        """,
        "shell-to-argv",
    )
    assert 'subprocess.run("sysctl -n kernel.ostype", shell=True, env={})' in migrated
    assert '["uname", "-s"]' in migrated
    assert (code, out) == (0, "Linux\nLinux\n")


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


        def show(expr):
            value = eval(expr)
            if isinstance(value, list):
                print("value", value, flush=True)


        def run(code):
            exec(code)


        show(sys.argv[1])
        run(sys.argv[2])
        """,
        "eval-exec-to-sandbox",
        "[1, 2] + [3 * 3, {'k': (4, 5)}]",
        "print('hello from exec', sum(range(10)))",
    )
    assert "value = sandbox.eval_python(expr)" in migrated
    assert "sandbox.exec_python(code, check=True)" in migrated
    assert code == 0
    assert out == "value [1, 2, 9, {'k': (4, 5)}]\nhello from exec 45\n"


def test_an_eval_whose_value_is_a_function_is_left_as_it_is(tmp_path: Path) -> None:
    """Attack round 6, #13: a lambda loaded from configuration, then called, given as
    ``key=`` or returned. ``eval_python`` returns plain data only: the migrated program
    raised SandboxEvalError where the original printed [20] and [3, 2, 1]."""
    program = tmp_path / "transforms.py"
    source = textwrap.dedent(
        """\
        def load_transform(spec):
            fn = eval(spec)
            return fn

        def apply(rows, spec):
            transform = eval(spec)
            return [transform(r) for r in rows]

        def order(items, spec):
            return sorted(items, key=eval(spec))

        if __name__ == "__main__":
            print(apply([{"price": 10}], "lambda row: row['price'] * 2"))
            print(order([3, 1, 2], "lambda v: -v"))
            print(load_transform("lambda: 7")())
        """
    )
    program.write_text(source)
    before = _run(program)
    assert before == (0, "[20]\n[3, 2, 1]\n7\n")
    assert main(["migrate", "--apply", "--codemod", "eval-exec-to-sandbox", str(program)]) == 0
    assert program.read_text() == source
    assert _run(program) == before


def test_an_exec_whose_process_state_is_read_after_is_left_as_it_is(tmp_path: Path) -> None:
    """Attack round 6, #13 (t37): the code imports a module or sets the environment in this
    process, and the function reads ``sys.modules`` or ``os.environ`` after it."""
    program = tmp_path / "prog.py"
    source = textwrap.dedent(
        """\
        import os
        import sys


        def loaded(code):
            exec(code)
            return "colorsys" in sys.modules


        def result(code):
            exec(code)
            return os.environ.get("RESULT")


        print(loaded("import colorsys"), result("import os; os.environ['RESULT'] = 'set'"))
        """
    )
    program.write_text(source)
    before = _run(program)
    assert before == (0, "True set\n")
    assert main(["migrate", "--apply", "--codemod", "eval-exec-to-sandbox", str(program)]) == 0
    assert program.read_text() == source
    assert _run(program) == before


def test_an_exec_that_may_change_the_callers_objects_is_left_as_it_is(tmp_path: Path) -> None:
    """Attack round 8 (t34): the code changes an object the caller passed in, or a mutable
    module global, which other code reads after the call: in another process it cannot."""
    program = tmp_path / "prog.py"
    source = textwrap.dedent(
        """\
        import sys
        CONFIG = {"debug": False}


        class State:
            x = 0


        def apply(code, state):
            exec(code)


        def apply2(code):
            exec(code)


        s = State()
        apply("state.x = 1", s)
        apply2("CONFIG['debug'] = True")
        print(s.x, CONFIG["debug"])
        """
    )
    program.write_text(source)
    before = _run(program)
    assert before == (0, "1 True\n")
    assert main(["migrate", "--apply", "--codemod", "eval-exec-to-sandbox", str(program)]) == 0
    assert program.read_text() == source
    assert _run(program) == before


def test_an_exception_in_execd_code_still_stops_the_caller(tmp_path: Path) -> None:
    """exec() raising stopped the program before 'accepted'; exec_python returned a result
    and the program went on (an order rule that rejects became one that accepts)."""
    (code, out), migrated = _same_behaviour(
        tmp_path,
        """\
        import sys


        def apply(rule):
            exec(rule)
            print("accepted", flush=True)


        apply(sys.argv[1])
        """,
        "eval-exec-to-sandbox",
        "raise ValueError('total over 1000')",
    )
    assert "sandbox.exec_python(rule, check=True)" in migrated
    assert (code, out) == (1, "")


@pytest.mark.parametrize("status", [0, 1, 3, 255])
def test_sandbox_system_keeps_os_system_wait_status(tmp_path: Path, status: int) -> None:
    program = tmp_path / "prog.py"
    program.write_text("import os\nimport sys\nprint(os.system(sys.argv[1]))\n")
    before = _run(program, f"exit {status}")
    assert before == (0, f"{status << 8}\n")
    _migrate(program, "route-to-sandbox")
    assert _run(program, f"exit {status}") == before
    assert os.system(f"exit {status}") == status << 8


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a thread of this process) serving a file and a package
    index with one wheel: http://127.0.0.1:PORT/."""
    root = tmp_path / "served"
    (root / "simple" / "tinypkg").mkdir(parents=True)
    (root / "hello.txt").write_text("hello from 127.0.0.1\n")
    wheel = root / "tinypkg-1.0-py3-none-any.whl"
    info = "tinypkg-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tinypkg/__init__.py", "")
        archive.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n")
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    (root / "simple" / "tinypkg" / "index.html").write_text(
        f'<a href="/{wheel.name}">{wheel.name}</a>\n'
    )
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


DOWNLOADS = """\
import os
import subprocess
import sys

url, out = sys.argv[1], sys.argv[2]
# curl and `python -m pip download` need the network: the migration gives it back
done = subprocess.run(f"curl -fsS -o {out}/hello.txt {url}/hello.txt", shell=True)
print("curl", done.returncode, open(f"{out}/hello.txt").read().strip(), flush=True)
pip = subprocess.run(
    f"{sys.executable} -m pip download --no-deps --no-cache-dir --disable-pip-version-check "
    f"--index-url {url}/simple/ --dest {out}/wheels tinypkg",
    shell=True,
    capture_output=True,
    env={"PATH": os.environ["PATH"], "PIP_CONFIG_FILE": os.devnull},
)
print("pip", pip.returncode, sorted(os.listdir(f"{out}/wheels")), flush=True)
# a program the table does not know keeps the sandbox's default: no network
probe = subprocess.run(
    f"{sys.executable} {out}/probe.py {url}/hello.txt", shell=True, capture_output=True, text=True
)
print("probe", probe.returncode, probe.stdout.strip(), flush=True)
"""

PROBE = """\
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
        print("connected", response.status)
except OSError as exc:
    print("no connection:", type(getattr(exc, "reason", exc)).__name__)
    sys.exit(7)
"""


def test_network_is_given_back_to_downloads_and_to_nothing_else(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command known to need the network gets ``network=True`` and still downloads from
    a server on 127.0.0.1 once migrated (run for real, in the sandbox); an unknown program
    gets no network: the migrated call cannot connect. The dry run says both. The downloads
    save into the working directory, read-only in the sandbox: the migration does not open
    it (a person decides), the dry run says they may need writing, and with
    ``writable_cwd=True`` added by hand they work again."""
    program = tmp_path / "downloads.py"
    program.write_text(DOWNLOADS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "probe.py").write_text(PROBE)
    before = _run(program, local_server, str(out))
    assert before == (
        0,
        "curl 0 hello from 127.0.0.1\npip 0 ['tinypkg-1.0-py3-none-any.whl']\n"
        "probe 0 connected 200\n",
    )
    shutil.rmtree(out / "wheels")

    assert main(["migrate", str(program)]) == 0
    err = capsys.readouterr().err
    assert f"{program.name}:7 (profile standard): curl" in err.replace(str(tmp_path) + "/", "")
    assert "- given back: network (network=True)" in err
    curl = err.split(":7 (profile standard): ", 1)[1].splitlines()
    assert curl[2] == "    - may need, and loses: environment, writing, resources"
    pip = err.split(":9 (profile standard): ", 1)[1].splitlines()
    # its own env= is passed as given: the environment is not lost
    assert pip[:3] == ["pip download", "    - given back: network (network=True)",
                       "    - may need, and loses: resources"]  # fmt: skip
    probe = err.split(":18 (profile standard): ", 1)[1].splitlines()
    assert probe[0] == "sys.executable …, not in rules/sandbox_needs.toml"
    assert probe[1].startswith("    - loses: network, ")

    migrated = _migrate(program, "route-to-sandbox")
    assert (
        'sandbox.run(f"curl -fsS -o {out}/hello.txt {url}/hello.txt", shell=True, network=True)'
        in migrated
    )
    assert migrated.count("network=True") == 2  # curl and pip, not the probe
    assert "writable_cwd" not in migrated  # never added by the migration
    # curl cannot write hello.txt (23: write error: the earlier download is read instead),
    # pip cannot make wheels/: the behaviour difference the dry run names
    assert _run(program, local_server, str(out)) == (1, "curl 23 hello from 127.0.0.1\n")
    program.write_text(migrated.replace("network=True", "network=True, writable_cwd=True"))
    (out / "hello.txt").unlink()
    after = _run(program, local_server, str(out))
    assert after == (
        0,
        "curl 0 hello from 127.0.0.1\npip 0 ['tinypkg-1.0-py3-none-any.whl']\n"
        "probe 7 no connection: ConnectionRefusedError\n",
    )


# What rules/sandbox_needs.toml says each profile takes away, checked in the real sandbox:
# per capability, a probe (Python run in the sandbox, exit 0 when the capability is there)
# and the profile it is taken away in. The keyword that gives it back, where there is one,
# must make the same probe pass.
PROBES: dict[str, tuple[str, str]] = {
    "network": (
        "standard",
        "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)",
    ),
    "processes": ("standard", "import os, sys; os.kill(int(sys.argv[2]), 0)"),
    "hostname": ("standard", "import socket, sys; assert socket.gethostname() == sys.argv[3]"),
    "ipc": (
        "standard",
        "import sys; assert sys.argv[4] in open('/proc/sysvipc/shm').read()",
    ),
    "environment": ("standard", "import os; assert os.environ['AUDITOR_PROBE'] == 'here'"),
    "home": ("standard", "import os, sys; open(os.path.join(sys.argv[5], 'marker')).read()"),
    "files": ("standard", "import os, sys; os.listdir(sys.argv[6])"),
    "services": (  # a host service's unix socket (in the host's /tmp)
        "standard",
        "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[7])",
    ),
    "devices": (
        "standard",
        "import os; assert [d for d in ('kmsg', 'fuse', 'net/tun', 'kvm', 'loop-control')"
        " if os.path.exists('/dev/' + d)]",
    ),
    # run with cwd= the folder: read-only in both profiles; writable_cwd=True (a person's
    # decision, never the rewrite's: the table gives no keyword) opens it
    "write": ("standard", "import sys; open(sys.argv[6] + '/written', 'w').write('x')"),
    "privileges": (  # no_new_privs (and no capability): setuid programs gain nothing
        "standard",
        "import sys; sys.exit('NoNewPrivs:\\t1' in open('/proc/self/status').read())",
    ),
    "limits": (
        "standard",
        "import resource; assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] == -1",
    ),
}
GIVE_BACK: dict[str, dict[str, object]] = {
    "network": {"network": True},
    "environment": {"env": {"AUDITOR_PROBE": "here"}},
    "limits": {"limits": {"file_size": None}},
}


@pytest.fixture
def probe_args(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    import ctypes
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    libc = ctypes.CDLL(None, use_errno=True)
    key = 0x5A17E000 + os.getpid() % 0x1000
    shm = libc.shmget(key, 4096, 0o1000 | 0o600)  # IPC_CREAT
    assert shm >= 0, os.strerror(ctypes.get_errno())
    home = tmp_path / "home"
    home.mkdir()
    (home / "marker").write_text("the caller's home\n")
    service = socket.socket(socket.AF_UNIX)
    service_path = f"/tmp/auditor-probe-{os.getpid()}.sock"
    service.bind(service_path)
    service.listen(1)
    writable = Path(tempfile.mkdtemp(dir="/var/tmp"))  # strict has a /tmp of its own
    writable.chmod(0o755)  # a root caller's strict payload (another uid) enters it read-only
    monkeypatch.setenv("AUDITOR_PROBE", "here")
    monkeypatch.setenv("HOME", str(home))
    try:
        yield [
            str(listener.getsockname()[1]),
            str(os.getpid()),
            socket.gethostname(),
            str(key),
            str(home),
            str(writable),
            service_path,
        ]
    finally:
        listener.close()
        service.close()
        os.unlink(service_path)
        libc.shmctl(shm, 0, None)  # IPC_RMID
        shutil.rmtree(writable, ignore_errors=True)


def test_the_table_says_what_the_sandbox_really_takes_away(probe_args: list[str]) -> None:
    from auditor import sandbox
    from auditor.sandbox_needs import table, taken_away

    assert set(PROBES) == set(table().capabilities)
    for name, (profile, code) in PROBES.items():
        assert name in taken_away(profile)
        argv = [sys.executable, "-c", code, *probe_args]
        here = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert here.returncode == 0, (name, here.stderr)  # the probe passes outside
        cwd = probe_args[5] if name == "write" else None
        inside = sandbox.run(argv, profile=profile, cwd=cwd, capture_output=True, text=True)
        assert inside.returncode != 0, (name, "the sandbox did not take it away")
        keyword = table().capabilities[name].keyword(profile)
        if name in GIVE_BACK:
            assert keyword, name
            options: dict[str, Any] = {"profile": profile, "cwd": cwd, **GIVE_BACK[name]}
            if "limits" in options:
                options["limits"] = sandbox.Limits(**options["limits"])
            back = sandbox.run(argv, capture_output=True, text=True, **options)
            assert back.returncode == 0, (name, keyword, back.stderr)
        else:
            assert not keyword, name
        if name == "write":
            opened = sandbox.run(argv, cwd=cwd, writable_cwd=True, capture_output=True, text=True)
            assert opened.returncode == 0, opened.stderr
