"""Shaped like OpenHands 0.9.8's runtime client: a shell started once with `su USER` on a
pty, fed each command by another method; the command comes from a web route, through a
module-level client set later (its first value None) and a method looked up by name."""

import argparse

import pexpect
from fastapi import FastAPI
from pydantic import BaseModel


class ActionRequest(BaseModel):
    action: dict


class RuntimeClient:
    def __init__(self, username: str) -> None:
        self.shell = pexpect.spawn(f"su {username}", encoding="utf-8")

    def _execute_bash(self, command: str) -> str:
        self.shell.sendline(command)
        return self.shell.before

    async def run(self, action: dict) -> str:
        output = ""
        for command in action["command"].split("&&"):
            output += self._execute_bash(command)
        return output

    async def run_action(self, action: dict) -> str:
        action_type = action["action"]
        return await getattr(self, action_type)(action)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", default="openhands")
    args = parser.parse_args()

    client: RuntimeClient | None = None
    app = FastAPI()

    @app.post("/execute_action")
    async def execute_action(action_request: ActionRequest) -> str:
        global client
        if client is None:
            client = RuntimeClient(args.username)
        return await client.run_action(action_request.action)
