"""A source of the table that a module of the project imports and another imports from
it (``from .compat import ask`` where compat says ``from builtins import input as ask``;
a module-level ``client = OpenAI()``): the call is that source, and its result is the
source's alone. Before, the project stage took it for a project call it could not
resolve, whose result carries what its arguments carry: the line typed at ``ask(banner)``
was the banner's origin (``parameter``), and the source was lost."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files

COMPAT = """\
import os
from builtins import input as ask
from openai import OpenAI

client = OpenAI()


def sh(command):
    os.system(command)
"""


def _found(tmp_path: Path, main: str) -> dict[tuple[str, int], tuple[str, str, str | None]]:
    found = scan_files(
        tmp_path, {"app/__init__.py": "", "app/compat.py": COMPAT, "app/main.py": main}
    )
    return {(Path(f.path).name, f.line): (f.rule, f.risk, f.origin) for f in found}


def test_a_reexported_prompt_returns_the_typed_line(tmp_path: Path) -> None:
    found = _found(
        tmp_path,
        """\
        import os
        from app.compat import ask


        def main(banner):
            os.system(ask(banner))
        """,
    )
    assert found[("main.py", 6)] == ("AUD101", "high", "user-input")


def test_a_reexported_model_client_is_the_model(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/compat.py": COMPAT,
            "app/main.py": """\
                from app.compat import client


                def main(question):
                    reply = client.chat.completions.create(model="m", messages=[question])
                    exec(reply.choices[0].message.content)
                """,
        },
    )
    [finding] = [f for f in found if f.path.endswith("main.py")]
    assert (finding.rule, finding.origin) == ("AUD003", "llm-output")
    assert finding.flow[0].note.startswith("an OpenAI completion")
