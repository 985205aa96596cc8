"""Confirmation and staging-only tokens over the real remote transports: the server's elicitation request reaches a
WebSocket or Streamable HTTP client and its answer comes back; a token kept to staging is refused production."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client

from alecs.sandbox.server import Sandbox
from tests.transports.ws_client import WebSocketTransport

ACTIVATE = {"propertyId": "prp_100001", "network": "PRODUCTION", "notifyEmails": ["noc@example.com"]}


def _client(transport: str, url: str, token: str, **kw: Any) -> Client:
    if transport == "websocket":
        return Client(WebSocketTransport(url, token), mode="legacy", **kw)
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    # "http" speaks the 2025-11-25 handshake (an elicitation request on the call's stream); "http-2026" the
    # 2026-07-28 era (an input-required result, and the call again with the answer and the sealed state)
    return Client(streamable_http_client(url, http_client=http), mode="auto" if transport == "http-2026" else "legacy",
                  **kw)


@pytest.mark.parametrize("transport", ["websocket", "http", "http-2026"])
@pytest.mark.parametrize("action", ["accept", "decline"])
async def test_a_production_activation_is_confirmed_across_the_wire(
        serve: Callable[..., Any], mint: Callable[..., tuple[str, str]], fresh_sandbox: Sandbox, transport: str,
        action: str) -> None:
    _, token = mint("write")
    asked: list[str] = []

    async def person(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)

    async with serve(transport=transport.split("-")[0]) as remote, _client(
            transport, remote.url, token, elicitation_callback=person) as client:
        assert client.protocol_version == ("2026-07-28" if transport == "http-2026" else "2025-11-25")
        made = await client.call_tool("create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
        version = int(made.structured_content["versionLink"].split("/versions/")[1].split("?")[0])
        result = await client.call_tool("activate-property", ACTIVATE | {"propertyVersion": version})
    assert len(asked) == 1 and "on PRODUCTION" in asked[0]
    posts = [r for r in fresh_sandbox.requests if r.method == "POST" and r.path.endswith("/activations")]
    if action == "accept":
        assert not result.is_error and len(posts) == 1
    else:
        assert result.is_error and "declined" in result.content[0].text and posts == []


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_staging_token_is_refused_production_across_the_wire(
        serve: Callable[..., Any], mint: Callable[..., tuple[str, str]], fresh_sandbox: Sandbox,
        transport: str) -> None:
    _, token = mint("write", networks="staging")
    async with serve(transport=transport) as remote, _client(transport, remote.url, token) as client:
        refused = await client.call_tool("purge-delete", {"by": "tag", "objects": ["product-42"],
                                                          "network": "production"})
        read = await client.call_tool("get-property", {"propertyId": "prp_100001"})
    assert refused.is_error and "may only change staging" in refused.content[0].text
    assert not read.is_error
    assert not [r for r in fresh_sandbox.requests if r.method == "POST"]
