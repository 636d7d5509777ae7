import os
import sys

from flask import Flask, request

from svc.tools.runner import run, run_any, run_prefixed, run_privileged

app = Flask(__name__)


@app.route("/search")
def search():
    query = request.args["q"]
    args = ["grep", "-r", "--"]
    args.append(query)
    return run(args).stdout


@app.route("/status")
def status():
    return run(["git", "status"]).stdout


@app.route("/restart")
def restart():
    run_privileged(["sudo", request.args["unit"]])


def maintenance():
    run_prefixed(["git", "gc", sys.argv[1]])
    run_any([os.environ["EDITOR"], sys.argv[1]])
    run_any(["git", "fetch"])
