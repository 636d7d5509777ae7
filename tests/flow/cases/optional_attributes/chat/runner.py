import subprocess


def run_cmd(command):
    return subprocess.run(command, shell=True)


class Shell:
    def run(self, text):
        subprocess.run(["bash", "-c", text], check=False)


class Printer:
    def run(self, text):
        subprocess.run("lp -t " + text, shell=True)


class Agent:
    def __init__(self):
        self.shell = None
        self.printer = Printer()

    def start(self):
        self.shell = Shell()

    def act(self, suggested, banner):
        self.shell.run(suggested)
        self.printer.run(banner)
