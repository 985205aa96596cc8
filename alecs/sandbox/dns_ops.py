"""Edge DNS bulk zone requests, transfer and DNSSEC status, TSIG keys and reference data, over the zone store."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.dns_records import RECORD_TYPES, norm
from alecs.sandbox.dns_zones import BASE, DNS_CONTRACT, ZoneStore, gid
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse

TSIG_ALGORITHMS = ("HMAC-MD5.SIG-ALG.REG.INT", "hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384",
                   "hmac-sha512")


@dataclass
class BulkRequest:
    """A bulk zone create or delete job; it runs once `settings.activation_seconds` have passed."""

    id: str
    kind: str  # create or delete
    zones: list[Any]
    submitted: float
    expires: str
    contract: str = ""
    bypass: bool = False
    done: bool = False
    succeeded: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)


class DnsOps:
    """Routes for bulk zone jobs, zone status, TSIG keys and reference data."""

    def __init__(self, account: Account, store: ZoneStore) -> None:
        self.account = account
        self.store = store
        self.requests: dict[str, BulkRequest] = {}

    def routes(self, r: Router) -> None:
        for kind in ("create", "delete"):
            r.add("POST", f"{BASE}/zones/{kind}-requests", self._submit(kind))
            r.add("GET", f"{BASE}/zones/{kind}-requests/{{requestId}}", self._status(kind))
            r.add("GET", f"{BASE}/zones/{kind}-requests/{{requestId}}/result", self._result(kind))
        r.add("POST", BASE + "/zones/zone-transfer-status", self.transfer_status)
        r.add("POST", BASE + "/zones/dns-sec-status", self.dnssec_status)
        r.add("GET", BASE + "/keys", self.list_keys)
        r.add("GET", BASE + "/zones/{zone}/key", self.get_key)
        r.add("PUT", BASE + "/zones/{zone}/key", self.put_key)
        r.add("DELETE", BASE + "/zones/{zone}/key", self.delete_key)
        r.add("GET", BASE + "/data/contracts", self.contracts)
        r.add("GET", BASE + "/data/recordset-types", self.record_types)

    # -- bulk zone requests --------------------------------------------------------------------------------
    def _tick(self) -> None:
        account = self.account
        for req in self.requests.values():
            if not req.done and account.now() - req.submitted >= account.settings.activation_seconds:
                self._apply(req)
                req.done = True

    def _apply(self, req: BulkRequest) -> None:
        for item in req.zones:
            if req.kind == "create":
                try:
                    name, ztype, data = self.store.check_new_zone(item, req.contract)
                except HttpError as exc:
                    reason = "ZONE_ALREADY_EXISTS" if exc.status == 409 else "INVALID_ZONE"
                    self._fail(req, str(item.get("zone")), reason)
                    continue
                self.store.add_zone(name, ztype, data)
                req.succeeded.append(name)
            else:
                zone = self.store.zones.get(norm(item))
                if zone is None:
                    self._fail(req, str(item), "ZONE_NOT_FOUND")
                elif zone.delegated and not req.bypass:
                    self._fail(req, zone.name, "ZONE_DELEGATION_ERROR")
                else:
                    self.store.delete(zone)
                    req.succeeded.append(zone.name)

    @staticmethod
    def _fail(req: BulkRequest, zone: str, reason: str) -> None:
        req.failed.append({"zone": zone, "failureReason": reason})

    def _submit(self, kind: str) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            data = q.json
            zones = data.get("zones") if isinstance(data, dict) else None
            if not isinstance(zones, list) or not zones:
                raise HttpError(400, "Bad request", "zones must be a non-empty list.",
                                errors=[{"field": "zones", "detail": "required"}])
            req = BulkRequest(str(uuid.uuid4()), kind, zones, self.account.now(),
                              self.account.iso(time.time() + 86400),
                              bypass=q.query.get("bypassSafetyChecks") == "true")
            if kind == "create":
                gid(q)
                req.contract = q.query.get("contractId") or ""
                if req.contract != DNS_CONTRACT:
                    raise HttpError(403, "Forbidden", f"Contract {req.contract} is not available to this client.")
                if not all(isinstance(z, dict) for z in zones):
                    raise HttpError(400, "Bad request", "Each zone is an object {zone, type, ...}.")
            elif not all(isinstance(z, str) for z in zones):
                raise HttpError(400, "Bad request", "zones is a list of zone names.")
            self.requests[req.id] = req
            return SimResponse(201, {"requestId": req.id, "expirationDate": req.expires},
                               {"Location": f"{BASE}/zones/{kind}-requests/{req.id}"})
        return handle

    def _request(self, kind: str, rid: str) -> BulkRequest:
        self._tick()
        req = self.requests.get(rid)
        if req is None or req.kind != kind:
            raise HttpError(404, "Not found", f"No zone {kind} request {rid}.")
        return req

    def _status(self, kind: str) -> Any:
        def handle(q: SimRequest) -> dict[str, Any]:
            req = self._request(kind, q.params["requestId"])
            return {"requestId": req.id, "zonesSubmitted": len(req.zones), "successCount": len(req.succeeded),
                    "failureCount": len(req.failed), "isComplete": req.done, "expirationDate": req.expires}
        return handle

    def _result(self, kind: str) -> Any:
        def handle(q: SimRequest) -> dict[str, Any]:
            req = self._request(kind, q.params["requestId"])
            if not req.done:
                raise HttpError(400, "Request not complete", f"Zone {kind} request {req.id} is still running; "
                                "poll its status until isComplete.")
            key = "successfullyCreatedZones" if kind == "create" else "successfullyDeletedZones"
            return {"requestId": req.id, key: req.succeeded, "failedZones": req.failed}
        return handle

    # -- status ------------------------------------------------------------------------------------------------
    def _zones(self, q: SimRequest, ztype: str | None = None) -> list[Any]:
        data = q.json
        names = data.get("zones") if isinstance(data, dict) else None
        if not isinstance(names, list) or not names:
            raise HttpError(400, "Bad request", "zones must be a non-empty list of zone names.")
        zones = [self.store.zone(n) for n in names]
        wrong = [z.name for z in zones if ztype and z.type != ztype]
        if wrong:
            raise HttpError(400, "Bad request", f"Not {ztype} zones: {', '.join(wrong)}.")
        return zones

    def transfer_status(self, q: SimRequest) -> dict[str, Any]:
        out = []
        for zone in self._zones(q, "SECONDARY"):
            serial, when = 2024060101, zone.current.modified
            masters = [{"masterIP": ip, "zoneTransferAgents": [{"agentIP": "198.51.100.7", "actions": [
                {"actionType": "SOA", "lastSuccessTimestamp": when, "lastSuccessSerial": serial},
                {"actionType": "XFR", "lastSuccessTimestamp": when, "lastSuccessSerial": serial}]}]}
                for ip in zone.settings.get("masters", [])]
            out.append({"zone": zone.name, "metadata": {"lastSuccessSerial": serial, "lastSuccessTimestamp": when},
                        "masters": masters})
        return {"zones": out}

    def dnssec_status(self, q: SimRequest) -> dict[str, Any]:
        out = []
        for zone in self._zones(q):
            if not zone.settings.get("signAndServe"):
                raise HttpError(400, "Bad request", f"{zone.name} is not signed (signAndServe is off).")
            out.append({"zone": zone.name, "alerts": [], "currentRecords": {
                "dnskeyRecord": f"{zone.name}. 7200 IN DNSKEY 257 3 13 (mdsswUyr3DPW132mOi8V9xESWE8jTo0d)",
                "dsRecord": f"{zone.name}. 86400 IN DS 47539 13 2 (3f7c1a1e5b7d)", "expectedTtl": 3600,
                "lastModifiedDate": zone.current.modified}})
        return {"dnsSecStatuses": out}

    # -- TSIG keys ---------------------------------------------------------------------------------------------
    def list_keys(self, q: SimRequest) -> dict[str, Any]:
        keys: dict[str, dict[str, Any]] = {}
        for zone in self.store.zones.values():
            key = zone.settings.get("tsigKey")
            if key:
                entry = keys.setdefault(key["name"], dict(key) | {"zonesCount": 0})
                entry["zonesCount"] += 1
        items = [k for k in keys.values() if q.query.get("search", "").lower() in k["name"]]
        return {"metadata": {"totalElements": len(items)}, "keys": items}

    def get_key(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        key = zone.settings.get("tsigKey")
        if not key:
            raise HttpError(404, "Not found", f"Zone {zone.name} has no TSIG key.")
        count = sum(1 for z in self.store.zones.values()
                    if (z.settings.get("tsigKey") or {}).get("name") == key["name"])
        return dict(key) | {"zonesCount": count}

    def put_key(self, q: SimRequest) -> SimResponse:
        zone = self.store.zone(q.params["zone"])
        data = q.json
        if not isinstance(data, dict) or not all(data.get(k) for k in ("name", "algorithm", "secret")):
            raise HttpError(400, "Bad request", "A TSIG key needs name, algorithm and secret.")
        if data["algorithm"] not in TSIG_ALGORITHMS:
            raise HttpError(400, "Bad request", f"Unknown TSIG algorithm {data['algorithm']}.",
                            errors=[{"field": "algorithm", "detail": "unsupported"}])
        zone.settings["tsigKey"] = {k: data[k] for k in ("name", "algorithm", "secret")}
        self.store.new_version(zone)
        return SimResponse(204)

    def delete_key(self, q: SimRequest) -> SimResponse:
        zone = self.store.zone(q.params["zone"])
        if not zone.settings.pop("tsigKey", None):
            raise HttpError(404, "Not found", f"Zone {zone.name} has no TSIG key.")
        self.store.new_version(zone)
        return SimResponse(204)

    # -- reference data ----------------------------------------------------------------------------------------
    def contracts(self, q: SimRequest) -> dict[str, Any]:
        gid(q)
        count = sum(1 for z in self.store.zones.values() if z.contract == DNS_CONTRACT)
        return {"contracts": [{"contractId": DNS_CONTRACT, "contractName": "Sandbox Inc",
                               "contractTypeName": "DIRECT_CUSTOMER", "zoneCount": count, "maximumZones": 1000,
                               "features": ["PRIMARY_ZONES", "SECONDARY_ZONES", "ALIAS_ZONES", "DNSSEC"],
                               "permissions": ["READ", "WRITE", "ADD"]}]}

    def record_types(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.query.get("zone") or "")
        return {"types": [t for t in RECORD_TYPES if zone.type == "PRIMARY" or t not in ("SOA",)]}
