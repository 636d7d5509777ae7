"""An agent on the Anthropic API that proposes shell commands and runs them."""

import re
import subprocess

import anthropic


class ShellAgent:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic()

    def propose(self, goal: str) -> str:
        message = self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=512,
            messages=[{"role": "user", "content": f"One shell command that will {goal}"}],
        )
        return message.content[0].text.strip()

    def run(self, goal: str) -> str:
        command = self.propose(goal)
        return subprocess.check_output(command, shell=True, text=True)


def fix_and_run(source: str) -> None:
    client = anthropic.Anthropic()
    reply = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        messages=[{"role": "user", "content": f"Fix this program:\n{source}"}],
    )
    match = re.search(r"```python\n(.*?)```", reply.content[0].text, re.S)
    if match:
        exec(match.group(1))
