"""A site reached both by a sanitized value of a dangerous origin (a request parameter
through ``shlex.quote``) and by an unsanitized value of a milder one (the environment) is
ranked by the reach that gives it the higher risk: the quoted request must not hide the
unquoted environment variable (it made the site medium, under the default gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

APP = """\
    import os
    import shlex
    import subprocess

    from flask import Flask, request

    app = Flask(__name__)


    def run(arg):
        subprocess.run("ls " + arg, shell=True)


    @app.route("/ls")
    def listing():
        run(shlex.quote(request.args["d"]))
    """


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("", ("AUD101", "medium", "remote-input")),
        ("\n\ndef main():\n    run(os.environ['DIR'])\n", ("AUD101", "high", "environment")),
        (
            "\n\n@app.route('/raw')\ndef raw():\n    run(request.args['d'])\n",
            ("AUD001", "critical", "remote-input"),
        ),
    ],
    ids=["quoted-only", "and-environment", "and-unquoted-request"],
)
def test_the_reach_that_ranks_highest_wins(
    tmp_path: Path, other: str, expected: tuple[str, str, str]
) -> None:
    [finding] = scan_files(tmp_path, {"app.py": APP + other.replace("\n", "\n    ")})
    assert (finding.rule, finding.risk, finding.origin) == expected
    assert finding.flow[0].line > 0


def test_a_global_other_files_write_takes_the_reach_that_ranks_highest(tmp_path: Path) -> None:
    """The same choice for a module global other files assign: a quoted request parameter
    in one, an unquoted environment variable in another."""
    files = {
        "settings.py": 'ARG = "."\n',
        "run.py": "import os\n\nimport settings\n\n\ndef go():\n"
        '    os.system("ls " + settings.ARG)\n',
        "web.py": "import shlex\n\nfrom flask import Flask, request\n\nimport settings\n\n"
        'app = Flask(__name__)\n\n\n@app.route("/d")\ndef pick():\n'
        '    settings.ARG = shlex.quote(request.args["d"])\n',
        "cli.py": "import os\n\nimport settings\n\n\ndef main():\n"
        '    settings.ARG = os.environ["DIR"]\n',
    }
    [finding] = scan_files(tmp_path, files)
    assert (finding.rule, finding.risk, finding.origin) == ("AUD101", "high", "environment")
