"""The private members of the MCP SDK and uvicorn that alecs relies on (alecs/seams.py) are still there and behave.

Each failure names the versions alecs/seams.py was written against and the installed ones: an upgrade that removes or
changes one of them fails here, loudly, instead of at run time.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import socket
from importlib.metadata import version
from typing import Any

import mcp_types as types
import uvicorn
from mcp import Client
from mcp.server.lowlevel import Server
from mcp.server.session import ServerSession

from alecs import seams
from tests.support.waiting import poll

VERSIONS = (f"alecs/seams.py was written against mcp {seams.SDK_VERSION} and uvicorn {seams.UVICORN_VERSION}; "
            f"installed: mcp {version('mcp')}, uvicorn {version('uvicorn')}")


def uses(function: Any, text: str) -> bool:
    return text in inspect.getsource(function)


def test_the_versions_alecs_was_written_against_are_named_and_installed():
    assert (version("mcp"), version("uvicorn")) == (seams.SDK_VERSION, seams.UVICORN_VERSION), VERSIONS


def test_a_server_session_still_wraps_its_connection_in_a_private_member():
    assert uses(ServerSession.__init__, "self._connection = connection"), VERSIONS


async def test_every_request_of_one_client_session_sees_the_same_connection_and_other_clients_another():
    seen: list[object] = []

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        seen.append(seams.connection_of(ctx.session))
        return types.ListToolsResult(tools=[])

    server: Server[Any] = Server("seams", on_list_tools=list_tools)
    async with Client(server, mode="legacy") as first:
        await first.list_tools()
        await first.list_tools()
    async with Client(server, mode="legacy") as second:
        await second.list_tools()
    assert len(seen) == 3 and seen[0] is seen[1], VERSIONS
    assert seen[2] is not seen[0], VERSIONS


def test_uvicorn_still_installs_its_signal_handlers_in_capture_signals():
    assert uses(uvicorn.Server.serve, "self.capture_signals()"), VERSIONS
    assert uses(uvicorn.Server.capture_signals, "signal.signal("), VERSIONS


async def test_the_uvicorn_server_leaves_the_process_signal_handlers_alone():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False)
    server = seams.UvicornServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await poll(lambda: server.started or task.done(), 30, "uvicorn to start")
    during = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    server.should_exit = True
    await task
    assert during == before, VERSIONS
