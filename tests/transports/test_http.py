"""MCP's Streamable HTTP transport behind the same tokens and Origin rules as WebSocket."""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.waiting import poll

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def client_for(url: str, token: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_streamable_http_client_lists_and_calls_tools_with_a_bearer_token(serve, mint, mode):
    _, token = mint("write")
    async with serve(transport="http") as remote:
        assert remote.url.startswith("http://127.0.0.1:")
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        async with http, Client(streamable_http_client(remote.url, http_client=http), mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("list-contracts", {})
    assert "list-contracts" in names and "list-api-tokens" not in names
    assert not result.is_error and "ctr_" in result.content[0].text


async def test_streamable_http_enforces_read_scope_and_sections(serve, mint):
    _, token = mint("read", customers=["other"])
    async with serve(transport="http") as remote, client_for(remote.url, token) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "purge-invalidate" not in names
        purge = await client.call_tool("purge-invalidate", {"by": "url", "objects": ["https://a.example/"]})
        section = await client.call_tool("list-contracts", {"customer": "default"})
    assert purge.is_error and section.is_error and "may not use customer" in section.content[0].text


async def test_streamable_http_refuses_bad_tokens_query_tokens_and_foreign_origins(serve, mint, store):
    token_id, token = mint("write")
    async with serve(transport="http") as remote, httpx2.AsyncClient(timeout=10) as http:
        health = await http.get(remote.url.replace("/mcp", "/healthz"))
        assert health.status_code == 200 and health.text == "ok"
        for headers in ({}, {"Authorization": "Basic x"}, {"Authorization": "Bearer alecs_nope"}):
            response = await http.post(remote.url, json=INIT, headers={**ACCEPT, **headers})
            assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
            assert "error" in response.json()
        query = await http.post(f"{remote.url}?access_token={token}", json=INIT,
                                headers={**ACCEPT, "Authorization": f"Bearer {token}"})
        assert query.status_code == 401
        origin = await http.post(remote.url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {token}",
                                                                   "Origin": "https://evil.example"})
        assert origin.status_code == 403
        ok = await http.post(remote.url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        store.revoke(token_id)

        async def refused_now() -> bool:
            r = await http.post(remote.url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {token}"})
            return r.status_code == 401
        await poll(refused_now, 10, "the revoked token to be refused")


async def test_a_session_is_bound_to_the_token_that_opened_it(serve, mint):
    _, owner = mint("write")
    _, other = mint("write")
    async with serve(transport="http") as remote, httpx2.AsyncClient(timeout=10) as http:
        opened = await http.post(remote.url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {owner}"})
        session = opened.headers["mcp-session-id"]
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        headers = {**ACCEPT, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
        stolen = await http.post(remote.url, json=call, headers={**headers, "Authorization": f"Bearer {other}"})
        own = await http.post(remote.url, json=call, headers={**headers, "Authorization": f"Bearer {owner}"})
    assert stolen.status_code == 404
    assert own.status_code == 200 and "list-contracts" in own.text
