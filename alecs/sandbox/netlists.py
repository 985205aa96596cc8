"""Network lists (v2) as the sandbox simulates it.

Seeded (the IP/Geo firewall of the seeded WAF policies uses all three, see appsec_seed.py):
1024_BLOCKEDIPS (IP, blocked by the WAF; syncPoint 3, active on STAGING and PRODUCTION; snapshot at syncPoint 3),
1025_EMBARGOEDGEOS (GEO, blocked by the WAF; never activated on its own), 1026_OFFICEIPS (IP, allowed through
the WAF; syncPoint 1, active on both networks). Activations stay PENDING_ACTIVATION for
`settings.activation_seconds`, then become ACTIVE; a list changed after its activation shows MODIFIED.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of
from alecs.sandbox.ids import CONTRACT, GROUP

BASE = "/network-list/v2"
ENVS = ("STAGING", "PRODUCTION")
USER = "sandbox"
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class NetList:
    id: str
    name: str
    type: str
    elements: list[str]
    description: str | None = None
    sync: int = 0
    contract: str | None = None
    group: int | None = None
    created: str = ""
    updated: str = ""
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)  # environment -> activation id


@dataclass
class Activation:
    id: int
    list_id: str
    environment: str
    sync: int
    comments: str
    submitted: float
    created: str
    initial: bool
    status: str = "PENDING_ACTIVATION"


def _links(lid: str) -> dict[str, Any]:
    own = f"{BASE}/network-lists/{lid}"
    return {"activateInProduction": {"href": f"{own}/environments/PRODUCTION/activate", "method": "POST"},
            "activateInStaging": {"href": f"{own}/environments/STAGING/activate", "method": "POST"},
            "appendItems": {"href": f"{own}/append", "method": "POST"}, "retrieve": {"href": own},
            "statusInProduction": {"href": f"{own}/environments/PRODUCTION/status"},
            "statusInStaging": {"href": f"{own}/environments/STAGING/status"},
            "update": {"href": own, "method": "PUT"}}


def _flag(q: SimRequest, name: str, default: bool) -> bool:
    value = q.query.get(name)
    return default if value is None else value.lower() == "true"


def _bad_request(detail: str) -> HttpError:
    return HttpError(400, "Bad Request", detail)


class NetlistsSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.lists: dict[str, NetList] = {}
        self.activations: dict[int, Activation] = {}
        self.subscriptions: dict[str, set[str]] = {}
        self._ids = itertools.count(1030)
        self._activation_ids = itertools.count(130001)
        now = account.iso()
        blocked = NetList("1024_BLOCKEDIPS", "Blocked IPs", "IP", ["192.0.2.0/24", "198.51.100.7"],
                          "Addresses blocked by the WAF", 3, CONTRACT.removeprefix("ctr_"), int(GROUP[4:]), now, now)
        self.lists[blocked.id] = blocked
        for env in ENVS:
            act = self._new_activation(blocked, env, "Initial activation")
            act.status = "ACTIVE"
        geos = NetList("1025_EMBARGOEDGEOS", "Embargoed countries", "GEO", ["KP", "IR"], None, 1,
                       created=now, updated=now)
        self.lists[geos.id] = geos
        offices = NetList("1026_OFFICEIPS", "Office IPs", "IP", ["203.0.113.0/24"], "Office networks the WAF lets "
                          "through", 1, CONTRACT.removeprefix("ctr_"), int(GROUP[4:]), now, now)
        self.lists[offices.id] = offices
        for env in ENVS:
            self._new_activation(offices, env, "Initial activation").status = "ACTIVE"

    def routes(self, r: Router) -> None:
        nl = f"{BASE}/network-lists"
        one = nl + "/{networkListId}"
        r.add("GET", nl, self.list_lists)
        r.add("POST", nl, self.create)
        r.add("GET", one, self.get)
        r.add("PUT", one, self.update)
        r.add("DELETE", one, self.delete)
        r.add("PUT", one + "/details", self.details)
        r.add("POST", one + "/append", self.append)
        r.add("PUT", one + "/elements", self.add_element)
        r.add("DELETE", one + "/elements", self.remove_element)
        r.add("POST", one + "/environments/{environment}/activate", self.activate)
        r.add("GET", one + "/environments/{environment}/status", self.status)
        r.add("GET", one + "/sync-points/{syncPoint}/history", self.snapshot)
        r.add("GET", f"{BASE}/activations/{{activationId}}", self.activation)
        r.add("POST", f"{BASE}/notifications/subscribe", self.subscribe)
        r.add("POST", f"{BASE}/notifications/unsubscribe", self.unsubscribe)

    # -- helpers -------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.account.now()
        for act in self.activations.values():
            if act.status == "PENDING_ACTIVATION" and now - act.submitted >= self.account.settings.activation_seconds:
                act.status = "ACTIVE"

    def _find(self, q: SimRequest) -> NetList:
        lid = unquote(q.params["networkListId"])
        found = self.lists.get(lid)
        if found is None:
            raise HttpError(404, "Not Found", f"Network list {lid} does not exist.",
                            type_="https://problems.luna.akamaiapis.net/network-lists/error-types/NOT-FOUND")
        self._tick()
        return found

    def _env(self, q: SimRequest) -> str:
        env = q.params["environment"]
        if env not in ENVS:
            raise HttpError(400, "Bad Request", f"environment must be STAGING or PRODUCTION, not {env}.")
        return env

    def _env_status(self, nl: NetList, env: str) -> str:
        act = self.activations.get(nl.last.get(env, -1))
        if act is None:
            return "INACTIVE"
        if act.status == "ACTIVE" and act.sync != nl.sync:
            return "MODIFIED"
        return act.status

    def _check(self, kind: str, elements: Any) -> list[str]:
        if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
            raise HttpError(400, "Bad Request", "list must be an array of strings.")
        bad: list[str] = []
        out: list[str] = []
        for raw in elements:
            item = raw.strip()
            if kind == "GEO":
                item = item.upper()
                ok = bool(COUNTRY.match(item))
            else:
                try:
                    ipaddress.ip_network(item, strict=False)
                    ok = True
                except ValueError:
                    ok = False
            (out if ok else bad).append(item)
        if bad:
            what = "two-letter country codes" if kind == "GEO" else "IP addresses or CIDR blocks"
            raise HttpError(400, "Invalid network list elements", f"Elements of a {kind} list must be {what}: "
                            f"{', '.join(bad)}.", errors=[{"title": "Invalid element", "detail": b} for b in bad])
        return list(dict.fromkeys(out))

    def _json(self, nl: NetList, include: bool = True, extended: bool = False,
              state: dict[str, Any] | None = None) -> dict[str, Any]:
        src = state or {"name": nl.name, "description": nl.description, "list": nl.elements, "syncPoint": nl.sync}
        out: dict[str, Any] = {"uniqueId": nl.id, "name": src["name"], "type": nl.type, "syncPoint": src["syncPoint"],
                               "elementCount": len(src["list"]), "readOnly": False, "shared": False,
                               "networkListType": "extendedNetworkListResponse" if extended else "networkListResponse",
                               "links": _links(nl.id)}
        if src.get("description"):
            out["description"] = src["description"]
        if nl.contract and nl.group is not None:
            out |= {"contractId": nl.contract, "groupId": nl.group}
        if include:
            out["list"] = list(src["list"])
        if extended:
            out |= {"createDate": nl.created, "createdBy": USER, "updateDate": nl.updated, "updatedBy": USER,
                    "stagingActivationStatus": self._env_status(nl, "STAGING"),
                    "productionActivationStatus": self._env_status(nl, "PRODUCTION")}
        return out

    def _changed(self, nl: NetList) -> None:
        nl.sync += 1
        nl.updated = self.account.iso()

    # -- lists ---------------------------------------------------------------------------------
    def list_lists(self, q: SimRequest) -> Any:
        self._tick()
        kind = q.query.get("listType")
        if kind and kind not in ("IP", "GEO"):
            raise HttpError(400, "Bad Request", "listType must be IP or GEO.")
        search = (q.query.get("search") or "").lower()
        items = [n for n in self.lists.values() if (not kind or n.type == kind)
                 and (not search or search in n.name.lower() or any(search in e.lower() for e in n.elements))]
        include, extended = _flag(q, "includeElements", False), _flag(q, "extended", False)
        return {"networkLists": [self._json(n, include, extended) for n in items],
                "links": {"create": {"href": f"{BASE}/network-lists/", "method": "POST"}}}

    def create(self, q: SimRequest) -> SimResponse:
        data = body_of(q, _bad_request)
        missing = [f for f in ("name", "type") if not data.get(f)]
        if missing:
            raise HttpError(400, "Bad Request", f"Missing required fields: {', '.join(missing)}.",
                            errors=[{"title": "Required", "detail": f} for f in missing])
        if data["type"] not in ("IP", "GEO"):
            raise HttpError(400, "Bad Request", "type must be IP or GEO.")
        if ("contractId" in data) != ("groupId" in data):
            raise HttpError(400, "Bad Request", "contractId and groupId go together.")
        if "contractId" in data and data["contractId"] != CONTRACT.removeprefix("ctr_"):
            raise HttpError(403, "Forbidden", f"You cannot create lists in contract {data['contractId']}.")
        elements = self._check(data["type"], data.get("list", []))
        slug = re.sub(r"[^A-Z0-9]", "", str(data["name"]).upper())[:25] or "LIST"
        now = self.account.iso()
        nl = NetList(f"{next(self._ids)}_{slug}", data["name"], data["type"], elements, data.get("description"), 1,
                     data.get("contractId"), int(data["groupId"]) if "groupId" in data else None, now, now)
        self.lists[nl.id] = nl
        return SimResponse(201, self._json(nl))

    def get(self, q: SimRequest) -> Any:
        nl = self._find(q)
        return self._json(nl, _flag(q, "includeElements", True), _flag(q, "extended", False))

    def update(self, q: SimRequest) -> Any:
        nl = self._find(q)
        data = body_of(q, _bad_request)
        missing = [f for f in ("name", "type", "list", "syncPoint") if f not in data]
        if missing:
            raise HttpError(400, "Bad Request", f"Missing required fields: {', '.join(missing)}.")
        if data["type"] != nl.type:
            raise HttpError(400, "Bad Request", f"The type of {nl.id} is {nl.type} and cannot change.")
        if data["syncPoint"] != nl.sync:
            raise HttpError(409, "Conflict", f"syncPoint {data['syncPoint']} is stale; {nl.id} is at syncPoint "
                            f"{nl.sync}. Get the list again and reapply your change.")
        nl.elements = self._check(nl.type, data["list"])
        nl.name = data["name"]
        nl.description = data.get("description", nl.description)
        self._changed(nl)
        return self._json(nl, _flag(q, "includeElements", True), _flag(q, "extended", False))

    def details(self, q: SimRequest) -> SimResponse:
        nl = self._find(q)
        data = body_of(q, _bad_request)
        if not data.get("name"):
            raise HttpError(400, "Bad Request", "name is required.")
        nl.name = data["name"]
        nl.description = data.get("description", nl.description)
        nl.updated = self.account.iso()
        return SimResponse(204)

    def delete(self, q: SimRequest) -> Any:
        nl = self._find(q)
        active = [env for env in ENVS if self._env_status(nl, env) != "INACTIVE"]
        if active or nl.snapshots:
            raise HttpError(409, "Conflict", f"{nl.id} has been activated ({', '.join(active) or 'before'}); "
                            "active network lists cannot be deleted. Empty its elements instead.")
        del self.lists[nl.id]
        return {"status": 200, "uniqueId": nl.id}

    def append(self, q: SimRequest) -> SimResponse:
        nl = self._find(q)
        data = body_of(q, _bad_request)
        if "list" not in data:
            raise HttpError(400, "Bad Request", "list is required.")
        new = [e for e in self._check(nl.type, data["list"]) if e not in nl.elements]
        if new:
            nl.elements = nl.elements + new
            self._changed(nl)
        return SimResponse(202, self._json(nl))

    def _element(self, q: SimRequest, nl: NetList) -> str:
        element = q.query.get("element")
        if not element:
            raise HttpError(400, "Bad Request", "The element query parameter is required.")
        return self._check(nl.type, [element])[0]

    def add_element(self, q: SimRequest) -> Any:
        nl = self._find(q)
        element = self._element(q, nl)
        if element not in nl.elements:
            nl.elements = nl.elements + [element]
            self._changed(nl)
        return self._json(nl)

    def remove_element(self, q: SimRequest) -> Any:
        nl = self._find(q)
        element = self._element(q, nl)
        if element not in nl.elements:
            raise HttpError(404, "Not Found", f"{element} is not an element of {nl.id}.")
        nl.elements = [e for e in nl.elements if e != element]
        self._changed(nl)
        return self._json(nl)

    # -- activations ---------------------------------------------------------------------------
    def _new_activation(self, nl: NetList, env: str, comments: str) -> Activation:
        act = Activation(next(self._activation_ids), nl.id, env, nl.sync, comments, self.account.now(),
                         self.account.iso(), initial=env not in nl.last)
        self.activations[act.id] = act
        nl.last[env] = act.id
        nl.snapshots[nl.sync] = {"name": nl.name, "description": nl.description, "list": list(nl.elements),
                                 "syncPoint": nl.sync}
        return act

    def _status_json(self, nl: NetList, act: Activation | None, env: str) -> dict[str, Any]:
        links = _links(nl.id)
        if act is None:
            return {"activationStatus": "INACTIVE", "syncPoint": nl.sync, "uniqueId": nl.id, "links": links}
        status = act.status
        if act.id == nl.last.get(env):
            status = self._env_status(nl, env)
        links["syncPointHistory"] = {"href": f"{BASE}/network-lists/{nl.id}/sync-points/{act.sync}/history"}
        links["activationDetails"] = {"href": f"{BASE}/activations/{act.id}"}
        out = {"activationId": act.id, "activationStatus": status, "syncPoint": act.sync, "uniqueId": nl.id,
               "fast": not act.initial, "dispatchCount": 1, "links": links}
        if act.comments:
            out["activationComments"] = act.comments
        return out

    def activate(self, q: SimRequest) -> Any:
        nl = self._find(q)
        env = self._env(q)
        data = q.json if q.body else {}
        if not isinstance(data, dict):
            raise HttpError(400, "Bad Request", "The request body must be a JSON object.")
        recipients = data.get("notificationRecipients")
        if recipients is not None and (not isinstance(recipients, list) or not recipients):
            raise HttpError(400, "Bad Request", "notificationRecipients must list at least one email address.")
        current = self.activations.get(nl.last.get(env, -1))
        if current is not None and current.status == "PENDING_ACTIVATION":
            raise HttpError(409, "Conflict", f"Activation {current.id} of {nl.id} on {env} is still pending.")
        act = self._new_activation(nl, env, str(data.get("comments") or ""))
        return self.account.activation_answer(SimResponse(200, self._status_json(nl, act, env)))

    def status(self, q: SimRequest) -> Any:
        nl = self._find(q)
        env = self._env(q)
        return self._status_json(nl, self.activations.get(nl.last.get(env, -1)), env)

    def activation(self, q: SimRequest) -> Any:
        raw = q.params["activationId"]
        act = self.activations.get(int(raw)) if raw.isdigit() else None
        if act is None or act.list_id not in self.lists:
            raise HttpError(404, "Not Found", f"Activation {raw} does not exist.")
        self._tick()
        nl = self.lists[act.list_id]
        out = {"activationId": act.id, "createDate": act.created, "createdBy": USER, "environment": act.environment,
               "fast": not act.initial, "initial": act.initial,
               "networkList": {k: v for k, v in self._status_json(nl, act, act.environment).items()
                               if k != "activationId"}}
        if act.status == "PENDING_ACTIVATION":
            out["status"] = "RECEIVED"
        return out

    def snapshot(self, q: SimRequest) -> Any:
        nl = self._find(q)
        raw = q.params["syncPoint"]
        state = nl.snapshots.get(int(raw)) if raw.isdigit() else None
        if state is None:
            raise HttpError(404, "Not Found", f"syncPoint {raw} of {nl.id} was never activated.")
        return self._json(nl, True, _flag(q, "extended", False), copy.deepcopy(state))

    # -- notifications -------------------------------------------------------------------------
    def _subscription(self, q: SimRequest) -> tuple[list[str], list[str]]:
        data = body_of(q, _bad_request)
        recipients, ids = data.get("recipients"), data.get("uniqueIds")
        if not recipients or not ids:
            raise HttpError(400, "Bad Request", "recipients and uniqueIds must each list at least one value.")
        unknown = [i for i in ids if i not in self.lists]
        if unknown:
            raise HttpError(404, "Not Found", f"Unknown network lists: {', '.join(unknown)}.")
        return recipients, ids

    def subscribe(self, q: SimRequest) -> SimResponse:
        recipients, ids = self._subscription(q)
        for i in ids:
            self.subscriptions.setdefault(i, set()).update(recipients)
        return SimResponse(204)

    def unsubscribe(self, q: SimRequest) -> SimResponse:
        recipients, ids = self._subscription(q)
        for i in ids:
            self.subscriptions.get(i, set()).difference_update(recipients)
        return SimResponse(204)
