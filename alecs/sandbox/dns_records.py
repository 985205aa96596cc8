"""Edge DNS record sets as the sandbox checks them: validation, zone files, diffs (helpers of DnsSim)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from alecs.sandbox.http import HttpError

RECORD_TYPES = ["A", "AAAA", "AFSDB", "AKAMAICDN", "AKAMAITLC", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HINFO",
                "HTTPS", "LOC", "MX", "NAPTR", "NS", "NSEC3", "NSEC3PARAM", "PTR", "RP", "RRSIG", "SOA", "SPF",
                "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "ZONEMD"]
MAX_TTL = 2147483647
Key = tuple[str, str]


def norm(name: str) -> str:
    return str(name).strip().rstrip(".").lower()


def in_zone(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone)


def _bad(field: str, detail: str) -> HttpError:
    return HttpError(400, "Invalid record set", detail, errors=[{"field": field, "detail": detail}],
                     type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/invalid-recordset")


def check_record(zone: str, rs: Any, *, path_name: str | None = None, path_type: str | None = None) -> dict[str, Any]:
    """A validated record set {name, type, ttl, rdata}; raises 400 the way Edge DNS does."""
    if not isinstance(rs, dict):
        raise HttpError(400, "Bad request", "A record set must be a JSON object.")
    name, rtype = norm(rs.get("name", "")), str(rs.get("type", "")).upper()
    if path_name is not None and (name != norm(path_name) or rtype != path_type):
        raise _bad("name", f"The body ({name} {rtype}) does not match the URL ({norm(path_name)} {path_type}).")
    if rtype not in RECORD_TYPES:
        raise _bad("type", f"Unsupported record type '{rtype}'.")
    if not name or not in_zone(name, zone):
        raise _bad("name", f"The name '{name}' is not in zone {zone}.")
    ttl, rdata = rs.get("ttl"), rs.get("rdata")
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_TTL:
        raise _bad("ttl", "ttl must be an integer between 0 and 2147483647.")
    if not isinstance(rdata, list) or not rdata or not all(isinstance(r, str) and r.strip() for r in rdata):
        raise _bad("rdata", "rdata must be a non-empty list of strings.")
    for value in rdata:
        _check_rdata(rtype, value)
    if rtype == "CNAME" and len(rdata) != 1:
        raise _bad("rdata", "A CNAME record set has exactly one target.")
    if rtype == "CNAME" and name == zone:
        raise _bad("name", "A CNAME cannot be at the zone apex.")
    return {"name": name, "type": rtype, "ttl": ttl, "rdata": list(rdata)}


def _check_rdata(rtype: str, value: str) -> None:
    try:
        if rtype == "A":
            ipaddress.IPv4Address(value)
        elif rtype == "AAAA":
            ipaddress.IPv6Address(value)
    except ValueError:
        raise _bad("rdata", f"'{value}' is not a valid {rtype} address.") from None
    if rtype == "MX" and not re.fullmatch(r"\d{1,5}\s+\S+", value.strip()):
        raise _bad("rdata", f"MX rdata '{value}' must be 'preference exchange', e.g. '10 mail.example.com.'.")


def check_conflicts(records: dict[Key, dict[str, Any]], rs: dict[str, Any]) -> None:
    others = {t for (n, t) in records if n == rs["name"] and t != rs["type"]}
    if rs["type"] == "CNAME" and others or "CNAME" in others:
        raise HttpError(409, "Conflict", f"{rs['name']} cannot have a CNAME and other record types.",
                        type_="https://problems.luna.akamaiapis.net/authoritative-dns/errors/cname-conflict")


def sort_records(records: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    return [records[k] for k in sorted(records, key=lambda k: (k[0].count("."), k[0], k[1]))]


def filter_records(records: dict[Key, dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    items = sort_records(records)
    types = {t.strip().upper() for t in (query.get("types") or "").split(",") if t.strip()}
    if types:
        items = [r for r in items if r["type"] in types]
    if query.get("search"):
        items = [r for r in items if query["search"].lower() in r["name"]]
    show_all = query.get("showAll") == "true"
    page = int(query.get("page") or 1)
    size = int(query.get("pageSize") or 25)
    total = len(items)
    if not show_all:
        items = items[(page - 1) * size: page * size]
    meta: dict[str, Any] = {"showAll": show_all, "totalElements": total}
    if not show_all:
        meta |= {"page": page, "pageSize": size}
    if types:
        meta["types"] = sorted(types)
    return {"metadata": meta, "recordsets": items}


def zone_file(records: dict[Key, dict[str, Any]]) -> str:
    lines = []
    for rs in sort_records(records):
        for value in rs["rdata"]:
            lines.append(f"{rs['name']}.\t{rs['ttl']}\tIN\t{rs['type']}\t{value}")
    return "\n".join(lines) + "\n"


def parse_zone_file(zone: str, text: str) -> dict[Key, dict[str, Any]]:
    """Master file -> record sets; one record per line (name ttl [IN] type rdata)."""
    records: dict[Key, dict[str, Any]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("$"):
            continue
        parts = line.split()
        if len(parts) >= 3 and parts[2].upper() == "IN":
            del parts[2]
        if len(parts) < 4 or not parts[1].isdigit():
            raise HttpError(400, "Invalid zone file", f"Line {number} is not 'name ttl IN type rdata': {raw!r}.")
        name = norm(parts[0]) if parts[0] != "@" else zone
        rs = check_record(zone, {"name": name, "type": parts[2].upper(), "ttl": int(parts[1]),
                                 "rdata": [" ".join(parts[3:])]})
        key = (rs["name"], rs["type"])
        if key in records:
            records[key]["rdata"].extend(rs["rdata"])
        else:
            records[key] = rs
    if not any(t == "SOA" for (_, t) in records):
        raise HttpError(400, "Invalid zone file", "The zone file has no SOA record.")
    return records


def diff(old: dict[Key, dict[str, Any]], new: dict[Key, dict[str, Any]],
         old_settings: dict[str, Any], new_settings: dict[str, Any]) -> dict[str, Any]:
    records = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        item: dict[str, Any] = {"name": key[0], "type": key[1],
                                "operation": "ADD" if before is None else "DELETE" if after is None else "EDIT"}
        if before is not None:
            item["fromValue"] = {"ttl": before["ttl"], "rdata": before["rdata"]}
        if after is not None:
            item["toValue"] = {"ttl": after["ttl"], "rdata": after["rdata"]}
        records.append(item)
    settings = [{"fieldName": k, "operation": "EDIT", "fromValue": old_settings.get(k), "toValue": new_settings.get(k)}
                for k in sorted(set(old_settings) | set(new_settings))
                if old_settings.get(k) != new_settings.get(k) and k in ("comment", "masters", "signAndServe", "target")]
    return {"settingsDiffs": settings, "recordSetDiffs": records}
