"""Jobs whose payloads come from the command line, a model and the environment."""

import os
import sys

from openai import OpenAI

client = OpenAI()


def from_cli() -> None:
    os.system("ls -l " + sys.argv[1])


def from_model(task: str) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": task}]
    )
    exec(reply.choices[0].message.content)


def from_env() -> None:
    os.system(os.environ["POST_HOOK"])
