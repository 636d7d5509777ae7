"""File discovery: .gitignore inside a work tree, always-skipped folders, globs, explicit
files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from auditor.scan.discover import Globs, discover, display_path, list_tree, python_shebang


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(
    paths: list[Path], root: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
) -> list[str]:
    """The files discovered under ``paths`` (relative to ``root``); the globs are matched
    against the paths relative to each scanned folder."""
    candidates = discover(paths, [Globs(include, exclude)])
    return sorted(Path(c.path).relative_to(root).as_posix() for c in candidates)


LAYOUT = (
    "app/main.py", "app/util.pyw", "app/data.txt", ".git/hooks/x.py", "venv/bin/a.py",
    "venv/lib/python3.11/site-packages/pip/__init__.py", "env2/Scripts/b.py",
    "env2/Lib/site-packages/pip/__init__.py", "lib/site-packages/c.py", "node_modules/d.py",
    "build/e.py",
    "dist/f.py", "app/__pycache__/g.py", "pkg.egg-info/h.py", ".tox/i.py",
)  # fmt: skip


def test_walk_skips_build_output_vcs_and_virtualenvs(tmp_path: Path) -> None:
    touch(tmp_path, *LAYOUT, "tools/venv/__init__.py")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    # a virtualenv is recognised by its pyvenv.cfg, not its name: a package named venv
    # (CPython's) is scanned
    assert found([tmp_path], tmp_path) == [
        "app/main.py",
        "app/util.pyw",
        "tools/venv/__init__.py",
    ]


def test_git_listed_virtualenvs_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "app/main.py", "env/bin/a.py", "env/lib/python3.12/site-packages/b.py")
    touch(tmp_path, "venv/__init__.py")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert found([tmp_path], tmp_path) == ["app/main.py", "venv/__init__.py"]


def test_gitignore_is_respected_in_a_work_tree(tmp_path: Path) -> None:
    touch(tmp_path, "app/main.py", "app/generated.py", "untracked.py", "logs/x.py")
    (tmp_path / ".gitignore").write_text("generated.py\nlogs/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "app/main.py"], check=True)
    assert found([tmp_path], tmp_path) == ["app/main.py", "untracked.py"]
    # an ignored folder named explicitly is scanned whole
    assert found([tmp_path / "logs"], tmp_path) == ["logs/x.py"]


def test_include_and_exclude_globs(tmp_path: Path) -> None:
    touch(tmp_path, "app/a.py", "app/tests/test_a.py", "tools/b.py")
    assert found([tmp_path], tmp_path, exclude=("**/tests/**",)) == ["app/a.py", "tools/b.py"]
    assert found([tmp_path], tmp_path, exclude=("tests",)) == ["app/a.py", "tools/b.py"]
    assert found([tmp_path], tmp_path, include=("app/**",)) == ["app/a.py", "app/tests/test_a.py"]


def test_explicit_files_are_always_scanned(tmp_path: Path) -> None:
    touch(tmp_path, "build/gen.py", "bin/tool")
    files = [tmp_path / "build" / "gen.py", tmp_path / "bin" / "tool"]
    assert found(files, tmp_path, exclude=("build/**",)) == ["bin/tool", "build/gen.py"]


def test_each_file_once(tmp_path: Path) -> None:
    touch(tmp_path, "a.py")
    assert found([tmp_path, tmp_path / "a.py", tmp_path], tmp_path) == ["a.py"]


def test_display_path_is_posix_and_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "a/b.py")
    monkeypatch.chdir(tmp_path)
    assert display_path(Path("a/b.py"), Path(os.getcwd())) == "a/b.py"
    assert display_path(Path("/etc/hosts"), Path(os.getcwd())) == "/etc/hosts"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always",
         *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_a_bare_pyvenv_cfg_hides_nothing(tmp_path: Path) -> None:
    """A virtualenv must look like one: ``home =`` in pyvenv.cfg and a site-packages
    folder. An empty pyvenv.cfg (or one without site-packages beside it) hides no package,
    walked or listed by git."""
    touch(tmp_path, "app/handlers/run.py", "app/handlers/__init__.py", "half/tool.py")
    (tmp_path / "app" / "handlers" / "pyvenv.cfg").write_text("")
    (tmp_path / "half" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # no site-packages
    expected = ["app/handlers/__init__.py", "app/handlers/run.py", "half/tool.py"]
    assert found([tmp_path], tmp_path) == expected
    _git(tmp_path, "init", "-q")
    assert found([tmp_path], tmp_path) == expected  # untracked
    _git(tmp_path, "add", "-A")
    assert found([tmp_path], tmp_path) == expected  # tracked


def test_files_git_tracks_are_never_skipped_by_the_default_rules(tmp_path: Path) -> None:
    """A package named build/ (or a committed virtualenv) that git tracks is the project's
    code: scanned. Untracked build output is still skipped, and listed as skipped; the
    user's own excludes apply to tracked files as ever."""
    touch(tmp_path, "app/api.py", "app/build/__init__.py", "app/build/runner.py")
    touch(tmp_path, "vendored/bin/tool.py", "vendored/lib/python3.11/site-packages/x.py")
    (tmp_path / "vendored" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    # untracked: build output, and a new file of the tracked package (not yet added)
    touch(tmp_path, "dist/gen.py", "app/dist/x.py", "app/build/new.py")
    assert found([tmp_path], tmp_path) == [
        "app/api.py", "app/build/__init__.py", "app/build/new.py", "app/build/runner.py",
        "vendored/bin/tool.py", "vendored/lib/python3.11/site-packages/x.py",
    ]  # fmt: skip
    assert list_tree(tmp_path).skipped == ("app/dist/", "dist/")
    assert found([tmp_path], tmp_path, exclude=("**/build/**",)) == [
        "app/api.py", "vendored/bin/tool.py", "vendored/lib/python3.11/site-packages/x.py",
    ]  # fmt: skip
    # a real virtualenv that git does not track is skipped whole, and said to be
    touch(tmp_path, "venv/bin/activate_this.py", "venv/lib/python3.12/site-packages/y.py")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.12\n")
    assert "venv/bin/activate_this.py" not in found([tmp_path], tmp_path)
    assert "venv/" in list_tree(tmp_path).skipped


def test_the_walk_says_which_folders_it_skipped(tmp_path: Path) -> None:
    touch(tmp_path, *LAYOUT)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    # version control and caches are not worth a mention
    assert list_tree(tmp_path).skipped == (
        ".tox/", "build/", "dist/", "env2/", "lib/site-packages/", "node_modules/",
        "pkg.egg-info/", "venv/",
    )  # fmt: skip


def test_checked_out_submodules_are_scanned(tmp_path: Path) -> None:
    """``git ls-files`` lists a submodule as one entry: its files are listed from its own
    work tree; one that is not checked out is said to be skipped."""
    sub = tmp_path / "sub"
    touch(sub, "tools.py", "inner/deep.py")
    _git(sub, "init", "-q")
    _git(sub, "add", "-A")
    _git(sub, "commit", "-qm", "tools")
    main = tmp_path / "main"
    touch(main, "app.py")
    _git(main, "init", "-q")
    _git(main, "submodule", "-q", "add", str(sub), "libs/agenttools")
    _git(main, "add", "-A")
    _git(main, "commit", "-qm", "init")
    assert found([main], main) == [
        "app.py", "libs/agenttools/inner/deep.py", "libs/agenttools/tools.py",
    ]  # fmt: skip
    assert found([main / "libs"], main) == [
        "libs/agenttools/inner/deep.py", "libs/agenttools/tools.py",
    ]  # fmt: skip
    # a fresh clone without --recurse-submodules: nothing to scan there, and it is said
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(main), str(clone))
    assert found([clone], clone) == ["app.py"]
    assert list_tree(clone).skipped == ("libs/agenttools/",)
    # its files there without a work tree of their own (a .git file lost): walked
    (main / "libs" / "agenttools" / ".git").unlink()
    assert found([main], main) == [
        "app.py", "libs/agenttools/inner/deep.py", "libs/agenttools/tools.py",
    ]  # fmt: skip


SHEBANGS = (
    "#!/usr/bin/env python3", "#!/usr/bin/python", "#! /usr/local/bin/python3.11 -u",
    "#!/usr/bin/env -S python3 -X utf8", "#!/opt/venv/bin/pypy3",
)  # fmt: skip

# First lines that run the file as Python: env with NAME=value words and options (with
# their values), PEP 723 runners, versioned and free-threaded interpreters
PYTHON_SHEBANGS = (
    "#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3", "#!/usr/bin/env PYTHONPATH=. python3",
    "#!/usr/bin/env -i python3", "#!/usr/bin/env -u HOME python3", "#!/usr/bin/env -uHOME python3",
    "#!/usr/bin/env --unset HOME python3", "#!/usr/bin/env --unset=HOME -- python3",
    "#!/usr/bin/env - python3", "#!/usr/bin/env -iS A=1 python3 -u",
    "#!/usr/bin/env -S -i python3", "#!/usr/bin/env -Spython3", "#!/usr/bin/env -C /srv python3",
    "#!/usr/bin/env --split-string=python3 -u", "#!/usr/bin/env -S env -i python3",
    "#!/usr/bin/env -S uv run --script", "#!/usr/bin/env -S uv run", "#!/usr/local/bin/uv run -q",
    "#!/usr/bin/env -S pipx run", "#!/usr/bin/env python3.12", "#!/usr/bin/pypy3",
    "#!/usr/bin/python3 -I", "#!/usr/bin/python3.13t", "#!python3", "#!/usr/bin/env python\r",
)  # fmt: skip
# First lines that do not: other programs, env running one, runners running a command
OTHER_SHEBANGS = (
    "#!/bin/sh", "#!/usr/bin/env bash", "#!/usr/bin/pythonista", "#!/usr/bin/env -S A=python3 sh",
    "#!/usr/bin/env -u python3 bash", "#!/usr/bin/env -S uv tool run black",
    "#!/usr/bin/env -S uvx ruff", "#!/usr/bin/env", "#!", "# /usr/bin/python3", "import os",
    "#!/usr/bin/env -C python3 perl", "#!/usr/bin/env -S pipx install x",
)  # fmt: skip


@pytest.mark.parametrize("line", PYTHON_SHEBANGS)
def test_python_shebangs(line: str) -> None:
    assert python_shebang(line.encode() + b"\nimport os\n")


@pytest.mark.parametrize("line", OTHER_SHEBANGS)
def test_other_shebangs(line: str) -> None:
    assert not python_shebang(line.encode() + b"\nimport os\n")


@pytest.mark.parametrize("in_git", [False, True])
def test_python_scripts_without_a_suffix_are_scanned(tmp_path: Path, in_git: bool) -> None:
    """A file without a suffix whose first line is a Python shebang is Python (bin/deploy);
    a shell script, a binary, a file with a suffix of data or documents or a link is not
    read as one."""
    touch(tmp_path, "app.py")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for n, line in enumerate(SHEBANGS):
        (bin_ / f"py{n}").write_text(f"{line}\nimport os\n")
    (bin_ / "sh").write_text("#!/bin/sh\necho python\n")
    (bin_ / "envsh").write_text("#!/usr/bin/env bash\n")
    (bin_ / "pythonista").write_text("#!/usr/bin/pythonista\n")
    (bin_ / "blob").write_bytes(b"#!/usr/bin/python\0\x01\x02")
    (bin_ / "notes.txt").write_text("#!/usr/bin/env python3\n")
    (bin_ / "LICENSE").write_text("MIT\n")
    (bin_ / "link").symlink_to(bin_ / "py0")
    if in_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
    scripts = [f"bin/py{n}" for n in range(len(SHEBANGS))]
    assert found([tmp_path], tmp_path) == ["app.py", *scripts]
    assert found([bin_], tmp_path) == scripts
    assert found([tmp_path], tmp_path, exclude=("bin/**",)) == ["app.py"]


@pytest.mark.parametrize("in_git", [False, True])
def test_python_scripts_with_another_suffix_are_scanned(tmp_path: Path, in_git: bool) -> None:
    """A script whose first line is a Python shebang runs as Python whatever its suffix
    (cgi-bin/run.cgi, which pre-commit's identify types as Python, bin/deploy.prod,
    tool.sh); a mod_wsgi .wsgi file is Python without one; a suffix of documents or data
    (rules/discover.toml) is never read, nor is a file of another suffix without the
    shebang."""
    touch(tmp_path, "app.py")
    for name, text in (
        ("cgi-bin/run.cgi", "#!/usr/bin/python3\nimport os\n"),
        ("cgi-bin/perl.cgi", "#!/usr/bin/perl\nprint 1;\n"),
        ("bin/deploy.prod", "#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3\nimport os\n"),
        ("bin/tool.sh", "#!/usr/bin/env python3\nimport os\n"),
        ("bin/build.sh", "#!/bin/sh\nmake\n"),
        ("app.wsgi", "import os\n"),
        ("docs/README.md", "#!/usr/bin/env python3\n"),
        ("data/x.JSON", "#!/usr/bin/env python3\n"),
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    if in_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
    assert found([tmp_path], tmp_path) == [
        "app.py", "app.wsgi", "bin/deploy.prod", "bin/tool.sh", "cgi-bin/run.cgi",
    ]  # fmt: skip


def _scanned(args: list[str]) -> list[str]:
    """The files ``auditor scan ARGS`` reads (relative to the working directory)."""
    import json

    from auditor.cli import main

    out = Path("out.json")
    assert main(["scan", "--no-cache", "--format", "json", "-o", str(out), *args]) == 0
    data = json.loads(out.read_text())
    out.unlink()
    return sorted(f["path"] for f in data["findings"])


@pytest.fixture
def globrel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose policy excludes its top-level legacy/ folder, and a package app/
    that holds a legacy/ folder of its own."""
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\nexclude = ['legacy/**']\n")
    for name in ("legacy/old.py", "app/legacy/x.py", "app/scripts/y.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("import os\nos.system(input())\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_policy_globs_are_relative_to_the_project_root(
    globrel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy's `legacy/**` is the project's legacy/ folder whichever folder is scanned
    and wherever from: scanning app/ (the GitHub Action's `paths: app`) does not drop
    app/legacy/x.py, which a scan of the whole project reports."""
    everything = ["app/legacy/x.py", "app/scripts/y.py"]
    assert _scanned(["."]) == everything
    assert _scanned(["app"]) == everything
    assert _scanned(["app/legacy"]) == ["app/legacy/x.py"]
    # a folder named that a glob excludes as a whole is scanned whole, as a file named is
    assert _scanned(["legacy"]) == ["legacy/old.py"]
    monkeypatch.chdir(globrel / "app")
    assert _scanned(["."]) == ["legacy/x.py", "scripts/y.py"]
    assert _scanned(["legacy"]) == ["legacy/x.py"]


def test_command_line_globs_are_relative_to_the_working_directory(
    globrel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--include/--exclude match the paths as the output shows them, relative to the
    working directory, whichever folder is scanned."""
    (globrel / "pyproject.toml").write_text("[tool.auditor]\n")
    assert _scanned(["app", "--exclude", "app/legacy/**"]) == ["app/scripts/y.py"]
    assert _scanned([".", "--exclude", "app/legacy/**"]) == ["app/scripts/y.py", "legacy/old.py"]
    # not from the scanned folder: legacy/** is the top-level legacy/ folder
    assert _scanned(["app", "--exclude", "legacy/**"]) == ["app/legacy/x.py", "app/scripts/y.py"]
    assert _scanned(["app", "--include", "app/scripts/**"]) == ["app/scripts/y.py"]
    # a glob that excludes the folder named as a whole does not apply inside it
    assert _scanned(["app/legacy", "--exclude", "app/legacy/**"]) == ["app/legacy/x.py"]
    assert _scanned(["app/legacy", "--exclude", "legacy"]) == ["app/legacy/x.py"]
    assert _scanned(["app", "--exclude", "legacy"]) == ["app/scripts/y.py"]
    assert _scanned(["app", "--exclude", "app/*/x.py"]) == ["app/scripts/y.py"]
    monkeypatch.chdir(globrel / "app")
    assert _scanned([".", "--exclude", "legacy/**"]) == ["scripts/y.py"]
    # a folder outside the working directory: its globs match from the folder scanned
    (globrel / "legacy/sub").mkdir()
    (globrel / "legacy/sub/z.py").write_text("import os\nos.system(input())\n")
    old = (globrel / "legacy/old.py").as_posix()
    assert _scanned(["../legacy", "--exclude", "sub/**"]) == [old]
    assert _scanned(["../legacy", "--include", "sub/*"]) == [old.replace("old.py", "sub/z.py")]


def test_system_discovery_applies_the_globs_from_the_same_folders(globrel: Path) -> None:
    """The deployment files a scan picks up are excluded as its Python files are."""
    from auditor.judge.policy import load_policy
    from auditor.scan.discover import scan_globs
    from auditor.system.discovery import discover as discover_system

    for name in ("legacy/app.service", "app/legacy/app.service"):
        (globrel / name).write_text("[Service]\nExecStart=/bin/true\n")
    policy = load_policy(globrel / "app")
    units = discover_system([Path("app")], scan_globs(policy))[1]
    assert [p.as_posix() for p in units] == ["app/legacy/app.service"]
    units = discover_system([Path("app")], scan_globs(policy, (), ["app/legacy/**"]))[1]
    assert units == []


@pytest.mark.parametrize("in_git", [False, True])
def test_folders_reached_through_a_link_are_scanned_under_its_path(
    tmp_path: Path, in_git: bool
) -> None:
    """A link to a folder of the project makes its files importable under the link's path
    (app/plugins -> ../tests/fixtures/evil: app.plugins.x): an exclude glob that matches
    their real path (tests/fixtures/**) but not that one does not hide them; files scanned
    under their own path are not scanned twice; a link out of the scanned folder, to it, to
    a virtual environment or named as a skipped folder is not followed."""
    touch(tmp_path, "main.py", "app/__init__.py", "tests/fixtures/evil/x.py", "lib/y.py")
    (tmp_path / "tests/fixtures/evil/tool").write_text("#!/usr/bin/python3\nimport os\n")
    (tmp_path / "app/plugins").symlink_to("../tests/fixtures/evil")
    (tmp_path / "app/lib").symlink_to("../lib")  # lib/y.py is scanned as itself
    (tmp_path / "app/up").symlink_to("..")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    touch(outside, "z.py")
    (tmp_path / "app/outside").symlink_to(outside)
    venv = tmp_path / "envs/py"
    touch(venv, "lib/python3.12/site-packages/pip/__init__.py")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "app/env").symlink_to("../envs/py")
    (tmp_path / "app/build").symlink_to("../tests/fixtures/evil")
    if in_git:
        (tmp_path / ".gitignore").write_text("envs/\n")
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
    excluded = ("tests/fixtures/**",)
    assert found([tmp_path], tmp_path, exclude=excluded) == [
        "app/__init__.py", "app/plugins/tool", "app/plugins/x.py", "lib/y.py", "main.py",
    ]  # fmt: skip
    # not excluded: scanned once, under their own path
    assert found([tmp_path], tmp_path) == [
        "app/__init__.py", "lib/y.py", "main.py", "tests/fixtures/evil/tool",
        "tests/fixtures/evil/x.py",
    ]  # fmt: skip
    # the walked path is what the globs match
    assert found([tmp_path], tmp_path, exclude=(*excluded, "app/plugins/**")) == [
        "app/__init__.py", "lib/y.py", "main.py",
    ]  # fmt: skip


@pytest.mark.parametrize("in_git", [False, True])
def test_a_script_run_through_a_link_to_a_file_is_scanned_under_the_links_path(
    tmp_path: Path, in_git: bool
) -> None:
    """``bin/deploy -> ../src/impl.txt`` runs impl.txt's Python (its shebang) when run as
    ``./bin/deploy``; the walk skipped links to files, and never reads a .txt: the script
    was not scanned (an independent attacker's finding). A link to a file scanned under its
    own path, to a file that is no Python, or out of the scanned folder adds nothing."""
    touch(tmp_path, "app.py")
    (tmp_path / "src").mkdir()
    (tmp_path / "src/impl.txt").write_text("#!/usr/bin/env python3\nimport os\n")
    (tmp_path / "src/notes.txt").write_text("just notes\n")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/deploy").symlink_to("../src/impl.txt")
    (tmp_path / "bin/notes").symlink_to("../src/notes.txt")
    (tmp_path / "bin/app").symlink_to("../app.py")
    outside = tmp_path.parent / f"{tmp_path.name}-out.txt"
    outside.write_text("#!/usr/bin/env python3\n")
    (tmp_path / "bin/far").symlink_to(outside)
    if in_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
    assert found([tmp_path], tmp_path) == ["app.py", "bin/deploy"]


def test_a_folder_that_is_no_package_name_starts_module_names_below_it_in_the_root_only() -> None:
    """Below ``pkg-1.0/`` (a distribution unpacked in the project) modules are named from
    below it; an absolute path (a file out of the project's root, named on the command
    line) is no module: naming it from below some folder of the machine made a pre-commit
    run on five salt files ask the rounds for the classes they use (0.96 s -> 1.45 s)."""
    from auditor.scan.discover import module_name

    assert module_name("pkgs/autogen-ext/src/autogen_ext/run.py") == "autogen_ext.run"
    assert module_name("salt-3008.5/salt/auth/pam.py") == "salt.auth.pam"
    assert module_name("/work/corpora/salt-3008.5/salt/auth/pam.py") == ""
