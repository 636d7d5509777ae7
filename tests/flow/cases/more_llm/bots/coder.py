"""A coder around a model client it is given (its type is not known)."""

import subprocess

import ollama


class Coder:
    def __init__(self, llm) -> None:
        self.llm = llm

    def fix(self, code: str) -> None:
        patched = self.llm.predict(f"Fix this code:\n{code}")
        exec(patched)


class Session:
    def __init__(self) -> None:
        self.last_answer = ""

    def ask(self, question: str) -> None:
        reply = ollama.chat(model="llama3", messages=[{"role": "user", "content": question}])
        self.last_answer = reply["message"]["content"]

    def run_last(self) -> None:
        subprocess.run(self.last_answer, shell=True, check=True)
