#!/usr/bin/env python3
"""Side-by-side scan timing and recall: auditor against bandit, ruff and semgrep.

Fetches pinned sdists with `pip download` into benchmarks/.cache (ansible-core 2.19.4,
salt 3008.5, django 5.2.8) plus a copy of the running interpreter's standard library, then,
interleaved round by round, times:

  auditor scan --no-cache (cold), auditor scan twice on a warm cache (warm1, warm2),
  bandit -t B602,B603,B604,B605,B606,B102,B307, ruff --select S602,...,S307 --no-cache,
  semgrep with rules/semgrep when that pack and semgrep exist,
  and a pre-commit style run: auditor scan of 5 changed files (cold cache).

It reports medians of --rounds runs (default 3), peak RSS (the largest process of each
run, descendants included), the ratios, and recall: every call site bandit or ruff flags
with those tests must lie inside a finding of ours (same file, line within the span).
auditor runs from a virtualenv made for the run with a plain (non-editable) `pip install`
of this checkout, as a user would have it: a development install's import hooks and
whatever .pth files the main environment carries are not part of the tool's time.
Results go to benchmarks/RESULTS.md between the scan-speed markers. Run on demand:

    python3 benchmarks/scan_speed.py [--rounds 3] [--corpus ansible-core ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "RESULTS.md"
SDISTS = {"ansible-core": "2.19.4", "salt": "3008.5", "django": "5.2.8"}
BANDIT_TESTS = "B602,B603,B604,B605,B606,B102,B307"
RUFF_RULES = "S602,S603,S604,S605,S606,S102,S307"
START, END = "<!-- scan-speed:start -->", "<!-- scan-speed:end -->"


@dataclass
class Run:
    seconds: float
    rss_mb: float
    code: int


@dataclass
class Corpus:
    name: str
    root: Path
    runs: dict[str, list[Run]] = field(default_factory=dict)
    files: int = 0
    missed: list[str] = field(default_factory=list)
    anchor_sites: int = 0
    findings: int = 0
    prefilter_diff: list[str] | None = None
    recovered: list[str] = field(default_factory=list)


def fetch(name: str, version: str) -> Path:
    target = CACHE / "src" / f"{name}-{version}"
    if target.is_dir():
        return target
    downloads = CACHE / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = next(downloads.glob(f"{name.replace('-', '[-_]')}-{version}.tar.gz"), None)
    if archive is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"{name}=={version}", "-d", str(downloads)],
            check=True,
        )  # fmt: skip
        archive = next(downloads.glob(f"{name.replace('-', '[-_]')}-{version}.tar.gz"))
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        (top,) = Path(tmp).iterdir()
        target.parent.mkdir(parents=True, exist_ok=True)
        top.rename(target)
    return target


def stdlib_copy() -> Path:
    version = "".join(map(str, sys.version_info[:2]))
    target = CACHE / "src" / f"stdlib-{version}"
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        source = Path(os.__file__).parent
        shutil.copytree(
            source, target, ignore=shutil.ignore_patterns("site-packages", "__pycache__")
        )
    return target


def timed(argv: list[str], cwd: Path | None = None, out: Path | None = None) -> Run:
    started = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode)


def tool(name: str) -> str | None:
    found = shutil.which(name)
    return found


PYTHON = sys.executable  # the benchmark virtualenv's, set in main(); run with -I (not the checkout)


def install(work: Path) -> str:
    """A virtualenv in ``work`` with this checkout installed (not editable); its python."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(HERE.parent)],
        check=True,
    )  # fmt: skip
    return python


def commands(corpus: Corpus, work: Path) -> dict[str, list[str]]:
    auditor = [PYTHON, "-I", "-m", "auditor", "scan", str(corpus.root), "--format", "json"]
    cache = work / f"cache-{corpus.name}"
    cmds = {
        "auditor cold": [*auditor, "--no-cache"],
        "auditor warm1": [*auditor, "--cache-dir", str(cache)],
        "auditor warm2": [*auditor, "--cache-dir", str(cache)],
    }
    if tool("bandit"):
        cmds["bandit"] = ["bandit", "-r", str(corpus.root), "-t", BANDIT_TESTS, "-f", "json",
                          "-q", "--exit-zero"]  # fmt: skip
    if tool("ruff"):
        cmds["ruff"] = ["ruff", "check", "--no-cache", "--isolated", "--select", RUFF_RULES,
                        "--output-format", "json", "--exit-zero", str(corpus.root)]  # fmt: skip
    pack = HERE.parent / "rules" / "semgrep"
    if tool("semgrep") and pack.is_dir() and any(pack.glob("*.y*ml")):
        cmds["semgrep"] = [
            "semgrep", "scan", "--metrics=off", "--disable-version-check", "--config",
            str(pack), "--json", "--quiet", str(corpus.root),
        ]  # fmt: skip
    return cmds


def changed_files(root: Path, count: int = 5) -> list[str]:
    """Five files that hold sinks, as a pre-commit hook would pass after an edit."""
    picked = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text("utf-8", "replace")
        if "subprocess" in text and len(text) > 2000:
            picked.append(str(path))
        if len(picked) == count:
            break
    return picked


def recall(corpus: Corpus, ours: Path, bandit_out: Path | None, ruff_out: Path | None) -> None:
    doc = json.loads(ours.read_text())
    corpus.findings = len(doc["findings"])
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in doc["findings"]:
        spans.setdefault(os.path.realpath(f["path"]), []).append((f["line"], f["end_line"]))
    anchors: set[tuple[str, int, str]] = set()
    if bandit_out is not None and bandit_out.exists():
        for r in json.loads(bandit_out.read_text()).get("results", []):
            if r["test_id"] not in BANDIT_TESTS.split(","):
                continue
            anchors.add(
                (os.path.realpath(r["filename"]), r["line_number"], f"bandit:{r['test_id']}")
            )
    if ruff_out is not None and ruff_out.exists():
        for r in json.loads(ruff_out.read_text() or "[]"):
            if r.get("code") not in RUFF_RULES.split(","):
                continue  # e.g. invalid-syntax: ruff's parse errors are not call sites
            anchors.add(
                (os.path.realpath(r["filename"]), r["location"]["row"], f"ruff:{r['code']}")
            )
    corpus.anchor_sites = len({(p, line) for p, line, _ in anchors})
    for path, line, who in sorted(anchors):
        if not any(a <= line <= b for a, b in spans.get(path, [])):
            corpus.missed.append(f"{os.path.relpath(path, corpus.root)}:{line} ({who})")


FULL_ANALYSIS = """
import json, sys
from auditor.api import scan
result = scan([sys.argv[1]], prefilter=False)
print(json.dumps({
    "findings": sorted([f.fingerprint, f.path] for f in result.findings),
    "libcst_failed": sorted({e.path for e in result.errors if e.message.startswith("valid Py")}),
}))
"""


def soundness(corpus: Corpus, ours: Path) -> None:
    """The pre-filters and the skeleton parse against the full analysis (every whole file
    through libcst): the same findings, or the difference is printed. Findings that only
    the skeleton parse yields, in files whose whole text libcst cannot parse, are counted
    apart (``recovered``): the skeleton left the unparsable part out."""
    full = subprocess.run(
        [PYTHON, "-I", "-c", FULL_ANALYSIS, str(corpus.root)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    doc = json.loads(full.stdout)
    expected = {fp for fp, _ in doc["findings"]}
    failed = set(doc["libcst_failed"])
    # the Python files' findings only: the scan also audits deployment files (systemd units,
    # sudoers: AUD4xx/AUD5xx), which the full analysis of the Python files does not cover
    got = {
        f["fingerprint"]: f["path"]
        for f in json.loads(ours.read_text())["findings"]
        if f["path"].endswith((".py", ".pyw"))
    }
    corpus.recovered = sorted(
        fp for fp, path in got.items() if fp not in expected and path in failed
    )
    corpus.prefilter_diff = sorted((expected ^ set(got)) - set(corpus.recovered))


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.rss_mb for r in runs),
        max(r.code for r in runs),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", nargs="*", default=[*SDISTS, "stdlib"])
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    parser.add_argument(
        "--no-soundness",
        action="store_true",
        help="skip the full analysis that checks the pre-filters",
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    corpora = []
    for name in args.corpus:
        root = stdlib_copy() if name == "stdlib" else fetch(name, SDISTS[name])
        corpora.append(Corpus(name, root))
    work = Path(tempfile.mkdtemp(prefix="auditor-bench-", dir=CACHE))
    global PYTHON
    PYTHON = install(work)
    for corpus in corpora:  # populate the warm caches, and count files
        run = timed(commands(corpus, work)["auditor warm1"], out=work / f"{corpus.name}.json")
        corpus.files = json.loads((work / f"{corpus.name}.json").read_text())["stats"]["files"]
        print(
            f"{corpus.name}: {corpus.files} files, cache filled in {run.seconds:.1f}s", flush=True
        )
    for round_ in range(args.rounds):
        for corpus in corpora:
            for label, argv in commands(corpus, work).items():
                out = work / f"{corpus.name}.{label.replace(' ', '-')}.out"
                run = timed(argv, out=out)
                corpus.runs.setdefault(label, []).append(run)
                print(f"round {round_ + 1} {corpus.name:12} {label:14} {run.seconds:7.2f}s "
                      f"{run.rss_mb:6.0f} MB exit {run.code}", flush=True)  # fmt: skip
            changed = changed_files(corpus.root)
            argv = [PYTHON, "-I", "-m", "auditor", "scan", *changed, "--no-cache"]
            corpus.runs.setdefault("pre-commit (5 files)", []).append(timed(argv))
    for corpus in corpora:
        recall(
            corpus,
            work / f"{corpus.name}.auditor-cold.out",
            work / f"{corpus.name}.bandit.out",
            work / f"{corpus.name}.ruff.out",
        )
        if not args.no_soundness:
            print(f"{corpus.name}: full analysis for the pre-filter check", flush=True)
            soundness(corpus, work / f"{corpus.name}.auditor-cold.out")
    text = render(corpora, args.rounds)
    print(text)
    if not args.no_write:
        write(text)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0))
    system = f"{platform.system()} {platform.release()}"
    return f"{cpus} CPUs ({model}), {system}, Python {platform.python_version()}"


def render(corpora: list[Corpus], rounds: int) -> str:
    versions = []
    for name in ("bandit", "ruff", "semgrep"):
        if tool(name):
            out = subprocess.run([name, "--version"], capture_output=True, text=True)
            # the version is the last word of the first line ("bandit 1.9.4", then details)
            first = (out.stdout or out.stderr).strip().splitlines()[:1]
            words = first[0].split() if first else []
            versions.append(f"{name} {words[-1] if words else '?'}")
    lines = [
        START,
        "## Scan speed and recall (benchmarks/scan_speed.py)",
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}; medians of {rounds} interleaved "
        f"rounds; peak RSS is the largest process of a run. Anchors: {', '.join(versions)}. "
        f"Load average when the report was written: {os.getloadavg()[0]:.1f} "
        "(other work on the machine slows every tool alike; compare ratios).",
        "",
        "| corpus | files | auditor cold | warm 1 | warm 2 | bandit | ruff | semgrep | "
        "bandit / cold | warm / ruff | pre-commit (5 files) | peak RSS cold |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in corpora:
        m = {label: median(runs) for label, runs in c.runs.items()}

        def s(label: str, m: dict[str, Run] = m) -> str:
            return f"{m[label].seconds:.2f} s" if label in m else "n/a"

        ratio = (
            f"{m['bandit'].seconds / m['auditor cold'].seconds:.1f}x" if "bandit" in m else "n/a"
        )
        warm = f"{m['auditor warm2'].seconds / m['ruff'].seconds:.1f}x" if "ruff" in m else "n/a"
        lines.append(
            f"| {c.name} | {c.files} | {s('auditor cold')} | {s('auditor warm1')} | "
            f"{s('auditor warm2')} | {s('bandit')} | {s('ruff')} | {s('semgrep')} | {ratio} | "
            f"{warm} | {s('pre-commit (5 files)')} | {m['auditor cold'].rss_mb:.0f} MB |"
        )
    lines += ["", "Peak RSS per tool (MB, largest run):", ""]
    for c in corpora:
        parts = [f"{label} {max(r.rss_mb for r in runs):.0f}" for label, runs in c.runs.items()]
        lines.append(f"- {c.name}: " + ", ".join(parts))
    lines += [
        "",
        "Recall against the anchors (every bandit/ruff site inside a finding of ours):",
        "",
    ]
    for c in corpora:
        lines.append(
            f"- {c.name}: {c.anchor_sites} anchor sites, {c.findings} auditor findings, "
            f"{len(c.missed)} missed"
        )
        for miss in c.missed[:50]:
            lines.append(f"  - missed: `{miss}`")
    lines += [
        "",
        "Pre-filter and skeleton soundness (findings equal to the full analysis of every whole"
        " file):",
        "",
    ]
    for c in corpora:
        if c.prefilter_diff is None:
            lines.append(f"- {c.name}: not checked")
        else:
            verdict = "identical" if not c.prefilter_diff else f"{len(c.prefilter_diff)} differ"
            if c.recovered:
                verdict += (
                    f"; {len(c.recovered)} more findings in files whose whole text libcst"
                    " cannot parse (the skeleton left the unparsable part out)"
                )
            lines.append(f"- {c.name}: {verdict}")
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
