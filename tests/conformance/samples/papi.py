"""Samples for Property Manager tools."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conformance.samples.base import BY_NAME, OVERRIDES, call_ok, prepares

BY_NAME.update({
    "contractId": "ctr_C-0SANDBOX",
    "groupId": "grp_10001",
    "propertyId": "prp_100001",
    "propertyVersion": 1,
    "includeId": "inc_400001",
    "includeVersion": 1,
    "productId": "prd_SPM",
    "ruleFormat": "latest",
    "cpcodeId": "cpc_300001",
    "edgeHostnameId": "ehn_200001",
    "network": "STAGING",
    "notifyEmails": ["noc@example.com"],
})

# -- Property Manager ------------------------------------------------------------------------------------
OVERRIDES.update({
    "create-property": {"propertyName": "new.example.com"},
    "create-property-version": {"createFromVersion": 1},
    "diff-property-versions": {"fromVersion": 1, "toVersion": 1},
    "update-property-hostnames": {"hostnames": [{"cnameType": "EDGE_HOSTNAME", "cnameFrom": "www.example.com",
                                                  "edgeHostnameId": "ehn_200001"}]},
    "search-properties": {"hostname": "www.example.com"},
    "create-cpcode": {"cpcodeName": "static.example.com"},
    "create-edge-hostname": {"domainPrefix": "shop.example.com", "domainSuffix": "edgekey.net",
                             "ipVersionBehavior": "IPV6_COMPLIANCE", "secureNetwork": "ENHANCED_TLS",
                             "certEnrollmentId": 12345},
    "bulk-search-properties": {"bulkSearchQuery": {"syntax": "JSONPATH",
                                                   "match": "$..behaviors[?(@.name == 'origin')]"}},
    "bulk-activate-properties": {"activatePropertyVersions": [
        {"propertyId": "prp_100001", "propertyVersion": 1, "network": "STAGING", "note": "bulk"}],
        "defaultActivationSettings": {"notifyEmails": ["noc@example.com"], "acknowledgeAllWarnings": True}},
})


async def _new_version(client: Client) -> dict[str, Any]:
    await call_ok(client, "create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
    return {"propertyId": "prp_100001", "propertyVersion": 2}


@prepares("update-property-rules")
async def _rules(client: Client) -> dict[str, Any]:
    args = await _new_version(client)
    rules = await call_ok(client, "get-property-rules", args)
    return args | {"etag": rules["etag"], "rules": {"rules": rules["rules"]}}


@prepares("update-property-hostnames")
async def _hostnames(client: Client) -> dict[str, Any]:
    return await _new_version(client) | OVERRIDES["update-property-hostnames"]


@prepares("activate-property")
async def _inactive_version(client: Client) -> dict[str, Any]:
    return await _new_version(client)  # version 1 is active: activating it again is PAPI's 422


@prepares("cancel-property-activation")
async def _pending(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "activate-property", await _new_version(client) | {
        "network": "STAGING", "notifyEmails": ["noc@example.com"]})
    return {"propertyId": "prp_100001", "activationId": out["activationId"]}


@prepares("get-property-activation")
async def _activation(client: Client) -> dict[str, Any]:
    return await _pending(client)


@prepares("delete-property")
async def _deletable(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "create-property", {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001",
                                                    "propertyName": "gone.example.com", "productId": "prd_SPM"})
    return {"propertyId": out["propertyId"]}


@prepares("get-bulk-activation")
async def _bulk(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "bulk-activate-properties", OVERRIDES["bulk-activate-properties"])
    return {"bulkActivationId": out["bulkActivationId"]}


# -- Property Manager workflows (flows over several requests) ---------------------------------------------
OVERRIDES.update({
    "remove-property-hostnames": {"hostnames": ["www.example.com"]},
})


@prepares("patch-property-rules")
async def _patchable(client: Client) -> dict[str, Any]:
    return await _new_version(client)


@prepares("add-property-hostnames")
async def _hostnames_to_add(client: Client) -> dict[str, Any]:
    return await _new_version(client)


@prepares("remove-property-hostnames")
async def _hostnames_to_remove(client: Client) -> dict[str, Any]:
    return await _new_version(client)


@prepares("rollback-property")
async def _two_versions_were_live(client: Client) -> dict[str, Any]:
    args = await _new_version(client)
    await call_ok(client, "activate-property", args | {"network": "STAGING", "notifyEmails": ["noc@example.com"],
                                                       "wait": True, "timeoutSeconds": 60})
    return {"propertyId": args["propertyId"], "network": "STAGING"}
