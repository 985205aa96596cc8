"""Samples for the Edge DNS (dns) and Global Traffic Management (gtm) tools (see base.py for how samples work)."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conformance.samples.base import BY_NAME, OVERRIDES, call_ok, prepares

ZONE = "example.com"
SOA = {"name": ZONE, "type": "SOA", "ttl": 86400, "rdata": ["a1-1.akam.net. hostmaster.example.com. 9 3600 600 "
                                                             "604800 300"]}
NS = {"name": ZONE, "type": "NS", "ttl": 86400, "rdata": ["a1-1.akam.net.", "a2-2.akam.net."]}

BY_NAME.update({
    "zone": ZONE,
    "domainName": "sandbox.akadns.net",
})

# -- Edge DNS ----------------------------------------------------------------------------------------------
OVERRIDES.update({
    "create-zone": {"zone": "new-zone.example", "type": "PRIMARY", "comment": "created by the conformance test"},
    "update-zone": {"comment": "updated"},
    "delete-zones": {"zones": ["example.org"], "wait": True, "timeoutSeconds": 30},
    "bulk-create-zones": {"zones": [{"zone": "bulk-one.example", "type": "PRIMARY"},
                                    {"zone": "example.com", "type": "PRIMARY"}], "wait": True, "timeoutSeconds": 30},
    "get-record-set": {"name": "www.example.com", "type": "A"},
    "create-record-set": {"name": "_acme-challenge.example.com", "type": "TXT", "ttl": 300,
                          "rdata": ['"token-123"']},
    "update-record-set": {"name": "www.example.com", "type": "A", "ttl": 600, "rdata": ["192.0.2.20"]},
    "delete-record-set": {"name": "www.example.com", "type": "AAAA"},
    "replace-record-sets": {"recordsets": [SOA, NS, {"name": "www.example.com", "type": "A", "ttl": 300,
                                                     "rdata": ["192.0.2.30"]}]},
    "create-changelist": {"overwrite": "any"},
    "add-changelist-change": {"name": "api.example.com", "type": "A", "op": "ADD", "ttl": 300,
                              "rdata": ["192.0.2.40"]},
    "submit-changelist": {"comment": "conformance"},
    "get-zone-transfer-status": {"zones": ["secondary.example.net"]},
    "get-dnssec-status": {"zones": ["example.org"]},
    "get-zone-tsig-key": {"zone": "secondary.example.net"},
    "set-zone-tsig-key": {"zone": "secondary.example.net", "name": "xfr2.example.net.", "algorithm": "hmac-sha512",
                          "secret": "Ok1qR5IW1ajVka5cHPEJQIXfLyx5V3PSkFBROAzOn21JumDq6nIpoj6H8rfj5Uo+Ok55ZWQ0"},
})


async def _changelist(client: Client) -> dict[str, Any]:
    await call_ok(client, "create-changelist", {"zone": ZONE})
    return {"zone": ZONE}


for _name in ("get-changelist", "get-changelist-diff", "delete-changelist"):
    prepares(_name)(_changelist)


@prepares("add-changelist-change")
async def _add_change(client: Client) -> dict[str, Any]:
    return await _changelist(client)


@prepares("submit-changelist")
async def _submit(client: Client) -> dict[str, Any]:
    args = await _changelist(client)
    await call_ok(client, "add-changelist-change", args | OVERRIDES["add-changelist-change"])
    return args


async def _versions(client: Client) -> list[str]:
    out = await call_ok(client, "list-zone-versions", {"zone": ZONE})
    return [v["versionId"] for v in out["items"]]


@prepares("get-zone-version")
async def _version(client: Client) -> dict[str, Any]:
    return {"zone": ZONE, "versionId": (await _versions(client))[0]}


@prepares("activate-zone-version")
async def _old_version(client: Client) -> dict[str, Any]:
    return {"zone": ZONE, "versionId": (await _versions(client))[-1]}


@prepares("diff-zone-versions")
async def _two_versions(client: Client) -> dict[str, Any]:
    versions = await _versions(client)
    return {"zone": ZONE, "from": versions[-1], "to": versions[0]}


@prepares("get-bulk-zone-request")
async def _bulk_request(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "bulk-create-zones", {"contractId": "C-0SANDBOX", "groupId": "10001",
                                                      "zones": [{"zone": "pending.example", "type": "PRIMARY"}]})
    return {"kind": "create", "requestId": out["requestId"]}


# -- Global Traffic Management -------------------------------------------------------------------------------
GTM_DOMAIN = "sandbox.akadns.net"
OVERRIDES.update({
    "get-gtm-datacenter": {"datacenterId": 3131},
    "create-gtm-datacenter": {"nickname": "Singapore", "city": "Singapore", "country": "SG", "continent": "AS",
                              "latitude": 1.35, "longitude": 103.82, "wait": True,
                              "timeoutSeconds": 30},
    "get-gtm-property": {"propertyName": "www"},
    "save-gtm-property": {"propertyName": "api", "type": "failover", "trafficTargets": [
        {"datacenterId": 3131, "enabled": True, "weight": 1, "servers": ["192.0.2.80"]},
        {"datacenterId": 3132, "enabled": True, "weight": 0, "servers": ["198.51.100.80"]}],
        "livenessTests": [{"name": "https", "testObjectProtocol": "HTTPS", "testObject": "/status",
                           "testObjectPort": 443}], "comment": "conformance"},
    "delete-gtm-property": {"propertyName": "www"},
    "get-gtm-domain-status": {"wait": True, "timeoutSeconds": 30},
    "list-gtm-maps": {"mapType": "geographic"},
    "save-gtm-map": {"mapType": "cidr", "mapName": "Branch Offices",
                     "defaultDatacenter": {"datacenterId": 5400, "nickname": "Default Datacenter"},
                     "assignments": [{"datacenterId": 3131, "nickname": "Frankfurt", "blocks": ["203.0.113.0/24"]}]},
})


@prepares("delete-gtm-datacenter")
async def _spare_datacenter(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "create-gtm-datacenter", {"domainName": GTM_DOMAIN, "nickname": "Spare"})
    return {"domainName": GTM_DOMAIN, "datacenterId": out["resource"]["datacenterId"]}
