"""An agent on the OpenAI API: it writes scripts and calls tools."""

import json
import subprocess

from openai import OpenAI

client = OpenAI()

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "shell",
            "description": "Run a shell command.",
            "parameters": {
                "type": "object",
                "properties": {"command": {"type": "string"}},
                "required": ["command"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "open_url",
            "description": "Open a URL in the browser.",
            "parameters": {
                "type": "object",
                "properties": {"url": {"type": "string"}},
                "required": ["url"],
            },
        },
    },
]


def write_script(task: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Write a Python script that will {task}"}],
    )
    return response.choices[0].message.content or ""


def solve(task: str) -> None:
    code = write_script(task)
    exec(code)


def act(goal: str) -> None:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": goal}],
        tools=TOOLS,
    )
    for call in response.choices[0].message.tool_calls or []:
        args = json.loads(call.function.arguments)
        if call.function.name == "shell":
            subprocess.run(args["command"], shell=True, check=True)
        elif call.function.name == "open_url":
            subprocess.run(["xdg-open", args["url"]], check=True)
