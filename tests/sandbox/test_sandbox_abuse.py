"""The abuse suite: each test attacks one guarantee of the sandbox.

Runs as root (cgroup v1 limits) and as an unprivileged user (user namespaces, rlimits).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator

import pytest
from sandbox_helpers import (
    WARM_MARK,
    Cold,
    Pooled,
    count_pid1_timeouts,
    descendants,
    describe,
    is_subreaper,
    orphans_go_to_init,
    own_cgroup_leftovers,
    procs_with,
    wait_gone,
    wait_present,
)

from auditor import sandbox
from auditor.sandbox import cgroups

pytestmark = pytest.mark.usefixtures("launcher_kind")

MiB = 1 << 20
Sbx = Cold | Pooled  # the sbx fixture: every probe cold and through a warm sandbox


def _ifaces(proc_net_dev: str) -> list[str]:
    return [line.split(":")[0].strip() for line in proc_net_dev.splitlines()[2:] if ":" in line]


def test_fork_bomb_is_contained_by_pids(sbx: Sbx, token: str) -> None:
    code = textwrap.dedent(
        f"""
        import os, time  # {token}
        n = 0
        for _ in range(500):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            n += 1
        print(n, flush=True)
        """
    )
    r = sbx.exec_python(
        code, limits=sandbox.Limits(pids=16), capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    forked = int(r.stdout)
    assert 1 <= forked < 16
    # The payload exited: the namespace went with it, sleeping children included.
    assert procs_with(token) == []


def test_the_pids_limit_bounds_the_sandbox_not_the_callers_other_processes(
    sbx: Sbx, token: str
) -> None:
    """Without a pids cgroup (unprivileged) the limit is RLIMIT_NPROC, which the kernel also
    checks against the caller's whole user on the host when set before the user namespace:
    a caller already running more processes than the limit could not start any sandbox."""
    others = [subprocess.Popen(["sleep", token]) for _ in range(24)]
    try:
        r = sbx.exec_python(
            "import os, time\npids = []\nfor _ in range(40):\n    try:\n"
            "        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
            "    pids.append(pid)\nprint(len(pids))\n",
            limits=sandbox.Limits(pids=16),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert 1 <= int(r.stdout) < 16  # still bounded, by the sandbox's own processes
    finally:
        for p in others:
            p.kill()
            p.wait()


def test_shell_fork_bomb_is_stopped_and_cleaned_up(sbx: Sbx, token: str) -> None:
    bomb = f"b() {{ b | b & }}; b; sleep {token}"
    # The main shell either sleeps into the timeout or fails to fork its sleep once the
    # bomb holds every pid; either way the run ends and takes every copy with it.
    with contextlib.suppress(subprocess.TimeoutExpired):
        sbx.run(["sh", "-c", bomb], limits=sandbox.Limits(pids=32), timeout=2)
    # Every copy of the bomb shell carries the token in its command line.
    assert procs_with(token) == []


def test_memory_bomb_is_refused(sbx: Sbx) -> None:
    code = "b = []\nwhile True:\n    b.append(bytearray(10 * 2**20))\n"
    r = sbx.exec_python(
        code, limits=sandbox.Limits(memory="100M"), capture_output=True, text=True, timeout=60
    )
    assert r.returncode != 0
    if "cgroup" in r.isolation:
        assert r.oom_killed
        assert r.returncode == -signal.SIGKILL
        assert r.max_rss_bytes is not None and r.max_rss_bytes <= 100 * MiB
    else:
        assert not r.oom_killed
        assert "MemoryError" in r.stderr


def test_cpu_spin_is_stopped_by_cpu_time(sbx: Sbx) -> None:
    r = sbx.exec_python(
        "while True: pass", limits=sandbox.Limits(cpu_time=1), capture_output=True, timeout=60
    )
    assert not r.timed_out
    # RLIMIT_CPU counts ticks, the cgroup the scheduler's clock: on a loaded VM (steal time)
    # the rlimit can fire when the cgroup has seen ~0.9 s.
    assert r.cpu_seconds is not None and r.cpu_seconds >= 0.75, (
        r.cpu_seconds,
        r.returncode,
        r.cpu_limited,
        r.isolation,
    )
    if r.cpu_limited:  # the cgroup's CPU budget check killed it
        # the launcher reports the payload's own status: RLIMIT_CPU's SIGXCPU may have
        # landed in the same tick as the check's SIGKILL (seen under load); either way the
        # CPU limit stopped it
        assert r.returncode in (-signal.SIGKILL, -signal.SIGXCPU)
    else:  # RLIMIT_CPU's soft limit
        assert r.returncode == -signal.SIGXCPU


def test_parallel_cpu_spinners_share_one_cpu_budget(sbx: Sbx) -> None:
    # Four processes spinning: RLIMIT_CPU stops each after 1 s of its own CPU time; with a
    # cgroup the whole sandbox is stopped once all of them together used 1 s.
    code = (
        "import os\nfor _ in range(3):\n    if os.fork() == 0:\n        break\nwhile True: pass\n"
    )
    r = sbx.exec_python(code, limits=sandbox.Limits(cpu_time=1), capture_output=True, timeout=60)
    assert not r.timed_out
    assert r.returncode in (-signal.SIGKILL, -signal.SIGXCPU)
    assert r.cpu_seconds is not None
    if "cgroup" in r.isolation:
        assert r.cpu_limited
        assert r.returncode == -signal.SIGKILL
        assert r.cpu_seconds < 2.5  # not 4 x 1 s
    else:
        assert not r.cpu_limited


def test_sleeper_is_stopped_by_wall_timeout(sbx: Sbx, token: str) -> None:
    with pytest.raises(subprocess.TimeoutExpired) as info:
        sbx.run(["sleep", token], timeout=0.5)
    assert info.value.timeout == 0.5
    assert procs_with(token) == []
    r = sbx.exec_python(f"import time; time.sleep({token})", timeout=0.5)
    assert r.timed_out
    assert r.returncode == -signal.SIGKILL
    assert procs_with(token) == []


def test_a_killed_cold_run_leaves_nothing_to_a_subreaper_caller(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killing a run (its timeout, kill()) of this process, a child subreaper (conftest) as
    pid 1 of a container is: nothing is left to it, and it does not wait for an init that
    cannot end (each used to cost 7 s and leave a stuck init and a zombie, when the launcher
    was killed with the rest and its init and payload went to this process; now the
    launcher reaps them, see the next tests for a launcher that does not)."""
    assert is_subreaper()
    timeouts = count_pid1_timeouts(monkeypatch)
    children: list[int] = []  # the launchers' children, as each launcher reports them
    real = sandbox.Popen._open_launcher_children

    def recording(self: sandbox.Popen, body: str) -> None:
        children.extend(int(pid) for pid in body.split())
        real(self, body)

    monkeypatch.setattr(sandbox.Popen, "_open_launcher_children", recording)
    me = os.getpid()
    with pytest.raises(subprocess.TimeoutExpired):
        sandbox.run(["sleep", token], timeout=0.5)
    r = sandbox.exec_python(f"import time; time.sleep({token})", timeout=0.5)
    assert r.timed_out
    with sandbox.Popen(["sleep", token]) as p:
        assert wait_present(token, under=me)
        p.kill()
    assert p.returncode == -signal.SIGKILL
    assert len(children) == 6  # 3 runs x (payload, init)
    assert describe(set(children) & set(descendants(me))) == []  # not even a zombie
    assert len(timeouts) <= 1  # was 6: 2 s then 5 s for each run


def _unreaped(pidfd: int) -> int | None:
    """The pid of ``pidfd``'s process while it exists (running or a zombie); None once it
    was reaped (``Pid: -1`` in the pidfd's fdinfo: no confusion with a reused pid)."""
    with open(f"/proc/self/fdinfo/{pidfd}") as f:
        for line in f:
            if line.startswith("Pid:"):
                pid = int(line.split()[1])
                return pid if pid > 0 else None
    raise AssertionError(f"no Pid: line in the fdinfo of pidfd {pidfd}")


def test_a_killed_run_of_a_plain_caller_leaves_nothing_once_its_launcher_exits(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller that is neither a child subreaper nor pid 1 (a program run from a shell):
    when a run is killed (timeout, output cap, kill(), terminate(), a pool letting a warm
    sandbox go), its launcher ends the run itself: it exits only once its children (the
    payload and the pid-1 init) are reaped, so that nothing is left to the host's init,
    which reaps late (it used to cost 1.5-2 s per killed run).  Checked when the caller
    has reaped the launcher: each child's pidfd must say it was reaped, not even a zombie."""
    left: list[str] = []  # each child of a launcher not yet reaped when the launcher was
    seen: list[int] = []  # how many children each finished run had
    real = sandbox.Popen._wait_pid1_gone

    def checking(self: sandbox.Popen, timeout: float) -> bool:  # called once it is reaped
        assert self.returncode is not None
        assert "pid" in self.isolation
        seen.append(len(self._orphan_fds))
        left.extend(describe({p for fd in self._orphan_fds if (p := _unreaped(fd))}))
        return real(self, timeout)

    monkeypatch.setattr(sandbox.Popen, "_wait_pid1_gone", checking)
    with orphans_go_to_init():
        assert not is_subreaper() and os.getpid() != 1
        with pytest.raises(subprocess.TimeoutExpired):
            sandbox.run(["sleep", token], timeout=0.5)
        r = sandbox.exec_python(f"import time; time.sleep({token})", timeout=0.5)
        assert r.timed_out and r.returncode == -signal.SIGKILL
        r = sandbox.run(
            ["sh", "-c", f"yes {token}"],
            capture_output=True,
            limits=sandbox.Limits(output="64K"),
            timeout=60,
        )
        assert r.truncated and r.returncode == -signal.SIGKILL
        for method, sig in (("kill", signal.SIGKILL), ("terminate", signal.SIGTERM)):
            with sandbox.Popen(["sleep", token]) as p:
                assert wait_present(token)
                getattr(p, method)()
            assert p.returncode == -sig
        with sandbox.Pool(size=1, idle_timeout=300) as pool:  # close() lets it go
            assert pool.wait_ready(60)
    assert seen == [2] * 6, seen  # 6 launchers, each with its payload and init
    assert left == []
    assert procs_with(token) == []


@pytest.mark.parametrize("cgroup", ["auto", "off"])
def test_a_launcher_that_does_not_end_a_killed_run_is_killed_and_its_children_reaped(
    token: str, cgroup: str
) -> None:
    """kill() leaves the launcher to reap the payload and the init and exit; one that does
    not (here stopped) is killed by wait() once the grace kill() gave it is over, the old
    way.  Its children then go to this process, a child subreaper (conftest), which reaps
    them through their pidfds: nothing is left, not even a zombie.  Without a cgroup (an
    unprivileged caller's runs) only the launcher's own SIGKILL ends it (that wait() hung
    when send_signal(SIGKILL) became kill(), which leaves the launcher be)."""
    assert is_subreaper()
    me = os.getpid()
    p = sandbox.Popen(["sleep", token], cgroup=cgroup)
    try:
        assert "pid" in p.isolation and wait_present(token, under=me)
        children = {pid for fd in p._orphan_fds if (pid := _unreaped(fd))}
        assert len(children) == 2
        os.kill(p.pid, signal.SIGSTOP)
        p.kill()
        with pytest.raises(subprocess.TimeoutExpired):  # within the grace: not killed yet
            p.wait(timeout=0)
        assert p.returncode is None
        assert p._kill_deadline is not None
        p._kill_deadline = time.monotonic()  # the grace is over
        assert p.wait(timeout=20) == -signal.SIGKILL
    finally:
        with contextlib.suppress(OSError):
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
    assert describe(children & set(descendants(me))) == []
    assert wait_gone(token) == []


def test_no_leftovers_after_timeout_including_setsid_grandchildren(sbx: Sbx, token: str) -> None:
    script = (
        f"setsid sleep {token}1 & "
        f"setsid sh -c 'sleep {token}2; :' & "
        f"(setsid sleep {token}3 &) ; "
        f"sleep {token}4"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        sbx.run(["sh", "-c", script], timeout=1)
    # Checked immediately: the sandbox verified its namespace is gone before returning.
    assert procs_with(token) == []


def test_no_leftovers_after_parent_is_sigkilled(sbx: Sbx, token: str) -> None:
    head, tail = token[:3], token[3:]  # keep the token itself out of the helper's argv
    # pooled: the helper's pool holds a second, idle warm sandbox that must go too
    runner = "sandbox.Pool(2).run" if sbx.kind == "pooled" else "sandbox.run"
    helper_code = (
        "from auditor import sandbox\n"
        f"t = '{head}' + '{tail}'\n"
        f"{runner}(['sh', '-c', f'setsid sleep {{t}}1 & sleep {{t}}2'])\n"
    )
    with orphans_go_to_init():  # as for a real caller (and no zombie keeps its cgroup)
        helper = subprocess.Popen([sys.executable, "-c", helper_code])
        try:
            assert wait_present(f"{token}1\0") and wait_present(f"{token}2\0")
            tree = descendants(helper.pid)
            if sbx.kind == "pooled":  # the idle warm sandbox (launcher, init, interpreter)
                # launcher and init of the used one; launcher, init, interpreter of the idle
                assert len(wait_present(WARM_MARK, 5, under=helper.pid)) >= 5, tree
                tree = descendants(helper.pid)
        finally:
            helper.kill()
            helper.wait()
        assert wait_gone(token) == []
        assert _wait_exited(tree) == []
    # Its per-run cgroup (root only) is collected by the next sandbox user once the killed
    # processes have finished exiting.
    deadline = time.monotonic() + 10
    while True:
        for base in cgroups.discover().bases.values():
            cgroups.collect_stale(base)
        left = [p for p in _all_cgroups() if f"-{helper.pid}-" in p]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == []


def _wait_exited(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still running (not even a zombie) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _all_cgroups() -> list[str]:
    found = []
    for base in cgroups.discover().bases.values():
        found += [os.path.join(base, n) for n in os.listdir(base) if n.startswith(cgroups.PREFIX)]
    return found


def test_output_flood_is_capped(sbx: Sbx) -> None:
    r = sbx.run(["yes"], capture_output=True, limits=sandbox.Limits(output="1M"), timeout=30)
    assert r.truncated
    assert len(r.stdout) == MiB
    assert r.returncode == -signal.SIGKILL
    r = sbx.exec_python(
        "import sys\nwhile True: sys.stderr.write('x' * 4096)",
        capture_output=True,
        limits=sandbox.Limits(output="256K"),
        timeout=30,
    )
    assert r.truncated
    assert len(r.stdout) + len(r.stderr) == 256 * 1024


def test_file_size_limit(sbx: Sbx, host_dir: str) -> None:
    r = sbx.run(
        ["sh", "-c", "head -c 3000000 /dev/zero > big; echo status=$?"],
        cwd=host_dir,
        writable_cwd=True,
        limits=sandbox.Limits(file_size="1M"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert os.path.getsize(os.path.join(host_dir, "big")) == MiB
    assert "status=0" not in r.stdout


def test_no_network_only_loopback(sbx: Sbx) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        code = textwrap.dedent(
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
                print("connected")
            except OSError as exc:
                print("unreachable", exc)
            print(open("/proc/net/dev").read())
            """
        )
        r = sbx.exec_python(code, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("unreachable")
        assert _ifaces(r.stdout) == ["lo"]
        assert "net" in r.isolation
        # Positive control: the same probe reaches the listener with network=True.
        r = sbx.exec_python(code, capture_output=True, text=True, timeout=30, network=True)
        assert r.stdout.startswith("connected")
        assert "net" not in r.isolation


def test_host_pids_are_invisible_and_unkillable(sbx: Sbx, token: str) -> None:
    host = subprocess.Popen(["sleep", token])
    try:
        r = sbx.run(
            [
                "sh",
                "-c",
                f"kill -0 {host.pid} 2>/dev/null && echo visible || echo invisible; "
                f"kill -9 {host.pid} 2>/dev/null; ls /proc | grep -c '^[0-9]'",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        lines = r.stdout.split()
        assert lines[0] == "invisible"
        assert int(lines[1]) < 10  # init, sh, ls, grep: not the host's processes
        assert host.poll() is None
    finally:
        host.kill()
        host.wait()


def test_caller_environment_secrets_are_absent(sbx: Sbx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_TEST_SECRET", "hunter2")
    monkeypatch.setenv("LC_TIME", "C")
    r = sbx.run(["env"], capture_output=True, text=True, timeout=30)
    names = {line.split("=", 1)[0] for line in r.stdout.splitlines()}
    assert "hunter2" not in r.stdout
    assert "AUDITOR_TEST_SECRET" not in names
    assert {"PATH", "LC_TIME"} <= names
    assert names <= {"PATH", "LANG", "TERM"} | {n for n in names if n.startswith("LC_")}
    r = sbx.run(["/usr/bin/env"], env={"ONLY": "1"}, capture_output=True, text=True)
    assert r.stdout.splitlines() == ["ONLY=1"]


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_no_capabilities_and_no_new_privs(sbx: Sbx, profile: str) -> None:
    r = sbx.run(
        ["cat", "/proc/self/status"], capture_output=True, text=True, profile=profile, timeout=30
    )
    status = dict(line.split(":", 1) for line in r.stdout.splitlines() if ":" in line)
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[field].strip(), 16) == 0, field
    assert status["NoNewPrivs"].strip() == "1"


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_kernel_interfaces_are_read_only(sbx: Sbx, profile: str) -> None:
    """A payload running as uid 0 keeps no capability but still owns root's files: it must
    not leave its cgroup (its limits) through cgroupfs nor change host sysctls."""
    script = (
        "for f in /sys/fs/cgroup/*/tasks /sys/fs/cgroup/cgroup.procs /proc/sys/vm/swappiness"
        " /proc/sys/kernel/hostname; do"
        ' [ -e "$f" ] || continue; echo "$f"; (echo 0 > "$f") 2>/dev/null && echo "WROTE $f";'
        " done; grep ':pids:' /proc/self/cgroup || true"
    )
    with open("/proc/sys/vm/swappiness") as f:
        swappiness = f.read()
    r = sbx.run(["sh", "-c", script], capture_output=True, text=True, profile=profile)
    assert r.returncode == 0, r.stderr
    assert "/proc/sys/vm/swappiness" in r.stdout  # the loop did try
    assert "WROTE" not in r.stdout
    assert ("readonly-root" if profile == "strict" else "readonly-sys") in r.isolation
    with open("/proc/sys/vm/swappiness") as f:
        assert f.read() == swappiness
    if "cgroup" in r.isolation:  # still in its own per-run cgroup after trying to leave it
        assert f"/{cgroups.PREFIX}{os.getpid()}-" in r.stdout.splitlines()[-1]


@pytest.fixture
def cgroupfs_elsewhere() -> Iterator[str]:
    """A cgroup2 filesystem mounted outside /sys (root only), as some hosts have, in a
    folder of its own (/var/tmp itself is never a working directory)."""
    parent = tempfile.mkdtemp(prefix="auditor-cgroupfs-", dir="/var/tmp")
    os.chmod(parent, 0o755)  # the payload, another uid, enters it
    d = os.path.join(parent, "cgroup")
    os.mkdir(d)
    try:
        if subprocess.run(["mount", "-t", "cgroup2", "none", d]).returncode != 0:
            pytest.fail("could not mount cgroup2 as root")
        try:
            yield d
        finally:
            subprocess.run(["umount", d], check=True)
    finally:
        os.rmdir(d)
        os.rmdir(parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a cgroup filesystem needs root")
@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_a_cgroup_filesystem_outside_sys_is_out_of_reach(
    sbx: Sbx, cgroupfs_elsewhere: str, profile: str
) -> None:
    """Only the allow-list is in view: a cgroup hierarchy mounted elsewhere is not there to
    write, even when the run starts in the folder that holds it."""
    probe = os.path.join(cgroupfs_elsewhere, "auditor-escape-probe")
    r = sbx.run(
        ["mkdir", probe],
        capture_output=True,
        text=True,
        profile=profile,
        cwd=os.path.dirname(cgroupfs_elsewhere),
    )
    assert r.returncode != 0, r.stderr
    assert not os.path.exists(probe)


def test_hostname_change_stays_inside(sbx: Sbx) -> None:
    before = socket.gethostname()
    code = textwrap.dedent(
        """
        import socket
        print(socket.gethostname())
        try:
            socket.sethostname("evil-sandbox")
            print("changed", socket.gethostname())
        except OSError:
            print("denied")
        """
    )
    r = sbx.exec_python(code, capture_output=True, text=True, profile="standard")
    lines = r.stdout.splitlines()
    assert lines[0] == "sandbox"
    assert lines[1] in ("denied", "changed evil-sandbox")
    assert socket.gethostname() == before != "evil-sandbox"


def test_strict_no_write_reaches_the_host_and_home_is_hidden(
    sbx: Sbx, host_dir: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = os.path.join(host_dir, "home")
    os.mkdir(home)
    with open(os.path.join(home, "secret.txt"), "w") as f:
        f.write("hunter2")
    monkeypatch.setenv("HOME", home)
    targets = [
        os.path.join(host_dir, "pwned"),
        f"/tmp/pwned-{token}",
        f"/var/tmp/pwned-{token}",
        os.path.join(home, "pwned"),
    ]
    code = textwrap.dedent(
        f"""
        import os, sys
        for path in {targets!r}:
            try:
                with open(path, "w") as f:
                    f.write("x")
                print("wrote", path)
            except OSError as exc:
                print("blocked", path, exc.errno)
        print("cwd", os.getcwd(), os.listdir("."))
        keep = tuple(os.path.realpath(p) for p in (sys.base_prefix, sys.prefix))
        leaks = []
        for top in ("/root", "/home", {home!r}):
            for dirpath, dirnames, filenames in os.walk(top):
                if dirpath.startswith(keep):
                    dirnames[:] = []
                    continue
                leaks += [os.path.join(dirpath, n) for n in filenames]
        print("leaks", leaks)
        """
    )
    r = sbx.exec_python(code, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "readonly-root" in r.isolation and "hidden-home" in r.isolation
    assert f"wrote /tmp/pwned-{token}" in r.stdout  # the private tmpfs is writable...
    for path in targets:
        assert not os.path.exists(path), path  # ...but nothing reaches the host
    assert "cwd /tmp" in r.stdout
    assert "leaks []" in r.stdout
    assert "hunter2" not in r.stdout


# The attacker's reproducer (c28/c51): a Flask app ran sandbox.run(request.args["cmd"],
# shell=True) from its project folder; the payload appended code to the app's own helper.py,
# which the host then imported and ran as root. With cwd= from the request it rewrote a
# script in /srv that the host ran later.
PLANT = (
    "printf 'import os\\nos.system(\"id > PWNED\")\\n' >> helper.py; echo status=$?; "
    "echo new > new.txt; cat helper.py; echo x > /tmp/scratch && cat /tmp/scratch"
)


@pytest.mark.parametrize("where", ["caller's cwd", "cwd="])
def test_the_working_directory_is_read_only_unless_the_call_asks(
    sbx: Sbx, host_dir: str, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = os.path.join(host_dir, "helper.py")
    with open(helper, "w") as f:
        f.write("VALUE = 1\n")
    os.chmod(helper, 0o600)  # the host's own file: still readable, as before
    kw: dict[str, object] = {"cwd": host_dir} if where == "cwd=" else {}
    if where == "caller's cwd":
        monkeypatch.chdir(host_dir)
    r = sbx.run(["sh", "-c", PLANT], capture_output=True, text=True, timeout=30, **kw)
    assert r.returncode == 0, r.stderr
    assert "VALUE = 1" in r.stdout  # same folder, same relative paths, readable
    assert "x\n" in r.stdout  # its own /tmp stays writable
    assert "status=0" not in r.stdout
    assert r.stderr.count("Read-only file system") == 2, r.stderr  # EROFS, not EACCES
    with open(helper) as f:
        assert f.read() == "VALUE = 1\n"
    assert sorted(os.listdir(host_dir)) == ["helper.py"]
    # The opt-in: the same payload changes the host's file (what the scanner reviews).
    r = sbx.run(
        ["sh", "-c", PLANT], capture_output=True, text=True, timeout=30, writable_cwd=True, **kw
    )
    assert r.returncode == 0 and "status=0" in r.stdout, r.stderr
    with open(helper) as f:
        assert f.read() == 'VALUE = 1\nimport os\nos.system("id > PWNED")\n'
    with open(os.path.join(host_dir, "new.txt")) as f:
        assert f.read() == "new\n"


def test_a_writable_working_directory_needs_standard_and_a_bool(host_dir: str) -> None:
    for bad in ({"profile": "strict", "writable_cwd": True}, {"writable_cwd": "yes"}):
        with pytest.raises(sandbox.SandboxConfigError, match="writable_cwd"):
            sandbox.run(["true"], cwd=host_dir, **bad)  # type: ignore[arg-type]
    with pytest.raises(sandbox.SandboxConfigError, match="writable_cwd"):
        sandbox.exec_python("pass", cwd=host_dir, writable_cwd=True)  # strict by default
    with pytest.raises(sandbox.SandboxConfigError, match="writable_cwd"):
        sandbox.Pool(1, cwd=host_dir, writable_cwd=True)  # strict by default
    assert own_cgroup_leftovers() == []


def test_pyproject_settings_cannot_make_the_working_directory_writable(host_dir: str) -> None:
    """A project-wide setting would open the folder to every run, those whose code never
    asked (and a payload given it could rewrite what else the table sets)."""
    from auditor.sandbox import config

    with open(os.path.join(host_dir, "pyproject.toml"), "w") as f:
        f.write('[tool.auditor.sandbox]\nwritable_cwd = true\nprofile = "standard"\n')
    with pytest.raises(sandbox.SandboxConfigError, match="'writable_cwd' cannot be set here"):
        config.load_settings(host_dir)


def test_abandoned_popen_is_killed_when_collected(token: str) -> None:
    p = sandbox.Popen(["sleep", token])
    assert wait_present(f"{token}\0")
    del p  # no wait(): the sandbox must not outlive its handle
    assert wait_gone(token) == []
