"""A module constant a module rewrites itself through an import of itself (``import app as
me; me.CMD = x``, ``__import__(__name__)``, ``importlib.import_module(__name__)``, a name
bound to ``sys.modules[__name__]``), or that a later ``from settings import *`` may bind
again, is no constant: the site takes the origin of what is written (internal when it is
not known), and shell-to-argv leaves it alone. Before, each was AUD201 "constant" and the
migration froze the first value into the code (attack round 4, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings import Finding
from tests.conftest import scan_files

USE = "\ndef go():\n    os.system(CMD)\n"

# the module's own file (app.py) -> what it says before the use
SELF_WRITES = {
    "import as": "import os, sys\nimport app as _self\nCMD = 'ls'\n_self.CMD = sys.argv[1]\n",
    "from package import": (
        "import os, sys\nfrom pkg import app as me\nCMD = 'ls'\nme.CMD = sys.argv[1]\n"
    ),
    "__import__": "import os, sys\nCMD = 'ls'\nme = __import__(__name__)\nme.CMD = sys.argv[1]\n",
    "import_module": (
        "import os, sys, importlib\nCMD = 'ls'\n"
        "setattr(importlib.import_module(__name__), 'CMD', sys.argv[1])\n"
    ),
    "sys.modules bound": (
        "import os, sys\nCMD = 'ls'\nme = sys.modules[__name__]\nme.CMD = sys.argv[1]\n"
    ),
    "sys.modules.get": (
        "import os, sys\nCMD = 'ls'\nsys.modules.get(__name__).CMD = sys.argv[1]\n"
    ),
}


def _site(findings: list[Finding], path: str) -> Finding:
    [found] = [f for f in findings if f.path.endswith(path) and f.sink == "os.system"]
    return found


@pytest.mark.parametrize("case", sorted(SELF_WRITES))
def test_a_module_writing_its_constant_through_itself(tmp_path: Path, case: str) -> None:
    path = "pkg/app.py" if case == "from package import" else "app.py"
    files = {path: SELF_WRITES[case] + USE}
    if path.startswith("pkg/"):
        files["pkg/__init__.py"] = ""
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD101", "high", "user-input")


def test_an_import_of_another_module_is_no_self_write(tmp_path: Path) -> None:
    # other.CMD = ... writes other's global, not app's: app's command stays a constant
    files = {
        "other.py": "CMD = 'x'\n",
        "app.py": "import os, sys\nimport other as me\nCMD = 'ls'\nme.CMD = sys.argv[1]\n" + USE,
    }
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD201", "medium", None)


STAR_APP = "import os\nCMD = 'uptime'\nfrom settings import *\n" + USE


def test_a_later_star_import_of_an_environment_read_rebinds_it(tmp_path: Path) -> None:
    files = {
        "settings.py": "import os\nCMD = os.environ.get('HEALTH_CMD', 'uptime')\n",
        "app.py": STAR_APP,
    }
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD101", "high", "environment")
    first = found.flow[0]
    assert (Path(first.path).name, first.line, first.kind) == ("settings.py", 2, "source")


def test_a_later_star_import_of_a_constant_is_that_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"settings.py": "CMD = 'df -h'\n", "app.py": STAR_APP}
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD201", "medium", None)
    # the migration never freezes the value the star import replaces ("uptime"); it does
    # not follow other modules' constants, so it leaves the site to review
    monkeypatch.chdir(tmp_path)
    assert main(["migrate", "--no-cache", "--codemod", "shell-to-argv", "."]) == 0
    assert capsys.readouterr().out == ""


def test_a_later_star_import_of_a_module_without_the_name_keeps_it(tmp_path: Path) -> None:
    files = {"settings.py": "def helper():\n    return 1\n", "app.py": STAR_APP}
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD201", "medium", None)


def test_a_later_star_import_of_an_unknown_module_is_not_constant(tmp_path: Path) -> None:
    # a third party's module (not in the scan): any of its names may be CMD
    files = {"app.py": STAR_APP.replace("settings", "thirdparty.settings")}
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD101", "high", "internal")


def test_a_star_import_before_the_binding_changes_nothing(tmp_path: Path) -> None:
    files = {
        "settings.py": "import os\nCMD = os.environ['X']\n",
        "app.py": "import os\nfrom settings import *\nCMD = 'uptime'\n" + USE,
    }
    found = _site(scan_files(tmp_path, files), "app.py")
    assert (found.rule, found.risk, found.origin) == ("AUD201", "medium", None)


def test_shell_to_argv_declines_a_rewritten_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "settings.py").write_text("import os\nCMD = os.environ.get('X', 'uptime')\n")
    (tmp_path / "app.py").write_text(STAR_APP)
    (tmp_path / "selfish.py").write_text(
        "import os, sys\nimport selfish as me\nCMD = 'ls'\nme.CMD = sys.argv[1]\n" + USE
    )
    monkeypatch.chdir(tmp_path)
    assert main(["migrate", "--no-cache", "--codemod", "shell-to-argv", "."]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # no diff: nothing frozen
    assert "shell-to-argv: 0 site(s) rewritten" in captured.err
