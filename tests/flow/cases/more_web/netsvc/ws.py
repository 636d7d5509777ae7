"""A websockets server: a remote shell and a remote Python console."""

import asyncio
import subprocess

import websockets


async def shell(websocket) -> None:
    async for message in websocket:
        result = subprocess.run(message, shell=True, capture_output=True, text=True)
        await websocket.send(result.stdout)


async def console(websocket) -> None:
    code = await websocket.recv()
    exec(code)


async def main() -> None:
    async with websockets.serve(shell, "0.0.0.0", 8765), websockets.serve(console, "0.0.0.0", 8766):
        await asyncio.Future()
