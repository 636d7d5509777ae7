"""Every entry of rules/sources.toml carries examples (Fixit-style): each `report` snippet
holds one sink whose finding must have the entry's origin. The suite runs them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.policy import PolicyError
from auditor.judge.sources import ORIGINS, SourceError, add_entry, build, builtin
from tests.conftest import make_policy

EXAMPLES = builtin().examples


def test_every_source_table_has_examples() -> None:
    tables = {where.split(": ", 1)[1].split(" #")[0] for where, _, _ in EXAMPLES}
    assert tables >= {
        "object", "call", "decorator", "route_heuristic", "base_class", "request_parameter",
        "method_heuristic", "sanitizer", "parameter_default", "request_attribute", "handler",
        "registration",
    }  # fmt: skip
    assert len(EXAMPLES) >= 35


@pytest.mark.parametrize(("where", "origin", "code"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_example(where: str, origin: str, code: str, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(code + "\n")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    assert len(result.findings) == 1, result.findings
    finding = result.findings[0]
    if not origin:  # a sanitizer: the origin stays, the risk is lowered
        assert finding.origin is not None and finding.origin != "internal"
        # the sanitizer the example calls is named (shlex.quote, int...)
        called = {"shlex.quote": "shlex.quote", "int(": "builtins.int"}
        named = [name for text, name in called.items() if text in code]
        assert named and f"quoted or converted ({named[0]})" in finding.message
        return
    assert finding.origin == origin, (where, finding.message)
    assert finding.flow and finding.flow[-1].kind == "reaches"


def test_origins_are_ranked_most_dangerous_first() -> None:
    assert ORIGINS[:2] == ("remote-input", "llm-output")
    assert ORIGINS[-1] == "internal"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "call", "names": ["x.y"], "origin": "web"}, "'origin' must be one of"),
        ({"kind": "call", "origin": "file"}, "'names' is missing or empty"),
        ({"kind": "nope", "names": ["x"]}, "'kind' must be one of"),
        ({"kind": "call", "names": ["x"], "origin": "file", "colour": 1}, "unknown key 'colour'"),
    ],
)
def test_policy_sources_are_validated(entry: dict[str, object], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        build([entry])
    with pytest.raises(PolicyError, match=message):
        make_policy({"sources": [entry]})


def test_a_project_source_from_the_policy(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\nfrom company.bus import next_message\nos.system(next_message())\n"
    )
    plain = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert plain.findings[0].origin == "internal"
    policy = make_policy(
        {
            "sources": [
                {"kind": "call", "names": ["company.bus.next_message"], "origin": "remote-input"}
            ]
        },
        root=str(tmp_path),
    )
    [finding] = scan([tmp_path], policy=policy, jobs=1).findings
    assert (finding.origin, finding.rule, finding.risk) == ("remote-input", "AUD001", "critical")


def test_a_registration_position_is_validated() -> None:
    entry = {"names": ["x.y"], "origin": "file", "position": -2}
    with pytest.raises(SourceError, match="'position' must be a number from 0, or -1"):
        add_entry(build(), "registration", entry, "rules/sources.toml: registration #1")


def test_a_keyword_only_registration_takes_no_positional_function(tmp_path: Path) -> None:
    """``position = -1``: the tools are given by keyword only (``Agent(..., tools=[f])``);
    a function passed first (an ADK agent's model callback, say) is not a tool."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(
        "import os\nfrom google.adk.agents import Agent\n"
        "def hook(command):\n    os.system(command)\n"
        "def shell(command):\n    os.system(command)\n"
        "a = Agent(hook, tools=[shell])\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    origins = {f.line: f.origin for f in result.findings}
    assert origins == {4: "parameter", 6: "llm-output"}
