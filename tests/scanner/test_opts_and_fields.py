"""False reassurances an attacker confirmed (optsfields): the ``**opts`` of a call on a
constant argv whose dict is filled where the scanner did not look (a helper, an alias, a
container or attribute holding it, ``vars()``/``locals()``, an item of it), and a pydantic
field taken as converted although it is assigned after construction without
``validate_assignment`` or made by ``model_construct``. Each case states the origin, the
risk and the rule it must have; each was low/allow, high/internal or medium (converted)
before."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy

FLASK = "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n"
FASTAPI = (
    "import subprocess\nfrom fastapi import FastAPI, Request\n"
    "from pydantic import BaseModel, ConfigDict\napp = FastAPI()\n"
)


def scan_app(tmp_path: Path, code: str) -> list[Finding]:
    (tmp_path / "app.py").write_text(code)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return result.findings


def _route(body: str, before: str = "") -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return FLASK + before + "@app.route('/a')\ndef a():\n" + lines


# -- **opts whose dict may hold executable=, env= or shell= from the request ----------------
# each: request data reaches the dict spread into subprocess.run(["ls"], **opts): the
# program is chosen by it (AUD002, critical, remote-input)
OPTS = {
    # filled by a helper of the file (was AUD301 low, allow: the dict read as {"check": True})
    "helper-update": _route(
        "opts = {'check': True}\nfill(opts)\nsubprocess.run(['ls'], **opts)",
        "def fill(d):\n    d.update(request.json)\n",
    ),
    "helper-item": _route(
        "opts = {'check': True}\nfill(opts)\nsubprocess.run(['ls'], **opts)",
        "def fill(d):\n    d['executable'] = request.args['e']\n",
    ),
    # an item of the dict changed (was AUD301 low, allow)
    "nested-item": _route(
        "opts = {'env': {'PATH': '/bin'}}\n"
        "opts['env']['LD_PRELOAD'] = request.args['p']\n"
        "subprocess.run(['ls'], **opts)"
    ),
    "nested-update": _route(
        "opts = {'env': {'PATH': '/bin'}}\n"
        "opts['env'].update(request.json)\n"
        "subprocess.run(['ls'], **opts)"
    ),
    # one dict under two names (was AUD301 low, allow)
    "chained-alias": _route(
        "o = opts = {'check': True}\n"
        "o['executable'] = request.args['e']\n"
        "subprocess.run(['ls'], **opts)"
    ),
    # the dict held by a list or an attribute, changed through it (was AUD301 low, allow)
    "held-by-list": _route(
        "opts = {'check': True}\nbox = [opts]\n"
        "box[0]['executable'] = request.args['e']\n"
        "subprocess.run(['ls'], **opts)"
    ),
    "held-by-attribute": _route(
        "opts = {'check': True}\nh = Holder()\nh.o = opts\n"
        "h.o['executable'] = request.args['e']\n"
        "subprocess.run(['ls'], **opts)",
        "class Holder:\n    pass\n",
    ),
    # vars() of an object whose attributes the request sets (was AUD102 high, internal)
    "vars-namespace": "import argparse\n"
    + _route(
        "ns = argparse.Namespace()\nns.executable = request.args['e']\n"
        "subprocess.run(['ls'], **vars(ns))"
    ),
    "vars-object": _route(
        "o = Opts()\no.executable = request.args['e']\nopts = {}\nopts.update(vars(o))\n"
        "subprocess.run(['ls'], **opts)",
        "class Opts:\n    pass\n",
    ),
    "dunder-dict": _route(
        "o = Opts()\nsetattr(o, 'executable', request.args['e'])\n"
        "subprocess.run(['ls'], **o.__dict__)",
        "class Opts:\n    pass\n",
    ),
    # locals() holds every local name (was AUD102 high, internal)
    "locals": _route("executable = request.args['e']\nsubprocess.run(['ls'], **locals())"),
}


@pytest.mark.parametrize("name", sorted(OPTS))
def test_opts_filled_out_of_sight_choose_the_program(name: str, tmp_path: Path) -> None:
    [finding] = scan_app(tmp_path, OPTS[name])
    assert (finding.rule, finding.risk, finding.origin, finding.payload) == (
        "AUD002",
        "critical",
        "remote-input",
        "dynamic",
    )
    assert "program chosen by request data" in finding.message


def test_a_dict_changed_by_a_helper_is_not_its_display(tmp_path: Path) -> None:
    """A helper that puts only constants in the dict: the analysis does not read it as the
    display it was built from (dynamic), and nothing from outside reaches it (internal)."""
    code = _route(
        "opts = {'check': True}\nfill(opts)\nsubprocess.run(['ls'], **opts)",
        "def fill(d):\n    d['cwd'] = '/srv'\n",
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD102", "high", "internal")


def test_locals_of_a_function_carry_its_callers_values(tmp_path: Path) -> None:
    """``**locals()`` in a helper: its parameters are among them, and what the route passes
    for them reaches the call (was AUD101 high, internal)."""
    code = FLASK + (
        "def go(args, executable):\n    subprocess.run(args, **locals())\n"
        "@app.route('/a')\ndef a():\n    go(['ls'], request.args['e'])\n"
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.risk, finding.origin) == ("critical", "remote-input")


def test_a_dict_handed_to_a_reading_builtin_stays_known(tmp_path: Path) -> None:
    """Precision kept: a dict handed only to what reads it (``print``) and spread with
    constant keys is still the display it was built from (AUD301, low, allow)."""
    code = _route("opts = {'check': True}\nprint(opts)\nsubprocess.run(['ls'], **opts)")
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.payload) == ("AUD301", "low", "constant")


# -- a pydantic field assigned after construction, or made without validation --------------
def _model(config: str, body: str, read: str = "job.retries") -> str:
    return (
        FASTAPI
        + f"class Job(BaseModel{config[0]}):\n    retries: int\n{config[1]}"
        + "@app.get('/a')\ndef a(request: Request):\n"
        + "".join(f"    {line}\n" for line in body.splitlines())
        + f"    subprocess.run(f'sleep {{{read}}}', shell=True)\n"
    )


PLAIN = ("", "")
V2 = ("", "    model_config = ConfigDict(validate_assignment=True)\n")
V1 = ("", "    class Config:\n        validate_assignment = True\n")
KEYWORD = (", validate_assignment=True", "")
OFF = ("", "    model_config = ConfigDict(validate_assignment=False)\n")
ASSIGN = "job = Job(retries=1)\njob.retries = request.query_params['r']"
SETATTR = "job = Job(retries=1)\nsetattr(job, 'retries', request.query_params['r'])"

# not converted: request data reaches the shell as it is (AUD001, critical, remote-input)
UNCONVERTED = {
    # was AUD101 high internal: the assignment was not seen at all
    "assigned": _model(PLAIN, ASSIGN),
    "setattr": _model(PLAIN, SETATTR),
    "validate-assignment-false": _model(OFF, ASSIGN),
    "setattr-any-name": _model(
        PLAIN,
        "job = Job(retries=1)\nsetattr(job, request.query_params['k'], request.query_params['r'])",
    ),
    # was AUD101 medium, "converted to int by its model": the instance is typed by the
    # parameter's annotation, but model_construct validates nothing
    "model-construct": FASTAPI
    + "class Job(BaseModel):\n    retries: int\n"
    + "def run(job: Job):\n    subprocess.run(f'sleep {job.retries}', shell=True)\n"
    + "@app.get('/a')\ndef a(request: Request):\n"
    + "    run(Job.model_construct(retries=request.query_params['r']))\n",
    "construct-v1": FASTAPI
    + "class Job(BaseModel):\n    retries: int\n"
    + "def run(job: Job):\n    subprocess.run(f'sleep {job.retries}', shell=True)\n"
    + "@app.get('/a')\ndef a(request: Request):\n"
    + "    run(Job.construct(**request.query_params))\n",
    # was AUD101 medium, converted: the field of an instance made by the route is converted,
    # but another instance of the class is assigned request data (the same field, typed
    # the same way where it is read)
    "assigned-elsewhere": FASTAPI
    + "class Job(BaseModel):\n    retries: int\n"
    + "def run(job: Job):\n    subprocess.run(f'sleep {job.retries}', shell=True)\n"
    + "@app.get('/a')\ndef a(request: Request):\n"
    + "    job = Job(retries=request.query_params['r'])\n    run(job)\n"
    + "@app.get('/b')\ndef b(request: Request):\n"
    + "    job = Job(retries=1)\n    job.retries = request.query_params['r']\n    run(job)\n",
}


@pytest.mark.parametrize("name", sorted(UNCONVERTED))
def test_a_field_set_without_validation_is_not_converted(name: str, tmp_path: Path) -> None:
    findings = scan_app(tmp_path, UNCONVERTED[name])
    assert [(f.rule, f.risk, f.origin) for f in findings] == [
        ("AUD001", "critical", "remote-input")
    ]
    assert "converted" not in findings[0].message


# converted: the model validates the assignment too (AUD101, medium, remote-input); before,
# the assignment was not seen (AUD101 high internal): the origin is now the request's
CONVERTED = {
    "v2-config": _model(V2, ASSIGN),
    "v1-config": _model(V1, ASSIGN),
    "class-keyword": _model(KEYWORD, SETATTR),
}


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_validate_assignment_keeps_the_conversion(name: str, tmp_path: Path) -> None:
    [finding] = scan_app(tmp_path, CONVERTED[name])
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "converted to int by its model" in finding.message


def test_an_attribute_set_on_a_plain_instance_reaches_its_read(tmp_path: Path) -> None:
    """``p = Probe(); p.cmd = request.args["c"]; run(p.cmd)``: the read is what was set
    (was AUD101 high internal: only what the constructor was given was followed)."""
    code = FLASK + (
        "class Probe:\n    def __init__(self):\n        self.cmd = 'ls'\n"
        "@app.route('/a')\ndef a():\n    p = Probe()\n    p.cmd = request.args['c']\n"
        "    subprocess.run(p.cmd, shell=True)\n"
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")


# -- what a **spread carries reaches what it fills ------------------------------------------
SPREAD = FASTAPI + (
    "class Job(BaseModel):\n    cmd: str\n"
    "def helper(**kw):\n    return kw['cmd']\n"
    "def first(cmd, flag=None):\n    return cmd\n"
)


@pytest.mark.parametrize(
    "body",
    [
        # a model made from the request's JSON: its field is the request's (was AUD101 high
        # internal: the spread was dropped from what the constructor was given)
        "data = await request.json()\n    job = Job(**data)\n"
        "    subprocess.run(job.cmd, shell=True)",
        # a function's **kw filled by a spread (was AUD101 high parameter)
        "data = await request.json()\n    subprocess.run(helper(**data), shell=True)",
        # a named parameter filled by a spread (was AUD101 high parameter)
        "data = await request.json()\n    subprocess.run(first(**data), shell=True)",
    ],
)
def test_a_spread_carries_its_origin(body: str, tmp_path: Path) -> None:
    code = SPREAD + "@app.post('/a')\nasync def a(request: Request):\n    " + body + "\n"
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")


def test_an_environment_filled_by_a_helper_chooses_the_program(tmp_path: Path) -> None:
    """``env`` built here, handed to a helper that sets LD_PRELOAD from the request, then
    given to the call (was AUD301 low, allow: the environment read as its display)."""
    code = _route(
        "env = {'PATH': '/bin'}\nfill(env)\nsubprocess.run(['ls'], env=env)",
        "def fill(e):\n    e['LD_PRELOAD'] = request.args['p']\n",
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD002", "critical", "remote-input")


def test_an_environment_only_read_stays_constant(tmp_path: Path) -> None:
    """Precision kept: an environment handed only to what reads it (a log call) and then
    given to the call is still the display it was built from (AUD301, low)."""
    code = "import logging\n" + _route(
        "env = {'PATH': '/bin'}\nlogging.info(env)\nsubprocess.run(['ls'], env=env)"
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.payload) == ("AUD301", "low", "constant")


def test_a_list_kept_in_an_attribute_but_not_changed_stays_constant(tmp_path: Path) -> None:
    """Precision kept: an argv also kept in an attribute (``self.last = cmd``) or a dict,
    with nothing that may change it before the call, is still constant (AUD301, low)."""
    code = (
        "import subprocess\nclass Runner:\n    def go(self):\n"
        "        cmd = ['git', 'status']\n        self.last = cmd\n        subprocess.run(cmd)\n"
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.payload) == ("AUD301", "low", "constant")


def test_a_dict_held_by_an_object_a_method_may_change(tmp_path: Path) -> None:
    """``h.o = opts`` then a method of ``h`` called before the spread: it may have changed
    the dict, and what it puts in ``self.o`` reaches it (was AUD301 low, allow)."""
    code = _route(
        "opts = {'check': True}\nh = Holder()\nh.o = opts\nh.fill()\n"
        "subprocess.run(['ls'], **opts)",
        "class Holder:\n    def fill(self):\n        self.o['executable'] = request.args['e']\n",
    )
    [finding] = scan_app(tmp_path, code)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD002", "critical", "remote-input")
