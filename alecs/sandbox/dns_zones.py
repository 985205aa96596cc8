"""Edge DNS state: the zone store (zones, their versions and change lists) shared by the zone, record and
change-list routes (dns.py) and the bulk jobs, status and TSIG routes (dns_ops.py).

Seeded account (DNS contract ids carry no ctr_ prefix; gid is the numeric group id):
- contract C-0SANDBOX, gid 10001
- example.com: PRIMARY, SOA/NS/A/AAAA/MX/TXT/CNAME records, delegated to Akamai (bulk delete refuses it
  without bypassSafetyChecks)
- example.org: PRIMARY with DNSSEC (signAndServe, ECDSA_P256_SHA256)
- secondary.example.net: SECONDARY from 192.0.2.53 with TSIG key xfr.example.net. (hmac-sha256)
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.dns_records import Key, norm
from alecs.sandbox.http import HttpError, SimRequest

BASE = "/config-dns/v2"
DNS_CONTRACT = "C-0SANDBOX"
GIDS = {10001, 10002}
SETTINGS = ("comment", "masters", "target", "signAndServe", "signAndServeAlgorithm", "tsigKey", "endCustomerId")
ZONE_TYPES = ("PRIMARY", "SECONDARY", "ALIAS")


@dataclass
class Version:
    """One zone version: the record sets and settings as they were when it was made."""

    id: str
    records: dict[Key, dict[str, Any]]
    settings: dict[str, Any]
    modified: str
    state: str = "ACTIVE"
    by: str = "sandbox"


@dataclass
class Zone:
    """A zone: current record sets and settings, and every version (the last is current)."""

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
    """Pending edits to a zone, based on one of its versions."""

    zone: str
    tag: str
    base: str
    records: dict[Key, dict[str, Any]]
    settings: dict[str, Any]
    modified: str


def gid(q: SimRequest) -> int:
    """The numeric group id of the query, refused unless the sandbox's API client may use it."""
    raw = q.query.get("gid", "")
    if not raw.isdigit():
        raise HttpError(400, "Bad request", "gid must be the numeric group id, e.g. 10001.")
    if int(raw) not in GIDS:
        raise HttpError(403, "Forbidden", f"Group {raw} is not available to this API client.")
    return int(raw)


class ZoneStore:
    """The account's zones and change lists; every change to a zone goes through `new_version`."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.zones: dict[str, Zone] = {}
        self.changelists: dict[str, Changelist] = {}
        self._seed()

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

    # -- changes -----------------------------------------------------------------------------------------
    def add_zone(self, name: str, ztype: str, settings: dict[str, Any], contract: str = DNS_CONTRACT) -> Zone:
        """A new zone (PRIMARY zones get their apex SOA and NS) with its first version."""
        zone = Zone(name, ztype, contract, {k: v for k, v in settings.items() if k in SETTINGS and v is not None})
        if ztype == "PRIMARY":
            zone.records[(name, "SOA")] = {"name": name, "type": "SOA", "ttl": 86400, "rdata": [
                f"a1-1.akam.net. hostmaster.{name}. 1 3600 600 604800 300"]}
            zone.records[(name, "NS")] = {"name": name, "type": "NS", "ttl": 86400,
                                          "rdata": ["a1-1.akam.net.", "a2-2.akam.net."]}
        self.zones[name] = zone
        self.new_version(zone)
        return zone

    def delete(self, zone: Zone) -> None:
        """The zone is gone, with any change list of it."""
        del self.zones[zone.name]
        self.changelists.pop(zone.name, None)

    def new_version(self, zone: Zone, by: str = "sandbox") -> Version:
        """Snapshot the zone as a new active version; the SOA serial moves on."""
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

    def check_new_zone(self, data: dict[str, Any], contract: str | None) -> tuple[str, str, dict[str, Any]]:
        """(name, type, settings) of a zone that may be created, or the 4xx Edge DNS gives."""
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

    # -- lookups and shapes ------------------------------------------------------------------------------
    def zone(self, name: str) -> Zone:
        """The zone by name (any case, trailing dot allowed), or Edge DNS's 404."""
        zone = self.zones.get(norm(name))
        if zone is None:
            raise HttpError(404, "Not found", f"Zone {name} does not exist or you do not have access to it.",
                            type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/not-found")
        return zone

    def primary(self, name: str) -> Zone:
        """The zone, refused unless it is PRIMARY (the only type with editable record sets)."""
        zone = self.zone(name)
        if zone.type != "PRIMARY":
            raise HttpError(400, "Bad request", f"{zone.name} is a {zone.type} zone; only PRIMARY zones have "
                            "editable record sets.")
        return zone

    def version(self, zone: Zone, vid: str) -> Version:
        """One version of the zone by id, or 404."""
        found = next((v for v in zone.versions if v.id == vid), None)
        if found is None:
            raise HttpError(404, "Not found", f"Zone {zone.name} has no version {vid}.")
        return found

    def zone_json(self, zone: Zone, version: Version | None = None) -> dict[str, Any]:
        """The zone as Edge DNS shows it, at its current or a given version."""
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

    def changelist(self, name: str) -> Changelist:
        """The change list of a zone, or 404."""
        found = self.changelists.get(norm(name))
        if found is None:
            raise HttpError(404, "Not found", f"There is no change list for zone {name}; create one first.")
        return found

    def changelist_json(self, cl: Changelist) -> dict[str, Any]:
        """A change list as Edge DNS shows it; stale once the zone moved on from its base version."""
        return {"zone": cl.zone, "changeTag": cl.tag, "zoneVersionId": cl.base, "lastModifiedDate": cl.modified,
                "stale": self.zones[cl.zone].current.id != cl.base if cl.zone in self.zones else True}
