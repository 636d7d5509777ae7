"""A function of the project looked up by a name and called (docs/flow.md, "What it
follows"): ``getattr(obj, "do_" + name)(x)`` on an object, a class or a module of the
project, ``globals()[name](x)``, ``import_string("ops.backup.run")(x)``,
``pkgutil.resolve_name("a:ping")(x)``, ``importlib.import_module(m).run(x)``; and cmd.Cmd's
``do_*`` methods, which its loop looks up by the line typed. Before, the analysis counted
only the calls it saw by their name: the function's one visible caller passed a constant,
so its site was AUD201, medium, "every caller passes constants", while request data reached
it through the lookup (/tmp/attack6's getattr_method_dispatch and string_path_callee)."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files


def _by_line(found: list[Finding], path: str = "") -> dict[int, tuple[str, str, str | None]]:
    return {f.line: (f.rule, f.risk, f.origin) for f in found if f.path.endswith(path)}


def test_a_method_looked_up_on_an_instance_by_a_name_with_a_head(tmp_path: Path) -> None:
    """``handler = getattr(ops, "do_" + name); handler(request.args["service"])``: both
    methods named ``do_...`` (lines 6 and 8) get the request's argument: AUD001, critical,
    remote-input, through the call at line 19. ``restart_all`` (line 10), whose name does
    not start so, is called only by ``boot`` with a constant: still AUD201, medium,
    constant."""
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                import subprocess
                from flask import Flask, request
                app = Flask(__name__)
                class Ops:
                    def do_restart(self, service):
                        subprocess.run("systemctl restart " + service, shell=True)
                    def do_status(self, service):
                        subprocess.run("systemctl status " + service, shell=True)
                    def restart_all(self, service):
                        subprocess.run("systemctl restart " + service, shell=True)
                    def boot(self):
                        self.do_restart("nginx")
                        self.do_status("nginx")
                        self.restart_all("nginx")
                ops = Ops()
                @app.route("/op/<name>")
                def op(name):
                    handler = getattr(ops, "do_" + name)
                    return handler(request.args["service"])
                """
        },
    )
    lines = _by_line(found)
    assert lines[6] == ("AUD001", "critical", "remote-input")
    assert lines[8] == ("AUD001", "critical", "remote-input")
    assert lines[10] == ("AUD201", "medium", None)
    flow = next(f for f in found if f.line == 6).flow
    assert flow[-2].line == 19 and "handler()" in flow[-2].note


def test_a_subclass_method_fits_a_lookup_on_its_base(tmp_path: Path) -> None:
    """``getattr(Base(), "do_" + name)`` may give the method a subclass in another file
    defines (line 5 of plugins.py): AUD001, critical, remote-input."""
    found = scan_files(
        tmp_path,
        {
            "base.py": """\
                class Base:
                    def do_nothing(self, arg):
                        return arg
                """,
            "plugins.py": """\
                import os
                from base import Base
                class Shell(Base):
                    def do_sh(self, arg):
                        os.system(arg)
                    def boot(self):
                        self.do_sh("uptime")
                """,
            "app.py": """\
                from flask import Flask, request
                from base import Base
                app = Flask(__name__)
                @app.route("/x/<name>")
                def x(name):
                    obj = Base()
                    return getattr(obj, "do_" + name)(request.args["a"])
                """,
        },
    )
    assert _by_line(found, "plugins.py")[5] == ("AUD001", "critical", "remote-input")


def test_a_function_looked_up_in_a_module_by_name(tmp_path: Path) -> None:
    """``getattr(handlers, "cmd_" + op)(request.args["arg"])``: cmd_ping (handlers.py
    line 3) gets the argument: AUD001, critical, remote-input; ``other`` (line 5), whose
    name does not start with ``cmd_``, keeps its constant caller: AUD201, medium."""
    found = scan_files(
        tmp_path,
        {
            "handlers.py": """\
                import subprocess
                def cmd_ping(host):
                    return subprocess.check_output("ping -c1 " + host, shell=True)
                def other(host):
                    return subprocess.check_output("ping -c1 " + host, shell=True)
                def warmup():
                    cmd_ping("localhost")
                    other("localhost")
                """,
            "app.py": """\
                import handlers
                from flask import Flask, request
                app = Flask(__name__)
                @app.route("/api/<op>")
                def api(op):
                    return getattr(handlers, "cmd_" + op)(request.args["arg"])
                """,
        },
    )
    lines = _by_line(found, "handlers.py")
    assert lines[3] == ("AUD001", "critical", "remote-input")
    assert lines[5] == ("AUD201", "medium", None)


def test_a_looked_up_function_handed_on_is_never_constant(tmp_path: Path) -> None:
    """``return getattr(handlers, "cmd_" + op)``: whoever gets the function calls it with
    what the analysis does not see; cmd_ping (line 3), called by name only with a constant,
    keeps the ``parameter`` origin: AUD101, high (before: AUD201, medium, constant)."""
    found = scan_files(
        tmp_path,
        {
            "handlers.py": """\
                import subprocess
                def cmd_ping(host):
                    return subprocess.check_output("ping -c1 " + host, shell=True)
                def warmup():
                    cmd_ping("localhost")
                """,
            "registry.py": """\
                import handlers
                def pick(op):
                    return getattr(handlers, "cmd_" + op)
                """,
        },
    )
    assert _by_line(found, "handlers.py")[3] == ("AUD101", "high", "parameter")


def test_a_dotted_path_names_the_function(tmp_path: Path) -> None:
    """Django's ``import_string("ops.backup.run")(request.POST["target"])`` calls
    ops/backup.py's run (line 4): AUD001, critical, remote-input; so does
    ``pkgutil.resolve_name("ops.backup:pack")(...)`` for pack (line 7)."""
    found = scan_files(
        tmp_path,
        {
            "ops/__init__.py": "",
            "ops/backup.py": """\
                import subprocess

                def run(target):
                    subprocess.run("tar czf /backups/out.tgz " + target, shell=True)

                def pack(target):
                    subprocess.run("zip -r /backups/out.zip " + target, shell=True)

                def nightly():
                    run("/srv/data")
                    pack("/srv/data")
                """,
            "views.py": """\
                import pkgutil
                from django.http import HttpResponse
                from django.utils.module_loading import import_string

                def backup(request):
                    handler = import_string("ops.backup.run")
                    handler(request.POST["target"])
                    pkgutil.resolve_name("ops.backup:pack")(request.POST["target"])
                    return HttpResponse("ok")
                """,
        },
    )
    lines = _by_line(found, "backup.py")
    assert lines[4] == ("AUD001", "critical", "remote-input")
    assert lines[7] == ("AUD001", "critical", "remote-input")


def test_a_function_looked_up_in_globals(tmp_path: Path) -> None:
    """``globals()["local"]`` bound and called gives ``local`` (web.py line 6), and
    ``globals()[name](x)`` any function of web.py's namespace, the one it imports from a.py
    too (run7, a.py line 3): AUD001, critical, remote-input. run9 (a.py line 5), not in
    web.py's namespace, keeps its constant caller: AUD201, medium. In another project,
    ``globals().get("cmd_" + name)`` gives the functions named ``cmd_...`` (cmd_du, line 9,
    critical), not run8 (line 7, AUD201); ``globals()["run7"](x)`` gives run7 (line 5,
    critical)."""
    found = scan_files(
        tmp_path / "a",
        {
            "a.py": """\
                import os
                def run7(cmd):
                    os.system(cmd)
                def run9(cmd):
                    os.system(cmd)
                def boot():
                    run7("uptime"); run9("uptime")
                """,
            "web.py": """\
                import os
                from flask import Flask, request
                from a import run7
                app = Flask(__name__)
                def local(cmd):
                    os.system(cmd)
                def boot():
                    local("uptime")
                @app.route("/7")
                def r7():
                    f = globals()["local"]
                    f(request.args["c"])
                @app.route("/8/<name>")
                def r8(name):
                    globals()[name](request.args["c"])
                """,
        },
    )
    assert _by_line(found, "web.py")[6] == ("AUD001", "critical", "remote-input")
    lines = _by_line(found, "a.py")
    assert lines[3] == ("AUD001", "critical", "remote-input")
    assert lines[5] == ("AUD201", "medium", None)
    found = scan_files(
        tmp_path / "b",
        {
            "a.py": """\
                import os
                from flask import Flask, request
                app = Flask(__name__)
                def run7(cmd):
                    os.system(cmd)
                def run8(cmd):
                    os.system(cmd)
                def cmd_du(cmd):
                    os.system("du " + cmd)
                def boot():
                    run7("uptime"); run8("uptime"); cmd_du("/")
                @app.route("/7")
                def r7():
                    globals()["run7"](request.args["c"])
                @app.route("/8/<name>")
                def r8(name):
                    fn = globals().get("cmd_" + name)
                    fn(request.args["c"])
                """,
        },
    )
    lines = _by_line(found, "a.py")
    assert lines[5] == ("AUD001", "critical", "remote-input")
    assert lines[7] == ("AUD201", "medium", None)
    assert lines[9] == ("AUD001", "critical", "remote-input")


def test_a_function_of_a_module_imported_by_a_name_known_at_run_time(tmp_path: Path) -> None:
    """``importlib.import_module("plugins." + name).run(request.args["c"])``: the function
    named run of any module of the project (plugins/shell.py line 3): AUD001, critical,
    remote-input."""
    found = scan_files(
        tmp_path,
        {
            "plugins/__init__.py": "",
            "plugins/shell.py": """\
                import os
                def run(cmd):
                    os.system(cmd)
                def boot():
                    run("uptime")
                """,
            "app.py": """\
                import importlib
                from flask import Flask, request
                app = Flask(__name__)
                @app.route("/p/<name>")
                def p(name):
                    return importlib.import_module("plugins." + name).run(request.args["c"])
                """,
        },
    )
    assert _by_line(found, "shell.py")[3] == ("AUD001", "critical", "remote-input")


def test_a_method_looked_up_on_an_object_of_unknown_type(tmp_path: Path) -> None:
    """``getattr(target, "do_" + verb)(line)`` with ``target`` a parameter: any method
    named ``do_...`` of the project may be the one called (line 5): AUD001, critical,
    remote-input. ``stop`` (line 7) does not fit: AUD201, medium, constant."""
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                import os
                from flask import Flask, request
                class Box:
                    def do_run(self, line):
                        os.system(line)
                    def stop(self, line):
                        os.system(line)
                    def boot(self):
                        self.do_run("uptime")
                        self.stop("uptime")
                app = Flask(__name__)
                def call(target, verb, line):
                    return getattr(target, "do_" + verb)(line)
                @app.route("/v/<verb>")
                def v(verb):
                    return call(object(), verb, request.args["line"])
                """,
        },
    )
    lines = _by_line(found)
    assert lines[5] == ("AUD001", "critical", "remote-input")
    assert lines[7] == ("AUD201", "medium", None)


def test_a_cmd_interpreter_command_gets_the_line_typed(tmp_path: Path) -> None:
    """cmd.Cmd's loop calls ``do_sh`` with the rest of the line the user typed (it looks
    the method up by the line's first word, in the standard library): line 5 is AUD101,
    high, user-input, though ``preloop`` calls it with a constant (before: AUD201, medium,
    "every caller passes constants"). ``default`` gets the whole line likewise (line 7)."""
    found = scan_files(
        tmp_path,
        {
            "admin.py": """\
                import cmd, os

                class Admin(cmd.Cmd):
                    def do_sh(self, arg):
                        os.system(arg)
                    def default(self, line):
                        os.system(line)
                    def preloop(self):
                        self.do_sh("uptime")
                        self.default("uptime")
                """,
        },
    )
    lines = _by_line(found)
    assert lines[5] == ("AUD101", "high", "user-input")
    assert lines[7] == ("AUD101", "high", "user-input")


def test_a_lookup_on_self_reaches_a_subclass_in_another_file(tmp_path: Path) -> None:
    """``getattr(self, "task_" + name)(arg)`` in a base class may give a method that a
    subclass in another file defines: task_sh (tasks.py line 5) gets the request's
    argument, AUD001, critical, remote-input (before: AUD201, medium, its one visible
    caller passing a constant)."""
    found = scan_files(
        tmp_path,
        {
            "base.py": """\
                class Runner:
                    def go(self, name, arg):
                        return getattr(self, "task_" + name)(arg)
                """,
            "tasks.py": """\
                import os
                from base import Runner
                class Tasks(Runner):
                    def task_sh(self, cmd):
                        os.system(cmd)
                    def boot(self):
                        self.task_sh("uptime")
                """,
            "app.py": """\
                from flask import Flask, request
                from tasks import Tasks
                app = Flask(__name__)
                @app.route("/t/<name>")
                def t(name):
                    return Tasks().go(name, request.args["c"])
                """,
        },
    )
    assert _by_line(found, "tasks.py")[5] == ("AUD001", "critical", "remote-input")


def test_an_attribute_read_by_a_name_of_a_short_head_escapes_nothing(tmp_path: Path) -> None:
    """``getattr(user, "_" + kind)`` on an object of unknown type, its value kept, not
    called: an attribute's read (as in django's ModelBackend), not a function's lookup. The
    private ``_purge`` (line 4), called only with a constant, stays AUD201, medium,
    constant (it was AUD101, high, "handed over as a value", every private function of the
    project being taken for one the lookup may give)."""
    found = scan_files(
        tmp_path,
        {
            "a.py": """\
                import os
                from flask import request
                def _purge(path):
                    os.system("rm -rf " + path)
                def boot():
                    _purge("/tmp/cache")
                def cached(user, kind):
                    return getattr(user, "_" + kind)
                """,
        },
    )
    assert _by_line(found)[4] == ("AUD201", "medium", None)
