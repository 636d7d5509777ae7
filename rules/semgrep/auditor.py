"""Tests of the semgrep pack auditor.yaml, run by `semgrep --test rules/semgrep`.

An annotation comment (ruleid, then a colon and a rule id) marks the next line as a match of
that rule; an `ok` annotation documents a line the rule must not match (any match without an
annotation fails the test). The sections follow the sink families of rules/sinks.toml.
"""

import _testcapi
import _xxsubinterpreters
import asyncio
import bdb
import builtins
import code
import cProfile
import ctypes
import doctest
import imaplib
import importlib
import importlib.machinery
import importlib.util
import multiprocessing
import os
import os.path
import pdb
import pickle
import profile
import pty
import pydoc
import runpy
import subprocess
import subprocess as sp
import timeit
import trace
import types
import webbrowser
from asyncio import subprocess as asp
from importlib import import_module
from multiprocessing import spawn
from os import system
from subprocess import check_output as co
from subprocess import getstatusoutput

import anyio
import commands  # Python 2 modules: the pack still finds them
import delegator
import execnet
import invoke
import jupyter_client
import numexpr
import numpy
import pexpect
import popen2
import sarge
import sh
import sympy
import tkinter
import torch
import yaml
from fabric import Connection
from langchain_community.tools import ShellTool
from langchain_experimental.utilities import PythonREPL

from auditor import sandbox

BACKUP = "tar czf /var/backups/etc.tgz /etc"


# --- auditor.subprocess --------------------------------------------------


def shell_dynamic_1(cmd, user):
    # ruleid: auditor.subprocess-shell-dynamic
    subprocess.run(cmd, shell=True)
    # ruleid: auditor.subprocess-shell-dynamic
    sp.Popen(f"ls {user}", shell=True)
    # ruleid: auditor.subprocess-shell-dynamic
    co(
        "cat " + user,
        text=True,
        shell=True,
    )
    # ruleid: auditor.subprocess-shell-dynamic
    subprocess.call(args=cmd, shell=user.is_admin)


def shell_constant_2():
    # ruleid: auditor.subprocess-shell-constant
    subprocess.check_call("make -C /srv all", shell=True)
    # ruleid: auditor.subprocess-shell-constant
    sp.run(BACKUP, shell=True)


def argv_3(user):
    # ruleid: auditor.subprocess-argv
    subprocess.run(["ls", user])
    # ruleid: auditor.subprocess-argv
    co(["systemctl", "status", "nginx"], text=True)
    # ruleid: auditor.subprocess-argv
    subprocess.Popen(["ls"], shell=False)
    # ok: auditor.subprocess-argv
    subprocess.list2cmdline(["ls", user])


def wrappers_4(launch, cmd):
    # ruleid: auditor.shell-wrapper
    launch(cmd, shell=True)
    # ok: auditor.shell-wrapper
    launch(cmd, shell=False)
    # ruleid: auditor.subprocess-shell-dynamic
    subprocess.run(cmd, shell=True)  # the sink's own rule, not the wrapper rule


# --- auditor.subprocess-getoutput ----------------------------------------


def f_5(d):
    # ruleid: auditor.subprocess-getoutput
    subprocess.getoutput("uptime")
    # ruleid: auditor.subprocess-getoutput
    getstatusoutput(f"ls {d}")
    # ruleid: auditor.subprocess-argv
    subprocess.run(["uptime"])  # and not subprocess-getoutput


# --- auditor.os-system ---------------------------------------------------


def f_6(cmd, path):
    # ruleid: auditor.os-system
    os.system("uptime")
    # ruleid: auditor.os-system
    system(f"rm -rf {path}")
    # ruleid: auditor.os-system
    os.popen(cmd).read()
    # ok: auditor.os-system
    os.path.join(cmd, path)


# --- auditor.os-exec -----------------------------------------------------


def f_7(prog, path):
    # ruleid: auditor.os-exec
    os.execl("/bin/ls", "ls", path)
    # ruleid: auditor.os-exec
    os.execvpe(prog, [prog, path], os.environ)
    # ok: auditor.os-exec
    os.getpid()


# --- auditor.os-spawn ----------------------------------------------------


def f_8(prog, arg):
    # ruleid: auditor.os-spawn
    os.spawnl(os.P_WAIT, "/bin/ls", "ls", arg)
    # ruleid: auditor.os-spawn
    os.spawnvp(os.P_WAIT, prog, [prog, arg])
    # ruleid: auditor.os-spawn
    os.posix_spawnp(prog, [prog, "-v"], os.environ)
    # ok: auditor.os-spawn
    os.waitpid(0, 0)


# --- auditor.os-startfile ------------------------------------------------


def f_9(document, obj):
    # ruleid: auditor.os-startfile
    os.startfile(document)
    # ok: auditor.os-startfile
    obj.startfile(document)


# --- auditor.asyncio-shell -----------------------------------------------


async def f_10(loop, c, proto):
    # ruleid: auditor.asyncio-shell
    await asyncio.create_subprocess_shell(c)
    # ruleid: auditor.asyncio-shell
    await asp.create_subprocess_shell("uptime")
    # ruleid: auditor.asyncio-shell
    await loop.subprocess_shell(proto, c)
    # ok: auditor.asyncio-shell
    await asyncio.sleep(1)


# --- auditor.asyncio-exec ------------------------------------------------


async def f_11(loop, p, proto):
    # ruleid: auditor.asyncio-exec
    await asyncio.create_subprocess_exec(p, "-v")
    # ruleid: auditor.asyncio-exec
    await loop.subprocess_exec(proto, p, "-v")
    # ruleid: auditor.asyncio-shell
    await asyncio.create_subprocess_shell(p)  # and not asyncio-exec


# --- auditor.anyio-process -----------------------------------------------


async def f_11b(cmd, runner):
    # ruleid: auditor.anyio-process
    await anyio.run_process(cmd)
    # ruleid: auditor.anyio-process
    await anyio.open_process(["ls", cmd])
    # ok: auditor.anyio-process
    await runner.run_process(cmd)


# --- auditor.pty-spawn ---------------------------------------------------


def f_12(cmd, data):
    # ruleid: auditor.pty-spawn
    pty.spawn(["/bin/sh", "-c", cmd])
    # ok: auditor.pty-spawn
    spawn.prepare(data)


# --- auditor.legacy-shell ------------------------------------------------


def f_13(cmd, obj):
    # ruleid: auditor.legacy-shell
    commands.getoutput(cmd)
    # ruleid: auditor.legacy-shell
    popen2.popen3(cmd)
    # ruleid: auditor.legacy-shell
    os.popen2(cmd)
    # ok: auditor.legacy-shell
    obj.popen2(cmd)


# --- auditor.pexpect -----------------------------------------------------


def f_14(host, cmd):
    # ruleid: auditor.pexpect
    pexpect.run(f"ssh {host} uptime")
    # ruleid: auditor.pexpect
    child = pexpect.spawn(cmd)
    # ok: auditor.pexpect
    multiprocessing.get_context("spawn")
    return child


# --- auditor.stdlib-shell ------------------------------------------------


def f_14c(text, pager, host):
    # ruleid: auditor.stdlib-shell
    pydoc.pipepager(text, pager)
    # ruleid: auditor.stdlib-shell
    pydoc.tempfilepager(text, pager)
    # ruleid: auditor.stdlib-shell
    imaplib.IMAP4_stream(f"ssh {host} imapd")
    # ok: auditor.stdlib-shell
    imaplib.IMAP4_SSL(host)


# --- auditor.stdlib-program ----------------------------------------------


def f_14d(browser, url, cmd):
    # ruleid: auditor.stdlib-program
    webbrowser.get(browser).open(url)
    # ruleid: auditor.stdlib-program
    webbrowser.GenericBrowser(cmd)
    # ok: auditor.stdlib-program
    webbrowser.open(url)


# --- auditor.ctypes-libc -------------------------------------------------


def f_14e(cmd):
    # ruleid: auditor.ctypes-libc
    ctypes.CDLL(None).system(cmd)
    libc = ctypes.CDLL("libc.so.6")
    # ruleid: auditor.ctypes-libc
    libc.popen(cmd, b"r")
    # ruleid: auditor.ctypes-libc
    ctypes.cdll.LoadLibrary("libc.so.6").system(cmd)
    # ok: auditor.ctypes-libc
    ctypes.CDLL("libfoo.so").run(cmd)


# --- auditor.interactive-interpreter -------------------------------------


def f_14b(console, source):
    # ruleid: auditor.interactive-interpreter
    console.runsource(source)
    # ruleid: auditor.interactive-interpreter
    console.runcode(compile(source, "<x>", "exec"))
    # ok: auditor.interactive-interpreter
    console.run(source)
    shell = code.InteractiveConsole()
    # ruleid: auditor.interactive-interpreter
    shell.push(source)
    # ruleid: auditor.interactive-interpreter
    code.InteractiveConsole(locals={}).push(source)
    # ok: auditor.interactive-interpreter
    console.push(source)


# --- auditor.ipython-run-cell --------------------------------------------


async def f_14c(ipython, code):
    # ruleid: auditor.ipython-run-cell
    ipython.run_cell(code, silent=True)
    # ruleid: auditor.ipython-run-cell
    await ipython.run_cell_async(code)
    # ok: auditor.ipython-run-cell
    ipython.run_line_magic("time", code)


# --- auditor.jupyter-kernel ----------------------------------------------


def f_15j(code, kc, cursor):
    # ruleid: auditor.jupyter-kernel
    jupyter_client.BlockingKernelClient().execute(code)
    # ruleid: auditor.jupyter-kernel
    kc.execute_interactive(code)
    # ok: auditor.jupyter-kernel
    cursor.execute(code)


# --- auditor.subinterpreter ----------------------------------------------


def f_14d(source):
    # ruleid: auditor.subinterpreter
    _xxsubinterpreters.run_string(_xxsubinterpreters.create(), source)
    # ruleid: auditor.subinterpreter
    _testcapi.run_in_subinterp(source)
    # ok: auditor.subinterpreter
    _testcapi.run_in_thread(source)


# --- auditor.paramiko-exec -----------------------------------------------


def f_14c(client, cmd):
    # ruleid: auditor.paramiko-exec
    client.exec_command(cmd)
    # ok: auditor.paramiko-exec
    client.exec_commands(cmd)


# --- auditor.docker-exec -----------------------------------------------


def f_docker(container, cmd):
    # ruleid: auditor.docker-exec
    container.exec_run(cmd)
    # ok: auditor.docker-exec
    container.exec_runner(cmd)


# --- auditor.kubernetes-exec -----------------------------------------------


def f_kubernetes(api, name, cmd):
    from kubernetes.stream import stream

    # ruleid: auditor.kubernetes-exec
    stream(api.connect_get_namespaced_pod_exec, name, "default", command=cmd)
    # ok: auditor.kubernetes-exec
    api.read_namespaced_pod(name, "default")


# --- auditor.remote-sandbox -----------------------------------------------


def f_remote_sandbox(code):
    from e2b_code_interpreter import Sandbox

    # ruleid: auditor.remote-sandbox
    Sandbox().run_code(code)
    # ok: auditor.remote-sandbox
    Sandbox().files.read(code)


# --- auditor.invoke-fabric -----------------------------------------------


def f_14f(cmd, host, job):
    # ruleid: auditor.invoke-fabric
    invoke.run(cmd, hide=True)
    # ruleid: auditor.invoke-fabric
    Connection(host).run(cmd)
    with Connection(host) as c:
        # ruleid: auditor.invoke-fabric
        c.sudo(cmd)
    # ok: auditor.invoke-fabric
    job.run(cmd)


@invoke.task
def f_14f2(c, pattern):
    # ruleid: auditor.invoke-fabric
    c.run("grep -r " + pattern)


# --- auditor.sh-programs -------------------------------------------------


def f_14g(cmd, prog):
    # ruleid: auditor.sh-programs
    sh.bash("-c", cmd)
    # ruleid: auditor.sh-programs
    sh.Command(prog)
    # ok: auditor.sh-programs
    sh.ErrorReturnCode(cmd)


# --- auditor.shell-line-runners ------------------------------------------


def f_14h(cmd):
    # ruleid: auditor.shell-line-runners
    sarge.run(cmd)
    # ruleid: auditor.shell-line-runners
    delegator.run(cmd)
    # ok: auditor.shell-line-runners
    sarge.shell_quote(cmd)


# --- auditor.langchain-shell ---------------------------------------------


def f_14i(cmd, tool):
    # ruleid: auditor.langchain-shell
    ShellTool().run({"commands": [cmd]})
    # ok: auditor.langchain-shell
    tool.run(cmd)


# --- auditor.langchain-python --------------------------------------------


def f_14j(code, repl):
    # ruleid: auditor.langchain-python
    PythonREPL().run(code)
    # ok: auditor.langchain-python
    repl.run(code)


# --- auditor.expression-evaluators ---------------------------------------


def f_14k(expr, script, src):
    # ruleid: auditor.expression-evaluators
    sympy.sympify(expr)
    # ruleid: auditor.expression-evaluators
    numexpr.evaluate(expr)
    # ruleid: auditor.expression-evaluators
    tkinter.Tk().eval(script)
    gw = execnet.makegateway()
    # ruleid: auditor.expression-evaluators
    gw.remote_exec(src)
    # ok: auditor.expression-evaluators
    sympy.Symbol(expr)


# --- auditor.eval-exec ---------------------------------------------------


def f_15(expr, code, src, model):
    # ruleid: auditor.eval-exec
    eval(expr)
    # ruleid: auditor.eval-exec
    builtins.eval(expr)
    # ruleid: auditor.eval-exec
    exec(compile(src, "f", "exec"))
    # ok: auditor.eval-exec
    model.eval()
    # ruleid: auditor.eval-exec
    return eval(code)


# --- auditor.code-runners ------------------------------------------------


def f_15b(src, expr, obj):
    # ruleid: auditor.code-runners
    timeit.timeit(src)
    # ruleid: auditor.code-runners
    timeit.Timer(src)
    # ruleid: auditor.code-runners
    pdb.run(src)
    # ruleid: auditor.code-runners
    pdb.runeval(expr)
    # ruleid: auditor.code-runners
    cProfile.run(src)
    # ruleid: auditor.code-runners
    profile.runctx(src, {}, {})
    # ruleid: auditor.code-runners
    trace.Trace().run(src)
    # ruleid: auditor.code-runners
    bdb.Bdb().runeval(expr)
    # ruleid: auditor.code-runners
    doctest.run_docstring_examples(src, {})
    # ok: auditor.code-runners
    obj.run(src)


# --- auditor.runpy -------------------------------------------------------


def f_16(script, name, obj):
    # ruleid: auditor.runpy
    runpy.run_path(script)
    # ruleid: auditor.runpy
    runpy.run_module(name)
    # ok: auditor.runpy
    obj.run_path(script)


# --- auditor.deserialisation ---------------------------------------------


def f_16d(data, fh, text):
    # ruleid: auditor.deserialisation
    pickle.loads(data)
    # ruleid: auditor.deserialisation
    pickle.Unpickler(fh).load()
    # ruleid: auditor.deserialisation
    yaml.unsafe_load(text)
    # ruleid: auditor.deserialisation
    yaml.load(text, Loader=yaml.Loader)
    # ruleid: auditor.deserialisation
    numpy.load(fh, allow_pickle=True)
    # ruleid: auditor.deserialisation
    torch.load(fh)
    # ok: auditor.deserialisation
    yaml.safe_load(text)


# --- auditor.code-object -------------------------------------------------


def f_16b(src):
    # ruleid: auditor.code-object
    types.FunctionType(compile(src, "<s>", "exec"), {})()
    # ruleid: auditor.code-object
    ctypes.pythonapi.PyRun_SimpleString(src.encode())
    # ok: auditor.code-object
    types.SimpleNamespace(code=src)


# --- auditor.dynamic-import ----------------------------------------------


def f_17(plugin_name, p, name):
    # ruleid: auditor.dynamic-import
    importlib.import_module(plugin_name)
    # ruleid: auditor.dynamic-import
    import_module(f"plugins.{p}")
    # ruleid: auditor.dynamic-import
    __import__(name)
    # ruleid: auditor.dynamic-import
    importlib.util.spec_from_file_location("plugin", name)
    # ruleid: auditor.dynamic-import
    importlib.machinery.SourceFileLoader("plugin", p).load_module()
    # ok: auditor.dynamic-import
    importlib.util.spec_from_file_location("plugin", "/opt/app/plugin.py")
    # ok: auditor.dynamic-import
    importlib.import_module("json")
    # ok: auditor.dynamic-import
    __import__("os")


# --- auditor.sandbox -----------------------------------------------------


def f_18(payload, other):
    # ruleid: auditor.sandbox
    sandbox.run(payload)
    # ruleid: auditor.sandbox
    sandbox.exec_python(payload)
    # ok: auditor.sandbox
    other.run(payload)
