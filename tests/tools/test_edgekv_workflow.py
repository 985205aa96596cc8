"""EdgeKV through the SDK client against the simulator: a namespace, items written, read back, listed, deleted."""

from __future__ import annotations

import json

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

NS = {"network": "staging", "namespaceId": "marketing"}


async def test_namespace_items_are_written_read_listed_and_deleted(server: AlecsServer, sandbox: Sandbox) -> None:
    async with connect(server) as client:
        status = await ok(client, "get-edgekv-status", {})
        assert status["accountStatus"] == "INITIALIZED"

        created = await ok(client, "create-edgekv-namespace", {"network": "staging", "namespace": "marketing",
                                                               "retentionInSeconds": 86400, "groupId": 0})
        assert (created["namespace"], created["retentionInSeconds"], created["groupId"]) == ("marketing", 86400, 0)
        names = await ok(client, "list-edgekv-namespaces", {"network": "staging"})
        assert {n["namespace"] for n in names["items"]} == {"default", "marketing"}
        production = await ok(client, "list-edgekv-namespaces", {"network": "production"})
        assert "marketing" not in {n["namespace"] for n in production["items"]}

        item = NS | {"group": "banners", "item": "spring-sale"}
        written = await ok(client, "write-edgekv-item", item | {"value": {"text": "20% off", "active": True}})
        assert "upserted" in written["message"] and written["item"] == "spring-sale"
        sent = [r for r in sandbox.requests if r.method == "PUT"][-1]
        assert sent.headers.get("Content-Type") == "application/json"
        assert json.loads(sent.body) == {"text": "20% off", "active": True}
        await ok(client, "write-edgekv-item", NS | {"group": "banners", "item": "motd", "value": "Welcome back"})
        sent = [r for r in sandbox.requests if r.method == "PUT"][-1]
        assert sent.headers.get("Content-Type", "").startswith("text/plain") and sent.body == b"Welcome back"

        assert await ok(client, "get-edgekv-item", item) == {"text": "20% off", "active": True}
        text = await ok(client, "get-edgekv-item", NS | {"group": "banners", "item": "motd"})
        assert text == {"result": "Welcome back"}

        keys = await ok(client, "list-edgekv-items", NS | {"group": "banners"})
        assert keys["items"] == ["motd", "spring-sale"] and keys["total"] == 2
        groups = await ok(client, "list-edgekv-groups", NS)
        assert groups["items"] == ["banners"]

        deleted = await ok(client, "delete-edgekv-item", item)
        assert "deleted" in deleted["result"]
        keys = await ok(client, "list-edgekv-items", NS | {"group": "banners"})
        assert keys["items"] == ["motd"]
        assert "404" in await error_text(client, "get-edgekv-item", item)


async def test_access_token_for_a_namespace_is_created_and_listed(server: AlecsServer) -> None:
    async with connect(server) as client:
        token = await ok(client, "create-edgekv-token", {
            "name": "edge_reader", "allowOnStaging": True, "allowOnProduction": True, "expiry": "2030-01-31",
            "namespacePermissions": {"default": ["r"]}})
        assert token["name"] == "edge_reader" and token["value"]
        tokens = await ok(client, "list-edgekv-tokens", {})
        assert "edge_reader" in [t["name"] for t in tokens["items"]]


# -- Akamai's errors, surfaced ---------------------------------------------------------------------------
async def test_unknown_namespace_and_missing_item_are_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-edgekv-namespace", {"network": "staging", "namespaceId": "nope"})
        assert "400" in text and "The requested namespace does not exist." in text
        text = await error_text(client, "get-edgekv-item", {"network": "staging", "namespaceId": "default",
                                                            "group": "countries", "item": "FR"})
        assert "404" in text and "Not Found" in text and "'FR'" in text


async def test_namespace_with_a_different_configuration_is_a_409(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "create-edgekv-namespace", {"network": "staging", "namespace": "default",
                                                                    "retentionInSeconds": 86400, "groupId": 0})
        assert "409" in text and "already exists with a different configuration" in text


async def test_retention_outside_akamais_range_is_refused_before_sending(server: AlecsServer,
                                                                        fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        fresh_sandbox.server.request_log.clear()
        text = await error_text(client, "create-edgekv-namespace", {"network": "staging", "namespace": "short",
                                                                    "retentionInSeconds": 3600, "groupId": 0})
        assert "retentionInSeconds" in text and "86400" in text
        assert not fresh_sandbox.requests
