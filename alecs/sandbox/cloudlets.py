"""Cloudlets v3 (shared policies) as the sandbox simulates it.

Seeded: Edge Redirector policy 1001 (static_assets_redirector, group 10001) with version 1 active on
PRODUCTION (activation 300001). Activations stay IN_PROGRESS for `activation_seconds`, then SUCCESS; an
activated version becomes immutable.
"""

from __future__ import annotations

from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import GROUP, SUBGROUP

BASE = "/cloudlets/v3"
GROUPS = {int(GROUP.removeprefix("grp_")), int(SUBGROUP.removeprefix("grp_"))}
TYPES = {"AP": "API_PRIORITIZATION", "AS": "AUDIENCE_SEGMENTATION", "CD": "PHASED_RELEASE",
         "ER": "EDGE_REDIRECTOR", "FR": "FORWARD_REWRITE", "IG": "REQUEST_CONTROL", "VWR": "VIRTUAL_WAITING_ROOM"}
USER = "sandbox-user"


def _error(status: int, title: str, detail: str, kind: str, **extra: Any) -> HttpError:
    return HttpError(status, title, detail, errors=[{"title": title, "detail": detail} | extra],
                     type_=f"/cloudlets/v3/error-types/{kind}")


def _not_found(detail: str) -> HttpError:
    return _error(404, "Not found", detail, "not-found")


def _int(value: str, what: str) -> int:
    if not value.isdigit():
        raise _error(400, "Validation failed", f"Invalid {what} `{value}`.", "validation-failed")
    return int(value)


def _page(items: list[dict[str, Any]], q: SimRequest, href: str) -> dict[str, Any]:
    for name in ("page", "size"):
        if not q.query.get(name, "").isdigit():
            raise _error(400, "Validation failed", f"Query parameter `{name}` is required.", "validation-failed")
    page, size = int(q.query["page"]), int(q.query["size"])
    if size < 10:
        raise _error(400, "Validation failed", "Value of `size` must be at least 10.", "validation-failed")
    chunk = items[page * size:(page + 1) * size]
    return {"page": {"number": page, "size": size, "totalElements": len(items),
                     "totalPages": (len(items) + size - 1) // size},
            "content": chunk, "links": [{"href": f"{href}?page={page}&size={size}", "rel": "self"}]}


class CloudletsSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.policies: dict[int, dict[str, Any]] = {}
        self.versions: dict[int, dict[int, dict[str, Any]]] = {}
        self.activations: dict[int, dict[str, Any]] = {}
        policy = self._new_policy("static_assets_redirector", "ER", 10001, "ER policy for static assets", 1001)
        self._new_version(policy["id"], "Initial version", [
            {"type": "erMatchRule", "name": "Redirect images", "matchURL": "/images/*",
             "redirectURL": "/static/images/", "statusCode": 302, "useIncomingQueryString": True}])
        activation = self._new_activation(policy["id"], 1, "PRODUCTION", "ACTIVATION", 300001)
        activation["ready"] = 0.0

    # -- state -------------------------------------------------------------------------------------
    def _new_policy(self, name: str, kind: str, group: int, description: str | None,
                    number: int | None = None) -> dict[str, Any]:
        number = number or 1000 + self.account.next_id()
        now = self.account.iso()
        policy = {"id": number, "name": name, "cloudletType": kind, "groupId": group, "description": description,
                  "policyType": "SHARED", "createdBy": USER, "createdDate": now, "modifiedBy": USER,
                  "modifiedDate": now, "links": [{"href": f"{BASE}/policies/{number}", "rel": "self"}]}
        self.policies[number] = policy
        self.versions[number] = {}
        return policy

    def _new_version(self, policy_id: int, description: str, rules: list[dict[str, Any]],
                     configuration: dict[str, Any] | None = None) -> dict[str, Any]:
        number = max(self.versions[policy_id], default=0) + 1
        now = self.account.iso()
        version = {"id": 2000 + self.account.next_id(), "policyId": policy_id, "version": number,
                   "description": description, "immutable": False, "createdBy": USER, "createdDate": now,
                   "modifiedBy": USER, "modifiedDate": now, "matchRulesWarnings": [],
                   "matchRules": [{"id": i, "disabled": False, "start": 0, "end": 0} | rule
                                  for i, rule in enumerate(rules)],
                   "links": [{"href": f"{BASE}/policies/{policy_id}/versions/{number}", "rel": "self"}]}
        if configuration:
            version["configuration"] = configuration
        self.versions[policy_id][number] = version
        return version

    def _new_activation(self, policy_id: int, version: int, network: str, operation: str,
                        number: int | None = None) -> dict[str, Any]:
        number = number or 300000 + self.account.next_id()
        activation = {"id": number, "policyId": policy_id, "policyVersion": version, "network": network,
                      "operation": operation, "status": "IN_PROGRESS", "createdBy": USER,
                      "createdDate": self.account.iso(), "finishDate": None, "policyVersionDeleted": False,
                      "links": [{"href": f"{BASE}/policies/{policy_id}/activations/{number}", "rel": "self"}],
                      "ready": self.account.now() + self.account.settings.activation_seconds}
        self.activations[number] = activation
        return activation

    def _tick(self) -> None:
        now = self.account.now()
        for activation in self.activations.values():
            if activation["status"] == "IN_PROGRESS" and now >= activation["ready"]:
                activation["status"] = "SUCCESS"
                activation["finishDate"] = self.account.iso()
                version = self.versions.get(activation["policyId"], {}).get(activation["policyVersion"])
                if version is not None:
                    version["immutable"] = True

    def _view(self, activation: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in activation.items() if k != "ready"}

    def _current(self, policy_id: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for network in ("staging", "production"):
            mine = [a for a in self.activations.values()
                    if a["policyId"] == policy_id and a["network"] == network.upper()]
            latest = max(mine, key=lambda a: a["id"], default=None)
            done = [a for a in mine if a["status"] == "SUCCESS"]
            effective = max(done, key=lambda a: a["id"], default=None)
            if effective is not None and effective["operation"] == "DEACTIVATION":
                effective = None
            out[network] = {"latest": latest and self._view(latest), "effective": effective and self._view(effective)}
        return out

    def _policy(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        number = _int(q.params["policyId"], "policy id")
        policy = self.policies.get(number)
        if policy is None:
            raise _not_found(f"Policy with id `{number}` not found.")
        return policy | {"currentActivations": self._current(number)}

    def _version(self, q: SimRequest) -> dict[str, Any]:
        policy = self._policy(q)
        number = _int(q.params["version"], "version")
        version = self.versions[policy["id"]].get(number)
        if version is None:
            raise _not_found(f"Policy Version `{number}` not found in Policy `{policy['id']}`.")
        return version

    # -- routes ------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/cloudlet-info",
              lambda q: [{"cloudletType": k, "cloudletName": v} for k, v in TYPES.items()])
        r.add("GET", f"{BASE}/policies", self._list_policies)
        r.add("POST", f"{BASE}/policies", self._create_policy)
        r.add("GET", f"{BASE}/policies/{{policyId}}", self._policy)
        r.add("DELETE", f"{BASE}/policies/{{policyId}}", self._delete_policy)
        r.add("GET", f"{BASE}/policies/{{policyId}}/versions", self._list_versions)
        r.add("POST", f"{BASE}/policies/{{policyId}}/versions", self._create_version)
        r.add("GET", f"{BASE}/policies/{{policyId}}/versions/{{version}}", self._version)
        r.add("PUT", f"{BASE}/policies/{{policyId}}/versions/{{version}}", self._update_version)
        r.add("GET", f"{BASE}/policies/{{policyId}}/activations", self._list_activations)
        r.add("POST", f"{BASE}/policies/{{policyId}}/activations", self._activate)
        r.add("GET", f"{BASE}/policies/{{policyId}}/activations/{{activationId}}", self._get_activation)

    def _list_policies(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        items = [p | {"currentActivations": self._current(p["id"])} for p in self.policies.values()]
        return _page(items, q, f"{BASE}/policies")

    def _create_policy(self, q: SimRequest) -> SimResponse:
        data = q.json if isinstance(q.json, dict) else {}
        name, kind, group = data.get("name"), data.get("cloudletType"), data.get("groupId")
        for field, ok in (("name", isinstance(name, str) and name), ("cloudletType", kind in TYPES),
                          ("groupId", isinstance(group, int) and group > 0)):
            if not ok:
                raise _error(400, "Validation failed", f"Invalid value of `{field}`.", "validation-failed",
                             invalidField=field, invalidValue=data.get(field))
        assert isinstance(name, str) and isinstance(kind, str) and isinstance(group, int)
        if group not in GROUPS:
            raise _error(403, "Access Denied", f"User does not have edit capability for {TYPES[kind]} Cloudlet "
                         f"in group {group}.", "access-denied")
        if any(p["name"] == name for p in self.policies.values()):
            raise _error(409, "Data Update Conflict", f"Policy with `{name}` name already exists.",
                         "data-update-conflict")
        policy = self._new_policy(name, kind, group, data.get("description"))
        return SimResponse(201, policy | {"currentActivations": self._current(policy["id"])})

    def _delete_policy(self, q: SimRequest) -> SimResponse:
        policy = self._policy(q)
        if any(v["effective"] for v in policy["currentActivations"].values()):
            raise _error(409, "Data Update Conflict", f"Policy `{policy['id']}` is active; deactivate it first.",
                         "data-update-conflict")
        del self.policies[policy["id"]]
        return SimResponse(204)

    def _list_versions(self, q: SimRequest) -> dict[str, Any]:
        policy = self._policy(q)
        items = [{k: v for k, v in ver.items() if k not in ("matchRules", "matchRulesWarnings")}
                 for ver in sorted(self.versions[policy["id"]].values(), key=lambda v: -v["version"])]
        return _page(items, q, f"{BASE}/policies/{policy['id']}/versions")

    def _rules(self, policy: dict[str, Any], data: Any, required: bool) -> list[dict[str, Any]] | None:
        if not isinstance(data, dict) or not isinstance(data.get("description", ""), str):
            raise _error(400, "Validation failed", "The request body must be an object with a description.",
                         "validation-failed")
        rules = data.get("matchRules")
        if rules is None and not required:
            return None
        if not isinstance(rules, list):
            raise _error(400, "Validation failed", "Invalid `matchRules` property type. Expected array, but got "
                         f"`{type(rules).__name__.upper()}` instead.", "validation-failed")
        expected = policy["cloudletType"].lower() + "MatchRule"
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or rule.get("type") != expected:
                raise _error(400, "Validation failed", f"matchRules[{i}].type must be `{expected}` for a "
                             f"{TYPES[policy['cloudletType']]} policy.", "validation-failed")
        return rules

    def _create_version(self, q: SimRequest) -> SimResponse:
        policy = self._policy(q)
        rules = self._rules(policy, q.json, True) or []
        return SimResponse(201, self._new_version(policy["id"], q.json.get("description") or "", rules,
                                                  q.json.get("configuration")))

    def _update_version(self, q: SimRequest) -> dict[str, Any]:
        version = self._version(q)
        if version["immutable"]:
            raise _error(409, "Data Update Conflict", f"Policy version `{version['version']}` in policy "
                         f"`{version['policyId']}` is immutable (i.e. was activated at least once). Unable to update.",
                         "data-update-conflict")
        rules = self._rules(self.policies[version["policyId"]], q.json, False)
        version["description"] = q.json.get("description", version["description"])
        if rules is not None:
            version["matchRules"] = [{"id": i, "disabled": False} | rule for i, rule in enumerate(rules)]
        version["modifiedDate"] = self.account.iso()
        return version

    def _list_activations(self, q: SimRequest) -> dict[str, Any]:
        policy = self._policy(q)
        items = sorted((self._view(a) for a in self.activations.values() if a["policyId"] == policy["id"]),
                       key=lambda a: -a["id"])
        return _page(items, q, f"{BASE}/policies/{policy['id']}/activations")

    def _activate(self, q: SimRequest) -> SimResponse:
        policy = self._policy(q)
        data = q.json if isinstance(q.json, dict) else {}
        network, operation, number = data.get("network"), data.get("operation"), data.get("policyVersion")
        if network not in ("STAGING", "PRODUCTION") or operation not in ("ACTIVATION", "DEACTIVATION"):
            raise _error(400, "Validation failed", "network must be STAGING or PRODUCTION and operation "
                         "ACTIVATION or DEACTIVATION.", "validation-failed")
        if number not in self.versions[policy["id"]]:
            raise _not_found(f"Policy Version `{number}` not found in Policy `{policy['id']}`.")
        if any(a["policyId"] == policy["id"] and a["status"] == "IN_PROGRESS" for a in self.activations.values()):
            raise _error(400, "Validation failed", "Unable to activate because a previous activation for this "
                         "policy is pending.", "validation-failed")
        activation = self._new_activation(policy["id"], number, network, operation)
        return self.account.activation_answer(
            SimResponse(202, self._view(activation), {"Location": activation["links"][0]["href"]}))

    def _get_activation(self, q: SimRequest) -> dict[str, Any]:
        policy = self._policy(q)
        activation = self.activations.get(_int(q.params["activationId"], "activation id"))
        if activation is None or activation["policyId"] != policy["id"]:
            raise _not_found(f"Activation `{q.params['activationId']}` not found in Policy `{policy['id']}`.")
        return self._view(activation)

