"""Views and tools registered without the decorator syntax (an attacker's second round):
a route decorator applied by hand, a router's add_api_route, Flask's class-based views and
LangChain's StructuredTool constructor give their parameters the origin the decorator
would (rules/sources.toml)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

CASES = {
    "flask route applied by hand": (
        """
        import os
        from flask import Flask
        app = Flask(__name__)
        def ping(host):
            os.system("ping -c 1 " + host)
            return "ok"
        app.route("/ping/<host>")(ping)
        """,
        "remote-input",
    ),
    "flask verb applied by hand": (
        """
        import os
        from flask import Flask
        app = Flask(__name__)
        def ping(host):
            os.system("ping -c 1 " + host)
            return "ok"
        app.get("/ping/<host>")(ping)
        """,
        "remote-input",
    ),
    "fastapi verb applied by hand": (
        """
        import os
        from fastapi import FastAPI
        app = FastAPI()
        def lookup(domain: str):
            os.system("host " + domain)
        app.get("/lookup")(lookup)
        """,
        "remote-input",
    ),
    "fastapi router of the app": (
        """
        import os
        from fastapi import FastAPI
        app = FastAPI()
        def lookup(domain: str):
            os.system("host " + domain)
        app.router.add_api_route("/lookup", lookup)
        """,
        "remote-input",
    ),
    "flask MethodView": (
        """
        import os
        from flask.views import MethodView
        class Ping(MethodView):
            def get(self, host):
                os.system("ping -c 1 " + host)
                return "ok"
        """,
        "remote-input",
    ),
    "flask View": (
        """
        import os
        from flask.views import View
        class Make(View):
            def dispatch_request(self, target):
                os.system("make " + target)
                return "ok"
        """,
        "remote-input",
    ),
    "langchain StructuredTool constructor": (
        """
        import subprocess
        from langchain_core.tools import StructuredTool
        def shell(command: str) -> str:
            return subprocess.getoutput(command)
        tool = StructuredTool(name="shell", description="runs", func=shell)
        """,
        "llm-output",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_registered_function_takes_the_origin(tmp_path: Path, name: str) -> None:
    code, origin = CASES[name]
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    [finding] = result.findings
    assert (finding.origin, finding.risk) == (origin, "critical")
