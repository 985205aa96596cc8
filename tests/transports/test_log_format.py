"""ALECS_LOG_FORMAT=json: `alecs serve` writes one JSON object per stderr line, audit fields as keys."""

from __future__ import annotations

import json
import signal
from typing import Any

from mcp import Client

from tests.support.waiting import wait_until
from tests.transports.handshakes import attempt
from tests.transports.test_signals import token
from tests.transports.ws_client import WebSocketTransport


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line as a JSON object (a line that is not one fails the test, naming it)."""
    docs = []
    for line in text.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
        assert isinstance(doc, dict) and {"time", "level", "logger", "message"} <= set(doc), line
        docs.append(doc)
    return docs


async def test_json_log_format_gives_one_object_per_line_with_the_audit_fields_as_keys(spawn, subprocess_env):
    tok = token(subprocess_env)
    token_id = tok.split("_")[1]
    server = spawn("--transport", "websocket", "--sandbox", "--port", "0", env={"ALECS_LOG_FORMAT": "json"})

    def listening() -> str | None:
        assert server.proc.poll() is None, server.text()[-3000:]
        return next((d["url"] for d in json_lines(server.text()) if "url" in d), None)
    url = wait_until(listening, 60, "the listening line", retry_errors=True)
    async with Client(WebSocketTransport(url, tok), mode="legacy") as client:
        await client.call_tool("list-contracts", {})
        await client.call_tool("get-property", {"propertyId": "prp_999999999"})
    assert await attempt(url, "websocket", "Bearer not-a-token") == 401
    server.signal(signal.SIGTERM)
    assert server.proc.wait(30) == 0
    docs = json_lines(server.text())
    assert all(d["time"].endswith("Z") and d["level"] in ("DEBUG", "INFO", "WARNING", "ERROR") for d in docs)
    calls = {d["tool"]: d for d in docs if d.get("event") == "tool_call"}
    ok, failed = calls["list-contracts"], calls["get-property"]
    assert ok["logger"] == "alecs.audit" and ok["token"] == f"tok_{token_id}" and ok["customer"] == "default"
    assert ok["outcome"] == "ok" and failed["outcome"] == "error" and isinstance(ok["duration_ms"], int | float)
    connections = [d for d in docs if d.get("event") == "connection"]
    accepted = next(d for d in connections if d["outcome"] == "accepted")
    refused = next(d for d in connections if d["outcome"] == "refused")
    assert accepted["transport"] == "websocket" and accepted["remote"] == "127.0.0.1"
    assert accepted["token"] == f"tok_{token_id}" and accepted["scope"] == "write"
    assert refused["reason"] == "unknown_token" and refused["status"] == 401 and refused["token"] is None
    assert tok.split("_", 2)[2] not in server.text()
