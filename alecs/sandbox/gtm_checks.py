"""GTM validation the way the API answers it: 400 with field errors (helpers of GtmSim)."""

from __future__ import annotations

import ipaddress
from typing import Any

from alecs.sandbox.http import HttpError

PROPERTY_TYPES = {"static", "failover", "geographic", "cidrmapping", "asmapping", "weighted-round-robin",
                  "weighted-hashed", "weighted-round-robin-load-feedback", "qtr", "performance"}
HANDOUT = {"normal", "persistent", "one-ip", "one-ip-hashed", "all-live-ips"}
SCORES = {"mean", "median", "best", "worst"}
PROTOCOLS = {"DNS", "DOH", "HTTP", "HTTPS", "FTP", "POP", "POPS", "SMTP", "SMTPS", "TCP", "TCPS"}
CONTINENTS = {"AF", "AS", "EU", "NA", "OC", "OT", "SA"}
RESOURCE_TYPES = {"XML load object via HTTP", "XML load object via HTTPS", "Non-XML load object via HTTP",
                  "Non-XML load object via HTTPS", "Download score", "Push API"}
MAP_TYPES = {"geographic": "geographicMap", "cidrmapping": "cidrMap", "asmapping": "asMap"}
INVALID = "https://problems.luna.akamaiapis.net/config-gtm/v1/invalidObject"


class Problems:
    def __init__(self, what: str) -> None:
        self.what = what
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, detail: str) -> None:
        self.errors.append({"field": field, "detail": detail})

    def raise_any(self) -> None:
        if self.errors:
            detail = "; ".join(f"{e['field']}: {e['detail']}" for e in self.errors)
            raise HttpError(400, f"Invalid {self.what}", detail, errors=self.errors, type_=INVALID)


def _datacenter_ids(dom: Any) -> set[int]:
    return set(dom.items["datacenters"])


def check_datacenter(dom: Any, data: dict[str, Any], dc_id: int) -> dict[str, Any]:
    p = Problems("datacenter")
    nickname = data.get("nickname")
    if not isinstance(nickname, str) or not nickname.strip():
        p.add("nickname", "A datacenter needs a nickname.")
    elif any(d.get("nickname") == nickname and d["datacenterId"] != dc_id for d in dom.items["datacenters"].values()):
        p.add("nickname", f"Another datacenter is already named {nickname}.")
    if data.get("continent") is not None and data["continent"] not in CONTINENTS:
        p.add("continent", f"Unknown continent {data['continent']!r}; use one of {', '.join(sorted(CONTINENTS))}.")
    country = data.get("country")
    if country is not None and (not isinstance(country, str) or len(country) != 2 or not country.isupper()):
        p.add("country", "country is an ISO 3166 two-letter code, e.g. DE.")
    for axis, bound in (("latitude", 90), ("longitude", 180)):
        value = data.get(axis)
        if value is not None and (not isinstance(value, int | float) or abs(value) > bound):
            p.add(axis, f"{axis} must be between -{bound} and {bound}.")
    p.raise_any()
    out = {"datacenterId": dc_id, "virtual": True, "cloneOf": 0, "cloudServerTargeting": False,
           "cloudServerHostHeaderOverride": False,
           "defaultLoadObject": {"loadObject": None, "loadObjectPort": 0, "loadServers": None}}
    out.update({k: v for k, v in data.items() if k != "links" and v is not None})
    return out


def _check_targets(p: Problems, dom: Any, kind: str, targets: Any) -> None:
    if not isinstance(targets, list):
        p.add("trafficTargets", "trafficTargets must be a list.")
        return
    known = _datacenter_ids(dom)
    for i, target in enumerate(targets):
        if not isinstance(target, dict) or target.get("datacenterId") not in known:
            dc = target.get("datacenterId") if isinstance(target, dict) else target
            p.add(f"trafficTargets[{i}].datacenterId", f"Datacenter {dc} does not exist in this domain.")
            continue
        for server in target.get("servers") or []:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                if "." not in str(server):
                    p.add(f"trafficTargets[{i}].servers", f"{server!r} is neither an IP address nor a hostname.")
        weight = target.get("weight")
        if weight is not None and (not isinstance(weight, int | float) or weight < 0):
            p.add(f"trafficTargets[{i}].weight", "weight must be zero or positive.")
    enabled = [t for t in targets if isinstance(t, dict) and t.get("enabled", True)]
    if kind.startswith("weighted") and enabled and not any((t.get("weight") or 0) > 0 for t in enabled):
        p.add("trafficTargets", "A weighted property needs at least one enabled target with weight > 0.")


def check_property(dom: Any, name: str, data: dict[str, Any]) -> dict[str, Any]:
    p = Problems("property")
    if data.get("name") not in (None, name):
        p.add("name", f"The body names {data.get('name')!r} but the URL names {name!r}.")
    kind = data.get("type")
    if kind not in PROPERTY_TYPES:
        p.add("type", f"Unknown property type {kind!r}.")
    if data.get("handoutMode", "normal") not in HANDOUT:
        p.add("handoutMode", f"Unknown handoutMode {data.get('handoutMode')!r}.")
    if data.get("scoreAggregationType", "mean") not in SCORES:
        p.add("scoreAggregationType", f"Unknown scoreAggregationType {data.get('scoreAggregationType')!r}.")
    for ttl in ("dynamicTTL", "staticTTL"):
        value = data.get(ttl)
        if value is not None and not (isinstance(value, int) and 30 <= value <= 3600):
            p.add(ttl, f"{ttl} must be between 30 and 3600 seconds.")
    _check_targets(p, dom, str(kind), data.get("trafficTargets", []))
    if kind in MAP_TYPES:
        maps = {"geographic": "geographic-maps", "cidrmapping": "cidr-maps"}.get(str(kind))
        if not data.get("mapName") or maps and data["mapName"] not in dom.items[maps]:
            p.add("mapName", f"A {kind} property needs the mapName of an existing map.")
    for i, test in enumerate(data.get("livenessTests") or []):
        if not isinstance(test, dict) or not test.get("name"):
            p.add(f"livenessTests[{i}].name", "Each liveness test needs a name.")
            continue
        if test.get("testObjectProtocol") not in PROTOCOLS:
            p.add(f"livenessTests[{i}].testObjectProtocol", f"Unknown protocol {test.get('testObjectProtocol')!r}.")
        if (test.get("testInterval") or 60) < 10:
            p.add(f"livenessTests[{i}].testInterval", "testInterval must be at least 10 seconds.")
    p.raise_any()
    return {k: v for k, v in data.items() if k != "links"} | {"name": name}


def check_resource(dom: Any, name: str, data: dict[str, Any]) -> dict[str, Any]:
    p = Problems("resource")
    if data.get("type") not in RESOURCE_TYPES:
        p.add("type", f"Unknown resource type {data.get('type')!r}.")
    if data.get("aggregationType") not in ("sum", "median", "latest"):
        p.add("aggregationType", "aggregationType must be sum, median or latest.")
    known = _datacenter_ids(dom)
    for i, inst in enumerate(data.get("resourceInstances") or []):
        if not isinstance(inst, dict) or inst.get("datacenterId") not in known:
            p.add(f"resourceInstances[{i}].datacenterId", "Unknown datacenter.")
    p.raise_any()
    return {k: v for k, v in data.items() if k != "links"} | {"name": name}


def check_map(dom: Any, kind: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    p = Problems("geographic map" if kind == "geographic-maps" else "CIDR map")
    known = _datacenter_ids(dom)
    default = data.get("defaultDatacenter")
    if not isinstance(default, dict) or default.get("datacenterId") not in known:
        p.add("defaultDatacenter", "defaultDatacenter must name an existing datacenter (5400 is the usual "
              "default).")
    values = "countries" if kind == "geographic-maps" else "blocks"
    for i, item in enumerate(data.get("assignments") or []):
        if not isinstance(item, dict) or item.get("datacenterId") not in known:
            p.add(f"assignments[{i}].datacenterId", "Unknown datacenter.")
            continue
        for value in item.get(values) or []:
            if values == "blocks":
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError:
                    p.add(f"assignments[{i}].blocks", f"{value!r} is not a CIDR block.")
            elif not (isinstance(value, str) and len(value) == 2):
                p.add(f"assignments[{i}].countries", f"{value!r} is not a two-letter country code.")
    p.raise_any()
    return {k: v for k, v in data.items() if k != "links"} | {"name": name}
