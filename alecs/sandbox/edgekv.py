"""EdgeKV (v1) as the sandbox simulates it.

Seeded: EdgeKV initialized (CP code 1234567); namespace "default" (retention 0, group 0) on both networks with
group "countries" holding JSON items US and DE and text item greeting; access token "sandbox_token".
Namespaces on staging and production are separate, as on Akamai.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse

BASE = "/edgekv/v1"
NS = BASE + "/networks/{network}/namespaces"
NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{1,512}$")
MAX_VALUE = 262144
KINDS = {400: "bad-request", 404: "not-found", 409: "conflict", 413: "payload-too-large"}
TITLES = {400: "Bad Request", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large"}


def error(status: int, detail: str) -> HttpError:
    return HttpError(status, TITLES[status], detail, type_=f"/edgekv/error-types/edgekv-{KINDS[status]}")


@dataclass
class Item:
    value: bytes
    content_type: str


@dataclass
class Namespace:
    name: str
    retention: int
    group_id: int
    geo: str = "US"
    restrict: bool = True
    groups: dict[str, dict[str, Item]] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"namespace": self.name, "retentionInSeconds": self.retention, "groupId": self.group_id,
                "geoLocation": self.geo,
                "dataAccessPolicy": {"restrictDataAccess": self.restrict, "policyType": "inherited"}}


def _retention(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(400, "Retention period must be specified.")
    if value != 0 and not 86400 <= value <= 315360000:
        raise error(400, "Retention period must be 0 or between 86400 and 315360000 seconds.")
    return value


class EdgekvSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.initialized = True
        self.policy = {"restrictDataAccess": True, "allowNamespacePolicyOverride": False}
        self.networks: dict[str, dict[str, Namespace]] = {}
        for network in ("staging", "production"):
            ns = Namespace("default", 0, 0)
            ns.groups["countries"] = {
                "US": Item(json.dumps({"name": "United States", "currency": "$"}).encode(), "application/json"),
                "DE": Item(json.dumps({"name": "Germany", "currency": "\u20ac"}).encode(), "application/json"),
                "greeting": Item(b"Hello from EdgeKV", "text/plain"),
            }
            self.networks[network] = {"default": ns}
        self.tokens: list[dict[str, Any]] = [
            {"name": "sandbox_token", "expiry": "2099-12-31", "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox"))}]

    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/initialize", lambda q: self._status())
        r.add("PUT", f"{BASE}/initialize", self.initialize)
        r.add("GET", NS, self.list_namespaces)
        r.add("POST", NS, self.create_namespace)
        r.add("GET", NS + "/{ns}", lambda q: self._namespace(q).json())
        r.add("PUT", NS + "/{ns}", self.update_namespace)
        r.add("GET", NS + "/{ns}/groups", self.list_groups)
        r.add("GET", NS + "/{ns}/groups/{group}", self.list_items)
        r.add("GET", NS + "/{ns}/groups/{group}/items/{item}", self.get_item)
        r.add("PUT", NS + "/{ns}/groups/{group}/items/{item}", self.put_item)
        r.add("DELETE", NS + "/{ns}/groups/{group}/items/{item}", self.delete_item)
        r.add("GET", f"{BASE}/tokens", lambda q: {"tokens": self.tokens})
        r.add("POST", f"{BASE}/tokens", self.create_token)

    # -- helpers -------------------------------------------------------------------------------------
    def _status(self) -> dict[str, Any]:
        state = "INITIALIZED" if self.initialized else "UNINITIALIZED"
        return {"accountStatus": state, "productionStatus": state, "stagingStatus": state,
                "cpcode": "1234567" if self.initialized else None, "dataAccessPolicy": self.policy}

    def _network(self, q: SimRequest) -> dict[str, Namespace]:
        network = self.networks.get(q.params["network"])
        if network is None:
            raise error(400, "network must be staging or production.")
        if not self.initialized:
            raise error(400, "EdgeKV is not initialized for this account; initialize it first.")
        return network

    def _namespace(self, q: SimRequest) -> Namespace:
        ns = self._network(q).get(q.params["ns"])
        if ns is None:
            raise error(400, "The requested namespace does not exist.")
        return ns

    def _key(self, q: SimRequest, name: str) -> str:
        value = q.params[name]
        if not KEY.match(value):
            raise error(400, "Key must only use a string that matches A-Z a-z 0-9 _ or -..")
        return value

    def _group(self, q: SimRequest) -> dict[str, Item]:
        ns = self._namespace(q)
        group = ns.groups.get(self._key(q, "group"))
        if not group:
            raise error(404, "The requested group is empty or not found.")
        return group

    # -- routes --------------------------------------------------------------------------------------
    def initialize(self, q: SimRequest) -> SimResponse:
        data = q.json
        if isinstance(data, dict) and isinstance(data.get("dataAccessPolicy"), dict):
            self.policy = {k: bool(data["dataAccessPolicy"].get(k, v)) for k, v in self.policy.items()}
        already = self.initialized
        self.initialized = True
        return SimResponse(200 if already else 201, self._status())

    def list_namespaces(self, q: SimRequest) -> Any:
        return {"namespaces": [ns.json() for ns in self._network(q).values()]}

    def create_namespace(self, q: SimRequest) -> SimResponse:
        network = self._network(q)
        data = q.json
        if not isinstance(data, dict):
            raise error(400, "The request body must be a JSON object.")
        name = data.get("namespace")
        if not isinstance(name, str) or not NAME.match(name):
            raise error(400, "Namespace name must be 1 to 32 characters A-Z a-z 0-9 _ or -.")
        retention = _retention(data.get("retentionInSeconds"))
        group_id = data.get("groupId")
        if isinstance(group_id, bool) or not isinstance(group_id, int) or group_id < 0:
            raise error(400, "groupId must be specified: 0 for all groups or an access group number.")
        geo = data.get("geoLocation", "US")
        if geo not in ("US", "EU", "JP") or (geo != "US" and q.params["network"] == "staging"):
            raise error(400, f"geoLocation {geo} is not available on {q.params['network']}.")
        existing = network.get(name)
        if existing is not None:
            if (existing.retention, existing.group_id) == (retention, group_id):
                return SimResponse(200, existing.json())
            raise error(409, f"A namespace with the name {name} already exists with a different configuration")
        ns = Namespace(name, retention, group_id, geo, self.policy["restrictDataAccess"])
        network[name] = ns
        return SimResponse(200, ns.json())

    def update_namespace(self, q: SimRequest) -> Any:
        ns = self._namespace(q)
        data = q.json
        if not isinstance(data, dict) or data.get("namespace") != ns.name:
            raise error(400, "The body's namespace must match the namespace in the path.")
        ns.retention = _retention(data.get("retentionInSeconds"))
        if isinstance(data.get("groupId"), int) and not isinstance(data["groupId"], bool):
            ns.group_id = data["groupId"]
        return ns.json()

    def list_groups(self, q: SimRequest) -> Any:
        groups = [name for name, items in self._namespace(q).groups.items() if items]
        if not groups:
            raise error(404, "There are no groups.")
        return groups

    def list_items(self, q: SimRequest) -> Any:
        keys = sorted(self._group(q))
        limit = q.query.get("maxItems")
        if limit is not None:
            if not limit.isdigit():
                raise error(400, "maxItems must be a number.")
            keys = keys[:int(limit)]
        return keys

    def get_item(self, q: SimRequest) -> SimResponse:
        group = self._namespace(q).groups.get(self._key(q, "group"), {})
        item = group.get(self._key(q, "item"))
        if item is None:
            raise error(404, f"Item '{q.params['item']}' or group '{q.params['group']}' was not found in the "
                        "database.")
        return SimResponse(200, item.value, content_type=item.content_type)

    def put_item(self, q: SimRequest) -> SimResponse:
        ns = self._namespace(q)
        group, key = self._key(q, "group"), self._key(q, "item")
        ctype = (q.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/json":
            if not isinstance(q.json, dict):
                raise error(400, "A JSON value must be an object.")
        elif ctype != "text/plain":
            raise error(400, "Send the value as application/json or text/plain.")
        if len(q.body.decode("utf-8", "replace")) > MAX_VALUE:
            raise error(413, f"Value cannot exceed {MAX_VALUE} characters.")
        ns.groups.setdefault(group, {})[key] = Item(q.body, ctype)
        text = f"Item was upserted in database, namespace {ns.name}, group {group}, and key {key}."
        return SimResponse(200, text.encode(), content_type="text/plain")

    def delete_item(self, q: SimRequest) -> SimResponse:
        ns = self._namespace(q)
        group, key = self._key(q, "group"), self._key(q, "item")
        if key not in ns.groups.get(group, {}):
            raise error(404, f"Item '{key}' or group '{group}' was not found in the database.")
        del ns.groups[group][key]
        text = f"Item was deleted in the KV store with database 123456 namespace {ns.name} group {group} key {key}."
        return SimResponse(200, text.encode(), content_type="text/plain")

    def create_token(self, q: SimRequest) -> Any:
        data = q.json
        if not isinstance(data, dict):
            raise error(400, "The request body must be a JSON object.")
        missing = [k for k in ("name", "allowOnStaging", "allowOnProduction", "expiry", "namespacePermissions")
                   if data.get(k) is None]
        if missing:
            raise error(400, f"Missing {', '.join(missing)}.")
        perms = data["namespacePermissions"]
        unknown = [ns for ns in perms if not any(ns in n for n in self.networks.values())] \
            if isinstance(perms, dict) else ["namespacePermissions"]
        if unknown or not perms:
            raise error(400, f"Unknown namespace(s): {', '.join(unknown) or '(none)'}.")
        if any(t["name"] == data["name"] for t in self.tokens):
            raise error(409, f"A token named {data['name']} already exists.")
        token = {"name": data["name"], "expiry": data["expiry"], "uuid": str(uuid.uuid4())}
        self.tokens.append(token)
        return token | {"value": "sandbox." + uuid.uuid4().hex}
