import subprocess


class Coder:
    def __init__(self):
        self.shell_commands = []

    def run_shell(self):
        for command in self.shell_commands:
            subprocess.run(command, shell=True)
