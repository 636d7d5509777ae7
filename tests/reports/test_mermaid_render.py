"""Every Mermaid diagram of the bundled example's audit, in both languages, rendered by the
real Mermaid CLI and Debian's chromium (see ``mermaid_cli.py``): a diagram that does not
parse fails here. Labels with quotes, brackets, pipes, entities and accents come out as
written. ``AUDITOR_UPDATE_DIAGRAMS=1`` also writes the PNGs to ``docs/diagrams/<lang>/``
(then LOOK at them)."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import mermaid_cli as cli
import pytest

from auditor.reports import LANGS, diagrams

DOCS = cli.ROOT / "docs" / "diagrams"
# what each file of the example's audit shows (mermaid_cli.name_of)
EXPECTED = [
    "01-flow-app-chat.py-26",
    "02-flow-app-chat.py-31",
    "03-flow-app-chat.py-35",
    "04-flow-app-codegen.py-27",
    "05-flow-app-tools.py-17",
    "06-flow-app-tools.py-22",
    "07-flow-app-tools.py-34",
    "08-risk-pie",
    "09-folders",
    "10-flow-app-tools.py-13",
    "11-flow-app-tools.py-26",
    "12-flow-scripts-canonical-reindex.py-10",
    "13-architecture",
]


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return cli.example_audits(tmp_path_factory.mktemp("example"))


def test_the_example_audit_has_every_kind_of_diagram(audits: dict[str, str]) -> None:
    for lang in LANGS:
        sources = cli.blocks(audits[lang])
        names = [cli.name_of(s, i) for i, s in enumerate(sources, start=1)]
        assert names == EXPECTED, lang


def test_docs_hold_the_rendered_diagrams_of_the_example(audits: dict[str, str]) -> None:
    """docs/diagrams/ is in step with the document: one PNG per diagram, named as now."""
    for lang in LANGS:
        shown = sorted(p.stem for p in (DOCS / lang).glob("*.png"))
        assert shown == EXPECTED, f"regenerate: AUDITOR_UPDATE_DIAGRAMS=1 pytest {__file__}"
        for name in shown:
            width, height = cli.png_size(DOCS / lang / f"{name}.png")
            assert width >= 300 and height >= 200


@pytest.mark.parametrize("lang", LANGS)
def test_every_diagram_of_the_example_renders(
    lang: str, audits: dict[str, str], tmp_path: Path
) -> None:
    sources = cli.blocks(audits[lang])
    made = cli.render(sources, tmp_path)
    assert [p.stem for p in made] == EXPECTED
    for path in made:
        width, height = cli.png_size(path)
        assert width >= 300 and height >= 200, path  # a diagram, not an error stub
    if os.environ.get("AUDITOR_UPDATE_DIAGRAMS") == "1":
        target = DOCS / lang
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.png"):
            old.unlink()
        for path in made:
            shutil.copy2(path, target / path.name)


HOSTILE = 'a "quoted" [b] {c} (d) |pipe| #x; `tick` <script>&amp; \\ ção ü 🔴'


def _svg_text(path: Path) -> str:
    """The text a reader sees in a rendered SVG (labels are HTML in foreignObject)."""
    root = ET.fromstring(path.read_text("utf-8"))
    return " ".join(" ".join(root.itertext()).split())


def test_hostile_labels_render_as_written(tmp_path: Path) -> None:
    flow = diagrams.flow(
        [(f"app/{HOSTILE}.py:3", f"step {HOSTILE}"), ("b.py:4", "passed on")],
        "Saída do LLM",
        [f"{HOSTILE}.py:9", f"os.system({HOSTILE})", "Comando de shell (AUD001)"],
    )
    arch = diagrams.architecture(
        diagrams.Architecture(
            must=[f"must {HOSTILE}"], review=[], may=[f"commands matching {HOSTILE}"] * 12,
            layers=[f"layer {HOSTILE}", "runs"], sites=3, sandbox="1", review_sites="0",
            direct_sites="2",
        ),
        diagrams.Words(
            {
                "site": "{n} sites", "decide": "What?", "edge_must": "built", "edge_review": "?",
                "edge_may": "constant", "must": "Must", "review": "Review", "may": "May",
                "by_hand": "Person", "direct": "Direct", "sandbox": "Sandbox",
                "layers": f"Layers {HOSTILE}", "result": "Result", "more": "and {n} more",
            }
        ),
    )  # fmt: skip
    pie = diagrams.risk_pie(
        {"high": 2, "low": 1}, {"high": f"High {HOSTILE}", "low": "Low"}, HOSTILE
    )
    bars = diagrams.folder_bars(
        [(HOSTILE, {"high": 2, "low": 1}), ("b", {"critical": 1})], HOSTILE, "sites"
    )
    made = cli.render([flow, arch, pie, bars], tmp_path, fmt="svg")
    flow_text, arch_text, pie_text, bars_text = (_svg_text(p) for p in made)
    expected = " ".join(HOSTILE.split())
    assert f"step {expected}" in flow_text
    assert f"os.system({expected})" in flow_text
    assert f"must {expected}" in arch_text and f"layer {expected}" in arch_text
    assert "and 4 more" in arch_text  # 12 trust rules: 8 shown
    assert f"High {expected}" in pie_text
    assert expected in bars_text


def test_a_syntax_error_fails_the_render(tmp_path: Path) -> None:
    broken = 'flowchart TD\n    a["unescaped "quote" here"] --> b\n'
    with pytest.raises(cli.RenderError, match=r"Parse error|Syntax error|Expecting"):
        cli.render([diagrams.risk_pie({"low": 1}, {"low": "Low"}, "ok"), broken], tmp_path)


def test_unescaped_text_would_break_the_flowchart(tmp_path: Path) -> None:
    """What text() prevents: the same hostile label written as it is does not parse."""
    raw = f'flowchart TD\n    a["{HOSTILE}"] --> b\n'
    with pytest.raises(cli.RenderError):
        cli.render([raw], tmp_path)
    assert re.search(r"#quot;", diagrams.text(HOSTILE))
