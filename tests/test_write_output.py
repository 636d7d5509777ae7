"""Output files: atomic for regular files, in place for devices and FIFOs, through links."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from auditor.commands.common import write_atomic


def test_regular_file_is_replaced_with_its_mode_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_new_file_gets_the_umask_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "AUDIT.md", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "AUDIT.md").stat().st_mode) == 0o644


def test_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    # the same path as -o /dev/null or -o /dev/stdout: a special file must never be
    # replaced by a regular one (that once turned this machine's /dev/null into a file)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
