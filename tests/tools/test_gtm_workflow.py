"""GTM through the SDK client against the simulator: datacenter and property changes that propagate."""

from __future__ import annotations

from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

DOMAIN = "sandbox.akadns.net"


async def test_a_new_datacenter_and_property_propagate_to_complete(server: AlecsServer) -> None:
    async with connect(server) as client:
        domains = await ok(client, "list-gtm-domains", {})
        assert [d["name"] for d in domains["items"]] == [DOMAIN]

        created = await ok(client, "create-gtm-datacenter", {
            "domainName": DOMAIN, "nickname": "Singapore", "city": "Singapore", "country": "SG", "continent": "AS",
            "latitude": 1.35, "longitude": 103.82})
        dc = created["resource"]["datacenterId"]
        assert dc not in (0, 3131, 3132, 5400)
        assert created["status"]["propagationStatus"] == "PENDING" and "wait=true" in created["next"]

        saved = await ok(client, "save-gtm-property", {
            "domainName": DOMAIN, "propertyName": "shop", "type": "weighted-round-robin",
            "trafficTargets": [{"datacenterId": dc, "weight": 70, "servers": ["203.0.113.10"]},
                               {"datacenterId": 3131, "weight": 30, "servers": ["192.0.2.10"]}],
            "livenessTests": [{"name": "health", "testObjectProtocol": "HTTPS", "testObject": "/health",
                               "testObjectPort": 443}],
            "comment": "shop goes global"})
        assert saved["created"] is True and saved["status"]["propagationStatus"] == "PENDING"

        datacenter = await ok(client, "get-gtm-datacenter", {"domainName": DOMAIN, "datacenterId": dc})
        assert (datacenter["nickname"], datacenter["country"], datacenter["continent"]) == ("Singapore", "SG", "AS")
        prop = await ok(client, "get-gtm-property", {"domainName": DOMAIN, "propertyName": "shop"})
        assert prop["type"] == "weighted-round-robin"
        assert {(t["datacenterId"], t["weight"]) for t in prop["trafficTargets"]} == {(dc, 70), (3131, 30)}
        assert prop["livenessTests"][0]["testObjectProtocol"] == "HTTPS"
        listed = await ok(client, "list-gtm-properties", {"domainName": DOMAIN})
        assert {p["name"] for p in listed["items"]} == {"www", "shop"}

        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        status = await ok(client, "get-gtm-domain-status", {"domainName": DOMAIN, "wait": True, "timeoutSeconds": 30},
                          progress_callback=on_progress)
        assert status["propagationStatus"] == "COMPLETE" and status["finished"] is True
        assert progress and progress[-1][2].startswith("COMPLETE")
        domain = await ok(client, "get-gtm-domain", {"domainName": DOMAIN})
        assert dc in {d["datacenterId"] for d in domain["datacenters"]}
        assert domain["status"]["changeId"] == status["changeId"]


async def test_updating_a_property_keeps_what_was_not_given_and_can_wait(server: AlecsServer) -> None:
    async with connect(server) as client:
        before = await ok(client, "get-gtm-property", {"domainName": DOMAIN, "propertyName": "www"})
        saved = await ok(client, "save-gtm-property", {"domainName": DOMAIN, "propertyName": "www",
                                                       "dynamicTTL": 120, "wait": True, "timeoutSeconds": 30})
        assert saved["created"] is False and saved["status"]["propagationStatus"] == "COMPLETE"
        after = await ok(client, "get-gtm-property", {"domainName": DOMAIN, "propertyName": "www"})
        assert after["dynamicTTL"] == 120
        assert [t["datacenterId"] for t in after["trafficTargets"]] == [t["datacenterId"]
                                                                         for t in before["trafficTargets"]]


async def test_maps_and_resources_read_back(server: AlecsServer) -> None:
    async with connect(server) as client:
        geo = await ok(client, "list-gtm-maps", {"domainName": DOMAIN, "mapType": "geographic"})
        assert geo["items"][0]["assignments"][0]["countries"] == ["DE", "FR"]
        await ok(client, "save-gtm-map", {"domainName": DOMAIN, "mapType": "cidr", "mapName": "Branch Offices",
                                          "defaultDatacenter": {"datacenterId": 5400, "nickname": "Default"},
                                          "assignments": [{"datacenterId": 3131, "nickname": "Frankfurt",
                                                           "blocks": ["203.0.113.0/24"]}]})
        cidr = await ok(client, "list-gtm-maps", {"domainName": DOMAIN, "mapType": "cidr"})
        assert {m["name"] for m in cidr["items"]} == {"Offices", "Branch Offices"}
        resources = await ok(client, "list-gtm-resources", {"domainName": DOMAIN})
        assert resources["items"][0]["name"] == "cpu-load"


async def test_gtm_errors_reach_the_assistant_with_title_and_detail(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-gtm-property", {"domainName": DOMAIN, "propertyName": "nope"})
        assert "Akamai error 404" in text and "No property nope" in text
        text = await error_text(client, "get-gtm-domain", {"domainName": "missing.akadns.net"})
        assert "404" in text and "Domain not found" in text

        text = await error_text(client, "save-gtm-property", {
            "domainName": DOMAIN, "propertyName": "api", "type": "failover",
            "trafficTargets": [{"datacenterId": 9999, "servers": ["192.0.2.1"]}]})
        assert "Akamai error 400: Invalid property" in text and "Datacenter 9999 does not exist" in text

        text = await error_text(client, "save-gtm-map", {"domainName": DOMAIN, "mapType": "cidr", "mapName": "Bad",
                                                         "defaultDatacenter": {"datacenterId": 5400, "nickname": "D"},
                                                         "assignments": [{"datacenterId": 3131, "nickname": "F",
                                                                          "blocks": ["not-a-block"]}]})
        assert "400" in text and "'not-a-block' is not a CIDR block" in text

        text = await error_text(client, "delete-gtm-datacenter", {"domainName": DOMAIN, "datacenterId": 3131})
        assert "Akamai error 409: Datacenter in use" in text and "property www" in text

        text = await error_text(client, "save-gtm-property", {"domainName": DOMAIN, "propertyName": "fresh"})
        assert "give its type" in text


async def test_a_datacenter_can_be_deleted_only_once_nothing_uses_it(server: AlecsServer) -> None:
    async with connect(server) as client:
        gone = await ok(client, "delete-gtm-property", {"domainName": DOMAIN, "propertyName": "www"})
        assert gone["resource"] is None and gone["status"]["propagationStatus"] == "PENDING"
        text = await error_text(client, "delete-gtm-datacenter", {"domainName": DOMAIN, "datacenterId": 3132})
        assert "409" in text and "map Offices" in text and "property www" not in text
        await ok(client, "save-gtm-map", {"domainName": DOMAIN, "mapType": "cidr", "mapName": "Offices",
                                          "defaultDatacenter": {"datacenterId": 5400, "nickname": "Default"},
                                          "assignments": [{"datacenterId": 3131, "nickname": "Frankfurt",
                                                           "blocks": ["198.51.100.0/24"]}]})
        dropped = await ok(client, "delete-gtm-datacenter", {"domainName": DOMAIN, "datacenterId": 3132,
                                                             "wait": True, "timeoutSeconds": 30})
        assert dropped["status"]["propagationStatus"] == "COMPLETE"
        remaining = await ok(client, "list-gtm-datacenters", {"domainName": DOMAIN})
        assert 3132 not in {d["datacenterId"] for d in remaining["items"]}
