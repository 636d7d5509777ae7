"""Bad input never stops the scan: each problem goes under errors with a one-line reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.api import scan
from auditor.cli import main
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import make_policy

GOOD = b"import os\nos.system(cmd)\n"


def errors_of(data: bytes) -> list[tuple[int | None, str]]:
    result = analyze_source(data, "bad.py", "bad.py", Context(make_policy()))
    assert result.findings == []
    return [(e.line, e.message) for e in result.errors]


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"import os\ndef f(:\n    os.system(c)\n", 2, "syntax error"),
        (b"import os\nprint 'hello'\nos.system(x)\n", 2, "Python 2 syntax is not supported"),
        (b"try:\n    eval(x)\nexcept Exception, e:\n    pass\n", 3, "Python 2 syntax"),
        (b"x = '\xff\xfe'\n", 1, "cannot decode as utf-8: byte 0xff is invalid"),
        (b"# -*- coding: nope -*-\nx = 1\n", 1, "bad encoding declaration"),
        (b"x = 1\n\x00\x01\x02", 2, "NUL byte"),
    ],
)
def test_unparsable_source(data: bytes, line: int | None, reason: str) -> None:
    [(got_line, message)] = errors_of(data)
    assert got_line == line
    assert reason in message
    assert "\n" not in message


def test_encoding_cookie_is_honoured() -> None:
    data = "# -*- coding: latin-1 -*-\nimport os\nos.system('caf\xe9 ' + x)\n".encode("latin-1")
    result = analyze_source(data, "l1.py", "l1.py", Context(make_policy()))
    assert result.errors == []
    [f] = result.findings
    assert (f.sink, f.line, f.payload) == ("os.system", 3, "dynamic")
    assert "café" in f.snippet


def test_scan_goes_on_past_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a_bad.py").write_bytes(b"import subprocess\ndef (\nsubprocess.run(c)\n")
    (tmp_path / "b_good.py").write_bytes(GOOD)
    (tmp_path / "c_huge.py").write_bytes(GOOD + b"#" * 5000)
    os.symlink(tmp_path / "missing.py", tmp_path / "d_broken.py")
    (tmp_path / "e_dir.py").mkdir()
    policy = make_policy({"max_file_size": 1000}, root=str(tmp_path))
    result = scan([tmp_path], policy=policy)
    assert [f.path.rsplit("/", 1)[-1] for f in result.findings] == ["b_good.py"]
    reasons = {e.path.rsplit("/", 1)[-1]: e.message for e in result.errors}
    assert set(reasons) == {"a_bad.py", "c_huge.py", "d_broken.py"}
    assert reasons["a_bad.py"].startswith("syntax error")
    assert "file too large" in reasons["c_huge.py"]
    assert reasons["d_broken.py"] == "broken symbolic link"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "secret.py"
    target.write_bytes(GOOD)

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("auditor.worker.open", deny, raising=False)
    result = scan([target], policy=make_policy(root=str(tmp_path)))
    [error] = result.errors
    assert error.message == "cannot read: Permission denied"


def test_cli_exit_code_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.py").write_bytes(b"print 'x'\nexec 'y'\n")
    (tmp_path / "ok.py").write_bytes(GOOD)
    assert main(["scan", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "bad.py:1: error: Python 2 syntax is not supported" in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert main(["scan", str(tmp_path / "ok.py")]) == 0


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = scan([tmp_path / "nope.py"], policy=make_policy(root=str(tmp_path)))
    assert [e.message for e in result.errors] == ["no such file"]


def test_a_file_that_names_no_sink_is_not_parsed() -> None:
    """The pre-filter reads the text first: a file that mentions no sink, no sink module and
    no shell= cannot run anything the audit is about, so it is not parsed, and its syntax
    errors are not reported (documented in auditor/scan/prefilter.py and the README)."""
    ctx = Context(make_policy())
    assert errors_of_ctx(b"def f(:\n    pass\n", ctx) == []
    full = Context(make_policy(), Options(prefilter=False))
    assert errors_of_ctx(b"def f(:\n    pass\n", full) == [(1, "syntax error: invalid syntax")]


def errors_of_ctx(data: bytes, ctx: Context) -> list[tuple[int | None, str]]:
    result = analyze_source(data, "bad.py", "bad.py", ctx)
    return [(e.line, e.message) for e in result.errors]
