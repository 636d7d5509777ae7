"""exec_python/eval_python from a virtualenv that lives under /tmp (as CI venvs often do): the
strict profile's fresh /tmp must keep the interpreter visible."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import pytest

import auditor


def test_strict_python_from_a_venv_under_tmp(tmp_path: Path) -> None:
    assert str(tmp_path).startswith("/tmp/")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    # the new venv imports this very auditor (installed or a checkout) through PYTHONPATH;
    # the sandboxed child runs with -I and needs nothing but the interpreter
    env = {**os.environ, "PYTHONPATH": str(Path(auditor.__file__).resolve().parent.parent)}
    probe = (
        "from auditor import sandbox\n"
        "print(sandbox.eval_python('[1, 2] + [3]'))\n"
        "r = sandbox.exec_python('import sys; print(sys.prefix)', capture_output=True, text=True)\n"
        "print(r.returncode, r.stdout.strip())\n"
    )
    out = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["[1, 2, 3]", f"0 {env_dir}"], (out.stdout, sys.prefix)


# The payload's report: its prefix, the sandbox's /tmp, whether the interpreter's folder is
# read-only, whether a file the host keeps next to it is in view.
REPORT = (
    "import json, os, sys\n"
    "try:\n"
    "    open(os.path.join(sys.prefix, 'written'), 'w').close()\n"
    "    ro = False\n"
    "except OSError:\n"
    "    ro = True\n"
    "print(json.dumps([sys.prefix, sorted(os.listdir('/tmp')), ro, os.path.exists(SECRET)]))\n"
)

# Runs in the interpreter under test: the same payload through a plain run, a preexec_fn run
# (whose init execs an interpreter while the view is built) and a warm sandbox.  It is a
# child subreaper as the suite is (not inherited): the warm sandbox its pool lets go at
# close() leaves its init and payload to it, not to the suite, which never reaps them (the
# close would wait 7 s for an init that cannot end).
PROBE = (
    "import ctypes, json, os, sys\n"
    "ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
    "from auditor import sandbox\n"
    "from auditor.sandbox import native\n"
    "native._disabled = sys.argv[1] == 'python'\n"
    "report = sys.argv[2]\n"
    "env = {'PATH': '/usr/bin:/bin', 'LD_LIBRARY_PATH': os.environ.get('LD_LIBRARY_PATH', '')}\n"
    "argv = [sys.executable, '-I', '-c', report]\n"
    "out = {}\n"
    "for name, pre in (('plain', None), ('preexec_fn', lambda: None)):\n"
    "    r = sandbox.run(argv, preexec_fn=pre, env=env, capture_output=True, text=True)\n"
    "    out[name] = [r.returncode, r.launcher, r.stdout, r.stderr[-2000:]]\n"
    "with sandbox.Pool(1, env=env) as p:\n"
    "    r = p.exec_python(report, capture_output=True, text=True, timeout=120)\n"
    "    out['pool'] = [r.returncode, 'pool', r.stdout, r.stderr[-2000:]]\n"
    "print(json.dumps(out))\n"
)


def _run_probe(
    python: Path, kind: str, secret: Path, extra_env: dict[str, str], flags: tuple[str, ...] = ()
) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(auditor.__file__).resolve().parent.parent),
        **extra_env,
    }
    out = subprocess.run(
        [str(python), *flags, "-c", PROBE, kind, REPORT.replace("SECRET", repr(str(secret)))],
        cwd="/",  # the standard profile shows the working directory: none here
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


def _check_reports(result: dict[str, Any], prefix: Path, kind: str) -> None:
    top = str(prefix).split("/")[2]  # /tmp/<top>/...: the one entry the fresh /tmp shows
    for name, (rc, launcher_used, stdout, stderr) in result.items():
        assert rc == 0, (name, stderr)
        if name == "preexec_fn":
            assert launcher_used == "python"
        elif name == "plain":
            assert launcher_used == kind
        seen_prefix, tmp_entries, read_only, secret_seen = json.loads(stdout)
        assert seen_prefix == str(prefix), name
        # Private /tmp: only the path to the interpreter, read-only; nothing else of the
        # host's /tmp (the file beside the interpreter's folder is not there).
        assert tmp_entries == [top], name
        assert read_only, name
        assert not secret_seen, name


@pytest.mark.parametrize("flags", [(), ("-S",)], ids=["site", "no-site"])
@pytest.mark.parametrize("kind", ["c", "python"])
def test_every_run_from_a_venv_under_tmp(tmp_path: Path, kind: str, flags: tuple[str, ...]) -> None:
    """A venv under /tmp (CI, tox): the fresh /tmp hides it while the view is built, yet the
    init of a preexec_fn run (an interpreter when the Python launcher runs) starts then.
    With -S the caller's sys.prefix is the base's: the venv is in view all the same."""
    assert str(tmp_path).startswith("/tmp/")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    secret = tmp_path / "secret"
    secret.write_text("host /tmp\n")
    result = _run_probe(env_dir / "bin" / "python", kind, secret, {}, flags)
    _check_reports(result, env_dir, kind)


STDLIB_SKIP = ("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3")
STDLIB_SKIP += ("site-packages", "dist-packages", "__pycache__", "config-*")


@pytest.mark.parametrize("kind", ["c", "python"])
def test_every_run_from_an_interpreter_installed_under_tmp(tmp_path: Path, kind: str) -> None:
    """Not a venv: the interpreter and its standard library themselves live under /tmp (a
    copy of this one's), where the view's tmpfs hides them until the root has moved."""
    assert str(tmp_path).startswith("/tmp/")
    prefix = tmp_path / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    real = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(real, prefix / "bin" / version)
    stdlib = os.path.dirname(os.__file__)
    shutil.copytree(
        stdlib,
        prefix / "lib" / version,
        ignore=shutil.ignore_patterns(*STDLIB_SKIP),
        ignore_dangling_symlinks=True,
    )
    extra = {}
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):  # a libpython.so found by RUNPATH
        lib = os.path.join(
            sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY")
        )
        if os.path.exists(lib):
            for f in glob.glob(lib + "*"):
                shutil.copy2(f, prefix / "lib")
            extra["LD_LIBRARY_PATH"] = str(prefix / "lib")
    secret = tmp_path / "secret"
    secret.write_text("host /tmp\n")
    python = prefix / "bin" / version
    check = subprocess.run(
        [str(python), "-I", "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        env={**os.environ, **extra},
        check=False,
    )
    assert check.stdout.strip() == str(prefix), check.stderr  # the copy is its own install
    result = _run_probe(python, kind, secret, extra)
    _check_reports(result, prefix, kind)
