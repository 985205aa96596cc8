"""A small MCP client transport over WebSocket for the tests: one JSON-RPC message per text frame."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


@asynccontextmanager
async def websocket_client(url: str, token: str | None = None, *, ssl_context: ssl.SSLContext | None = None,
                           headers: dict[str, str] | None = None,
                           **kw: Any) -> AsyncIterator[tuple[Any, Any, ClientConnection]]:
    """Yields (read_stream, write_stream, websocket) for `mcp.Client(...)` or `ClientSession`."""
    extra = dict(headers or {})
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](16)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](16)
    async with connect(url, additional_headers=extra, subprotocols=["mcp"], ssl=ssl_context,  # type: ignore[list-item]
                       max_size=None, **kw) as ws:

        async def reader() -> None:
            async with read_send:
                with suppress(ConnectionClosed):
                    async for frame in ws:
                        try:
                            message = types.jsonrpc_message_adapter.validate_json(frame, by_name=False)
                        except Exception as exc:
                            await read_send.send(exc)
                            continue
                        await read_send.send(SessionMessage(message))

        async def writer() -> None:
            async with write_recv:
                async for item in write_recv:
                    await ws.send(item.message.model_dump_json(by_alias=True, exclude_unset=True))

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            tg.start_soon(writer)
            try:
                yield read_recv, write_send, ws
            finally:
                tg.cancel_scope.cancel()


class WebSocketTransport:
    """An `mcp.client.Transport`: `Client(WebSocketTransport(url, token), mode="legacy")`."""

    def __init__(self, url: str, token: str | None = None, **kw: Any) -> None:
        self.url, self.token, self.kw = url, token, kw
        self.ws: ClientConnection | None = None
        self._cm: Any = None

    async def __aenter__(self) -> tuple[Any, Any]:
        self._cm = websocket_client(self.url, self.token, **self.kw)
        read, write, self.ws = await self._cm.__aenter__()
        return read, write

    async def __aexit__(self, *exc: Any) -> None:
        await self._cm.__aexit__(*exc)
