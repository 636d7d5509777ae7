"""A web route whose body a shell reads on its standard input (communicate with a
positional input), and a shell fed only constants."""

import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/provision")
def provision() -> str:
    with subprocess.Popen(["sh", "-s"], stdin=subprocess.PIPE, text=True) as shell:
        shell.communicate(request.form["script"])
    return "ok"


def warm_up() -> None:
    shell = subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)
    shell.stdin.write("set -e\n")
    shell.stdin.write("true\n")
    shell.stdin.close()


def run_fixed(script: str) -> None:
    subprocess.run(["bash"], input=script, text=True, check=True)


def setup() -> None:
    run_fixed("echo ready")
