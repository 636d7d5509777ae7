"""Code under a path the policy trusts."""

import os
import tempfile

from flask import Flask, request

app = Flask(__name__)


@app.post("/sync")
def sync():
    os.system("rsync -a /srv/data/ " + request.form["dest"])
    return "ok"


def scratch() -> None:
    folder = tempfile.mkdtemp()
    os.system(f"make -C {folder}")
