"""Edge DNS (config-dns v2) as the sandbox simulates it: zones, record sets, versions, change lists.

The state (and the seeded zones) lives in dns_zones.ZoneStore; bulk zone requests, transfer and DNSSEC status,
TSIG keys and reference data are routed by dns_ops.DnsOps over the same store. Bulk create/delete requests
complete after `settings.activation_seconds`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.dns_ops import DnsOps
from alecs.sandbox.dns_records import (
    Key,
    check_conflicts,
    check_record,
    diff,
    filter_records,
    norm,
    parse_zone_file,
    zone_file,
)
from alecs.sandbox.dns_zones import BASE, DNS_CONTRACT, SETTINGS, Changelist, Zone, ZoneStore, gid
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of


class DnsSim:
    """Zone, record-set, version and change-list routes over the account's zone store."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.store = ZoneStore(account)
        self.ops = DnsOps(account, self.store)

    # -- routes ----------------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/zones", self.list_zones)
        r.add("POST", BASE + "/zones", self.create_zone)
        r.add("GET", BASE + "/zones/{zone}", lambda q: self.store.zone_json(self.store.zone(q.params["zone"])))
        r.add("PUT", BASE + "/zones/{zone}", self.update_zone)
        r.add("GET", BASE + "/zones/{zone}/recordsets", self.list_records)
        r.add("POST", BASE + "/zones/{zone}/recordsets", self.add_records)
        r.add("PUT", BASE + "/zones/{zone}/recordsets", self.replace_records)
        r.add("GET", BASE + "/zones/{zone}/names/{name}/types/{type}", self.get_record)
        r.add("POST", BASE + "/zones/{zone}/names/{name}/types/{type}", self.save_record)
        r.add("PUT", BASE + "/zones/{zone}/names/{name}/types/{type}", self.save_record)
        r.add("DELETE", BASE + "/zones/{zone}/names/{name}/types/{type}", self.delete_record)
        r.add("GET", BASE + "/zones/{zone}/versions", self.list_versions)
        r.add("GET", BASE + "/zones/{zone}/versions/diff", self.diff_versions)
        r.add("GET", BASE + "/zones/{zone}/versions/{uuid}", self.get_version)
        r.add("GET", BASE + "/zones/{zone}/versions/{uuid}/recordsets", self.version_records)
        r.add("POST", BASE + "/zones/{zone}/versions/{uuid}/recordsets/activate", self.activate_version)
        r.add("GET", BASE + "/zones/{zone}/versions/{uuid}/zone-file", self.version_file)
        r.add("GET", BASE + "/zones/{zone}/zone-file", self.get_file)
        r.add("POST", BASE + "/zones/{zone}/zone-file", self.put_file)
        r.add("GET", BASE + "/changelists", self.list_changelists)
        r.add("POST", BASE + "/changelists", self.create_changelist)
        r.add("GET", BASE + "/changelists/{zone}",
              lambda q: self.store.changelist_json(self.store.changelist(q.params["zone"])))
        r.add("DELETE", BASE + "/changelists/{zone}", self.delete_changelist)
        r.add("GET", BASE + "/changelists/{zone}/diff", self.changelist_diff)
        r.add("GET", BASE + "/changelists/{zone}/recordsets",
              lambda q: filter_records(self.store.changelist(q.params["zone"]).records, q.query))
        r.add("POST", BASE + "/changelists/{zone}/recordsets/add-change", self.add_change)
        r.add("POST", BASE + "/changelists/{zone}/submit", self.submit)
        self.ops.routes(r)

    # -- zones -------------------------------------------------------------------------------------------------
    def list_zones(self, q: SimRequest) -> dict[str, Any]:
        zones = sorted(self.store.zones.values(), key=lambda z: z.name)
        types = {t.strip().upper() for t in (q.query.get("types") or "").split(",") if t.strip()}
        contracts = {c.strip() for c in (q.query.get("contractIds") or "").split(",") if c.strip()}
        if types:
            zones = [z for z in zones if z.type in types]
        if contracts:
            zones = [z for z in zones if z.contract in contracts]
        if q.query.get("search"):
            zones = [z for z in zones if q.query["search"].lower() in z.name]
        total, show_all = len(zones), q.query.get("showAll") == "true"
        page, size = int(q.query.get("page") or 1), int(q.query.get("pageSize") or 25)
        if not show_all:
            zones = zones[(page - 1) * size: page * size]
        meta: dict[str, Any] = {"showAll": show_all, "totalElements": total, "contractIds": sorted(contracts)
                                or [DNS_CONTRACT]}
        if not show_all:
            meta |= {"page": page, "pageSize": size}
        return {"metadata": meta, "zones": [self.store.zone_json(z) for z in zones]}

    def create_zone(self, q: SimRequest) -> SimResponse:
        gid(q)
        name, ztype, data = self.store.check_new_zone(body_of(q), q.query.get("contractId"))
        zone = self.store.add_zone(name, ztype, data)
        return SimResponse(201, self.store.zone_json(zone), {"Location": f"{BASE}/zones/{name}"})

    def update_zone(self, q: SimRequest) -> dict[str, Any]:
        zone, data = self.store.zone(q.params["zone"]), body_of(q)
        if norm(data.get("zone", "")) != zone.name:
            raise HttpError(400, "Bad request", "The zone in the body must match the URL.")
        if data.get("type") != zone.type:
            raise HttpError(400, "Bad request", f"The zone type cannot change from {zone.type}; convert it instead.")
        zone.settings = {k: data[k] for k in SETTINGS if data.get(k) is not None}
        self.store.new_version(zone)
        return self.store.zone_json(zone)

    # -- record sets -------------------------------------------------------------------------------------------
    def list_records(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        out = filter_records(zone.records, q.query)
        out["metadata"]["zone"] = zone.name
        return out

    def get_record(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        key = (norm(q.params["name"]), q.params["type"].upper())
        if key not in zone.records:
            raise HttpError(404, "Not found", f"No {key[1]} record set named {key[0]} in {zone.name}.")
        return zone.records[key]

    def save_record(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        rs = check_record(zone.name, body_of(q), path_name=q.params["name"], path_type=q.params["type"].upper())
        key = (rs["name"], rs["type"])
        if q.method == "POST" and key in zone.records:
            raise HttpError(409, "Conflict", f"A {rs['type']} record set named {rs['name']} already exists; "
                            "update it instead.")
        if q.method == "PUT" and key not in zone.records:
            raise HttpError(404, "Not found", f"No {rs['type']} record set named {rs['name']} in {zone.name}.")
        check_conflicts(zone.records, rs)
        zone.records[key] = rs
        self.store.new_version(zone)
        return SimResponse(201 if q.method == "POST" else 200, rs)

    def delete_record(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        key = (norm(q.params["name"]), q.params["type"].upper())
        if key not in zone.records:
            raise HttpError(404, "Not found", f"No {key[1]} record set named {key[0]} in {zone.name}.")
        if key[0] == zone.name and key[1] in ("SOA", "NS"):
            raise HttpError(400, "Bad request", "The apex SOA and NS record sets cannot be deleted.")
        del zone.records[key]
        self.store.new_version(zone)
        return SimResponse(204)

    def _many(self, q: SimRequest, zone: Zone) -> dict[Key, dict[str, Any]]:
        items = body_of(q).get("recordsets")
        if not isinstance(items, list) or not items:
            raise HttpError(400, "Bad request", "recordsets must be a non-empty list.")
        out: dict[Key, dict[str, Any]] = {}
        for item in items:
            rs = check_record(zone.name, item)
            if (rs["name"], rs["type"]) in out:
                raise HttpError(400, "Bad request", f"{rs['name']} {rs['type']} appears twice.")
            check_conflicts(out, rs)
            out[(rs["name"], rs["type"])] = rs
        return out

    def add_records(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        new = self._many(q, zone)
        for key, rs in new.items():
            if key in zone.records:
                raise HttpError(409, "Conflict", f"A {key[1]} record set named {key[0]} already exists.")
            check_conflicts(zone.records, rs)
        zone.records.update(new)
        self.store.new_version(zone)
        return SimResponse(204)

    def replace_records(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        new = self._many(q, zone)
        if (zone.name, "SOA") not in new or (zone.name, "NS") not in new:
            raise HttpError(400, "Bad request", "A full replacement must include the apex SOA and NS record sets.")
        zone.records = new
        self.store.new_version(zone)
        return SimResponse(204)

    # -- versions and zone files --------------------------------------------------------------------------------
    def list_versions(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        items = [self.store.zone_json(zone, v) for v in reversed(zone.versions)]
        return {"metadata": {"showAll": True, "totalElements": len(items)}, "versions": items}

    def get_version(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        return self.store.zone_json(zone, self.store.version(zone, q.params["uuid"]))

    def version_records(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        out = filter_records(self.store.version(zone, q.params["uuid"]).records, q.query)
        out["metadata"]["zone"] = zone.name
        return out

    def diff_versions(self, q: SimRequest) -> dict[str, Any]:
        zone = self.store.zone(q.params["zone"])
        if not q.query.get("from") or not q.query.get("to"):
            raise HttpError(400, "Bad request", "Provide both from and to version ids.")
        old, new = self.store.version(zone, q.query["from"]), self.store.version(zone, q.query["to"])
        return {"metadata": {"fromVersionId": old.id, "toVersionId": new.id, "fromVersionLastModifiedDate":
                             old.modified, "toVersionLastModifiedDate": new.modified},
                "diffs": diff(old.records, new.records, old.settings, new.settings)}

    def activate_version(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        old = self.store.version(zone, q.params["uuid"])
        zone.records = copy.deepcopy(old.records)
        self.store.new_version(zone)
        return SimResponse(204)

    def version_file(self, q: SimRequest) -> SimResponse:
        zone = self.store.zone(q.params["zone"])
        return SimResponse(200, zone_file(self.store.version(zone, q.params["uuid"]).records).encode(), {}, "text/dns")

    def get_file(self, q: SimRequest) -> SimResponse:
        return SimResponse(200, zone_file(self.store.zone(q.params["zone"]).records).encode(), {}, "text/dns")

    def put_file(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.params["zone"])
        ctype = (q.header("Content-Type") or "").split(";")[0].strip()
        if ctype != "text/dns":
            raise HttpError(415, "Unsupported media type", "Send the master file as text/dns.")
        zone.records = parse_zone_file(zone.name, q.body.decode("utf-8", "replace"))
        self.store.new_version(zone)
        return SimResponse(204)

    # -- changelists ---------------------------------------------------------------------------------------------
    def list_changelists(self, q: SimRequest) -> dict[str, Any]:
        return {"changeLists": [self.store.changelist_json(c) for c in self.store.changelists.values()]}

    def create_changelist(self, q: SimRequest) -> SimResponse:
        zone = self.store.primary(q.query.get("zone") or "")
        overwrite = q.query.get("overwrite") or "none"
        existing = self.store.changelists.get(zone.name)
        if existing is not None:
            stale = self.store.changelist_json(existing)["stale"]
            if overwrite == "none" or overwrite == "stale" and not stale:
                raise HttpError(409, "Conflict", f"A change list for {zone.name} already exists; submit or delete "
                                "it, or pass overwrite=any.",
                                type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/changelist-exists")
        cl = Changelist(zone.name, str(uuid.uuid4()), zone.current.id, copy.deepcopy(zone.records),
                        copy.deepcopy(zone.settings), self.account.iso())
        self.store.changelists[zone.name] = cl
        return SimResponse(201, self.store.changelist_json(cl), {"Location": f"{BASE}/changelists/{zone.name}"})

    def delete_changelist(self, q: SimRequest) -> SimResponse:
        cl = self.store.changelist(q.params["zone"])
        del self.store.changelists[cl.zone]
        return SimResponse(204)

    def changelist_diff(self, q: SimRequest) -> dict[str, Any]:
        cl = self.store.changelist(q.params["zone"])
        zone = self.store.zone(cl.zone)
        base = self.store.version(zone, cl.base)
        return {"metadata": {"fromVersionId": base.id, "fromVersionLastModifiedDate": base.modified},
                "diffs": diff(base.records, cl.records, base.settings, cl.settings)}

    def add_change(self, q: SimRequest) -> SimResponse:
        cl = self.store.changelist(q.params["zone"])
        data = body_of(q)
        op = data.get("op")
        key = (norm(data.get("name", "")), str(data.get("type", "")).upper())
        if op not in ("ADD", "EDIT", "DELETE"):
            raise HttpError(400, "Bad request", "op must be ADD, EDIT or DELETE.",
                            errors=[{"field": "op", "detail": f"invalid value {op!r}"}])
        if op == "ADD" and key in cl.records:
            raise HttpError(409, "Conflict", f"{key[0]} {key[1]} already exists in the change list; use EDIT.")
        if op in ("EDIT", "DELETE") and key not in cl.records:
            raise HttpError(404, "Not found", f"{key[0]} {key[1]} is not in the change list.")
        if op == "DELETE":
            del cl.records[key]
        else:
            rs = check_record(cl.zone, {k: data.get(k) for k in ("name", "type", "ttl", "rdata")})
            check_conflicts(cl.records, rs)
            cl.records[key] = rs
        cl.tag, cl.modified = str(uuid.uuid4()), self.account.iso()
        return SimResponse(204)

    def submit(self, q: SimRequest) -> SimResponse:
        cl = self.store.changelist(q.params["zone"])
        zone = self.store.zone(cl.zone)
        if zone.current.id != cl.base:
            raise HttpError(409, "Conflict", f"The change list for {zone.name} is stale: the zone changed after it "
                            "was created. Recreate it with overwrite=stale.",
                            type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/stale-changelist")
        zone.records, zone.settings = cl.records, cl.settings
        self.store.new_version(zone)
        del self.store.changelists[zone.name]
        return SimResponse(204)
