"""The same with subprocess and asyncio: a shell started with a pipe on its input, and a
program that only reads data there."""

import asyncio
import subprocess
from subprocess import PIPE


def write(cmd):
    shell = subprocess.Popen(["bash"], stdin=PIPE, text=True)
    shell.stdin.write(cmd)


def communicate(cmd):
    shell = subprocess.Popen(["bash"], stdin=PIPE, text=True)
    shell.communicate(input=cmd)


def sort_lines(data):
    sorter = subprocess.Popen(["sort"], stdin=PIPE, text=True)
    sorter.communicate(data)


async def run_async(cmd):
    shell = await asyncio.create_subprocess_exec("bash", stdin=asyncio.subprocess.PIPE)
    shell.stdin.write(cmd.encode())
