"""Prometheus metrics (optional ``prometheus_client``) and one log record per run.

``prometheus_client`` is imported lazily on the first run; without it every function here
is a no-op apart from logging.  Metrics (default registry):

* ``auditor_sandbox_executions_total{isolation,outcome}``
* ``auditor_sandbox_cpu_seconds_total``
* ``auditor_sandbox_memory_bytes_max`` (gauge: peak memory of the last run)
* ``auditor_sandbox_timeouts_total``, ``auditor_sandbox_oom_kills_total``
* ``auditor_sandbox_security_violations_total{reason}`` (``memory``, ``pids``, ``cpu_time``,
  ``output``, ``timeout``, ``degraded``, ``unavailable``)
* ``auditor_sandbox_duration_seconds`` (histogram of wall time)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from typing import Any

logger = logging.getLogger("auditor.sandbox")

_metrics: dict[str, Any] | None = None
_unavailable = False
#: The first runs of several threads must not register the metrics twice.
_create_lock = threading.Lock()


def _new_lock_in_child() -> None:
    # A fork while another thread held the lock would leave the child's copy held forever.
    global _create_lock
    _create_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


@dataclasses.dataclass
class RunRecord:
    args: Any
    outcome: str  # ok | error | timeout | oom | truncated | killed | unavailable
    returncode: int | None
    isolation: tuple[str, ...]
    degraded: tuple[str, ...] = ()
    wall_seconds: float = 0.0
    cpu_seconds: float | None = None
    max_rss_bytes: int | None = None
    violations: tuple[str, ...] = ()
    launcher: str = "python"  # "c" (compiled launcher) or "python"


def _get() -> dict[str, Any] | None:
    if _metrics is not None or _unavailable:
        return _metrics
    with _create_lock:
        return _create()


def _create() -> dict[str, Any] | None:
    global _metrics, _unavailable
    if _metrics is not None or _unavailable:  # another thread was first
        return _metrics
    try:
        import prometheus_client as pc
    except ImportError:
        _unavailable = True
        return None
    _metrics = {
        "executions": pc.Counter(
            "auditor_sandbox_executions",
            "Sandboxed executions by applied isolation and outcome",
            ["isolation", "outcome"],
        ),
        "cpu": pc.Counter("auditor_sandbox_cpu_seconds", "CPU seconds used inside sandboxes"),
        "memory": pc.Gauge(
            "auditor_sandbox_memory_bytes_max", "Peak memory of the most recent sandboxed run"
        ),
        "timeouts": pc.Counter("auditor_sandbox_timeouts", "Sandboxed runs stopped by timeout"),
        "oom": pc.Counter("auditor_sandbox_oom_kills", "Sandboxed runs killed by the OOM killer"),
        "violations": pc.Counter(
            "auditor_sandbox_security_violations",
            "Limits hit, isolation degraded or unavailable",
            ["reason"],
        ),
        "duration": pc.Histogram(
            "auditor_sandbox_duration_seconds",
            "Wall-clock duration of sandboxed runs",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
        ),
    }
    return _metrics


def available() -> bool:
    return _get() is not None


def record(rec: RunRecord) -> None:
    m = _get()
    if m is not None:
        m["executions"].labels(isolation=",".join(rec.isolation), outcome=rec.outcome).inc()
        if rec.cpu_seconds:
            m["cpu"].inc(rec.cpu_seconds)
        if rec.max_rss_bytes is not None:
            m["memory"].set(rec.max_rss_bytes)
        if rec.outcome == "timeout":
            m["timeouts"].inc()
        if rec.outcome == "oom":
            m["oom"].inc()
        for reason in rec.violations:
            m["violations"].labels(reason=reason).inc()
        m["duration"].observe(rec.wall_seconds)
    if not logger.isEnabledFor(logging.INFO):
        return  # building the structured record costs more than the rest of this function
    args = rec.args if isinstance(rec.args, str) else [str(a) for a in rec.args]
    logger.info(
        "sandbox run outcome=%s returncode=%s wall=%.3fs isolation=%s launcher=%s",
        rec.outcome,
        rec.returncode,
        rec.wall_seconds,
        ",".join(rec.isolation),
        rec.launcher,
        extra={"sandbox": {**dataclasses.asdict(rec), "args": args}},
    )
