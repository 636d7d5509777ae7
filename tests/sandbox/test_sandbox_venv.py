"""exec_python/eval_python from a virtualenv that lives under /tmp (as CI venvs often do): the
strict profile's fresh /tmp must keep the interpreter visible."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

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
