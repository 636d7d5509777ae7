"""Two ways a call reached a project method the call graph did not see (docs/flow.md, "What
it follows"), found on OpenHands 0.9.8's runtime client: a method of the caller's own class
looked up by name (``getattr(self, action.action)(action)``), and a method of a module-level
object first set to None (``client: RuntimeClient | None = None``, assigned later). Without
them, the route's body never reached the shell fed in the class: the site was high with the
origin ``parameter``, or the command-line's ``user-input``, instead of critical."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files

HANDLERS = """\
import subprocess
from fastapi import FastAPI, Request

app = FastAPI()


class Handlers:
    def run(self, action):
        return subprocess.run(action["command"], shell=True)

    def _rebuild(self, action):
        return subprocess.run(action["target"], shell=True)

    def do_echo(self, line):
        return subprocess.run(line, shell=True)

    def handle(self, action):
        return getattr(self, action["kind"])(action)

    def dispatch(self, verb, line):
        return getattr(self, "do_" + verb)(line)


handlers = Handlers()


@app.post("/action")
async def act(request: Request):
    body = await request.json()
    return handlers.handle(body)


@app.post("/command")
async def command(request: Request):
    body = await request.json()
    return handlers.dispatch(body["verb"], body["line"])
"""


def _by_line(found: list[Finding]) -> dict[int, tuple[str, str, str | None]]:
    return {f.line: (f.rule, f.risk, f.origin) for f in found}


def test_a_method_looked_up_by_name_on_self_is_called_with_the_arguments(
    tmp_path: Path,
) -> None:
    """``getattr(self, kind)(action)``: the public methods the name may give (run) get the
    request's body: line 9, AUD001, critical, remote-input, its flow through the lookup
    (line 18). The private one (_rebuild, line 12) is left to the lookup's own AUD006: its
    parameter stays ``parameter`` (AUD101, high). ``getattr(self, "do_" + verb)(line)``:
    only the methods named ``do_...`` (do_echo, line 15: AUD001, critical, remote-input)."""
    found = scan_files(tmp_path, {"app.py": HANDLERS})
    lines = _by_line(found)
    assert lines[9] == ("AUD001", "critical", "remote-input")
    assert lines[12] == ("AUD101", "high", "parameter")
    assert lines[15] == ("AUD001", "critical", "remote-input")
    run = next(f for f in found if f.line == 9)
    assert [(s.line, s.note) for s in run.flow][-3:] == [
        (30, "passed to handlers.handle() as `action`"),
        (18, 'passed to getattr(self, action["kind"])() as `action`'),
        (9, "reaches subprocess.run()"),
    ]


def test_a_constant_name_calls_that_method_only(tmp_path: Path) -> None:
    """``getattr(self, "run")(x)`` is ``self.run(x)``: run (line 8) gets the request's body,
    AUD001, critical, remote-input; stop (line 11) is not called: AUD101, high, parameter."""
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                import subprocess
                from flask import Flask, request

                app = Flask(__name__)

                class Jobs:
                    def run(self, cmd):
                        return subprocess.run(cmd, shell=True)

                    def stop(self, cmd):
                        return subprocess.run(cmd, shell=True)

                    def go(self, cmd):
                        return getattr(self, "run")(cmd)

                @app.post("/go")
                def go():
                    return Jobs().go(request.form["cmd"])
                """
        },
    )
    lines = _by_line(found)
    assert lines[8] == ("AUD001", "critical", "remote-input")
    assert lines[11] == ("AUD101", "high", "parameter")


def test_a_module_object_first_set_to_none_is_typed_by_its_other_value(
    tmp_path: Path,
) -> None:
    """``runner: Runner | None = None``, then ``runner = Runner()`` in main(): the route's
    ``runner.execute(cmd)`` calls Runner.execute (line 8: AUD001, critical, remote-input;
    before, the call was taken for one of None's and the site was AUD101, high, parameter)."""
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                import subprocess
                from flask import Flask, request

                app = Flask(__name__)

                class Runner:
                    def execute(self, cmd):
                        return subprocess.run(cmd, shell=True)

                runner: Runner | None = None

                @app.post("/run")
                def run():
                    return runner.execute(request.form["cmd"])

                def main():
                    global runner
                    runner = Runner()
                    app.run()
                """
        },
    )
    assert _by_line(found)[8] == ("AUD001", "critical", "remote-input")
