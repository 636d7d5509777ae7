"""The admin blueprint."""

import subprocess

from flask import Blueprint, request

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.post("/restart/<unit>")
def restart(unit):
    subprocess.run(["systemctl", "restart", unit], check=True)
    return "restarted"


@admin.get("/disk")
def disk():
    path = request.args.get("path", "/")
    subprocess.run("du -sh " + path, shell=True, check=True)
    return "ok"
