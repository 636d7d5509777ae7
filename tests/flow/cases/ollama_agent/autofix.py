"""Ask a local model (Ollama) how to fix a failing build, and do what it says."""

import subprocess

import ollama
from ollama import Client


def suggest_fix(error: str) -> str:
    response = ollama.chat(
        model="llama3", messages=[{"role": "user", "content": f"Shell fix for: {error}"}]
    )
    return response["message"]["content"]


def autofix(log_path: str) -> None:
    with open(log_path) as handle:
        error = handle.read()
    command = suggest_fix(error)
    subprocess.run(command, shell=True, check=False)


def local_codegen(prompt: str) -> None:
    client = Client(host="http://localhost:11434")
    reply = client.generate(model="codellama", prompt=prompt)
    exec(reply["response"])
