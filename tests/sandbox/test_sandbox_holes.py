"""Holes of the second attack round (planted modules, CLONE_PARENT, rewritten settings,
shared working directories, the caller's terminal, eval results): each test reproduces an
attack that worked before its fix, with both launchers, as root and unprivileged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from sandbox_helpers import Cold, Pooled, procs_with, wait_gone

from auditor import sandbox
from auditor.sandbox import launcher, native

Sbx = Cold | Pooled  # the sbx fixture: every probe cold and through a warm sandbox

pytestmark = pytest.mark.usefixtures("launcher_kind")

ROOT = os.geteuid() == 0


def _child(code: str, cwd: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter whose ``sys.path`` starts with ``''`` (as ``python
    -c``, ``-m`` or a script in ``cwd`` have it), with this test's launcher."""
    prologue = (
        f"import sys\nfrom auditor.sandbox import native\nnative._disabled = {native._disabled!r}\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- 1. modules a payload plants in its working directory --------------------------------

PLANT = """
import os, sys
marks, names = sys.argv[1], sys.argv[2:]
for n in names:
    with open(n + ".py", "w") as f:
        f.write("import os\\nopen(os.path.join(%r, %r), 'w').close()\\n" % (marks, n))
print(len(names))
"""


def test_no_module_planted_in_the_working_directory_runs_in_the_caller(host_dir: str) -> None:
    """A standard payload writes ``prometheus_client.py`` (and a module named like every other
    one the caller had not imported yet) into its writable working directory, which is first
    on the caller's ``sys.path``.  The caller's next steps (the metrics of this run, more
    runs, a timeout, an eval error, a pool) imported ``prometheus_client`` lazily from there:
    the payload's code ran in the caller, as the caller (root)."""
    work, marks = os.path.join(host_dir, "work"), os.path.join(host_dir, "marks")
    os.mkdir(work)
    os.mkdir(marks)
    os.chmod(work, 0o777)  # a root caller's payload writes through the idmapped mount anyway
    os.chmod(marks, 0o700)  # the payload can reach neither it nor the caller's /var/tmp
    code = f"""
        import subprocess
        assert sys.path[0] == "", sys.path
        from auditor import sandbox
        names = sorted(
            {{n for n in sys.stdlib_module_names if n not in sys.modules}}
            | {{"prometheus_client", "click", "auditor_planted_probe"}}
        )
        r = sandbox.run([sys.executable, "-I", "-c", {PLANT!r}, {marks!r}, *names],
                        capture_output=True, text=True, timeout=60, writable_cwd=True)
        assert r.returncode == 0 and int(r.stdout) == len(names), (r.stdout, r.stderr)
        try:
            sandbox.run(["sleep", "5"], timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        sandbox.exec_python("print(1)", capture_output=True)
        try:
            sandbox.eval_python("1/0")
        except sandbox.SandboxEvalError:
            pass
        with sandbox.Pool(1) as pool:
            pool.wait_ready(60)
            pool.exec_python("print(2)", capture_output=True)
        __import__("auditor_planted_probe")  # the premise: a plain import does find them
        print("done", len(names))
    """
    r = _child(code, work)
    assert r.returncode == 0 and "done" in r.stdout, r.stderr[-2000:]
    assert os.path.exists(os.path.join(work, "prometheus_client.py"))
    assert sorted(os.listdir(marks)) == ["auditor_planted_probe"]


def test_a_planted_optional_module_left_from_an_earlier_run_is_not_imported(
    host_dir: str,
) -> None:
    """The planted file stays: the next process run from that directory (``python -c``, or
    ``python -m auditor sandbox run``) imported it when recording its first run."""
    marks = os.path.join(host_dir, "marks")
    os.mkdir(marks)
    os.chmod(marks, 0o700)
    r = sandbox.run(
        [sys.executable, "-I", "-c", PLANT, marks, "prometheus_client", "click"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=host_dir,
        writable_cwd=True,
    )
    assert r.returncode == 0, r.stderr
    child = _child(
        "from auditor import sandbox\nfrom auditor.sandbox import metrics\n"
        "sandbox.run(['true'])\nprint(metrics.available())\n",
        host_dir,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert os.listdir(marks) == []
    # -m auditor: its entry point drops the working directory from sys.path before it
    # imports anything (click, planted too)
    cli = subprocess.run(
        [sys.executable, "-m", "auditor", "sandbox", "run", "--", "true"],
        cwd=host_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert os.listdir(marks) == []


# -- 2. clone(CLONE_PARENT): a child of the launcher, outside the init --------------------

CLONE_PARENT_PAYLOAD = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall({nr}, 0x8000 | 17, 0, 0, 0, 0)  # CLONE_PARENT | SIGCHLD
if r == 0:
    os.execv("/bin/sleep", ["sleep", sys.argv[1]])
print(r, ctypes.get_errno(), flush=True)
"""


def _clone_nr() -> int:
    from auditor.sandbox import seccomp

    arch = seccomp.machine()
    nr = {"x86_64": 56, "aarch64": 220}.get(arch or "")
    if nr is None:
        pytest.skip(f"no clone number for {arch}")
    return nr


def test_the_filter_refuses_clone_parent(sbx: Sbx, token: str) -> None:
    """A payload's clone(CLONE_PARENT) made a child of the launcher (outside the sandbox's
    init, in its pid namespace): the caller waited for it forever (or until its timeout,
    reporting a payload that ended at once as timed out)."""
    code = CLONE_PARENT_PAYLOAD.format(nr=_clone_nr())
    r = sbx.run(
        [sys.executable, "-I", "-c", code, token], capture_output=True, text=True, timeout=30
    )
    assert (r.returncode, r.stdout.split()) == (0, ["-1", "1"]), r.stderr  # EPERM
    assert procs_with(token) == []


def test_the_launcher_reaps_a_child_it_did_not_start(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """The same without the filter (were it to let it through, as a kernel with another
    clone flag might): the launcher reaps any child, so the run ends when its payload does
    and the stray child goes with the sandbox."""
    monkeypatch.setattr(launcher, "_skip", frozenset({"seccomp"}))
    code = CLONE_PARENT_PAYLOAD.format(nr=_clone_nr())
    start = time.monotonic()
    r = sandbox.run(
        [sys.executable, "-I", "-c", code, token], capture_output=True, text=True, timeout=20
    )
    took = time.monotonic() - start
    assert r.returncode == 0 and int(r.stdout.split()[0]) > 0, (r.stdout, r.stderr)
    assert took < 10, took
    assert not r.timed_out
    assert wait_gone(token) == []


# -- 3. the files the host reads later, in a writable working directory --------------------

POISON = """[tool.auditor.sandbox]
memory = "1T"
pids = 1000000
python_profile = "standard"
cgroup = "off"
allow_degraded = true
"""


def test_the_projects_settings_and_git_stay_read_only_in_the_working_directory(
    sbx: Sbx, host_dir: str
) -> None:
    """A standard payload rewrote ``[tool.auditor.sandbox]`` in its working directory's
    pyproject.toml: the caller's next runs got its limits, profile and cgroup mode.  The
    files the host reads or runs later (pyproject.toml, .git, setup.py, setup.cfg, the
    baseline and the scan cache) stay read-only; the rest stays writable."""
    with open(os.path.join(host_dir, "pyproject.toml"), "w") as f:
        f.write('[tool.auditor.sandbox]\nmemory = "64M"\n')
    os.makedirs(os.path.join(host_dir, ".git", "hooks"))
    with open(os.path.join(host_dir, ".git", "config"), "w") as f:
        f.write("[core]\n")
    for name in ("setup.py", "setup.cfg", ".auditor-baseline.json", "other.txt"):
        with open(os.path.join(host_dir, name), "w") as f:
            f.write("x\n")
    script = (
        "for f in pyproject.toml .git/config setup.py setup.cfg .auditor-baseline.json "
        "other.txt; do (echo evil >> $f) 2>/dev/null && echo wrote $f; done; "
        "(echo 'x' > .git/hooks/pre-commit) 2>/dev/null && echo wrote hook; "
        "(mv pyproject.toml p.bak) 2>/dev/null && echo moved; "
        "(rm -rf .git) 2>/dev/null && echo removed git; true"
    )
    r = sbx.run(
        ["sh", "-c", script],
        cwd=host_dir,
        writable_cwd=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:-1] == ["wrote other.txt"], r.stdout
    with open(os.path.join(host_dir, "pyproject.toml")) as f:
        assert "evil" not in f.read()
    assert sandbox.load_settings(host_dir).limits.memory == "64M"


def test_a_pyproject_toml_a_payload_made_is_not_read_by_the_caller(host_dir: str) -> None:
    """A working directory without a pyproject.toml: the payload makes one (it cannot be
    kept read-only, it was not there); the caller's next runs do not take their settings
    from it."""
    os.chmod(host_dir, 0o777)
    before = sandbox.load_settings(host_dir)
    r = sandbox.run(
        [sys.executable, "-I", "-c", f"open('pyproject.toml', 'w').write({POISON!r})"],
        cwd=host_dir,
        writable_cwd=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert os.path.exists(os.path.join(host_dir, "pyproject.toml"))  # the premise
    after = sandbox.load_settings(host_dir)
    assert after == before
    assert after.python_profile == "strict" and not after.allow_degraded


RLIMITS_CHILD = """
import resource, warnings
warnings.simplefilter("error")  # a degraded run would raise SandboxDegradedWarning
from auditor import sandbox
r = sandbox.run(
    [sys.executable, "-I", "-c",
     "import resource as r; print(r.getrlimit(r.RLIMIT_NPROC)[1], r.getrlimit(r.RLIMIT_AS)[1])"],
    limits=sandbox.Limits(pids=1000000, memory="300M"), cgroup="off", allow_degraded=True,
    capture_output=True, text=True, timeout=60,
)
print(r.stdout.strip(), ",".join(r.isolation), ",".join(r.degraded))
"""


def test_a_limit_above_the_callers_own_leaves_the_other_limits_in_place(host_dir: str) -> None:
    """``pids=1000000`` above the caller's own hard RLIMIT_NPROC (which the sandbox's user
    namespace cannot raise) made setrlimit fail: with allow_degraded the run went on without
    any rlimit (memory, CPU, file size...) and without the init's protection (its seccomp
    filter came after its rlimits).  That limit is now the caller's own hard limit."""
    own = 4000

    def lower() -> None:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        resource.setrlimit(resource.RLIMIT_NPROC, (min(soft, own), own))

    prologue = (
        f"import sys\nfrom auditor.sandbox import native\nnative._disabled = {native._disabled!r}\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", prologue + RLIMITS_CHILD],
        cwd=host_dir,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lower,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    nproc, as_, isolation, degraded = [*r.stdout.split(), ""][:4]
    assert (int(nproc), int(as_)) == (own, 300 << 20), r.stdout
    assert degraded == "", r.stdout
    assert "protected-init" in isolation.split(",") and "rlimits" in isolation.split(",")


# -- 4. a working directory others share: /tmp, a home, what holds them -------------------


@pytest.mark.parametrize("profile", ["standard", "strict"])
@pytest.mark.parametrize("where", ["/tmp", "/var/tmp", "$HOME", "above $HOME", "/root"])
def test_a_shared_folder_or_a_home_is_never_the_working_directory(
    where: str, profile: str, host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller whose cwd was /tmp (a service, cron) or its home showed it to the payload,
    writable in standard: it reached a root-only unix socket in /tmp/<0700 folder>, planted a
    root-owned symlink in the host's /tmp, wrote /root/.bashrc.  Such a folder, or one that
    holds it, is refused with one line that names it and says what to do."""
    home = os.path.join(host_dir, "home", "someone")
    os.makedirs(home)
    monkeypatch.setenv("HOME", home)
    cwd = {"$HOME": home, "above $HOME": os.path.dirname(home)}.get(where, where)
    if not os.path.isdir(cwd):
        pytest.skip(f"{cwd} does not exist here")
    marker = f"auditor-test-marker-{os.getpid()}"
    with pytest.raises(sandbox.SandboxUnavailable) as exc:
        sandbox.run(["sh", "-c", f": > {marker}"], cwd=cwd, profile=profile, timeout=30)
    message = str(exc.value)
    assert "\n" not in message and os.path.realpath(cwd) in message and "Fix:" in message
    assert exc.value.missing == ("cwd",)
    assert not os.path.lexists(os.path.join(cwd, marker))


BIND_CHILD = r"""
import os, subprocess, sys
from auditor import sandbox
from auditor.sandbox import native
native._disabled = sys.argv[3] == "python"
home, elsewhere = sys.argv[1], sys.argv[2]
os.environ["HOME"] = home
subprocess.run(["mount", "--bind", home, elsewhere], check=True)
try:
    sandbox.run(["sh", "-c", ": > made-through-bind"], cwd=elsewhere, timeout=30)
    print("ran")
except sandbox.SandboxUnavailable as exc:
    print("refused:", exc)
"""


@pytest.mark.parametrize("launcher", ["c", "python"])
def test_a_home_mounted_elsewhere_is_never_the_working_directory(
    host_dir: str, launcher: str
) -> None:
    """The check compared resolved names: ``mount --bind /tmp /srv/x`` (a container's
    ``-v $HOME:/work``) showed /tmp or the home, writable, from /srv/x. The folder is told
    by its device and inode. (Run in a mount namespace of its own, as root.)"""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or shutil.which("mount") is None:
        pytest.skip("needs root, util-linux's unshare and mount")
    home = os.path.join(host_dir, "home", "someone")
    elsewhere = os.path.join(host_dir, "work")
    os.makedirs(home)
    os.mkdir(elsewhere)
    r = subprocess.run(
        [unshare, "--mount", "--propagation", "private", sys.executable, "-c", BIND_CHILD,
         home, elsewhere, launcher],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("refused:") and "mounted here" in r.stdout, r.stdout
    assert not os.path.exists(os.path.join(home, "made-through-bind"))


def test_a_folder_inside_a_home_or_tmp_is_still_a_working_directory(
    host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", host_dir)
    project = os.path.join(host_dir, "project")
    os.mkdir(project)
    r = sandbox.run(
        ["sh", "-c", ": > made; pwd"],
        cwd=project,
        writable_cwd=True,
        capture_output=True,
        text=True,
    )
    assert (r.returncode, r.stdout.strip()) == (0, project), r.stderr
    assert os.path.exists(os.path.join(project, "made"))


# -- 5. the caller's terminal as the payload's stdio ---------------------------------------

TTY_CALLER = r"""
import fcntl, os, signal, struct, termios, time
from auditor import sandbox
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSCTTY, 0)  # this session's controlling terminal, in front
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
got = []
signal.signal(signal.SIGWINCH, lambda *a: got.append("SIGWINCH"))
before = (termios.tcgetattr(slave), fcntl.ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8))
payload = r'''
import fcntl, os, struct, termios
out = {}
def attempt(name, request, arg):
    try:
        fcntl.ioctl(1, request, arg)
        out[name] = 0
    except OSError as e:
        out[name] = e.errno
attempt("TIOCSWINSZ", termios.TIOCSWINSZ, struct.pack("HHHH", 1, 1, 0, 0))
a = termios.tcgetattr(1)
a[3] &= ~termios.ECHO
for name, when in (("TCSETS", termios.TCSANOW), ("TCSETSW", termios.TCSADRAIN),
                   ("TCSETSF", termios.TCSAFLUSH)):
    try:
        termios.tcsetattr(1, when, a)
        out[name] = 0
    except termios.error as e:
        out[name] = e.args[0]
attempt("TIOCEXCL", termios.TIOCEXCL, 0)
attempt("TCXONC", termios.TCXONC, termios.TCOOFF)
attempt("TCFLSH", termios.TCFLSH, termios.TCIFLUSH)
attempt("TIOCSTI", termios.TIOCSTI, b"x")
attempt("TIOCCONS", termios.TIOCCONS, 0)
out["isatty"] = os.isatty(1)
out["rows"] = struct.unpack("HHHH", fcntl.ioctl(1, termios.TIOCGWINSZ, b"\0" * 8))[0]
out["echo"] = bool(termios.tcgetattr(1)[3] & termios.ECHO)
os.write(2, repr(out).encode() + b"\n")
'''
r = sandbox.run([sys.executable, "-I", "-c", payload], stdin=slave, stdout=slave, stderr=slave,
                timeout=30)
time.sleep(0.2)
os.set_blocking(master, False)
try:
    said = os.read(master, 65536).decode(errors="replace")
except BlockingIOError:
    said = ""
after = (termios.tcgetattr(slave), fcntl.ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8))
print(repr((r.returncode, said.strip().splitlines()[-1:], got, before == after)))
"""


def test_the_payload_cannot_change_nor_signal_through_the_callers_terminal(host_dir: str) -> None:
    """With the caller's terminal as its stdio, the payload changed the window size (the
    kernel sent SIGWINCH to the caller's foreground process group), turned echo off, made
    the terminal exclusive, stopped its output: the caller's terminal stayed broken after the
    run.  Those ioctls are refused (EPERM); reading the terminal's state still works."""
    import ast

    prologue = (
        f"import sys\nfrom auditor.sandbox import native\nnative._disabled = {native._disabled!r}\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", prologue + TTY_CALLER],
        cwd=host_dir,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # a session leader, which the pty becomes the terminal of
    )
    assert child.returncode == 0, child.stderr[-2000:]
    rc, said, got, unchanged = ast.literal_eval(child.stdout.strip().splitlines()[-1])
    assert rc == 0 and said, (rc, said)
    out = ast.literal_eval(said[0])
    refused = ("TIOCSWINSZ", "TCSETS", "TCSETSW", "TCSETSF", "TIOCEXCL", "TCXONC", "TCFLSH")
    assert {k: out[k] for k in refused} == dict.fromkeys(refused, 1), out  # EPERM
    assert out["TIOCSTI"] == 1 and out["TIOCCONS"] == 1, out
    assert (out["isatty"], out["rows"], out["echo"]) == (True, 40, True), out
    assert got == [] and unchanged, (got, unchanged)


# -- 6. a result the caller cannot parse ----------------------------------------------------

FORGED = (
    "print(chr(10) + __import__('re').search(r'@@AUDITOR-RESULT-[0-9a-f]+:', "
    "open('/proc/self/cmdline').read()).group() + {body}, flush=True) "
    "or __import__('os')._exit(0)"
)


@pytest.mark.parametrize(
    "body", ["'J' + '[' * 200000", "'J' + '9' * 5000", "'[' * 200000", "'9' * 5000"]
)
def test_a_crafted_eval_result_raises_sandbox_eval_error(sbx: Sbx, body: str) -> None:
    """The expression reads its result marker from its own command line and prints a
    result the caller's parser chokes on: the caller got RecursionError (200000 nested
    lists) or ValueError (an integer of 5000 digits), not SandboxEvalError."""
    evaluate = (
        sandbox.eval_python
        if isinstance(sbx, Cold)
        else lambda expr: _pooled_eval(expr)  # through a warm sandbox
    )
    with pytest.raises(sandbox.SandboxEvalError):
        evaluate(FORGED.format(body=body))


def _pooled_eval(expr: str) -> object:
    with sandbox.Pool(1) as pool:
        pool.wait_ready(60)
        return pool.eval_python(expr)
