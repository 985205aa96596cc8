"""Every transport advertises what the server does: in dynamic-toolsets mode with a token store (always so when
serving remotely), `initialize` says the tool list changes and `tools/list` is exactly the catalogue tools."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from alecs.tools.registry import Registry
from tests.transports.ws_client import WebSocketTransport

CATALOGUE = frozenset(s.name for s in Registry.load() if s.toolset.name == "catalog")
TOKEN_TOOLS = frozenset(s.name for s in Registry.load() if s.toolset.name == "tokens")


def client(transport: str, url: str, token: str) -> Client:
    if transport == "websocket":
        return Client(WebSocketTransport(url, token), mode="legacy")
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_dynamic_toolsets_advertise_list_changed_and_list_exactly_the_catalogue(spawn, mint, transport):
    _, writer = mint("write")
    _, admin = mint("admin")
    proc = spawn("--transport", transport, "--sandbox", "--dynamic-toolsets", "--port", "0")
    url = await asyncio.to_thread(proc.url)
    assert CATALOGUE == {"list-toolsets", "enable-toolset", "disable-toolset", "search-tools"}
    async with client(transport, url, writer) as session:
        capabilities = session.server_capabilities
        assert capabilities.tools is not None and capabilities.tools.list_changed is True
        assert {t.name for t in (await session.list_tools()).tools} == CATALOGUE
    async with client(transport, url, admin) as session:
        assert {t.name for t in (await session.list_tools()).tools} == CATALOGUE | TOKEN_TOOLS
