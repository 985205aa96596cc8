"""Application Security state: the security configurations (versions, policies inside them, custom rules,
activation history) and the activations that move them between networks. The configuration routes
(appsec.py) and the policy routes (appsec_policies.py) both work on this store."""

from __future__ import annotations

import copy
from typing import Any

from alecs.sandbox import appsec_seed as seed
from alecs.sandbox.account import Account
from alecs.sandbox.appsec_common import PROBLEMS, int_id, not_found
from alecs.sandbox.http import HttpError, SimRequest
from alecs.sandbox.ids import CONTRACT, GROUP

LOCKED_DETAIL = ("You can't edit this security configuration version. It may be active, previously active, "
                 "pending activation, or not fully created yet.")
USER = "sandbox-user"
CONTRACT_ID = CONTRACT.removeprefix("ctr_")
GROUP_ID = int(GROUP.removeprefix("grp_"))


def new_version(number: int, based_on: int | None, data: dict[str, Any], when: str) -> dict[str, Any]:
    """A configuration version: inactive on both networks, editable, holding `data` (policies and the rest)."""
    v: dict[str, Any] = {"version": number, "createDate": when, "createdBy": USER, "versionNotes": "",
                         "staging": {"status": "Inactive"}, "production": {"status": "Inactive"},
                         "locked": False, "data": data}
    if based_on is not None:
        v["basedOn"] = based_on
    return v


class ConfigStore:
    """The account's security configurations and activations; activations finish as time passes (`tick`)."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.configs: dict[int, dict[str, Any]] = {}
        self.activations: dict[int, dict[str, Any]] = {}
        self._next_activation = 7000
        self._seed()

    def _seed(self) -> None:
        created = "2025-01-15T10:00:00Z"
        v1 = new_version(1, None, seed.version_data(), created)
        v1["staging"] = {"status": "Active", "time": created}
        v1["production"] = {"status": "Active", "time": created}
        v1["locked"] = True
        v2 = new_version(2, 1, copy.deepcopy(v1["data"]), created)
        self.configs[seed.CONFIG_ID] = {
            "id": seed.CONFIG_ID, "name": "www.example.com WAF", "description": "Main website protection",
            "contractId": CONTRACT_ID, "groupId": GROUP_ID, "versions": {1: v1, 2: v2},
            "customRules": seed.custom_rules(),
            "history": [{"activationId": 6999, "version": 1, "status": "ACTIVATED", "network": "PRODUCTION",
                         "activatedBy": USER, "activationDate": created, "notes": "Initial protection"},
                        {"activationId": 6998, "version": 1, "status": "ACTIVATED", "network": "STAGING",
                         "activatedBy": USER, "activationDate": created, "notes": "Initial protection"}],
        }
        for activation_id, network in ((6998, "STAGING"), (6999, "PRODUCTION")):
            self.activations[activation_id] = {
                "activationId": activation_id, "action": "ACTIVATE", "network": network, "status": "ACTIVATED",
                "createdBy": USER, "createDate": created, "completionDate": created, "dispatchCount": 1,
                "estimate": "PT5M", "due": 0.0, "activationConfigs": [
                    {"configId": seed.CONFIG_ID, "configName": "www.example.com WAF", "configVersion": 1,
                     "previousConfigVersion": 0}]}
        other = seed.version_data()
        other["selectedHosts"] = ["shop.example.com"]
        self.configs[seed.OTHER_CONFIG_ID] = {
            "id": seed.OTHER_CONFIG_ID, "name": "shop.example.com", "description": "Shop (not yet active)",
            "contractId": CONTRACT_ID, "groupId": GROUP_ID,
            "versions": {1: new_version(1, None, other, created)}, "customRules": {}, "history": [],
        }

    # -- time ----------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Finish activations whose time has come."""
        now = self.account.now()
        for act in self.activations.values():
            if act["status"] != "RECEIVED" or now < act["due"]:
                continue
            act["status"] = "ACTIVATED"
            act["completionDate"] = self.account.iso()
            for item in act["activationConfigs"]:
                cfg = self.configs[item["configId"]]
                key = act["network"].lower()
                for v in cfg["versions"].values():
                    if v["version"] != item["configVersion"] and v[key]["status"] == "Active":
                        v[key] = {"status": "Deactivated", "time": act["completionDate"]}
                cfg["versions"][item["configVersion"]][key] = {"status": "Active", "time": act["completionDate"]}
                for h in cfg["history"]:
                    if h["activationId"] == act["activationId"]:
                        h["status"] = "ACTIVATED"

    # -- lookups -------------------------------------------------------------------------------------
    def config(self, q: SimRequest) -> dict[str, Any]:
        """The configuration named by the request's configId, or appsec's 404."""
        self.tick()
        cfg = self.configs.get(int_id(q.params["configId"], "configuration"))
        if cfg is None:
            raise not_found(f"security configuration {q.params['configId']}")
        return cfg

    def version(self, q: SimRequest, write: bool = False) -> dict[str, Any]:
        """The version named by the request; with `write`, refused (403) when it is locked."""
        cfg = self.config(q)
        v = cfg["versions"].get(int_id(q.params["versionNumber"], "version"))
        if v is None:
            raise not_found(f"version {q.params['versionNumber']} of configuration {cfg['id']}")
        if write and v["locked"]:
            raise HttpError(403, "This operation is invalid", LOCKED_DETAIL,
                            type_=f"{PROBLEMS}/appsec-configuration/error-types/FORBIDDEN-OPERATION")
        version: dict[str, Any] = v
        return version

    @staticmethod
    def active(cfg: dict[str, Any], network: str) -> int | None:
        """The version active on `network` (staging or production), if any."""
        return next((n for n, v in cfg["versions"].items() if v[network]["status"] == "Active"), None)

    # -- activations ---------------------------------------------------------------------------------
    def next_activation_id(self) -> int:
        self._next_activation += 1
        return self._next_activation
