"""The operations curated tools call that Akamai's published definitions leave out, described here so that their
requests are checked before they leave like every other request.

Two groups, each written from Akamai's API documentation (the tools that call them are declared
`published=False`):

- Edge Hostnames API (HAPI v1, techdocs.akamai.com/edge-hostnames): search, get, patch (a JSON Patch of `ttl` or
  `ipVersionBehavior`, values as strings) and delete an edge hostname, and read a change request.
- EdgeWorkers logging overrides (techdocs.akamai.com/edgeworkers/reference/post-override): list them and create one.

These are not offered by `call-akamai-operation`, which calls published operations only.
"""

from __future__ import annotations

import functools
from typing import Any

from alecs.openapi.index import Index

HAPI = "hapi/v1"
EDGEWORKERS = "edgeworkers/v1"
_STRING = {"type": "string", "minLength": 1}
_HOSTNAME_PATH = [
    {"in": "path", "name": "dnsZone", "required": True, "schema": _STRING},
    {"in": "path", "name": "recordName", "required": True, "schema": _STRING},
]
_CHANGE_QUERY = [
    {"in": "query", "name": "comments", "required": False, "schema": {"type": "string", "maxLength": 1000}},
    {"in": "query", "name": "statusUpdateEmail", "required": False,
     "schema": {"type": "array", "items": {"type": "string", "minLength": 3}}},
]
_JSON_PATCH = {
    "type": "array", "minItems": 1, "maxItems": 2,
    "items": {"type": "object", "additionalProperties": False, "required": ["op", "path", "value"],
              "properties": {"op": {"type": "string", "enum": ["replace"]},
                             "path": {"type": "string", "enum": ["/ttl", "/ipVersionBehavior"]},
                             "value": {"type": "string", "minLength": 1}}},
}
_EDGEWORKER_ID = {"in": "path", "name": "edgeWorkerId", "required": True, "schema": {"type": "integer", "minimum": 1}}
_LOGGING = {
    "type": "object", "additionalProperties": False, "required": ["network", "level"],
    "properties": {"network": {"type": "string", "enum": ["STAGING", "PRODUCTION"]},
                   "level": {"type": "string", "enum": ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]},
                   "ds2Id": {"type": "integer", "minimum": 1},
                   "schema": {"type": "string"},
                   "timeout": {"type": "string"}},
}
_JSON_ANSWER = ["application/json"]


def _row(api: str, op_id: str, method: str, path: str, summary: str, params: list[dict[str, Any]],
         bodies: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"api": api, "id": op_id, "method": method, "path": path, "summary": summary, "params": params,
            "bodyRequired": bool(bodies), "bodies": bodies or {}, "responses": _JSON_ANSWER}


ROWS = [
    _row(HAPI, "get-edge-hostnames", "GET", "/hapi/v1/edge-hostnames", "Search edge hostnames.",
         [{"in": "query", "name": "recordNameSubstring", "required": False, "schema": {"type": "string"}},
          {"in": "query", "name": "dnsZone", "required": False, "schema": {"type": "string"}}]),
    _row(HAPI, "get-edge-hostname", "GET", "/hapi/v1/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
         "Get an edge hostname.", _HOSTNAME_PATH),
    _row(HAPI, "patch-edge-hostname", "PATCH", "/hapi/v1/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
         "Change an edge hostname's TTL or IP version.", _HOSTNAME_PATH + _CHANGE_QUERY,
         {"application/json-patch+json": _JSON_PATCH}),
    _row(HAPI, "delete-edge-hostname", "DELETE", "/hapi/v1/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
         "Delete an edge hostname.", _HOSTNAME_PATH + _CHANGE_QUERY),
    _row(HAPI, "get-change-request", "GET", "/hapi/v1/change-requests/{changeId}", "Get a change request.",
         [{"in": "path", "name": "changeId", "required": True, "schema": {"type": "integer", "minimum": 1}}]),
    _row(EDGEWORKERS, "get-overrides", "GET", "/edgeworkers/v1/ids/{edgeWorkerId}/loggings",
         "List logging overrides.", [_EDGEWORKER_ID]),
    _row(EDGEWORKERS, "post-override", "POST", "/edgeworkers/v1/ids/{edgeWorkerId}/loggings",
         "Create a logging override.", [_EDGEWORKER_ID], {"application/json": _LOGGING}),
]
APIS = [
    {"id": HAPI, "title": "Edge Hostnames API", "description": "Edge hostnames (not in the published definitions).",
     "base": "/hapi/v1", "openapi": "3.0.0"},
    {"id": EDGEWORKERS, "title": "EdgeWorkers API (logging overrides)",
     "description": "EdgeWorkers logging overrides (not in the published definitions).", "base": "/edgeworkers/v1",
     "openapi": "3.0.0"},
]


@functools.cache
def index() -> Index:
    """The unpublished operations, as an index of their own."""
    return Index({"apis": APIS, "operations": ROWS})
