import os

from fastapi import APIRouter, FastAPI
from starlette.routing import Route

api = FastAPI()
router = APIRouter()


def lookup(domain: str):
    os.system("host " + domain)
    return {"ok": True}


def whois(domain: str):
    os.system("whois " + domain)
    return {"ok": True}


async def dig(r):
    os.system("dig " + r.query_params["name"])


api.add_api_route("/lookup", lookup, methods=["GET"])
router.add_api_route("/whois", endpoint=whois)
routes = [Route("/dig", dig)]
