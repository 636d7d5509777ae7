"""Route parameters whose annotation admits more than one type: FastAPI (pydantic) converts
a value only when every type it admits converts it."""

import os
from typing import Annotated, Literal, Optional, Union

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/logs/{lines}")
def logs(lines: int | str):
    os.system(f"tail -n {lines} /var/log/app.log")


@app.get("/users/{user_id}/home")
def home(user_id: Union[int, str]):  # noqa: UP007 (the spelling under test)
    os.system(f"du -sh /home/{user_id}")


@app.get("/pair")
def pair(p: tuple[int, str] = Query()):
    os.system(f"echo {p}")


@app.get("/either")
def either(n: Annotated[Union[int, str], Query()]):  # noqa: UP007
    os.system(f"echo {n}")


@app.get("/top")
def top(n: Optional[int] = None):  # noqa: UP045
    os.system(f"top -n {n}")


@app.get("/head")
def head(n: Annotated[int, Query(ge=1)]):
    os.system(f"head -n {n} /var/log/app.log")


@app.get("/kill")
def kill(pids: list[int] = Query()):  # noqa: B008
    os.system(f"kill {' '.join(map(str, pids))}")


@app.get("/level")
def level(name: Literal["debug", "info"]):
    os.system(f"setlevel {name}")


@app.get("/tail")
def tail(n: int | None = None):
    os.system(f"tail -n {n} /var/log/app.log")
