"""Samples for the appsec tools (see base.py for how samples work).

Ids are the sandbox's seeded ones (alecs/sandbox/appsec.py): configuration 43253, whose version 2 is editable,
policy WWW1_12345. They go in OVERRIDES rather than BY_NAME because other domains use the same argument names
(configId, policyId, versionNumber) for other kinds of ids.
"""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.tools.appsec import TOOLS
from tests.conformance.samples.base import OVERRIDES, call_ok, prepares

CONFIG, DRAFT, POLICY = 43253, 2, "WWW1_12345"
SCOPE = {"configId": CONFIG, "versionNumber": DRAFT, "policyId": POLICY}

for _spec in TOOLS:
    OVERRIDES[_spec.name] = {k: v for k, v in SCOPE.items() if _spec.param(k) is not None}

RATE_POLICY = {
    "name": "Checkout Requests", "type": "WAF", "description": "Slow down checkout scraping",
    "matchType": "path", "averageThreshold": 10, "burstThreshold": 20, "burstWindow": 5, "clientIdentifier": "ip",
    "counterType": "per_edge", "requestType": "ClientRequest", "sameActionOnIpv6": True, "pathMatchType": "Custom",
    "pathUriPositiveMatch": True, "path": {"positiveMatch": True, "values": ["/checkout/*"]},
    "additionalMatchOptions": [{"positiveMatch": True, "type": "RequestMethodCondition", "values": ["POST"]}],
}
CUSTOM_RULE = {
    "name": "Deny TRACE-like legacy clients", "operation": "AND", "structured": True, "stagingOnly": True,
    "tag": ["sandbox"], "conditions": [{"type": "requestProtocolVersionMatch", "positiveMatch": True,
                                        "value": "HTTP/0.9"}],
}

_EXTRA: dict[str, dict[str, Any]] = {
    "create-appsec-config": {"name": "shop.example.com WAF", "description": "Shop protection",
                             "hostnames": ["shop.example.com"], "contractId": "C-0SANDBOX", "groupId": 10001},
    "rename-appsec-config": {"name": "www.example.com WAF (renamed)", "description": "Renamed by a test"},
    "clone-appsec-config-version": {"createFromVersion": 1},
    "diff-appsec-config-versions": {"fromVersion": 1, "toVersion": 2, "outcomes": ["MODIFIED"]},
    "update-appsec-selected-hostnames": {"hostnames": ["shop.example.com"], "mode": "append"},
    "create-security-policy": {"policyName": "Shop", "policyPrefix": "SHOP",
                               "createFromSecurityPolicy": POLICY},
    "update-security-policy-protections": {"applyRateControls": False, "applySlowPostControls": True},
    "create-match-target": {"hostnames": ["shop.example.com"], "filePaths": ["/*"], "defaultFile": "NO_MATCH"},
    "update-match-target": {"targetId": 2050001, "changes": {"filePaths": ["/app/*"]}},
    "delete-match-target": {"targetId": 2050002},
    "activate-appsec-config": {"network": "STAGING", "notifyEmails": ["secops@example.com"],
                               "note": "conformance"},
    "set-waf-mode": {"mode": "ASE_MANUAL"},
    "set-waf-evaluation": {"eval": "START", "mode": "ASE_AUTO"},
    "set-attack-group-action": {"attackGroupId": "SQL", "action": "alert"},
    "get-rate-policy": {"ratePolicyId": 300101},
    "create-rate-policy": {"ratePolicy": RATE_POLICY},
    "update-rate-policy": {"ratePolicyId": 300101, "changes": {"averageThreshold": 20}},
    "delete-rate-policy": {"ratePolicyId": 300102},
    "set-rate-policy-action": {"ratePolicyId": 300101, "ipv4Action": "deny", "ipv6Action": "deny"},
    "get-custom-rule": {"ruleId": 500301},
    "create-custom-rule": {"customRule": CUSTOM_RULE},
    "update-custom-rule": {"ruleId": 500301, "changes": {"tag": ["legacy", "reviewed"]}},
    "set-custom-rule-action": {"ruleId": 500302, "action": "alert"},
    "update-ip-geo-firewall": {"block": "blockSpecificIPGeo",
                               "geoControls": {"blockedIPNetworkLists": {"networkList": ["72138_SANCTIONEDGEOS"]}},
                               "ipControls": {"blockedIPNetworkLists": {"networkList": ["53712_BADACTORS"]}}},
    "set-reputation-profile-action": {"reputationProfileId": 400201, "action": "deny"},
    "update-penalty-box": {"penaltyBoxProtection": True, "action": "abort"},
}
for _name, _args in _EXTRA.items():
    OVERRIDES[_name] = OVERRIDES.get(_name, {}) | _args


@prepares("get-appsec-activation")
async def _activation(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "activate-appsec-config", {"configId": CONFIG, "versionNumber": DRAFT,
                                                           "network": "STAGING",
                                                           "notifyEmails": ["secops@example.com"]})
    return {"activationId": out["activationId"]}
