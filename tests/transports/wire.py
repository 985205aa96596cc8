"""What the transport tests send: JSON-RPC messages, raw WebSocket sessions and raw HTTP requests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
# An activation waited for: stays in flight as long as the sandbox's activation_seconds (set it high to keep it).
# Version 2 is made by the `serve` fixture (version 1 is active on both networks: activating it again is refused).
ACTIVATE = {"propertyId": "prp_100001", "propertyVersion": 2, "network": "STAGING", "contractId": "ctr_C-0SANDBOX",
            "groupId": "grp_10001", "wait": True, "notifyEmails": ["ops@example.com"], "timeoutSeconds": 600}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def request(rid: Any, method: str, params: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        body["params"] = params
    return json.dumps(body)


def call(rid: Any, name: str, arguments: dict[str, Any] | None = None) -> str:
    return request(rid, "tools/call", {"name": name, "arguments": arguments or {}})


def slow_call(rid: Any) -> str:
    """A call that stays in flight until cancelled (with the sandbox's activations made to last)."""
    return call(rid, "activate-property", ACTIVATE)


async def raw_session(url: str, token: str, **kw: Any) -> Any:
    """A raw WebSocket connection that has completed the MCP handshake."""
    ws = await connect(url, additional_headers=bearer(token), subprotocols=["mcp"], **kw)  # type: ignore[list-item]
    await ws.send(json.dumps(INIT))
    assert json.loads(await ws.recv())["id"] == 1
    await ws.send(json.dumps(INITIALIZED))
    return ws


async def answer_to(ws: Any, rid: Any) -> dict[str, Any]:
    """The next answer to request `rid` on a raw WebSocket session (notifications and other answers skipped)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 20))
        if message.get("id") == rid and "method" not in message:
            return message


async def open_session(http: httpx2.AsyncClient, url: str, token: str) -> dict[str, str]:
    """Initializes a Streamable HTTP session; returns the headers every later request of it carries."""
    opened = await http.post(url, json=INIT, headers={**ACCEPT, **bearer(token)})
    assert opened.status_code == 200, opened.text
    return {**ACCEPT, **bearer(token), "mcp-session-id": opened.headers["mcp-session-id"],
            "mcp-protocol-version": "2025-11-25"}


def post_text(token: str, session: str, body: bytes) -> bytes:
    """A raw HTTP/1.1 POST of one message to a session, for sockets that misbehave."""
    return (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
            f"mcp-session-id: {session}\r\nmcp-protocol-version: 2025-11-25\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def refused(url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    """The HTTP response a refused WebSocket handshake got."""
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers=headers or {}, subprotocols=["mcp"], **kw):  # type: ignore[list-item]
            pass
    return info.value.response


def error_of(response: Any) -> str:
    return json.loads(response.body)["error"]
