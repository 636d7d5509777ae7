"""What the project stage's rounds read again (auditor.flow.stage.Planner.requests) and what
a file asked for gives (auditor.scan.analyze.analyze_source with ``extra``).

A round asks a file by its words: a file that only *says* the name of a call or an
attribute asked for (in a comment, a string, another function's name) holds nothing the
stage wants, and is not parsed with libcst for it. A ``def:`` request always parses: it may
ask for a module-level name (an instance whose method is called elsewhere). The rounds do not
ask a file for the ``def`` of an overridable method when it says the name only after a dot
(``self.assertEqual``, ``assistant.submit_prompt(q)``): it binds no function of that name.

What the rounds must still find: a subclass's override of an abstract method in a file
without a sink, whose base is re-exported by a package's ``__init__`` that holds no sink
either; the callers of a constructor whose parameter a sink reads through ``self``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, analyze_source
from tests.conftest import make_policy

CTX = Context(load_policy(None))


@pytest.mark.parametrize("extra", [("set:command",), ("call:run_it",), ("call:x", "set:y")])
def test_a_file_that_only_says_the_name_is_not_parsed(extra: tuple[str, ...]) -> None:
    code = '"""command, run_it, x and y, in words only."""\n\nclass Job:\n    z = 1\n'
    result = analyze_source(code.encode(), "m.py", "m.py", CTX, extra=extra)
    assert (result.parsed, result.summary, result.findings) == (False, None, [])


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ("set:command", "class Job:\n    def __init__(self, c):\n        self.command = c\n"),
        ("set:command", "class Job:\n    def add(self, c):\n        self.command.append(c)\n"),
        ("call:run_it", "from tools import run_it\n\ndef go(x):\n    run_it(x)\n"),
        ("call:run_it", "from tools import run_it\n\nHANDLERS = [run_it]\n"),
        ("def:helper", "def helper():\n    return input()\n"),
        ("def:Base", "from .base import Base\n"),
        ("def:execute", "from .runner import Runner\n\nrunner = Runner()\n"),
        ("def:helper", "import functools\nhelper = functools.partial(print)\n"),
        ("call:run_it", "from tools import run_it as go\n\ndef main(x):\n    go(x)\n"),
        ("set:command", "from base import Job\n\nclass Ls(Job):\n    command = 'ls'\n"),
        ("set:command", "class Ls:\n    command: str = input()\n"),
    ],
    ids=[
        "attribute-set",
        "attribute-grown",
        "call",
        "handed-over",
        "def",
        "re-export",
        "module-level-instance",
        "bound",
        "imported-as",
        "class-attribute",
        "class-attribute-annotated",
    ],
)
def test_a_file_that_holds_what_is_asked_is_parsed(extra: str, code: str) -> None:
    result = analyze_source(code.encode(), "m.py", "pkg/m.py", CTX, extra=(extra,))
    assert result.parsed
    assert result.summary is not None


def test_a_file_with_a_sink_of_its_own_is_parsed_whatever_is_asked() -> None:
    code = "import os\n\ndef go(c):\n    os.system(c)\n"
    result = analyze_source(code.encode(), "m.py", "m.py", CTX, extra=("set:unrelated",))
    assert result.parsed
    assert [f.rule for f in result.findings] == ["AUD101"]


MODEL = """\
from openai import OpenAI

def answer(question):
    reply = OpenAI().chat.completions.create(model="m", messages=[question])
    return reply.choices[0].message.content
"""

# an abstract method whose override returns model output, in a file without a sink, the
# base re-exported by its package's ``__init__``
ASSISTANT = {
    "app/__init__.py": "",
    "app/llm.py": MODEL,
    "app/core/__init__.py": "from .base import Assistant\n",
    "app/core/base.py": """\
            from abc import ABC, abstractmethod

            class Assistant(ABC):
                @abstractmethod
                def submit_prompt(self, prompt):
                    ...

                def ask(self, question):
                    exec(self.submit_prompt(question))
            """,
    "app/backends/__init__.py": "",
    "app/backends/chat.py": """\
            from app.core import Assistant
            from app.llm import answer

            class ChatAssistant(Assistant):
                def submit_prompt(self, prompt):
                    return answer(prompt)
            """,
}


def test_an_override_in_a_file_without_a_sink_is_found(tmp_path: Path) -> None:
    """The base class is imported through its package's ``__init__`` (a re-export, no
    sink); the override that returns model output is in a file without a sink: neither is
    parsed by the per-file stage. The payload of ``exec`` is what the override returns."""
    files = {
        **ASSISTANT,
        # says the method and the class in words only: not a subclass
        "app/notes.py": '"""Assistant.submit_prompt is what a backend implements."""\n',
    }
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    [finding] = result.findings
    assert (Path(finding.path).name, finding.rule, finding.origin) == (
        "base.py",
        "AUD003",
        "llm-output",
    )
    steps = [(Path(s.path).name, s.line) for s in finding.flow]
    assert steps[:2] == [("llm.py", 4), ("chat.py", 6)]


def test_a_constructor_is_followed_under_its_class_name(tmp_path: Path) -> None:
    """``self.command`` is what ``__init__`` was given; the only caller passing run-time
    data is in a file without a sink, which says ``Notifier`` and never ``__init__``."""
    files = {
        "app/__init__.py": "",
        "app/notify.py": """\
            import subprocess

            class Notifier:
                def __init__(self, command=None):
                    self.command = command

                def ring(self):
                    if self.command:
                        subprocess.run(self.command, shell=True)
            """,
        "app/main.py": """\
            import argparse
            from app.notify import Notifier

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--notify")
                args = parser.parse_args()
                Notifier(command=args.notify).ring()
            """,
        "app/quiet.py": "from app.notify import Notifier\n\nQUIET = Notifier()\n",
    }
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    assert (finding.rule, finding.origin) == ("AUD101", "user-input")
    assert Path(finding.flow[0].path).name == "main.py"


def test_a_critical_install_keeps_what_the_installer_runs(tmp_path: Path) -> None:
    """The stage rewrites the message of a site request data reaches (AUD002): the note of
    the installer (the packages' build code runs) stays, in the message and in ``note``."""
    (tmp_path / "app.py").write_text(
        "import subprocess\n"
        "from flask import Flask, request\n\n"
        "app = Flask(__name__)\n\n\n"
        '@app.route("/install")\n'
        "def install():\n"
        '    subprocess.run(["pip", "install", request.args["pkg"]])\n\n\n'
        "def local(pkg):\n"
        '    subprocess.run(["pip", "install", pkg])\n'
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    by_rule = {f.rule: f for f in result.findings}
    assert sorted(by_rule) == ["AUD002", "AUD102"]
    for finding in by_rule.values():
        assert finding.note is not None and finding.note.startswith("pip install runs")
        assert finding.message.endswith(f": {finding.note}")


@pytest.mark.parametrize(
    ("text", "binds"),
    [
        ("class Chat(Base):\n    def submit_prompt(self, p):\n        return p\n", True),
        ("from .base import submit_prompt\n", True),
        ("class Chat(Base):\n    submit_prompt = staticmethod(print)\n", True),
        ("setattr(Chat, 'submit_prompt', print)\n", True),
        ("x = Chat()\nx. submit_prompt('a')\n", True),  # not right after the dot: kept
        ("def go(a):\n    return a.submit_prompt('q')\n", False),
        ("class T(Case):\n    def test(self):\n        self.submit_prompt(1)\n", False),
        ("print(submit_prompts)\n", False),
    ],
    ids=["def", "import", "class-attribute", "string", "spaced-dot", "call", "self", "longer"],
)
def test_a_file_binds_a_name_unless_it_says_it_only_after_a_dot(text: str, binds: bool) -> None:
    from auditor.findings import FileResult
    from auditor.flow.entry import Entry
    from auditor.flow.stage import Planner

    entries = [Entry("/p/m.py", "m.py", "m.py", False, FileResult())]
    assert Planner(entries, lambda entry: text).binds(0, "submit_prompt") is binds


def test_a_file_that_only_calls_the_abstract_method_is_not_read_for_its_def(
    tmp_path: Path,
) -> None:
    """The rounds ask the files naming an abstract method and its class for the method's
    ``def`` (an override may be there); a file that says the method only after a dot
    (``assistant.submit_prompt(q)``) defines none and is not parsed for it, while the
    override is still found."""
    caller = """\
        from app.core import Assistant

        def preview(assistant: Assistant, question):
            return assistant.submit_prompt(question)[:80]
        """
    parsed = []
    for extra in ({}, {"app/preview.py": caller}):
        root = tmp_path / str(len(parsed))
        for name, code in {**ASSISTANT, **extra}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(code))
        result = scan([root], policy=make_policy(root=str(root)), jobs=1)
        assert [(f.rule, f.origin) for f in result.findings] == [("AUD003", "llm-output")]
        parsed.append(result.stats.parsed)
    assert parsed[1] == parsed[0]
