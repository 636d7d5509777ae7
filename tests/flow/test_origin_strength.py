"""Origins that an attacker found reported weaker than they are (critical shown as high):
request readers of framework base classes, model constructors from parsed data, servers
whose callbacks get what a client sent (rules/sources.toml)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy


def _origins(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, int], str | None]:
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return {(Path(f.path).name, f.line): f.origin for f in result.findings}


def test_tornado_request_readers_are_the_request(tmp_path: Path) -> None:
    found = _origins(
        tmp_path,
        {
            "g.py": """
                import os
                import tornado.web
                class H(tornado.web.RequestHandler):
                    def post(self):
                        os.system(self.get_body_argument("c"))
                    def put(self):
                        os.system(self.get_query_argument("c"))
                    def patch(self):
                        os.system(self.get_arguments("c")[0])
                """
        },
    )
    assert found == {("g.py", n): "remote-input" for n in (6, 8, 10)}


def test_a_method_of_the_same_name_elsewhere_is_not_the_request(tmp_path: Path) -> None:
    found = _origins(
        tmp_path,
        {
            "g.py": """
                import os, sys
                class Settings:
                    def get_argument(self, name):
                        return sys.argv[1]
                    def go(self):
                        os.system(self.get_argument("c"))
                """
        },
    )
    assert found == {("g.py", 7): "user-input"}


MODELS = """
    import os
    from dataclasses import dataclass
    from pydantic import BaseModel
    class Job(BaseModel):
        cmd: str = "uptime"
        def go(self):
            os.system(self.cmd)
    class Copy(BaseModel):
        cmd: str = "uptime"
        def go(self):
            os.system(self.cmd)
    @dataclass
    class DJob:
        cmd: str = "uptime"
        def go(self):
            os.system(self.cmd)
    class Quiet(BaseModel):
        cmd: str = "uptime"
        def go(self):
            os.system(self.cmd)
    """


def test_models_built_from_request_data_carry_it(tmp_path: Path) -> None:
    found = _origins(
        tmp_path,
        {
            "models.py": MODELS,
            "web.py": """
                import dacite, sys
                from flask import Flask, request
                from models import Job, Copy, DJob, Quiet
                app = Flask(__name__)
                @app.route("/a")
                def a():
                    Job.model_validate_json(request.data).go()
                @app.route("/c")
                def c():
                    j = Copy()
                    j = j.model_copy(update={"cmd": request.args["c"]})
                    j.go()
                @app.route("/d")
                def d():
                    dacite.from_dict(DJob, request.get_json()).go()
                def main():
                    Quiet.model_validate({"cmd": sys.argv[1]}).go()
                """,
        },
    )
    assert found == {
        ("models.py", 8): "remote-input",
        ("models.py", 12): "remote-input",
        ("models.py", 17): "remote-input",
        ("models.py", 21): "user-input",
    }
