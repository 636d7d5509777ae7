"""An attribute of a project object read outside its class's methods (``p = Protocol();
p.commands.get()``) holds what those methods set on it, besides what the object was built
from; a queue's ``put`` adds to it as ``append`` does (a worker thread puts what it reads,
another gets it and runs it: dspy's local interpreter worker)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str | None, str]]:
    for name, code in {"app/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [
        (Path(f.path).name, f.line, f.origin, f.flow[0].note if f.flow else "")
        for f in sorted(result.findings, key=lambda f: (f.path, f.line))
    ]


def test_a_queue_filled_by_a_method_and_emptied_outside(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/worker.py": """\
                import json
                import queue
                import sys
                import threading

                class Protocol:
                    def __init__(self):
                        self.commands = queue.Queue()
                        threading.Thread(target=self._read, daemon=True).start()

                    def _read(self):
                        while True:
                            line = sys.stdin.readline()
                            self.commands.put(json.loads(line))

                class Session:
                    def execute(self, request):
                        exec(request["code"], {})

                def main():
                    protocol = Protocol()
                    session = Session()
                    while True:
                        request = protocol.commands.get()
                        session.execute(request)
                """,
        },
    )
    assert found == [("worker.py", 18, "user-input", "standard input: sys.stdin.readline()")]


def test_an_attribute_a_method_sets_read_from_another_file(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/inbox.py": """\
                import sys

                class Inbox:
                    def __init__(self):
                        self.items = []
                        self.last = None

                    def poll(self):
                        self.last = sys.stdin.readline()
                        self.items.append(self.last)
                """,
            "app/run.py": """\
                import os
                from app.inbox import Inbox

                def main():
                    inbox = Inbox()
                    inbox.poll()
                    os.system(inbox.last)
                    os.system(inbox.items[0])
                """,
        },
    )
    assert [(name, line, origin) for name, line, origin, _ in found] == [
        ("run.py", 7, "user-input"),
        ("run.py", 8, "user-input"),
    ]


def test_a_local_queue_carries_what_is_put_in_it(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app/loop.py": """\
                import asyncio
                import sys

                async def main():
                    pending = asyncio.Queue()
                    pending.put_nowait(sys.stdin.readline())
                    exec(await pending.get())
                """,
        },
    )
    assert [(name, line, origin) for name, line, origin, _ in found] == [
        ("loop.py", 7, "user-input")
    ]


def test_what_a_base_method_sets_on_a_sibling_is_not_read(tmp_path: Path) -> None:
    # ansible: FieldAttributeBase.deserialize(data) sets _uuid; a PlayContext deserialized
    # from standard input made the _uuid of a Task read in TaskExecutor user input
    found = _scan(
        tmp_path,
        {
            "app/base.py": """\
                import uuid

                class Base:
                    def __init__(self):
                        self.uuid = str(uuid.uuid4())

                    def deserialize(self, data):
                        self.uuid = data.get("uuid")
                        setattr(self, "name", data.get("name"))

                class Context(Base):
                    pass

                class Task(Base):
                    pass
                """,
            "app/run.py": """\
                import json
                import subprocess
                import sys
                from app.base import Context, Task

                def stub():
                    context = Context()
                    context.deserialize(json.loads(sys.stdin.read()))

                def start():
                    task = Task()
                    subprocess.run(["helper", task.uuid])
                """,
        },
    )
    assert [(name, line, origin) for name, line, origin, _ in found] == [("run.py", 12, "internal")]


def test_what_other_instances_are_built_with_is_not_read(tmp_path: Path) -> None:
    # letta: an LLMConfig built from a provider's model list (a network response) made
    # every config.model read outside the class remote input: a false critical
    found = _scan(
        tmp_path,
        {
            "app/config.py": """\
                from pydantic import BaseModel

                class LLMConfig(BaseModel):
                    model: str
                    handle: str = ""
                """,
            "app/providers.py": """\
                import requests
                from app.config import LLMConfig

                def list_models(url):
                    return [LLMConfig(model=m["id"]) for m in requests.get(url).json()]
                """,
            "app/run.py": """\
                import subprocess
                from app.config import LLMConfig

                def run(name):
                    config = LLMConfig(model=name)
                    subprocess.run(["llm-runner", config.model])
                """,
        },
    )
    assert [(name, line, origin) for name, line, origin, _ in found] == [("run.py", 6, "parameter")]
