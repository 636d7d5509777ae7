"""Signals sent through the Popen API reach the payload as subprocess delivers them to its
child: a payload that handles one runs its handler and its status is what it then exits
with; kill() and a timeout still end the whole sandbox at once.

Each test runs with the compiled launcher, the Python launcher and the ``preexec_fn`` path
(a fork of the caller as the launcher), and against ``subprocess`` as the reference.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sandbox_helpers import procs_with, wait_present

from auditor import sandbox
from auditor.sandbox import native

Start = Callable[..., Any]


@pytest.fixture(autouse=True)
def _signals_not_ignored() -> Iterator[None]:
    """A suite started in the background by a non-interactive shell (``.ci/run`` starts the
    unprivileged run with ``&``) inherits SIGINT and SIGQUIT ignored, and so would every
    payload, under subprocess as in the sandbox: a trap on them cannot even be set
    (POSIX). Give this process Python's usual handlers, which a child does not inherit."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGQUIT)}
    if saved[signal.SIGINT] == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if saved[signal.SIGQUIT] == signal.SIG_IGN:
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    yield
    for sig, handler in saved.items():
        if handler is not None:
            signal.signal(sig, handler)


@pytest.fixture(params=["c", "python", "preexec_fn"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Start]:
    """``sandbox.Popen`` through one of the three launcher paths (what a failed test left
    running is killed at its end)."""
    kind: str = request.param
    if kind == "c":
        request.getfixturevalue("compiled_launcher")
    else:
        monkeypatch.setattr(native, "_disabled", True)
    started: list[sandbox.Popen] = []

    def popen(args: Any, **kw: Any) -> sandbox.Popen:
        if kind == "preexec_fn":
            kw["preexec_fn"] = int  # any callable: the launcher is then a fork of the caller
        p = sandbox.Popen(args, **kw)
        started.append(p)
        assert p.launcher == ("c" if kind == "c" else "python")
        assert "pid" in p.isolation
        return p

    yield popen
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait()


def _trap(name: str, tail: str = "") -> list[str]:
    return [
        "sh",
        "-c",
        f"trap 'echo bye {name}; exit 0' {name}; {tail}echo ready; while :; do sleep 0.1; done",
    ]


def _both(start: Start, args: list[str], **kw: Any) -> tuple[Any, Any]:
    """The reference (subprocess) and the sandboxed process, each past its "ready" line."""
    ref = subprocess.Popen(args, **kw)
    try:
        got = start(args, **kw)
    except BaseException:
        ref.kill()
        ref.communicate()
        raise
    for p in (ref, got):
        assert p.stdout.readline() == b"ready\n"
    return ref, got


def _finish(p: Any) -> tuple[bytes, int]:
    out, _ = p.communicate(timeout=30)
    return out, p.returncode


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1], ids=lambda s: s.name
)
def test_a_signal_sent_through_popen_runs_the_payloads_handler(
    start: Start, sig: signal.Signals
) -> None:
    """The reproducer: a shell that traps the signal prints "bye" and exits 0 under
    subprocess; the sandbox used to kill the whole sandbox instead (-15, "bye" lost)."""
    name = sig.name[3:]
    ref, got = _both(start, _trap(name), stdout=subprocess.PIPE)
    for p in (ref, got):
        if sig == signal.SIGTERM:
            p.terminate()
        else:
            p.send_signal(sig)
    expected = (f"bye {name}\n".encode(), 0)
    assert _finish(got) == _finish(ref) == expected


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1], ids=lambda s: s.name
)
def test_an_unhandled_signal_ends_the_payload_with_that_signal(
    start: Start, sig: signal.Signals, token: str
) -> None:
    args = ["sh", "-c", f"echo ready; exec sleep {token}"]
    ref, got = _both(start, args, stdout=subprocess.PIPE)
    for p in (ref, got):
        p.send_signal(sig)
    assert _finish(got) == _finish(ref) == (b"", -sig)
    assert procs_with(token) == []


# "ready" goes out with os.write: a signal that comes while print() still flushes it would
# make the handler's flush a reentrant call (RuntimeError), under subprocess too.
PY_HANDLER = """
import os, signal, sys, time

def handler(signum, frame):
    print("handled", signum)
    sys.stdout.flush()
    sys.exit(3)

signal.signal(signal.SIGTERM, handler)
os.write(1, b"ready\\n")
while True:
    time.sleep(0.1)
"""


def test_a_python_payloads_sigterm_handler_flushes_and_sets_the_status(start: Start) -> None:
    args = [sys.executable, "-I", "-c", PY_HANDLER]
    ref, got = _both(start, args, stdout=subprocess.PIPE)
    for p in (ref, got):
        p.terminate()
    assert _finish(got) == _finish(ref) == (b"handled 15\n", 3)


def test_what_the_payload_leaves_dies_when_its_handler_exits(start: Start, token: str) -> None:
    """No escapee: the payload's background child is killed with the sandbox once the
    payload has run its handler and exited (under subprocess it would live on)."""
    p = start(_trap("TERM", f"sleep {token} >/dev/null 2>&1 & "), stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    assert wait_present(token)
    p.terminate()
    assert _finish(p) == (b"bye TERM\n", 0)
    assert procs_with(token) == []  # the sandbox checked its namespace is gone


def test_terminate_leaves_a_payload_that_ignores_it_and_kill_ends_everything(
    start: Start, token: str
) -> None:
    args = ["sh", "-c", f"trap '' TERM; sleep {token} & echo ready; while :; do sleep 0.1; done"]
    p = start(args, stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    assert wait_present(token)
    p.terminate()
    time.sleep(0.5)
    assert p.poll() is None  # as a subprocess child that ignores SIGTERM
    p.kill()
    assert _finish(p) == (b"", -signal.SIGKILL)
    assert procs_with(token) == []
    p = start(args, stdout=subprocess.PIPE)  # send_signal(SIGKILL) is kill()
    assert p.stdout.readline() == b"ready\n"
    assert wait_present(token)
    p.send_signal(signal.SIGKILL)
    assert _finish(p) == (b"", -signal.SIGKILL)
    assert procs_with(token) == []


PY_COUNT = """
import os, signal, sys, time

def handler(signum, frame):
    os.write(1, b"handled %d\\n" % signum)

signal.signal(signal.SIGTERM, handler)
signal.signal(signal.SIGUSR1, handler)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
os.write(1, b"ready\\n")
signal.sigwait([signal.SIGUSR2])
sys.exit(3)
"""


def test_a_signal_sent_to_the_pid_or_its_group_reaches_the_payload_once(start: Start) -> None:
    """``os.kill(p.pid, ...)`` and ``os.killpg(p.pid, ...)`` (Popen's child leads a session
    of its own): each handler runs once, as under subprocess."""
    args = [sys.executable, "-I", "-c", PY_COUNT]
    ref, got = _both(start, args, stdout=subprocess.PIPE, start_new_session=True)
    for p in (ref, got):
        # the payload leads a group of its own, as the child does: not in the launcher's,
        # where a killpg would reach it twice (directly, and forwarded by the launcher)
        pid = _payload_pid(p)
        assert _stat(pid)[2] == str(pid)
        os.kill(p.pid, signal.SIGUSR1)
        os.killpg(p.pid, signal.SIGTERM)
        time.sleep(0.5)  # each handler has run (or would have twice) by then
        p.send_signal(signal.SIGUSR2)
    assert _finish(got) == _finish(ref) == (b"handled 10\nhandled 15\n", 3)


def _payload_pid(p: Any) -> int:
    """The host pid of the process the signals are meant for: subprocess's child, the
    sandbox's payload (its pidfd's ``Pid:``)."""
    if not isinstance(p, sandbox.Popen):
        return int(p.pid)
    assert p._payload_fd is not None
    with open(f"/proc/self/fdinfo/{p._payload_fd}") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("Pid:"))


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command: state, ppid, pgrp, session, ..."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def _state(pid: int) -> str:
    return _stat(pid)[0]


def _wait_state(pid: int, want: str) -> str:
    deadline = time.monotonic() + 10
    while (state := _state(pid)) != want and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


def test_sigstop_and_sigcont_stop_and_resume_the_payload(start: Start, token: str) -> None:
    """SIGSTOP cannot be forwarded (it stops whoever gets it): it goes to the payload
    straight; SIGCONT, forwarded, resumes it."""
    args = ["sh", "-c", f"echo ready; exec sleep {token}"]
    ref, got = _both(start, args, stdout=subprocess.PIPE)
    for p in (ref, got):
        pid = _payload_pid(p)
        assert pid in procs_with(token)  # the sleep itself, not the launcher nor the init
        p.send_signal(signal.SIGSTOP)
        assert _wait_state(pid, "T") == "T"
        assert p.poll() is None
        p.send_signal(signal.SIGCONT)
        assert _wait_state(pid, "S") == "S"
        p.terminate()
        assert _finish(p) == (b"", -signal.SIGTERM)
    assert procs_with(token) == []


@pytest.mark.usefixtures("launcher_kind")
def test_a_timeout_kills_as_subprocess_run_does(token: str) -> None:
    """subprocess.run kills its child with SIGKILL on timeout (no handler runs), waits for
    it and raises TimeoutExpired with the output read so far; so does sandbox.run, which
    kills the whole sandbox (the payload's children too, which subprocess leaves running)."""
    args = _trap("TERM", f"sleep {token} >/dev/null 2>&1 & ")
    with pytest.raises(subprocess.TimeoutExpired) as got:
        sandbox.run(args, capture_output=True, timeout=1.5)
    assert procs_with(token) == []
    with pytest.raises(subprocess.TimeoutExpired) as ref:
        subprocess.run(args, capture_output=True, timeout=1.5)
    for pid in procs_with(token):  # subprocess's escapee, a child of ours (a subreaper)
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    g, r = got.value, ref.value
    assert (g.cmd, g.timeout, g.output, g.stderr) == (r.cmd, r.timeout, r.output, r.stderr)
    assert g.output == b"ready\n"  # not "bye": SIGKILL, no handler ran
    res = sandbox.exec_python(PY_HANDLER, capture_output=True, timeout=1.5)
    assert res.timed_out and res.returncode == -signal.SIGKILL
    assert res.stdout == b"ready\n"
