"""MCP over WebSocket with bearer tokens: the SDK client end to end, refusals, limits, isolation, revocation."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from typing import Any

import pytest
import trustme
from mcp import Client
from websockets.exceptions import ConnectionClosed

from alecs.transports.settings import Limits
from tests.support.mcp import connect as connect_inproc
from tests.support.waiting import poll
from tests.transports.wire import bearer, call, error_of, raw_session, refused
from tests.transports.ws_client import WebSocketTransport, websocket_client


async def test_sdk_client_lists_and_calls_tools_over_websocket_with_stdio_equivalent_results(serve, mint, server):
    _, token = mint("write")
    async with connect_inproc(server) as local:
        local_names = sorted(t.name for t in (await local.list_tools()).tools)
        local_result = await local.call_tool("list-contracts", {})
    async with serve() as remote:
        assert remote.url.startswith("ws://127.0.0.1:") and remote.url.endswith("/mcp")
        async with Client(WebSocketTransport(remote.url, token), mode="legacy") as client:
            names = sorted(t.name for t in (await client.list_tools()).tools)
            result = await client.call_tool("list-contracts", {})
    assert names == [n for n in local_names if "-api-token" not in n]
    assert not result.is_error
    assert result.structured_content == local_result.structured_content
    assert result.content[0].text == local_result.content[0].text


async def test_sdk_client_works_over_wss_with_a_test_certificate(serve, mint):
    _, token = mint("read")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    async with serve(ssl_context=server_ctx, cert="c.pem", key="k.pem") as remote:
        assert remote.url.startswith("wss://")
        async with Client(WebSocketTransport(remote.url, token, ssl_context=client_ctx), mode="legacy") as client:
            result = await client.call_tool("list-contracts", {})
    assert not result.is_error and "ctr_" in result.content[0].text


async def test_successful_handshake_names_the_token_and_scope_and_accepts_subprotocol_mcp(serve, mint):
    token_id, token = mint("read")
    async with serve() as remote, websocket_client(remote.url, token) as (_, _, ws):
        assert ws.response.headers["X-Alecs-Token-Id"] == token_id
        assert ws.response.headers["X-Alecs-Token-Scope"] == "read"
        assert ws.subprotocol == "mcp"


async def test_healthz_answers_ok_without_authentication_and_nothing_else(serve):
    async with serve() as remote:
        reader, writer = await asyncio.open_connection("127.0.0.1", remote.transport.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(
            b"content-length")))
        body = await reader.readexactly(length)
        writer.close()
    assert head.startswith(b"HTTP/1.1 200") and body == b"ok"
    assert b"alecs" not in head.lower() and b"websockets" not in head.lower()


@pytest.mark.parametrize("headers, why", [
    ({}, "Missing Authorization"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Malformed"),
    ({"Authorization": "Bearer"}, "Malformed"),
    ({"Authorization": "Bearer alecs_0123456789abcdef_" + "A" * 43}, "Invalid token"),
    ({"Authorization": "Bearer not-a-token"}, "Invalid token"),
])
async def test_missing_malformed_or_unknown_tokens_get_401_with_www_authenticate(serve, headers, why):
    async with serve() as remote:
        response = await refused(remote.url, headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == "application/json"
    assert why in error_of(response)


async def test_revoked_and_expired_tokens_get_401(serve, mint, store):
    revoked_id, revoked = mint("write")
    store.revoke(revoked_id)
    expired_id, expired = mint("write", expires_in_days=0.01 / 86400)
    await poll(lambda: any(r.id == expired_id and r.state() == "expired" for r in store.records()), 5,
               "the 1 ms token to expire")
    async with serve() as remote:
        for token, state in ((revoked, "revoked"), (expired, "expired")):
            response = await refused(remote.url, bearer(token))
            assert response.status_code == 401 and state in error_of(response)
            assert "Bearer" in response.headers["WWW-Authenticate"]


async def test_a_token_in_the_query_string_is_refused_even_with_a_valid_header(serve, mint):
    _, token = mint("write")
    async with serve() as remote:
        alone = await refused(f"{remote.url}?access_token={token}")
        with_header = await refused(f"{remote.url}?token={token}", bearer(token))
    assert alone.status_code == with_header.status_code == 401
    assert "URL" in error_of(with_header)


async def test_a_foreign_origin_is_refused_with_403_and_a_listed_origin_is_accepted(serve, mint):
    _, token = mint("write")
    async with serve(allowed_origins=frozenset({"https://console.example.com"})) as remote:
        response = await refused(remote.url, {**bearer(token), "Origin": "https://evil.example"})
        assert response.status_code == 403
        async with websocket_client(remote.url, token, headers={"Origin": "https://console.example.com"}):
            pass
        no_list = await refused(remote.url, {**bearer(token), "Origin": "http://127.0.0.1"})
        assert no_list.status_code == 403


async def test_an_oversized_frame_closes_only_that_connection_with_1009(serve, mint):
    _, token = mint("write")
    async with serve(limits=Limits(max_message=64 * 1024)) as remote:
        other = await raw_session(remote.url, token)
        big = await raw_session(remote.url, token)
        await big.send(call(2, "list-contracts", {"pad": "x" * 100_000}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(big.recv(), 10)
        assert big.close_code == 1009
        await other.send(call(7, "list-contracts"))
        answer = json.loads(await asyncio.wait_for(other.recv(), 10))
        assert answer["id"] == 7 and not answer["result"]["isError"]
        async with websocket_client(remote.url, token):  # still accepting
            pass
        await other.close()


async def test_malformed_json_gets_a_parse_error_and_the_session_continues(serve, mint):
    _, token = mint("write")
    async with serve() as remote:
        ws = await raw_session(remote.url, token)
        await ws.send("{not json")
        error = json.loads(await ws.recv())
        assert error["id"] is None and error["error"]["code"] == -32700
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 5, "bogus": True}))
        assert json.loads(await ws.recv())["error"]["code"] == -32600
        await ws.send(call(6, "list-contracts"))
        answer = json.loads(await ws.recv())
        assert answer["id"] == 6 and "ctr_" in answer["result"]["content"][0]["text"]
        await ws.close()


async def test_a_read_scope_token_cannot_see_or_call_write_tools(serve, mint):
    _, token = mint("read")
    async with serve() as remote, Client(WebSocketTransport(remote.url, token), mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools and all(t.annotations.read_only_hint for t in tools.values())
        assert "purge-invalidate" not in tools
        result = await client.call_tool("purge-invalidate", {"by": "url", "objects": ["https://www.example.com/"]})
    assert result.is_error and "not available" in result.content[0].text


async def test_a_token_restricted_to_one_section_cannot_use_another(serve, mint):
    _, token = mint("write", customers=["other"])
    _, default_token = mint("write", customers=["default"])
    async with serve() as remote:
        async with Client(WebSocketTransport(remote.url, token), mode="legacy") as client:
            result = await client.call_tool("list-contracts", {"customer": "default"})
            assert result.is_error and "may not use customer 'default'" in result.content[0].text
            implicit = await client.call_tool("list-contracts", {})
            assert implicit.is_error
        async with Client(WebSocketTransport(remote.url, default_token), mode="legacy") as client:
            assert not (await client.call_tool("list-contracts", {"customer": "default"})).is_error
            assert (await client.call_tool("list-contracts", {"customer": "other"})).is_error


async def test_a_token_restricted_to_some_toolsets_cannot_see_or_call_others(serve, mint):
    _, token = mint("write", toolsets=["purge"])
    async with serve() as remote, Client(WebSocketTransport(remote.url, token), mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "purge-invalidate" in names and "list-contracts" not in names
        result = await client.call_tool("list-contracts", {})
    assert result.is_error and "not available" in result.content[0].text


async def test_token_tools_are_listed_for_admin_tokens_only(serve, mint):
    _, admin = mint("admin")
    _, writer = mint("write")
    async with serve() as remote:
        async with Client(WebSocketTransport(remote.url, writer), mode="legacy") as client:
            assert not {t.name for t in (await client.list_tools()).tools} & {"list-api-tokens"}
            assert (await client.call_tool("list-api-tokens", {})).is_error
        async with Client(WebSocketTransport(remote.url, admin), mode="legacy") as client:
            listed = await client.call_tool("list-api-tokens", {})
    assert not listed.is_error and len(listed.structured_content["tokens"]) == 2


async def test_concurrent_sessions_with_overlapping_request_ids_get_only_their_own_responses(serve, mint):
    _, token = mint("write")
    async with serve(limits=Limits(sessions_per_token=0)) as remote:  # 20 sessions of one token
        async def one(n: int) -> None:
            ws = await raw_session(remote.url, token)
            for rid in range(2, 12):
                await ws.send(call(rid, f"nope-{n}-{rid}"))
            seen = {}
            for _ in range(10):
                answer = json.loads(await asyncio.wait_for(ws.recv(), 20))
                seen[answer["id"]] = answer["result"]["content"][0]["text"]
            await ws.close()
            assert sorted(seen) == list(range(2, 12))
            for rid, text in seen.items():
                assert f"'nope-{n}-{rid}'" in text
        await asyncio.gather(*(one(n) for n in range(20)))


async def test_too_many_requests_in_flight_on_one_connection_are_answered_with_an_error(serve, mint):
    _, token = mint("write")
    async with serve(limits=Limits(max_inflight=1)) as remote:
        ws = await raw_session(remote.url, token)
        for rid in (2, 3, 4):
            await ws.send(call(rid, "list-contracts"))
        answers = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(3)]
        busy = [a for a in answers if "error" in a]
        assert busy and all("in flight" in a["error"]["message"] for a in busy)
        await ws.close()


async def test_revoking_a_token_closes_its_open_sessions_with_1008(serve, mint, store):
    token_id, token = mint("write")
    _, other = mint("write")
    async with serve() as remote:
        ws = await raw_session(remote.url, token)
        bystander = await raw_session(remote.url, other)
        await asyncio.to_thread(store.revoke, token_id)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1008
        await bystander.send(call(2, "list-contracts"))
        assert json.loads(await asyncio.wait_for(bystander.recv(), 10))["id"] == 2
        assert (await refused(remote.url, bearer(token))).status_code == 401
        await bystander.close()


async def test_a_new_token_works_without_restart_and_an_expiring_token_is_closed_when_it_expires(serve, mint):
    async with serve() as remote:
        _, token = await asyncio.to_thread(mint, "write", expires_in_days=1.5 / 86400)
        ws = await poll(lambda: _try_session(remote.url, token), 10, "the new token to be accepted")
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 15)
        assert ws.close_code == 1008 and time.monotonic() - started < 10


async def _try_session(url: str, token: str) -> Any:
    try:
        return await raw_session(url, token)
    except Exception:
        return None


async def test_no_log_line_contains_a_token_and_connections_are_audited(serve, mint, caplog):
    caplog.set_level(logging.DEBUG)
    token_id, token = mint("write")
    async with serve() as remote:
        async with Client(WebSocketTransport(remote.url, token), mode="legacy") as client:
            await client.call_tool("list-contracts", {})
        await refused(f"{remote.url}?access_token={token}")
        await refused(remote.url, bearer(token[:-2] + "zz"))
    secret = token.split("_", 2)[2]
    server_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.client")]
    assert server_lines and not [line for line in server_lines if secret in line]
    audit = [r.getMessage() for r in caplog.records if r.name == "alecs.audit"]
    assert any(f"token={token_id} outcome=accepted" in line for line in audit)
    assert any("outcome=refused reason=token_in_url" in line for line in audit)
    assert any("outcome=refused reason=unknown_token" in line for line in audit)


async def test_connection_slots_are_given_back_however_a_connection_ends(serve, mint):
    _, token = mint("write")
    upgrade = (f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: mcp\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    async with serve(limits=Limits(max_connections=3)) as remote:
        occupancy = remote.transport.occupancy
        async with websocket_client(remote.url, token):  # a clean close
            assert occupancy.count == 1
        session = await raw_session(remote.url, token)
        session.transport.abort()  # the client vanishes
        for _ in range(3):  # the handshake is admitted, the client leaves before reading the answer
            reader, writer = await asyncio.open_connection("127.0.0.1", remote.transport.port)
            writer.write(upgrade)
            await writer.drain()
            writer.transport.abort()
        await poll(lambda: occupancy.count == 0, 10, "every slot to be given back")
        held = [await raw_session(remote.url, token) for _ in range(3)]  # all three usable again
        assert occupancy.count == 3
        assert (await refused(remote.url, bearer(token))).status_code == 503
        for ws in held:
            await ws.close()
