"""What the transports refuse or cut is counted by reason in `alecs_transport_refusals_total`: per-token caps, the
token's call rate, malformed and oversized messages, and clients that hold connections without finishing them."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx2
import pytest
from websockets.exceptions import ConnectionClosed

from alecs.transports.settings import Limits
from tests.support.metrics import Samples, samples
from tests.support.waiting import poll
from tests.transports.raw_ws import SilentClient, text_frame
from tests.transports.wire import ACCEPT, INIT, answer_to, bearer, call, open_session, raw_session, refused, request

REFUSED = "alecs_transport_refusals_total"
LIMITS = Limits(sessions_per_token=1, calls_per_minute=1, max_message=4096)
REASONS = ("token_session_cap", "token_call_rate", "malformed_message", "message_too_large")


async def counted(url: str, token: str, before: Samples, transport: str, reason: str) -> bool:
    return (await samples(url, token)).since(before, REFUSED, transport=transport, reason=reason) >= 1


async def test_websocket_refusals_are_counted_by_reason(serve, mint):
    _, token = mint("read")
    _, metrics_token = mint("metrics")
    async with serve(limits=LIMITS) as remote:
        before = await samples(remote.url, metrics_token)
        ws = await raw_session(remote.url, token)
        assert (await refused(remote.url, bearer(token))).status_code == 429  # its one session is open
        await ws.send(call(2, "list-contracts"))
        assert "result" in await answer_to(ws, 2)
        await ws.send(call(3, "list-contracts"))
        assert "a minute" in (await answer_to(ws, 3))["error"]["message"]
        await ws.send("{not json")
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["error"]["code"] == -32700
        await ws.send(call(4, "list-contracts", {"padding": "x" * 8192}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1009
        await poll(lambda: counted(remote.url, metrics_token, before, "websocket", "message_too_large"), 10,
                   "the oversized message to be counted")
        after = await samples(remote.url, metrics_token)
    assert {r: after.since(before, REFUSED, transport="websocket", reason=r) for r in REASONS} == dict.fromkeys(
        REASONS, 1)


async def test_http_refusals_are_counted_by_reason(serve, mint):
    _, token = mint("read")
    _, metrics_token = mint("metrics")
    async with serve(transport="http", limits=LIMITS) as remote, httpx2.AsyncClient(timeout=20) as http:
        before = await samples(remote.url, metrics_token)
        headers = await open_session(http, remote.url, token)
        second = await http.post(remote.url, json=INIT, headers={**ACCEPT, **bearer(token)})
        assert second.status_code == 429
        assert (await http.post(remote.url, headers=headers, content=call(2, "list-contracts"))).status_code == 200
        assert (await http.post(remote.url, headers=headers, content=call(3, "list-contracts"))).status_code == 429
        assert (await http.post(remote.url, headers=headers, content=b"{not json")).status_code == 400
        too_big = call(4, "list-contracts", {"padding": "x" * 8192})
        assert (await http.post(remote.url, headers=headers, content=too_big)).status_code == 413
        after = await samples(remote.url, metrics_token)
    assert {r: after.since(before, REFUSED, transport="http", reason=r) for r in REASONS} == dict.fromkeys(REASONS, 1)


async def test_http_connections_that_never_finish_their_headers_are_counted_when_cut(serve, mint):
    _, metrics_token = mint("metrics")
    async with serve(transport="http", limits=Limits(max_pending=3, handshake_timeout=0.5)) as remote:
        before = await samples(remote.url, metrics_token)
        streams = [await asyncio.open_connection("127.0.0.1", remote.transport.port) for _ in range(5)]
        for _, writer in streams:
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        await poll(lambda: counted(remote.url, metrics_token, before, "http", "header_timeout"), 20,
                   "a connection cut for its unfinished headers to be counted")
        after = await samples(remote.url, metrics_token)
        for _, writer in streams:
            writer.transport.abort()
    assert after.since(before, REFUSED, transport="http", reason="pending_evicted") >= 1  # 5 waited, 3 may
    assert after.since(before, REFUSED, transport="http", reason="header_timeout") >= 1


async def test_a_websocket_handshake_that_never_finishes_is_counted_when_cut(serve, mint):
    _, metrics_token = mint("metrics")
    async with serve(limits=Limits(handshake_timeout=0.5)) as remote:
        before = await samples(remote.url, metrics_token)
        reader, writer = await asyncio.open_connection("127.0.0.1", remote.transport.port)
        writer.write(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")  # and never the rest
        assert await asyncio.wait_for(reader.read(), 20) == b""  # the server closed it
        writer.close()
        await poll(lambda: counted(remote.url, metrics_token, before, "websocket", "handshake_timeout"), 10,
                   "the cut handshake to be counted")


async def test_a_websocket_client_that_stops_reading_is_counted_when_cut(serve, mint):
    _, token = mint("read")
    _, metrics_token = mint("metrics")
    async with serve(limits=Limits(write_timeout=1.0, ping_interval=60, ping_timeout=60)) as remote:
        before = await samples(remote.url, metrics_token)
        silent = await asyncio.to_thread(SilentClient, remote.url, token)
        frames = [text_frame(json.dumps(INIT))] + [text_frame(request(n, "tools/list")) for n in range(2, 200)]
        sender = threading.Thread(target=silent.send_all, args=(frames, 30), daemon=True)
        sender.start()
        await poll(lambda: counted(remote.url, metrics_token, before, "websocket", "write_stalled"), 20,
                   "the client that stopped reading to be cut and counted")
        await asyncio.to_thread(sender.join, 30)
        silent.close()
