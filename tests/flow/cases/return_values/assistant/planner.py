"""Plans the next step with Claude; returns it, runs nothing."""

from anthropic import Anthropic


class Planner:
    def __init__(self) -> None:
        self.client = Anthropic()

    def next_command(self, goal: str) -> str:
        message = self.client.messages.create(
            model="claude-3-5-haiku-latest",
            max_tokens=200,
            messages=[{"role": "user", "content": goal}],
        )
        return message.content[0].text
