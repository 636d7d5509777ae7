"""A call of auditor's sandbox is not isolated when the scanned project holds its own module
named like the sandbox or its package (``auditor.py``, ``auditor/__init__.py``,
``auditor/sandbox.py``, ``auditor/sandbox/...``): the folder of the script Python runs
comes first on ``sys.path``, so ``from auditor import sandbox`` may import the project's
file (``from subprocess import run, PIPE``) and the call runs on the host
(auditor/flow/shadows.py). The file may be anywhere in the project, not only beside the
call. Before, the dotted name ``auditor.sandbox.run`` alone made every case below "runs
its payload in the sandbox", low, allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding
from auditor.flow.shadows import shadowed
from tests.conftest import scan_files

WEB = """
from flask import Flask, request
from auditor import sandbox

app = Flask(__name__)

@app.route("/run")
def go():
    return sandbox.run(request.args["cmd"], shell=True, stdout=sandbox.PIPE).stdout
"""


def _web(found: list[Finding]) -> Finding:
    [f] = [f for f in found if Path(f.path).name == "web.py"]
    return f


# the project's files besides app/web.py -> the file named like the sandbox, what it is
SHADOWS = {
    "a package with its own sandbox module": (
        {"auditor/__init__.py": "", "auditor/sandbox.py": "from subprocess import run, PIPE\n"},
        "auditor/__init__.py",
        "auditor",
    ),
    "a sandbox module in a namespace package": (
        {"auditor/sandbox.py": "from subprocess import run, PIPE\n"},
        "auditor/sandbox.py",
        "auditor.sandbox",
    ),
    "a module auditor.py": (
        {"auditor.py": "import subprocess as sandbox\n"},
        "auditor.py",
        "auditor",
    ),
    "a package whose __init__ binds sandbox": (
        {"auditor/__init__.py": "import subprocess as sandbox\n"},
        "auditor/__init__.py",
        "auditor",
    ),
    "a submodule of a sandbox package": (
        {"auditor/sandbox/api.py": "from subprocess import run\n"},
        "auditor/sandbox/api.py",
        "auditor.sandbox.api",
    ),
    "beside the script, in a sub-folder": (
        {"app/auditor.py": "import subprocess as sandbox\n"},
        "app/auditor.py",
        "auditor",
    ),
    "in a folder that is no package name": (
        {"my-tools/auditor/sandbox.py": "from subprocess import run, PIPE\n"},
        "my-tools/auditor/sandbox.py",
        "auditor.sandbox",
    ),
}


@pytest.mark.parametrize("case", sorted(SHADOWS))
def test_a_module_of_the_project_named_like_the_sandbox_makes_its_calls_not_isolated(
    tmp_path: Path, case: str
) -> None:
    files, shadow, name = SHADOWS[case]
    f = _web(scan_files(tmp_path, {"app/web.py": WEB, **files}))
    assert (f.rule, f.risk, f.action, f.isolated, f.origin) == (
        "AUD001", "critical", "isolate", False, "remote-input",
    )  # fmt: skip
    where = tmp_path / shadow
    assert (
        f"(not counted as isolated: {where} is the project's own `{name}`, which "
        "`import auditor.sandbox` may import instead of auditor's sandbox)"
    ) in f.message
    assert [s.kind for s in f.flow] == ["source", "shadowed", "reaches"]
    [step] = [s for s in f.flow if s.kind == "shadowed"]
    assert (step.path, step.line, step.subject) == (str(where), 1, name)


def test_a_suppression_that_accepted_the_call_as_isolated_no_longer_holds(
    tmp_path: Path,
) -> None:
    web = WEB.replace(".stdout\n", ".stdout  # auditor: ignore[AUD101] runs in the sandbox\n")
    files = {"app/web.py": web, "auditor/sandbox.py": "from subprocess import run, PIPE\n"}
    f = _web(scan_files(tmp_path, files))
    assert (f.rule, f.isolated, f.suppressed) == ("AUD001", False, False)


def test_a_constant_command_loses_isolation_but_stays_a_constant(tmp_path: Path) -> None:
    files = {
        "app/jobs.py": "from auditor import sandbox\n\ndef up():\n    return sandbox.run(['up'])\n",
        "auditor.py": "import subprocess as sandbox\n",
    }
    [f] = [f for f in scan_files(tmp_path, files) if Path(f.path).name == "jobs.py"]
    assert (f.payload, f.isolated) == ("constant", False)
    assert "is the project's own `auditor`" in f.message


@pytest.mark.parametrize(
    "files",
    [
        {},
        # modules whose names only look alike
        {"app/audit.py": "", "app/auditor_log.py": "", "sandbox.py": ""},
        {"app/auditing/__init__.py": "", "app/auditor_report.py": ""},
        {"auditors/sandbox.py": "", "app/sandbox/__init__.py": ""},
        # not imported by Python
        {"auditor.pyi": "", "auditor/sandbox.txt": ""},
    ],
)
def test_no_module_named_like_the_sandbox_leaves_the_call_isolated(
    tmp_path: Path, files: dict[str, str]
) -> None:
    f = _web(scan_files(tmp_path, {"app/web.py": WEB, **files}))
    assert (f.risk, f.action, f.isolated) == ("low", "allow", True)
    assert "not counted" not in f.message


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (["auditor"], "auditor"),
        (["auditor", "sandbox"], "auditor.sandbox"),
        (["auditor", "sandbox", "api"], "auditor.sandbox.api"),
        (["tools", "auditor"], "auditor"),
        (["pkg", "auditor", "sandbox", "linux"], "auditor.sandbox.linux"),
        (["auditor", "report"], None),
        (["sandbox"], None),
        (["app", "auditors", "sandbox"], None),
        ([], None),
    ],
)
def test_what_a_module_name_stands_for(parts: list[str], name: str | None) -> None:
    assert shadowed(parts) == name


def _compiled(path: Path, source: str) -> None:
    import py_compile

    path.parent.mkdir(parents=True, exist_ok=True)
    code = path.with_suffix(".src")
    code.write_text(source)
    py_compile.compile(str(code), cfile=str(path), doraise=True)
    code.unlink()


@pytest.mark.parametrize("layout", ["a link to a package", "compiled without its source"])
def test_a_shadow_the_walk_does_not_list_is_seen_too(tmp_path: Path, layout: str) -> None:
    """An independent attacker's bypasses of the shadow check: ``auditor -> vendor/x``
    (a link to a package the walk scans under its real path only), and
    ``auditor/__init__.pyc`` + ``auditor/sandbox.pyc`` with no source (Python imports
    them; the walk lists no ``.pyc``)."""
    if layout == "a link to a package":
        (tmp_path / "vendor" / "x").mkdir(parents=True)
        (tmp_path / "vendor" / "x" / "__init__.py").write_text("")
        (tmp_path / "vendor" / "x" / "sandbox.py").write_text("from subprocess import run, PIPE\n")
        (tmp_path / "auditor").symlink_to(tmp_path / "vendor" / "x")
    else:
        _compiled(tmp_path / "auditor" / "__init__.pyc", "")
        _compiled(tmp_path / "auditor" / "sandbox.pyc", "from subprocess import run, PIPE\n")
    f = _web(scan_files(tmp_path, {"web.py": WEB}))
    assert (f.rule, f.isolated) == ("AUD001", False)
    assert "is the project's own `auditor`" in f.message
