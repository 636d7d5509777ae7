"""The ten breaks of issue 14, each reproduced as a payload.

An independent review attacked the sandbox as root and as ``nobody``; every test here is one
of its attacks (or a close variant), run through both launchers.  Each one succeeded on the
code before issue 14 was fixed and must fail now.  The suite runs as root and again as
uid 65534 (``.ci/sandbox-unprivileged``); a test that needs root or a cgroup says so.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from auditor import sandbox
from auditor.sandbox import cgroups, doctor, process

pytestmark = pytest.mark.usefixtures("launcher_kind")

MiB = 1 << 20
ROOT = os.geteuid() == 0

#: ctypes prologue shared by the payloads: raw syscalls with errno.
LIBC = (
    "import ctypes, os\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
    "def sysc(nr, *args):\n"
    "    r = libc.syscall(nr, *args)\n"
    "    return r, (ctypes.get_errno() if r < 0 else 0)\n"
)


def _py(code: str, **kw: object) -> sandbox.SandboxResult:
    """Run ``code`` (dedented; after the LIBC prologue when it starts with it)."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    if code.startswith(LIBC):
        code = LIBC + textwrap.dedent(code[len(LIBC) :])
    return sandbox.exec_python(textwrap.dedent(code), **kw)  # type: ignore[arg-type]


# -- 1. the init's cwd ---------------------------------------------------------------


def test_1_the_inits_cwd_and_root_show_nothing_of_the_caller(
    host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """strict, called from a project inside a home: the caller's files must not be readable
    through /proc/1/cwd nor through the init's root."""
    home = os.path.join(host_dir, "home")
    project = os.path.join(home, "project")
    os.makedirs(project)
    with open(os.path.join(project, ".env"), "w") as f:
        f.write("API_TOKEN=hunter2-cwd\n")
    monkeypatch.setenv("HOME", home)
    monkeypatch.chdir(project)
    r = _py(
        f"""
        import os
        for link in ("/proc/1/cwd", "/proc/1/root", "/proc/1/root{project}"):
            try:
                names = os.listdir(link)
                print(link, "listed", names)
                if ".env" in names:
                    print(open(os.path.join(link, ".env")).read())
            except OSError as exc:
                print(link, "denied", exc.errno)
        """
    )
    assert r.returncode == 0, r.stderr
    assert "hunter2-cwd" not in r.stdout
    assert ".env" not in r.stdout


# -- 2. limits raised from inside, inherited by the next run ---------------------------

RAISE_CGROUP_LIMITS = (
    LIBC
    + """
    uid, gid = os.getuid(), os.getgid()
    r, e = sysc(272, 0x10000000 | 0x00020000 | 0x02000000)  # unshare(USER|NS|CGROUP)
    print("unshare", r, e)
    if r == 0:
        try:  # a map is not needed to write a file the process already owns
            open("/proc/self/setgroups", "w").write("deny")
            open("/proc/self/uid_map", "w").write(f"0 {uid} 1")
            open("/proc/self/gid_map", "w").write(f"0 {gid} 1")
        except OSError as exc:
            print("no map", exc.errno)
        for ctrl, names, value in (
            ("memory", ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes"), str(1 << 30)),
            ("pids", ("pids.max",), "max"),
        ):
            d = f"/tmp/cg-{ctrl}"
            os.makedirs(d, exist_ok=True)
            if libc.mount(b"none", d.encode(), b"cgroup", 0, ctrl.encode()) != 0:
                print("mount", ctrl, "denied", ctypes.get_errno())
                continue
            for name in names:
                try:
                    with open(os.path.join(d, name), "w") as f:
                        f.write(value)
                    print("raised", name)
                except OSError as exc:
                    print("write", name, "denied", exc.errno)
    """
)

HOLD_AND_FORK = """
    import os, time
    held = []
    try:
        for _ in range(30):
            held.append(bytearray(10 << 20))
    except MemoryError:
        pass
    print("held", len(held) * 10, flush=True)
    held.clear()
    kids = 0
    for _ in range(40):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids += 1
    print("forked", kids, flush=True)
    """


def test_2_limits_raised_from_a_nested_namespace_do_not_hold_nor_carry_over() -> None:
    limits = sandbox.Limits(memory="64M", pids=16)
    cgroups.drain_pool()
    first = _py(RAISE_CGROUP_LIMITS, limits=limits, profile="standard")
    assert "raised" not in first.stdout, first.stdout
    second = _py(HOLD_AND_FORK + "print(open('/proc/self/cgroup').read())\n", limits=limits)
    held = [line for line in second.stdout.splitlines() if line.startswith("held")]
    forked = [line for line in second.stdout.splitlines() if line.startswith("forked")]
    if held:
        assert int(held[0].split()[1]) < 64
    else:  # killed by the memory cgroup before it could say
        assert second.oom_killed
    if forked:
        assert int(forked[0].split()[1]) < 16
    # The next run's cgroup has exactly the limits it asked for, read on the host.
    for cg in cgroups._pool:
        mem = cg.dirs.get("memory")
        if mem:
            with open(f"{mem}/memory.limit_in_bytes") as f:
                assert int(f.read()) == 64 * MiB
        pids = cg.dirs.get("pids")
        if pids:
            with open(f"{pids}/pids.max") as f:
                assert f.read().strip() == "16"


# -- 3. the init can be taken over -----------------------------------------------------


@pytest.mark.parametrize("profile", ["strict", "standard"])
def test_3_the_payload_cannot_ptrace_or_read_the_init(profile: str) -> None:
    r = _py(
        LIBC
        + """
        libc.ptrace.restype = ctypes.c_long
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        for name, req in (("attach", 16), ("seize", 0x4206)):
            res = libc.ptrace(req, 1, None, None)
            print(name, "ok" if res == 0 else "denied", ctypes.get_errno())
            if res == 0:
                libc.ptrace(17, 1, None, None)  # PTRACE_DETACH
        for path in ("/proc/1/mem", "/proc/1/environ", "/proc/1/maps"):
            try:
                with open(path, "rb") as f:
                    f.read(64)
                print(path, "ok")
            except OSError as exc:
                print(path, "denied", exc.errno)
        """,
        profile=profile,
    )
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        assert " ok" not in line, r.stdout


# -- 4. memory outside RLIMIT_AS --------------------------------------------------------

MEMFD_HOARD = """
    import os
    held = 0
    fds = []
    try:
        for i in range(30):
            fd = os.memfd_create(f"hoard{i}")
            for _ in range(8):
                os.write(fd, b"x" * (1 << 20))
            fds.append(fd)
            held += 8
    except OSError as exc:
        print("stopped", exc.errno)
    print("held", held, flush=True)
    """


#: Break 4 is the run without a memory cgroup (nobody on cgroup v1); a root caller gets that
#: run with cgroup="off", so the suite attacks it as root too.
CGROUP_MODES = ["auto", "off"] if ROOT else ["auto"]


@pytest.mark.parametrize("cgroup", CGROUP_MODES)
def test_4_memfds_cannot_hold_memory_beyond_the_limit(cgroup: str) -> None:
    limits = sandbox.Limits(memory="64M", file_size="16M")
    r = _py(MEMFD_HOARD, limits=limits, cgroup=cgroup)
    held = [line for line in r.stdout.splitlines() if line.startswith("held")]
    if held:
        assert int(held[0].split()[1]) < 64, r.stdout
    else:
        assert r.oom_killed, (r.returncode, r.stdout, r.stderr)


@pytest.mark.parametrize("cgroup", CGROUP_MODES)
@pytest.mark.parametrize("where", ["/tmp", "/dev/shm"])
def test_4_tmpfs_writes_are_bounded_by_the_memory_limit(where: str, cgroup: str) -> None:
    r = _py(
        f"""
        import os
        written = 0
        try:
            with open("{where}/fill", "wb") as f:
                for _ in range(200):
                    f.write(b"x" * (1 << 20))
                    f.flush()
                    written += 1
        except OSError as exc:
            print("stopped", exc.errno)
        print("written", written, flush=True)
        """,
        limits=sandbox.Limits(memory="64M", file_size="1G"),
        cgroup=cgroup,
    )
    written = [line for line in r.stdout.splitlines() if line.startswith("written")]
    if written:
        assert int(written[0].split()[1]) <= 64, r.stdout
    else:
        assert r.oom_killed, (r.returncode, r.stdout, r.stderr)


@pytest.mark.parametrize("cgroup", CGROUP_MODES)
def test_4_a_nested_tmpfs_cannot_hold_memory(cgroup: str) -> None:
    r = _py(
        LIBC
        + """
        uid, gid = os.getuid(), os.getgid()
        r, e = sysc(272, 0x10000000 | 0x00020000)  # unshare(USER|NS)
        print("unshare", r, e)
        written = 0
        if r == 0:
            try:
                open("/proc/self/setgroups", "w").write("deny")
                open("/proc/self/uid_map", "w").write(f"0 {uid} 1")
                open("/proc/self/gid_map", "w").write(f"0 {gid} 1")
            except OSError as exc:
                print("no map", exc.errno)
            os.makedirs("/tmp/nested", exist_ok=True)
            if libc.mount(b"none", b"/tmp/nested", b"tmpfs", 0, b"size=1g") == 0:
                try:
                    with open("/tmp/nested/fill", "wb") as f:
                        for _ in range(200):
                            f.write(b"x" * (1 << 20))
                            f.flush()
                            written += 1
                except OSError as exc:
                    print("stopped", exc.errno)
        print("written", written, flush=True)
        """,
        limits=sandbox.Limits(memory="64M", file_size="1G"),
        cgroup=cgroup,
    )
    written = [line for line in r.stdout.splitlines() if line.startswith("written")]
    if written:
        assert int(written[0].split()[1]) <= 64, r.stdout
    else:
        assert r.oom_killed, (r.returncode, r.stdout, r.stderr)


SYSV_HOARD = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    held = 0
    for _ in range(10):
        sid = libc.shmget(0, 40 << 20, 0o1600)
        if sid < 0:
            print("shmget refused", ctypes.get_errno())
            break
        addr = libc.shmat(sid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(addr, 1, 40 << 20)
        libc.shmdt(ctypes.c_void_p(addr))  # detached: the pages stay, in no process
        held += 40
    print("held", held, flush=True)
    """


@pytest.mark.parametrize("cgroup", CGROUP_MODES)
def test_4_system_v_shared_memory_cannot_hold_memory_beyond_the_limit(cgroup: str) -> None:
    """Found attacking the fix of this break: a System V segment keeps its pages after
    shmdt(), in no process's address space."""
    r = _py(SYSV_HOARD, limits=sandbox.Limits(memory="64M"), cgroup=cgroup)
    held = [line for line in r.stdout.splitlines() if line.startswith("held")]
    if held:
        assert int(held[0].split()[1]) < 64, r.stdout
    else:
        assert r.oom_killed, (r.returncode, r.stdout, r.stderr)


# -- 5. the Python launcher's init is a fork of the caller ----------------------------


@pytest.mark.parametrize("preexec", [False, True])
def test_5_pid_1_holds_nothing_of_the_caller(
    monkeypatch: pytest.MonkeyPatch, token: str, preexec: bool
) -> None:
    secret = f"caller-secret-{token}"
    monkeypatch.setenv("AUDITOR_CALLER_SECRET", secret)
    kept_in_memory = (secret + "-heap").encode()  # noqa: F841 (kept alive on purpose)
    code = textwrap.dedent(
        """
        import os, re
        out = []
        for path in ("/proc/1/environ", "/proc/1/cmdline"):
            try:
                out.append(open(path, "rb").read())
            except OSError as exc:
                print(path, "denied", exc.errno)
        try:
            with open("/proc/1/maps") as maps, open("/proc/1/mem", "rb") as mem:
                for line in maps:
                    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) rw", line)
                    if m:
                        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
                        try:
                            mem.seek(lo)
                            out.append(mem.read(min(hi - lo, 64 << 20)))
                        except OSError:
                            pass
        except OSError as exc:
            print("mem denied", exc.errno)
        blob = b"".join(out)
        needle = "terces-rellac"[::-1].encode()  # not spelled out: argv is in pid 1 too
        print("found" if needle in blob else "clean")
        """
    )
    kw: dict[str, object] = {"preexec_fn": lambda: None} if preexec else {}
    r = sandbox.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, **kw
    )
    assert r.returncode == 0, r.stderr
    assert "clean" in r.stdout, r.stdout


# -- 6. the caller's session keyring ---------------------------------------------------

KEYRING_CALLER = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
if libc.syscall(250, 1, None) < 0:  # keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)
    print("no keyrings here", ctypes.get_errno()); sys.exit(0)
secret = b"hunter2-keyring"
if libc.syscall(248, b"user", b"auditor-test-secret", secret, len(secret), -3) < 0:
    print("add_key failed", ctypes.get_errno()); sys.exit(0)
from auditor import sandbox
from auditor.sandbox import native
native._disabled = sys.argv[1] == "python"
payload = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
kid = libc.syscall(250, 10, -3, b"user", b"auditor-test-secret", 0)  # KEYCTL_SEARCH @s
print("search", kid, ctypes.get_errno())
if kid > 0:
    buf = ctypes.create_string_buffer(64)
    n = libc.syscall(250, 11, kid, buf, 64)  # KEYCTL_READ
    print("read", buf.raw[:max(n, 0)])
'''
for profile in ("strict", "standard"):
    r = sandbox.exec_python(payload, profile=profile, capture_output=True, text=True)
    print(profile, r.returncode, r.stdout, r.stderr)
"""


def test_6_the_callers_session_keyring_is_unreachable(launcher_kind: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", KEYRING_CALLER, launcher_kind],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    if "no keyrings here" in out.stdout or "add_key failed" in out.stdout:
        pytest.skip(f"keyrings unavailable to this user: {out.stdout.strip()}")
    assert "strict 0" in out.stdout and "standard 0" in out.stdout, out.stdout
    assert "hunter2" not in out.stdout


# -- 7. host services over unix socket files -------------------------------------------


@contextlib.contextmanager
def _listening(path: str) -> Iterator[str]:
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = srv.accept()
                conn.sendall(b"host-service-reached")
                conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield path
    finally:
        stop.set()
        t.join()
        srv.close()
        os.unlink(path)


def _socket_paths(host_dir: str, token: str) -> list[str]:
    paths = [os.path.join(host_dir, "daemon.sock"), f"/tmp/auditor-{token}.sock"]
    if os.access("/run", os.W_OK):
        paths.append(f"/run/auditor-{token}.sock")
    if os.access("/dev/shm", os.W_OK):
        paths.append(f"/dev/shm/auditor-{token}.sock")
    return paths


@pytest.mark.parametrize("profile", ["strict", "standard"])
def test_7_host_unix_sockets_are_unreachable(host_dir: str, token: str, profile: str) -> None:
    paths = _socket_paths(host_dir, token)
    with contextlib.ExitStack() as stack:
        for p in paths:
            stack.enter_context(_listening(p))
        r = _py(
            f"""
            import socket
            for path in {paths!r}:
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(2)
                try:
                    s.connect(path)
                    print(path, "reached", s.recv(64))
                except OSError as exc:
                    print(path, "unreachable", exc.errno)
                s.close()
            """,
            profile=profile,
            cwd="/" if profile == "standard" else None,
        )
    assert r.returncode == 0, r.stderr
    assert "reached" not in r.stdout, r.stdout
    assert "host-service-reached" not in r.stdout


def test_7_no_socket_folder_is_in_view() -> None:
    for profile in ("strict", "standard"):
        r = _py(
            """
            import os
            for d in ("/run", "/var/run", "/var/tmp", "/run/user", "/dev/log"):
                print(d, os.path.lexists(d) and os.listdir(d) if os.path.isdir(d) else
                      os.path.lexists(d))
            """,
            profile=profile,
            cwd="/" if profile == "standard" else None,
        )
        assert r.returncode == 0, r.stderr
        for line in r.stdout.splitlines():
            assert line.split(" ", 1)[1] in ("False", "[]"), (profile, r.stdout)


# -- 8. strict for any HOME ------------------------------------------------------------


def _homes(host_dir: str, token: str) -> list[str]:
    homes = []
    if ROOT:
        homes += [f"/home/auditor-{token}", "/root", f"/var/lib/auditor-{token}"]
    else:
        homes += [d.path for d in os.scandir("/home") if d.is_dir()][:1]
    homes.append(os.path.join(host_dir, "var", "lib", "x"))
    return homes


def test_8_strict_runs_for_any_home(
    host_dir: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = []
    try:
        for home in _homes(host_dir, token):
            if not os.path.isdir(home):
                os.makedirs(home)
                created.append(home)
                with open(os.path.join(home, ".secret"), "w") as f:
                    f.write("hunter2-home\n")
            monkeypatch.setenv("HOME", home)
            r = _py(
                f"""
                import os
                print(sorted(os.listdir({home!r})) if os.path.isdir({home!r}) else "absent")
                """
            )
            assert r.returncode == 0, (home, r.stderr)
            # nothing of the home is in view (root's: only the path to the interpreter)
            assert r.stdout.strip() in ("absent", "[]", "['.pyenv']"), (home, r.stdout)
    finally:
        for home in created:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(home, ".secret"))
                os.rmdir(home)


# -- 9. root: no pids limit without a cgroup; host files writable; doctor says OK -------


def test_9_pids_hold_without_a_cgroup() -> None:
    r = _py(
        """
        import os, time
        kids = 0
        for _ in range(100):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            kids += 1
        print(kids)
        """,
        limits=sandbox.Limits(pids=16),
        cgroup="off",
    )
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) < 16


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_9_host_files_outside_the_working_directory_stay_untouched(
    host_dir: str, profile: str, token: str
) -> None:
    target = os.path.join(host_dir, "victim.txt")
    with open(target, "w") as f:
        f.write("original\n")
    os.chmod(target, 0o644)
    work = os.path.join(host_dir, "work")
    os.mkdir(work)
    r = _py(
        f"""
        for path in ({target!r}, "/etc/auditor-pwned-{token}", "/usr/auditor-pwned-{token}"):
            try:
                with open(path, "a") as f:
                    f.write("pwned\\n")
                print("wrote", path)
            except OSError as exc:
                print("blocked", path, exc.errno)
        """,
        profile=profile,
        cwd=work,
    )
    pwned = [
        p
        for p in (f"/etc/auditor-pwned-{token}", f"/usr/auditor-pwned-{token}")
        if os.path.exists(p)
    ]
    for p in pwned:  # clean up after a broken sandbox
        os.unlink(p)
    assert r.returncode == 0, r.stderr
    assert "wrote" not in r.stdout, r.stdout
    assert pwned == []
    with open(target) as f:
        assert f.read() == "original\n"


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_9_root_only_secrets_are_unreadable(profile: str) -> None:
    r = _py(
        """
        for path in ("/etc/shadow", "/etc/gshadow", "/root/.bash_history"):
            try:
                print(path, "read", len(open(path).read()))
            except OSError as exc:
                print(path, "denied", exc.errno)
        """,
        profile=profile,
        cwd="/" if profile == "standard" else None,
    )
    assert r.returncode == 0, r.stderr
    assert " read " not in r.stdout, r.stdout


def test_9_doctor_says_what_applied() -> None:
    rep = doctor.report()
    for name in ("standard", "strict"):
        prof = rep["profiles"][name]
        assert prof["ok"], prof
        # who the payload runs as on the host, and how each limit is enforced
        assert prof["payload_uid"] != 0
        assert prof["memory"] in ("cgroup", "rlimit-only")
        assert prof["pids"] in ("cgroup", "rlimit")
        assert prof["cpu"] in ("cgroup", "rlimit")
        assert "seccomp" in prof["isolation"]
    text = doctor.format_report(rep)
    assert "memory: " in text and "payload uid" in text
    if not process.cgroup_support().version:
        assert "memory: rlimit-only" in text and "cpu: rlimit" in text


# -- 10. uncaptured exec_python output and the output cap ------------------------------


def test_10_uncaptured_output_stops_at_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    r = sandbox.exec_python(
        "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n    sys.stdout.flush()\n",
        limits=sandbox.Limits(output="100K"),
        timeout=60,
    )
    out, _ = capsys.readouterr()
    assert r.truncated
    assert 0 < len(out) <= 100 * 1024, len(out)
