"""Holes of the fifth attack round: mounts below the working directory, the interpreter's
folders, a venv that is the working directory, settings from shared parent folders, the CPU
budget while the caller only reads, and seccomp next to Docker's default profile.  Each test
reproduces an attack that worked before its fix, with both launchers, as root and
unprivileged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.sandbox import native

pytestmark = pytest.mark.usefixtures("launcher_kind")

ROOT = os.geteuid() == 0


def _in_mount_ns(code: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter in a mount namespace of its own, where it may bind
    mount (root: a private one; otherwise a user namespace mapping the caller to itself,
    with its capabilities kept), with this test's launcher."""
    prologue = textwrap.dedent(
        f"""
        import ctypes, json, os, sys
        from auditor.sandbox import native
        native._disabled = {native._disabled!r}
        _libc = ctypes.CDLL(None, use_errno=True)
        def bind(src, dst):
            if _libc.mount(src.encode(), dst.encode(), None, 4096 | 0x4000, None) != 0:
                sys.exit(f"mount --bind {{src}} {{dst}}: {{os.strerror(ctypes.get_errno())}}")
        """
    )
    ns = ["unshare", "--mount", "--propagation", "private"]
    if not ROOT:
        ns = ["unshare", "--map-current-user", "--keep-caps", "--mount"]
    return subprocess.run(
        [*ns, sys.executable, "-c", prologue + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def unshare() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) (util-linux)")


# -- 1. mounts below the working directory -------------------------------------------------


@pytest.mark.usefixtures("unshare")
@pytest.mark.parametrize("writable", [False, True])
def test_mounts_below_the_working_directory_stay_hidden(tmp_path: Path, writable: bool) -> None:
    """A project folder holding a bind of a shared folder (as ``-v /tmp:/app/tmp`` does) and
    of a single file: the payload sees the project's own files, empty mount points, and
    cannot read or write what is mounted there."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "secret").write_text("host-secret\n")
    proj = tmp_path / "proj"
    (proj / "hosttmp").mkdir(parents=True)
    (proj / "key").write_text("")
    (proj / "app.py").write_text("print('project')\n")
    os.chmod(tmp_path, 0o755)
    payload = (
        'cat app.py; cat hosttmp/secret; ls -A hosttmp; echo "key=[$(cat key)]"; '
        "echo pwned > hosttmp/planted; ln -s /etc/shadow hosttmp/link; echo x > key; true"
    )
    out = _in_mount_ns(
        f"""
        bind({str(shared)!r}, {str(proj / "hosttmp")!r})
        bind({str(shared / "secret")!r}, {str(proj / "key")!r})
        from auditor import sandbox
        r = sandbox.run({payload!r}, shell=True, cwd={str(proj)!r}, writable_cwd={writable!r},
                        capture_output=True, text=True)
        print(json.dumps([r.returncode, r.stdout, r.stderr]))
        """
    )
    assert out.returncode == 0, out.stderr
    _rc, stdout, stderr = json.loads(out.stdout.splitlines()[-1])
    assert "print('project')" in stdout  # the project itself is in view
    assert "host-secret" not in stdout, stdout
    assert "key=[]" in stdout, stdout
    assert sorted(p.name for p in shared.iterdir()) == ["secret"]
    assert (shared / "secret").read_text() == "host-secret\n"
    assert "Read-only file system" in stderr


@pytest.mark.usefixtures("unshare")
@pytest.mark.skipif(not ROOT or not os.path.isdir("/opt"), reason="writes in /opt (root)")
def test_mounts_below_a_working_directory_already_in_view_stay_hidden(tmp_path: Path) -> None:
    """A project under /opt, which standard shows read-only whole: the working directory is
    not bound again, and what is mounted below it is covered all the same."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "secret").write_text("host-secret\n")
    os.chmod(tmp_path, 0o755)
    proj = Path(f"/opt/sbx5-{os.urandom(6).hex()}")
    try:
        (proj / "hosttmp").mkdir(parents=True)
        (proj / "app.py").write_text("print('project')\n")
        out = _in_mount_ns(
            f"""
            bind({str(shared)!r}, {str(proj / "hosttmp")!r})
            from auditor import sandbox
            r = sandbox.run("cat app.py; cat hosttmp/secret", shell=True, cwd={str(proj)!r},
                            capture_output=True, text=True)
            print(json.dumps([r.stdout, r.stderr]))
            """
        )
    finally:
        shutil.rmtree(proj)
    assert out.returncode == 0, out.stderr
    stdout, _stderr = json.loads(out.stdout.splitlines()[-1])
    assert "print('project')" in stdout
    assert "host-secret" not in stdout


# -- 4. settings from shared parent folders -------------------------------------------------


def _shared_parent(tmp_path: Path) -> tuple[Path, Path]:
    """A world-writable sticky folder (as /var/tmp) with a project of the caller's in it."""
    shared = tmp_path / "vartmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    proj = shared / "service"
    proj.mkdir()
    return shared, proj


PLANTED = '[tool.auditor.sandbox]\nmemory = "1T"\ncgroup = "off"\nallow_degraded = true\n'


def test_settings_are_not_read_from_a_world_writable_parent(tmp_path: Path) -> None:
    from auditor.sandbox import config

    shared, proj = _shared_parent(tmp_path)
    (shared / "pyproject.toml").write_text(PLANTED)
    assert config.find_pyproject(proj) is None
    assert config.load_settings(proj) == config.Settings()
    # the project's own settings are still read
    (proj / "pyproject.toml").write_text('[tool.auditor.sandbox]\nmemory = "64M"\n')
    assert config.load_settings(proj).limits.memory == "64M"


def test_a_world_writable_settings_file_is_not_read(tmp_path: Path) -> None:
    from auditor.sandbox import config

    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    (proj / "pyproject.toml").write_text(PLANTED)
    os.chmod(proj / "pyproject.toml", 0o666)
    assert config.find_pyproject(proj / "sub") is None
    os.chmod(proj / "pyproject.toml", 0o644)
    assert config.find_pyproject(proj / "sub") == proj / "pyproject.toml"


@pytest.mark.skipif(not ROOT, reason="making files of another user needs root")
def test_settings_of_another_user_are_not_read(tmp_path: Path) -> None:
    from auditor.sandbox import config

    other = tmp_path / "other"  # a folder another user owns, holding the caller's project
    (other / "proj").mkdir(parents=True)
    (other / "pyproject.toml").write_text(PLANTED)
    os.chown(other, 65534, 65534)
    assert config.find_pyproject(other / "proj") is None
    os.chown(other, 0, 0)  # root's folder: the file is read, unless another user owns it
    assert config.find_pyproject(other / "proj") == other / "pyproject.toml"
    os.chown(other / "pyproject.toml", 65534, 65534)
    assert config.find_pyproject(other / "proj") is None


# -- 2./3. the interpreter's folders ---------------------------------------------------------

SYSTEM_PYTHON = "/usr/bin/python3"


def _package_dir() -> str:
    import auditor

    return os.path.dirname(os.path.dirname(os.path.abspath(auditor.__file__)))


def _run_with(
    python: str, code: str, cwd: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[object]]:
    """``code`` run by ``python`` (with this test's launcher and package); its last line of
    output is JSON."""
    prologue = (
        "import json\nfrom auditor.sandbox import native\n"
        f"native._disabled = {native._disabled!r}\n"
    )
    out = subprocess.run(
        [python, "-c", prologue + textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": _package_dir(), **env},
    )
    lines = out.stdout.splitlines()
    return out, json.loads(lines[-1]) if lines else []


def _system_python() -> str:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"needs {SYSTEM_PYTHON}")
    return SYSTEM_PYTHON


def _stdlib_name(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_an_interpreter_directly_in_tmp_does_not_show_tmp(tmp_path: Path) -> None:
    python = _system_python()
    token = os.urandom(6).hex()
    copy = f"/tmp/sbx5-python-{token}"
    canary = f"/tmp/sbx5-canary-{token}"
    try:
        shutil.copy2(python, copy)
        Path(canary).write_text("host-tmp-secret\n")
        os.chmod(canary, 0o644)
        os.chmod(tmp_path, 0o755)
        out, res = _run_with(
            copy,
            f"""
            from auditor import sandbox
            r = sandbox.run("cat {canary}; ls /tmp", shell=True, capture_output=True, text=True,
                            profile="strict")
            e = sandbox.exec_python("print('interpreter ok')", capture_output=True, text=True)
            print(json.dumps([r.stdout, r.stderr, e.stdout, e.stderr]))
            """,
            tmp_path,
        )
    finally:
        for p in (copy, canary):
            if os.path.lexists(p):
                os.unlink(p)
    assert out.returncode == 0, out.stderr
    stdout, stderr, e_out, e_err = res
    assert "host-tmp-secret" not in stdout, stdout
    assert "No such file" in str(stderr)
    assert e_out == "interpreter ok\n", e_err


def test_an_interpreter_installed_in_a_home_does_not_show_the_home(tmp_path: Path) -> None:
    python = _system_python()
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    (home / "lib").mkdir()
    (home / ".ssh").mkdir()
    (home / "proj").mkdir()
    shutil.copy2(python, home / "bin" / "python3")
    name = _stdlib_name(python)
    os.symlink(f"/usr/lib/{name}", home / "lib" / name)
    (home / ".ssh" / "id_rsa").write_text("PRIVATE KEY\n")
    os.chmod(home / ".ssh" / "id_rsa", 0o600)
    os.chmod(tmp_path, 0o755)
    out, res = _run_with(
        str(home / "bin" / "python3"),
        f"""
        import sys
        from auditor import sandbox
        r = sandbox.run("cat {home}/.ssh/id_rsa; ls -A {home}", shell=True, capture_output=True,
                        text=True, env={{"PATH": "/usr/bin:/bin"}})
        e = sandbox.exec_python("print('interpreter ok')", capture_output=True, text=True)
        print(json.dumps([sys.prefix, r.stdout, r.stderr, list(r.isolation), e.stdout, e.stderr]))
        """,
        home / "proj",
        HOME=str(home),
    )
    assert out.returncode == 0, out.stderr
    prefix, stdout, _stderr, isolation, e_out, e_err = res
    assert prefix == str(home)  # the interpreter's installation is the home
    assert "PRIVATE KEY" not in stdout, stdout
    # (proj, the working directory, is in view in the standard profile: a project folder
    # inside a home is fine)
    assert ".ssh" not in stdout, stdout
    assert "hidden-home" in isolation
    assert e_out == "interpreter ok\n", e_err


def _venv_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(proj)], check=True, timeout=120
    )
    (proj / ".env").write_text("DATABASE_URL=postgres://app:S3cr3t@db/app\n")
    os.chmod(proj / ".env", 0o600)
    (proj / "src").mkdir()
    os.chmod(tmp_path, 0o755)
    return proj


def test_a_venv_that_is_the_project_does_not_show_the_project(tmp_path: Path) -> None:
    proj = _venv_project(tmp_path)
    out, res = _run_with(
        str(proj / "bin" / "python"),
        f"""
        from auditor import sandbox
        r = sandbox.exec_python("print(open({str(proj / ".env")!r}).read())",
                                capture_output=True, text=True)
        e = sandbox.exec_python("import os; print(sorted(os.listdir({str(proj)!r})))",
                                capture_output=True, text=True)
        print(json.dumps([r.stdout, r.stderr, e.stdout, e.stderr]))
        """,
        proj / "src",
    )
    assert out.returncode == 0, out.stderr
    stdout, stderr, e_out, e_err = res
    assert "S3cr3t" not in stdout, stdout
    assert "FileNotFoundError" in stderr
    # what the interpreter needs, nothing else of the project
    assert e_out == "['bin', 'lib', 'pyvenv.cfg']\n", e_err


def test_a_venv_that_is_the_working_directory_is_never_writable(tmp_path: Path) -> None:
    proj = _venv_project(tmp_path)
    out, res = _run_with(
        str(proj / "bin" / "python"),
        """
        import glob
        from auditor import sandbox
        sp = glob.glob("lib/python3*/site-packages")[0]
        try:
            r = sandbox.run(f"echo 'import os' > {sp}/zz.pth; echo > bin/python", shell=True,
                            capture_output=True, text=True, writable_cwd=True)
            print(json.dumps(["ran", r.returncode, r.stderr]))
        except sandbox.SandboxUnavailable as exc:
            print(json.dumps(["refused", str(exc)]))
        """,
        proj,
    )
    assert out.returncode == 0, out.stderr
    assert res[0] == "refused", res
    assert "interpreter's installation" in str(res[1])
    assert not list(proj.glob("lib/python3*/site-packages/zz.pth"))


# -- 5. the CPU budget while the caller only reads ------------------------------------------

SPIN = "for i in 1 2 3 4; do (while :; do :; done) & done; wait; echo done"


def _cpu_budget_enforced_by_cgroup() -> None:
    from auditor import sandbox

    r = sandbox.run("true", limits=sandbox.Limits(cpu_time=1), shell=True)
    if "cpu:cgroup" not in r.isolation:
        pytest.skip("no cgroup CPU accounting here: cpu_time is RLIMIT_CPU of each process")


def test_the_cpu_budget_holds_while_the_caller_only_reads_stdout() -> None:
    from auditor import sandbox

    _cpu_budget_enforced_by_cgroup()
    p = sandbox.Popen(
        ["sh", "-c", SPIN], limits=sandbox.Limits(cpu_time=1), stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None
    out = p.stdout.read()  # no wait(), poll() or communicate() until the output ends
    p.wait()
    assert p.cpu_limited, (p.returncode, out)
    assert p.returncode == -9
    assert out == ""


def test_the_cpu_budget_holds_for_popen_read() -> None:
    from auditor import sandbox

    _cpu_budget_enforced_by_cgroup()
    f = sandbox.popen(SPIN, limits=sandbox.Limits(cpu_time=1))
    out = f.read()
    assert out == ""
    assert f.close() is not None  # killed, not a clean exit


# -- 6. seccomp next to Docker's default profile --------------------------------------------


#: syscall numbers (from the kernel's tables, not from rules/sandbox.toml)
DOCKER_REFUSES = {
    "x86_64": {
        "personality": 135,
        "mbind": 237,
        "set_mempolicy": 238,
        "move_pages": 279,
        "name_to_handle_at": 303,
    },
    "aarch64": {
        "personality": 92,
        "mbind": 235,
        "set_mempolicy": 237,
        "move_pages": 239,
        "name_to_handle_at": 264,
    },
}


def test_seccomp_refuses_what_dockers_default_profile_refuses(tmp_path: Path) -> None:
    from auditor import sandbox
    from auditor.sandbox import seccomp

    arch = seccomp.machine()
    if arch not in DOCKER_REFUSES:
        pytest.skip("no syscall numbers for this machine")
    nr = DOCKER_REFUSES[arch]
    code = textwrap.dedent(
        f"""
        import ctypes, json
        libc = ctypes.CDLL(None, use_errno=True)
        def call(n, *args):
            ctypes.set_errno(0)
            rc = libc.syscall(n, *[ctypes.c_long(a) for a in args])
            return [rc, ctypes.get_errno()]
        buf = ctypes.create_string_buffer(128)
        out = {{
            "personality READ_IMPLIES_EXEC": call({nr["personality"]}, 0x0400000),
            "personality ADDR_NO_RANDOMIZE": call({nr["personality"]}, 0x0040000),
            "mbind": call({nr["mbind"]}, 0, 4096, 2, 0, 0, 0),
            "set_mempolicy": call({nr["set_mempolicy"]}, 0, 0, 0),
            "move_pages": call({nr["move_pages"]}, 0, 0, 0, 0, 0, 0),
            "name_to_handle_at": call(
                {nr["name_to_handle_at"]}, -100, ctypes.addressof(buf), 0, 0, 0
            ),
        }}
        query = call({nr["personality"]}, 0xFFFFFFFF)
        print(json.dumps([out, query, call({nr["personality"]}, query[0])]))
        """
    )
    r = sandbox.exec_python(code, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    refused, query, same = json.loads(r.stdout)
    import errno

    assert {k: v for k, v in refused.items() if v != [-1, errno.EPERM]} == {}
    assert query[0] >= 0 and query[1] == 0  # the query Docker allows still answers
    assert same == [query[0], 0]  # and so does setting the persona it answered (PER_LINUX)


def test_a_rule_with_only_and_values_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.sandbox import rulesdata, seccomp

    bad = {"syscall": "personality", "nr": {"x86_64": 135}, "arg": 0, "only": [0],
           "values": [8], "errno": "EPERM", "refused": [[8]], "allowed": [[0]]}  # fmt: skip
    monkeypatch.setattr(rulesdata, "section", lambda *keys: [bad])
    seccomp.rules.cache_clear()
    try:
        with pytest.raises(Exception, match="give one of 'mask', 'values' and 'only'"):
            seccomp.rules()
    finally:
        monkeypatch.undo()
        seccomp.rules.cache_clear()
