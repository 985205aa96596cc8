"""Edge hostnames (HAPI) through the SDK client against the simulator: patch the TTL, follow the change."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect

EHN = {"dnsZone": "edgekey.net", "recordName": "www.example.com"}


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def test_patch_ttl_then_poll_the_change_request_until_it_succeeds(
        server: AlecsServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.settings, "activation_seconds", 1.0)  # long enough to see the 409 while PENDING
    progress: list[str | None] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async with connect(server) as client:
        found = await call(client, "search-edge-hostnames", {"recordNameSubstring": "example.com"})
        assert {(h["recordName"], h["dnsZone"]) for h in found["items"]} == {
            ("www.example.com", "edgekey.net"), ("static.example.com", "edgesuite.net")}
        before = await call(client, "get-edge-hostname-details", EHN)
        assert before["ttl"] == 21600

        sandbox.server.request_log.clear()
        pending = await call(client, "update-edge-hostname", EHN | {"ttl": 300, "comments": "faster failover"})
        patch = sandbox.requests[0]
        assert patch.method == "PATCH" and patch.query == {"comments": "faster failover"}
        assert patch.headers["Content-Type"] == "application/json-patch+json"
        assert patch.body == b'[{"op": "replace", "path": "/ttl", "value": "300"}]'
        assert pending["status"] == "PENDING" and pending["action"] == "EDIT"

        busy = await client.call_tool("update-edge-hostname", EHN | {"ipVersionBehavior": "IPV4"})
        assert busy.is_error and "409" in busy.content[0].text and "pending change" in busy.content[0].text

        statuses = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # bounded poll: the sandbox settles after activation_seconds
            change = await call(client, "get-edge-hostname-change", {"changeId": pending["changeId"]})
            statuses.append(change["status"])
            if change["status"] != "PENDING":
                break
        assert statuses[0] == "PENDING" and statuses[-1] == "SUCCEEDED"
        assert change["edgeHostnames"][0]["recordName"] == "www.example.com"

        done = await call(client, "update-edge-hostname", EHN | {"ipVersionBehavior": "IPV4", "wait": True,
                                                                 "timeoutSeconds": 30},
                          progress_callback=on_progress)
        assert done["status"] == "SUCCEEDED" and done["finished"] is True
        assert progress and "PENDING" in (progress[0] or "") and "SUCCEEDED" in (progress[-1] or "")
        after = await call(client, "get-edge-hostname-details", EHN)
        assert after["ttl"] == 300 and after["useDefaultTtl"] is False and after["ipVersionBehavior"] == "IPV4"


async def test_delete_is_destructive_and_refused_while_a_property_uses_the_hostname(server: AlecsServer) -> None:
    async with connect(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["delete-edge-hostname"].annotations.destructive_hint is True
        in_use = await client.call_tool("delete-edge-hostname", EHN)
        assert in_use.is_error and "400" in in_use.content[0].text and "active property" in in_use.content[0].text

        gone = await call(client, "delete-edge-hostname", {"dnsZone": "edgesuite.net",
                                                           "recordName": "static.example.com", "wait": True,
                                                           "timeoutSeconds": 30})
        assert gone["action"] == "DELETE" and gone["status"] == "SUCCEEDED"
        missing = await client.call_tool("get-edge-hostname-details", {"dnsZone": "edgesuite.net",
                                                                      "recordName": "static.example.com"})
        assert missing.is_error and "404" in missing.content[0].text


async def test_invalid_ttl_is_refused_before_any_request(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("update-edge-hostname", EHN | {"ttl": 5})
        assert result.is_error and "ttl" in result.content[0].text
