"""The FastAPI application object; routes are added in other modules."""

from fastapi import FastAPI

app = FastAPI()
