import subprocess


class Job:
    def __init__(self):
        self.steps = ["make", "make install"]

    def run(self):
        for step in self.steps:
            subprocess.run(step, shell=True)


class NightlyJob(Job):
    def plan(self):
        self.steps = ["make clean", "make"]
