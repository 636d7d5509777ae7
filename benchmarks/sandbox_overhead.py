"""Overhead of ``sandbox.run`` against bare ``subprocess.run``, ``unshare`` and ``bwrap``.

Every variant runs the same payload (``true``, then ``python3 -c pass``); the variants are
interleaved round-robin in a shuffled order per round so drift (CPU frequency, caches,
other load) hits all of them alike.  The variants that fork this interpreter (the Python
launcher, a no-op ``preexec_fn``) run in a block of their own, with their own bare
``subprocess.run``: a fork of a process this size slows whatever runs right after it.
Reports medians and the median added over bare ``subprocess.run``, and rewrites the
delimited section of ``benchmarks/RESULTS.md``.

    python benchmarks/sandbox_overhead.py [--rounds 200] [--no-write] [--section NAME]
                                          [--payloads true,python3,system-python3]
                                          [--no-forking] [--pieces]

``--pieces`` adds one row per piece of isolation issue #14 added, run without that piece
(``launcher._skip``, benchmark-only): the difference with the full row is what the piece
costs, measured in the same interleaved rounds.

``--section unprivileged`` writes its own delimited section (run it as a non-root user,
e.g. uid 65534 the way ``.ci/sandbox-unprivileged`` drops privileges), so the root and the
unprivileged figures live side by side.

``--pool`` measures warm sandboxes (``sandbox.Pool``, issue 18) instead, in a section of
its own: the latency of ``pool.exec_python("pass")`` with a ready pool against a bare
``python -I -c pass`` of the same interpreter and a cold ``sandbox.exec_python("pass")``,
interleaved (medians, 95 % bootstrap intervals, and the ratio to the bare run); bursts of
20 back-to-back runs (median, p90, p99, max per run); and the throughput of 200
sequential runs with and without the pool.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from auditor import sandbox
from auditor.sandbox import cgroups, launcher, native
from auditor.sandbox.profiles import scrub_env

#: The pieces --pieces leaves out one at a time (launcher._skip), and all together.
PIECES = ("seccomp", "landlock", "allowlist-root", "keyring", "protected-init")


def _markers(section: str | None) -> tuple[str, str]:
    tag = "sandbox-overhead" + (f"-{section}" if section else "")
    return f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _noop() -> None:
    pass


def _python_launcher(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with the compiled launcher disabled (the Python fallback runs)."""

    def run() -> object:
        native._disabled = True
        try:
            return fn()
        finally:
            native._disabled = False

    return run


def _new_cgroup_each_run(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` without the reuse of finished cgroups (a new per-run cgroup every time)."""

    def run() -> object:
        kept, cgroups.POOL_SIZE = cgroups.POOL_SIZE, 0
        try:
            return fn()
        finally:
            cgroups.POOL_SIZE = kept

    return run


def _without(pieces: frozenset[str], fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with these pieces left out of the run (benchmark-only switch)."""

    def run() -> object:
        launcher._skip = pieces
        try:
            return fn()
        finally:
            launcher._skip = frozenset()

    return run


def variants(payload: list[str], pieces: bool = False) -> dict[str, Callable[[], object]]:
    root = os.geteuid() == 0
    unshare = ["unshare"] + ([] if root else ["--user", "--map-root-user"])
    unshare += ["--pid", "--fork", "--mount-proc", "--ipc", "--uts", "--net", "--mount"]
    # Every payload gets the sandbox's scrubbed environment, so `python3 -c pass` starts
    # alike everywhere (an inherited PYTHONPATH alone changes its start-up time).
    env = scrub_env()
    out: dict[str, Callable[[], object]] = {
        "subprocess.run": lambda: subprocess.run(payload, check=True, env=env),
        # Reference: what one fork of this Python process costs (the Python launcher does
        # three).
        "subprocess.run with a no-op preexec_fn": lambda: subprocess.run(
            payload, check=True, preexec_fn=_noop, env=env
        ),
        "unshare (pid,ipc,uts,net,mount)": lambda: subprocess.run(
            unshare + payload, check=True, env=env
        ),
    }
    runs: dict[str, Callable[[], object]] = {
        "standard": lambda: sandbox.run(payload, check=True),
        "standard, cgroup=off": lambda: sandbox.run(payload, check=True, cgroup="off"),
        "strict": lambda: sandbox.run(payload, check=True, profile="strict"),
    }
    c_launcher = native.path() is not None
    for name, fn in runs.items():
        if c_launcher:
            out[f"sandbox.run {name} [C launcher]"] = fn
            if name == "standard" and cgroups.discover().version == 1:
                out["sandbox.run standard, new cgroup each run [C launcher]"] = (
                    _new_cgroup_each_run(fn)
                )
        out[f"sandbox.run {name} [Python launcher]"] = _python_launcher(fn)
    if pieces and c_launcher:
        std = runs["standard"]
        for piece in PIECES:
            out[f"sandbox.run standard without {piece} [C launcher]"] = _without(
                frozenset({piece}), std
            )
        out["sandbox.run standard without all of them [C launcher]"] = _without(
            frozenset(PIECES), std
        )
    if shutil.which("bwrap"):
        bwrap = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/"]
        bwrap += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--"]
        out["bwrap --unshare-all --ro-bind / /"] = lambda: subprocess.run(
            bwrap + payload, check=True, env=env
        )
    return out


def _cpu() -> float:
    """CPU seconds used so far by this process and its reaped children."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


BARE = "subprocess.run"
#: Rows measured apart: each forks the calling interpreter (tens of MB), which slows
#: whatever runs right after it in the same process; interleaved with the rest they taxed
#: the other rows by ~0.3-0.4 ms (`true`) and more for the Python payload.
FORKING = ("[Python launcher]", "preexec_fn")

#: wall ms, CPU ms, added wall ms, added CPU ms, and the 95 % bootstrap interval of the
#: added wall ms (rounds resampled with replacement, each variant paired with the bare run
#: of its round)
Row = tuple[float, float, float, float, float, float]
BOOTSTRAP = 1000


def measure(
    payload: list[str], rounds: int, no_forking: bool = False, pieces: bool = False
) -> dict[str, Row]:
    """variant -> medians per run and what it adds over bare ``subprocess.run`` measured in
    the same block: the variants that fork this interpreter run in a block of their own,
    with its own bare ``subprocess.run`` (reported as ``subprocess.run (...)``)."""
    vs = variants(payload, pieces)
    forking = [n for n in vs if any(mark in n for mark in FORKING)]
    spawning = [n for n in vs if n not in forking]
    out: dict[str, Row] = {}
    for block in (spawning,) if no_forking else (spawning, [BARE, *forking]):
        wall, cpu = _interleaved({n: vs[n] for n in block}, rounds)
        bw, bc = statistics.median(wall[BARE]), statistics.median(cpu[BARE])
        label = BARE if not out else f"{BARE} (for the rows below, measured apart)"
        for name in block:
            w, c = statistics.median(wall[name]), statistics.median(cpu[name])
            lo, hi = _interval(wall[name], wall[BARE]) if name != BARE else (0.0, 0.0)
            out[label if name == BARE else name] = (w, c, w - bw, c - bc, lo, hi)
    return out


def _interval(variant: list[float], bare: list[float]) -> tuple[float, float]:
    """95 % bootstrap interval of median(variant) - median(bare), in ms."""
    rng = random.Random(0)
    n = len(bare)
    diffs = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(
            statistics.median(variant[i] for i in idx) - statistics.median(bare[i] for i in idx)
        )
    diffs.sort()
    return diffs[int(0.025 * BOOTSTRAP)], diffs[int(0.975 * BOOTSTRAP) - 1]


def _interleaved(
    vs: dict[str, Callable[[], object]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """variant -> wall ms and CPU ms of every run, all variants interleaved."""
    wall: dict[str, list[float]] = {name: [] for name in vs}
    cpu: dict[str, list[float]] = {name: [] for name in vs}
    for fn in vs.values():  # warm-up
        fn()
    names = list(vs)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            c0, t0 = _cpu(), time.perf_counter()
            vs[name]()
            wall[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((_cpu() - c0) * 1000)
    return wall, cpu


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _pressure() -> str:
    try:
        with open("/proc/pressure/cpu") as f:
            return f.readline().split()[1].replace("avg10=", "CPU pressure (some, avg10) ") + "%"
    except (OSError, IndexError):
        return "CPU pressure n/a"


def render(
    results: dict[str, dict[str, Row]],
    rounds: int,
    payload_rounds: dict[str, int],
    section: str | None = None,
    load_before: str = "",
    command: str = "",
) -> str:
    start, end = _markers(section)
    lines = [
        start,
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by "
        f"`{command or f'benchmarks/sandbox_overhead.py --rounds {rounds}'}` as uid "
        f"{os.geteuid()}: "
        f"{os.cpu_count()} CPUs, {_cpu_model()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}; load average (1, 5, 15 min) {load_before} "
        f"before, {_load()} after, {_pressure()} at the end.",
        "",
        "Median wall time and CPU time (caller + children, a load-independent measure) per "
        "run in ms, and what each adds over bare `subprocess.run` (interleaved in random "
        "order in every round; the rows that fork this interpreter, which slows whatever runs "
        "next, in a block of their own with its own bare `subprocess.run`). The 95 % "
        "interval of the added wall time is a bootstrap over the rounds (each run paired "
        "with the bare run of its round): how far the median could move with other rounds.",
        "",
    ]
    for payload, res in results.items():
        lines += [
            f"**`{payload}`** ({payload_rounds[payload]} rounds)",
            "",
            "| variant | wall ms | added wall ms | 95 % interval | CPU ms | added CPU ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, (w, c, aw, ac, lo, hi) in res.items():
            interval = f"{lo:+.2f} .. {hi:+.2f}" if (lo, hi) != (0.0, 0.0) else ""
            lines.append(f"| {name} | {w:.2f} | {aw:+.2f} | {interval} | {c:.2f} | {ac:+.2f} |")
        lines.append("")
    lines.append(
        "`subprocess.run with a no-op preexec_fn` isolates the price of one fork of the "
        "calling Python process (vs. the vfork/posix_spawn path of plain `subprocess.run`). "
        "Both launchers are spawned like plain `subprocess.run` (vfork + exec): the compiled "
        "one is a small static C program, the Python one a fresh `python -I -S` running "
        "pylauncher.py; each then clones the pid-1 init with every namespace and forks the "
        "payload. With a cgroup, the launcher first moves itself into the per-run cgroup "
        "(v1: `0` into `tasks`); on cgroup v1 that is the cgroup of the previous run when it "
        "was left clean (docs/sandbox.md), and `new cgroup each run` shows the cost without "
        "that reuse. `without X` rows leave one piece out (benchmark-only `launcher._skip`): "
        "the difference with the `standard` row is what that piece costs."
    )
    lines.append("")
    lines.append(end)
    return "\n".join(lines)


# -- warm sandboxes (--pool) ---------------------------------------------------------------

POOL_SIZES = (2, 20)
BURST = 20


def _median_interval(xs: list[float]) -> tuple[float, float, float]:
    """The median of ``xs`` and its 95 % bootstrap interval."""
    rng = random.Random(0)
    meds = sorted(statistics.median(rng.choice(xs) for _ in xs) for _ in range(BOOTSTRAP))
    return statistics.median(xs), meds[int(0.025 * BOOTSTRAP)], meds[int(0.975 * BOOTSTRAP) - 1]


def _ratio_interval(num: list[float], den: list[float]) -> tuple[float, float, float]:
    """median(num) / median(den), rounds paired, with its 95 % bootstrap interval."""
    rng = random.Random(1)
    n = len(den)
    ratios = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        ratios.append(
            statistics.median(num[i] for i in idx) / statistics.median(den[i] for i in idx)
        )
    ratios.sort()
    point = statistics.median(num) / statistics.median(den)
    return point, ratios[int(0.025 * BOOTSTRAP)], ratios[int(0.975 * BOOTSTRAP) - 1]


def _pct(xs: list[float], q: float) -> float:
    """The ``q`` quantile by nearest rank."""
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure_pool(rounds: int, bursts: int, throughput_runs: int) -> dict[str, object]:
    """Latency (ready pool), bursts of back-to-back runs, throughput; see the docstring."""
    python = sys.executable  # what exec_python and the pool run
    env = scrub_env()
    out: dict[str, object] = {"python": os.path.realpath(python)}
    with sandbox.Pool(2) as pool:
        assert pool.wait_ready(60), "warm sandboxes did not start"
        runs: dict[str, Callable[[], object]] = {
            "bare": lambda: subprocess.run([python, "-I", "-c", "pass"], check=True, env=env),
            "cold": lambda: sandbox.exec_python("pass", check=True),
            "pool": lambda: pool.exec_python("pass", check=True),
        }
        system = os.path.realpath("/usr/bin/python3")
        if os.path.exists(system) and system != os.path.realpath(python):
            # Debian's interpreter too when the pool's is another (e.g. pyenv's, whose start
            # reads many .pth files): a much quicker bare start to compare with.
            runs["bare-system"] = lambda: subprocess.run(
                [system, "-I", "-c", "pass"], check=True, env=env
            )
        wall: dict[str, list[float]] = {name: [] for name in runs}
        for fn in runs.values():  # warm-up
            fn()
        names = list(runs)
        for _ in range(rounds):
            random.shuffle(names)
            for name in names:
                pool.wait_ready(60)  # latency of a ready pool: its refills are not timed
                time.sleep(0.005)
                t0 = time.perf_counter()
                runs[name]()
                wall[name].append((time.perf_counter() - t0) * 1000)
        stats = pool.stats()
        assert stats.cold == 0, stats
    out["latency"] = {name: _median_interval(xs) for name, xs in wall.items()}
    out["ratio"] = _ratio_interval(wall["pool"], wall["bare"])
    if "bare-system" in wall:
        out["system_ratio"] = _ratio_interval(wall["pool"], wall["bare-system"])
    out["cold_ratio"] = _ratio_interval(wall["pool"], wall["cold"])
    burst_rows = {}
    for size in POOL_SIZES:
        with sandbox.Pool(size) as pool:
            lat: list[float] = []
            for _ in range(bursts):
                assert pool.wait_ready(120)
                for _ in range(BURST):
                    t0 = time.perf_counter()
                    pool.exec_python("pass", check=True)
                    lat.append((time.perf_counter() - t0) * 1000)
            st = pool.stats()
        burst_rows[size] = (
            statistics.median(lat),
            _pct(lat, 0.9),
            _pct(lat, 0.99),
            max(lat),
            st.hits,
            st.misses,
        )
    out["bursts"] = burst_rows
    thr: dict[str, list[float]] = {"cold": [], "pool": []}
    for _ in range(3):
        for name in random.sample(list(thr), 2):
            if name == "cold":
                t0 = time.perf_counter()
                for _ in range(throughput_runs):
                    sandbox.exec_python("pass", check=True)
                thr[name].append(throughput_runs / (time.perf_counter() - t0))
            else:
                with sandbox.Pool(2) as pool:
                    assert pool.wait_ready(60)
                    t0 = time.perf_counter()
                    for _ in range(throughput_runs):
                        pool.exec_python("pass", check=True)
                    thr[name].append(throughput_runs / (time.perf_counter() - t0))
    out["throughput"] = thr
    return out


def render_pool(
    res: dict[str, object],
    rounds: int,
    bursts: int,
    throughput_runs: int,
    section: str | None,
    load_before: str,
    uptime_before: str,
    command: str,
) -> str:
    tag = "sandbox-pool" + (f"-{section}" if section else "")
    lat = res["latency"]
    assert isinstance(lat, dict)
    ratio = res["ratio"]
    cold_ratio = res["cold_ratio"]
    assert isinstance(ratio, tuple) and isinstance(cold_ratio, tuple)
    lines = [
        f"<!-- {tag}:start -->",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `{command}` as "
        f"uid {os.geteuid()}: {os.cpu_count()} CPUs, {_cpu_model()}, Linux "
        f"{platform.release()}, Python {platform.python_version()} ({res['python']}); "
        f"`uptime` before: `{uptime_before}`; after: `{_uptime()}`; {_pressure()} at the end.",
        "",
        f"Latency, {rounds} interleaved rounds (a pool of 2, waited for until ready before "
        "each timed run; the bare and cold runs in the same rounds, the bare one with the "
        "interpreter the pool runs, `sys.executable`): median ms per run with its 95 % "
        "bootstrap interval.",
        "",
        "| run | median ms | 95 % interval |",
        "|---|---:|---:|",
    ]
    labels = {
        "bare": "bare `python -I -c pass` (subprocess.run, no sandbox)",
        "cold": '`sandbox.exec_python("pass")` (cold)',
        "pool": '`pool.exec_python("pass")` (warm)',
        "bare-system": "bare `/usr/bin/python3 -I -c pass` (Debian's, for reference)",
    }
    for name, (m, lo, hi) in lat.items():
        lines.append(f"| {labels[name]} | {m:.2f} | {lo:.2f} .. {hi:.2f} |")
    lines += [
        "",
        f"Warm / bare: **{ratio[0]:.3f}** (95 % interval {ratio[1]:.3f} .. {ratio[2]:.3f}; "
        f"the target is under 0.25); warm / cold: {cold_ratio[0]:.3f} "
        f"({cold_ratio[1]:.3f} .. {cold_ratio[2]:.3f})."
        + (
            f" Warm / bare Debian `/usr/bin/python3`: {sr[0]:.3f} ({sr[1]:.3f} .. {sr[2]:.3f})."
            if isinstance(sr := res.get("system_ratio"), tuple)
            else ""
        ),
        "",
        f"Bursts: {bursts} bursts of {BURST} back-to-back runs, each burst started with the "
        "pool ready; ms per run over all of them (a run that finds no ready sandbox waits "
        "for one to finish starting: a miss).",
        "",
        "| pool size | median | p90 | p99 | max | hits | misses |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    bursts_rows = res["bursts"]
    assert isinstance(bursts_rows, dict)
    for size, (m, p90, p99, mx, hits, misses) in bursts_rows.items():
        lines.append(f"| {size} | {m:.2f} | {p90:.2f} | {p99:.2f} | {mx:.2f} | {hits} | {misses} |")
    thr = res["throughput"]
    assert isinstance(thr, dict)
    cold_rate, pool_rate = statistics.median(thr["cold"]), statistics.median(thr["pool"])
    lines += [
        "",
        f"Throughput, {throughput_runs} sequential runs of `pass` (median of 3 alternating "
        f"trials): cold {cold_rate:.1f} runs/s "
        f"({', '.join(f'{x:.1f}' for x in thr['cold'])}), warm (a pool of 2) "
        f"{pool_rate:.1f} runs/s ({', '.join(f'{x:.1f}' for x in thr['pool'])}): "
        f"x{pool_rate / cold_rate:.2f}.",
        "",
        f"<!-- {tag}:end -->",
    ]
    return "\n".join(lines)


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {_load()}"


def _write_section(text: str, tag: str, title: str) -> None:
    start, end = f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    path = Path(__file__).with_name("RESULTS.md")
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if start in old and end in old:
        new = old[: old.index(start)] + text + old[old.index(end) + len(end) :]
    else:
        new = old.rstrip("\n") + f"\n\n## {title}\n\n" + text + "\n"
    path.write_text(new)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--no-write", action="store_true", help="print only, keep RESULTS.md")
    ap.add_argument("--section", help="write a separate section (e.g. 'unprivileged')")
    ap.add_argument(
        "--payloads",
        default="true,python3,system-python3",
        help="comma-separated: true, python3 (this interpreter), system-python3 "
        "(/usr/bin/python3 when it is another); default: all",
    )
    ap.add_argument(
        "--no-forking",
        action="store_true",
        help="leave out the rows that fork this interpreter (Python launcher, preexec_fn)",
    )
    ap.add_argument(
        "--pieces",
        action="store_true",
        help="add a row per piece of isolation without it (what each piece costs)",
    )
    ap.add_argument("--pool", action="store_true", help="measure warm sandboxes (issue 18)")
    ap.add_argument("--bursts", type=int, default=30, help="--pool: bursts of 20 runs")
    ap.add_argument("--throughput-runs", type=int, default=200, help="--pool: runs per trial")
    opts = ap.parse_args()
    load_before = _load()
    if opts.pool:
        uptime_before = _uptime()
        res = measure_pool(opts.rounds, opts.bursts, opts.throughput_runs)
        command = ("benchmarks/sandbox_overhead.py " + " ".join(sys.argv[1:])).strip()
        text = render_pool(
            res,
            opts.rounds,
            opts.bursts,
            opts.throughput_runs,
            opts.section,
            load_before,
            uptime_before,
            command,
        )
        print(text)
        if not opts.no_write:
            tag = "sandbox-pool" + (f"-{opts.section}" if opts.section else "")
            title = "Warm sandboxes (sandbox.Pool)" + (f", {opts.section}" if opts.section else "")
            _write_section(text, tag, title)
        return 0
    wanted = set(opts.payloads.split(","))
    unknown = wanted - {"true", "python3", "system-python3"}
    if unknown:
        ap.error(f"--payloads: unknown {', '.join(sorted(unknown))}")
    python3 = os.path.realpath(sys.executable)
    # As many rounds for the ~90 ms interpreter start as for `true`: its own start-up varies
    # by several ms, and fewer rounds were too few to read a 5 ms target against.
    payloads: dict[str, tuple[list[str], int]] = {}
    if "true" in wanted:
        payloads["true"] = (["true"], opts.rounds)
    if "python3" in wanted:
        payloads["python3 -c pass"] = ([python3, "-c", "pass"], opts.rounds)
    # The system's interpreter too when this one is another (e.g. pyenv's, whose start-up
    # reads many .pth files and varies by several ms): a quieter Python payload.
    system = os.path.realpath("/usr/bin/python3")
    if "system-python3" in wanted and os.path.exists(system) and system != python3:
        payloads["/usr/bin/python3 -c pass"] = ([system, "-c", "pass"], opts.rounds)
    results = {
        name: measure(argv, n, opts.no_forking, opts.pieces) for name, (argv, n) in payloads.items()
    }
    command = "benchmarks/sandbox_overhead.py " + " ".join(sys.argv[1:])
    text = render(
        results,
        opts.rounds,
        {k: n for k, (_, n) in payloads.items()},
        opts.section,
        load_before,
        command.strip(),
    )
    print(text)
    if not opts.no_write:
        start, end = _markers(opts.section)
        path = Path(__file__).with_name("RESULTS.md")
        old = path.read_text() if path.exists() else "# Benchmark results\n\n"
        if start in old and end in old:
            new = old[: old.index(start)] + text + old[old.index(end) + len(end) :]
        else:
            title = "Sandbox overhead" + (f", {opts.section}" if opts.section else "")
            new = old.rstrip("\n") + f"\n\n## {title}\n\n" + text + "\n"
        path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
