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
    # a ``BaseLLM`` is a model by its class's name: its ``aask`` is the model's output,
    # whatever the project's method does with the provider's reply
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


# the agent imports a model client's package: near a source, the files it imports are
# read again for the bodies its calls need (the executor's, which holds no sink)
EXECUTOR_AGENT = """\
import subprocess

import openai
from app.executor import {cls}


class Agent:
    def __init__(self, executor: {cls}):
        self._executor = executor

    def go(self, task):
        out = self._executor.run(task)
        subprocess.run(out, shell=True)
"""


def test_a_method_of_a_project_class_is_followed_not_taken_for_a_model(tmp_path: Path) -> None:
    """``self._executor.run(task)`` is named like a model's call (``run`` on an
    ``executor``), but the receiver is annotated with a class of the project whose ``run``
    returns a constant: the project's method is what runs, not a model (the heuristic is
    for the calls the project cannot follow). Before, AUD001 critical llm-output."""
    found = _scan(
        tmp_path,
        {
            "app/executor.py": (
                "class Executor:\n    def run(self, code):\n        return 'uptime'\n"
            ),
            "app/agent.py": EXECUTOR_AGENT.format(cls="Executor"),
        },
    )
    assert [(n, o) for n, _, _, o in _found(found)] == [("agent.py", "internal")]
    assert found[0].risk != "critical"


def test_a_project_class_without_the_method_is_still_a_model(tmp_path: Path) -> None:
    """The same call on a project class that does not define ``run`` (it comes from a base
    of another package) cannot be followed: the model's output, as before."""
    found = _scan(
        tmp_path,
        {
            "app/executor.py": (
                "from langchain.agents import AgentExecutor\n\n\n"
                "class Executor(AgentExecutor):\n    verbose = True\n"
            ),
            "app/agent.py": EXECUTOR_AGENT.format(cls="Executor"),
        },
    )
    assert _found(found) == [("agent.py", "AUD001", "critical", "llm-output")]
    assert found[0].flow[0].note.endswith(": self._executor.run()")


def test_a_model_call_not_followed_returns_the_reply_not_the_prompt(tmp_path: Path) -> None:
    """A call the project cannot follow gives the model's output alone, not also what its
    arguments carry (the request data in the prompt is not the reply): llm-output, as when
    the heuristic stopped at the call."""
    found = _scan(
        tmp_path,
        {
            "app/executor.py": (
                "from langchain.agents import AgentExecutor\n\n\n"
                "class Executor(AgentExecutor):\n    verbose = True\n"
            ),
            "app/agent.py": (
                "import subprocess\nfrom flask import request\n"
                "from app.executor import Executor\n\n\n"
                "class Agent:\n    def __init__(self, executor: Executor):\n"
                "        self._executor = executor\n\n"
                "    def go(self):\n        out = self._executor.run(request.args['q'])\n"
                "        subprocess.run(out, shell=True)\n"
            ),
        },
    )
    assert _found(found) == [("agent.py", "AUD001", "critical", "llm-output")]


def test_a_class_named_like_a_model_stays_a_model(tmp_path: Path) -> None:
    """On a receiver whose class is named like a model (``BaseLLM``), the method heuristic
    still wins over the project's own method: a provider's wrapper often hides the reply in
    what the analysis cannot follow (a stream's chunks joined), so following it would lose
    the model's output (MetaGPT's ``ActionNode`` and ``BFSSolver``: critical llm-output)."""
    found = _scan(
        tmp_path,
        {
            "app/wrapped.py": (
                "import openai\n\n\nclass ChatLLM:\n    def invoke(self, q):\n"
                "        chunks = []\n        return ''.join(chunks)\n"
            ),
            "app/agent.py": (
                "from app.wrapped import ChatLLM\n\n\n"
                "class Solver:\n    def __init__(self, backend: ChatLLM):\n"
                "        self.backend = backend\n\n"
                "    def go(self, q):\n        return eval(self.backend.invoke(q))\n"
            ),
        },
    )
    assert _found(found) == [("agent.py", "AUD003", "critical", "llm-output")]
    assert found[0].flow[0].note.endswith(": self.backend.invoke()")


def test_a_client_in_the_middle_of_a_receiver_is_not_a_model(tmp_path: Path) -> None:
    """openai-agents 0.25.0's Docker sandbox: ``self.docker_client.containers.create()``
    was taken for a model's answer (``create`` on a receiver with a part named
    ``client``), and four of its sites read critical llm-output. A ``client`` counts as
    the object called, or before a model API's own parts (``client.messages``)."""
    code = """\
import os


class Box:
    def start(self, image):
        container = self.docker_client.containers.create(image)
        os.system(container.id)

    def ask(self, prompt):
        reply = self.client.messages.create(messages=[prompt])
        os.system(reply.content[0].text)

    def ask_openai(self, prompt):
        reply = self.client.chat.completions.create(messages=[prompt])
        os.system(reply.choices[0].message.content)
"""
    found = {f.line: f.origin for f in scan_files(tmp_path, {"box.py": code})}
    assert found[7] != "llm-output"
    assert found[11] == "llm-output" and found[15] == "llm-output"


def test_a_class_named_for_what_belongs_to_a_model_is_not_called_as_one(tmp_path: Path) -> None:
    """pydantic-ai 2.78's agent calls a capability's model contribution, annotated
    ``AgentModel`` (a model or a function that selects one), to get a model object: taken
    for a model's answer (``agent`` in the class name), it made fifteen of its workspace's
    command runs critical llm-output. Called as a function, a class counts as a model when
    its name ends with the kind (``LLMChain``) or is an "X of Y" (DSPy's
    ``ChainOfThought``), not when the kind only qualifies its head noun."""
    code = """\
import dspy
from pydantic_ai.capabilities.abstract import AgentModel


def pick(contribution: AgentModel, ctx):
    exec(contribution(ctx))


def solve(question):
    cot = dspy.ChainOfThought("question -> code")
    exec(cot(question=question).code)
"""
    found = {f.line: f.origin for f in scan_files(tmp_path, {"pick.py": code})}
    assert found[6] == "parameter"
    assert found[11] == "llm-output"
