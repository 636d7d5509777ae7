"""Flows docs/flow.md says the project stage follows: walrus, comprehensions, super(),
re-exports through a package __init__, FastAPI dependencies, constant allow-lists (a set,
a frozenset). Each case is checked with the pre-filters on, as users run it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import scan_files

FLASK = "import os, subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(tmp_path, files)


def _one(tmp_path: Path, code: str) -> Finding:
    (finding,) = _scan(tmp_path, {"app.py": FLASK + textwrap.dedent(code)})
    return finding


def test_walrus(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        """\
        @app.route("/a")
        def a():
            if (c := request.args.get("c")):
                os.system(c)
        """,
    )
    assert (finding.rule, finding.origin) == ("AUD001", "remote-input")


def test_comprehension(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        """\
        @app.route("/b")
        def b():
            cmds = [x.strip() for x in request.args.getlist("c")]
            os.system(cmds[0])
        """,
    )
    assert (finding.rule, finding.origin) == ("AUD001", "remote-input")


def test_super_reaches_the_base_method(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "app.py": FLASK
            + textwrap.dedent(
                """\
                class Base:
                    def go(self, cmd):
                        subprocess.run(cmd, shell=True)

                class Child(Base):
                    def go(self, cmd):
                        super().go(cmd.strip())

                @app.route("/c")
                def c():
                    Child().go(request.args["x"])
                """
            )
        },
    )
    assert [(f.rule, f.function, f.origin) for f in found] == [
        ("AUD001", "Base.go", "remote-input")
    ]
    passed = [step.subject for step in found[0].flow if step.kind == "passed"]
    assert passed == ["Child().go", "super().go"]


def test_a_function_re_exported_by_a_package(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "pkg/__init__.py": "from .helpers import run_it\n",
            "pkg/helpers.py": "import subprocess\ndef run_it(cmd):\n"
            "    subprocess.run(cmd, shell=True)\n",
            "app.py": FLASK + "from pkg import run_it\n"
            "@app.route('/d')\ndef d():\n    run_it(request.args['x'])\n",
        },
    )
    assert [(f.rule, f.path.endswith("helpers.py")) for f in found] == [("AUD001", True)]


def test_a_fastapi_dependency_fills_its_parameters_from_the_request(tmp_path: Path) -> None:
    (finding,) = _scan(
        tmp_path,
        {
            "app.py": """\
            import os
            from fastapi import Depends, FastAPI
            api = FastAPI()

            def target(q: str):
                return q.strip()

            @api.get("/e")
            def e(v: str = Depends(target)):
                os.system(v)
            """
        },
    )
    assert (finding.rule, finding.origin) == ("AUD001", "remote-input")
    assert [s.kind for s in finding.flow] == ["entry", "returned", "reaches"]


def test_an_int_dependency_parameter_is_converted(tmp_path: Path) -> None:
    (finding,) = _scan(
        tmp_path,
        {
            "app.py": """\
            import os
            from fastapi import Depends, FastAPI
            api = FastAPI()

            def port(p: int):
                return f"nc -z localhost {p}"

            @api.get("/e")
            def e(cmd: str = Depends(port)):
                os.system(cmd)
            """
        },
    )
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")


def test_a_constant_set_is_an_allow_list(tmp_path: Path) -> None:
    for container in ('{"ls", "df"}', 'frozenset({"ls", "df"})', '("ls", "df")'):
        finding = _one(
            tmp_path,
            f"""\
            ALLOWED = {container}
            @app.route("/f")
            def f():
                c = request.args["c"]
                if c in ALLOWED:
                    os.system(c)
            """,
        )
        assert (finding.rule, finding.risk) == ("AUD101", "medium"), container
        assert "checked against the allow-list ALLOWED" in finding.message


def test_standard_library_modules_used_without_an_import(tmp_path: Path) -> None:
    # a snippet or a notebook's export that never imports os or sys: the sink and the
    # source are still the standard library's
    found = _scan(
        tmp_path,
        {
            "snippet.py": """\
            def main():
                cmd = sys.argv[1]
                os.system(cmd)
            """
        },
    )
    assert [(f.rule, f.sink, f.origin) for f in found] == [("AUD101", "os.system", "user-input")]


def test_each_dependency_gives_its_own_result(tmp_path: Path) -> None:
    # several routes, each filled by another provider: one provider's origin never reaches
    # the route of another
    found = _scan(
        tmp_path,
        {
            "app.py": """\
            import os
            from fastapi import Depends, FastAPI, Header
            api = FastAPI()

            def token(x_token: str = Header(...)):
                return x_token

            def from_env():
                return os.environ["CMD"]

            def fixed():
                return "uptime"

            @api.get("/a")
            def a(t: str = Depends(token)):
                os.system(t)

            @api.get("/b")
            def b(x: str = Depends(from_env)):
                os.system(x)

            @api.get("/c")
            def c(x: str = Depends(fixed)):
                os.system(x)
            """
        },
    )
    assert [(f.function, f.origin) for f in found] == [
        ("a", "remote-input"),
        ("b", "environment"),
        ("c", "internal"),
    ]


def test_a_dependency_in_another_file_has_request_parameters(tmp_path: Path) -> None:
    # FastAPI fills a dependency's own parameters from the request (query parameters when
    # nothing else says), wherever the dependency is defined
    found = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": """\
            def get_cmd(cmd: str):
                return cmd

            async def get_user(name: str, limit: int = 10, *, token: str):
                return {"name": name, "token": token}
            """,
            "app/main.py": """\
            import os
            from fastapi import Depends, FastAPI
            from app import deps
            from app.deps import get_cmd
            api = FastAPI()

            @api.get("/a")
            def a(cmd: str = Depends(get_cmd)):
                os.system(cmd)

            @api.get("/b")
            async def b(user: dict = Depends(deps.get_user)):
                os.system("id " + user["token"])
            """,
        },
    )
    assert [(f.function, f.rule, f.origin) for f in found] == [
        ("a", "AUD001", "remote-input"),
        ("b", "AUD001", "remote-input"),
    ]
    assert [s.path.rsplit("/", 1)[-1] for s in found[0].flow] == ["deps.py", "main.py", "main.py"]


def test_a_project_scanned_through_a_symbolic_link(tmp_path: Path) -> None:
    """The policy's root is the resolved folder; the files' paths, as given, go through the
    link: their module names (and so the calls between files) must still be found."""
    real = tmp_path / "real"
    files = {
        "app/routes.py": FLASK + "from app.tools import run\n@app.route('/r')\n"
        "def r():\n    run(request.args['c'])\n",
        "app/tools.py": "import subprocess\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n",
        "app/__init__.py": "",
    }
    for name, code in files.items():
        path = real / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    result = scan([link], jobs=1)
    assert result.errors == []
    (finding,) = result.findings
    assert (finding.rule, finding.origin) == ("AUD001", "remote-input")


def test_an_object_carries_what_it_is_built_from(tmp_path: Path) -> None:
    """``Job(cmd).cmd`` read outside the class: the constructor's result carries its
    arguments (as a call the analysis does not follow does), not what ``__init__``
    returns (nothing)."""
    found = _scan(
        tmp_path,
        {
            "app.py": FLASK
            + textwrap.dedent(
                """\
                class Job:
                    def __init__(self, cmd):
                        self.cmd = cmd

                @app.route("/j")
                def j():
                    job = Job(request.args["c"])
                    os.system(job.cmd)
                """
            )
        },
    )
    assert [(f.rule, f.origin) for f in found] == [("AUD001", "remote-input")]


def test_a_setting_is_an_allow_list_and_a_list_a_caller_passes_is_not(tmp_path: Path) -> None:
    # django/contrib/auth/__init__.py: get_user() checks the session's backend against
    # settings.AUTHENTICATION_BACKENDS before importing it
    finding = _one(
        tmp_path,
        """\
        from django.conf import settings
        @app.route("/g")
        def g():
            c = request.args["c"]
            if c in settings.ALLOWED_COMMANDS:
                os.system(c)
        """,
    )
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "medium", "remote-input")
    assert "checked against the allow-list settings.ALLOWED_COMMANDS" in finding.message
    for container, passes in (
        ('request.args.getlist("ok")', ""),
        ("allowed", 'request.args.getlist("ok")'),
        ("os.__dict__", ""),  # a namespace: every name of the module is in it
        ("globals()", ""),
    ):
        finding = _one(
            tmp_path,
            f"""\
            def run(c, allowed):
                if c in {container}:
                    os.system(c)
            @app.route("/h")
            def h():
                run(request.args["c"], {passes or "[]"})
            """,
        )
        assert (finding.risk, finding.origin) == ("critical", "remote-input"), container
