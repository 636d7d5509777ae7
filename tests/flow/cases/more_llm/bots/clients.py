"""Model calls through various clients, each reaching a sink in the same function."""

import os
import subprocess

import litellm
from google import genai
from langchain.agents import AgentExecutor
from llama_index.core import VectorStoreIndex
from openai import AsyncOpenAI


def litellm_fix(error: str) -> None:
    resp = litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": error}])
    os.system(resp.choices[0].message.content)


def gemini_code(task: str) -> None:
    client = genai.Client()
    response = client.models.generate_content(model="gemini-2.0-flash", contents=task)
    exec(response.text)


def ask_docs(index: VectorStoreIndex, question: str) -> None:
    query_engine = index.as_query_engine()
    answer = query_engine.query(question)
    subprocess.run(str(answer), shell=True, check=True)


async def respond(task: str) -> None:
    client = AsyncOpenAI()
    response = await client.responses.create(model="gpt-4.1", input=task)
    exec(response.output_text)


def run_agent(executor: AgentExecutor, question: str) -> None:
    result = executor.invoke({"input": question})
    os.system(result["output"])
