import os

from flask import Blueprint, Flask

app = Flask(__name__)
bp = Blueprint("tools", __name__)


def ping(host):
    os.system("ping -c 1 " + host)
    return "ok"


def trace(host):
    os.system("traceroute " + host)
    return "ok"


app.add_url_rule("/ping/<host>", view_func=ping)
bp.add_url_rule("/trace/<host>", "trace", trace)
