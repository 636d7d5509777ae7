import subprocess


def install(requirements):
    subprocess.check_call(["sh", "-c", "pip install " + requirements])


def render(template):
    return eval(template)


def notify(message):
    subprocess.run("logger " + message, shell=True)


def archive(path):
    subprocess.run("tar czf /tmp/a.tgz " + path, shell=True)
