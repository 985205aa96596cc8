"""Samples for the Certificates (CPS), Network lists and SIEM tools (see base.py for how samples work)."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conformance.samples.base import BY_NAME, OVERRIDES, call_ok, prepares

CONTACT = {"firstName": "Ada", "lastName": "Admin", "email": "admin@example.com", "phone": "617-555-0111",
           "organizationName": "Example Inc", "addressLineOne": "150 Broadway", "city": "Cambridge",
           "region": "MA", "postalCode": "02142", "country": "US", "title": "Administrator"}
ORG = {"name": "Example Inc", "addressLineOne": "150 Broadway", "city": "Cambridge", "region": "MA",
       "postalCode": "02142", "country": "US", "phone": "617-555-0111"}


def new_enrollment(cn: str, sans: list[str]) -> dict[str, Any]:
    return {"contractId": "ctr_C-0SANDBOX", "csr": {"cn": cn, "sans": sans, "c": "US", "st": "MA", "l": "Cambridge",
                                                    "o": "Example Inc"},
            "adminContact": CONTACT, "techContact": CONTACT | {"email": "tech@akamai.com"}, "org": ORG}


BY_NAME.update({
    "enrollmentId": 10001,  # seeded, deployed on both networks
    "networkListId": "1024_BLOCKEDIPS",  # seeded, active on both networks
    "configId": "14227",  # seeded SIEM configuration with events
})

PENDING_CHANGE = {"enrollmentId": 10002, "changeId": 20002}  # seeded change waiting for DV challenges

# -- Certificates (CPS) ----------------------------------------------------------------------------------
OVERRIDES.update({
    "create-enrollment": new_enrollment("shop.example.com", ["shop.example.com", "img.example.com"]),
    "update-enrollment": {"changes": {"techContact": {"email": "noc@akamai.com"}}},
    "get-enrollment-change": PENDING_CHANGE,
    "cancel-enrollment-change": PENDING_CHANGE,
    "get-dv-challenges": PENDING_CHANGE,
    "acknowledge-enrollment-change": PENDING_CHANGE | {"inputType": "lets-encrypt-challenges-completed"},
    "get-enrollment-deployment": {"network": "production"},
})


@prepares("get-enrollment-change-info")
async def _warned(client: Client) -> dict[str, Any]:
    # A SAN outside the common name's domain makes CPS stop at pre-verification warnings.
    out = await call_ok(client, "create-enrollment", new_enrollment("blog.example.com", ["blog.example.org"]))
    return {"enrollmentId": out["enrollmentId"], "changeId": out["changeId"],
            "inputType": "pre-verification-warnings"}


# -- Network lists -------------------------------------------------------------------------------------
OVERRIDES.update({
    "list-network-lists": {"listType": "IP", "includeElements": True},
    "create-network-list": {"name": "Partner offices", "type": "IP", "list": ["203.0.113.0/24"],
                            "description": "Offices allowed past the WAF"},
    "update-network-list-details": {"name": "Blocked addresses", "description": "Blocked by the WAF"},
    "append-network-list-elements": {"list": ["203.0.113.50", "2001:db8::/32"]},
    "remove-network-list-element": {"element": "198.51.100.7"},
    "activate-network-list": {"network": "STAGING", "comments": "sample", "notifyEmails":
                              ["noc@example.com"]},
    "get-network-list-activation-status": {"network": "PRODUCTION"},
    "get-network-list-activation": {"activationId": 130001},
    "get-network-list-snapshot": {"syncPoint": 3},
    "subscribe-network-list-notifications": {"recipients": ["noc@example.com"], "uniqueIds": ["1024_BLOCKEDIPS"]},
    "unsubscribe-network-list-notifications": {"recipients": ["noc@example.com"],
                                               "uniqueIds": ["1024_BLOCKEDIPS"]},
})


@prepares("update-network-list")
async def _current(client: Client) -> dict[str, Any]:
    got = await call_ok(client, "get-network-list", {"networkListId": "1024_BLOCKEDIPS"})
    return {"networkListId": got["uniqueId"], "name": got["name"], "type": got["type"],
            "list": got["list"] + ["192.0.2.99"], "syncPoint": got["syncPoint"]}


@prepares("delete-network-list")
async def _unused(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "create-network-list", {"name": "Short lived", "type": "GEO", "list": ["FR"]})
    return {"networkListId": out["uniqueId"]}


# -- SIEM ----------------------------------------------------------------------------------------------
OVERRIDES.update({
    "get-security-events": {"configId": "14227;14228", "limit": 100},
})
