"""Per-token caps: sessions held at once and tool calls a minute, with defaults, settings and each token's own; idle
sessions end. One token running in a loop hits its own cap while the others keep working."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from websockets.exceptions import ConnectionClosed

from alecs.auth.tokens import TokenStore
from alecs.transports.settings import Limits
from tests.support.waiting import poll
from tests.transports.wire import (
    ACCEPT,
    INIT,
    answer_to,
    bearer,
    call,
    error_of,
    open_session,
    raw_session,
    refused,
    slow_call,
)
from tests.transports.ws_client import WebSocketTransport


def own_limits(store: TokenStore, token_id: str, **fields: Any) -> None:
    """What `alecs token generate --max-sessions N --rate N/min` records for a token."""
    store.update(lambda records: records.__setitem__(token_id, replace(records[token_id], **fields)))


async def test_one_token_opening_websocket_connections_in_a_loop_hits_its_own_cap_while_others_connect(serve, mint):
    _, greedy = mint("read")
    _, other = mint("read")
    async with serve(limits=Limits(sessions_per_token=5)) as remote:
        held, refusal = [], None
        for _ in range(50):
            try:
                held.append(await raw_session(remote.url, greedy))
            except Exception:
                refusal = await refused(remote.url, bearer(greedy))
                break
        assert len(held) == 5 and refusal is not None
        assert refusal.status_code == 429 and int(refusal.headers["Retry-After"]) > 0
        assert "5 open sessions" in error_of(refusal)
        others = [await raw_session(remote.url, other) for _ in range(5)]  # another token is not affected
        await held.pop().close()
        await poll(lambda: remote.transport.occupancy.held(held[0].response.headers["X-Alecs-Token-Id"]) == 4, 10,
                   "the closed connection's place to be given back")
        held.append(await raw_session(remote.url, greedy))  # and the greedy one may use the freed place
        for ws in held + others:
            await ws.close()


async def test_a_tokens_own_session_limit_wins_over_the_default_and_the_server_cap_answers_503(serve, mint, store):
    small_id, small = mint("read")
    own_limits(store, small_id, max_sessions=2)
    _, other = mint("read")
    async with serve(limits=Limits(sessions_per_token=10, max_connections=4)) as remote:
        held = [await raw_session(remote.url, small) for _ in range(2)]
        assert (await refused(remote.url, bearer(small))).status_code == 429
        held += [await raw_session(remote.url, other) for _ in range(2)]
        full = await refused(remote.url, bearer(other))
        assert full.status_code == 503 and int(full.headers["Retry-After"]) > 0
        for ws in held:
            await ws.close()


async def test_one_token_opening_http_sessions_in_a_loop_hits_its_own_cap_while_others_connect(serve, mint):
    _, greedy = mint("read")
    _, other = mint("read")
    async with serve(transport="http", limits=Limits(sessions_per_token=5)) as remote, \
            httpx2.AsyncClient(timeout=20) as http:
        opened, refusal = [], None
        for _ in range(50):
            response = await http.post(remote.url, json=INIT, headers={**ACCEPT, **bearer(greedy)})
            if response.status_code != 200:
                refusal = response
                break
            opened.append(response.headers["mcp-session-id"])
        assert len(opened) == 5 and refusal is not None
        assert refusal.status_code == 429 and int(refusal.headers["retry-after"]) > 0
        assert "5 open sessions" in refusal.json()["error"]["message"]
        for _ in range(5):  # another token is not affected
            await open_session(http, remote.url, other)
        ended = await http.delete(remote.url, headers={**ACCEPT, **bearer(greedy), "mcp-session-id": opened[0],
                                                       "mcp-protocol-version": "2025-11-25"})
        assert ended.status_code == 200
        await open_session(http, remote.url, greedy)  # the ended session's place is free again


async def test_tool_calls_over_a_tokens_rate_are_refused_with_the_time_to_retry_on_websocket(serve, mint, store):
    limited_id, limited = mint("read")
    own_limits(store, limited_id, rate_per_minute=5)
    _, other = mint("read")
    async with serve(limits=Limits(calls_per_minute=1000)) as remote:
        ws = await raw_session(remote.url, limited)
        for rid in range(2, 7):
            await ws.send(call(rid, "list-contracts"))
            assert "result" in await answer_to(ws, rid)
        await ws.send(call(7, "list-contracts"))
        refusal = await answer_to(ws, 7)
        assert refusal["error"]["code"] == -32000 and "5 tool calls a minute" in refusal["error"]["message"]
        assert 1 <= refusal["error"]["data"]["retryAfterSeconds"] <= 12
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 8, "method": "tools/list"}))  # only calls are metered
        assert "result" in await answer_to(ws, 8)
        async with Client(WebSocketTransport(remote.url, other), mode="legacy") as client:
            assert not (await client.call_tool("list-contracts", {})).is_error
        await ws.close()


async def test_tool_calls_over_a_tokens_rate_get_429_with_retry_after_on_http(serve, mint):
    _, token = mint("read")
    async with serve(transport="http", limits=Limits(calls_per_minute=3)) as remote, \
            httpx2.AsyncClient(headers=bearer(token), timeout=20) as http, \
            Client(streamable_http_client(remote.url, http_client=http), mode="legacy") as client:
        for _ in range(3):
            assert not (await client.call_tool("list-contracts", {})).is_error
        with pytest.raises(Exception, match="3 tool calls a minute"):
            await client.call_tool("list-contracts", {})
        async with httpx2.AsyncClient(timeout=20) as raw:
            headers = await open_session(raw, remote.url, token)
            over = await raw.post(remote.url, headers=headers, json=json.loads(call(9, "list-contracts")))
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        assert over.json()["id"] == 9 and over.json()["error"]["data"]["retryAfterSeconds"] >= 1


async def test_an_idle_websocket_connection_is_closed_and_a_busy_one_is_not(serve, mint, monkeypatch, fresh_sandbox):
    monkeypatch.setattr(fresh_sandbox.settings, "activation_seconds", 3600.0)
    _, token = mint("write")
    async with serve(limits=Limits(idle_timeout=0.6)) as remote:
        idle = await raw_session(remote.url, token)
        busy = await raw_session(remote.url, token)
        await busy.send(slow_call(2))  # in flight for as long as the test runs
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(idle.recv(), 10)
        assert idle.close_code == 1000 and "idle" in (idle.close_reason or "")
        await busy.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}))
        assert "result" in await answer_to(busy, 3)
        await busy.close()


async def test_an_idle_http_session_expires_and_gives_its_place_back(serve, mint):
    token_id, token = mint("read")
    async with serve(transport="http", limits=Limits(idle_timeout=0.5, sessions_per_token=1)) as remote, \
            httpx2.AsyncClient(timeout=20) as http:
        headers = await open_session(http, remote.url, token)
        assert remote.transport.occupancy.held(token_id) == 1
        await poll(lambda: remote.transport.occupancy.held(token_id) == 0, 10, "the idle session to expire")
        gone = await http.post(remote.url, headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert gone.status_code == 404
        await open_session(http, remote.url, token)  # its place is free


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_zero_turns_every_limit_off(serve, mint, transport):
    _, token = mint("read")
    off = Limits(max_message=0, max_connections=0, max_inflight=0, ping_interval=0, ping_timeout=0,
                 handshake_timeout=0, write_timeout=0, max_pending=0, sessions_per_token=0, calls_per_minute=0,
                 idle_timeout=0)
    async with serve(transport=transport, limits=off) as remote:
        for _ in range(2):
            if transport == "websocket":
                session = Client(WebSocketTransport(remote.url, token), mode="legacy")
            else:
                http = httpx2.AsyncClient(headers=bearer(token), timeout=20)
                session = Client(streamable_http_client(remote.url, http_client=http), mode="legacy")
            async with session as client:
                for _ in range(3):
                    assert not (await client.call_tool("list-contracts", {})).is_error


async def test_revoking_a_token_ends_its_http_sessions_and_frees_their_places(serve, mint, store):
    token_id, token = mint("read")
    _, other = mint("read")
    async with serve(transport="http") as remote, httpx2.AsyncClient(timeout=20) as http:
        for _ in range(3):
            await open_session(http, remote.url, token)
        bystander = await open_session(http, remote.url, other)
        assert remote.transport.occupancy.held(token_id) == 3
        await asyncio.to_thread(store.revoke, token_id)
        await poll(lambda: remote.transport.occupancy.held(token_id) == 0, 10, "the revoked token's sessions to end")
        assert list(remote.transport.sessions) == [bystander["mcp-session-id"]]
        listed = await http.post(remote.url, headers=bystander, json={"jsonrpc": "2.0", "id": 2, "method": "ping"})
        assert listed.status_code == 200
