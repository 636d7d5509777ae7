#!/usr/bin/env python3
"""What the audit document and the migration plan cost against the scan, and proof that the
faster planning changed no output (issue 17).

On the benchmark corpora of ``scan_speed.py`` (benchmarks/.cache/src: ansible-core 2.19.4,
salt 3008.5, django 5.2.8, a copy of the running interpreter's standard library; fetched by
that script when missing) and the bundled example (examples/llm_backend), interleaved round
by round, it times:

  auditor scan --no-cache (the cold scan every target is measured against),
  auditor report --no-cache (cold), auditor report on a warm cache (nothing changed),
  auditor migrate --no-cache (dry run, cold), auditor migrate on a warm cache.

Targets: report cold at most 2x the cold scan, report warm at most half of the cold scan,
migrate dry run cold at most 2x the cold scan.

Equality: the audit document and the dry run's diff and summary, cold and warm, must be byte
for byte those of a reference revision (``--reference``) run on the same folders. The default
reference is the branch ``ref17-slow-planning``: main with only the planning put back as it was
before issue 17 (auditor/codemod_support.py as of 6a52532, i.e. 01b2382's: libcst's position,
scope and parent metadata resolved for the whole module on a copy, a full transform, libcst's
scope analysis to drop an import a rewrite left unused; every file planned in one process by
``planning.plan_file``, analysed again, no cache), the scanner, the project stage and the
report templates being main's. It is a reference only, never merged: it lives as a branch of
this repository (make it again from main by those two changes when main's scanner moves on,
so that the check keeps comparing the planning alone). 01b2382 (main before issue 17's work
was merged) is no longer a fair reference: since then issue 15 changed the scanner's outputs on
purpose (origins, flows, launchers, the project stage), so a difference with it mixes those
changes with planning bugs. The reference's outputs are made once per commit (not per name: a
branch moves) and kept in benchmarks/.cache/reference/; each output that differs is written in
full, as a unified diff, to benchmarks/.cache/report-speed-diffs/ for reading.
Every run gets the same ``SOURCE_DATE_EPOCH`` and runs at the corpus root with
``GIT_CEILING_DIRECTORIES`` set to its parent, so that a corpus inside a git work tree reads
as an unpacked sdist (no commit line in the document, files found by walking). The checkout
and the reference are each installed (not editable) in a virtualenv made for the run.
Results go to benchmarks/RESULTS.md between the report-speed markers, with the date, the
machine and its load average before and after, the spread of the rounds and a ``--note``.
The corpora are those of benchmarks/.cache/src (a symbolic link to a shared copy will do:
they are only read). Run on demand:

    python3 benchmarks/report_speed.py [--rounds 3] [--corpus ansible-core example ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scan_speed import SDISTS, fetch, machine, stdlib_copy  # noqa: E402

CACHE = HERE / ".cache"
RESULTS = HERE / "RESULTS.md"
REFERENCE = "ref17-slow-planning"  # main with the pre-issue-17 planning (see the docstring)
DIFFS = CACHE / "report-speed-diffs"  # each output that differs, in full
START, END = "<!-- report-speed:start -->", "<!-- report-speed:end -->"
EPOCH = "1767225600"  # 2026-01-01: the document's date, the same for every run
EXAMPLE = HERE.parent / "examples" / "llm_backend"
LABELS = ("scan cold", "report cold", "report warm", "migrate cold", "migrate warm")
# the outputs compared with the reference: (label, stdout or stderr)
COMPARED = (
    ("report cold", "out"),
    ("report warm", "out"),
    ("migrate cold", "out"),
    ("migrate cold", "err"),
    ("migrate warm", "out"),
    ("migrate warm", "err"),
)


@dataclass
class Corpus:
    name: str
    root: Path
    seconds: dict[str, list[float]] = field(default_factory=dict)
    codes: dict[str, set[int]] = field(default_factory=dict)
    differ: list[str] = field(default_factory=list)
    reference_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Output:
    seconds: float
    code: int
    out: bytes
    err: bytes


XDG = CACHE / "report-speed-xdg"  # the user's cache folder of these runs, not the real one


def environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
    env["XDG_CACHE_HOME"] = str(XDG)
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env["GIT_CEILING_DIRECTORIES"] = str(root.parent)
    env.pop("CI", None)
    return env


def run(python: str, argv: list[str], root: Path) -> Output:
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-I", "-m", "auditor", *argv],
        cwd=root,
        env=environment(root),
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    return Output(seconds, done.returncode, done.stdout, done.stderr)


def commands(cache: Path) -> dict[str, list[str]]:
    warm = ["--cache-dir", str(cache)]
    return {
        "scan cold": ["scan", ".", "--format", "json", "--no-cache"],
        "report cold": ["report", ".", "--no-cache"],
        "report warm": ["report", ".", *warm],
        "migrate cold": ["migrate", ".", "--no-cache"],
        "migrate warm": ["migrate", ".", *warm],
    }


def install(work: Path, name: str, source: Path) -> str:
    venv = work / f"venv-{name}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        check=True,
    )
    return python


def resolve(rev: str) -> str | None:
    """The commit ``rev`` names in this repository, or None."""
    done = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def reference_outputs(rev: str, corpora: list[Corpus], work: Path) -> Path:
    """The reference commit's document and dry run of each corpus (made once per commit:
    they are slow, which is the point of issue 17)."""
    folder = CACHE / "reference" / rev
    missing = [c for c in corpora if not (folder / f"{c.name}.done").exists()]
    if missing:
        source = work / f"source-{rev}"
        source.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(HERE.parent), "archive", rev], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        python = install(work, f"reference-{rev}", source)
        folder.mkdir(parents=True, exist_ok=True)
        for corpus in missing:
            print(f"{corpus.name}: the reference ({rev}) outputs", flush=True)
            times = []
            for label, argv in (
                ("report", ["report", ".", "--no-cache"]),
                ("migrate", ["migrate", "."]),
            ):
                done = run(python, argv, corpus.root)
                (folder / f"{corpus.name}.{label}.out").write_bytes(done.out)
                (folder / f"{corpus.name}.{label}.err").write_bytes(done.err)
                times.append(f"{label} {done.seconds:.2f} {done.code}")
            (folder / f"{corpus.name}.done").write_text("\n".join(times) + "\n")
    for corpus in corpora:
        for line in (folder / f"{corpus.name}.done").read_text().splitlines():
            label, seconds, _ = line.split()
            corpus.reference_seconds[label] = float(seconds)
    return folder


def compare(corpus: Corpus, label: str, stream: str, got: bytes, folder: Path) -> None:
    kind = label.split()[0]
    expected = (folder / f"{corpus.name}.{kind}.{stream}").read_bytes()
    if got == expected:
        return
    lines = list(
        difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(),
            got.decode("utf-8", "replace").splitlines(),
            "reference",
            "this checkout",
            lineterm="",
            n=0,
        )
    )
    name = f"{corpus.name}.{label.replace(' ', '-')}.{stream}.diff"
    DIFFS.mkdir(parents=True, exist_ok=True)
    (DIFFS / name).write_text("\n".join(lines) + "\n")
    corpus.differ.append(
        f"{label} ({stream}): {len(lines)} diff lines (report-speed-diffs/{name}), "
        f"first: {lines[2:4]}"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", nargs="*", default=[*SDISTS, "stdlib", "example"])
    parser.add_argument("--reference", default=REFERENCE, help="git revision to compare with")
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    parser.add_argument("--note", default="", help="a paragraph to add under the figures")
    args = parser.parse_args()
    commit = resolve(args.reference)
    if commit is None:
        print(
            f"report_speed.py: --reference {args.reference}: no such revision in this "
            "repository (the default, ref17-slow-planning, is a local reference branch: see "
            "the docstring)",
            file=sys.stderr,
        )
        return 2
    reference = f"{args.reference} ({commit[:7]})"
    CACHE.mkdir(exist_ok=True)
    shutil.rmtree(DIFFS, ignore_errors=True)  # this run's differences only
    load_before = load()
    work = Path(tempfile.mkdtemp(prefix="auditor-report-bench-", dir=CACHE))
    corpora = []
    for name in args.corpus:
        if name == "example":  # a copy outside the checkout's git work tree
            root = work / "src" / "llm_backend"
            shutil.copytree(EXAMPLE, root)
        elif name == "stdlib":
            root = stdlib_copy()
        else:
            root = fetch(name, SDISTS[name])
        corpora.append(Corpus(name, root))
    folder = reference_outputs(commit, corpora, work)
    python = install(work, "checkout", HERE.parent)
    for corpus in corpora:  # fill the warm cache (a report, then a dry run: both are kept)
        cache = work / f"cache-{corpus.name}"
        filled = [run(python, commands(cache)[label], corpus.root) for label in LABELS[2::2]]
        print(f"{corpus.name}: cache filled in {sum(o.seconds for o in filled):.1f}s", flush=True)
    for round_ in range(args.rounds):
        for corpus in corpora:
            for label, argv in commands(work / f"cache-{corpus.name}").items():
                done = run(python, argv, corpus.root)
                corpus.seconds.setdefault(label, []).append(done.seconds)
                corpus.codes.setdefault(label, set()).add(done.code)
                for compared, stream in COMPARED:
                    if compared == label:
                        compare(corpus, label, stream, getattr(done, stream), folder)
                print(
                    f"round {round_ + 1} {corpus.name:12} {label:13} {done.seconds:7.2f}s "
                    f"exit {done.code}",
                    flush=True,
                )
    text = render(corpora, args.rounds, reference, load_before, load(), args.note)
    print(text)
    if not args.no_write:
        write(text)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if any(c.differ for c in corpora) else 0


def render(
    corpora: list[Corpus],
    rounds: int,
    reference: str,
    load_before: str,
    load_after: str,
    note: str = "",
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## Report and migration speed (benchmarks/report_speed.py)",
        "",
        f"Measured {now} on {machine()}; medians of {rounds} interleaved rounds; load average "
        f"(1, 5, 15 min) {load_before} before, {load_after} after (the machine is shared). "
        "Targets (issue 17): report cold at most 2x the cold scan, report warm (nothing "
        "changed) at most half of it, migrate dry run cold at most 2x.",
        "",
        "| corpus | scan cold | report cold | report warm | migrate cold | migrate warm | "
        "report cold / scan | report warm / scan | migrate cold / scan | "
        f"{reference}: report, migrate (one run) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in corpora:
        m = {label: statistics.median(s) for label, s in c.seconds.items()}
        scan = m["scan cold"]
        ref = c.reference_seconds
        lines.append(
            f"| {c.name} | {scan:.2f} s | {m['report cold']:.2f} s | {m['report warm']:.2f} s | "
            f"{m['migrate cold']:.2f} s | {m['migrate warm']:.2f} s | "
            f"{m['report cold'] / scan:.2f}x | {m['report warm'] / scan:.2f}x | "
            f"{m['migrate cold'] / scan:.2f}x | "
            f"{ref.get('report', 0):.1f} s, {ref.get('migrate', 0):.1f} s |"
        )
    lines += ["", "Spread of the rounds (min-max, seconds):", ""]
    for c in corpora:
        spread = ", ".join(f"{label} {min(s):.2f}-{max(s):.2f}" for label, s in c.seconds.items())
        lines.append(f"- {c.name}: {spread}")
    if note:
        lines += ["", note]
    lines += [
        "",
        f"Outputs against {reference} (the document; the dry run's diff and summary; cold and "
        "warm):",
        "",
    ]
    for c in corpora:
        codes = ", ".join(f"{label} {sorted(c.codes[label])}" for label in LABELS)
        verdict = "identical" if not c.differ else f"{len(c.differ)} differ"
        lines.append(f"- {c.name}: {verdict} (exit codes: {codes})")
        lines.extend(f"  - {d}" for d in c.differ[:10])
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
