"""Shell quotes cut off again, and kept whole (attack round 6, #6)."""

import os
import shlex

from flask import Flask, request

app = Flask(__name__)


@app.route("/ls")
def ls():
    name = shlex.quote(request.args["d"])[1:-1]
    os.system("ls " + name)


@app.route("/du")
def du():
    name = shlex.quote(request.args["d"]).strip("'")
    os.system("du -sh " + name)


@app.route("/cat")
def cat():
    name = shlex.quote(request.args["d"]).replace("'", "")
    os.system("cat " + name)


@app.route("/base")
def base():
    quoted = shlex.quote(request.args["p"])
    os.system("stat " + os.path.basename(quoted))


@app.route("/repr")
def show():
    os.system(f"echo {shlex.quote(request.args['m'])!r}")


@app.route("/cut")
def cut():
    os.system("echo %.4s" % shlex.quote(request.args["m"]))  # noqa: UP031


def quoted(value):
    return shlex.quote(value)


def unquoted(word):
    return word[1:-1]


@app.route("/helper")
def helper():
    os.system("ls " + quoted(request.args["d"]).strip("'"))


@app.route("/helper2")
def helper2():
    os.system("ls " + unquoted(shlex.quote(request.args["d"])))


@app.route("/grep")
def grep():
    pattern, path = request.args["pattern"], request.args["path"]
    words = [shlex.quote(pattern), shlex.quote(path)]
    os.system("grep -rn " + " ".join(words))


@app.route("/find")
def find():
    os.system("find . -name {}".format(shlex.quote(request.args["n"])))


@app.route("/touch")
def touch():
    q = str(shlex.quote(request.args["n"]))
    os.system("touch %s" % q)  # noqa: UP031


@app.route("/rm")
def rm():
    os.system("rm -- " + " ".join(shlex.quote(f) for f in request.args.getlist("f")))


@app.route("/first")
def first():
    words = [shlex.quote(request.args["a"]), "b"]
    os.system("echo " + words[0])


@app.route("/helper3")
def helper3():
    os.system("ls " + quoted(request.args["d"]))


@app.route("/fmt")
def fmt():
    os.system("echo {!r}".format(shlex.quote(request.args["m"])))
