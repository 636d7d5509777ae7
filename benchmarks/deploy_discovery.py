#!/usr/bin/env python3
"""What finding deployment files anywhere in the tree adds to a scan (issue 16).

On the corpora of benchmarks/scan_speed.py (ansible-core, salt, django sdists and a copy of
the standard library), in this process and interleaved round by round: a warm scan (the
result cache filled by one cold scan first), then the system part that scan, check and
report add to it (discovery, on the scan's own listing of the tree as the CLI does, and
the checks of what it finds).
Medians of --rounds runs; the figures go to benchmarks/RESULTS.md between the
deploy-discovery markers.

    python3 benchmarks/deploy_discovery.py [--rounds 7] [--cache DIR]

--cache: a benchmarks/.cache folder of scan_speed.py to reuse (default: this checkout's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scan_speed  # noqa: E402  (the corpora and the machine line)

START, END = "<!-- deploy-discovery:start -->", "<!-- deploy-discovery:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=scan_speed.CACHE)
    args = parser.parse_args()
    scan_speed.CACHE = args.cache

    from auditor.api import scan
    from auditor.commands.common import add_system_findings
    from auditor.judge.policy import load_policy
    from auditor.scan.discover import Listing
    from auditor.system.discovery import discover

    corpora = [scan_speed.fetch(n, v) for n, v in scan_speed.SDISTS.items()]
    corpora.append(scan_speed.stdlib_copy())
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for root in corpora:
            policy = load_policy(root)
            cache_dir = Path(cache) / root.name
            scan([root], policy=policy, cache_dir=cache_dir, use_cache=True)  # cold: fills it
            warm: list[float] = []
            system: list[float] = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                listing = Listing()  # one per command, shared by both parts (commands.common)
                result = scan(
                    [root], policy=policy, cache_dir=cache_dir, use_cache=True, jobs=1,
                    listing=listing,
                )  # fmt: skip
                warm.append(time.perf_counter() - started)
                started = time.perf_counter()
                add_system_findings([root], result, policy, (), listing)
                system.append(time.perf_counter() - started)
            sudoers, units = discover([root])
            rows.append(
                (root.name, statistics.median(warm), statistics.median(system), len(sudoers),
                 len(units))
            )  # fmt: skip
    after = os.getloadavg()[0]
    lines = [
        START,
        "## Deployment files anywhere in the tree (benchmarks/deploy_discovery.py)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {scan_speed.machine()}; "
        f"medians of {args.rounds} interleaved rounds, in one process, one job; load average "
        f"{load:.1f} before and {after:.1f} after (the machine is shared).",
        "",
        "| corpus | warm scan | + deployment files | share | sudoers files | units |",
        "|---|---|---|---|---|---|",
    ]
    for name, warm_s, system_s, sudoers_n, units_n in rows:
        share = system_s / (warm_s + system_s)
        lines.append(
            f"| {name} | {warm_s * 1000:.0f} ms | {system_s * 1000:.0f} ms | {share:.0%} | "
            f"{sudoers_n} | {units_n} |"
        )
    lines.append(END)
    section = "\n".join(lines) + "\n"
    text = scan_speed.RESULTS.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    scan_speed.RESULTS.write_text(text)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
