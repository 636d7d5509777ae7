"""What the project stage types a receiver as, to follow a method call into the project
(docs/flow.md, "What it follows"): pydantic and dataclass fields declared in the class body,
``given or Default()``, return annotations, an instance called (``__call__``), an abstract
method run through its overrides. In each case model output reaches a sink only through
that call: without the typing, the sink's parameter has no visible caller (``parameter``)."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

MODEL = """\
from openai import OpenAI

def answer(question):
    reply = OpenAI().chat.completions.create(model="m", messages=[question])
    return reply.choices[0].message.content
"""


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(
        tmp_path,
        {"app/__init__.py": "", "app/llm.py": MODEL, **files},
    )


def _origins(found: list[Finding]) -> list[tuple[str, str, str | None]]:
    return [(Path(f.path).name, f.rule, f.origin) for f in found]


def test_a_pydantic_field_types_the_attribute(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/shell.py": """\
                import subprocess

                class Shell:
                    def run(self, command):
                        subprocess.run(command, shell=True)
                """,
            "app/chain.py": """\
                from pydantic import BaseModel, Field
                from app.llm import answer
                from app.shell import Shell

                class Chain(BaseModel):
                    shell: Shell = Field(default_factory=Shell)

                    def go(self, question):
                        self.shell.run(answer(question))
                """,
        },
    )
    assert _origins(found) == [("shell.py", "AUD001", "llm-output")]


def test_a_field_of_a_base_class_and_an_optional_annotation(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/chain.py": """\
                from typing import Optional
                from app.llm import answer

                class Repl:
                    def execute(self, code):
                        exec(code)

                class Base:
                    repl: Optional[Repl] = None

                class Chain(Base):
                    def go(self, question):
                        self.repl.execute(answer(question))
                """,
        },
    )
    assert _origins(found) == [("chain.py", "AUD003", "llm-output")]


def test_given_or_default_is_the_default(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/engine.py": """\
                from app.llm import answer

                class Parser:
                    def parse(self, text):
                        return eval(text)

                class Engine:
                    def __init__(self, parser=None):
                        self._parser = parser or Parser()

                    def query(self, question):
                        return self._parser.parse(answer(question))
                """,
        },
    )
    assert _origins(found) == [("engine.py", "AUD003", "llm-output")]


def test_a_return_annotation_types_what_a_factory_makes(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/agent.py": """\
                from app.llm import answer

                class Executor:
                    def run_code(self, code):
                        exec(code)

                class Agent:
                    def __init__(self):
                        self.executor = self.make_executor()

                    def make_executor(self) -> Executor:
                        return Executor()

                    def step(self, question):
                        self.executor.run_code(answer(question))
                """,
        },
    )
    assert _origins(found) == [("agent.py", "AUD003", "llm-output")]


def test_an_attribute_set_to_none_then_to_one_class_is_that_class(tmp_path: Path) -> None:
    # Optional: ``None`` until a method sets the object; the None is a placeholder
    found = _scan(
        tmp_path,
        {
            "app/agent.py": """\
                from app.llm import answer

                class Executor:
                    def run_code(self, code):
                        exec(code)

                class Agent:
                    def __init__(self):
                        self.executor = None

                    def start(self, **options):
                        self.executor = Executor(**options)

                    def step(self, question):
                        self.executor.run_code(answer(question))
                """,
        },
    )
    assert _origins(found) == [("agent.py", "AUD003", "llm-output")]


def test_an_attribute_set_to_objects_of_two_classes_stays_untyped(tmp_path: Path) -> None:
    # None, a Shell or a Printer: either run() may be the one called, neither is constant
    found = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/agent.py": """\
                import subprocess

                class Shell:
                    def run(self, text):
                        subprocess.run(text, shell=True)

                class Printer:
                    def run(self, text):
                        subprocess.run("lp -t " + text, shell=True)

                class Agent:
                    def __init__(self):
                        self.runner = None

                    def use_shell(self):
                        self.runner = Shell()

                    def use_printer(self):
                        self.runner = Printer()

                    def act(self, text):
                        self.runner.run(text)
                """,
        },
    )
    assert _origins(found) == [
        ("agent.py", "AUD101", "parameter"),
        ("agent.py", "AUD101", "parameter"),
    ]


def test_an_attribute_set_to_none_then_to_what_a_factory_returns_stays_untyped(
    tmp_path: Path,
) -> None:
    # make_runner() may return any runner: ``self.runner.run(text)`` may be Printer.run,
    # whose only other caller passes a constant; it must not be judged constant
    found = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/agent.py": """\
                import subprocess

                class Shell:
                    def run(self, text):
                        subprocess.run(["sh", "-c", text])

                class Printer:
                    def run(self, text):
                        subprocess.run("lp -t " + text, shell=True)

                def make_runner(kind):
                    return Shell() if kind == "sh" else Printer()

                class Agent:
                    def __init__(self):
                        self.runner = None

                    def connect(self, kind):
                        self.runner = make_runner(kind)

                    def act(self, text):
                        self.runner.run(text)

                def banner():
                    Printer().run("hello")
                """,
        },
    )
    assert _origins(found) == [
        ("agent.py", "AUD101", "parameter"),
        ("agent.py", "AUD101", "parameter"),
    ]


def test_an_instance_called_runs_its_dunder_call(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/agent.py": """\
                from app.llm import answer

                class Executor:
                    def __call__(self, code):
                        exec(code)

                def step(question):
                    executor = Executor()
                    executor(answer(question))
                """,
        },
    )
    assert _origins(found) == [("agent.py", "AUD003", "llm-output")]


def test_an_abstract_method_runs_the_overrides(tmp_path: Path) -> None:
    """The argument reaches the subclasses' overrides, and what the overrides return is
    the call's result (a template method: the base calls what subclasses implement)."""
    found = _scan(
        tmp_path,
        {
            "app/base.py": """\
                from abc import ABC, abstractmethod

                class Executor(ABC):
                    @abstractmethod
                    def run_code(self, code):
                        ...

                class Assistant(ABC):
                    def submit_prompt(self, prompt):
                        raise NotImplementedError

                    def ask(self, question):
                        exec(self.submit_prompt(question))
                """,
            "app/impl.py": """\
                import os
                from app.base import Assistant, Executor
                from app.llm import answer

                class Local(Executor):
                    def run_code(self, code):
                        os.system(code)

                class OpenAIAssistant(Assistant):
                    def submit_prompt(self, prompt):
                        return answer(prompt)

                def step(executor: Executor, question):
                    executor.run_code(answer(question))
                """,
        },
    )
    assert _origins(found) == [
        ("base.py", "AUD003", "llm-output"),
        ("impl.py", "AUD001", "llm-output"),
    ]


def test_a_common_method_name_is_followed_where_its_class_is_named(tmp_path: Path) -> None:
    """``run`` is said in more files than the planner reads by name alone (30): the files
    that also name the class are still read, and the call is followed."""
    files = {f"app/other{i}.py": "def run():\n    return 1\n" for i in range(32)}
    files["app/shell.py"] = """\
        import subprocess

        class Shell:
            def run(self, command):
                subprocess.run(command, shell=True)
        """
    files["app/chain.py"] = """\
        from app.llm import answer
        from app.shell import Shell

        def go(question):
            shell = Shell()
            print("run")
            return shell.run(answer(question))
        """
    found = _scan(tmp_path, files)
    assert _origins(found) == [("shell.py", "AUD001", "llm-output")]


def test_a_field_holds_what_the_constructor_is_given(tmp_path: Path) -> None:
    """A pydantic model's field is what its constructor's keyword of that name passes
    (langchain-experimental's CPAL: the chain's parsed output becomes a story's entities,
    whose code is run); a subclass's construction counts for the base's field."""
    found = _scan(
        tmp_path,
        {
            "app/models.py": """\
                from pydantic import BaseModel

                class Entity(BaseModel):
                    code: str

                    def run(self):
                        exec(self.code)

                class Named(Entity):
                    name: str = ""
                """,
            "app/chain.py": """\
                from app.llm import answer
                from app.models import Entity, Named

                def go(question):
                    Entity(code="print(1)").run()
                    Named(name="x", code=answer(question)).run()
                """,
        },
    )
    assert _origins(found) == [("models.py", "AUD003", "llm-output")]


def test_an_attribute_assigned_several_project_classes_runs_each(tmp_path: Path) -> None:
    """camel's CodeExecutionToolkit: ``self.interpreter`` is one of several interpreter
    classes of the project, chosen in ``__init__``; the tool's ``self.interpreter.run(code)``
    hands the model's code to the ``run`` of each (a Docker one, and a subprocess one that
    runs it on the host)."""
    found = _scan(
        tmp_path,
        {
            "app/interp.py": """\
                import subprocess

                class SubprocessInterpreter:
                    def run(self, code, code_type):
                        return subprocess.run(["python3", "-c", code])

                class DockerInterpreter:
                    def run(self, code, code_type):
                        return code
                """,
            "app/toolkit.py": """\
                from typing import Union

                from camel.toolkits.function_tool import FunctionTool

                from app.interp import DockerInterpreter, SubprocessInterpreter

                class CodeExecutionToolkit:
                    def __init__(self, sandbox):
                        self.interpreter: Union[DockerInterpreter, SubprocessInterpreter]
                        self.interpreter = None
                        if sandbox == "docker":
                            self.interpreter = DockerInterpreter()
                        else:
                            self.interpreter = SubprocessInterpreter()

                    def execute_code(self, code: str, code_type: str = "python") -> str:
                        return self.interpreter.run(code, code_type)

                    def get_tools(self):
                        return [FunctionTool(self.execute_code)]
                """,
        },
    )
    assert _origins(found) == [("interp.py", "AUD003", "llm-output")]
    assert [step.path.rsplit("/", 1)[-1] for step in found[0].flow] == [
        "toolkit.py",
        "toolkit.py",
        "interp.py",
    ]


def test_a_string_annotation_types_the_parameter(tmp_path: Path) -> None:
    """terminal-mcp 0.4.7: the tool handlers take ``manager: "SessionManager"``, a class
    imported under ``if TYPE_CHECKING:``, and hand ``manager.create`` the MCP client's
    command; read as the class it spells, the call reaches the session's ``pexpect.spawn``
    (a string annotation was no type: the command was only ``parameter``)."""
    found = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/manager.py": """\
                import pexpect

                class SessionManager:
                    def create(self, command, label=None):
                        return pexpect.spawn(command)
                """,
            "app/tools.py": """\
                import asyncio
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from app.manager import SessionManager

                async def handle_create(manager: "SessionManager", arguments: dict):
                    command = arguments.get("command")
                    return await asyncio.to_thread(manager.create, command=command)
                """,
            "app/server.py": """\
                from mcp.server import Server

                from app.manager import SessionManager
                from app.tools import handle_create

                app = Server("terminal")

                @app.call_tool()
                async def call_tool(name: str, arguments: dict):
                    return await handle_create(SessionManager(), arguments)
                """,
        },
    )
    assert _origins(found) == [("manager.py", "AUD002", "remote-input")]
