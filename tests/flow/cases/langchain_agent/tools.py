"""A LangChain agent's model calls and tools."""

import subprocess

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import BaseTool, tool
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o-mini")


def generate_migration(description: str) -> None:
    reply = llm.invoke(f"Write a Python data migration that will {description}")
    exec(reply.content)


def plan_and_run(goal: str) -> None:
    prompt = ChatPromptTemplate.from_template("One shell command that achieves: {goal}")
    chain = prompt | llm | StrOutputParser()
    command = chain.invoke({"goal": goal})
    subprocess.run(command, shell=True, check=True)


@tool
def shell(command: str) -> str:
    """Run a shell command and return its output."""
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


class PythonREPLTool(BaseTool):
    name: str = "python_repl"
    description: str = "Execute Python code and return the value of `result`."

    def _run(self, code: str) -> str:
        namespace: dict[str, object] = {}
        exec(code, namespace)
        return str(namespace.get("result"))
