"""Everyday object idioms keep the origin of what they store: attributes set by name
(``setattr``, ``self.__dict__``, ``vars(self).update``), dataclass and attrs fields given by
position, by ``**mapping`` or through ``dataclasses.replace``, a template method whose
subclass hook sets what the base runs, and a table of tools a model's reply picks from.
Each case is remote input (or model output) reaching a sink: critical, with the origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy

BASE = """import os


class Base:
    CMD = "uptime"

    def go(self):
        os.system(self.CMD)
"""

WEB = """from flask import Flask, request
from base import Base

app = Flask(__name__)


class Web(Base):
{init}


@app.route("/w")
def w():
    {call}
"""

# (the subclass's constructor, the view's call): each sets CMD from the request
ATTRIBUTE_WRITES = {
    "setattr": (
        "    def __init__(self, c):\n        setattr(self, 'CMD', c)",
        "Web(request.args['c']).go()",
    ),
    "dict-item": (
        "    def __init__(self, c):\n        self.__dict__['CMD'] = c",
        "Web(request.args['c']).go()",
    ),
    "vars-update": (
        "    def __init__(self, **kw):\n        vars(self).update(kw)",
        "Web(CMD=request.args['c']).go()",
    ),
    "dict-update": (
        "    def __init__(self, data):\n        self.__dict__.update(data)",
        "Web(request.get_json()).go()",
    ),
    "setattr-loop": (
        "    def __init__(self, data):\n"
        "        for key, value in data.items():\n"
        "            setattr(self, key, value)",
        "Web(request.get_json()).go()",
    ),
    "vars-item-by-name": (
        "    def __init__(self, key, value):\n        vars(self)[key] = value",
        "Web('CMD', request.args['c']).go()",
    ),
    "spread-into-kwargs": (
        "    def __init__(self, **kw):\n        vars(self).update(kw)",
        "Web(**request.get_json()).go()",
    ),
}


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert not result.errors
    return result.findings


def _only(findings: list[Finding], path: str) -> Finding:
    (finding,) = [f for f in findings if f.path.endswith(path)]
    return finding


@pytest.mark.parametrize("case", sorted(ATTRIBUTE_WRITES))
def test_an_attribute_set_by_name_keeps_the_request_origin(tmp_path: Path, case: str) -> None:
    init, call = ATTRIBUTE_WRITES[case]
    findings = _scan(tmp_path, {"base.py": BASE, "web.py": WEB.format(init=init, call=call)})
    finding = _only(findings, "base.py")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")
    assert finding.flow[0].path.endswith("web.py")


def test_an_attribute_set_by_a_name_known_at_run_time_makes_the_payload_dynamic(
    tmp_path: Path,
) -> None:
    """``self.cmd = "uptime"`` in ``__init__`` is no constant when the class also writes
    attributes by a name it is given: that name may be ``cmd``."""
    code = (
        "import os\n\n\nclass Job:\n    def __init__(self, **options):\n"
        "        self.cmd = 'uptime'\n"
        "        for key, value in options.items():\n"
        "            setattr(self, key, value)\n\n"
        "    def go(self):\n        os.system(self.cmd)\n"
    )
    finding = _only(_scan(tmp_path, {"job.py": code}), "job.py")
    assert finding.rule == "AUD101"
    assert finding.payload == "dynamic"


STRUCTS = """import subprocess
from dataclasses import dataclass, replace

import attr
from flask import Flask, request

app = Flask(__name__)


@dataclass
class DJob:
    cmd: str = "uptime"

    def go(self):
        subprocess.run(self.cmd, shell=True)


@attr.s
class AJob:
    cmd = attr.ib()

    def go(self):
        subprocess.run(self.cmd, shell=True)


@app.route("/r")
def r():
    {call}
"""

FIELD_CALLS = {
    "replace": ("replace(DJob(), cmd=request.args['c']).go()", 15),
    "positional": ("DJob(request.args['c']).go()", 15),
    "spread-json": ("DJob(**request.get_json()).go()", 15),
    "attrs-positional": ("AJob(request.args['c']).go()", 23),
    "attrs-keyword": ("AJob(cmd=request.args['c']).go()", 23),
}


@pytest.mark.parametrize("case", sorted(FIELD_CALLS))
def test_a_field_holds_what_its_constructor_is_given(tmp_path: Path, case: str) -> None:
    call, line = FIELD_CALLS[case]
    findings = _scan(tmp_path, {"app.py": STRUCTS.format(call=call)})
    critical = [f for f in findings if f.risk == "critical"]
    assert [(f.line, f.rule, f.origin) for f in critical] == [(line, "AUD001", "remote-input")]


def test_positional_fields_are_not_paired_past_an_own_constructor(tmp_path: Path) -> None:
    """A class with its own ``__init__`` says what its arguments are: the first argument
    is ``name`` there, not the field ``cmd``."""
    code = (
        "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "class Job:\n    cmd: str = 'uptime'\n\n"
        "    def __init__(self, name):\n        self.name = name\n\n"
        "    def go(self):\n        subprocess.run(self.cmd, shell=True)\n\n"
        "@app.route('/r')\ndef r():\n    Job(request.args['c']).go()\n"
    )
    finding = _only(_scan(tmp_path, {"app.py": code}), "app.py")
    assert finding.risk != "critical"


TEMPLATE_BASE = """import subprocess


class Task:
    cmd = "true"

    def execute(self):
        return subprocess.run(self.cmd, shell=True)

    def prepare(self, data):
        pass

    def handle(self, data):
        self.prepare(data)
        return self.execute()
"""

TEMPLATE_WEB = """from flask import Flask, request
from base import Task

app = Flask(__name__)


class UserTask(Task):
    def prepare(self, data):
        self.cmd = data["cmd"]


@app.route("/t", methods=["POST"])
def t():
    UserTask().handle(request.get_json())
"""


def test_a_template_method_runs_what_the_subclass_hook_set(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"base.py": TEMPLATE_BASE, "web.py": TEMPLATE_WEB})
    finding = _only(findings, "base.py")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")
    assert [(s.path.rsplit("/", 1)[-1], s.line) for s in finding.flow[:3]] == [
        ("web.py", 14),
        ("web.py", 14),
        ("base.py", 14),
    ]


AGENT = """import json
import subprocess

from openai import OpenAI

client = OpenAI()


def run_shell(command: str) -> str:
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


def run_python(code: str):
    exec(code)


TOOLS = {"run_shell": run_shell, "run_python": run_python}


def loop(messages):
    resp = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[])
    for call in resp.choices[0].message.tool_calls or []:
        args = json.loads(call.function.arguments)
        {dispatch}
"""


@pytest.mark.parametrize(
    ("dispatch", "line"),
    [
        ("fn = TOOLS[call.function.name]\n        fn(**args)", 25),
        ("TOOLS[call.function.name](**args)", 24),
        ("TOOLS.get(call.function.name)(**args)", 24),
    ],
)
def test_tools_picked_from_a_table_by_the_model_get_its_arguments(
    tmp_path: Path, dispatch: str, line: int
) -> None:
    findings = _scan(tmp_path, {"agent.py": AGENT.replace("{dispatch}", dispatch)})
    assert sorted((f.line, f.rule, f.risk, f.origin) for f in findings) == [
        (10, "AUD001", "critical", "llm-output"),
        (14, "AUD003", "critical", "llm-output"),
    ]
    (shell,) = [f for f in findings if f.line == 10]
    assert shell.flow[1].line == line  # passed where the table's function is called


SUBCLASS_WRITES = """import os

from flask import Flask, request

app = Flask(__name__)


class Base:
    def __init__(self):
        self.cmd = "uptime"

    def go(self):
        os.system(self.cmd)


class Web(Base):
{init}


@app.route("/w")
def w():
    {call}
"""


@pytest.mark.parametrize(
    ("init", "call"),
    [
        (
            "    def __init__(self, c):\n        super().__init__()\n        self.cmd = c",
            "Web(request.args['c']).go()",
        ),
        (
            "    def __init__(self, **kw):\n        super().__init__()\n"
            "        vars(self).update(kw)",
            "Web(**request.get_json()).go()",
        ),
    ],
    ids=["by-name", "by-a-name-known-at-run-time"],
)
def test_the_constant_of_init_is_not_the_one_value_when_a_subclass_sets_it(
    tmp_path: Path, init: str, call: str
) -> None:
    """The base's method runs on an instance of the subclass of the same file, which sets
    the attribute again: the payload is not the constant ``__init__`` gives."""
    code = SUBCLASS_WRITES.format(init=init, call=call)
    finding = _only(_scan(tmp_path, {"app.py": code}), "app.py")
    assert (finding.line, finding.rule, finding.risk, finding.origin) == (
        13,
        "AUD001",
        "critical",
        "remote-input",
    )
