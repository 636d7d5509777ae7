"""A Starlette service."""

import subprocess

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def whois(request: Request) -> PlainTextResponse:
    host = request.query_params["host"]
    out = subprocess.check_output(["whois", host], text=True)
    return PlainTextResponse(out)


app = Starlette(routes=[Route("/whois", whois)])
