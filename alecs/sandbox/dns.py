"""Edge DNS (config-dns v2) as the sandbox simulates it: zones, record sets, versions, changelists.

Seeded account (DNS contract ids carry no ctr_ prefix; gid is the numeric group id):
- contract C-0SANDBOX, gid 10001
- example.com: PRIMARY, SOA/NS/A/AAAA/MX/TXT/CNAME records, delegated to Akamai (bulk delete refuses it
  without bypassSafetyChecks)
- example.org: PRIMARY with DNSSEC (signAndServe, ECDSA_P256_SHA256)
- secondary.example.net: SECONDARY from 192.0.2.53 with TSIG key xfr.example.net. (hmac-sha256)
Bulk create/delete requests complete after `settings.activation_seconds`; helpers live in dns_ops.py.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
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
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of

BASE = "/config-dns/v2"
DNS_CONTRACT = "C-0SANDBOX"
GIDS = {10001, 10002}
SETTINGS = ("comment", "masters", "target", "signAndServe", "signAndServeAlgorithm", "tsigKey", "endCustomerId")
ZONE_TYPES = ("PRIMARY", "SECONDARY", "ALIAS")


@dataclass
class Version:
    id: str
    records: dict[Key, dict[str, Any]]
    settings: dict[str, Any]
    modified: str
    state: str = "ACTIVE"
    by: str = "sandbox"


@dataclass
class Zone:
    name: str
    type: str
    contract: str
    settings: dict[str, Any]
    records: dict[Key, dict[str, Any]] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)
    delegated: bool = False

    @property
    def current(self) -> Version:
        return self.versions[-1]


@dataclass
class Changelist:
    zone: str
    tag: str
    base: str
    records: dict[Key, dict[str, Any]]
    settings: dict[str, Any]
    modified: str


class DnsSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.zones: dict[str, Zone] = {}
        self.changelists: dict[str, Changelist] = {}
        self.ops = DnsOps(self)
        self._seed()

    # -- seed --------------------------------------------------------------------------------------------
    def _seed(self) -> None:
        com = self.add_zone("example.com", "PRIMARY", {"comment": "Main site"})
        com.delegated = True
        for name, rtype, ttl, rdata in [
            ("www.example.com", "A", 300, ["192.0.2.10", "192.0.2.11"]),
            ("www.example.com", "AAAA", 300, ["2001:db8::10"]),
            ("example.com", "MX", 3600, ["10 mail.example.com."]),
            ("mail.example.com", "A", 3600, ["192.0.2.25"]),
            ("example.com", "TXT", 3600, ['"v=spf1 mx -all"']),
            ("cdn.example.com", "CNAME", 300, ["www.example.com.edgekey.net."]),
        ]:
            com.records[(name, rtype)] = {"name": name, "type": rtype, "ttl": ttl, "rdata": rdata}
        self.new_version(com)
        self.add_zone("example.org", "PRIMARY", {"signAndServe": True, "signAndServeAlgorithm": "ECDSA_P256_SHA256"})
        self.add_zone("secondary.example.net", "SECONDARY", {
            "masters": ["192.0.2.53"], "comment": "Transferred from the data center",
            "tsigKey": {"name": "xfr.example.net.", "algorithm": "hmac-sha256",
                        "secret": "DjY16JfIi3JnSDosQWE7Xkx60MbCLo1K7hUCqng8ccg="}})

    def add_zone(self, name: str, ztype: str, settings: dict[str, Any], contract: str = DNS_CONTRACT) -> Zone:
        zone = Zone(name, ztype, contract, {k: v for k, v in settings.items() if k in SETTINGS and v is not None})
        if ztype == "PRIMARY":
            zone.records[(name, "SOA")] = {"name": name, "type": "SOA", "ttl": 86400, "rdata": [
                f"a1-1.akam.net. hostmaster.{name}. 1 3600 600 604800 300"]}
            zone.records[(name, "NS")] = {"name": name, "type": "NS", "ttl": 86400,
                                          "rdata": ["a1-1.akam.net.", "a2-2.akam.net."]}
        self.zones[name] = zone
        self.new_version(zone)
        return zone

    def new_version(self, zone: Zone, by: str = "sandbox") -> Version:
        for old in zone.versions:
            old.state = "OBSOLETE"
        soa = zone.records.get((zone.name, "SOA"))
        if soa and zone.versions:
            parts = soa["rdata"][0].split()
            if len(parts) == 7 and parts[2].isdigit():
                parts[2] = str(int(parts[2]) + 1)
                soa["rdata"] = [" ".join(parts)]
        version = Version(str(uuid.uuid4()), copy.deepcopy(zone.records), copy.deepcopy(zone.settings),
                          self.account.iso(), by=by)
        zone.versions.append(version)
        return version

    # -- lookups and shapes ----------------------------------------------------------------------------------
    def zone(self, name: str) -> Zone:
        zone = self.zones.get(norm(name))
        if zone is None:
            raise HttpError(404, "Not found", f"Zone {name} does not exist or you do not have access to it.",
                            type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/not-found")
        return zone

    def zone_json(self, zone: Zone, version: Version | None = None) -> dict[str, Any]:
        version = version or zone.current
        out: dict[str, Any] = {"contractId": zone.contract, "zone": zone.name, "type": zone.type,
                               "versionId": version.id, "lastModifiedDate": version.modified,
                               "lastModifiedBy": version.by, "activationState": version.state}
        if version.state == "ACTIVE":
            out["lastActivationDate"] = version.modified
        if zone.type != "ALIAS":
            out["aliasCount"] = sum(1 for z in self.zones.values() if z.settings.get("target") == zone.name)
            out["signAndServe"] = bool(version.settings.get("signAndServe"))
        out.update({k: v for k, v in version.settings.items() if k != "signAndServe"})
        return out

    def version(self, zone: Zone, vid: str) -> Version:
        found = next((v for v in zone.versions if v.id == vid), None)
        if found is None:
            raise HttpError(404, "Not found", f"Zone {zone.name} has no version {vid}.")
        return found

    # -- routes ----------------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/zones", self.list_zones)
        r.add("POST", BASE + "/zones", self.create_zone)
        r.add("GET", BASE + "/zones/{zone}", lambda q: self.zone_json(self.zone(q.params["zone"])))
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
        r.add("GET", BASE + "/changelists/{zone}", lambda q: self.changelist_json(self.changelist(q.params["zone"])))
        r.add("DELETE", BASE + "/changelists/{zone}", self.delete_changelist)
        r.add("GET", BASE + "/changelists/{zone}/diff", self.changelist_diff)
        r.add("GET", BASE + "/changelists/{zone}/recordsets",
              lambda q: filter_records(self.changelist(q.params["zone"]).records, q.query))
        r.add("POST", BASE + "/changelists/{zone}/recordsets/add-change", self.add_change)
        r.add("POST", BASE + "/changelists/{zone}/submit", self.submit)
        self.ops.routes(r)

    # -- zones -------------------------------------------------------------------------------------------------
    def list_zones(self, q: SimRequest) -> dict[str, Any]:
        zones = sorted(self.zones.values(), key=lambda z: z.name)
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
        return {"metadata": meta, "zones": [self.zone_json(z) for z in zones]}

    def check_new_zone(self, data: dict[str, Any], contract: str | None) -> tuple[str, str, dict[str, Any]]:
        if contract != DNS_CONTRACT:
            raise HttpError(403, "Forbidden", f"Contract {contract} is not available to this API client. Use "
                            f"{DNS_CONTRACT} (no ctr_ prefix).")
        name, ztype = norm(data.get("zone", "")), data.get("type")
        if not name or "." not in name:
            raise HttpError(400, "Invalid zone", "zone must be a domain name, e.g. example.com.",
                            errors=[{"field": "zone", "detail": "invalid zone name"}])
        if ztype not in ZONE_TYPES:
            raise HttpError(400, "Invalid zone type", "type must be PRIMARY, SECONDARY or ALIAS.",
                            errors=[{"field": "type", "detail": f"invalid value {ztype!r}"}])
        if name in self.zones:
            raise HttpError(409, "Conflict", f"Zone {name} already exists.",
                            type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/zone-exists")
        if ztype == "SECONDARY" and not data.get("masters"):
            raise HttpError(400, "Invalid zone", "A SECONDARY zone needs masters (the IPs it transfers from).",
                            errors=[{"field": "masters", "detail": "required for SECONDARY zones"}])
        if ztype == "ALIAS" and norm(data.get("target", "")) not in self.zones:
            raise HttpError(400, "Invalid zone", "An ALIAS zone needs the target of an existing zone.",
                            errors=[{"field": "target", "detail": "unknown target zone"}])
        return name, ztype, data

    def _gid(self, q: SimRequest) -> int:
        gid = q.query.get("gid", "")
        if not gid.isdigit():
            raise HttpError(400, "Bad request", "gid must be the numeric group id, e.g. 10001.")
        if int(gid) not in GIDS:
            raise HttpError(403, "Forbidden", f"Group {gid} is not available to this API client.")
        return int(gid)

    def create_zone(self, q: SimRequest) -> SimResponse:
        self._gid(q)
        name, ztype, data = self.check_new_zone(body_of(q), q.query.get("contractId"))
        zone = self.add_zone(name, ztype, data)
        return SimResponse(201, self.zone_json(zone), {"Location": f"{BASE}/zones/{name}"})

    def update_zone(self, q: SimRequest) -> dict[str, Any]:
        zone, data = self.zone(q.params["zone"]), body_of(q)
        if norm(data.get("zone", "")) != zone.name:
            raise HttpError(400, "Bad request", "The zone in the body must match the URL.")
        if data.get("type") != zone.type:
            raise HttpError(400, "Bad request", f"The zone type cannot change from {zone.type}; convert it instead.")
        zone.settings = {k: data[k] for k in SETTINGS if data.get(k) is not None}
        self.new_version(zone)
        return self.zone_json(zone)

    # -- record sets -------------------------------------------------------------------------------------------
    def primary(self, name: str) -> Zone:
        zone = self.zone(name)
        if zone.type != "PRIMARY":
            raise HttpError(400, "Bad request", f"{zone.name} is a {zone.type} zone; only PRIMARY zones have "
                            "editable record sets.")
        return zone

    def list_records(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        out = filter_records(zone.records, q.query)
        out["metadata"]["zone"] = zone.name
        return out

    def get_record(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        key = (norm(q.params["name"]), q.params["type"].upper())
        if key not in zone.records:
            raise HttpError(404, "Not found", f"No {key[1]} record set named {key[0]} in {zone.name}.")
        return zone.records[key]

    def save_record(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.params["zone"])
        rs = check_record(zone.name, body_of(q), path_name=q.params["name"], path_type=q.params["type"].upper())
        key = (rs["name"], rs["type"])
        if q.method == "POST" and key in zone.records:
            raise HttpError(409, "Conflict", f"A {rs['type']} record set named {rs['name']} already exists; "
                            "update it instead.")
        if q.method == "PUT" and key not in zone.records:
            raise HttpError(404, "Not found", f"No {rs['type']} record set named {rs['name']} in {zone.name}.")
        check_conflicts(zone.records, rs)
        zone.records[key] = rs
        self.new_version(zone)
        return SimResponse(201 if q.method == "POST" else 200, rs)

    def delete_record(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.params["zone"])
        key = (norm(q.params["name"]), q.params["type"].upper())
        if key not in zone.records:
            raise HttpError(404, "Not found", f"No {key[1]} record set named {key[0]} in {zone.name}.")
        if key[0] == zone.name and key[1] in ("SOA", "NS"):
            raise HttpError(400, "Bad request", "The apex SOA and NS record sets cannot be deleted.")
        del zone.records[key]
        self.new_version(zone)
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
        zone = self.primary(q.params["zone"])
        new = self._many(q, zone)
        for key, rs in new.items():
            if key in zone.records:
                raise HttpError(409, "Conflict", f"A {key[1]} record set named {key[0]} already exists.")
            check_conflicts(zone.records, rs)
        zone.records.update(new)
        self.new_version(zone)
        return SimResponse(204)

    def replace_records(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.params["zone"])
        new = self._many(q, zone)
        if (zone.name, "SOA") not in new or (zone.name, "NS") not in new:
            raise HttpError(400, "Bad request", "A full replacement must include the apex SOA and NS record sets.")
        zone.records = new
        self.new_version(zone)
        return SimResponse(204)

    # -- versions and zone files --------------------------------------------------------------------------------
    def list_versions(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        items = [self.zone_json(zone, v) for v in reversed(zone.versions)]
        return {"metadata": {"showAll": True, "totalElements": len(items)}, "versions": items}

    def get_version(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        return self.zone_json(zone, self.version(zone, q.params["uuid"]))

    def version_records(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        out = filter_records(self.version(zone, q.params["uuid"]).records, q.query)
        out["metadata"]["zone"] = zone.name
        return out

    def diff_versions(self, q: SimRequest) -> dict[str, Any]:
        zone = self.zone(q.params["zone"])
        if not q.query.get("from") or not q.query.get("to"):
            raise HttpError(400, "Bad request", "Provide both from and to version ids.")
        old, new = self.version(zone, q.query["from"]), self.version(zone, q.query["to"])
        return {"metadata": {"fromVersionId": old.id, "toVersionId": new.id, "fromVersionLastModifiedDate":
                             old.modified, "toVersionLastModifiedDate": new.modified},
                "diffs": diff(old.records, new.records, old.settings, new.settings)}

    def activate_version(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.params["zone"])
        old = self.version(zone, q.params["uuid"])
        zone.records = copy.deepcopy(old.records)
        self.new_version(zone)
        return SimResponse(204)

    def version_file(self, q: SimRequest) -> SimResponse:
        zone = self.zone(q.params["zone"])
        return SimResponse(200, zone_file(self.version(zone, q.params["uuid"]).records).encode(), {}, "text/dns")

    def get_file(self, q: SimRequest) -> SimResponse:
        return SimResponse(200, zone_file(self.zone(q.params["zone"]).records).encode(), {}, "text/dns")

    def put_file(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.params["zone"])
        ctype = (q.header("Content-Type") or "").split(";")[0].strip()
        if ctype != "text/dns":
            raise HttpError(415, "Unsupported media type", "Send the master file as text/dns.")
        zone.records = parse_zone_file(zone.name, q.body.decode("utf-8", "replace"))
        self.new_version(zone)
        return SimResponse(204)

    # -- changelists ---------------------------------------------------------------------------------------------
    def changelist(self, name: str) -> Changelist:
        found = self.changelists.get(norm(name))
        if found is None:
            raise HttpError(404, "Not found", f"There is no change list for zone {name}; create one first.")
        return found

    def changelist_json(self, cl: Changelist) -> dict[str, Any]:
        return {"zone": cl.zone, "changeTag": cl.tag, "zoneVersionId": cl.base, "lastModifiedDate": cl.modified,
                "stale": self.zones[cl.zone].current.id != cl.base if cl.zone in self.zones else True}

    def list_changelists(self, q: SimRequest) -> dict[str, Any]:
        return {"changeLists": [self.changelist_json(c) for c in self.changelists.values()]}

    def create_changelist(self, q: SimRequest) -> SimResponse:
        zone = self.primary(q.query.get("zone") or "")
        overwrite = q.query.get("overwrite") or "none"
        existing = self.changelists.get(zone.name)
        if existing is not None:
            stale = self.changelist_json(existing)["stale"]
            if overwrite == "none" or overwrite == "stale" and not stale:
                raise HttpError(409, "Conflict", f"A change list for {zone.name} already exists; submit or delete "
                                "it, or pass overwrite=any.",
                                type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/changelist-exists")
        cl = Changelist(zone.name, str(uuid.uuid4()), zone.current.id, copy.deepcopy(zone.records),
                        copy.deepcopy(zone.settings), self.account.iso())
        self.changelists[zone.name] = cl
        return SimResponse(201, self.changelist_json(cl), {"Location": f"{BASE}/changelists/{zone.name}"})

    def delete_changelist(self, q: SimRequest) -> SimResponse:
        cl = self.changelist(q.params["zone"])
        del self.changelists[cl.zone]
        return SimResponse(204)

    def changelist_diff(self, q: SimRequest) -> dict[str, Any]:
        cl = self.changelist(q.params["zone"])
        zone = self.zone(cl.zone)
        base = self.version(zone, cl.base)
        return {"metadata": {"fromVersionId": base.id, "fromVersionLastModifiedDate": base.modified},
                "diffs": diff(base.records, cl.records, base.settings, cl.settings)}

    def add_change(self, q: SimRequest) -> SimResponse:
        cl = self.changelist(q.params["zone"])
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
        cl = self.changelist(q.params["zone"])
        zone = self.zone(cl.zone)
        if zone.current.id != cl.base:
            raise HttpError(409, "Conflict", f"The change list for {zone.name} is stale: the zone changed after it "
                            "was created. Recreate it with overwrite=stale.",
                            type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/stale-changelist")
        zone.records, zone.settings = cl.records, cl.settings
        self.new_version(zone)
        del self.changelists[zone.name]
        return SimResponse(204)
