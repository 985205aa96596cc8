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

import h11
import mcp_types as types
import uvicorn
from mcp import Client
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.runner import ServerRunner
from mcp.server.session import ServerSession
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from uvicorn.protocols.http.h11_impl import H11Protocol
from websockets.asyncio.connection import Connection as WsConnection

from alecs import seams
from tests.support.waiting import poll

VERSIONS = (f"alecs/seams.py was written against mcp {seams.SDK_VERSION}, uvicorn {seams.UVICORN_VERSION} and "
            f"websockets {seams.WEBSOCKETS_VERSION}; installed: mcp {version('mcp')}, uvicorn {version('uvicorn')}, "
            f"websockets {version('websockets')}")


def uses(function: Any, text: str) -> bool:
    return text in inspect.getsource(function)


def test_the_versions_alecs_was_written_against_are_named_and_installed():
    installed = version("mcp"), version("uvicorn"), version("websockets")
    assert installed == (seams.SDK_VERSION, seams.UVICORN_VERSION, seams.WEBSOCKETS_VERSION), VERSIONS


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


def test_uvicorn_h11_protocol_still_has_the_members_the_bounded_protocol_overrides_and_reads():
    for name in ("connection_made", "data_received", "on_response_complete", "connection_lost", "pause_writing",
                 "resume_writing"):
        assert callable(getattr(H11Protocol, name, None)), f"H11Protocol.{name}: {VERSIONS}"
    for assignment in ("self.conn = h11.Connection(", "self.loop = ", "self.transport = "):
        assert uses(H11Protocol, assignment), f"{assignment}: {VERSIONS}"
    assert uses(H11Protocol.data_received, "self.handle_events()"), VERSIONS
    assert uses(H11Protocol.pause_writing, "self.flow.pause_writing()"), VERSIONS


def test_an_h11_connection_waits_for_a_request_in_the_idle_state_until_its_headers_are_complete():
    conn = h11.Connection(h11.SERVER)
    assert conn.their_state is h11.IDLE
    conn.receive_data(b"POST /mcp HTTP/1.1\r\nHost: x\r\n")
    assert conn.next_event() is h11.NEED_DATA and conn.their_state is h11.IDLE, VERSIONS
    conn.receive_data(b"Content-Length: 2\r\n\r\n")
    assert isinstance(conn.next_event(), h11.Request) and conn.their_state is h11.SEND_BODY, VERSIONS


def test_websockets_connections_keep_their_loop_and_transport_and_forward_flow_control():
    assert uses(WsConnection.__init__, "self.loop = "), VERSIONS
    assert uses(WsConnection.connection_made, "self.transport = transport"), VERSIONS
    assert uses(WsConnection.pause_writing, "self.paused = True"), VERSIONS
    assert uses(WsConnection.resume_writing, "self.paused = False"), VERSIONS


def test_the_sdk_session_manager_still_leaves_initialization_options_to_the_servers_default():
    assert uses(StreamableHTTPSessionManager._serve_opening_request, "await serve_loop("), VERSIONS
    assert not uses(StreamableHTTPSessionManager._serve_opening_request, "init_options"), VERSIONS
    assert uses(ServerRunner._handle_initialize, "self.server.create_initialization_options()"), VERSIONS


def test_advertised_options_are_the_servers_default_and_explicit_arguments_still_work():
    server: Server[Any] = Server("seams", on_list_tools=lambda ctx, params: None)  # type: ignore[arg-type,return-value]
    options = server.create_initialization_options(NotificationOptions(tools_changed=True))
    seams.advertise(server, options)
    assert server.create_initialization_options() is options
    assert server.create_initialization_options(NotificationOptions()).capabilities.tools.list_changed is False


def test_the_sdk_session_manager_still_admits_and_discards_sessions_through_the_methods_alecs_extends():
    admit = inspect.signature(StreamableHTTPSessionManager._admit_session)
    discard = inspect.signature(StreamableHTTPSessionManager._discard_session)
    assert list(admit.parameters) == ["self", "requestor"], VERSIONS
    assert list(discard.parameters) == ["self", "session_id", "transport"], VERSIONS
    assert uses(StreamableHTTPSessionManager._handle_stateful_request, "self._admit_session(requestor)"), VERSIONS
    assert uses(StreamableHTTPSessionManager._serve_opening_request, "await self._discard_session("), VERSIONS
    assert uses(StreamableHTTPSessionManager.__init__, "self._server_instances: dict[str, StreamableHTTPServer"), \
        VERSIONS
