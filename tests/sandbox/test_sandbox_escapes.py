"""Attacks on the new design itself (issue 14's own review round): what a payload could try
once it runs as an unused uid in a root built from an allow-list.

Each test is an attack that worked on the first version of that design and was fixed, or a
guarantee that one mistake in the launchers would break (see the docstrings).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading

import pytest
from sandbox_helpers import Cold, Pooled

import auditor
from auditor import sandbox
from auditor.sandbox import linux, process, view

Sbx = Cold | Pooled  # the sbx fixture: every probe cold and through a warm sandbox

pytestmark = pytest.mark.usefixtures("launcher_kind")

ROOT = os.geteuid() == 0


def _sh(sbx: Sbx, script: str, **kw: object) -> sandbox.SandboxResult:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return sbx.run(["sh", "-c", script], **kw)


@pytest.mark.skipif(not ROOT, reason="only a root caller's working directory is idmapped")
def test_no_set_user_id_file_through_the_idmapped_working_directory(
    sbx: Sbx, host_dir: str
) -> None:
    """A root caller's writable working directory is idmapped: the payload's files are root's
    on disk. chmod u+s there made a set-user-ID-root program on the host."""
    script = (
        "cp /bin/true ./t1; chmod 4755 ./t1; chmod g+s ./t1; install -m 4755 /bin/true ./t2; "
        "python3 -c \"import os; os.close(os.open('t3', os.O_CREAT | os.O_WRONLY, 0o6755))\"; "
        "ls -l"
    )
    r = _sh(sbx, script, cwd=host_dir, writable_cwd=True)
    assert os.stat(os.path.join(host_dir, "t1")).st_uid == 0  # the premise: root's on disk
    for name in os.listdir(host_dir):
        mode = os.stat(os.path.join(host_dir, name)).st_mode
        assert not mode & (stat.S_ISUID | stat.S_ISGID), (name, oct(mode), r.stderr)


def test_the_sandboxs_own_code_stays_read_only_in_a_writable_working_directory(
    sbx: Sbx, token: str
) -> None:
    """In a checkout (editable install) the working directory often holds auditor itself: a
    payload that rewrote the launcher or pylauncher.py would run as the caller next time."""
    pkg = os.path.dirname(os.path.realpath(auditor.__file__))
    work = os.path.dirname(pkg)
    victim = os.path.join(pkg, "sandbox", f"pwned-{token}")
    in_venv = any(view._under(work, d) for d in view.python_dirs())
    if in_venv and any(view._under(p, work) for p in view._needed_paths()):
        # an installed package: the working directory is the interpreter's site-packages,
        # where a planted .pth runs at the interpreter's next start: never writable
        with pytest.raises(sandbox.SandboxUnavailable, match="interpreter's installation"):
            _sh(sbx, f"touch {victim}", cwd=work, writable_cwd=True)
        assert not os.path.exists(victim)
        return
    try:
        r = _sh(
            sbx,
            f"touch {victim}; echo status=$?; touch {work}/probe-{token} && echo wrote",
            cwd=work,
            writable_cwd=True,
        )
        assert not os.path.exists(victim), r.stdout
        if os.access(work, os.W_OK):  # the control: the rest of the directory is writable
            assert "wrote" in r.stdout, r.stderr
    finally:
        for path in (victim, os.path.join(work, f"probe-{token}")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def test_the_payload_reopens_its_stdio_pipes_as_dev_stdout_and_dev_stderr(sbx: Sbx) -> None:
    """A root caller's payload runs as another uid: the caller's capture pipes (root's,
    mode 0600) could not be reopened, so `echo x > /dev/stderr` failed in every script."""
    r = _sh(sbx, "echo to-err > /dev/stderr; echo to-out > /dev/stdout; echo fd > /proc/self/fd/1")
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ("to-out\nfd\n", "to-err\n")


def test_a_file_given_as_stdout_keeps_its_owner_and_mode(sbx: Sbx, host_dir: str) -> None:
    """Only anonymous pipes are handed to the payload's uid, never a file."""
    path = os.path.join(host_dir, "out.txt")
    with open(path, "w") as f:
        os.chmod(path, 0o600)
        before = os.stat(path)
        r = sbx.run(["sh", "-c", "echo through-fd-1"], stdout=f, timeout=60)
    after = os.stat(path)
    assert r.returncode == 0
    assert (after.st_uid, after.st_gid, after.st_mode) == (
        before.st_uid,
        before.st_gid,
        before.st_mode,
    )
    with open(path) as f:
        assert f.read() == "through-fd-1\n"


@pytest.mark.skipif(ROOT, reason="a root caller's payload (another uid) may not reopen root's file")
def test_a_file_given_as_stdout_can_be_reopened_as_dev_stdout(sbx: Sbx, host_dir: str) -> None:
    """The file is outside the view: Landlock would refuse the reopen without a rule for
    the payload's own stdio (with the access its descriptor has)."""
    path = os.path.join(host_dir, "out.txt")
    with open(path, "w") as f:
        r = sbx.run(["sh", "-c", "echo reopened > /dev/stdout"], stdout=f, timeout=60)
    assert r.returncode == 0
    with open(path) as f:
        assert f.read() == "reopened\n"


def test_a_mount_source_turned_into_a_symlink_fails_closed(
    sbx: Sbx, host_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller resolves every mount source; the launcher then refuses any symlink on the
    way (a payload could have swapped a directory for a link to / since, and the next run
    would have mounted the host's root)."""
    real = os.path.join(host_dir, "real")
    os.mkdir(real)
    link = os.path.join(host_dir, "link")
    os.symlink("/", link)
    # as if `link` had been a directory when the plan was made
    monkeypatch.setattr(process, "_workdir", lambda prof, cwd, writable_cwd=False: (link, True))
    with pytest.raises(sandbox.SandboxUnavailable, match=r"allowlist-root.*RESOLVE_NO_SYMLINKS"):
        _sh(sbx, "ls /proc/1 >/dev/null; ls " + link)


@pytest.mark.parametrize("where", ["pass_fds", "stdin"])
def test_a_directory_descriptor_is_refused(sbx: Sbx, where: str) -> None:
    """fchdir() to a host directory, then "..": the host's whole filesystem."""
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        kw: dict[str, object] = {"pass_fds": (fd,)} if where == "pass_fds" else {"stdin": fd}
        with pytest.raises(sandbox.SandboxConfigError, match="is a directory"):
            sbx.run(["true"], **kw)  # type: ignore[arg-type]
    finally:
        os.close(fd)


@pytest.mark.parametrize("where", ["pass_fds", "stdin", "stdout", "stderr"])
@pytest.mark.parametrize("family", ["unix", "inet"])
def test_a_socket_descriptor_is_refused_without_the_network(
    sbx: Sbx, host_dir: str, where: str, family: str
) -> None:
    """A connected socket handed to the payload (the Docker daemon's socket, a host
    service's) reaches what it is connected to: the network the sandbox takes away. Before,
    ``pass_fds=(docker.fileno(),)`` let a payload write to the host service. Refused before
    anything runs: the payload's marker file is never written."""
    if family == "unix":
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(os.path.join(host_dir, "service.sock"))
    else:
        srv = socket.socket(socket.AF_INET)
        srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.socket(srv.family)
    cli.connect(srv.getsockname())
    marker = os.path.join(host_dir, "ran")
    kw: dict[str, object] = (
        {"pass_fds": (cli.fileno(),)} if where == "pass_fds" else {where: cli.fileno()}
    )
    try:
        with pytest.raises(sandbox.SandboxConfigError, match=f"{where}: .* is a socket"):
            sbx.run(["sh", "-c", f"echo reached >&2; touch {marker}"], **kw)  # type: ignore[arg-type]
        with pytest.raises(sandbox.SandboxConfigError, match="is a socket"):
            sbx.run(["true"], **{where: cli} if where != "pass_fds" else kw)  # type: ignore[arg-type]
    finally:
        cli.close()
        srv.close()
    assert not os.path.exists(marker)


def test_a_socket_descriptor_is_passed_with_the_network(sbx: Sbx) -> None:
    """With ``network=True`` the payload may reach the host's services anyway: a socket
    the caller hands it is its choice (one end of a socketpair, written by the payload)."""
    ours, theirs = socket.socketpair()
    try:
        r = sbx.run(
            [
                os.path.realpath(sys.executable),
                "-I",
                "-c",
                f"import os; os.write({theirs.fileno()}, b'through-the-socket')",
            ],
            pass_fds=(theirs.fileno(),),
            network=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        theirs.close()
        ours.settimeout(10)
        assert ours.recv(64) == b"through-the-socket"
    finally:
        ours.close()
        theirs.close()


def test_the_payload_holds_no_descriptor_of_the_host_filesystem(sbx: Sbx) -> None:
    """Nothing the launchers opened (namespace files, mount trees, pipes) reaches the payload:
    only its stdio."""
    code = textwrap.dedent(
        """
        import os, stat
        for name in sorted(os.listdir("/proc/self/fd"), key=int):
            fd = int(name)
            try:
                st = os.fstat(fd)
            except OSError:
                continue  # listdir's own descriptor, closed by now
            print(fd, stat.filemode(st.st_mode), os.readlink(f"/proc/self/fd/{fd}"))
        """
    )
    r = sbx.run(
        [os.path.realpath(sys.executable), "-I", "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    fds = {int(line.split()[0]): line for line in r.stdout.splitlines()}
    assert set(fds) <= {0, 1, 2, 3}, r.stdout
    for line in fds.values():
        assert line.split()[1][0] in "cp", line  # character devices and pipes only


@pytest.mark.skipif(linux.landlock_abi() < 6, reason="needs Landlock ABI 6 (scopes)")
def test_host_abstract_unix_sockets_stay_unreachable_with_the_host_network(
    sbx: Sbx, token: str
) -> None:
    """network=True shares the host's network namespace, and with it the abstract unix
    sockets of the host's services (D-Bus, X11...): Landlock's scope keeps them out."""
    name = f"\0auditor-test-{token}"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(name)
    srv.listen(1)
    srv.settimeout(5)

    def accept() -> None:
        with contextlib.suppress(OSError):
            conn, _ = srv.accept()
            conn.sendall(b"host-service-reached")
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        code = (
            "import socket\ns = socket.socket(socket.AF_UNIX)\n"
            f"try:\n    s.connect({name!r})\n    print('reached', s.recv(64))\n"
            "except OSError as exc:\n    print('unreachable', exc.errno)\n"
        )
        r = sbx.exec_python(code, network=True, capture_output=True, text=True, timeout=60)
    finally:
        with contextlib.suppress(OSError):
            srv.shutdown(socket.SHUT_RDWR)  # wakes accept() now (close() alone does not)
        srv.close()
        t.join()
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("unreachable"), r.stdout


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_an_inherited_descriptor_cannot_be_reopened_with_more_access(
    sbx: Sbx, host_dir: str, profile: str
) -> None:
    """A file passed read-only in pass_fds, reopened for writing through /proc/self/fd: the
    payload must get no more than the descriptor gives (Landlock, and another uid for a
    root caller), whatever the file's owner and mode."""
    path = os.path.join(host_dir, "config.txt")
    with open(path, "w") as f:
        f.write("original\n")
    os.chmod(path, 0o666)
    fd = os.open(path, os.O_RDONLY)
    try:
        code = f"open('/proc/self/fd/{fd}', 'a').write('pwned\\n')\n"
        r = sbx.run(
            [os.path.realpath(sys.executable), "-I", "-c", code],
            pass_fds=(fd,),
            profile=profile,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(fd)
    # EACCES (Landlock; another uid for a root caller), or EROFS: an unprivileged caller's
    # file is reopened through a read-only mount (docs/sandbox.md)
    assert "PermissionError" in r.stderr or "Read-only file system" in r.stderr, (
        r.returncode,
        r.stderr,
    )
    with open(path) as f:
        assert f.read() == "original\n"


def test_symlinks_in_the_working_directory_lead_only_into_the_view(sbx: Sbx, host_dir: str) -> None:
    """A payload's symlinks to / or up and out of its working directory resolve in the
    sandbox's root: no home, no /root, no root-only file behind them."""
    r = _sh(
        sbx,
        "ln -s / up; ln -s ../../../../../../../.. dots; ln -s /etc/shadow sh1; "
        "ls -a up/ dots/ up/home/ dots/root/ 2>/dev/null | tr '\\n' ' '; echo; "
        "cat sh1 dots/etc/shadow 2>/dev/null | head -c 64; echo end",
        cwd=host_dir,
    )
    assert r.returncode == 0, r.stderr
    listing, rest = r.stdout.split("\n", 1)
    names = set(listing.split())
    assert "home" not in names and "srv" not in names and "mnt" not in names, listing
    assert rest.strip() == "end", rest


def test_the_sandboxs_own_code_is_protected_in_a_working_directory_under_a_read_only_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A checkout under /opt (read-only in the view) run from its own folder: the writable
    working directory is mounted over /opt's read-only view of it, so the package inside
    must be mounted read-only again on top (it once was not: /opt 'covered' it)."""
    from auditor.sandbox import view

    assert "/opt" in view.read_only_trees("standard")
    monkeypatch.setattr(view, "protected_dirs", lambda: ("/opt/app/auditor", "/opt/app/rules"))
    ops, chdir = view.build(
        "standard", workdir="/opt/app", writable=True, memory=None, root_caller=False
    )
    binds = [(op.dst, op.mode) for op in ops if isinstance(op, view.Bind)]
    at = binds.index(("/opt/app", "rw"))
    assert ("/opt/app/auditor", "ro") in binds[at:]
    assert ("/opt/app/rules", "ro") in binds[at:]
    assert binds.index(("/opt", "ro")) < at  # the tree first, the working directory over it
    assert chdir == "/opt/app"
