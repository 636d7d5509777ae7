"""Prometheus metrics (optional ``prometheus_client``) and one log record per run.

``prometheus_client`` is imported before the first payload starts (safeimport.preload),
never from a folder a payload could write; without it every function here
is a no-op apart from logging.  Metrics (default registry):

* ``auditor_sandbox_executions_total{isolation,outcome}``
* ``auditor_sandbox_cpu_seconds_total``
* ``auditor_sandbox_memory_bytes_max`` (gauge: peak memory of the last run)
* ``auditor_sandbox_timeouts_total``, ``auditor_sandbox_oom_kills_total``
* ``auditor_sandbox_security_violations_total{reason}`` (``memory``, ``pids``, ``cpu_time``,
  ``output``, ``timeout``, ``degraded``, ``unavailable``)
* ``auditor_sandbox_duration_seconds`` (histogram of wall time)

and for warm sandboxes (``sandbox.Pool``, see pool.py):

* ``auditor_sandbox_pool_hits_total``: runs handed to a warm sandbox that was ready
* ``auditor_sandbox_pool_misses_total{reason}``: ``empty`` (the run waited for a warm
  sandbox to finish starting), ``failing`` (warm sandboxes failed to start: the run ran
  cold), ``timeout`` (none was ready in time: cold), ``options`` (``warm=True`` with
  options the default pool was not started with: cold), ``stdio`` (a regular file or a
  terminal as the run's stdin/stdout/stderr: cold, see pool.py), ``broken`` (warm
  sandboxes lost at the hand-off three times in a row: cold)
* ``auditor_sandbox_pool_wait_seconds`` (histogram: how long a pooled run waited for its
  sandbox; 0 for a hit)
* ``auditor_sandbox_pool_sandboxes_started_total``
* ``auditor_sandbox_pool_sandboxes_discarded_total{reason}``: let go without a run:
  ``idle`` (reaped), ``closed``, ``stale`` (the working directory or environment changed),
  ``died``, ``broken`` (lost at the hand-off), ``failed`` (did not start)
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
    # Never from the working directory or another folder a payload could write (a planted
    # prometheus_client.py would run in the caller): see safeimport.
    from auditor.sandbox import safeimport

    pc = safeimport.optional("prometheus_client")
    if pc is None:
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
        "pool_hits": pc.Counter(
            "auditor_sandbox_pool_hits", "Pooled runs handed to a warm sandbox that was ready"
        ),
        "pool_misses": pc.Counter(
            "auditor_sandbox_pool_misses",
            "Pooled runs that found no warm sandbox ready (waited, or ran cold)",
            ["reason"],
        ),
        "pool_wait": pc.Histogram(
            "auditor_sandbox_pool_wait_seconds",
            "How long a pooled run waited for its warm sandbox",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30),
        ),
        "pool_started": pc.Counter(
            "auditor_sandbox_pool_sandboxes_started", "Warm sandboxes started by pools"
        ),
        "pool_discarded": pc.Counter(
            "auditor_sandbox_pool_sandboxes_discarded",
            "Warm sandboxes let go without a run",
            ["reason"],
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


def pool_take(*, hit: bool, reason: str = "", wait: float | None = None) -> None:
    """A pooled run got its sandbox (``hit``: one was ready) or missed for ``reason``;
    ``wait``: how long it waited for a warm sandbox (None when it ran cold)."""
    m = _get()
    if m is None:
        return
    if hit:
        m["pool_hits"].inc()
    else:
        m["pool_misses"].labels(reason=reason).inc()
    if wait is not None:
        m["pool_wait"].observe(wait)


def pool_started() -> None:
    m = _get()
    if m is not None:
        m["pool_started"].inc()


def pool_discarded(reason: str) -> None:
    m = _get()
    if m is not None:
        m["pool_discarded"].labels(reason=reason).inc()
