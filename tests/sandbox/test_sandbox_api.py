"""exec_python / eval_python / SandboxResult / Limits."""

from __future__ import annotations

import subprocess

import pytest

from auditor import sandbox

pytestmark = pytest.mark.usefixtures("launcher_kind")


def test_result_is_a_completed_process_with_sandbox_fields() -> None:
    r = sandbox.run(["sh", "-c", "echo hi"], capture_output=True)
    assert isinstance(r, subprocess.CompletedProcess)
    assert isinstance(r, sandbox.SandboxResult)
    assert r.stdout == b"hi\n"
    assert {"pid", "ipc", "uts", "net", "mount", "nnp", "nocaps"} <= set(r.isolation)
    assert ("user" in r.isolation) == sandbox.process.needs_user_namespace()
    assert not (r.timed_out or r.oom_killed or r.truncated)
    assert r.wall_seconds > 0
    assert r.cpu_seconds is not None and r.cpu_seconds >= 0
    assert r.max_rss_bytes is not None and r.max_rss_bytes > 0


def test_shell_runs_inside_the_sandbox() -> None:
    r = sandbox.run("echo $$; hostname", shell=True, capture_output=True, text=True)
    pid, host = r.stdout.split()
    assert int(pid) <= 3  # the shell is one of the first processes of a fresh pid namespace
    assert host == "sandbox"


def test_exec_python_output_goes_to_the_callers_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    r = sandbox.exec_python("import sys; print('to out'); print('to err', file=sys.stderr)")
    assert r.returncode == 0
    assert r.stdout is None
    out, err = capsys.readouterr()
    assert out == "to out\n"
    assert err == "to err\n"
    assert "readonly-root" in r.isolation  # strict by default


def test_exec_python_uses_a_fresh_isolated_interpreter() -> None:
    r = sandbox.exec_python(
        "import sys; print(sys.flags.isolated, 'auditor' in sys.modules)",
        capture_output=True,
        text=True,
    )
    assert r.stdout == "1 False\n"


def test_exec_python_check_and_input() -> None:
    r = sandbox.exec_python(
        "import sys; print(sys.stdin.read().upper())", input="abc", capture_output=True, text=True
    )
    assert r.stdout == "ABC\n"
    with pytest.raises(subprocess.CalledProcessError):
        sandbox.exec_python("raise SystemExit(3)", check=True, capture_output=True)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("1 + 2", 3),
        ("[i * i for i in range(4)]", [0, 1, 4, 9]),
        ("{'a': (1, 2), 3: {4, 5}}", {"a": (1, 2), 3: {4, 5}}),
        ("'x' * 3", "xxx"),
        ("b'\\x00\\xff'", b"\x00\xff"),
        ("None", None),
        ("float('nan') != float('nan')", True),
    ],
)
def test_eval_python_returns_values(expr: str, value: object) -> None:
    assert sandbox.eval_python(expr) == value


def test_eval_python_errors_are_clear() -> None:
    with pytest.raises(sandbox.SandboxEvalError, match="ZeroDivisionError"):
        sandbox.eval_python("1 / 0")
    with pytest.raises(sandbox.SandboxEvalError, match=r"neither JSON nor ast\.literal_eval"):
        sandbox.eval_python("object()")
    with pytest.raises(sandbox.SandboxEvalError, match="timed out"):
        sandbox.eval_python("__import__('time').sleep(30)", timeout=0.5)
    # Output printed by the expression does not confuse the result.
    assert sandbox.eval_python("print('noise') or 7") == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"memory": "lots"}, "memory"),
        ({"pids": 0}, "pids"),
        ({"cpu_time": "30"}, "cpu_time"),
        ({"open_files": 1.5}, "open_files"),
    ],
)
def test_limits_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sandbox.Limits(**kwargs)  # type: ignore[arg-type]


def test_limits_defaults_and_sizes() -> None:
    lim = sandbox.Limits()
    assert (lim.memory_bytes, lim.cpu_time, lim.pids) == (100 << 20, 30, 64)
    assert (lim.file_size_bytes, lim.open_files, lim.output_bytes) == (10 << 20, 256, 10 << 20)
    assert sandbox.Limits(memory="1.5G").memory_bytes == 3 << 29
    assert sandbox.Limits(memory=4096, output=None).output_bytes is None


def test_open_files_limit_applies() -> None:
    r = sandbox.run(
        ["sh", "-c", "ulimit -n; ulimit -c"],
        capture_output=True,
        text=True,
        limits=sandbox.Limits(open_files=32),
    )
    assert r.stdout.split() == ["32", "0"]


def test_the_selected_launcher_runs_and_is_reported(launcher_kind: str) -> None:
    r = sandbox.run(["true"])
    assert r.launcher == launcher_kind
    assert r.as_dict()["launcher"] == launcher_kind
    # A caller's preexec_fn must run in the payload process: only the Python launcher can.
    r = sandbox.run(["true"], preexec_fn=lambda: None)
    assert r.launcher == "python"
    assert r.returncode == 0
