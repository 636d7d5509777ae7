#!/usr/bin/env python3
"""How well the origins stage (issue 15) does on code it was not written against.

Three parts, each run on demand and each writing its figures to benchmarks/RESULTS.md
between its own markers (inside the ``origins-eval`` section):

``semgrep``
    semgrep-rules' own labelled Python test files for command and code execution. Each
    ``# ruleid: RULE`` line's next code line must be covered by one of our findings (same
    file, line within the finding's span) whose kind fits the rule (command rules: a
    command sink; code rules: a code sink); for a taint rule the finding must also carry an
    outside origin (not ``internal``/``parameter``). Each ``# ok`` line's next code line
    must not be covered by a *dynamic* finding (a constant or fixed-program one is fine).
    The files are third-party: they are not committed. They live in
    benchmarks/.cache/semgrep-rules/ (git-ignored), copied by hand from the stored public
    copies of the repository semgrep/semgrep-rules (the commit or the stored file's id is
    in ``FILES`` below: there is no fetch verb to script it); benchmarks/origins_eval_check.py
    checks that each copy is whole (it parses and holds the labels it should). Each file is
    scanned alone, as semgrep's test runner does.

``llm``
    Released LLM frameworks and apps from PyPI (wheels, pinned in ``WHEELS``), downloaded
    with pip to benchmarks/.cache/wheels/ and unpacked to benchmarks/.cache/llm/ (the part
    fetches what is missing; ``fetch`` only does that). Each is scanned as one project; the
    findings are counted by rule and origin, and each *known dangerous spot* in ``SPOTS``
    (a place where model output or request data reaches a sink, found by reading the code)
    is looked up: is it flagged, with which origin, and what origin it should have.

``corpora``
    The four speed-benchmark corpora (benchmarks/scan_speed.py fetches them): findings by
    origin, critical findings, and the cost of a scan with the project-wide stage on.

    python3 benchmarks/origins_eval.py semgrep|llm|corpora [--write]
    python3 benchmarks/origins_eval.py fetch   # the LLM wheels only, nothing scanned

A scan that does not finish within ``--timeout`` seconds is reported as such (and the
file or project it hangs on, when it is found by scanning what is left without it).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "RESULTS.md"
SEMGREP = CACHE / "semgrep-rules"
LLM = CACHE / "llm"
OUTSIDE = {"remote-input", "llm-output", "user-input", "file", "environment"}
SECTION = ("<!-- origins-eval:start -->", "<!-- origins-eval:end -->")

# -- semgrep-rules' labelled test files -----------------------------------------------------

# path under benchmarks/.cache/semgrep-rules -> where the stored copy came from
FILES: dict[str, str] = tomllib.loads((HERE / "origins_eval_files.toml").read_text())["files"]

# The rules whose test lines need an outside origin: semgrep taint rules (their sources are
# web requests, sys.argv/os.environ or an AWS Lambda event). The base "dangerous-*" rules are
# taint rules only in the versions stored here with sources (subprocess, system-call,
# os-exec, spawn-process); the asyncio/code-run/subinterpreter/testcapi base files are the
# older pattern versions (their ruleid lines read a bare parameter).
TAINT = re.compile(
    r"tainted|injection|user-e|globals-misuse|^aws-lambda:|"
    r"^dangerous-(subprocess-use|system-call|os-exec|spawn-process)$"
)
CODE_RULES = re.compile(
    r"eval|exec-detected|exec-injection|user-exec|code-run|subinterp|testcapi|"
    r"non-literal-import|globals|code-exec"
)
ANNOTATION = re.compile(r"^\s*#\s*(ruleid|ok|todoruleid|todook|fn|fp)\b\s*(?::\s*([\w.-]+))?")


@dataclass
class Label:
    path: str  # under SEMGREP
    kind: str  # "ruleid" or "ok"
    rule: str  # family-qualified: "flask:subprocess-injection"
    comment_line: int
    line: int  # the code line it labels
    text: str


@dataclass
class Verdict:
    label: Label
    strict: bool = False  # a finding of the right kind covers the line
    lenient: bool = False  # ... or starts a few lines below, before the next label
    outside: bool = False  # that finding has an outside origin
    dynamic_on_ok: bool = False
    said: str = "no finding"


def family(path: str) -> str:
    part = path.split("/")[1]
    return "" if part == "lang" else f"{part}:"


def rule_class(rule: str) -> str:
    return "code" if CODE_RULES.search(rule.split(":")[-1]) else "command"


def is_taint(rule: str) -> bool:
    return bool(TAINT.search(rule)) or bool(TAINT.search(rule.split(":")[-1]))


def labels_of(rel: str, text: str) -> list[Label]:
    lines = text.splitlines()
    found: list[tuple[int, str, str | None]] = []
    for number, line in enumerate(lines, 1):
        match = ANNOTATION.match(line)
        if match:
            found.append((number, match.group(1), match.group(2)))
    named = collections.Counter(r for _, k, r in found if k == "ruleid" and r)
    default = named.most_common(1)[0][0] if named else Path(rel).stem
    out = []
    for number, kind, rule in found:
        if kind not in ("ruleid", "ok"):
            continue  # fn/todoruleid: semgrep's own known misses; not scored
        target = number + 1
        while target <= len(lines) and (
            not lines[target - 1].strip() or lines[target - 1].strip().startswith("#")
        ):
            target += 1
        if target > len(lines):
            continue
        out.append(
            Label(
                rel,
                kind,
                family(rel) + (rule or default),
                number,
                target,
                lines[target - 1].strip(),
            )
        )
    return out


def scan(paths: list[Path], extra: Iterable[str] = (), timeout: float = 600) -> dict[str, Any]:
    argv = [sys.executable, "-m", "auditor", "scan", *map(str, paths), "--format", "json",
            "--no-cache", *extra]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in (0, 2) or not proc.stdout.strip():
        raise RuntimeError(f"auditor scan {paths} failed: {proc.stderr.strip()[-500:]}")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def describe(f: dict[str, Any]) -> str:
    origin = f.get("origin") or "-"
    return f"{f['rule']} {f['payload']} {f['sink']} origin={origin}"


def judge(
    label: Label, findings: list[dict[str, Any]], lines: list[str], others: set[int]
) -> Verdict:
    verdict = Verdict(label)
    want = rule_class(label.rule)
    covering = [f for f in findings if f["line"] <= label.line <= f["end_line"]]
    if label.kind == "ok":
        dynamic = [f for f in covering if f["payload"] == "dynamic"]
        verdict.dynamic_on_ok = bool(dynamic)
        shown = dynamic or covering
        verdict.said = "; ".join(describe(f) for f in shown) if shown else "no finding"
        return verdict
    fitting = [f for f in covering if f["kind"] == want]
    if fitting:
        verdict.strict = verdict.lenient = True
    else:  # semgrep may anchor a multi-line match on a line above the sink
        indent = len(lines[label.line - 1]) - len(lines[label.line - 1].lstrip())
        stop = label.line
        for number in range(label.line + 1, min(len(lines), label.line + 8) + 1):
            text = lines[number - 1]
            if number in others:
                break
            if text.strip() and len(text) - len(text.lstrip()) < indent:
                break
            stop = number
        fitting = [f for f in findings if label.line < f["line"] <= stop and f["kind"] == want]
        verdict.lenient = bool(fitting)
    if fitting:
        best = max(fitting, key=lambda f: f.get("origin") in OUTSIDE)
        verdict.outside = best.get("origin") in OUTSIDE
        verdict.said = describe(best)
    elif covering:
        verdict.said = "wrong kind: " + "; ".join(describe(f) for f in covering)
    return verdict


@dataclass
class RuleStats:
    ruleid: int = 0
    strict: int = 0
    lenient: int = 0
    outside: int = 0
    ok: int = 0
    ok_dynamic: int = 0


def semgrep_part(timeout: float) -> tuple[str, list[Verdict]]:
    missing = [p for p in FILES if not (SEMGREP / p).is_file()]
    if missing:
        raise SystemExit(
            f"{len(missing)} semgrep-rules test files are missing under {SEMGREP} "
            f"(first: {missing[0]}); copy them from the stored public copies (see FILES)"
        )
    verdicts: list[Verdict] = []
    unlabelled = 0
    errors: list[str] = []
    for rel in FILES:
        path = SEMGREP / rel
        text = path.read_text()
        lines = text.splitlines()
        labels = labels_of(rel, text)
        data = scan([path], timeout=timeout)
        errors += [f"{rel}: {e['message']}" for e in data["errors"]]
        findings = data["findings"]
        comments = {lab.comment_line for lab in labels}
        for label in labels:
            verdicts.append(judge(label, findings, lines, comments))
        labelled = {lab.line for lab in labels}
        unlabelled += sum(
            1 for f in findings if not any(f["line"] <= n <= f["end_line"] for n in labelled)
        )
    return render_semgrep(verdicts, unlabelled, errors), verdicts


def render_semgrep(verdicts: list[Verdict], unlabelled: int, errors: list[str]) -> str:
    stats: dict[str, RuleStats] = collections.defaultdict(RuleStats)
    for v in verdicts:
        s = stats[v.label.rule]
        if v.label.kind == "ruleid":
            s.ruleid += 1
            s.strict += v.strict
            s.lenient += v.lenient
            s.outside += v.lenient and v.outside
        else:
            s.ok += 1
            s.ok_dynamic += v.dynamic_on_ok
    total = RuleStats()
    taint = RuleStats()
    for rule, s in stats.items():
        for into in [total] + ([taint] if is_taint(rule) else []):
            for name in ("ruleid", "strict", "lenient", "outside", "ok", "ok_dynamic"):
                setattr(into, name, getattr(into, name) + getattr(s, name))

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"

    precision_tp = total.lenient
    out = [
        f"{len(FILES)} test files, {total.ruleid} `ruleid` lines, {total.ok} `ok` lines "
        f"({len({v.label.rule for v in verdicts})} rules); each file scanned alone.",
        "",
        "| measure | value |",
        "| --- | --- |",
        "| recall, strict (a finding of the rule's kind covers the labelled line) | "
        + pct(total.strict, total.ruleid) + " |",
        "| recall, lenient (or starts a few lines below, before the next label) | "
        + pct(total.lenient, total.ruleid) + " |",
        f"| taint rules: recall with an outside origin | {pct(taint.outside, taint.ruleid)} |",
        f"| taint rules: found at all (lenient) | {pct(taint.lenient, taint.ruleid)} |",
        f"| `ok` lines flagged as dynamic | {pct(total.ok_dynamic, total.ok)} |",
        "| precision on labelled lines: found `ruleid` / (found `ruleid` + dynamic `ok`) | "
        + pct(precision_tp, precision_tp + total.ok_dynamic) + " |",
        f"| findings on unlabelled lines (not scored) | {unlabelled} |",
        f"| files the scanner could not analyse | {len(errors)} |",
        "",
        "| rule | kind | taint | ruleid | found (strict / lenient) | outside origin | ok "
        "| ok flagged dynamic |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for rule in sorted(stats):
        s = stats[rule]
        outside = f"{s.outside}" if is_taint(rule) else "n/a"
        out.append(
            f"| {rule} | {rule_class(rule)} | {'yes' if is_taint(rule) else 'no'} | {s.ruleid} "
            f"| {s.strict} / {s.lenient} | {outside} | {s.ok} | {s.ok_dynamic} |"
        )
    out += [
        "",
        "Every disagreement (file:line of the labelled code line, the line, what we said):",
        "",
    ]
    for v in verdicts:
        lab = v.label
        where = f"`{lab.path.removeprefix('python/')}:{lab.line}`"
        if lab.kind == "ruleid" and not v.lenient:
            out.append(f"- MISS {lab.rule}: {where} `{lab.text[:90]}`: {v.said}")
        elif lab.kind == "ruleid" and is_taint(lab.rule) and not v.outside:
            out.append(f"- ORIGIN {lab.rule}: {where} `{lab.text[:90]}`: {v.said}")
        elif lab.kind == "ok" and v.dynamic_on_ok:
            out.append(f"- OK-FLAGGED {lab.rule}: {where} `{lab.text[:90]}`: {v.said}")
    for error in errors:
        out.append(f"- ERROR {error}")
    return "\n".join(out)


# -- LLM frameworks and apps ------------------------------------------------------------------

WHEELS: dict[str, str] = {
    "langchain-experimental": "0.4.2",
    "langchain-community": "0.4.2",
    "llama-index-core": "0.14.25",
    "llama-index-experimental": "0.6.6",
    "autogen-ext": "0.7.5",
    "open-interpreter": "0.4.3",
    "smolagents": "1.26.0",
    "crewai-tools": "1.15.30",
    "vanna": "2.0.2",
    "pandasai": "2.4.2",
    "gpt-researcher": "0.16.1",
    "gptme": "0.27.0",
}
# wheels that need another interpreter version than this one to be chosen by pip
PYTHON_VERSION = {"gpt-researcher": "3.12"}
# Files whose scan does not finish (see the report): excluded so that the rest is measured.
# (open-interpreter's display/point/point.py and core/respond.py were, until the project
# stage's instances were memoised: they finish now.)
HANGS: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Spot:
    """A place, found by reading the code, where model output (or request data) reaches a
    sink: the file, a regex for its line, the origin a reviewer gives it, and why."""

    package: str
    path: str
    pattern: str
    expected: str
    why: str


SPOTS = [
    Spot("langchain-experimental", "langchain_experimental/tools/python/tool.py",
         r"exec\(ast\.unparse\(module\)", "llm-output",
         "PythonAstREPLTool._run(query): the agent's model fills in `query`"),
    Spot("langchain-experimental", "langchain_experimental/utilities/python.py",
         r"exec\(cleaned_command", "llm-output",
         "PythonREPL.run <- PythonREPLTool._run (model-filled tool input) and PALChain._call "
         "(self.llm_chain.predict(...) output)"),
    Spot("langchain-experimental", "langchain_experimental/llm_bash/bash.py",
         r"output = subprocess\.run\($", "llm-output",
         "BashProcess._run <- LLMBashChain._call: self.llm_chain.predict -> parser.parse -> "
         "self.bash_process.run(commands)"),
    Spot("langchain-experimental", "langchain_experimental/cpal/models.py",
         r"exec\(entity\.code", "llm-output",
         "CPAL: entity.code is a field of a pydantic model parsed from the chain's output"),
    Spot("llama-index-experimental", "llama_index/experimental/exec_utils.py",
         r"^\s+return exec\(__source", "llm-output",
         "PandasQueryEngine._query: self._llm.predict(...) -> self._instruction_parser.parse "
         "-> default_output_processor -> safe_exec"),
    Spot("llama-index-experimental", "llama_index/experimental/exec_utils.py",
         r"^\s+return eval\(__source", "llm-output",
         "the same path, safe_eval of the last expression"),
    Spot("smolagents", "smolagents/local_python_executor.py",
         r"import_module\(alias\.name\)", "llm-output",
         "CodeAgent._step_stream: self.model.generate -> parse_code_blobs -> "
         "self.python_executor(code_action) -> LocalPythonExecutor.__call__ -> evaluate_ast"),
    Spot("pandasai", "pandasai/pipelines/chat/code_execution.py",
         r"exec\(code, environment\)", "llm-output",
         "CodeGenerator: config.llm.generate_code(...) -> pipeline -> CodeExecution.execute_code"),
    Spot("vanna", "vanna/legacy/base/base.py", r"exec\(plotly_code", "llm-output",
         "VannaBase.ask / the legacy Flask API: generate_plotly_code -> self.submit_prompt "
         "(an LLM call implemented by subclasses) -> get_plotly_figure; the Flask route feeds "
         "request args into the prompt"),
    Spot("vanna", "vanna/tools/file_system.py", r"create_subprocess_shell\(", "llm-output",
         "LocalFileSystem.run_bash <- RunPythonFileTool.execute(args) (vanna's own Tool base "
         "class): the model names the file (that WriteFileTool let it write) and its arguments"),
    Spot("autogen-ext", "autogen_ext/code_executors/local/__init__.py",
         r"^\s+asyncio\.create_subprocess_exec\($", "parameter",
         "LocalCommandLineCodeExecutor.execute_code_blocks: model code written to a script and "
         "run; the caller (an agent) is in another package, so `parameter` is right here"),
    Spot("open-interpreter", "interpreter/core/computer/skills/skills.py", r"exec\(skill_string",
         "llm-output", "NewSkill.add_step(code): the model teaches a skill; the code is exec'd"),
    Spot("open-interpreter", "interpreter/computer_use/tools/run.py",
         r"create_subprocess_shell\(", "llm-output",
         "ComputerTool/BashTool: the Anthropic computer-use model chooses the command"),
    Spot("gptme", "gptme/tools/python.py", r"_ipython\.run_cell\($", "llm-output",
         "execute_python(code) is the `execute` of the ipython ToolSpec: the model writes "
         "the block, IPython runs it"),
    Spot("gptme", "gptme/tools/tmux.py", r'^        " "\.join\(cmd\),$', "llm-output",
         "execute_tmux(code) (a ToolSpec's execute) -> new_session(command): the model's "
         "command, joined into a shell string"),
    Spot("gptme", "gptme/tools/shell.py", r"self\.process = subprocess\.Popen\($",
         "llm-output",
         "ShellSession keeps Popen([\"bash\"], stdin=PIPE) and execute_shell(code) writes the "
         "model's commands into its stdin (the payload is not an argument of the call)"),
]  # fmt: skip


def fetch_wheels() -> dict[str, Path]:
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, version in WHEELS.items():
        stem = f"{name.replace('-', '_')}-{version}"
        target = LLM / stem
        if not target.is_dir():
            found = next(wheels.glob(f"{stem}-*.whl"), None)
            if found is None:
                extra = []
                if name in PYTHON_VERSION:
                    extra = ["--python-version", PYTHON_VERSION[name]]
                subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                     "--only-binary", ":all:", *extra, f"{name}=={version}", "-d", str(wheels)],
                    check=True,
                )  # fmt: skip
                found = next(wheels.glob(f"{stem}-*.whl"))
            with zipfile.ZipFile(found) as archive:
                members = [m for m in archive.namelist() if ".dist-info/" not in m]
                archive.extractall(target, members)
        out[name] = target
    return out


def line_of(path: Path, pattern: str) -> int | None:
    regex = re.compile(pattern)
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if regex.search(line):
            return number
    return None


def llm_part(timeout: float) -> str:
    roots = fetch_wheels()
    rows = []
    results: dict[str, dict[str, Any]] = {}
    for name, root in roots.items():
        extra = [x for glob in HANGS.get(name, []) for x in ("--exclude", glob)]
        started = time.perf_counter()
        try:
            # resolved: the policy's root is (a link to the cache would hide module names
            # from an auditor older than the fix of that)
            data = scan([root.resolve()], extra, timeout=timeout)
        except subprocess.TimeoutExpired:
            rows.append(f"| {name} {WHEELS[name]} | | did not finish in {timeout:.0f} s | | | |")
            results[name] = {"findings": []}
            continue
        seconds = time.perf_counter() - started
        results[name] = data
        findings = data["findings"]
        rules = collections.Counter(f["rule"] for f in findings)
        origins = collections.Counter(f.get("origin") or "constant" for f in findings)
        files = sum(1 for _ in root.rglob("*.py"))
        rows.append(
            f"| {name} {WHEELS[name]} | {files} | {len(findings)} | "
            + ", ".join(f"{r} {n}" for r, n in sorted(rules.items()))
            + " | "
            + ", ".join(f"{o} {n}" for o, n in origins.most_common())
            + f" | {seconds:.1f} |"
        )
    out = [
        "| package | .py files | findings | by rule | by origin | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Files left out because their scan does not finish: "
        + ("; ".join(f"{k}: {', '.join(v)}" for k, v in HANGS.items() if v) or "none"),
        "",
        "Known dangerous spots (read by hand), and what the scan says of each:",
        "",
        "| package | spot | should be | we say | flow's first step |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spot in SPOTS:
        root = roots[spot.package]
        path = root / spot.path
        line = line_of(path, spot.pattern) if path.is_file() else None
        said, first = "spot not found in this version", ""
        if line is not None:
            hits = [
                f for f in results[spot.package]["findings"]
                if f["path"].endswith(spot.path) and f["line"] <= line <= f["end_line"]
            ]  # fmt: skip
            if hits:
                f = hits[0]
                said = f"{f['rule']} origin={f.get('origin')}"
                if f["flow"]:
                    step = f["flow"][0]
                    first = f"{Path(step['path']).name}:{step['line']} {step['note'][:90]}"
            else:
                said = "no finding"
        verdict = "ok" if said.endswith(f"origin={spot.expected}") else "**differs**"
        out.append(
            f"| {spot.package} | `{spot.path.split('/')[-1]}:{line}` {spot.why} "
            f"| {spot.expected} | {said} ({verdict}) | {first} |"
        )
    return "\n".join(out)


# -- the four corpora -------------------------------------------------------------------------


def corpora_part(timeout: float) -> str:
    sys.path.insert(0, str(HERE))
    import scan_speed

    roots = [scan_speed.fetch(n, v).resolve() for n, v in scan_speed.SDISTS.items()]
    roots.append(scan_speed.stdlib_copy().resolve())
    out = [
        "| corpus | files | findings | critical | by origin | seconds (cold, one run) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for root in roots:
        started = time.perf_counter()
        try:
            data = scan([root], timeout=timeout)
        except subprocess.TimeoutExpired:
            out.append(f"| {root.name} | - | did not finish in {timeout:.0f} s | | | |")
            continue
        seconds = time.perf_counter() - started
        findings = data["findings"]
        origins = collections.Counter(f.get("origin") or "constant" for f in findings)
        critical = sum(1 for f in findings if f["risk"] == "critical")
        out.append(
            f"| {root.name} | {data['stats']['files']} | {len(findings)} | {critical} | "
            + ", ".join(f"{o} {n}" for o, n in origins.most_common())
            + f" | {seconds:.1f} |"
        )
    return "\n".join(out)


# -- RESULTS.md -------------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node() or 'host'}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} when the figures were written"
    )


def write(part: str, body: str) -> None:
    start, end = f"<!-- origins-eval-{part}:start -->", f"<!-- origins-eval-{part}:end -->"
    stamp = (
        f"_Generated {dt.date.today().isoformat()} by `benchmarks/origins_eval.py {part}`; "
        f"{machine()}._"
    )
    block = f"{start}\n{stamp}\n\n{body}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    elif SECTION[1] in text:
        head, tail = text.split(SECTION[1], 1)
        text = head + block + "\n\n" + SECTION[1] + tail
    else:
        text = (
            text.rstrip("\n")
            + f"\n\n{SECTION[0]}\n## Origins evaluation\n\n{block}\n\n{SECTION[1]}\n"
        )
    RESULTS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["semgrep", "llm", "corpora", "fetch"])
    parser.add_argument("--write", action="store_true", help="write the figures to RESULTS.md")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per scan")
    args = parser.parse_args()
    if args.part == "fetch":
        for name, root in fetch_wheels().items():
            print(f"{name} {WHEELS[name]}: {root}")
        return 0
    if args.part == "semgrep":
        body, _ = semgrep_part(args.timeout)
    elif args.part == "llm":
        body = llm_part(args.timeout)
    else:
        body = corpora_part(args.timeout)
    print(body)
    if args.write:
        write(args.part, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
