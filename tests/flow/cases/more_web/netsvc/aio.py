"""An aiohttp service."""

import asyncio

from aiohttp import web

routes = web.RouteTableDef()


async def convert(request: web.Request) -> web.Response:
    data = await request.post()
    proc = await asyncio.create_subprocess_shell(f"pandoc -t {data['to']} /tmp/in.md")
    await proc.wait()
    return web.Response(text="done")


@routes.post("/render")
async def render(request: web.Request) -> web.Response:
    body = await request.json()
    exec(body["template_code"])
    return web.Response(text="rendered")


def make_app() -> web.Application:
    application = web.Application()
    application.add_routes(routes)
    application.router.add_post("/convert", convert)
    return application
