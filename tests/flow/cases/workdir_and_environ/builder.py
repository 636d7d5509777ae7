import os
import subprocess

SRC = "/srv/app"


def build(workdir):
    subprocess.run(["make", "-j4"], cwd=workdir)
    subprocess.run(["ls", "-l"], cwd=workdir)


def configure(path):
    os.environ["PATH"] = path + os.pathsep + os.environ["PATH"]
    os.environ["LANG"] = "C.UTF-8"
    subprocess.run(["git", "status"])


def release():
    subprocess.run(["make", "release"], cwd=SRC)
    os.environ.setdefault("PAGER", "cat")
