"""MCP's Streamable HTTP transport behind the same tokens and Origin rules as WebSocket."""

from __future__ import annotations

import json
import logging
import socket
import time

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from alecs.transports.settings import Limits
from tests.support.waiting import poll
from tests.transports.wire import ACCEPT, ACTIVATE, INIT, open_session, post_text


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
            try:
                r = await http.post(remote.url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {token}"})
            except httpx2.TransportError:  # admitted just before the reload, then cut off by the revocation
                return False
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


async def test_a_duplicate_in_flight_id_in_a_session_is_refused_and_too_many_get_429(
        serve, mint, monkeypatch, fresh_sandbox):
    monkeypatch.setattr(fresh_sandbox.settings, "activation_seconds", 3600.0)
    _, token = mint("write")
    async with serve(transport="http", limits=Limits(max_inflight=2)) as remote, \
            httpx2.AsyncClient(timeout=20) as http:
        headers = await open_session(http, remote.url, token)
        slow = {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                "params": {"name": "activate-property", "arguments": ACTIVATE}}
        async with http.stream("POST", remote.url, json=slow, headers=headers) as first, \
                http.stream("POST", remote.url, json={**slow, "id": 6}, headers=headers) as second:
            assert first.status_code == second.status_code == 200
            duplicate = await http.post(remote.url, json={"jsonrpc": "2.0", "id": "5", "method": "tools/list"},
                                        headers=headers)
            assert duplicate.status_code == 400 and "already in flight" in duplicate.json()["error"]["message"]
            busy = await http.post(remote.url, json={"jsonrpc": "2.0", "id": 7, "method": "tools/list"},
                                   headers=headers)
            assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
            assert busy.json()["error"]["code"] == -32000 and busy.json()["id"] == 7
        # the streams are gone: their places are free again
        await poll(lambda: not remote.transport.inflight, 10, "the requests to settle")
        again = await http.post(remote.url, json={"jsonrpc": "2.0", "id": 5, "method": "tools/list"},
                                headers=headers)
        assert again.status_code == 200 and "list-contracts" in again.text


async def test_an_http_client_that_stops_reading_is_cut_off_and_frees_its_requests(serve, mint, caplog):
    caplog.set_level(logging.INFO, "alecs")
    _, token = mint("write")
    async with serve(transport="http", limits=Limits(write_timeout=1.0)) as remote, \
            httpx2.AsyncClient(timeout=20) as http:
        headers = await open_session(http, remote.url, token)
        pipelined = b"".join(post_text(token, headers["mcp-session-id"],
                                       json.dumps({"jsonrpc": "2.0", "id": n, "method": "tools/list"}).encode())
                             for n in range(2, 60))  # ~12 MB of answers, far more than the socket buffers hold
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", remote.transport.port))
        sock.sendall(pipelined)
        started = time.monotonic()
        await poll(lambda: "stopped reading" in caplog.text, 15, "the stalled connection to be cut")
        assert time.monotonic() - started < 10
        await poll(lambda: not remote.transport.active and not remote.transport.inflight, 10, "its requests to end")
        other = await http.post(remote.url, json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"},
                                headers=headers)
        assert other.status_code == 200
        sock.close()
