"""Constants of another module of the project (docs/flow.md, "Constants of other modules"):
a name imported from a module that binds it once to a constant, and never again, is that
constant at the importing site, like a literal of the file (auditor.flow.constants). Anything
not proved single-bound and constant stays dynamic (``internal``, high)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(tmp_path, files)


def _site(findings: list[Finding], path: str) -> Finding:
    [found] = [f for f in findings if f.path.endswith(path)]
    return found


_RUN = """
import os
import subprocess
from .consts import SCRIPT, CMD, ARGS, HERE

def script():
    subprocess.run(["python", SCRIPT])

def shell():
    os.system(CMD)

def argv():
    subprocess.run(ARGS)

def path():
    subprocess.run(["python", HERE])
"""


def _by_function(findings: list[Finding]) -> dict[str, tuple[str, str, str | None]]:
    return {f.function: (f.rule, f.risk, f.origin) for f in findings if f.path.endswith("run.py")}


def test_a_constant_of_another_module_is_a_constant_at_the_importing_site(
    tmp_path: Path,
) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": """
            from pathlib import Path
            NAME = "sandbox"
            SCRIPT = f"{NAME}.py"
            CMD = "ls" + " -l"
            ARGS = ("python", "x.py")
            HERE = Path(__file__).parent / "x.py"
            """,
            "app/run.py": _RUN,
        },
    )
    # before: AUD102/AUD101 high, internal: the per-file stage cannot see the values
    assert _by_function(findings) == {
        "script": ("AUD301", "low", None),  # constant argv (through python)
        "shell": ("AUD201", "medium", None),  # constant shell command
        "argv": ("AUD301", "low", None),  # a constant tuple
        "path": ("AUD301", "low", None),  # a path of the project
    }


def test_the_fingerprint_is_the_one_the_dynamic_site_had(tmp_path: Path) -> None:
    # a baseline written before (dynamic, AUD102) still matches the constant finding
    dynamic = _scan(
        tmp_path / "a",
        {
            "app/__init__.py": "",
            "app/consts.py": "import sys\nSCRIPT = sys.argv[1]\n",
            "app/run.py": "import subprocess\nfrom .consts import SCRIPT\n"
            "def script():\n    subprocess.run(['python', SCRIPT])\n",
        },
    )
    constant = _scan(
        tmp_path / "b",
        {
            "app/__init__.py": "",
            "app/consts.py": "SCRIPT = 'x.py'\n",
            "app/run.py": "import subprocess\nfrom .consts import SCRIPT\n"
            "def script():\n    subprocess.run(['python', SCRIPT])\n",
        },
    )
    before, after = _site(dynamic, "run.py"), _site(constant, "run.py")
    assert (before.rule, before.risk) == ("AUD102", "high")
    assert (after.rule, after.risk, after.origin) == ("AUD301", "low", None)
    assert before.fingerprint == after.fingerprint


def test_module_attributes_and_re_exports(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "from .settings import CMD\n",
            "app/settings.py": "from .base import ROOT\nCMD = ROOT + ' status'\n",
            "app/base.py": "ROOT = 'git'\n",
            "app/run.py": """
            import os
            import app
            from app import settings
            import app.settings as s

            def by_module():
                os.system(settings.CMD)

            def by_alias():
                os.system(s.CMD)

            def by_package():
                os.system(app.CMD)
            """,
        },
    )
    # before: AUD101 high, internal (each)
    assert _by_function(findings) == {
        "by_module": ("AUD201", "medium", None),
        "by_alias": ("AUD201", "medium", None),
        "by_package": ("AUD201", "medium", None),
    }


def test_a_module_name_of_another_module_imports_like_a_literal(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "TOOLS = 'app.tools'\n",
            "app/load.py": """
            import importlib
            from .consts import TOOLS

            def load():
                return importlib.import_module(TOOLS)
            """,
        },
    )
    # before: AUD104 high, internal; a literal module name is an ordinary import, no finding
    assert [f for f in findings if f.path.endswith("load.py")] == []


_DYNAMIC_CASES = {
    # bound twice: which one holds at run time is not known
    "twice": "import sys\nCMD = 'ls'\nif sys.argv[1:]:\n    CMD = 'rm -rf /'\n",
    # augmented
    "augmented": "import sys\nCMD = 'ls'\nCMD += sys.argv[1]\n",
    # rebound from a function through ``global``
    "global": "CMD = 'ls'\ndef set_cmd(c):\n    global CMD\n    CMD = c\n",
    # the module's globals written by key
    "by key": "CMD = 'ls'\ndef set_(k, v):\n    globals()[k] = v\n",
    # not a constant
    "environment": "import os\nCMD = os.environ.get('CMD', 'ls')\n",
    # a call the analysis does not know
    "call": "import shlex\nCMD = shlex.join(['ls'])\n",
    # bound in a loop
    "loop": "for CMD in ('ls', 'rm'):\n    pass\n",
    # a star import may bind it again
    "star": "CMD = 'ls'\nfrom os.path import *\n",
}


def test_a_name_not_proved_single_bound_and_constant_stays_dynamic(tmp_path: Path) -> None:
    for number, (case, consts) in enumerate(_DYNAMIC_CASES.items()):
        findings = _scan(
            tmp_path / str(number),
            {
                "app/__init__.py": "",
                "app/consts.py": consts,
                "app/run.py": "import os\nfrom .consts import CMD\n"
                "def shell():\n    os.system(CMD)\n",
            },
        )
        found = _site(findings, "run.py")
        assert (found.rule, found.risk) == ("AUD101", "high"), case


def test_a_constant_assigned_from_another_file_stays_dynamic(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "CMD = 'ls'\n",
            "app/cli.py": "import sys\nfrom app import consts\n"
            "def main():\n    consts.CMD = sys.argv[1]\n",
            "app/run.py": "import os\nfrom .consts import CMD\ndef shell():\n    os.system(CMD)\n",
        },
    )
    found = _site(findings, "run.py")
    # (and what cli.py assigns is followed: the command line's)
    assert (found.rule, found.risk, found.origin) == ("AUD101", "high", "user-input")
    assert [(Path(s.path).name, s.kind) for s in found.flow] == [
        ("cli.py", "source"),
        ("run.py", "reaches"),
    ]


def test_a_list_mutated_anywhere_stays_dynamic(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "ARGS = ['ls']\n",
            "app/cli.py": "import sys\nfrom app.consts import ARGS\n"
            "def main():\n    ARGS.append(sys.argv[1])\n",
            "app/run.py": "import subprocess\nfrom .consts import ARGS\n"
            "def run():\n    subprocess.run(ARGS)\n",
        },
    )
    found = _site(findings, "run.py")
    assert (found.rule, found.risk, found.origin) == ("AUD102", "high", "user-input")
    assert [(Path(s.path).name, s.kind) for s in found.flow] == [
        ("cli.py", "source"),
        ("run.py", "reaches"),
    ]


def test_a_name_rebound_in_the_importing_file_stays_dynamic(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "CMD = 'ls'\n",
            "app/run.py": "import os, sys\nfrom .consts import CMD\nif sys.argv[1:]:\n"
            "    CMD = sys.argv[1]\ndef shell():\n    os.system(CMD)\n",
        },
    )
    found = _site(findings, "run.py")
    assert (found.rule, found.risk) == ("AUD101", "high")


_REBOUND = "import sys\nCMD = 'uptime'\nif sys.argv[1:]:\n    CMD = sys.argv[1]\n"
_HELPER = "import os\ndef shell(cmd):\n    os.system(cmd)\n"


def test_every_caller_passing_another_modules_constant_is_a_constant(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "CMD = 'uptime'\n",
            "app/helpers.py": _HELPER,
            # far from sources: the calls are read from the text
            "app/far.py": "from app import consts\nfrom .consts import CMD\n"
            "from .helpers import shell\ndef a():\n    shell(CMD)\n    shell(consts.CMD)\n",
            # near sources (a web framework): the calls are read with libcst
            "app/near.py": "import flask\nfrom .consts import CMD\nfrom .helpers import shell\n"
            "def b():\n    shell(CMD)\n",
        },
    )
    found = _site(findings, "helpers.py")
    # before: AUD101 high (parameter: the calls passed names the stage could not read)
    assert (found.rule, found.risk, found.origin) == ("AUD201", "medium", None)
    assert "every caller passes constants" in found.message


def test_a_caller_passing_another_modules_variable_keeps_the_helper_dynamic(
    tmp_path: Path,
) -> None:
    for number, caller in enumerate(
        [
            "from .consts import CMD\nfrom .helpers import shell\ndef a():\n    shell(CMD)\n",
            "import flask\nfrom .consts import CMD\nfrom .helpers import shell\n"
            "def b():\n    shell(CMD)\n",
            # a parameter shadows the imported constant
            "from .consts import CMD\nfrom .helpers import shell\ndef c(CMD):\n    shell(CMD)\n",
        ]
    ):
        findings = _scan(
            tmp_path / str(number),
            {
                "app/__init__.py": "",
                "app/consts.py": _REBOUND if number < 2 else "CMD = 'uptime'\n",
                "app/helpers.py": _HELPER,
                "app/caller.py": caller,
            },
        )
        found = _site(findings, "helpers.py")
        assert (found.rule, found.risk) == ("AUD101", "high"), number


def _values(modules: dict[str, str]) -> dict[str, str | None]:
    from auditor.flow.constants import Constants

    texts = {name: (textwrap.dedent(code), False) for name, code in modules.items()}
    constants = Constants(texts.get, lambda module, name: None, lambda name: False)
    return {
        f"m.{n}": constants.expression(f"m.{n}")
        for n in ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")
    }


def test_the_values_read_from_a_module_of_constants() -> None:
    assert _values(
        {
            "m": """
            import os
            from pathlib import Path
            from base import ROOT
            A = "ls"
            B = f"{A} -l {1}"
            C = "%s %s" % (A, "x")
            D = ("python", str(2))
            E = os.path.join(os.path.dirname(__file__), "x.py")
            F = Path(__file__).resolve().parent / "x.py"
            G = ROOT + "/bin"
            H: str = "typed"
            I = J = None
            """,
            "base": "ROOT = '/opt'\n",
        }
    ) == {
        "m.A": "'ls'",
        "m.B": "'ls -l 1'",
        "m.C": "'ls x'",
        "m.D": "('python', '2', )",
        "m.E": "__file__",
        "m.F": "__file__",
        "m.G": "'/opt/bin'",
        "m.H": "'typed'",
        "m.I": "None",
        "m.J": "None",
    }


def test_what_is_not_proved_single_bound_and_constant_has_no_value() -> None:
    assert set(
        _values(
            {
                "m": """
                import os
                A = "ls"
                del A
                B = "x"
                [B := "y" for _ in ()]
                C = "x"
                try:
                    pass
                except Exception as C:
                    pass
                D = "x"
                match os.name:
                    case D:
                        pass
                E = "%0999999999d" % 1
                F = os.getcwd()
                G = "x".upper()
                H = Z = "x"
                Z = "y"
                I = "x"
                def f():
                    global I
                    I = "y"
                J = [os.sep]
                """
            }
        ).values()
    ) == {None, "'x'"}  # H only: bound once (Z is rebound, not H)


_ORIGIN_CASES = {
    # an environment variable read where the module binds it (the attack's c26)
    "environment": ("import os\nCMD = os.environ.get('CMD', 'ls')\n", "environment", 2),
    "getenv": ("from os import getenv\nCMD = getenv('CMD') or 'ls'\n", "environment", 2),
    "argv": ("import sys\nCMD = 'ls'\nCMD += sys.argv[1]\n", "user-input", 3),
    # remote input: critical (a program chosen by it)
    "network": (
        "import requests\nCMD = requests.get('https://x.invalid/c').text\n",
        "remote-input",
        2,
    ),
}


def test_an_imported_name_bound_from_a_source_has_its_origin(tmp_path: Path) -> None:
    """``from .consts import CMD`` where consts binds CMD from a source: the importing
    site's origin is that source's (it was "internal"), its flow starts where consts reads
    it; through a package's re-export too."""
    for number, (case, (consts, origin, line)) in enumerate(_ORIGIN_CASES.items()):
        findings = _scan(
            tmp_path / str(number),
            {
                "app/__init__.py": "from .consts import CMD\n",
                "app/consts.py": consts,
                "app/run.py": "import subprocess\nfrom .consts import CMD\n"
                "def go():\n    subprocess.run([CMD])\n",
                "app/other.py": "import subprocess\nfrom app import CMD\n"
                "def go():\n    subprocess.run([CMD])\n",
            },
        )
        for path in ("run.py", "other.py"):
            found = _site(findings, path)
            rule, risk = ("AUD002", "critical") if origin == "remote-input" else ("AUD102", "high")
            assert (found.rule, found.risk, found.origin) == (rule, risk, origin), case
            first = found.flow[0]
            assert (first.path.rsplit("/", 1)[-1], first.line, first.kind) == (
                "consts.py",
                line,
                "source",
            ), case


def test_an_imported_name_built_at_run_time_names_where(tmp_path: Path) -> None:
    """A value built at run time from no known source stays "internal", with a flow step
    (kind "written") where the other module builds it: check --changed of that module
    judges the importing site."""
    findings = _scan(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/consts.py": "import shutil\nCMD = shutil.which('uptime')\n",
            "app/run.py": "import subprocess\nfrom .consts import CMD\n"
            "def go():\n    subprocess.run([CMD])\n",
        },
    )
    found = _site(findings, "run.py")
    assert (found.rule, found.risk, found.origin) == ("AUD102", "high", "internal")
    [step] = found.flow
    assert (step.path.rsplit("/", 1)[-1], step.line, step.kind, step.subject) == (
        "consts.py",
        2,
        "written",
        "consts.CMD",
    )
