"""Web views registered in ways the decorator and the registrar's own argument do not show
(an attacker's third round): Flask's ``app.view_functions[name] = view``, a loop over a
constant table of (rule, view) pairs, a dict of views, ``functools.partial(view, ...)``, a
lambda and a view a factory returns. Each left the view's parameters ``parameter`` (AUD101,
high) while the URL's variables reached ``os.system``; each is now remote input (AUD001,
critical; rules/sources.toml's ``[[registry]]`` and auditor.scan.summary's
``_handed_functions``). Flask's ``request`` is global: a function reading it is remote input
however it is registered, or not at all."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

_HEAD = """
import os
from flask import Flask
app = Flask(__name__)
def ping(host):
    os.system("ping -c 1 " + host)
    return "ok"
"""

# name -> (code, (rule, risk, origin) expected); before: AUD101, high, parameter
CASES = {
    "view_functions item": (
        _HEAD + 'app.add_url_rule("/ping/<host>", "ping")\napp.view_functions["ping"] = ping\n',
        ("AUD001", "critical", "remote-input"),
    ),
    "view_functions update": (
        _HEAD + 'app.add_url_rule("/ping/<host>", "ping")\napp.view_functions.update(ping=ping)\n',
        ("AUD001", "critical", "remote-input"),
    ),
    "loop over a constant table": (
        _HEAD
        + textwrap.dedent(
            """
            def index():
                return "hi"
            ROUTES = [("/ping/<host>", ping), ("/", index)]
            for rule, fn in ROUTES:
                app.add_url_rule(rule, view_func=fn)
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "loop over a dict's items": (
        _HEAD
        + textwrap.dedent(
            """
            VIEWS = {"/ping/<host>": ping}
            for rule, fn in VIEWS.items():
                app.add_url_rule(rule, view_func=fn)
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "loop over zip": (
        _HEAD
        + textwrap.dedent(
            """
            RULES = ["/ping/<host>"]
            VIEWS = [ping]
            for rule, fn in zip(RULES, VIEWS):
                app.add_url_rule(rule, view_func=fn)
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "item of a dict of views": (
        _HEAD + 'VIEWS = {"ping": ping}\napp.add_url_rule("/p/<host>", view_func=VIEWS["ping"])\n',
        ("AUD001", "critical", "remote-input"),
    ),
    "functools.partial": (
        textwrap.dedent(
            """
            import functools
            import os
            from flask import Flask
            app = Flask(__name__)
            def ping(count, host):
                os.system("ping -c " + count + " " + host)
                return "ok"
            app.add_url_rule("/ping/<host>", "ping", view_func=functools.partial(ping, "1"))
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "lambda": (
        textwrap.dedent(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.add_url_rule("/p/<h>", "p", view_func=lambda h: str(os.system("ping " + h)))
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "view made by a factory": (
        textwrap.dedent(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            def make():
                def view(host):
                    os.system("ping -c 1 " + host)
                    return "ok"
                return view
            app.add_url_rule("/ping/<host>", "ping", view_func=make())
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    # already so before: flask.request is a global source, registered or not
    "flask.request in an unregistered function": (
        textwrap.dedent(
            """
            import os
            from flask import request
            def helper():
                os.system("ping -c 1 " + request.args["host"])
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
    "flask.request through the module": (
        textwrap.dedent(
            """
            import os
            import flask
            def helper():
                os.system("ping -c 1 " + flask.request.args["host"])
            """
        ),
        ("AUD001", "critical", "remote-input"),
    ),
}


def _finding(tmp_path: Path, files: dict[str, str]) -> tuple[str, str, str | None]:
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code)
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    [finding] = result.findings
    return (finding.rule, finding.risk, finding.origin)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_view_takes_the_origin(tmp_path: Path, name: str) -> None:
    code, expected = CASES[name]
    assert _finding(tmp_path, {"app.py": code}) == expected


def test_a_loop_over_views_of_another_module(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/views.py": _HEAD.replace("from flask import Flask\napp = Flask(__name__)\n", ""),
        "pkg/app.py": textwrap.dedent(
            """
            from flask import Flask
            from pkg import views
            app = Flask(__name__)
            ROUTES = [("/ping/<host>", views.ping)]
            for rule, fn in ROUTES:
                app.add_url_rule(rule, view_func=fn)
            """
        ),
    }
    assert _finding(tmp_path, files) == ("AUD001", "critical", "remote-input")


def test_what_a_partial_binds_is_not_the_request(tmp_path: Path) -> None:
    """``partial(ping, "1")``: ``count`` is the partial's "1", not a URL variable: the
    site is not critical. It stays AUD101, high, ``parameter`` (as before): ``ping`` is
    handed to code the analysis does not see, so it is never taken as called with
    constants only."""
    code = textwrap.dedent(
        """
        import functools
        import os
        from flask import Flask
        app = Flask(__name__)
        def ping(count, host):
            os.system("ping -c " + count + " localhost")
            return "ok"
        app.add_url_rule("/ping/<host>", "ping", view_func=functools.partial(ping, "1"))
        """
    )
    assert _finding(tmp_path, {"app.py": code}) == ("AUD101", "high", "parameter")
