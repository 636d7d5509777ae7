"""A setup process that dies without a word on the info pipe (an interpreter that cannot
start, a crash) fails the run closed with a message that says why: how it ended, the last
lines of its error output (bounded), and a Fix for 'setup'."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from auditor import sandbox
from auditor.sandbox import launcher, native, process


def _dying(text: str, status: int, noise: int) -> list[str]:
    """A program that prints ``text`` (after ``noise`` lines of 1 KB) on stderr and exits."""
    code = (
        "import sys\n"
        f"for i in range({noise}): sys.stderr.write('noise %d ' % i + 'x' * 1000 + '\\n')\n"
        f"sys.stderr.write({text!r} + '\\n')\n"
        f"sys.exit({status})\n"
    )
    return [sys.executable, "-I", "-S", "-c", code]


def _check_message(message: str, text: str) -> None:
    assert "sandbox isolation 'setup' unavailable" in message
    assert text in message
    assert "Fix: " + launcher.FIXES["setup"] in message
    assert launcher.FIXES["setup"]  # a real hint, not an empty one
    # bounded: the last lines only, each cut
    assert "noise 0 " not in message
    assert message.count("noise") <= process.TAIL_LINES
    assert len(message) < process.TAIL_LINES * (process.TAIL_LINE_CHARS + 10) + 2000


def test_a_dead_init_program_says_why(monkeypatch: pytest.MonkeyPatch, host_dir: str) -> None:
    """The init a preexec_fn run execs dies before it is ready (here: as an interpreter
    without its standard library would): its stderr reaches the message, even though the
    payload's stderr is not captured; 300 KB of it do not block it (a file, not a pipe)."""
    monkeypatch.setattr(native, "init_program", lambda: [*_dying("init: boom", 3, 300), "--init"])
    marker = os.path.join(host_dir, "ran")
    with pytest.raises(sandbox.SandboxUnavailable) as info:
        sandbox.run(["touch", marker], preexec_fn=lambda: None)
    assert info.value.missing == ("setup",)
    _check_message(str(info.value), "init: boom")
    # the payload sees the init gone (exit status 126) or dies with its pid namespace
    assert re.search(r"exit status 126|killed by SIGKILL", str(info.value))
    assert not os.path.exists(marker)


def test_a_dead_python_launcher_says_why(monkeypatch: pytest.MonkeyPatch, host_dir: str) -> None:
    """The Python launcher program dies at once: with the payload's stderr captured, the
    message quotes its tail and the exit status (its stderr is the payload's: less than a
    pipe's 64 KB, which is read only once the launcher is gone)."""
    monkeypatch.setattr(native, "_disabled", True)
    monkeypatch.setattr(launcher, "python_program", lambda: _dying("launcher: boom", 7, 30))
    marker = os.path.join(host_dir, "ran")
    with pytest.raises(sandbox.SandboxUnavailable) as info:
        sandbox.run(["touch", marker], capture_output=True)
    assert info.value.missing == ("setup",)
    _check_message(str(info.value), "launcher: boom")
    assert "exit status 7" in str(info.value)
    assert not os.path.exists(marker)


def test_an_error_in_the_python_launcher_is_reported(
    monkeypatch: pytest.MonkeyPatch, host_dir: str
) -> None:
    """An unexpected exception in the Python launcher is said on the info pipe: the message
    names it even when the payload's stderr is not captured."""
    monkeypatch.setattr(native, "_disabled", True)
    real = launcher.python_program()
    source = launcher._pylauncher_source().replace(
        "    _, init, _ = _launch(None)\n",
        "    raise RuntimeError('launcher bug')\n",
    )
    assert "launcher bug" in source
    script = os.path.join(host_dir, "pylauncher.py")
    with open(script, "w") as f:
        f.write(source)
    monkeypatch.setattr(launcher, "python_program", lambda: [*real[:-1], script])
    with pytest.raises(sandbox.SandboxUnavailable, match="RuntimeError: launcher bug") as info:
        sandbox.run(["true"], stderr=subprocess.DEVNULL)
    assert info.value.missing == ("setup",)
