"""``SandboxResult``: a ``subprocess.CompletedProcess`` that also says how the run went."""

from __future__ import annotations

import subprocess
from typing import Any


class SandboxResult(subprocess.CompletedProcess[Any]):
    """What ``subprocess.run`` returns, plus:

    ``isolation``: the isolation pieces that actually applied, e.g.
    ``("user", "pid", "ipc", "uts", "net", "mount", "cgroup", ...)``;
    ``degraded``: requested pieces that could not be applied (only with ``allow_degraded``);
    ``timed_out``, ``oom_killed``, ``cpu_limited`` (the sandbox's total CPU time, accounted
    by its cgroup, went over ``limits.cpu_time``), ``truncated`` (output cap hit);
    ``cpu_seconds``, ``max_rss_bytes`` (``None`` when unknown), ``wall_seconds``;
    ``launcher``: ``"c"`` (the compiled launcher) or ``"python"`` (the fallback);
    ``payload_uid``: the uid the payload ran as on the host (a root caller's payload runs as
    an unused uid from rules/sandbox.toml ``[identity]``; ``isolation`` then has ``uid:unused``).
    """

    def __init__(
        self,
        args: Any,
        returncode: int,
        stdout: Any = None,
        stderr: Any = None,
        *,
        isolation: tuple[str, ...] = (),
        degraded: tuple[str, ...] = (),
        timed_out: bool = False,
        oom_killed: bool = False,
        cpu_limited: bool = False,
        truncated: bool = False,
        cpu_seconds: float | None = None,
        max_rss_bytes: int | None = None,
        wall_seconds: float = 0.0,
        launcher: str = "python",
        payload_uid: int | None = None,
    ) -> None:
        super().__init__(args, returncode, stdout, stderr)
        self.isolation = isolation
        self.degraded = degraded
        self.timed_out = timed_out
        self.oom_killed = oom_killed
        self.cpu_limited = cpu_limited
        self.truncated = truncated
        self.cpu_seconds = cpu_seconds
        self.max_rss_bytes = max_rss_bytes
        self.wall_seconds = wall_seconds
        self.launcher = launcher
        self.payload_uid = payload_uid

    def __repr__(self) -> str:
        extra = (
            f", isolation={self.isolation!r}, timed_out={self.timed_out}, "
            f"oom_killed={self.oom_killed}, truncated={self.truncated}"
        )
        return super().__repr__()[:-1] + extra + ")"

    def as_dict(self) -> dict[str, Any]:
        def _out(v: Any) -> Any:
            return v.decode("utf-8", "replace") if isinstance(v, bytes) else v

        return {
            "args": self.args if isinstance(self.args, str) else [str(a) for a in self.args],
            "returncode": self.returncode,
            "stdout": _out(self.stdout),
            "stderr": _out(self.stderr),
            "isolation": list(self.isolation),
            "degraded": list(self.degraded),
            "timed_out": self.timed_out,
            "oom_killed": self.oom_killed,
            "cpu_limited": self.cpu_limited,
            "truncated": self.truncated,
            "cpu_seconds": self.cpu_seconds,
            "max_rss_bytes": self.max_rss_bytes,
            "wall_seconds": self.wall_seconds,
            "launcher": self.launcher,
            "payload_uid": self.payload_uid,
        }
