"""Dependencies the routes declare with Depends()."""

import os

from fastapi import Header


def workspace(x_workspace: str = Header(...)) -> str:
    """The caller's workspace, from the X-Workspace header."""
    return x_workspace


def backup_root() -> str:
    """Where backups go: a server setting, not a request value."""
    return os.environ.get("BACKUP_ROOT", "/var/backups")


class JobQuery:
    """Query parameters gathered by a class: FastAPI fills its constructor's in."""

    def __init__(self, job: str, retries: int = 0) -> None:
        self.job = job
        self.retries = retries
