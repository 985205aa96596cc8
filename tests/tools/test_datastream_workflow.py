"""DataStream through the SDK client against the simulator: activate a stream, read its activation history."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def test_activate_stream_waits_and_history_records_it(server: AlecsServer) -> None:
    progress: list[str | None] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async with connect(server) as client:
        streams = await call(client, "list-streams", {"groupId": 10001})
        status = {s["streamId"]: s["streamStatus"] for s in streams["items"]}
        assert status == {7050: "ACTIVATED", 7051: "INACTIVE"}
        assert (await call(client, "get-stream-activation-history", {"streamId": 7051}))["items"] == []

        done = await call(client, "activate-stream", {"streamId": 7051, "wait": True, "timeoutSeconds": 30},
                          progress_callback=on_progress)
        assert done["streamStatus"] == "ACTIVATED" and done["finished"] is True
        assert progress and "ACTIVATING" in (progress[0] or "") and "ACTIVATED" in (progress[-1] or "")

        stream = await call(client, "get-stream", {"streamId": 7051})
        assert stream["streamStatus"] == "ACTIVATED" and stream["destination"]["destinationType"] == "S3"
        history = await call(client, "get-stream-activation-history", {"streamId": 7051})
        assert [(h["streamVersion"], h["status"]) for h in history["items"]] == [(1, "ACTIVATED")]

        stopped = await call(client, "deactivate-stream", {"streamId": 7051})
        assert stopped["streamStatus"] == "DEACTIVATING" and "get-stream" in stopped["next"]


async def test_stream_state_conflicts_and_unknown_streams_get_akamais_errors(
        server: AlecsServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.settings, "activation_seconds", 60.0)  # keep the stream DEACTIVATING
    async with connect(server) as client:
        # Akamai's 400 "already active" for a repeat: the tool returns the active stream and says so
        again = await client.call_tool("activate-stream", {"streamId": 7050})
        assert not again.is_error and again.structured_content["streamStatus"] == "ACTIVATED"
        assert "already active" in again.structured_content["recovered"]
        assert [r.status for r in sandbox.requests if r.path.endswith("/streams/7050/activate")][-1] == 400
        await call(client, "deactivate-stream", {"streamId": 7050})
        busy = await client.call_tool("activate-stream", {"streamId": 7050})
        assert busy.is_error and "409" in busy.content[0].text and "DEACTIVATING" in busy.content[0].text
        missing = await client.call_tool("get-stream", {"streamId": 1})
        assert missing.is_error and "404" in missing.content[0].text
