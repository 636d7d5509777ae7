"""A method called on a receiver typed as a project class whose method is only declared
(docs/flow.md, "What it follows"): a ``typing.Protocol``'s method runs the method of that
name of any class of the project (structural typing), an abstract method of a plain base
runs its subclasses' overrides. Shaped like an agent's loop (mini-swe-agent's): the model's
actions are run by ``self.env.execute(action)`` with ``env: Environment``, a protocol its
environments never derive from. Without the dispatch, the environments' ``execute`` has no
visible caller: its parameter is ``parameter``, the site high instead of critical."""

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

PROTOCOLS = """\
from typing import Protocol


class Environment(Protocol):
    config: dict

    def execute(self, action: dict, cwd: str = "") -> dict: ...


class CodeSource(Protocol):
    def fetch_code(self, question: str) -> str:
        \"\"\"The code to run for ``question``.\"\"\"
        ...
"""

LOCAL = """\
import subprocess


class LocalEnvironment:
    def execute(self, action: dict, cwd: str = "") -> dict:
        command = action.get("command", "")
        return {"output": _run(command, cwd).stdout}


def _run(command, cwd):
    return subprocess.run(command, shell=True, cwd=cwd or None, capture_output=True, text=True)
"""

CONTAINER = """\
import subprocess
from app.protocols import Environment


class ContainerEnvironment(Environment):
    def execute(self, action: dict, cwd: str = "") -> dict:
        argv = ["docker", "exec", "box", "bash", "-lc", action["command"]]
        return {"output": subprocess.run(argv, capture_output=True, text=True).stdout}
"""


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(
        tmp_path,
        {"app/__init__.py": "", "app/llm.py": MODEL, "app/protocols.py": PROTOCOLS, **files},
    )


def _found(found: list[Finding]) -> list[tuple[str, str, str, str | None]]:
    return [(Path(f.path).name, f.rule, f.risk, f.origin) for f in found]


def test_a_protocol_method_runs_every_class_that_defines_it(tmp_path: Path) -> None:
    """The model's action reaches both environments: one that never names the protocol
    (local.py, AUD001, critical, llm-output: a shell runs it) and one that derives from it
    (container.py, AUD001, critical, llm-output: ``docker exec`` runs ``bash -lc`` on it)."""
    found = _scan(
        tmp_path,
        {
            "app/local.py": LOCAL,
            "app/container.py": CONTAINER,
            "app/agent.py": """\
                from app.llm import answer
                from app.protocols import Environment

                class Agent:
                    def __init__(self, env: Environment):
                        self.env = env

                    def step(self, task):
                        actions = [{"command": answer(task)}]
                        return [self.env.execute(action) for action in actions]
                """,
        },
    )
    assert _found(found) == [
        ("container.py", "AUD001", "critical", "llm-output"),
        ("local.py", "AUD001", "critical", "llm-output"),
    ]
    local = next(f for f in found if f.path.endswith("local.py"))
    assert [s.note for s in local.flow][-3:] == [
        "passed to self.env.execute() as `action`",
        "passed to _run() as `command`",
        "reaches subprocess.run()",
    ]


def test_a_protocol_method_returns_what_its_implementations_return(tmp_path: Path) -> None:
    """``exec(self.llm.fetch_code(q))`` with ``llm: CodeSource`` (a method no heuristic
    takes for a model's): the class that implements it is in a file without a sink that
    names neither the protocol nor the sink's class (the rounds ask the files that say
    ``fetch_code`` for its body, and the protocol's file for its declaration, dropped
    by the skeleton on the first reading); it returns the model's answer: runner.py,
    AUD003, critical, llm-output."""
    found = _scan(
        tmp_path,
        {
            "app/remote.py": """\
                from app.llm import answer

                class RemoteSource:
                    def fetch_code(self, question: str) -> str:
                        return answer(question)
                """,
            "app/runner.py": """\
                from app.protocols import CodeSource

                class Runner:
                    def __init__(self, llm: CodeSource):
                        self.llm = llm

                    def go(self, question):
                        exec(self.llm.fetch_code(question))
                """,
        },
    )
    assert _found(found) == [("runner.py", "AUD003", "critical", "llm-output")]


def test_calls_through_a_protocol_never_make_a_parameter_constant(tmp_path: Path) -> None:
    """The only call of ``Shell.execute`` is through the protocol, with a constant: a
    guess by the method's name, so the site stays dynamic with the origin of a caller the
    analysis cannot see (shell.py, AUD101, high, parameter), neither AUD201 (constant)
    nor ``internal``."""
    found = _scan(
        tmp_path,
        {
            "app/shell.py": """\
                import subprocess

                class Shell:
                    def execute(self, action, cwd=""):
                        subprocess.run(action, shell=True, cwd=cwd)
                """,
            "app/agent.py": """\
                from app.llm import answer
                from app.protocols import Environment

                class Agent:
                    def __init__(self, env: Environment):
                        self.env = env

                    def check(self):
                        return self.env.execute("uptime", "/tmp")

                    def describe(self, task):
                        return answer(task)
                """,
        },
    )
    assert _found(found) == [("shell.py", "AUD101", "high", "parameter")]
    assert "called from code the analysis cannot see" in found[0].flow[0].note


def test_a_one_line_declaration_of_a_plain_base_runs_the_overrides(tmp_path: Path) -> None:
    """A plain base (no ABC) whose method is ``def run_code(self, code): pass`` on one
    line (never a body the skeleton dropped): a call on the base's type runs the
    subclass's override (impl.py, AUD001, critical, llm-output)."""
    found = _scan(
        tmp_path,
        {
            "app/base.py": """\
                class Executor:
                    def run_code(self, code): pass
                """,
            "app/impl.py": """\
                import os
                from app.base import Executor

                class Local(Executor):
                    def run_code(self, code):
                        os.system(code)
                """,
            "app/agent.py": """\
                from app.base import Executor
                from app.llm import answer

                def step(executor: Executor, question):
                    executor.run_code(answer(question))
                """,
        },
    )
    assert _found(found) == [("impl.py", "AUD001", "critical", "llm-output")]


def test_a_common_method_name_is_followed_where_the_protocol_is_named(tmp_path: Path) -> None:
    """``execute`` is said in more files than the rounds read by name alone (30): the
    file that calls it names only the protocol, not the implementing class, and is still
    read for the call (local.py, AUD001, critical, llm-output)."""
    files = {f"app/other{i}.py": "def execute():\n    return 1\n" for i in range(32)}
    files["app/local.py"] = LOCAL
    files["app/agent.py"] = """\
        from app.llm import answer
        from app.protocols import Environment

        def step(env: Environment, task):
            return env.execute({"command": answer(task)})
        """
    found = _scan(tmp_path, files)
    assert _found(found) == [("local.py", "AUD001", "critical", "llm-output")]


def test_a_protocol_declared_in_a_file_read_for_a_sink(tmp_path: Path) -> None:
    """The protocol's file holds a sink of its own, so the first reading keeps only the
    bodies near it: ``execute``'s (a docstring and ``...`` on lines of their own) is
    dropped, and the rounds ask for it to know it is only declared. local.py: AUD001,
    critical, llm-output; the protocol file's own constant command: AUD201, medium."""
    found = _scan(
        tmp_path,
        {
            "app/runtime.py": """\
                import subprocess
                from typing import Protocol

                class Runtime(Protocol):
                    def execute(self, action: dict, cwd: str = "") -> dict:
                        \"\"\"Run the action's command.\"\"\"
                        ...

                def reset():
                    subprocess.run("rm -rf /tmp/runtime-cache", shell=True)
                """,
            "app/local.py": LOCAL,
            "app/agent.py": """\
                from app.llm import answer
                from app.runtime import Runtime

                def step(runtime: Runtime, task):
                    return runtime.execute({"command": answer(task)})
                """,
        },
    )
    assert _found(found) == [
        ("local.py", "AUD001", "critical", "llm-output"),
        ("runtime.py", "AUD201", "medium", None),
    ]


def test_an_abstract_base_re_exported_by_a_package_of_files_with_no_sink(tmp_path: Path) -> None:
    """AutoGen's shape: the executors derive from ``CodeExecutor``, which
    ``autogen_core/code_executor/__init__.py`` re-exports from ``_base.py``; neither file
    holds a sink, so the per-file stage parses neither. The stage reads the ``__init__``
    for the base, then follows its re-export to ``_base.py``, so that the agent's call of
    the abstract method runs the override that feeds the shell (before: no caller seen,
    parameter, high)."""
    found = _scan(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/executors/__init__.py": """\
                from ._base import Executor

                __all__ = ["Executor"]
                """,
            "core/executors/_base.py": """\
                from abc import ABC, abstractmethod

                class Executor(ABC):
                    @abstractmethod
                    def run(self, code: str) -> str: ...
                """,
            "ext/__init__.py": "",
            "ext/local.py": """\
                import subprocess
                from core.executors import Executor

                class Local(Executor):
                    def run(self, code: str) -> str:
                        return subprocess.run(code, shell=True, capture_output=True).stdout
                """,
            "app/llm.py": MODEL,
            "app/agent.py": """\
                from app.llm import answer
                from core.executors import Executor

                class Agent:
                    def __init__(self, executor: Executor) -> None:
                        self._backend = executor

                    def step(self, task):
                        return self._backend.run(answer(task))
                """,
        },
    )
    assert _found(found) == [("local.py", "AUD001", "critical", "llm-output")]
