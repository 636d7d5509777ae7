import sympy
from langchain_experimental.utilities import PythonREPL
from openai import OpenAI

client = OpenAI()


def ask(q):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content


def python_tool(task):
    return PythonREPL().run(ask("write python for: " + task))  # exec() in this process


def calculator_tool(question):
    return sympy.sympify(ask("give a sympy expression for: " + question))  # eval() inside
