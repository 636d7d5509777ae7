"""Public views: ping a host, convert an upload, evaluate a formula, show a unit's log."""

import os
import subprocess

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    out = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)
    return jsonify(output=out.stdout)


@app.post("/convert")
def convert():
    fmt = request.form["format"]
    subprocess.run(["convert", "/tmp/upload.png", f"/tmp/out.{fmt}"], check=True)
    return jsonify(ok=True)


@app.post("/eval")
def evaluate():
    payload = request.get_json()
    result = eval(payload["expression"])
    return jsonify(result=result)


@app.route("/logs/<service>")
def logs(service):
    os.system("journalctl --no-pager -u " + service)
    return "ok"
