"""How long a killed sandboxed run keeps a plain caller waiting (issue: the launcher's
orphans went to the host's init, which reaped them 1.5-2 s late).

The caller is made neither a child subreaper nor pid 1 (the ordinary case: a program run
from a shell). For each launcher (the compiled one, and the Python one with the compiled
one disabled) it times, over N rounds: ``sandbox.run`` past its timeout, ``exec_python``
past its timeout (time over the timeout, the launcher's start included), and
``Popen.kill()`` + ``wait()``; then ``Pool(2).close()`` with two warm sandboxes.

    python benchmarks/killed_runs.py [--rounds N]

Prints one line per measure (median and max); the figures go to benchmarks/RESULTS.md by
hand, with the date, the machine and the caller's uid."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import statistics
import subprocess
import time

from auditor import sandbox
from auditor.sandbox import native

_PR_SET_CHILD_SUBREAPER = 36
_TIMEOUT = 0.3


def _not_a_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER, 0)")
    if os.getpid() == 1:
        raise SystemExit("run this as an ordinary process, not as pid 1")


def _measure(rounds: int) -> dict[str, list[float]]:
    over: dict[str, list[float]] = {"run timeout": [], "exec_python timeout": [], "kill+wait": []}
    for _ in range(rounds):
        start = time.monotonic()
        with contextlib.suppress(subprocess.TimeoutExpired):
            sandbox.run(["sleep", "1000"], timeout=_TIMEOUT)
        over["run timeout"].append(time.monotonic() - start - _TIMEOUT)
        start = time.monotonic()
        result = sandbox.exec_python("import time; time.sleep(1000)", timeout=_TIMEOUT)
        assert result.timed_out
        over["exec_python timeout"].append(time.monotonic() - start - _TIMEOUT)
        process = sandbox.Popen(["sleep", "1000"])
        start = time.monotonic()
        process.kill()
        process.wait()
        over["kill+wait"].append(time.monotonic() - start)
    return over


def _pool_close(rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        pool = sandbox.Pool(2)
        pool.exec_python("pass")
        start = time.monotonic()
        pool.close()
        out.append(time.monotonic() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _not_a_subreaper()
    for launcher in ("compiled", "python"):
        native._disabled = launcher == "python"
        measures = _measure(args.rounds)
        measures["Pool(2).close()"] = _pool_close(args.rounds)
        for name, values in measures.items():
            print(
                f"{launcher:8} uid={os.getuid()} {name:20} median {statistics.median(values):.3f} s"
                f"  max {max(values):.3f} s  (n={len(values)})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
