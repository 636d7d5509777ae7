import os
import subprocess

from builder import build, configure
from flask import Flask, request

app = Flask(__name__)


@app.post("/build")
def build_view():
    build(request.form["workdir"])
    return "ok"


@app.post("/settings")
def settings_view():
    configure(request.json["path"])
    return "ok"


@app.post("/local")
def local():
    os.chdir(request.form["dir"])
    subprocess.run(["./configure", "--prefix=/usr"])
    return "ok"
