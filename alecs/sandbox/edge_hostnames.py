"""Edge Hostnames API (HAPI v1) as the sandbox simulates it, after Akamai's HAPI documentation.

Seeded: edge hostnames 200001 www.example.com.edgekey.net (ENHANCED-TLS, used by the active property
prp_100001, so it cannot be deleted) and 200002 static.example.com.edgesuite.net (STANDARD-TLS, unused).
PATCH and DELETE answer 202 with a change request that stays PENDING for `activation_seconds`, then SUCCEEDED
(and the change is applied).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.papi_store import PropertyStore

BASE = "/hapi/v1"
IP_VERSIONS = ("IPV4", "IPV6_COMPLIANCE", "IPV6_PERFORMANCE")
USER, EMAIL = "sandbox-user", "sandbox-user@example.com"


def _error(status: int, title: str, detail: str) -> HttpError:
    return HttpError(status, title, detail, type_=f"https://problems.luna.akamaiapis.net/hapi/v1/{status}")


class EdgeHostnamesSim:
    """Edge hostnames and their change requests; whether one is in use is the property store's answer."""

    def __init__(self, account: Account, properties: PropertyStore) -> None:
        self.account = account
        self.properties = properties
        self.hostnames: dict[int, dict[str, Any]] = {}
        self.changes: dict[int, dict[str, Any]] = {}
        self._ready: dict[int, float] = {}
        self._add(200001, "www.example.com", "edgekey.net", "ENHANCED-TLS", "e1234.a.akamaiedge.net", 1234)
        self._add(200002, "static.example.com", "edgesuite.net", "STANDARD-TLS", "a1.w10.akamai.net", None)

    def _add(self, number: int, record: str, zone: str, security: str, target: str, slot: int | None) -> None:
        self.hostnames[number] = {
            "edgeHostnameId": number, "recordName": record, "dnsZone": zone, "securityType": security,
            "useDefaultTtl": True, "useDefaultMap": True, "ttl": 21600, "map": target, "slotNumber": slot,
            "ipVersionBehavior": "IPV6_COMPLIANCE", "comments": "Created by Property Manager",
            "chinaCdn": {"isChinaCdn": False}, "isEdgeIPBindingEnabled": False, "productId": "SPM",
            "serialNumber": 1234 + number % 1000,
        }

    # -- state -------------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.account.now()
        for number, ready in list(self._ready.items()):
            if now < ready:
                continue
            change = self.changes[number]
            target = change["edgeHostnames"][0]
            hostname = self.hostnames.get(target["edgeHostnameId"])
            if hostname is not None:
                if change["action"] == "DELETE":
                    del self.hostnames[target["edgeHostnameId"]]
                else:
                    for op in change["_ops"]:
                        key = op["path"].lstrip("/")
                        hostname[key] = int(op["value"]) if key == "ttl" else op["value"]
                        if key == "ttl":
                            hostname["useDefaultTtl"] = False
            change["status"] = "SUCCEEDED"
            change["statusMessage"] = "File successfully deployed to Akamai's network"
            change["statusUpdateDate"] = self.account.iso()
            del self._ready[number]

    def _find(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        zone, record = q.params["dnsZone"], q.params["recordName"]
        found = next((h for h in self.hostnames.values() if h["dnsZone"] == zone and h["recordName"] == record),
                     None)
        if found is None:
            raise _error(404, "Edge hostname not found", f"No edge hostname {record}.{zone} in this account.")
        return found

    def _change(self, q: SimRequest, hostname: dict[str, Any], action: str,
                ops: list[dict[str, Any]]) -> SimResponse:
        if any(c["status"] == "PENDING" and c["edgeHostnames"][0]["edgeHostnameId"] == hostname["edgeHostnameId"]
               for c in self.changes.values()):
            raise _error(409, "Change already pending",
                         f"{hostname['recordName']}.{hostname['dnsZone']} has a pending change request.")
        number = 52000 + self.account.next_id()
        now = self.account.iso()
        self.changes[number] = {
            "action": action, "changeId": number, "comments": q.query.get("comments", ""), "status": "PENDING",
            "statusMessage": "Change request submitted", "statusUpdateDate": now,
            "statusUpdateEmail": q.query.get("statusUpdateEmail", ""), "submitDate": now, "submitter": USER,
            "submitterEmail": EMAIL, "edgeHostnames": [copy.deepcopy(hostname)], "_ops": ops,
        }
        self._ready[number] = self.account.now() + self.account.settings.activation_seconds
        return SimResponse(202, self._view(self.changes[number]))

    @staticmethod
    def _view(change: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in change.items() if not k.startswith("_")}

    # -- routes ------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        hostname = f"{BASE}/dns-zones/{{dnsZone}}/edge-hostnames/{{recordName}}"
        r.add("GET", f"{BASE}/edge-hostnames", self._list)
        r.add("GET", f"{BASE}/edge-hostnames/{{edgeHostnameId}}", self._by_id)
        r.add("GET", hostname, lambda q: self._find(q))
        r.add("PATCH", hostname, self._patch)
        r.add("DELETE", hostname, self._delete)
        r.add("GET", f"{BASE}/change-requests", self._list_changes)
        r.add("GET", f"{BASE}/change-requests/{{changeId}}", self._get_change)

    def _list(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        items = list(self.hostnames.values())
        if q.query.get("recordNameSubstring"):
            items = [h for h in items if q.query["recordNameSubstring"].lower() in h["recordName"].lower()]
        if q.query.get("dnsZone"):
            items = [h for h in items if h["dnsZone"] == q.query["dnsZone"]]
        return {"edgeHostnames": items}

    def _by_id(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        raw = q.params["edgeHostnameId"].removeprefix("ehn_")
        found = self.hostnames.get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise _error(404, "Edge hostname not found", f"No edge hostname with id {q.params['edgeHostnameId']}.")
        return found

    def _patch(self, q: SimRequest) -> SimResponse:
        hostname = self._find(q)
        if (q.header("Content-Type") or "").split(";")[0].strip() != "application/json-patch+json":
            raise _error(415, "Unsupported Media Type", "Send the changes as application/json-patch+json.")
        try:
            ops = json.loads(q.body or b"null")
        except ValueError:
            raise _error(400, "Bad request", "The request body is not valid JSON.") from None
        if not isinstance(ops, list) or not ops:
            raise _error(400, "Invalid JSON Patch", "The body must be a non-empty JSON Patch array.")
        for op in ops:
            if not isinstance(op, dict) or op.get("op") != "replace":
                raise _error(400, "Invalid JSON Patch", "Only the replace operation is supported.")
            if op.get("path") == "/ttl":
                value = str(op.get("value", ""))
                if not value.isdigit() or not 60 <= int(value) <= 86400:
                    raise _error(400, "Invalid TTL", f"TTL {value!r} must be a number of seconds from 60 to 86400.")
            elif op.get("path") == "/ipVersionBehavior":
                if op.get("value") not in IP_VERSIONS:
                    raise _error(400, "Invalid IP version behavior",
                                 f"ipVersionBehavior must be one of {', '.join(IP_VERSIONS)}.")
            else:
                raise _error(400, "Invalid JSON Patch",
                             f"Path {op.get('path')!r} cannot be changed; use /ttl or /ipVersionBehavior.")
        return self._change(q, hostname, "EDIT", ops)

    def _delete(self, q: SimRequest) -> SimResponse:
        hostname = self._find(q)
        if self.properties.edge_hostname_in_use(str(hostname["edgeHostnameId"])):
            raise _error(400, "Edge hostname in use", f"{hostname['recordName']}.{hostname['dnsZone']} is used by "
                         "an active property; remove it from the property and activate first.")
        return self._change(q, hostname, "DELETE", [])

    def _list_changes(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        items = [self._view(c) for c in self.changes.values()]
        if q.query.get("status"):
            items = [c for c in items if c["status"] == q.query["status"]]
        return {"changeRequests": items}

    def _get_change(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        raw = q.params["changeId"]
        change = self.changes.get(int(raw)) if raw.isdigit() else None
        if change is None:
            raise _error(404, "Change request not found", f"No change request {raw}.")
        return self._view(change)
