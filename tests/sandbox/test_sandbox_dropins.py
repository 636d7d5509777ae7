"""Drop-in equivalence with subprocess and os: same return codes, output, errors."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys

import pytest
from sandbox_helpers import own_cgroup_leftovers

from auditor import sandbox

pytestmark = pytest.mark.usefixtures("launcher_kind")

SCRIPTS = [
    "echo out; echo err >&2",
    "echo partial; exit 3",
    "printf 'a\\r\\nb\\rc'",
    "kill -TERM $$",
    "kill -KILL $$",
    "exit 255",
]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("text", [False, True])
def test_run_matches_subprocess(script: str, text: bool) -> None:
    ref = subprocess.run(["sh", "-c", script], capture_output=True, text=text)
    got = sandbox.run(["sh", "-c", script], capture_output=True, text=text)
    assert isinstance(got, subprocess.CompletedProcess)
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert got.args == ref.args


def test_run_shell_input_and_stderr_to_stdout() -> None:
    kw = {"shell": True, "input": "x\ny\n", "stdout": subprocess.PIPE, "text": True}
    ref = subprocess.run("cat; echo e >&2", stderr=subprocess.STDOUT, **kw)
    got = sandbox.run("cat; echo e >&2", stderr=subprocess.STDOUT, **kw)
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert got.stdout == "x\ny\ne\n"


def test_check_true_raises_the_same_error() -> None:
    with pytest.raises(subprocess.CalledProcessError) as ref:
        subprocess.run(["sh", "-c", "echo o; exit 4"], capture_output=True, check=True)
    with pytest.raises(subprocess.CalledProcessError) as got:
        sandbox.run(["sh", "-c", "echo o; exit 4"], capture_output=True, check=True)
    assert (got.value.returncode, got.value.cmd, got.value.output) == (
        ref.value.returncode,
        ref.value.cmd,
        ref.value.output,
    )
    assert str(got.value) == str(ref.value)


def test_timeout_raises_timeout_expired() -> None:
    with pytest.raises(subprocess.TimeoutExpired) as got:
        sandbox.run(["sh", "-c", "echo early; sleep 20"], capture_output=True, timeout=2)
    assert got.value.cmd == ["sh", "-c", "echo early; sleep 20"]
    assert got.value.output == b"early\n"


def test_missing_program_raises_file_not_found(host_dir: str) -> None:
    with pytest.raises(FileNotFoundError) as ref:
        subprocess.run(["/nonexistent/program"])
    with pytest.raises(FileNotFoundError) as got:
        sandbox.run(["/nonexistent/program"])
    assert (got.value.errno, got.value.filename) == (ref.value.errno, ref.value.filename)
    with pytest.raises(FileNotFoundError):
        sandbox.run(["no-such-program-anywhere-on-path"])
    plain = os.path.join(host_dir, "not-executable")
    with open(plain, "w") as f:
        f.write("#!/bin/sh\n")
    with pytest.raises(PermissionError) as ref_perm:
        subprocess.run([plain])
    with pytest.raises(PermissionError) as got_perm:
        sandbox.run([plain], cwd=host_dir)  # the working directory is in view
    assert got_perm.value.filename == ref_perm.value.filename == plain
    assert own_cgroup_leftovers() == []


def test_call_check_call_check_output() -> None:
    assert sandbox.call(["sh", "-c", "exit 5"]) == subprocess.call(["sh", "-c", "exit 5"]) == 5
    assert sandbox.check_call(["true"]) == subprocess.check_call(["true"]) == 0
    with pytest.raises(subprocess.CalledProcessError) as info:
        sandbox.check_call(["false"])
    assert info.value.returncode == 1 and info.value.cmd == ["false"]
    cmd = ["sh", "-c", "echo out; echo err >&2"]
    assert sandbox.check_output(cmd, stderr=subprocess.STDOUT) == subprocess.check_output(
        cmd, stderr=subprocess.STDOUT
    )
    assert sandbox.check_output(["cat"], input="hi", text=True) == "hi"
    with pytest.raises(subprocess.CalledProcessError) as info:
        sandbox.check_output(["sh", "-c", "echo x; exit 2"])
    assert info.value.output == b"x\n"


@pytest.mark.parametrize("cmd", ["echo hi; echo err >&2; exit 4", "printf 'a\\n\\n'", "true"])
def test_getoutput_getstatusoutput(cmd: str) -> None:
    assert sandbox.getstatusoutput(cmd) == subprocess.getstatusoutput(cmd)
    assert sandbox.getoutput(cmd) == subprocess.getoutput(cmd)


@pytest.mark.parametrize("cmd", ["true", "exit 3", "exit 255", "kill -TERM $$", "kill -KILL $$"])
def test_system_returns_os_system_wait_status(cmd: str) -> None:
    assert sandbox.system(cmd) == os.system(cmd)


def test_popen_read_write_close_statuses(host_dir: str) -> None:
    with sandbox.popen("echo hi; echo there") as f:
        assert f.read() == os.popen("echo hi; echo there").read()
    assert sandbox.popen("true").close() is os.popen("true").close() is None
    assert sandbox.popen("exit 3").close() == os.popen("exit 3").close() == 3 << 8
    w = sandbox.popen(f"cat > {host_dir}/written", "w", cwd=host_dir, writable_cwd=True)
    w.write("data\n")
    assert w.close() is None
    with open(f"{host_dir}/written") as f:
        assert f.read() == "data\n"


def test_popen_read_without_keeping_the_file() -> None:
    # os.popen(cmd).read() keeps only the stream's bound method alive: the command must
    # still run to completion (a slow command, so that a killed one would return "").
    cmd = "sleep 0.5; echo late"
    assert sandbox.popen(cmd).read() == os.popen(cmd).read() == "late\n"


def test_popen_streams_while_running() -> None:
    script = "for i in 1 2 3; do echo line$i; sleep 0.5; done"
    with sandbox.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True) as p:
        assert p.stdout is not None
        assert p.stdout.readline() == "line1\n"
        assert p.poll() is None  # still running while we read
        rest = p.stdout.read()
        assert p.wait() == 0
    assert rest == "line2\nline3\n"
    assert p.returncode == 0


def test_popen_communicate_kill_terminate() -> None:
    p = sandbox.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert p.communicate(b"abc") == (b"abc", None)
    assert p.returncode == 0
    for method, sig in (("kill", signal.SIGKILL), ("terminate", signal.SIGTERM)):
        ref = subprocess.Popen(["sleep", "30"])
        got = sandbox.Popen(["sleep", "30"])
        getattr(ref, method)()
        getattr(got, method)()
        assert got.wait() == ref.wait() == -sig


def test_popen_wait_timeout_does_not_kill() -> None:
    p = sandbox.Popen(["sleep", "30"])
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.2)
    assert p.poll() is None
    p.kill()
    assert p.wait() == -signal.SIGKILL


def test_communicate_again_after_timeout_collects_everything() -> None:
    # The documented subprocess pattern: kill after a timeout, then communicate() again.
    script = "echo first; sleep 30"
    p = sandbox.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)
    with pytest.raises(subprocess.TimeoutExpired) as info:
        p.communicate(timeout=2)
    assert info.value.output == b"first\n"
    p.kill()
    out, err = p.communicate()
    assert (out, err) == ("first\n", None)
    assert p.returncode == -signal.SIGKILL


def test_pass_fds_and_preexec_fn_work_inside() -> None:
    r, w = os.pipe()
    try:
        code = f"import os; os.write({w}, b'through\\n')"
        res = sandbox.run([sys.executable, "-I", "-c", code], pass_fds=(w,))
        assert res.returncode == 0
        os.close(w)
        w = -1
        assert os.read(r, 100) == b"through\n"
    finally:
        os.close(r)
        if w != -1:
            os.close(w)
    # preexec_fn runs in the payload process, after the sandbox is set up.
    res = sandbox.run(["pwd"], preexec_fn=lambda: os.chdir("/"), capture_output=True, text=True)
    assert res.stdout == "/\n"
    assert "pid" in res.isolation


def test_preexec_fn_works_when_the_package_is_out_of_view(tmp_path: pathlib.Path) -> None:
    # A checkout under /tmp (or a home folder) is not in the sandbox's view; the init of a
    # preexec_fn run starts while the payload moves the root, so it must not need the path.
    import shutil

    from auditor.sandbox import rulesdata

    copy = tmp_path / "checkout"
    package = pathlib.Path(sandbox.__file__).resolve().parents[1]
    rules = pathlib.Path(rulesdata.path()).parent
    for source, name in ((package, "auditor"), (rules, "rules")):
        shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    os.chmod(tmp_path, 0o755)
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from auditor import sandbox\n"
        "from auditor.sandbox import native\n"
        f"native._disabled = {native_disabled()}\n"
        "assert sandbox.__file__.startswith(sys.argv[1]), sandbox.__file__\n"
        "r = sandbox.run(['true'], preexec_fn=lambda: None)\n"
        "print(r.returncode, r.launcher)\n"
    )
    # -S: without site, an editable install of the checkout does not take precedence
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(copy)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "0"


def native_disabled() -> bool:
    from auditor.sandbox import native

    return bool(getattr(native, "_disabled", False))


def test_bad_arguments_raise_like_subprocess_and_leave_nothing() -> None:
    fds = len(os.listdir("/proc/self/fd"))
    with pytest.raises(IndexError):
        subprocess.run([])
    with pytest.raises(IndexError):
        sandbox.run([])
    with pytest.raises(TypeError):
        subprocess.run(pathlib.Path("/bin/true"), shell=True)
    with pytest.raises(TypeError):
        sandbox.run(pathlib.Path("/bin/true"), shell=True)
    assert own_cgroup_leftovers() == []
    assert len(os.listdir("/proc/self/fd")) == fds  # no pipe or pidfd left open
