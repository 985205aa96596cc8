"""Seed data for the simulated Application Security account (ids are documented in alecs/sandbox/appsec.py)."""

from __future__ import annotations

from typing import Any

CONFIG_ID = 43253
OTHER_CONFIG_ID = 43254
POLICY_ID = "WWW1_12345"
API_POLICY_ID = "API1_67890"
TARGET_ID = 2050001
RATE_POLICY_ID = 300101
RATE_POLICY_2_ID = 300102
REPUTATION_PROFILE_ID = 400201
CUSTOM_RULE_ID = 500301
CUSTOM_RULE_2_ID = 500302
ATTACK_GROUPS = ("TOOL", "PROTOCOL", "SQL", "XSS", "LFI", "RFI", "CMDI", "PLATFORM")
# The seeded network lists (netlists.py) the IP/Geo firewall of every seeded policy uses.
BLOCKED_IPS_LIST, EMBARGOED_GEOS_LIST, OFFICE_IPS_LIST = "1024_BLOCKEDIPS", "1025_EMBARGOEDGEOS", "1026_OFFICEIPS"
SELECTABLE = ("www.example.com", "api.example.com", "shop.example.com", "static.example.com", "m.example.com")


def controls(**overrides: bool) -> dict[str, bool]:
    base = {"applyApplicationLayerControls": True, "applyNetworkLayerControls": True, "applyRateControls": True,
            "applyReputationControls": True, "applyBotmanControls": False, "applyApiConstraints": False,
            "applySlowPostControls": True, "applyMalwareControls": False}
    return base | overrides


def policy(policy_id: str, name: str, rate_ids: tuple[int, ...] = (),
           custom_ids: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "policyId": policy_id, "policyName": name, "controls": controls(),
        "mode": "ASE_AUTO", "current": "ASE (Auto) (Feb 1, 2025)", "eval": None,
        "attackGroups": {g: ("alert" if g in ("PLATFORM", "PROTOCOL") else "deny") for g in ATTACK_GROUPS},
        "ratePolicyActions": {i: {"id": i, "ipv4Action": "alert", "ipv6Action": "alert"} for i in rate_ids},
        "customRuleActions": {i: "deny" for i in custom_ids},
        "reputationActions": {REPUTATION_PROFILE_ID: "alert"},
        "ipGeo": {"block": "blockSpecificIPGeo",
                  "geoControls": {"blockedIPNetworkLists": {"networkList": [EMBARGOED_GEOS_LIST]}},
                  "ipControls": {"allowedIPNetworkLists": {"networkList": [OFFICE_IPS_LIST]},
                                 "blockedIPNetworkLists": {"networkList": [BLOCKED_IPS_LIST]}}},
        "penaltyBox": {"action": "alert", "penaltyBoxProtection": True},
    }


def rate_policy(rid: int, name: str, average: int, burst: int, path_values: list[str]) -> dict[str, Any]:
    return {
        "id": rid, "name": name, "type": "WAF", "description": f"{name} (seeded)", "matchType": "path",
        "averageThreshold": average, "burstThreshold": burst, "burstWindow": 5, "clientIdentifier": "ip",
        "counterType": "per_edge", "requestType": "ClientRequest", "sameActionOnIpv6": True,
        "pathMatchType": "Custom", "pathUriPositiveMatch": True, "useXForwardForHeaders": False,
        "path": {"positiveMatch": True, "values": path_values},
        "additionalMatchOptions": [{"positiveMatch": True, "type": "RequestMethodCondition", "values": ["GET"]}],
        "createDate": "2025-01-15T10:00:00Z", "updateDate": "2025-01-15T10:00:00Z", "used": True,
    }


def version_data() -> dict[str, Any]:
    return {
        "selectedHosts": ["www.example.com", "api.example.com"],
        "policies": {
            POLICY_ID: policy(POLICY_ID, "www.example.com", (RATE_POLICY_ID, RATE_POLICY_2_ID), (CUSTOM_RULE_ID,)),
            API_POLICY_ID: policy(API_POLICY_ID, "api.example.com", (RATE_POLICY_ID,)),
        },
        "matchTargets": {
            TARGET_ID: {"type": "website", "targetId": TARGET_ID, "sequence": 1, "hostnames": ["www.example.com"],
                        "filePaths": ["/*"], "fileExtensions": [], "defaultFile": "NO_MATCH",
                        "isNegativeFileExtensionMatch": False, "isNegativePathMatch": False,
                        "securityPolicy": {"policyId": POLICY_ID}},
            TARGET_ID + 1: {"type": "website", "targetId": TARGET_ID + 1, "sequence": 2,
                            "hostnames": ["api.example.com"], "filePaths": ["/*"], "defaultFile": "NO_MATCH",
                            "isNegativeFileExtensionMatch": False, "isNegativePathMatch": False,
                            "securityPolicy": {"policyId": API_POLICY_ID}},
        },
        "ratePolicies": {
            RATE_POLICY_ID: rate_policy(RATE_POLICY_ID, "Page View Requests", 50, 100, ["/*"]),
            RATE_POLICY_2_ID: rate_policy(RATE_POLICY_2_ID, "Login Requests", 5, 10, ["/login", "/account/login"]),
        },
        "reputationProfiles": {
            REPUTATION_PROFILE_ID: {"id": REPUTATION_PROFILE_ID, "name": "Web Attackers (High Threat)",
                                    "context": "WEBATCK", "contextReadable": "Web Attackers", "threshold": 9,
                                    "sharedIpHandling": "NON_SHARED", "enabled": True},
            REPUTATION_PROFILE_ID + 1: {"id": REPUTATION_PROFILE_ID + 1, "name": "DoS Attackers (High Threat)",
                                        "context": "DOSATCK", "contextReadable": "DoS Attackers", "threshold": 9,
                                        "sharedIpHandling": "NON_SHARED", "enabled": True},
        },
    }


def custom_rules() -> dict[int, dict[str, Any]]:
    return {
        CUSTOM_RULE_ID: {"id": CUSTOM_RULE_ID, "name": "Block HTTP/1.0 clients", "version": 1,
                         "description": "Legacy protocol versions are only used by scanners here.",
                         "operation": "AND", "structured": True, "stagingOnly": False, "tag": ["legacy"],
                         "conditions": [{"type": "requestProtocolVersionMatch", "positiveMatch": True,
                                         "value": "HTTP/1.0"}]},
        CUSTOM_RULE_2_ID: {"id": CUSTOM_RULE_2_ID, "name": "Admin path from outside", "version": 1,
                           "operation": "AND", "structured": True, "stagingOnly": False,
                           "conditions": [{"type": "pathMatch", "positiveMatch": True, "value": ["/admin/*"]}]},
    }
