"""Samples for reporting, CP codes and reporting groups, IAM, Cloudlets, DataStream, edge hostnames (HAPI) and
invoicing tools (see base.py for how samples work)."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conformance.samples.base import BY_NAME, OVERRIDES, call_ok, prepares

# -- Reporting ---------------------------------------------------------------------------------------------
BY_NAME.update({
    "reportName": "hits-by-time",
    "reportVersion": 1,
})

# -- CP codes and reporting groups -------------------------------------------------------------------------
BY_NAME.update({
    "cpcode": 300001,
    "reportingGroupId": 500001,
})
OVERRIDES.update({
    "update-reporting-group": {"reportingGroupName": "All web and static traffic", "cpcodes": [300001, 300002]},
})

# -- Identity and access -----------------------------------------------------------------------------------
BY_NAME.update({
    "uiIdentityId": "A-B-1SANDBX",
    "roleId": 16,
})
OVERRIDES.update({
    "set-user-roles": {"authGrants": [{"groupId": 10001, "roleId": 3}, {"groupId": 10002, "roleId": 16}]},
    "get-api-client": {"clientId": "sandbox0client01"},
    "list-api-credentials": {"clientId": "self"},
    "create-api-credential": {"clientId": "sandbox0client01"},
    "deactivate-api-credential": {"clientId": "sandbox0client01", "credentialId": 14111},
})

# -- Cloudlets ---------------------------------------------------------------------------------------------
_POLICY = {"policyId": 1001}
OVERRIDES.update({
    "get-cloudlet-policy": _POLICY,
    "list-cloudlet-policy-versions": _POLICY,
    "get-cloudlet-policy-version": _POLICY | {"policyVersion": 1},
    "create-cloudlet-policy": {"name": "blog_redirects", "cloudletType": "ER", "groupId": 10001},
    "create-cloudlet-policy-version": _POLICY | {"description": "Blog moved", "matchRules": [
        {"type": "erMatchRule", "name": "blog", "matchURL": "/blog/*", "redirectURL": "/news/", "statusCode": 301}]},
    "activate-cloudlet-policy": _POLICY | {"policyVersion": 1, "network": "STAGING", "wait": True,
                                           "timeoutSeconds": 30},
    "get-cloudlet-policy-activation": _POLICY | {"activationId": 300001},
})

# -- DataStream --------------------------------------------------------------------------------------------
BY_NAME.update({"streamId": 7050})
OVERRIDES.update({
    "activate-stream": {"streamId": 7051, "wait": True, "timeoutSeconds": 30},
})

# -- Edge hostnames (HAPI) ---------------------------------------------------------------------------------
_EHN = {"dnsZone": "edgekey.net", "recordName": "www.example.com"}
OVERRIDES.update({
    "get-edge-hostname-details": _EHN,
    "delete-edge-hostname": {"dnsZone": "edgesuite.net", "recordName": "static.example.com",
                             "comments": "retired", "statusUpdateEmail": ["noc@example.com"]},
})


@prepares("get-edge-hostname-change")
async def _edge_hostname_change(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "update-edge-hostname", _EHN | {"ttl": 600})
    return {"changeId": out["changeId"]}

# -- Invoicing ---------------------------------------------------------------------------------------------
BY_NAME.update({"month": "2025-01"})
OVERRIDES.update({
    "get-invoice": {"contractId": "C-0SANDBOX", "invoiceId": 17000202501},
    "create-invoice-notification": {"notificationTitle": "Invoices for finance", "emails": ["finance@example.com"],
                                    "contracts": ["C-0SANDBOX"]},
})
