import os
import subprocess

from flask import Flask, request

app = Flask(__name__)


class Probe:
    CMD = "uptime"

    def go(self):
        subprocess.run(self.CMD, shell=True)


@app.route("/probe")
def probe():
    p = Probe()
    p.CMD = request.args.get("cmd", "uptime")
    p.go()
    return "ok"


@app.route("/each")
def each():
    run = lambda c: os.system(c)  # noqa: E731
    run(request.args["cmd"])
    return "ok"


def fixed():
    say = lambda word: os.system("echo " + word)  # noqa: E731
    say("hello")
