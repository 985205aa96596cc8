"""Property Manager jobs done in one call: patch a rule tree, add or remove hostnames, roll back a network —
through the SDK client against the sandbox, each checked by the requests it sent and by the text it answers."""

from __future__ import annotations

import json
import time
from typing import Any

from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.papi_flows import fast_fallback_possible, rollback_target
from tests.support.mcp import connect
from tests.tools.workflow import assert_requests_match, error_text, ok

PRP = {"propertyId": "prp_100001"}
EMAILS = ["noc@example.com"]
IMAGES = {"name": "Images", "children": [], "behaviors": [{"name": "caching", "options": {"behavior": "MAX_AGE",
                                                                                           "ttl": "7d"}}],
          "criteria": [{"name": "fileExtension", "options": {"matchOperator": "IS_ONE_OF", "values": ["jpg"]}}]}


async def _new_version(client: Client) -> int:
    created = await ok(client, "create-property-version", PRP | {"createFromVersion": 1})
    return int(created["propertyVersion"])


def _sent(sandbox: Sandbox, method: str, suffix: str) -> list[Any]:
    return [r for r in sandbox.requests if r.method == method and r.path.endswith(suffix)]


async def test_patching_a_rule_tree_changes_only_what_the_operations_name(server: AlecsServer,
                                                                          sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        sandbox.server.request_log.clear()
        result = await client.call_tool("patch-property-rules", PRP | {"propertyVersion": version, "operations": [
            {"op": "replace", "path": "/behaviors/caching/options/ttl", "value": "2d"},
            {"op": "add", "path": "/rules/children/-", "value": IMAGES}]})
        assert not result.is_error, result.content[0].text
        text = result.content[0].text
        assert '- /behaviors/2:caching/options/ttl: "1d" → "2d"' in text
        assert "- /children/0:Images: added {name: Images" in text and "0 error(s), 0 warning(s)" in text
        # One read (for the tree and its etag) and one write, sent with that etag.
        assert [(r.method, r.status) for r in sandbox.requests] == [("GET", 200), ("PUT", 200)]
        assert {k.lower(): v for k, v in sandbox.requests[1].headers.items()}.get("if-match")
        assert_requests_match(sandbox, "papi/v1")

        rules = await ok(client, "get-property-rules", PRP | {"propertyVersion": version})
        assert rules["rules"]["behaviors"][2]["options"]["ttl"] == "2d"
        assert rules["rules"]["children"][0]["name"] == "Images"
        assert rules["rules"]["behaviors"][0]["name"] == "origin"  # the rest as it was

        # The rule added above can be addressed by name, and removing it leaves the tree as before.
        removed = await ok(client, "patch-property-rules", PRP | {"propertyVersion": version, "operations": [
            {"op": "remove", "path": "/rules/children/Images"}]})
        assert [c["op"] for c in removed["changes"]] == ["removed"]


async def test_a_patch_refuses_a_stale_etag_and_an_unknown_name_before_saving(server: AlecsServer,
                                                                               sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        sandbox.server.request_log.clear()
        stale = await error_text(client, "patch-property-rules", PRP | {
            "propertyVersion": version, "etag": "0000", "operations": [
                {"op": "replace", "path": "/behaviors/caching/options/ttl", "value": "2d"}]})
        assert "changed since etag 0000" in stale and "get-property-rules" in stale
        unknown = await error_text(client, "patch-property-rules", PRP | {"propertyVersion": version, "operations": [
            {"op": "remove", "path": "/rules/children/Imagez"}]})
        assert "nothing named 'Imagez'" in unknown
        assert not _sent(sandbox, "PUT", "/rules")


async def test_patching_an_activated_version_gets_akamais_refusal(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "patch-property-rules", PRP | {"propertyVersion": 1, "operations": [
            {"op": "replace", "path": "/behaviors/caching/options/ttl", "value": "2d"}]})
        assert "Version is not editable" in text and "create a new version" in text


async def test_hostnames_are_added_and_removed_without_resending_the_list(server: AlecsServer,
                                                                          sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        sandbox.server.request_log.clear()
        added = await client.call_tool("add-property-hostnames", PRP | {
            "propertyVersion": version, "hostnames": ["static.example.com", "api.example.com"],
            "edgeHostname": "www.example.com.edgekey.net"})
        assert not added.is_error, added.content[0].text
        patch = _sent(sandbox, "PATCH", "/hostnames")
        assert len(patch) == 1 and [h["cnameFrom"] for h in json.loads(patch[0].body)["add"]] == [
            "static.example.com", "api.example.com"]
        assert_requests_match(sandbox, "papi/v1")
        text = added.content[0].text
        # api.example.com is not on the edge hostname's certificate (static.example.com is a SAN of it).
        assert "api.example.com: not covered by the certificate of www.example.com.edgekey.net on production" in text
        assert "static.example.com: not covered" not in text
        names = [h["cnameFrom"] for h in added.structured_content["hostnames"]]
        assert names == ["www.example.com", "static.example.com", "api.example.com"]

        removed = await ok(client, "remove-property-hostnames", PRP | {
            "propertyVersion": version, "hostnames": ["api.example.com", "nope.example.com"]})
        assert removed["removed"] == ["api.example.com"]
        assert any("nope.example.com" in w for w in removed["warnings"])
        assert [h["cnameFrom"] for h in removed["hostnames"]] == ["www.example.com", "static.example.com"]
        none = await error_text(client, "remove-property-hostnames", PRP | {"propertyVersion": version,
                                                                            "hostnames": ["nope.example.com"]})
        assert "its hostnames are: www.example.com, static.example.com" in none


async def test_the_hostname_tools_warn_of_a_hostname_its_certificate_does_not_cover(server: AlecsServer) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        put = await client.call_tool("update-property-hostnames", PRP | {"propertyVersion": version, "hostnames": [
            {"cnameType": "EDGE_HOSTNAME", "cnameFrom": n, "edgeHostnameId": "ehn_200001"}
            for n in ("www.example.com", "shop.example.com")]})
        assert "shop.example.com: not covered by the certificate" in put.content[0].text
        listed = await client.call_tool("get-property-hostnames", PRP | {"propertyVersion": version})
        assert listed.structured_content["warnings"][0].startswith("shop.example.com: not covered")
        assert listed.content[0].text.index("warnings:") < listed.content[0].text.index("of 2 hostnames")
        clean = await ok(client, "get-property-hostnames", PRP | {"propertyVersion": 1})
        assert "warnings" not in clean


async def test_rolling_back_activates_the_version_that_was_live_before(server: AlecsServer) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        await ok(client, "activate-property", PRP | {"propertyVersion": version, "network": "STAGING",
                                                     "notifyEmails": EMAILS, "wait": True, "timeoutSeconds": 60})
        back = await client.call_tool("rollback-property", PRP | {"network": "STAGING", "notifyEmails": EMAILS,
                                                                  "wait": True, "timeoutSeconds": 60})
        assert not back.is_error, back.content[0].text
        data = back.structured_content
        assert (data["rolledBackFrom"], data["propertyVersion"], data["status"]) == (version, 1, "ACTIVE")
        assert "rolledBackFrom: 2" in back.content[0].text and data["activationId"].startswith("atv_")
        prop = await ok(client, "get-property", PRP)
        assert (prop["stagingVersion"], prop["productionVersion"]) == (1, 1)
        # Production has only ever served version 1: there is nothing earlier.
        only = await error_text(client, "rollback-property", PRP | {"network": "PRODUCTION", "notifyEmails": EMAILS})
        assert "the only one ever active on PRODUCTION" in only


def test_the_rollback_target_is_the_latest_earlier_version_that_went_live() -> None:
    history = [
        {"activationId": "atv_4", "propertyVersion": 4, "network": "PRODUCTION", "status": "ACTIVE",
         "submitDate": "2026-01-04T00:00:00Z", "fallbackInfo": {"canFastFallback": True, "fallbackVersion": 2}},
        {"activationId": "atv_3", "propertyVersion": 3, "network": "PRODUCTION", "status": "FAILED",
         "submitDate": "2026-01-03T00:00:00Z"},
        {"activationId": "atv_2", "propertyVersion": 2, "network": "PRODUCTION", "status": "INACTIVE",
         "submitDate": "2026-01-02T00:00:00Z"},
        {"activationId": "atv_9", "propertyVersion": 9, "network": "STAGING", "status": "ACTIVE",
         "submitDate": "2026-01-05T00:00:00Z"},
    ]
    current, earlier = rollback_target(history, "PRODUCTION")
    assert (current["propertyVersion"], earlier["propertyVersion"]) == (4, 2)  # v3 never went live


def test_fast_fallback_is_used_only_while_akamai_offers_it_for_that_version() -> None:
    soon = time.time() + 600
    offer = {"fallbackInfo": {"canFastFallback": True, "fastFallbackAttempted": False, "fallbackVersion": 2,
                              "fastFallbackExpirationTime": soon}}
    assert fast_fallback_possible(offer, 2)
    assert not fast_fallback_possible(offer, 3)
    assert not fast_fallback_possible({"fallbackInfo": offer["fallbackInfo"] | {"fastFallbackExpirationTime": 1}}, 2)
    assert not fast_fallback_possible({"fallbackInfo": offer["fallbackInfo"] | {"fastFallbackAttempted": True}}, 2)
    assert not fast_fallback_possible({}, 2)
