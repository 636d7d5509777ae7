"""A parameter's scalar annotation (``n: int``) is a conversion only where the framework
that fills the parameter in validates by it (rules/sources.toml's ``validates``): FastAPI,
Litestar, typer, FastMCP, LangChain tools. Flask, Quart, Bottle, Sanic, Celery and Dramatiq
pass the value as it came, whatever the annotation says."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

NOT_CONVERTED = {
    "flask": "from flask import Flask\napp = Flask(__name__)\n@app.route('/a/<n>')\n",
    "quart": "from quart import Quart\napp = Quart(__name__)\n@app.route('/a/<n>')\n",
    "bottle": "from bottle import route\n@route('/x/<n>')\n",
    "sanic": "from sanic import Sanic\napp = Sanic('x')\n@app.get('/a/<n>')\n",
    "celery": "from celery import shared_task\n@shared_task\n",
    "dramatiq": "import dramatiq\n@dramatiq.actor\n",
    "click": "import click\n@click.command()\n@click.argument('n')\n",
}
CONVERTED = {
    "fastapi": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/a/{n}')\n",
    "typer": "import typer\napp = typer.Typer()\n@app.command()\n",
    "fastmcp": "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n@mcp.tool()\n",
    "langchain": "from langchain_core.tools import tool\n@tool\n",
}
BODY = "def a(n: int):\n    '''sleep'''\n    os.system(f'sleep {n}')\n"


def _scan(tmp_path: Path, head: str) -> list[tuple[str, str, str]]:
    (tmp_path / "app.py").write_text("import os\n" + head + textwrap.dedent(BODY))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [(f.rule, f.risk, f.message) for f in result.findings]


@pytest.mark.parametrize("framework", sorted(NOT_CONVERTED))
def test_an_int_annotation_converts_nothing_where_the_framework_ignores_it(
    framework: str, tmp_path: Path
) -> None:
    [(rule, risk, message)] = _scan(tmp_path, NOT_CONVERTED[framework])
    # a command-line parameter (click) is high, request data critical
    expected = ("AUD101", "high") if framework == "click" else ("AUD001", "critical")
    assert (rule, risk) == expected
    assert "converted" not in message


@pytest.mark.parametrize("framework", sorted(CONVERTED))
def test_an_int_annotation_converts_where_the_framework_validates_by_it(
    framework: str, tmp_path: Path
) -> None:
    [(rule, risk, message)] = _scan(tmp_path, CONVERTED[framework])
    assert rule == "AUD101" and risk in ("medium", "low")
    assert "converted to int by the framework" in message
