"""Code loaded from a path chosen at run time, and sinks reached through dunder attributes
(/tmp/atk9t-cases/4-ctypes and 9-dunder-module). Before: ``ctypes.CDLL(request.args["lib"])``
(a shared library's constructors run as it loads), ``sys.path.insert(0, request.args["p"])``
then ``import plugin``, and ``shelve.open(request.args["p"])`` (a shelf's values are
pickles) were no sinks, and the pre-filter never even parsed the file: 0 findings.
``os.system.__self__.system(cmd)`` (a builtin's ``__self__`` is its module) and
``sys.modules[__name__].__builtins__["eval"](x)`` resolved to nothing; and
``subprocess.Popen.__init__(object.__new__(subprocess.Popen), cmd, shell=True)`` came out as
AUD202 (a shell= wrapper) plus AUD102 "handed over to object.__new__()", not as the Popen
sink with the request's data."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files


def _by_line(found: list) -> dict[int, list[tuple[str, str, str, str | None]]]:
    out: dict[int, list[tuple[str, str, str, str | None]]] = {}
    for f in found:
        out.setdefault(f.line, []).append((f.rule, f.risk, f.sink, f.origin))
    return out


def test_a_library_an_import_path_and_a_shelf_chosen_by_the_request(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                from flask import Flask, request
                import ctypes, sys, shelve, cffi
                app = Flask(__name__)
                @app.route("/j")
                def j():
                    ctypes.CDLL(request.args["lib"])
                    ctypes.cdll.LoadLibrary(request.args["lib"])
                    cffi.FFI().dlopen(request.args["lib"])
                @app.route("/n")
                def n():
                    sys.path.insert(0, request.args["p"])
                    import plugin
                    sys.path.append(request.args["q"])
                @app.route("/c")
                def c():
                    with shelve.open(request.args["p"]) as s:
                        return str(s["k"])
                def constant():
                    ctypes.CDLL("libc.so.6")
                    sys.path.insert(0, "/opt/app/lib")
                    shelve.open("/var/cache/app.db")
                """
        },
    )
    lines = _by_line(found)
    assert lines[6] == [("AUD004", "critical", "ctypes.CDLL", "remote-input")]
    assert lines[7] == [("AUD004", "critical", "ctypes.CDLL", "remote-input")]
    assert lines[8] == [("AUD004", "critical", "ctypes.CDLL", "remote-input")]
    assert lines[11] == [("AUD004", "critical", "sys.path.insert", "remote-input")]
    assert lines[13] == [("AUD004", "critical", "sys.path.append", "remote-input")]
    assert lines[16] == [("AUD003", "critical", "shelve.open", "remote-input")]
    assert not [f for f in found if f.line > 17]


def test_sinks_reached_through_self_builtins_and_init(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                from flask import Flask, request
                import os, sys, subprocess
                app = Flask(__name__)
                @app.route("/g")
                def g():
                    os.system.__self__.system(request.args["c"])
                @app.route("/j")
                def j():
                    sys.modules[__name__].__builtins__["eval"](request.args["c"])
                @app.route("/f")
                def f():
                    subprocess.Popen.__init__(
                        object.__new__(subprocess.Popen), request.args["c"], shell=True
                    )
                def argv(c):  # line 16
                    subprocess.Popen.__init__(object.__new__(subprocess.Popen), [c])
                """
        },
    )
    lines = _by_line(found)
    assert lines[6] == [("AUD001", "critical", "os.system", "remote-input")]
    assert lines[9] == [("AUD003", "critical", "builtins.eval", "remote-input")]
    # one finding, the Popen sink's (no AUD202 wrapper, no handover to object.__new__)
    assert lines[12] == [("AUD001", "critical", "subprocess.Popen", "remote-input")]
    assert lines[16] == [("AUD102", "high", "subprocess.Popen", "parameter")]
