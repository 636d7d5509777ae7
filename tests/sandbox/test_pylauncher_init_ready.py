"""The Python launcher's init tells the payload it is ready on a pipe. When the payload has
already died (it failed a piece of its own setup, ``proc`` for one, and said which on the
info pipe), the init must end quietly, as launcher.c does: a BrokenPipeError there used to
reach the caller as "'setup' unavailable: the Python launcher failed", hiding the piece
that really failed (seen under load in test_sandbox_fail_closed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_init_ends_quietly_when_the_payload_is_gone() -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from auditor.sandbox import pylauncher as p

        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as in any Python process
        for name in ("_pdeathsig", "_check_lifeline", "_close_all_but", "_reap_forever"):
            setattr(p, name, lambda *a: None)
        p._attempt = lambda piece, fn: True
        plan = p._plan = p.Plan([])
        ready_r, plan.ready_fd = os.pipe()
        info_r, plan.info_fd = os.pipe()
        os.close(ready_r)  # the payload died before reading "ready"
        p._init_finish()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (126, "")
