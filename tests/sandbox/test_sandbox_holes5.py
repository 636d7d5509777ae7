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
    rc, stdout, stderr = json.loads(out.stdout.splitlines()[-1])
    assert "print('project')" in stdout  # the project itself is in view
    assert "host-secret" not in stdout, stdout
    assert "key=[]" in stdout, stdout
    assert sorted(p.name for p in shared.iterdir()) == ["secret"]
    assert (shared / "secret").read_text() == "host-secret\n"
    assert "Read-only file system" in stderr
