"""A parameter named ``request`` is the HTTP request a server received only in a module of
a web framework's server. aiohttp is a client as much as a server: swe-rex's RemoteRuntime
(``import aiohttp``, ``create_session(self, request: CreateSessionRequest)``) sends its
``request`` to a server, and imports the exception class the server's answer names: that
was "critical, the HTTP request" with a flow starting at the client's own argument."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files

SERVER = """\
    {imports}

    async def handle(request):
        data = await request.json()
        exec(data["code"])
    """

CLIENT = """\
    import aiohttp


    class Remote:
        async def send(self, request):
            async with aiohttp.ClientSession() as session:
                await session.post("http://runtime/run", json=request.model_dump())
            exec(request.code)
    """


def _origin(tmp_path: Path, code: str) -> str | None:
    [finding] = scan_files(tmp_path, {"app/__init__.py": "", "app/mod.py": code})
    return finding.origin


def test_a_client_modules_request_parameter_is_what_it_sends(tmp_path: Path) -> None:
    assert _origin(tmp_path, CLIENT) == "parameter"


def test_an_aiohttp_servers_request_parameter_is_the_request(tmp_path: Path) -> None:
    for n, imports in enumerate(
        ["from aiohttp import web", "import aiohttp.web", "from aiohttp.web_request import Request"]
    ):
        assert _origin(tmp_path / str(n), SERVER.format(imports=imports)) == "remote-input"
