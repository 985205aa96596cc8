"""Property Manager through the SDK client: create, version, edit rules with etags, diff, hostnames, activate."""

from __future__ import annotations

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import assert_requests_match, error_text, ok

SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}


async def test_new_property_is_edited_diffed_and_activated(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        created = await ok(client, "create-property", SCOPE | {"propertyName": "shop.example.com",
                                                               "productId": "prd_SPM"})
        pid = created["propertyId"]
        edge = await ok(client, "create-edge-hostname", SCOPE | {
            "productId": "prd_SPM", "domainPrefix": "shop.example.com", "domainSuffix": "edgekey.net",
            "ipVersionBehavior": "IPV6_COMPLIANCE"})
        ehn = edge["edgeHostnameId"]
        await ok(client, "update-property-hostnames", {"propertyId": pid, "propertyVersion": 1, "hostnames": [
            {"cnameType": "EDGE_HOSTNAME", "cnameFrom": "shop.example.com", "edgeHostnameId": ehn}]})
        hostnames = await ok(client, "get-property-hostnames", {"propertyId": pid, "propertyVersion": 1})
        assert hostnames["items"][0]["cnameTo"] == "shop.example.com.edgekey.net"
        # no certificate covers shop.example.com: its new edge hostname names no CPS enrollment
        assert hostnames["items"][0]["certStatus"]["production"][0]["status"] == "PENDING"

        rules = await ok(client, "get-property-rules", {"propertyId": pid, "propertyVersion": 1})
        tree = rules["rules"]
        tree["behaviors"].append({"name": "http2", "options": {"enabled": ""}})
        saved = await ok(client, "update-property-rules", {"propertyId": pid, "propertyVersion": 1,
                                                           "etag": rules["etag"], "rules": {"rules": tree}})
        assert saved["etag"] != rules["etag"] and "errors" not in saved

        stale = await error_text(client, "update-property-rules", {"propertyId": pid, "propertyVersion": 1,
                                                                   "etag": rules["etag"], "rules": {"rules": tree}})
        assert "412" in stale and "Precondition failed" in stale

        bad = dict(tree, behaviors=[*tree["behaviors"], {"name": "teleport", "options": {}}])
        flagged = await client.call_tool("update-property-rules", {"propertyId": pid, "propertyVersion": 1,
                                                                   "etag": saved["etag"], "rules": {"rules": bad}})
        assert not flagged.is_error and "1 error(s)" in flagged.content[0].text
        assert flagged.structured_content["errors"][0]["title"] == "Unknown behavior"
        refused = await error_text(client, "activate-property", {"propertyId": pid, "propertyVersion": 1,
                                                                 "network": "STAGING",
                                                                 "notifyEmails": ["noc@example.com"]})
        assert "Validation errors" in refused

        current = await ok(client, "get-property-rules", {"propertyId": pid, "propertyVersion": 1})
        await ok(client, "update-property-rules", {"propertyId": pid, "propertyVersion": 1, "etag": current["etag"],
                                                   "rules": {"rules": tree}})
        await ok(client, "create-property-version", {"propertyId": pid, "createFromVersion": 1})
        v2 = await ok(client, "get-property-rules", {"propertyId": pid, "propertyVersion": 2})
        v2_tree = v2["rules"]
        v2_tree["behaviors"] = [b for b in v2_tree["behaviors"] if b["name"] != "http2"]
        await ok(client, "update-property-rules", {"propertyId": pid, "propertyVersion": 2, "etag": v2["etag"],
                                                   "rules": {"rules": v2_tree}})
        diff = await ok(client, "diff-property-versions", {"propertyId": pid, "fromVersion": 1, "toVersion": 2})
        assert [c["op"] for c in diff["items"]] == ["removed"]
        assert diff["items"][0]["old"]["name"] == "http2"

        done = await ok(client, "activate-property", {"propertyId": pid, "propertyVersion": 2, "network": "STAGING",
                                                      "notifyEmails": ["noc@example.com"], "wait": True})
        assert done["status"] == "ACTIVE"
        locked = await error_text(client, "update-property-rules", {"propertyId": pid, "propertyVersion": 2,
                                                                    "etag": "x", "rules": {"rules": v2_tree}})
        assert "not editable" in locked
        found = await ok(client, "search-properties", {"hostname": "shop.example.com"})
        assert {(v["propertyId"], v["propertyVersion"], v["stagingStatus"]) for v in found["items"]} >= {
            (pid, 2, "ACTIVE")}
    assert_requests_match(fresh_sandbox, "papi/v1")


async def test_cancelling_a_pending_activation_keeps_the_old_version_live(server: AlecsServer) -> None:
    async with connect(server) as client:
        await ok(client, "create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
        started = await ok(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": 2,
                                                         "network": "PRODUCTION", "notifyEmails": ["noc@example.com"]})
        assert started["status"] == "PENDING" and "get-property-activation" in started["next"]
        cancelled = await ok(client, "cancel-property-activation", {"propertyId": "prp_100001",
                                                                   "activationId": started["activationId"]})
        assert cancelled["activations"]["items"][0]["status"] == "ABORTED"
        prop = await ok(client, "get-property", {"propertyId": "prp_100001"})
        assert prop["productionVersion"] == 1


async def test_purges_return_an_id_and_estimate_and_bad_objects_get_akamai_s_error(server: AlecsServer,
                                                                                 fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        invalidated = await ok(client, "purge-invalidate", {"by": "url", "network": "staging",
                                                            "objects": ["https://www.example.com/app.css"]})
        assert invalidated["purgeId"] and invalidated["estimatedSeconds"] >= 1
        deleted = await ok(client, "purge-delete", {"by": "tag", "objects": ["product-42"]})
        assert deleted["httpStatus"] == 201
        before = len(fresh_sandbox.requests)
        wrong = await error_text(client, "purge-invalidate", {"by": "cpcode", "objects": ["cpc_12", "x"]})
        assert "CP codes are numbers" in wrong and len(fresh_sandbox.requests) == before
        by_code = await ok(client, "purge-invalidate", {"by": "cpcode", "objects": ["300001"]})
        assert by_code["purgeId"]
    paths = [(r.method, r.path) for r in fresh_sandbox.requests]
    assert ("POST", "/ccu/v3/invalidate/url/staging") in paths and ("POST", "/ccu/v3/delete/tag/production") in paths
    assert_requests_match(fresh_sandbox, "ccu/v3")
