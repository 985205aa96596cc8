"""Application Security (appsec v1) as the sandbox simulates it.

Seeded account (see appsec_seed.py):
- configuration 43253 "www.example.com WAF": version 1 is active on STAGING and PRODUCTION (locked, read-only),
  version 2 is an editable draft. Policies WWW1_12345 and API1_67890, match targets 2050001 and 2050002,
  rate policies 300101 ("Page View Requests") and 300102, reputation profiles 400201 and 400202,
  custom rules 500301 and 500302 (configuration-wide, not versioned).
- configuration 43254 "shop.example.com": version 1, never activated.
- Activations 6998 (STAGING) and 6999 (PRODUCTION) put version 1 of 43253 live; new ones get ids from 7001
  upward, stay RECEIVED for `settings.activation_seconds`, then ACTIVATED. Activation request
  5e6c1d2a-6999-4c41-9b53-a11ec5000001 became activation 6999.
- With `settings.activation_request_seconds` above 0, an activation POST answers 202 with a statusId, as Akamai does
  for a request it takes time to create: GET /activations/status/{statusId} answers 200 until the activation exists
  that many seconds later, then 303 to it.

A version that is or was active, or is pending activation, is locked: writes to it are refused with 403
FORBIDDEN-OPERATION, as Akamai does; clone it (POST /versions) to change anything.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from alecs.sandbox import appsec_seed as seed
from alecs.sandbox.account import Account
from alecs.sandbox.appsec_common import bad_request, int_id, not_found, require
from alecs.sandbox.appsec_export import diff_exports, export_version
from alecs.sandbox.appsec_policies import PolicyRoutes
from alecs.sandbox.appsec_store import CONTRACT_ID, GROUP_ID, USER, ConfigStore, new_version
from alecs.sandbox.http import Router, SimRequest, SimResponse, body_of

BASE = "/appsec/v1"
SEEDED_REQUEST = "5e6c1d2a-6999-4c41-9b53-a11ec5000001"


class AppsecSim:
    """Configuration, version, hostname and activation routes over the configuration store; the policy
    routes inside a version are appsec_policies.PolicyRoutes over the same store."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.store = ConfigStore(account)
        self.policies = PolicyRoutes(account, self.store)
        # activation requests still being created (see Settings.activation_request_seconds); the seeded one
        # became activation 6999
        self.requests: dict[str, dict[str, Any]] = {SEEDED_REQUEST: {
            "statusId": SEEDED_REQUEST, "createDate": "2025-01-15T10:00:00Z", "due": 0.0, "activationId": 6999}}

    # -- routes ------------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        c, v = f"{BASE}/configs/{{configId}}", f"{BASE}/configs/{{configId}}/versions/{{versionNumber}}"
        r.add("GET", f"{BASE}/configs", self.list_configs)
        r.add("POST", f"{BASE}/configs", self.create_config)
        r.add("GET", c, self.get_config)
        r.add("PUT", c, self.rename_config)
        r.add("GET", f"{BASE}/contracts-groups", self.contracts_groups)
        r.add("GET", f"{BASE}/hostname-coverage", self.hostname_coverage)
        r.add("POST", f"{c}/versions/diff", self.diff)
        r.add("GET", f"{c}/versions", self.list_versions)
        r.add("POST", f"{c}/versions", self.clone_version)
        r.add("GET", v, self.get_version)
        r.add("GET", f"{BASE}/export/configs/{{configId}}/versions/{{versionNumber}}", self.export)
        r.add("GET", f"{v}/selectable-hostnames", self.selectable_hostnames)
        r.add("GET", f"{v}/selected-hostnames", self.selected_hostnames)
        r.add("PUT", f"{v}/selected-hostnames", self.put_selected_hostnames)
        r.add("POST", f"{BASE}/activations", self.activate)
        r.add("GET", f"{BASE}/activations/{{activationId}}", self.get_activation)
        r.add("GET", f"{BASE}/activations/status/{{statusId}}", self.request_status)
        r.add("GET", f"{c}/activations", self.activation_history)
        self.policies.routes(r, v, c)

    def _summary(self, cfg: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": cfg["id"], "name": cfg["name"], "description": cfg["description"],
                               "latestVersion": max(cfg["versions"])}
        staging, production = self.store.active(cfg, "staging"), self.store.active(cfg, "production")
        if staging:
            out["stagingVersion"] = staging
        if production:
            out["productionVersion"] = production
            out["productionHostnames"] = list(cfg["versions"][production]["data"]["selectedHosts"])
        return out

    def list_configs(self, q: SimRequest) -> Any:
        self.store.tick()
        return {"configurations": [self._summary(c) for c in self.store.configs.values()]}

    def get_config(self, q: SimRequest) -> Any:
        return self._summary(self.store.config(q))

    def create_config(self, q: SimRequest) -> Any:
        data = body_of(q, bad_request)
        require(data, "name", "description", "hostnames")
        if any(c["name"] == data["name"] for c in self.store.configs.values()):
            raise bad_request(f"A security configuration named {data['name']!r} already exists.")
        unknown = [h for h in data["hostnames"] if h not in seed.SELECTABLE]
        if unknown:
            raise bad_request(f"Hostnames not selectable in this contract and group: {', '.join(unknown)}.")
        config_id = self.account.next_id() + 50000
        when = self.account.iso()
        source = data.get("createFrom")
        if source:
            src = self.store.configs.get(source.get("configId"))
            if src is None or source.get("version") not in src["versions"]:
                raise bad_request("createFrom must name an existing configuration and version.")
            vdata = copy.deepcopy(src["versions"][source["version"]]["data"])
        else:
            vdata = {"selectedHosts": [], "policies": {}, "matchTargets": {}, "ratePolicies": {},
                     "reputationProfiles": copy.deepcopy(seed.version_data()["reputationProfiles"])}
        vdata["selectedHosts"] = list(data["hostnames"])
        self.store.configs[config_id] = {
            "id": config_id, "name": data["name"], "description": data["description"],
            "contractId": data.get("contractId", CONTRACT_ID),
            "groupId": data.get("groupId", GROUP_ID),
            "versions": {1: new_version(1, None, vdata, when)}, "customRules": {}, "history": [],
        }
        return SimResponse(201, {"configId": config_id, "version": 1, "name": data["name"],
                                 "description": data["description"]})

    def rename_config(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        data = body_of(q, bad_request)
        require(data, "name")
        cfg["name"] = data["name"]
        if "description" in data:
            cfg["description"] = data["description"]
        return {"name": cfg["name"], "description": cfg["description"]}

    def contracts_groups(self, q: SimRequest) -> Any:
        return {"contract_groups": [{"contractId": CONTRACT_ID, "displayName": "Sandbox Web",
                                     "groupId": GROUP_ID}]}

    def hostname_coverage(self, q: SimRequest) -> Any:
        self.store.tick()
        out = []
        for host in seed.SELECTABLE:
            entry: dict[str, Any] = {"hostname": host, "status": "not_covered", "hasMatchTarget": False}
            for cfg in self.store.configs.values():
                number = self.store.active(cfg, "production")
                if number is None or host not in cfg["versions"][number]["data"]["selectedHosts"]:
                    continue
                data = cfg["versions"][number]["data"]
                names = [data["policies"][t["securityPolicy"]["policyId"]]["policyName"]
                         for t in data["matchTargets"].values() if host in (t.get("hostnames") or [])
                         and t["securityPolicy"]["policyId"] in data["policies"]]
                entry.update(status="covered", hasMatchTarget=bool(names), policyNames=names,
                             configuration={"id": cfg["id"], "name": cfg["name"], "version": number})
            out.append(entry)
        return {"hostnameCoverage": out}

    def _version_json(self, cfg: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
        keys = ("version", "basedOn", "createDate", "createdBy", "versionNotes", "staging", "production")
        return {"configId": cfg["id"], "configName": cfg["name"]} | {k: v[k] for k in keys if k in v}

    def list_versions(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        page, size = int(q.query.get("page", 1)), int(q.query.get("pageSize", 25))
        if page < 1 or size < 1:
            raise bad_request("page and pageSize must be positive integers.")
        ordered = sorted(cfg["versions"].values(), key=lambda v: -v["version"])
        chunk = ordered[(page - 1) * size: page * size]
        out: dict[str, Any] = {"configId": cfg["id"], "configName": cfg["name"], "page": page, "pageSize": size,
                               "totalSize": len(ordered), "lastCreatedVersion": max(cfg["versions"]),
                               "versionList": [{k: x for k, x in self._version_json(cfg, v).items()
                                                if k not in ("configId", "configName")} for v in chunk]}
        for net in ("staging", "production"):
            if self.store.active(cfg, net):
                out[f"{net}ActiveVersion"] = self.store.active(cfg, net)
        return out

    def get_version(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        return self._version_json(cfg, self.store.version(q))

    def clone_version(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        data = body_of(q, bad_request)
        require(data, "createFromVersion", "ruleUpdate")
        source = cfg["versions"].get(data["createFromVersion"])
        if source is None:
            raise bad_request(f"Version {data['createFromVersion']} does not exist in configuration {cfg['id']}.")
        number = max(cfg["versions"]) + 1
        v = new_version(number, source["version"], copy.deepcopy(source["data"]), self.account.iso())
        cfg["versions"][number] = v
        return self._version_json(cfg, v)

    def export(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        return export_version(cfg, self.store.version(q))

    def diff(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        data = body_of(q, bad_request)
        require(data, "from", "to")
        versions = []
        for key in ("from", "to"):
            if data[key] not in cfg["versions"]:
                raise bad_request(f"Version {data[key]} does not exist in configuration {cfg['id']}.")
            versions.append(export_version(cfg, cfg["versions"][data[key]]))
        return diff_exports(cfg["id"], versions[0], versions[1], "UNMODIFIED" in (data.get("outcomes") or []))

    def selectable_hostnames(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        cfg = self.store.config(q)
        available = []
        for host in seed.SELECTABLE:
            if host in v["data"]["selectedHosts"]:
                continue
            item: dict[str, Any] = {"hostname": host, "arlInclusion": False, "activeInStaging": False,
                                    "activeInProduction": False}
            for other in self.store.configs.values():
                number = self.store.active(other, "production")
                if number and host in other["versions"][number]["data"]["selectedHosts"]:
                    item.update(activeInProduction=True, configIdInProduction=other["id"],
                                configNameInProduction=other["name"])
            available.append(item)
        return {"configId": cfg["id"], "configVersion": v["version"], "protectARLInclusionHost": False,
                "availableSet": available, "errorSet": [],
                "selectedSet": [{"hostname": h, "arlInclusion": False} for h in v["data"]["selectedHosts"]]}

    def selected_hostnames(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        return {"hostnameList": [{"hostname": h} for h in v["data"]["selectedHosts"]]}

    def put_selected_hostnames(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        data = body_of(q, bad_request)
        require(data, "hostnameList")
        hosts = [h.get("hostname") for h in data["hostnameList"] if isinstance(h, dict)]
        unknown = [h for h in hosts if h not in seed.SELECTABLE]
        if unknown or len(hosts) != len(data["hostnameList"]):
            raise bad_request(f"Hostnames are not selectable for this configuration: {', '.join(map(str, unknown))}.")
        mode = data.get("mode", "replace")
        current = v["data"]["selectedHosts"]
        if mode == "append":
            current.extend(h for h in hosts if h not in current)
        elif mode == "remove":
            v["data"]["selectedHosts"] = [h for h in current if h not in hosts]
        elif mode == "replace":
            v["data"]["selectedHosts"] = list(dict.fromkeys(hosts))
        else:
            raise bad_request("mode must be append, remove or replace.")
        return {"mode": mode, "hostnameList": [{"hostname": h} for h in v["data"]["selectedHosts"]]}

    # -- activations -------------------------------------------------------------------------------------
    def activate(self, q: SimRequest) -> Any:
        self.store.tick()
        data = body_of(q, bad_request)
        self._check_activation(data)
        delay = self.account.settings.activation_request_seconds
        if delay <= 0:
            return self.account.activation_answer(SimResponse(200, self._activation_json(self._activate(data))))
        status_id = str(uuid.uuid4())
        self.requests[status_id] = {"statusId": status_id, "createDate": self.account.iso(),
                                    "due": self.account.now() + delay, "data": data}
        link = f"{BASE}/activations/status/{status_id}"
        return self.account.activation_answer(SimResponse(
            202, {"statusId": status_id, "createDate": self.requests[status_id]["createDate"],
                  "links": {"check-status": {"href": link}}}, {"Location": link}))

    def _check_activation(self, data: dict[str, Any]) -> None:
        require(data, "action", "activationConfigs", "network", "note", "notificationEmails")
        if data["network"] not in ("STAGING", "PRODUCTION"):
            raise bad_request("network must be STAGING or PRODUCTION.")
        if data["action"] != "ACTIVATE":
            raise bad_request("The sandbox only simulates ACTIVATE.")
        items = data["activationConfigs"]
        if not isinstance(items, list) or not items:
            raise bad_request("activationConfigs must list at least one {configId, configVersion}.")
        for item in items:
            cfg = self.store.configs.get(item.get("configId"))
            if cfg is None:
                raise not_found(f"security configuration {item.get('configId')}")
            if cfg["versions"].get(item.get("configVersion")) is None:
                raise not_found(f"version {item.get('configVersion')} of configuration {cfg['id']}")

    def _activate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Creates a checked activation request's activation: versions locked and pending, history updated."""
        out_items = []
        for item in data["activationConfigs"]:
            cfg = self.store.configs[item["configId"]]
            v = cfg["versions"][item["configVersion"]]
            key = data["network"].lower()
            out_items.append({"configId": cfg["id"], "configName": cfg["name"], "configVersion": v["version"],
                              "previousConfigVersion": self.store.active(cfg, key) or 0})
            v["locked"] = True
            v[key] = {"status": "Pending", "time": self.account.iso(), "action": "ACTIVATE"}
        act = {"activationId": self.store.next_activation_id(), "action": "ACTIVATE", "network": data["network"],
               "status": "RECEIVED", "createdBy": USER, "createDate": self.account.iso(), "dispatchCount": 1,
               "estimate": "PT5M", "activationConfigs": out_items,
               "due": self.account.now() + self.account.settings.activation_seconds}
        self.store.activations[act["activationId"]] = act
        for item in out_items:
            self.store.configs[item["configId"]]["history"].insert(0, {
                "activationId": act["activationId"], "version": item["configVersion"],
                "status": "ACTIVATION_IN_PROGRESS", "network": data["network"], "activatedBy": USER,
                "activationDate": act["createDate"], "notes": data["note"]})
        return act

    def _settle_requests(self) -> None:
        """Activation requests whose creation time has come become activations."""
        now = self.account.now()
        for request in self.requests.values():
            if "activationId" not in request and now >= request["due"]:
                request["activationId"] = self._activate(request["data"])["activationId"]

    def request_status(self, q: SimRequest) -> Any:
        """An activation request: 200 while the activation is being created, then 303 to the activation."""
        self._settle_requests()
        request = self.requests.get(q.params["statusId"])
        if request is None:
            raise not_found(f"activation request {q.params['statusId']}")
        if "activationId" not in request:
            return SimResponse(200, {"statusId": request["statusId"], "createDate": request["createDate"]},
                               {"Retry-After": "5"})
        location = f"https://{q.host}{BASE}/activations/{request['activationId']}"
        return SimResponse(303, {"activationId": request["activationId"]}, {"Location": location})

    @staticmethod
    def _activation_json(act: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in act.items() if k != "due"}

    def get_activation(self, q: SimRequest) -> Any:
        self._settle_requests()
        self.store.tick()
        act = self.store.activations.get(int_id(q.params["activationId"], "activation"))
        if act is None:
            raise not_found(f"activation {q.params['activationId']}")
        return self._activation_json(act)

    def activation_history(self, q: SimRequest) -> Any:
        self._settle_requests()
        cfg = self.store.config(q)
        return {"configId": cfg["id"], "activationHistory": cfg["history"]}
