import os
import subprocess


def edit(path):
    editor = os.environ.get("EDITOR", "vi")
    os.system(f"{editor} {path}")
    with open(path) as editor:
        return editor.read()


def retry(paths):
    tool = os.environ.get("TOOL", "true")
    for path in paths:
        subprocess.run(f"{tool} {path}", shell=True)
        tool = open(path).read()  # noqa: SIM115


def later(name):
    args = ["ls", os.environ.get("DIR", ".")]
    subprocess.run(" ".join(args), shell=True)
    args.append(open(name).read())  # noqa: SIM115
