"""Programs started on a pty or a pipe the caller holds (pexpect, wexpect): what the caller
sends them is what a shell or an interpreter among them runs."""

import pexpect
import wexpect
from pexpect import replwrap
from pexpect.popen_spawn import PopenSpawn


def run(cmd):
    child = pexpect.spawn("bash")
    child.sendline(cmd)


def warm_up():
    child = pexpect.spawn("bash")
    child.sendline("ls")


def transfer(line):
    client = pexpect.spawn("ftp")
    client.sendline(line)


def evaluate(code):
    interpreter = pexpect.spawn("python3")
    interpreter.sendline(code)


def run_wrapped(cmd):
    shell = pexpect.replwrap.bash()
    return shell.run_command(cmd)


def evaluate_wrapped(code):
    python = replwrap.python()
    return python.run_command(code)


def run_piped(cmd):
    shell = PopenSpawn("bash")
    shell.sendline(cmd)


def run_on_windows(cmd):
    console = wexpect.spawn("cmd.exe")
    console.sendline(cmd)


def run_argv(cmd):
    return pexpect.spawn("/bin/sh", ["-c", cmd])


def list_directory(path):
    return pexpect.spawn("ls", args=["-l", path])
