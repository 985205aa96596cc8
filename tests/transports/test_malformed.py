"""Malformed messages cost the sender one JSON-RPC error each: never the session, never a traceback in the log.

Each case failed before the checks in alecs/transports/inbound.py: deep nesting and an unpaired-surrogate id killed
the WebSocket session with a 40-line traceback; float, bool and null ids were taken for notifications and never
answered.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx2
import pytest

from alecs.transports.inbound import MAX_DEPTH, parse
from tests.transports.wire import answer_to, call, open_session, raw_session

DEEP = '{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": ' + "[" * 990 + "]" * 990 + "}"
DEEP_ARGUMENTS = call(5, "list-contracts", {"filter": "__X__"}).replace('"__X__"', "[" * 300 + "]" * 300)

# (frame, the id the error answer carries, the error code)
CASES = {
    "nested 990 levels": (DEEP, None, -32600),
    "arguments nested 300 levels": (DEEP_ARGUMENTS, 5, -32600),
    "an unpaired surrogate id": ('{"jsonrpc": "2.0", "id": "\\ud800", "method": "tools/list"}', None, -32600),
    "an unpaired surrogate in arguments": (call(6, "list-contracts", {"customer": "__S__"}).replace(
        "__S__", "\\udfff"), 6, -32600),
    "a float id": ('{"jsonrpc": "2.0", "id": 1.5, "method": "tools/list"}', None, -32600),
    "an integral float id": ('{"jsonrpc": "2.0", "id": 2.0, "method": "tools/list"}', None, -32600),
    "a true id": ('{"jsonrpc": "2.0", "id": true, "method": "tools/list"}', None, -32600),
    "a null id": ('{"jsonrpc": "2.0", "id": null, "method": "tools/list"}', None, -32600),
    "an object id": ('{"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}', None, -32600),
    "a batch": ('[{"jsonrpc": "2.0", "id": 3, "method": "tools/list"}]', None, -32600),
    "not json": ("{not json", None, -32700),
}


def no_tracebacks(records: list[logging.LogRecord]) -> None:
    noisy = [r for r in records if r.exc_info or r.exc_text or "Traceback" in r.getMessage()]
    assert not noisy, [r.getMessage() for r in noisy]
    assert all(len(r.getMessage().splitlines()) == 1 for r in records)


@pytest.mark.parametrize("case", list(CASES))
async def test_a_malformed_websocket_frame_gets_one_error_and_the_session_carries_on(serve, mint, caplog, case):
    caplog.set_level(logging.DEBUG)
    frame, rid, code = CASES[case]
    _, token = mint("read")
    async with serve() as remote:
        ws = await raw_session(remote.url, token)
        caplog.clear()
        await ws.send(frame)
        error = json.loads(await ws.recv())
        assert error["id"] == rid and error["error"]["code"] == code
        own = [r for r in caplog.records if r.name.startswith("alecs")]
        assert len(own) <= 1
        no_tracebacks(caplog.records)
        await ws.send(call(9, "list-contracts"))
        assert "ctr_" in (await answer_to(ws, 9))["result"]["content"][0]["text"]
        await ws.close()


@pytest.mark.parametrize("case", list(CASES))
async def test_a_malformed_http_body_gets_one_error_and_the_session_carries_on(serve, mint, caplog, case):
    caplog.set_level(logging.DEBUG)
    frame, rid, code = CASES[case]
    _, token = mint("read")
    async with serve(transport="http") as remote, httpx2.AsyncClient(timeout=20) as http:
        headers = await open_session(http, remote.url, token)
        caplog.clear()
        response = await http.post(remote.url, content=frame.encode(), headers=headers)
        assert response.status_code == 400
        error = response.json()
        assert error["id"] == rid and error["error"]["code"] == code
        no_tracebacks(caplog.records)
        again = await http.post(remote.url, content=call(9, "list-contracts").encode(), headers=headers)
        assert again.status_code == 200 and "ctr_" in again.text


def test_nesting_up_to_the_limit_is_accepted():
    arguments: Any = "leaf"
    for _ in range(MAX_DEPTH - 5):  # message, params, arguments and the value itself take the rest
        arguments = [arguments]
    assert not hasattr(parse(call(1, "x", {"deep": arguments})), "code")
