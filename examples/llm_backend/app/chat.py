"""Chat endpoint: the model answers with Python, and the backend runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from app.llm import complete


class ChatService:
    def __init__(self, model: str = "local-7b") -> None:
        self.model = model
        self.history: list[dict[str, str]] = []

    def answer(self, prompt: str) -> str:
        reply = complete(self.model, prompt)
        self.history.append({"prompt": prompt, "reply": reply})
        return reply

    def run_generated(self, prompt: str) -> dict[str, object]:
        """Ask the model for a snippet and run it in-process (the audit's main risk)."""
        code = self.answer(f"Write Python that answers: {prompt}")
        namespace: dict[str, object] = {}
        exec(code, namespace)
        return {"result": namespace.get("result")}

    def calculate(self, question: str) -> object:
        expression = self.answer(f"Give one Python expression for: {question}")
        return eval(expression)

    def run_in_subprocess(self, prompt: str) -> str:
        code = self.answer(prompt)
        proc = subprocess.run(
            [sys.executable, "-c", code],  # generated code, fixed interpreter
            capture_output=True,
            text=True,
            timeout=30,
        )
        return proc.stdout

    def export(self) -> str:
        return json.dumps(self.history)
