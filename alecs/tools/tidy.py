"""Akamai's answers made direct: ids instead of links, one object instead of a one-item envelope, and the bulk
a model never needs (HATEOAS links, PEM bodies, contact blocks) left out unless the call asks for it (`full`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Collections in Akamai's resource paths and the id field an element of each is named by in every tool's
# arguments: /papi/v1/properties/prp_1/versions/2 says propertyId=prp_1 and propertyVersion=2.
COLLECTION_IDS: Mapping[str, str] = {
    "properties": "propertyId", "includes": "includeId", "activations": "activationId",
    "edgehostnames": "edgeHostnameId", "cpcodes": "cpcodeId", "enrollments": "enrollmentId",
    "changes": "changeId", "contracts": "contractId", "groups": "groupId", "products": "productId",
}
VERSIONS = "versions"  # an element of versions is the version of its parent: propertyVersion, includeVersion
LINK = re.compile(r"^[a-z][A-Za-z0-9]*Link$")
PEM = "-----BEGIN "
CONTACTS = frozenset({"adminContact", "techContact"})
FULL = "full"  # the argument that keeps everything (declared once, in model.py, for the tools NOISY_APIS names)

# The APIs whose answers carry what is left out by default. Tools of these APIs take `full`; the results of
# every tool are checked against the sandbox (tests/tools/test_results_registry.py), so an API that starts
# answering with links, PEM bodies or contacts without being listed here fails CI.
NOISY_APIS: Mapping[str, str] = {
    "cps/v2": "PEM bodies and contact blocks",
    "network-lists/v2": "HATEOAS links",
    "config-gtm/v1": "HATEOAS links",
    "cloudlets/v3": "HATEOAS links",
    "reporting-api/v1": "HATEOAS links",
}


def ids_in_link(link: str) -> tuple[dict[str, Any], bool]:
    """The ids a resource link names, and whether they are all it says. After the API's own /name/version, the
    path must be collection/id pairs of `COLLECTION_IDS` from the start; anything else ends the reading."""
    parts = urlsplit(link)
    rest = [s for s in parts.path.split("/") if s][2:]
    out: dict[str, Any] = {}
    parent, i = "", 0
    while i + 1 < len(rest):
        key = parent.removesuffix("Id") + "Version" if rest[i] == VERSIONS and parent else COLLECTION_IDS.get(rest[i])
        if not key:
            break
        out[key] = _number(rest[i + 1])
        parent, i = key, i + 2
    whole = i == len(rest) and bool(out)
    for key, value in parse_qsl(parts.query):
        if key in COLLECTION_IDS.values():
            out.setdefault(key, _number(value))
        else:
            whole = False
    return out, whole


def _number(value: str) -> Any:
    return int(value) if value.isdigit() else value


def ids_from_links(data: Any) -> Any:
    """An answer's `*Link` fields as the ids they name (`versionLink` → `propertyVersion`, `propertyId`, …); a
    link whose every part became an id is dropped, since it says nothing more. A link of another shape names its
    last segment after itself (`bulkActivationLink` → `bulkActivationId`)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        if LINK.match(key) and isinstance(value, str) and value.startswith("/"):
            ids, whole = ids_in_link(value)
            if not ids:
                last = urlsplit(value).path.rstrip("/").rsplit("/", 1)[-1]
                ids = {key.removesuffix("Link") + "Id": last} if last else {}
            for name, number in ids.items():
                out.setdefault(name, number)
            if whole:
                del out[key]
    return out


def single(data: Any) -> Any:
    """The one object of PAPI's envelope for a single resource ({"properties": {"items": [one]}, …context}),
    with the envelope's context fields; anything else as it is."""
    if not isinstance(data, dict):
        return data
    wrapped = [k for k, v in data.items() if isinstance(v, dict) and set(v) <= {"items", "totalItems"}
               and isinstance(v.get("items"), list) and len(v["items"]) == 1 and isinstance(v["items"][0], dict)]
    if len(wrapped) != 1 or any(isinstance(v, dict | list) for k, v in data.items() if k != wrapped[0]):
        return data
    context = {k: v for k, v in data.items() if k != wrapped[0]}
    return context | data[wrapped[0]]["items"][0]


@dataclass
class Trimmed:
    """An answer without its bulk, and what was left out (paths by kind)."""

    data: Any
    left_out: dict[str, list[str]] = field(default_factory=dict)

    def note(self) -> str:
        """The closing line that says what was left out and how to get it, or ""."""
        if not self.left_out:
            return ""
        parts = []
        for kind, paths in self.left_out.items():
            fields: dict[str, int] = {}
            for where in paths:
                name = re.sub(r"\[\d+\]", "", where.rsplit(".", 1)[-1])
                fields[name] = fields.get(name, 0) + 1
            detail = ", ".join(f"{n}" + (f" ×{c}" if c > 1 else "") for n, c in fields.items())
            parts.append(f"{kind} ({len(paths)})" if set(fields) == {"links"} else f"{kind} ({detail})")
        return f"Left out: {'; '.join(parts)}. Call again with {FULL}=true to include them."


def trim(data: Any) -> Trimmed:
    """`data` without HATEOAS `links`, PEM bodies and contact blocks, with where each was."""
    out = Trimmed(None)
    out.data = _trim(data, "", out.left_out)
    return out


def _trim(value: Any, path: str, left: dict[str, list[str]]) -> Any:
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            kind = _noise(key, item)
            if kind:
                left.setdefault(kind, []).append(where)
                continue
            kept[key] = _trim(item, where, left)
        return kept
    if isinstance(value, list):
        return [_trim(item, f"{path}[{i}]", left) for i, item in enumerate(value)]
    return value


def _noise(key: str, value: Any) -> str:
    if key == "links" and isinstance(value, dict | list):
        return "HATEOAS links"
    if isinstance(value, str) and value.lstrip().startswith(PEM):
        return "PEM bodies"
    if key in CONTACTS and isinstance(value, dict):
        return "contact blocks"
    return ""


def has_noise(value: Any) -> bool:
    """Whether `value` holds anything `trim` would leave out."""
    return bool(trim(value).left_out)
