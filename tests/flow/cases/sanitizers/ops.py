"""Operations over HTTP, each dynamic part quoted, converted or checked."""

import os
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)

ALLOWED_SERVICES = ("nginx", "postgresql", "redis")


@app.post("/grep")
def grep():
    pattern, path = request.form["pattern"], request.form["path"]
    command = f"grep -rn {shlex.quote(pattern)} {shlex.quote(path)}"
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


@app.post("/find")
def find():
    name = request.form["name"]
    root = request.form["root"]
    subprocess.run(f"find {root} -name {shlex.quote(name)}", shell=True, check=True)
    return "ok"


@app.post("/kill")
def kill():
    pid = int(request.form["pid"])
    subprocess.run(f"kill -TERM {pid}", shell=True, check=True)
    return "ok"


@app.post("/signal")
def send_signal():
    pid = request.form["pid"]
    subprocess.run(["kill", "-HUP", str(int(pid))], check=True)
    return "ok"


@app.post("/restart")
def restart():
    service = request.form["service"]
    if service not in ALLOWED_SERVICES:
        raise ValueError(f"unknown service: {service}")
    subprocess.run(f"systemctl restart {service}", shell=True, check=True)
    return "ok"


@app.post("/archive")
def archive():
    name = request.form["name"]
    os.system(shlex.join(["tar", "czf", f"/srv/archives/{name}.tgz", "/srv/data"]))
    return "ok"


def renice_build() -> None:
    niceness = int(os.environ["BUILD_NICENESS"])
    os.system(f"nice -n {niceness} make -j4")
