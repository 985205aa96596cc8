"""Global Traffic Management (config-gtm v1) as the sandbox simulates it.

Seeded domain sandbox.akadns.net (type weighted):
- datacenters 3131 Frankfurt (EU/DE), 3132 Ashburn (NA/US), 5400 Default Datacenter (for maps)
- property www (weighted-round-robin over 3131 and 3132, HTTP liveness test), resource cpu-load
- geographic map Europe (DE, FR -> 3131), CIDR map Offices (198.51.100.0/24 -> 3132)
Every change answers {resource, status} with propagationStatus PENDING; the domain's status/current turns
COMPLETE after `settings.activation_seconds`. Property validation lives in gtm_checks.py.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from alecs.sandbox.account import Account
from alecs.sandbox.gtm_checks import check_datacenter, check_map, check_property, check_resource
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of

BASE = "/config-gtm/v1"
DOMAIN = "sandbox.akadns.net"
KINDS = {"datacenters": "datacenterId", "properties": "name", "resources": "name", "geographic-maps": "name",
         "cidr-maps": "name"}
DOMAIN_KEYS = {"datacenters": "datacenters", "properties": "properties", "resources": "resources",
               "geographic-maps": "geographicMaps", "cidr-maps": "cidrMaps"}


def link(*parts: Any) -> list[dict[str, str]]:
    return [{"rel": "self", "href": BASE + "/" + "/".join(quote(str(p), safe=".") for p in parts)}]


@dataclass
class Domain:
    name: str
    type: str
    items: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    change_id: str = ""
    changed_at: float = -1e9
    changed_iso: str = ""
    comments: str = ""


class GtmSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.domains: dict[str, Domain] = {}
        self._ids = iter(range(3133, 100000))
        self._seed()

    def _seed(self) -> None:
        dom = Domain(DOMAIN, "weighted", change_id=str(uuid.uuid4()), changed_iso=self.account.iso())
        self.domains[DOMAIN] = dom
        dcs = dom.items["datacenters"]
        for dc_id, nick, city, continent, country, lat, lon in [
            (3131, "Frankfurt", "Frankfurt", "EU", "DE", 50.11, 8.68),
            (3132, "Ashburn", "Ashburn", "NA", "US", 39.04, -77.49),
        ]:
            dcs[dc_id] = {"datacenterId": dc_id, "nickname": nick, "city": city, "continent": continent,
                          "country": country, "latitude": lat, "longitude": lon, "virtual": True, "cloneOf": 0,
                          "cloudServerTargeting": False, "cloudServerHostHeaderOverride": False,
                          "defaultLoadObject": {"loadObject": None, "loadObjectPort": 0, "loadServers": None}}
        dcs[5400] = {"datacenterId": 5400, "nickname": "Default Datacenter", "virtual": True, "cloneOf": 0,
                     "continent": "OT", "defaultLoadObject": None}
        www = check_property(dom, "www", {
            "name": "www", "type": "weighted-round-robin", "scoreAggregationType": "mean", "handoutMode": "normal",
            "dynamicTTL": 60, "staticTTL": 600, "ipv6": False,
            "trafficTargets": [{"datacenterId": 3131, "enabled": True, "weight": 50, "servers": ["192.0.2.10"]},
                               {"datacenterId": 3132, "enabled": True, "weight": 50, "servers": ["198.51.100.10"]}],
            "livenessTests": [{"name": "health", "testObjectProtocol": "HTTP", "testObject": "/health",
                               "testObjectPort": 80, "testInterval": 60, "testTimeout": 10.0}]})
        dom.items["properties"]["www"] = www
        dom.items["resources"]["cpu-load"] = check_resource(dom, "cpu-load", {
            "name": "cpu-load", "type": "Non-XML load object via HTTP", "aggregationType": "latest",
            "description": "CPU load of the origin pools",
            "resourceInstances": [{"datacenterId": 3131, "loadObject": "/load", "loadObjectPort": 80,
                                   "loadServers": ["192.0.2.10"], "useDefaultLoadObject": False}]})
        dom.items["geographic-maps"]["Europe"] = check_map(dom, "geographic-maps", "Europe", {
            "name": "Europe", "defaultDatacenter": {"datacenterId": 5400, "nickname": "Default Datacenter"},
            "assignments": [{"datacenterId": 3131, "nickname": "Frankfurt", "countries": ["DE", "FR"]}]})
        dom.items["cidr-maps"]["Offices"] = check_map(dom, "cidr-maps", "Offices", {
            "name": "Offices", "defaultDatacenter": {"datacenterId": 5400, "nickname": "Default Datacenter"},
            "assignments": [{"datacenterId": 3132, "nickname": "Ashburn", "blocks": ["198.51.100.0/24"]}]})

    # -- status --------------------------------------------------------------------------------------------------
    def domain(self, name: str) -> Domain:
        dom = self.domains.get(name)
        if dom is None:
            raise HttpError(404, "Domain not found", f"Domain {name} does not exist or is not accessible.",
                            type_="https://problems.luna.akamaiapis.net/config-gtm/v1/domainNotFound")
        return dom

    def status(self, dom: Domain) -> dict[str, Any]:
        done = self.account.now() - dom.changed_at >= self.account.settings.activation_seconds
        return {"changeId": dom.change_id, "passingValidation": True,
                "propagationStatus": "COMPLETE" if done else "PENDING", "propagationStatusDate": dom.changed_iso,
                "message": "Current configuration has been propagated to all GTM name servers." if done
                else "Change Pending", "links": link("domains", dom.name, "status", "current")}

    def change(self, dom: Domain, comments: str | None) -> dict[str, Any]:
        dom.change_id, dom.changed_at, dom.changed_iso = str(uuid.uuid4()), self.account.now(), self.account.iso()
        dom.comments = comments or dom.comments
        return self.status(dom)

    # -- routes ----------------------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/domains", self.list_domains)
        r.add("GET", BASE + "/domains/{domainName}", self.get_domain)
        r.add("GET", BASE + "/domains/{domainName}/status/current",
              lambda q: self.status(self.domain(q.params["domainName"])))
        r.add("POST", BASE + "/domains/{domainName}/datacenters", self.create_datacenter)
        for kind in KINDS:
            r.add("GET", f"{BASE}/domains/{{domainName}}/{kind}", self._lister(kind))
            r.add("GET", f"{BASE}/domains/{{domainName}}/{kind}/{{item}}", self._getter(kind))
            r.add("PUT", f"{BASE}/domains/{{domainName}}/{kind}/{{item}}", self._putter(kind))
            r.add("DELETE", f"{BASE}/domains/{{domainName}}/{kind}/{{item}}", self._deleter(kind))

    def list_domains(self, q: SimRequest) -> dict[str, Any]:
        items = []
        for dom in self.domains.values():
            status = self.status(dom)
            items.append({"name": dom.name, "acgId": "1-SANDBOX", "lastModified": dom.changed_iso,
                          "status": f"{dom.changed_iso}: {status['message']}", "links": link("domains", dom.name)})
        return {"items": items}

    def get_domain(self, q: SimRequest) -> dict[str, Any]:
        dom = self.domain(q.params["domainName"])
        out: dict[str, Any] = {"name": dom.name, "type": dom.type, "lastModified": dom.changed_iso,
                               "lastModifiedBy": "sandbox", "modificationComments": dom.comments,
                               "emailNotificationList": [], "loadFeedback": True, "loadImbalancePercentage": 10.0,
                               "cnameCoalescingEnabled": False, "asMaps": [], "status": self.status(dom),
                               "links": link("domains", dom.name)}
        for kind, key in DOMAIN_KEYS.items():
            out[key] = [self._shape(dom, kind, item) for item in dom.items[kind].values()]
        return out

    # -- items -----------------------------------------------------------------------------------------------------
    def _shape(self, dom: Domain, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(item) | {"links": link("domains", dom.name, kind, item[KINDS[kind]])}

    def _key(self, kind: str, raw: str) -> Any:
        raw = unquote(raw)
        if kind != "datacenters":
            return raw
        if not raw.isdigit():
            raise HttpError(400, "Bad request", f"datacenterId must be a number, not {raw!r}.")
        return int(raw)

    def _find(self, dom: Domain, kind: str, raw: str) -> dict[str, Any]:
        item = dom.items[kind].get(self._key(kind, raw))
        raw = unquote(raw)
        if item is None:
            singular = kind.rstrip("s").replace("-map", " map").replace("propertie", "property")
            raise HttpError(404, "Not found", f"No {singular} {raw} in domain {dom.name}.",
                            type_="https://problems.luna.akamaiapis.net/config-gtm/v1/notFound")
        return item

    def _lister(self, kind: str) -> Any:
        def handle(q: SimRequest) -> dict[str, Any]:
            dom = self.domain(q.params["domainName"])
            return {"items": [self._shape(dom, kind, i) for i in dom.items[kind].values()]}
        return handle

    def _getter(self, kind: str) -> Any:
        def handle(q: SimRequest) -> dict[str, Any]:
            dom = self.domain(q.params["domainName"])
            return self._shape(dom, kind, self._find(dom, kind, q.params["item"]))
        return handle

    def _putter(self, kind: str) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            dom = self.domain(q.params["domainName"])
            key, data = self._key(kind, q.params["item"]), body_of(q)
            if kind == "datacenters":
                self._find(dom, kind, q.params["item"])
                item = check_datacenter(dom, data | {"datacenterId": key}, key)
            elif kind == "properties":
                item = check_property(dom, key, data)
            elif kind == "resources":
                item = check_resource(dom, key, data)
            else:
                item = check_map(dom, kind, key, data)
            created = key not in dom.items[kind]
            dom.items[kind][key] = item
            status = self.change(dom, q.query.get("domainModificationComments"))
            return SimResponse(201 if created else 200, {"resource": self._shape(dom, kind, item), "status": status})
        return handle

    def _deleter(self, kind: str) -> Any:
        def handle(q: SimRequest) -> dict[str, Any]:
            dom = self.domain(q.params["domainName"])
            item = self._find(dom, kind, q.params["item"])
            if kind == "datacenters":
                users = self._users(dom, item["datacenterId"])
                if users:
                    raise HttpError(409, "Datacenter in use", f"Datacenter {item['datacenterId']} is still used by "
                                    f"{', '.join(users)}; remove it from them first.")
            del dom.items[kind][item[KINDS[kind]]]
            return {"resource": None, "status": self.change(dom, None)}
        return handle

    @staticmethod
    def _users(dom: Domain, dc_id: int) -> list[str]:
        users = [f"property {p['name']}" for p in dom.items["properties"].values()
                 if any(t.get("datacenterId") == dc_id for t in p.get("trafficTargets") or [])]
        users += [f"resource {r['name']}" for r in dom.items["resources"].values()
                  if any(i.get("datacenterId") == dc_id for i in r.get("resourceInstances") or [])]
        for kind in ("geographic-maps", "cidr-maps"):
            users += [f"map {m['name']}" for m in dom.items[kind].values()
                      if (m.get("defaultDatacenter") or {}).get("datacenterId") == dc_id
                      or any(a.get("datacenterId") == dc_id for a in m.get("assignments") or [])]
        return users

    def create_datacenter(self, q: SimRequest) -> SimResponse:
        dom = self.domain(q.params["domainName"])
        new_id = next(self._ids)
        while new_id in dom.items["datacenters"]:
            new_id = next(self._ids)
        item = check_datacenter(dom, body_of(q) | {"datacenterId": new_id}, new_id)
        dom.items["datacenters"][new_id] = item
        status = self.change(dom, None)
        return SimResponse(201, {"resource": self._shape(dom, "datacenters", item), "status": status})
