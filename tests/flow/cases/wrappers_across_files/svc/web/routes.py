"""The HTTP routes: they hand request data to helpers in other packages."""

from fastapi import APIRouter
from pydantic import BaseModel

from svc.jobs.registry import runner
from svc.tools.git import checkout
from svc.tools.shell import run_cmd

router = APIRouter()


class Job(BaseModel):
    command: str


@router.post("/exec")
def exec_command(job: Job) -> dict[str, str]:
    return {"output": run_cmd(job.command)}


@router.post("/checkout/{ref}")
def switch(ref: str) -> dict[str, str]:
    checkout("/srv/app", ref)
    return {"ref": ref}


@router.post("/jobs")
def submit(job: Job) -> dict[str, str]:
    runner.execute(job.command)
    return {"status": "queued"}
