import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from svc.runner import archive, install, notify, render

app = FastAPI()
pool = ThreadPoolExecutor()


def front_matter(content):
    found = {}
    for line in content.splitlines():
        key, value = line.split(":", 1)
        found[key.strip()] = value.strip()
    return found


@app.post("/tools")
async def create_tool(content: str):
    front = front_matter(content)
    await asyncio.to_thread(install, front.get("requirements", ""))


@app.post("/render")
def render_page(template: str):
    return pool.submit(render, template).result()


def main():
    threading.Thread(target=notify, args=(sys.argv[1],)).start()
    archive("/srv/data")
    sorted(["a"], key=archive)
