"""Code written to a file and then run where auditor/scan/written.py did not follow it (an
attacker's third round): the write in a helper of the same file, a file copied, moved or
renamed before it runs, one file named two ways, a script or module found through the
working directory, a module imported after its file was written. Each site was AUD301 (low:
a constant argv), AUD102 (high, ``internal``: the working directory) or no finding at all
(a constant import); each now takes the origin of what was written: request data, AUD003
(critical, dynamic code) or AUD004 (critical, a dynamic import)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

_FLASK = """
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from flask import Flask, request
app = Flask(__name__)
"""

CODE = ("AUD003", "critical", "remote-input")

# name -> (the view's code, (rule, risk, origin) expected, before)
CASES = {
    "written by a helper": (
        """
        def save(p, src):
            open(p, "w").write(src)
        @app.post("/run")
        def run():
            path = "/tmp/job.py"
            save(path, request.form["code"])
            return subprocess.run([sys.executable, path]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "a helper that returns the path it wrote": (
        """
        def write_script(code):
            with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
                f.write(code)
            return f.name
        @app.post("/run")
        def run():
            path = write_script(request.form["code"])
            return subprocess.run([sys.executable, path]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "a method helper adding a header": (
        """
        class Runner:
            def _save(self, path, src):
                Path(path).write_text("#!/bin/sh\\n" + src)
            def go(self, src):
                self._save("/tmp/job.sh", src)
                return subprocess.run(["sh", "/tmp/job.sh"]).stdout
        @app.post("/run")
        def run():
            return Runner().go(request.form["code"])
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "shutil.copy": (
        """
        @app.post("/run")
        def run():
            with open("/tmp/job.tmp", "w") as f:
                f.write(request.form["code"])
            shutil.copy("/tmp/job.tmp", "/tmp/job.py")
            return subprocess.run([sys.executable, "/tmp/job.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "shutil.move": (
        """
        @app.post("/run")
        def run():
            tmp, dst = "/tmp/job.tmp", "/tmp/job.py"
            with open(tmp, "w") as f:
                f.write(request.form["code"])
            shutil.move(tmp, dst)
            return subprocess.run([sys.executable, dst]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "os.rename": (
        """
        @app.post("/run")
        def run():
            with open("/tmp/job.tmp", "w") as f:
                f.write(request.form["code"])
            os.rename("/tmp/job.tmp", "/tmp/job.py")
            return subprocess.run([sys.executable, "/tmp/job.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "Path.rename": (
        """
        D = Path("/srv/jobs")
        @app.post("/run")
        def run():
            tmp = D / "x.tmp"
            tmp.write_text(request.form["code"])
            tmp.rename(D / "x.py")
            return subprocess.run([sys.executable, "/srv/jobs/x.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "joined, then concatenated": (
        """
        D = "/srv/jobs"
        @app.post("/run")
        def run():
            with open(os.path.join(D, "x.py"), "w") as f:
                f.write(request.form["code"])
            return subprocess.run([sys.executable, D + "/x.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "joined, then an f-string": (
        """
        D = "/srv/jobs"
        @app.post("/run")
        def run():
            with open(os.path.join(D, "x.py"), "w") as f:
                f.write(request.form["code"])
            return subprocess.run([sys.executable, f"{D}/x.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "joined, then the literal": (
        """
        D = "/srv/jobs"
        @app.post("/run")
        def run():
            with open(os.path.join(D, "x.py"), "w") as f:
                f.write(request.form["code"])
            return subprocess.run([sys.executable, "/srv/jobs/x.py"]).stdout
        """,
        CODE,
        ("AUD301", "low", None),
    ),
    "a script in the working directory": (
        """
        @app.post("/run")
        def run():
            d = tempfile.mkdtemp()
            with open(os.path.join(d, "main.py"), "w") as f:
                f.write(request.form["code"])
            return subprocess.run(["python3", "main.py"], cwd=d).stdout
        """,
        CODE,
        ("AUD102", "high", "internal"),
    ),
    "a module run with -m in the working directory": (
        """
        @app.post("/run")
        def run():
            d = tempfile.mkdtemp()
            with open(os.path.join(d, "mod.py"), "w") as f:
                f.write(request.form["code"])
            return subprocess.run(["python3", "-m", "mod"], cwd=d).stdout
        """,
        CODE,
        ("AUD102", "high", "internal"),
    ),
    "a script in the folder os.chdir chose": (
        """
        @app.post("/run")
        def run():
            d = tempfile.mkdtemp()
            Path(d, "main.py").write_text(request.form["code"])
            os.chdir(d)
            return subprocess.run(["python3", "main.py"]).stdout
        """,
        CODE,
        ("AUD102", "high", "internal"),
    ),
    "a module imported from a folder put on sys.path": (
        """
        import importlib
        @app.post("/run")
        def run():
            d = tempfile.mkdtemp()
            with open(os.path.join(d, "mod.py"), "w") as f:
                f.write(request.form["code"])
            sys.path.insert(0, d)
            importlib.import_module("mod")
            return "ok"
        """,
        ("AUD004", "critical", "remote-input"),
        # and sys.path.insert of a folder chosen at run time: a sink of its own (the
        # program's own temporary folder: no origin, AUD104)
        ("AUD104", "high", "internal"),
    ),
}


def _findings(tmp_path: Path, body: str) -> list[tuple[str, str, str | None]]:
    (tmp_path / "app.py").write_text(_FLASK + textwrap.dedent(body))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1, use_cache=False)
    return [(f.rule, f.risk, f.origin) for f in result.findings]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_site_takes_the_origin_of_what_was_written(tmp_path: Path, name: str) -> None:
    body, expected, _ = CASES[name]
    found = _findings(tmp_path, body)
    if name == "a module imported from a folder put on sys.path":
        assert sorted(found) == sorted([expected, CASES[name][2]])
    else:
        assert found == [expected]


# constants written stay constant: the same shapes with a literal written
CONSTANT = {
    "written by a helper": """
        def save(p, src):
            open(p, "w").write(src)
        def run():
            save("/tmp/job.py", "print(1)")
            return subprocess.run([sys.executable, "/tmp/job.py"]).stdout
        """,
    "shutil.copy": """
        def run():
            with open("/tmp/job.tmp", "w") as f:
                f.write("print(1)")
            shutil.copy("/tmp/job.tmp", "/tmp/job.py")
            return subprocess.run([sys.executable, "/tmp/job.py"]).stdout
        """,
    "a module imported from a folder put on sys.path": """
        import importlib
        def run():
            with open("/srv/plugins/mod.py", "w") as f:
                f.write("X = 1")
            sys.path.insert(0, "/srv/plugins")
            importlib.import_module("mod")
        """,
}


@pytest.mark.parametrize("name", sorted(CONSTANT))
def test_a_constant_written_stays_constant(tmp_path: Path, name: str) -> None:
    found = _findings(tmp_path, CONSTANT[name])
    assert all(risk == "low" for _, risk, _ in found), found


def test_another_file_of_the_same_name_is_not_the_one_run(tmp_path: Path) -> None:
    """A file written under another folder is not the script run (the site stays a
    constant argv: AUD301, low)."""
    body = """
        @app.post("/run")
        def run():
            with open("/srv/a/x.py", "w") as f:
                f.write(request.form["code"])
            return subprocess.run([sys.executable, "/srv/b/x.py"]).stdout
        """
    assert _findings(tmp_path, body) == [("AUD301", "low", None)]
