"""The HTTP API: the chat that runs the model's code, and the agent's tools over the web."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from app.chat import ChatService
from app.codegen import CodeSynthesizer
from app.tools import archive, count_lines, git_log, search

app = FastAPI()
chat = ChatService()
synthesizer = CodeSynthesizer()


class Question(BaseModel):
    prompt: str


@app.post("/chat/run")
def run(question: Question) -> dict[str, object]:
    return chat.run_generated(question.prompt)


@app.post("/chat/calculate")
def calculate(question: Question) -> object:
    return chat.calculate(question.prompt)


@app.get("/search")
def grep(pattern: str, folder: str = ".") -> dict[str, str]:
    return {"lines": search(pattern, folder)}


@app.post("/archive")
def backup(source: str) -> dict[str, int]:
    return {"status": archive(source, "/var/backups/llm-backend.tgz")}


@app.get("/lines")
def lines(path: str) -> dict[str, str]:
    return {"count": count_lines(path)}


@app.get("/history")
def history(repo: str = ".", limit: int = 10) -> bytes:
    return git_log(repo, limit)


@app.post("/components/{name}/test")
def test_component(name: str) -> dict[str, int]:
    return {"status": synthesizer.test_component(name)}
