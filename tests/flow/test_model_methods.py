"""Model calls named as the frameworks name them (rules/sources.toml, the first
``[[method_heuristic]]``), shaped like MetaGPT's: an action asks the model through its own
``_aask``, which calls ``self.llm.aask`` on a field declared with the project's ``BaseLLM``,
whose concrete ``aask`` calls an abstract ``acompletion_text`` that no class of the scan
implements. Followed into the project's ``aask``, the answer was only what the prompt
carried (``parameter``); the method's name on a receiver named like a model makes it the
model's output, as for ``invoke`` or ``chat``."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

BASE_LLM = """\
from abc import ABC, abstractmethod


class BaseLLM(ABC):
    system_prompt = "You are a helpful assistant."

    async def aask(self, msg, system_msgs=None, stream=False):
        messages = [{"role": "system", "content": self.system_prompt}]
        messages.append({"role": "user", "content": msg})
        return await self.acompletion_text(messages, stream=stream)

    @abstractmethod
    async def acompletion_text(self, messages, stream=False):
        \"\"\"Implemented by each provider.\"\"\"
"""

ACTION = """\
from pydantic import BaseModel, Field
from app.provider import BaseLLM


class Action(BaseModel):
    llm: BaseLLM = Field(default=None, exclude=True)

    async def _aask(self, prompt, system_msgs=None):
        return await self.llm.aask(prompt, system_msgs)
"""


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/provider.py": BASE_LLM,
            "app/action.py": ACTION,
            "app/parse.py": (
                "import re\n\n\ndef parse_code(text):\n"
                "    match = re.search(r'```python(.*?)```', text, re.DOTALL)\n"
                "    return match.group(1) if match else text\n"
            ),
            **files,
        },
    )


def _found(found: list[Finding]) -> list[tuple[str, str, str, str | None]]:
    return [(Path(f.path).name, f.rule, f.risk, f.origin) for f in found]


def test_an_action_asking_through_its_own_aask(tmp_path: Path) -> None:
    """``exec(parse_code(await self._aask(prompt)))`` in a subclass of the action:
    coder.py, AUD003, critical, llm-output (the source is ``self.llm.aask()``)."""
    found = _scan(
        tmp_path,
        {
            "app/coder.py": """\
                from app.action import Action
                from app.parse import parse_code

                class RunGeneratedCode(Action):
                    async def run(self, task):
                        code = parse_code(await self._aask(f"Write code for {task}"))
                        namespace = {}
                        exec(code, namespace)
                        return namespace.get("result")
                """,
        },
    )
    assert _found(found) == [("coder.py", "AUD003", "critical", "llm-output")]
    assert "self.llm.aask()" in found[0].flow[0].note


def test_a_field_of_a_model_answer_read_by_a_pattern(tmp_path: Path) -> None:
    """``self.llm.aask(...)`` read with ``re.search`` and evaluated (a list field of a
    structured answer, as MetaGPT's ``ActionNode.xml_fill``): node.py, AUD003, critical,
    llm-output."""
    found = _scan(
        tmp_path,
        {
            "app/node.py": """\
                import re
                from pydantic import BaseModel
                from app.provider import BaseLLM

                class Node(BaseModel):
                    llm: BaseLLM

                    async def xml_fill(self, context, names):
                        content = await self.llm.aask(context)
                        out = {}
                        for name in names:
                            match = re.search(rf"<{name}>(.*?)</{name}>", content, re.DOTALL)
                            if match:
                                out[name] = eval(match.group(1).strip())
                        return out
                """,
        },
    )
    assert _found(found) == [("node.py", "AUD003", "critical", "llm-output")]
