"""The request bodies of the API."""

from pydantic import BaseModel


class RunRequest(BaseModel):
    code: str


class ArchiveRequest(BaseModel):
    path: str
    level: int = 6
