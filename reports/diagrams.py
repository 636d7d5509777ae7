"""Mermaid diagrams of the audit document, which GitHub and GitLab draw in place of a
```` ```mermaid ```` block: the sites to do by risk (a pie) and by top-level folder (stacked
bars), the isolation architecture of the policy (a flowchart) and, for each site whose
payload comes from outside the program, its flow from the source to the call.

Every text that comes from the scanned code or the policy goes through :func:`text`, which
writes it as a Mermaid entity wherever it could end a label or be read as markup (quotes,
brackets of HTML, ``#``, backticks, pipes, ``;``), so that no file name, snippet or pattern
can break a diagram; other characters (accents of the pt-BR document included) are kept.
The words come from the document's locale. ``tests/reports/test_mermaid_render.py`` renders
every diagram of the bundled example's audit with the real Mermaid CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The risk colours of the pie's slices and the bars (icons ⛔ 🔴 🟡 🟢 of the document).
COLOURS = {"critical": "#7b1fa2", "high": "#d32f2f", "medium": "#f9a825", "low": "#388e3c"}
LEVELS = ("critical", "high", "medium", "low")
# A label longer than this is cut with an ellipsis (a snippet, a long note).
MAX_LABEL = 90
# The folder chart shows this many folders; the others are added up in one bar.
MAX_FOLDERS = 10

_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "`": "#96;",
    "|": "#124;",
    ";": "#59;",
    "\\": "#92;",
}


def text(value: object, limit: int = MAX_LABEL) -> str:
    """``value`` as the inside of a double-quoted Mermaid label: one line, at most ``limit``
    characters (before escaping), with the characters Mermaid would read as syntax written
    as entities (``#quot;``...)."""
    plain = " ".join(str(value).split())  # new lines and tabs: one space
    if len(plain) > limit:
        plain = plain[: limit - 1].rstrip() + "…"
    return "".join(_ENTITIES.get(char, char) for char in plain)


def lines(*parts: object, bold: bool = False, limit: int = MAX_LABEL) -> str:
    """Escaped lines of one label, joined with ``<br/>``; with ``bold``, the first line in
    ``<b>`` (the only markup we write)."""
    shown = [text(p, limit) for p in parts if str(p)]
    if bold and shown:
        shown[0] = f"<b>{shown[0]}</b>"
    return "<br/>".join(shown)


@dataclass(frozen=True, slots=True)
class Words:
    """The words of the diagrams, from the locale's ``[diagrams]`` table."""

    values: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return str(self.values[key])


def risk_pie(counts: Mapping[str, int], risk_names: Mapping[str, str], title: str) -> str:
    """The sites to do, one slice per risk that has any, in the risks' colours."""
    shown = [level for level in LEVELS if counts.get(level, 0) > 0]
    theme = ", ".join(f'"pie{i}": "{COLOURS[level]}"' for i, level in enumerate(shown, start=1))
    out = [
        '%%{init: {"theme": "default", "themeVariables": {' + theme + "}}}%%",
        f"pie showData title {text(title)}",
    ]
    out += [f'    "{text(risk_names[level])}" : {counts[level]}' for level in shown]
    return "\n".join(out)


def folder_bars(rows: Sequence[tuple[str, Mapping[str, int]]], title: str, axis: str) -> str:
    """Sites to do per folder as stacked bars: the bars are drawn over each other from the
    total down to the low-risk count, each in its risk's colour, so that each colour's
    visible part is that risk's count."""
    names = ", ".join(f'"{text(name, 40)}"' for name, _ in rows)
    top = max(sum(c.values()) for _, c in rows)
    series = []
    colours = []
    for i, level in enumerate(LEVELS):
        if not any(c.get(level, 0) for _, c in rows):
            continue  # no bar of this colour: it would hide under the next one
        rest = LEVELS[i:]
        values = [sum(c.get(r, 0) for r in rest) for _, c in rows]
        if any(values):
            series.append("    bar [" + ", ".join(str(v) for v in values) + "]")
            colours.append(COLOURS[level])
    height = 170 + 60 * len(rows)  # not a page-high chart for two folders
    init = (
        '%%{init: {"theme": "default", "xyChart": {"width": 800, "height": '
        + str(height)
        + '}, "themeVariables": {"xyChart": {"plotColorPalette": "'
        + ", ".join(colours)
        + '"}}}}%%'
    )
    return "\n".join(
        [
            init,
            "xychart-beta horizontal",
            f'    title "{text(title)}"',
            f"    x-axis [{names}]",
            f'    y-axis "{text(axis)}" 0 --> {top}',
            *series,
        ]
    )


def flow(
    steps: Sequence[tuple[str, str]],
    origin: str,
    sink: Sequence[str],
) -> str:
    """One site's flow, top to bottom: the source (with the origin's name), each step
    (where, what happens) and the call (where, the call, its class)."""
    out = ["flowchart TD"]
    ids = []
    for i, (where, note) in enumerate(steps):
        node = f"s{i}"
        ids.append(node)
        if i == 0:
            out.append(f'    {node}(["{lines(origin, where, note, bold=True)}"])')
        else:
            out.append(f'    {node}["{lines(where, note, bold=True)}"]')
    last = f"s{len(steps)}"
    ids.append(last)
    out.append(f'    {last}[["{lines(*sink, bold=True)}"]]')
    out.append("    " + " --> ".join(ids))
    out.append("    classDef source fill:#fff3e0,stroke:#e65100,color:#000")
    out.append("    classDef sink fill:#ffebee,stroke:#b71c1c,stroke-width:2px,color:#000")
    out.append(f"    class {ids[0]} source")
    out.append(f"    class {last} sink")
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class Architecture:
    """What the architecture flowchart shows: the policy's classes by action, its trust
    rules, the sandbox's layers (already in words) and the number of sites on each path."""

    must: Sequence[str]
    review: Sequence[str]
    may: Sequence[str]
    layers: Sequence[str]
    sites: int
    sandbox: str  # "N sites: x isolated, y to do", in words
    review_sites: str
    direct_sites: str


def architecture(a: Architecture, words: Words, limit: int = 8) -> str:
    """The isolation architecture as a flowchart generated from the policy."""

    def listed(title: str, items: Sequence[str]) -> str:
        shown = [f"• {item}" for item in items[:limit]]
        if len(items) > limit:
            shown.append(words["more"].format(n=len(items) - limit))
        return lines(title, *shown, bold=True)

    out = [
        "flowchart TD",
        f'    site(["{text(words["site"].format(n=a.sites))}"])',
        f'    decide{{"{text(words["decide"])}"}}',
        "    site --> decide",
        f'    decide -->|"{text(words["edge_must"])}"| must["{listed(words["must"], a.must)}"]',
    ]
    if a.review:
        out.append(
            f'    decide -->|"{text(words["edge_review"])}"| '
            f'review["{listed(words["review"], a.review)}"]'
        )
        out.append(
            f'    review --> by_hand(["{lines(words["by_hand"], a.review_sites, bold=True)}"])'
        )
    out.append(f'    decide -->|"{text(words["edge_may"])}"| may["{listed(words["may"], a.may)}"]')
    out.append(f'    may --> direct(["{lines(words["direct"], a.direct_sites, bold=True)}"])')
    out.append(f'    must --> sandbox_in["{lines(words["sandbox"], a.sandbox, bold=True)}"]')
    out.append(f'    subgraph layers["{text(words["layers"])}"]')
    out.append("        direction TB")
    layer_ids = [f"l{i}" for i in range(len(a.layers))]
    for node, layer in zip(layer_ids, a.layers, strict=True):
        out.append(f'        {node}["{text(layer, 200)}"]')
    out.append("        " + " --> ".join(layer_ids))
    out.append("    end")
    out.append(f"    sandbox_in --> {layer_ids[0]}")
    out.append(f'    {layer_ids[-1]} --> result(["{text(words["result"])}"])')
    out.append("    classDef isolate fill:#ffebee,stroke:#b71c1c,color:#000")
    out.append("    classDef direct fill:#e8f5e9,stroke:#1b5e20,color:#000")
    out.append("    classDef review fill:#fff8e1,stroke:#f57f17,color:#000")
    out.append("    class must,sandbox_in isolate")
    out.append("    class may,direct direct")
    if a.review:
        out.append("    class review,by_hand review")
    return "\n".join(out)
