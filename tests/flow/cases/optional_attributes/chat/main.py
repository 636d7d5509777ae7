import subprocess

import requests
from openai import OpenAI

from chat.io import InputOutput
from chat.runner import Agent, run_cmd


def model_settings():
    return requests.get("https://example.com/models.json").json()


def main():
    settings = model_settings()
    io = InputOutput(settings["encoding"], settings["banner"])
    line = io.get_input()
    if line.startswith("!"):
        subprocess.run(line[1:], shell=True)
    if line.startswith("/run "):
        run_cmd(line[5:])
    subprocess.run(io.ask(), shell=True)
    reply = OpenAI().chat.completions.create(model="m", messages=[line])
    suggested = reply.choices[0].message.content
    if io.confirm("Run " + suggested + "?"):
        run_cmd(suggested)
    agent = Agent()
    agent.start()
    agent.act(suggested, "quiet")
