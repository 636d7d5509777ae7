from flask import Flask, request

from app.base import BaseTask
from app.tasks import Deploy
from app.util import purge

app = Flask(__name__)


@app.post("/deploy")
def deploy():
    return Deploy().run(request.form["ref"])


@app.post("/spawn")
def spawn():
    BaseTask.spawn([request.form["program"], "--help"])
    return "ok"


@app.post("/calc")
def calc():
    return str(BaseTask.evaluate(expression=request.form["expr"]))


@app.post("/purge")
def purge_cache():
    purge(request.form["path"])
    return "purged"
