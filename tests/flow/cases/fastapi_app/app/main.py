"""A small ops API: files, logs, code, archives, builds, plugins."""

import importlib
import os
import subprocess

from fastapi import Depends, FastAPI, Request

from app.deps import JobQuery, backup_root, workspace
from app.models import ArchiveRequest, RunRequest

app = FastAPI()


@app.get("/files/{name}")
def read_file(name: str) -> dict[str, str]:
    out = subprocess.check_output(f"cat /srv/files/{name}", shell=True, text=True)
    return {"content": out}


@app.get("/tail")
def tail(lines: int = 20) -> dict[str, str]:
    out = subprocess.check_output(f"tail -n {lines} /var/log/app.log", shell=True, text=True)
    return {"log": out}


@app.post("/run")
async def run(body: RunRequest) -> dict[str, str]:
    scope: dict[str, object] = {}
    exec(body.code, scope)
    return {"status": "ok"}


@app.post("/archive")
def archive(req: ArchiveRequest) -> dict[str, str]:
    subprocess.run(["gzip", "-k", f"-{req.level}", req.path], check=True)
    return {"status": "archived"}


@app.post("/compress")
def compress(req: ArchiveRequest) -> dict[str, str]:
    os.system(f"gzip -k -{req.level} /srv/data/export.bin")
    return {"status": "compressed"}


@app.get("/version")
def version(tool: str) -> dict[str, str]:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True)
    return {"version": out.stdout}


@app.post("/build")
def build(ws: str = Depends(workspace)) -> dict[str, str]:
    subprocess.run(f"make -C /srv/workspaces/{ws}", shell=True, check=True)
    return {"status": "built"}


@app.post("/backup")
def backup(root: str = Depends(backup_root)) -> dict[str, str]:
    subprocess.run(f"tar czf {root}/db.tgz /var/lib/db", shell=True, check=True)
    return {"status": "saved"}


@app.post("/plugins/{plugin}/enable")
def enable_plugin(plugin: str) -> dict[str, str]:
    module = importlib.import_module(f"app.plugins.{plugin}")
    return {"enabled": module.__name__}


@app.post("/hooks/deploy")
async def deploy_hook(request: Request) -> dict[str, str]:
    payload = await request.json()
    os.system(payload["after_deploy"])
    return {"status": "ok"}


@app.get("/health")
def health() -> dict[str, str]:
    out = subprocess.check_output(["uptime"], text=True)
    return {"uptime": out}


@app.post("/jobs/run")
def run_job(query: JobQuery = Depends(JobQuery)) -> dict[str, str]:  # noqa: B008 (FastAPI's idiom)
    subprocess.run(f"/srv/jobs/{query.job}.sh", shell=True, check=True)
    return {"status": "started"}
