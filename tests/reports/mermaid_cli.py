"""The real Mermaid CLI (``@mermaid-js/mermaid-cli``, npm) with Debian's chromium, for the
tests that render the audit document's diagrams: a syntax error fails the test.

``.ci/run`` installs both (``npm ci`` in ``.ci/mermaid``, ``apt-get install chromium``) and
exports ``AUDITOR_MMDC``; where npm is unreachable it exports ``AUDITOR_MMDC_SKIP`` with the
reason instead, and the tests skip with it. Under ``CI`` a missing tool is a failure, not a
skip; elsewhere the tests skip and say how to install it.

``python -m tests.reports.mermaid_cli OUT_DIR`` renders the example's audit (both languages)
into ``OUT_DIR/<lang>/`` (as ``docs/diagrams/`` is made)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL_MMDC = ROOT / ".ci" / "mermaid" / "node_modules" / ".bin" / "mmdc"
_BLOCK = re.compile(r"^([ \t]*)```mermaid[ \t]*\n(.*?)^\1```[ \t]*$", re.S | re.M)
# chromium as root in a container: no sandbox of its own (puppeteer's --no-sandbox), and
# none of the background traffic this closed network refuses
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class RenderError(AssertionError):
    """mmdc refused a diagram (its message says which line)."""


def blocks(markdown: str) -> list[str]:
    """The ```` ```mermaid ```` blocks of a markdown text, indentation removed (a block
    inside a list item is indented)."""
    return [textwrap.dedent(m.group(2)) for m in _BLOCK.finditer(markdown)]


def name_of(block: str, index: int) -> str:
    """A file name that says what the diagram shows: ``risk-pie``, ``folders``,
    ``architecture``, or ``flow-<file>-<line>`` for a site's flow."""
    body = "\n".join(line for line in block.splitlines() if not line.startswith("%%"))
    kind = body.split(None, 1)[0]
    if kind == "pie":
        name = "risk-pie"
    elif kind.startswith("xychart"):
        name = "folders"
    elif "subgraph layers" in body:
        name = "architecture"
    else:
        sink = re.search(r'\[\["(?:<b>)?([^"<]*)', body)
        where = sink.group(1) if sink else str(index)
        name = "flow-" + re.sub(r"[^A-Za-z0-9.]+", "-", where).strip("-")
    return f"{index:02d}-{name}"


def _fail_or_skip(what: str) -> None:
    reason = os.environ.get("AUDITOR_MMDC_SKIP")
    if reason:
        pytest.skip(f"{what}: {reason}")
    if os.environ.get("CI"):
        pytest.fail(f"{what}, and CI must have it (bash .ci/run installs it)")
    else:
        pytest.skip(f"{what}: install it with `npm ci --prefix .ci/mermaid` (bash .ci/run does)")


def tools() -> tuple[Path, Path]:
    """mmdc and chromium, or a skip/failure that says why not."""
    given = os.environ.get("AUDITOR_MMDC")
    found = shutil.which("mmdc")
    mmdc = Path(given) if given else LOCAL_MMDC if LOCAL_MMDC.exists() else found and Path(found)
    if not mmdc or not mmdc.exists():
        _fail_or_skip("the Mermaid CLI (mmdc) is not installed")
    chromium = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium")
    if not chromium or not Path(chromium).exists():
        _fail_or_skip("Debian's chromium is not installed")
    assert mmdc and chromium
    return Path(mmdc), Path(chromium)


def render(sources: list[str], out_dir: Path, fmt: str = "png") -> list[Path]:
    """Render each diagram source to ``out_dir/<name>.<fmt>`` with one mmdc run (one
    browser); raise :class:`RenderError` with mmdc's message when one does not parse."""
    mmdc, chromium = tools()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".mmdc"
    work.mkdir(exist_ok=True)
    config = work / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": str(chromium), "args": CHROMIUM_ARGS}), "utf-8")
    document = "\n\n".join(f"```mermaid\n{source}\n```" for source in sources)
    (work / "in.md").write_text(document + "\n", "utf-8")
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(chromium),
        "PUPPETEER_SKIP_DOWNLOAD": "1",
        "HOME": str(work),  # chromium's profile and crash folders: not the user's
    }
    done = subprocess.run(
        [str(mmdc), "-p", str(config), "-i", str(work / "in.md"), "-o", str(work / "out.md"),
         "-e", fmt, "-s", "2", "-b", "white", "-q"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().split("\n    at ", 1)[0]
        raise RenderError(f"mmdc failed (exit {done.returncode}): {message}")
    out = []
    for index, source in enumerate(sources, start=1):
        made = work / f"out-{index}.{fmt}"
        if not made.is_file():
            raise RenderError(f"mmdc wrote no image for diagram {index}:\n{source}")
        target = out_dir / f"{name_of(source, index)}.{fmt}"
        made.replace(target)
        out.append(target)
    shutil.rmtree(work)
    return out


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and a check that it is a PNG)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def example_audits(workdir: Path) -> dict[str, str]:
    """The bundled example's audit in both languages, as ``auditor report`` writes it
    there (a copy of the example, a fixed date)."""
    from auditor.api import scan
    from auditor.formats import audit_fixes
    from auditor.judge.policy import load_policy
    from auditor.reports import LANGS, audit

    copy = workdir / "llm_backend"
    if not copy.exists():
        shutil.copytree(ROOT / "examples" / "llm_backend", copy)
    here = Path.cwd()
    os.chdir(copy)
    try:
        policy = load_policy(copy)
        result = scan(["."], policy=policy)
        fixes = audit_fixes(result, policy)
        meta = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=(".",))
        return {
            lang: audit.render(result, policy, lang=lang, meta=meta, fixes=fixes) for lang in LANGS
        }
    finally:
        os.chdir(here)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.reports.mermaid_cli OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for lang, text in example_audits(Path(tmp)).items():
            target = out / lang
            for old in target.glob("*.png"):
                old.unlink()
            for path in render(blocks(text), target):
                width, height = png_size(path)
                print(f"{path}: {width}x{height}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
