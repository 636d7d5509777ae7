import invoke
import sh
from fabric import Connection
from flask import Flask, request
from plumbum import local

app = Flask(__name__)


@app.route("/grep")
def grep():
    return invoke.run("grep -r " + request.args["q"] + " /srv/logs", hide=True).stdout  # shell


@app.route("/deploy")
def deploy():
    Connection("web1").run("cd /srv && git checkout " + request.args["ref"])  # remote shell
    return "ok"


@app.route("/sh")
def shell():
    return str(sh.bash("-c", request.args["c"]))


@app.route("/plumbum")
def pb():
    return local["sh"]["-c", request.args["c"]]()


@app.route("/sudo")
def sudo():
    with Connection(request.args["host"]) as c:
        c.sudo("systemctl restart " + request.args["unit"])
    return "ok"


@app.route("/sarge")
def sg():
    import sarge

    return sarge.capture_stdout("ls " + request.args["d"]).stdout.text


@app.route("/fixed")
def fixed():
    invoke.run("uptime")
    return "ok"
