import builtins
import ctypes
import operator
import os
import threading
import types

from flask import Flask, request

app = Flask(__name__)
RUN = "system"
libc = ctypes.CDLL(None)


@app.route("/ping")
def ping():
    host = request.args["host"]
    getattr(os, RUN)("ping -c1 " + host)
    return "ok"


@app.route("/ping2")
def ping2():
    fn = "popen"
    return getattr(os, fn)("ping -c1 " + request.args["host"]).read()


@app.post("/code")
def code():
    src = request.get_json()["code"]
    types.FunctionType(compile(src, "<req>", "exec"), {})()
    return "ok"


@app.post("/caller")
def caller():
    operator.methodcaller("system", request.args["c"])(os)
    return "ok"


@app.post("/getter")
def getter():
    operator.attrgetter("system")(os)(request.args["c"])
    return "ok"


@app.post("/libc")
def from_libc():
    libc.system(request.args["c"].encode())
    return "ok"


@app.post("/folded")
def folded():
    getattr(builtins, "ev" + "al")(request.args["e"])
    return "ok"


def run_later(cmd):
    os.system(cmd)


@app.post("/later")
def later():
    threading.Timer(1, run_later, args=(request.args["c"],)).start()
    return "ok"
