"""Code written to a file that the same function then runs or reads takes the origin of
what was written (auditor.scan.written): a Flask body written to a temporary file and run
with ``[sys.executable, f.name]`` is request data that runs, not a path built inside."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.findings import Finding
from tests.conftest import make_policy

HEAD = """\
import os, runpy, subprocess, sys, tempfile
from pathlib import Path
from flask import Flask, request
app = Flask(__name__)

@app.post("/run")
def run_tool():
    src = request.json["source_code"]
"""


def _scan(tmp_path: Path, body: str) -> list[Finding]:
    (tmp_path / "app.py").write_text(HEAD + textwrap.indent(textwrap.dedent(body), "    "))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    assert result.errors == []
    return [f for f in result.findings if not f.suppressed]


@pytest.mark.parametrize(
    "body",
    [
        # a named temporary file, run by its .name (directly or through a name)
        """
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(src)
        subprocess.run([sys.executable, f.name])
        """,
        """
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write(src)
            path = f.name
        subprocess.run(["bash", path])
        """,
        # open(p, "w"), then the path through str()
        """
        p = Path("/srv/jobs") / "job.py"
        with open(p, "w") as out:
            out.write(src)
        subprocess.run([sys.executable, str(p)])
        """,
        # a constant path: the program is constant, what it runs is not
        """
        with open('/srv/jobs/job.py', "w") as out:
            out.write(src)
        subprocess.run([sys.executable, "/srv/jobs/job.py"])
        """,
        # print(x, file=f), a descriptor, an alias of the file object, Path.open
        """
        with open("/srv/jobs/job.py", "w") as out:
            print(src, file=out)
        subprocess.run([sys.executable, "/srv/jobs/job.py"])
        """,
        """
        fd = os.open("/srv/jobs/job.py", os.O_WRONLY | os.O_CREAT)
        os.write(fd, src.encode())
        subprocess.run([sys.executable, "/srv/jobs/job.py"])
        """,
        """
        f = open("/srv/jobs/job.py", "w")
        g = f
        g.write(src)
        subprocess.run([sys.executable, "/srv/jobs/job.py"])
        """,
        """
        with Path("/srv/jobs/job.py").open("w") as out:
            out.write(src)
        subprocess.run([sys.executable, "/srv/jobs/job.py"])
        """,
        # mkstemp: the descriptor written, the path run
        """
        fd, path = tempfile.mkstemp(suffix=".py")
        with os.fdopen(fd, "w") as out:
            out.write(src)
        subprocess.run([sys.executable, path])
        """,
        # the program itself (run by its #! line), runpy, a shell given the file as input
        """
        with open("/srv/jobs/job.sh", "w") as out:
            out.write(src)
        subprocess.run(["/srv/jobs/job.sh"])
        """,
        """
        with open("/srv/jobs/job.py", "w") as out:
            out.write(src)
        runpy.run_path("/srv/jobs/job.py")
        """,
        """
        with open("/srv/jobs/job.sh", "w") as out:
            out.write(src)
        subprocess.run(["sh"], stdin=open("/srv/jobs/job.sh"))
        """,
        """
        with open("/srv/jobs/job.py", "w") as out:
            out.write(src)
        exec(compile(open("/srv/jobs/job.py").read(), "job", "exec"))
        """,
        # the path run through .absolute() / .resolve(): the same file (AutoGen's local
        # code executor writes the model's code block, then runs str(path.absolute()))
        """
        p = (Path("/srv/jobs") / "job.py").resolve()
        with p.open("w", encoding="utf-8") as out:
            out.write(src)
        subprocess.run([sys.executable, str(p.absolute())])
        """,
        """
        p = Path("/srv/jobs/job.py")
        p.write_text(src)
        subprocess.run([sys.executable, os.fspath(p.resolve())])
        """,
        # the script spread into the argv from a list (``*args``), however many times the
        # list is assigned, and spread into a call taking the argv as arguments
        """
        p = Path("/srv/jobs/job.py")
        p.write_text(src)
        args = [str(p)]
        subprocess.run([sys.executable, *args])
        """,
        """
        p = Path("/srv/jobs/job.sh")
        p.write_text(src)
        if src.startswith("#!"):
            program, args = "bash", ["-e", str(p)]
            args = ["-e", str(p)]
        else:
            args = [str(p)]
        os.execvp("bash", ["bash", *args])
        """,
        # Path.write_text, then the file's content read back into exec
        """
        p = Path("/srv/jobs/job.py")
        p.write_text(src)
        exec(p.read_text())
        """,
        """
        path = "/srv/jobs/job.py"
        with open(path, "w") as out:
            out.write(src)
        with open(path) as back:
            exec(back.read())
        """,
    ],
)
def test_what_was_written_is_the_origin(tmp_path: Path, body: str) -> None:
    [finding] = _scan(tmp_path, body)
    assert (finding.origin, finding.risk) == ("remote-input", "critical")
    assert finding.flow[0].note.startswith("the HTTP request")


def test_another_file_written_does_not_count(tmp_path: Path) -> None:
    body = """
    Path("/srv/jobs/notes.txt").write_text(src)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("print('hello')")
    subprocess.run([sys.executable, f.name])
    """
    [finding] = _scan(tmp_path, body)
    assert finding.origin != "remote-input" and finding.risk != "critical"


def test_a_script_written_with_constant_content_stays_constant(tmp_path: Path) -> None:
    body = """
    with open("/srv/jobs/hello.py", "w") as out:
        out.write("print('hello')")
    subprocess.run([sys.executable, "/srv/jobs/hello.py"])
    """
    [finding] = _scan(tmp_path, body)
    assert (finding.payload, finding.rule) == ("constant", "AUD301")


def test_a_constant_script_path_written_with_request_data_runs_that_data(tmp_path: Path) -> None:
    body = """
    with open("/srv/jobs/job.py", "w") as out:
        out.write(src)
    subprocess.run([sys.executable, "/srv/jobs/job.py"])
    """
    [finding] = _scan(tmp_path, body)
    assert (finding.rule, finding.payload) == ("AUD003", "dynamic")
    assert (
        finding.note
        == "the script it runs is a file this function writes with data built at run time"
    )
