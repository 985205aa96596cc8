"""Simulated appsec resources inside a configuration version: policies, WAF, rate and custom rules, firewall."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from alecs.sandbox import appsec_seed as seed
from alecs.sandbox.account import Account
from alecs.sandbox.appsec_common import bad_request, choice, int_id, not_found, require
from alecs.sandbox.appsec_store import ConfigStore
from alecs.sandbox.http import Router, SimRequest, SimResponse, body_of

ACTIONS = ("alert", "deny", "none")
RATE_ACTIONS = ("alert", "deny", "none", "monitor", "tarpit", "delay", "slow")
RATE_REQUIRED = ("matchType", "type", "name", "averageThreshold", "burstThreshold", "clientIdentifier",
                 "requestType", "sameActionOnIpv6", "pathMatchType")
RATE_READ_ONLY = ("id", "createDate", "updateDate", "used")
MODES = ("KRS", "AAG", "ASE_AUTO", "ASE_MANUAL")
CONTROL_KEYS = ("applyApiConstraints", "applyApplicationLayerControls", "applyCpcControls", "applyMalwareControls",
                "applyNetworkLayerControls", "applyRateControls", "applyReputationControls", "applySlowPostControls")


def _rate_action(value: Any, field: str) -> str:
    if value in RATE_ACTIONS or (isinstance(value, str) and re.fullmatch(
            r"(cond_action|deny_custom|serve_alt|challenge)_[0-9]+", value)):
        return str(value)
    raise bad_request(f"{field} must be one of {', '.join(RATE_ACTIONS)} or a custom action id.")


class PolicyRoutes:
    """Routes for what lives inside a configuration version (policies, match targets, WAF, rate policies,
    firewall, reputation, penalty box) and for configuration-wide custom rules."""

    def __init__(self, account: Account, store: ConfigStore) -> None:
        self.account = account
        self.store = store

    def routes(self, r: Router, v: str, c: str) -> None:
        p = f"{v}/security-policies/{{policyId}}"
        for method, route, handler in (
            ("GET", f"{v}/security-policies", self.list_policies),
            ("POST", f"{v}/security-policies", self.create_policy),
            ("GET", f"{p}/protections", self.get_protections),
            ("PUT", f"{p}/protections", self.put_protections),
            ("GET", f"{v}/match-targets", self.list_targets),
            ("POST", f"{v}/match-targets", self.create_target),
            ("GET", f"{v}/match-targets/{{targetId}}", self.get_target),
            ("PUT", f"{v}/match-targets/{{targetId}}", self.put_target),
            ("DELETE", f"{v}/match-targets/{{targetId}}", self.delete_target),
            ("GET", f"{p}/mode", self.get_mode),
            ("PUT", f"{p}/mode", self.put_mode),
            ("POST", f"{p}/eval", self.post_eval),
            ("GET", f"{p}/attack-groups", self.attack_groups),
            ("PUT", f"{p}/attack-groups/{{attackGroupId}}", self.put_attack_group),
            ("GET", f"{v}/rate-policies", self.list_rate),
            ("POST", f"{v}/rate-policies", self.create_rate),
            ("GET", f"{v}/rate-policies/{{ratePolicyId}}", self.get_rate),
            ("PUT", f"{v}/rate-policies/{{ratePolicyId}}", self.put_rate),
            ("DELETE", f"{v}/rate-policies/{{ratePolicyId}}", self.delete_rate),
            ("GET", f"{p}/rate-policies", self.rate_actions),
            ("PUT", f"{p}/rate-policies/{{ratePolicyId}}", self.put_rate_action),
            ("GET", f"{c}/custom-rules", self.list_custom),
            ("POST", f"{c}/custom-rules", self.create_custom),
            ("GET", f"{c}/custom-rules/{{ruleId}}", self.get_custom),
            ("PUT", f"{c}/custom-rules/{{ruleId}}", self.put_custom),
            ("GET", f"{p}/custom-rules", self.custom_actions),
            ("PUT", f"{p}/custom-rules/{{ruleId}}", self.put_custom_action),
            ("GET", f"{p}/ip-geo-firewall", self.get_ip_geo),
            ("PUT", f"{p}/ip-geo-firewall", self.put_ip_geo),
            ("GET", f"{v}/reputation-profiles", self.list_reputation),
            ("PUT", f"{p}/reputation-profiles/{{reputationProfileId}}", self.put_reputation_action),
            ("GET", f"{p}/penalty-box", self.get_penalty_box),
            ("PUT", f"{p}/penalty-box", self.put_penalty_box),
        ):
            r.add(method, route, handler)

    # -- helpers -----------------------------------------------------------------------------------------
    def _policy(self, q: SimRequest, write: bool = False) -> dict[str, Any]:
        v = self.store.version(q, write)
        policy = v["data"]["policies"].get(q.params["policyId"])
        if policy is None:
            raise not_found(f"security policy {q.params['policyId']}")
        found: dict[str, Any] = policy
        return found

    def _item(self, table: dict[int, Any], raw: str, what: str) -> Any:
        key = int_id(raw, what)
        if key not in table:
            raise not_found(f"{what} {raw}")
        return key

    def _action_body(self, q: SimRequest, allowed: tuple[str, ...] = ACTIONS) -> str:
        data = body_of(q, bad_request)
        require(data, "action")
        return choice(data["action"], allowed, "action")

    # -- security policies -------------------------------------------------------------------------------
    def _policy_json(self, cfg_id: int, number: int, p: dict[str, Any]) -> dict[str, Any]:
        ctl = {k: v for k, v in p["controls"].items() if k not in ("applyMalwareControls", "applyCpcControls")}
        return {"configId": cfg_id, "version": number, "policyId": p["policyId"], "policyName": p["policyName"],
                "hasRatePolicyWithApiKey": False, "policySecurityControls": ctl}

    def list_policies(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        cfg = self.store.config(q)
        policies = list(v["data"]["policies"].values())
        if q.query.get("notMatched") == "true":
            used = {t["securityPolicy"]["policyId"] for t in v["data"]["matchTargets"].values()}
            policies = [p for p in policies if p["policyId"] not in used]
        return {"configId": cfg["id"], "version": v["version"],
                "policies": [self._policy_json(cfg["id"], v["version"], p) for p in policies]}

    def create_policy(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        cfg = self.store.config(q)
        data = body_of(q, bad_request)
        require(data, "policyName", "policyPrefix")
        prefix = str(data["policyPrefix"])
        if not (len(prefix) == 4 and prefix.isalnum()):
            raise bad_request("policyPrefix must be four alphanumeric characters.")
        if any(p["policyName"] == data["policyName"] for p in v["data"]["policies"].values()):
            raise bad_request(f"A security policy named {data['policyName']!r} already exists.")
        source = data.get("createFromSecurityPolicy")
        if source and source not in v["data"]["policies"]:
            raise bad_request(f"Security policy {source} does not exist in this version.")
        policy_id = f"{prefix}_{self.account.next_id() + 70000}"
        if source:
            new = copy.deepcopy(v["data"]["policies"][source]) | {"policyId": policy_id}
        else:
            new = seed.policy(policy_id, data["policyName"])
        new["policyName"] = data["policyName"]
        v["data"]["policies"][policy_id] = new
        return SimResponse(201, self._policy_json(cfg["id"], v["version"], new))

    def get_protections(self, q: SimRequest) -> Any:
        return dict(self._policy(q)["controls"])

    def put_protections(self, q: SimRequest) -> Any:
        policy = self._policy(q, write=True)
        data = body_of(q, bad_request)
        wrong = [k for k, val in data.items() if k not in CONTROL_KEYS or not isinstance(val, bool)]
        if wrong or not data:
            raise bad_request(f"Unknown or non-boolean protections: {', '.join(wrong) or '(none given)'}.")
        policy["controls"].update(data)
        return {k: val for k, val in policy["controls"].items() if k in CONTROL_KEYS}

    # -- match targets -----------------------------------------------------------------------------------
    def _target_json(self, q: SimRequest, v: dict[str, Any], t: dict[str, Any]) -> dict[str, Any]:
        cfg = self.store.config(q)
        policy = v["data"]["policies"].get(t["securityPolicy"]["policyId"], {})
        ctl = policy.get("controls", {})
        eff = {k: bool(ctl.get(k)) for k in ("applyApplicationLayerControls", "applyNetworkLayerControls",
                                            "applyRateControls", "applyReputationControls", "applyBotmanControls",
                                            "applyApiConstraints", "applySlowPostControls")}
        return t | {"configId": cfg["id"], "configVersion": v["version"], "effectiveSecurityControls": eff}

    def list_targets(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        targets = sorted(v["data"]["matchTargets"].values(), key=lambda t: t.get("sequence", 0))
        if q.query.get("policyId"):
            targets = [t for t in targets if t["securityPolicy"]["policyId"] == q.query["policyId"]]
        shaped = [self._target_json(q, v, t) for t in targets]
        return {"matchTargets": {"websiteTargets": [t for t in shaped if t["type"] == "website"],
                                 "apiTargets": [t for t in shaped if t["type"] == "api"]}}

    def _check_target(self, v: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        require(data, "type", "securityPolicy")
        choice(data["type"], ("website", "api"), "type")
        policy_id = (data["securityPolicy"] or {}).get("policyId") if isinstance(data["securityPolicy"], dict) else None
        if policy_id not in v["data"]["policies"]:
            raise bad_request(f"securityPolicy.policyId {policy_id!r} is not a policy of this version.")
        if data["type"] == "website" and not (data.get("hostnames") or data.get("filePaths")):
            raise bad_request("A website match target needs hostnames or filePaths.")
        if data["type"] == "api" and not data.get("apis"):
            raise bad_request("An API match target needs apis.")
        return {k: val for k, val in data.items() if k not in ("effectiveSecurityControls", "validations",
                                                              "configId", "configVersion")}

    def create_target(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        target = self._check_target(v, body_of(q, bad_request))
        target["targetId"] = self.account.next_id() + 2050000
        target.setdefault("sequence", len(v["data"]["matchTargets"]) + 1)
        v["data"]["matchTargets"][target["targetId"]] = target
        return SimResponse(201, self._target_json(q, v, target))

    def get_target(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        key = self._item(v["data"]["matchTargets"], q.params["targetId"], "match target")
        return self._target_json(q, v, v["data"]["matchTargets"][key])

    def put_target(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        key = self._item(v["data"]["matchTargets"], q.params["targetId"], "match target")
        target = self._check_target(v, body_of(q, bad_request)) | {"targetId": key}
        target.setdefault("sequence", v["data"]["matchTargets"][key].get("sequence", 1))
        v["data"]["matchTargets"][key] = target
        return self._target_json(q, v, target)

    def delete_target(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        key = self._item(v["data"]["matchTargets"], q.params["targetId"], "match target")
        del v["data"]["matchTargets"][key]
        return SimResponse(204)

    # -- WAF mode, evaluation, attack groups -------------------------------------------------------------
    def get_mode(self, q: SimRequest) -> Any:
        p = self._policy(q)
        out: dict[str, Any] = {"mode": p["mode"], "current": p["current"], "eval": p["eval"] is not None}
        if p["eval"]:
            out |= {"evaluating": p["eval"]["evaluating"], "expires": p["eval"]["expires"]}
        return out

    def put_mode(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        data = body_of(q, bad_request)
        require(data, "mode")
        p["mode"] = choice(data["mode"], MODES, "mode")
        p["current"] = f"{p['mode']} (sandbox)"
        return {"mode": p["mode"], "current": p["current"]}

    def post_eval(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        data = body_of(q, bad_request)
        require(data, "eval")
        action = choice(data["eval"], ("START", "STOP", "RESTART", "COMPLETE", "UPDATE"), "eval")
        mode = choice(data.get("mode", "ASE_AUTO"), ("ASE_AUTO", "ASE_MANUAL"), "mode")
        if action == "START" and p["eval"]:
            raise bad_request("Evaluation is already running for this policy; STOP or COMPLETE it first.")
        if action != "START" and not p["eval"]:
            raise bad_request(f"No evaluation is running for this policy; {action} needs one.")
        if action in ("START", "RESTART", "UPDATE"):
            p["eval"] = {"mode": mode, "evaluating": f"{mode} (sandbox)",
                         "expires": self.account.iso(self._expiry())}
        elif action == "COMPLETE":
            p["mode"], p["current"], p["eval"] = p["eval"]["mode"], p["eval"]["evaluating"], None
        else:
            p["eval"] = None
        return SimResponse(201, {"eval": action, "mode": mode})

    @staticmethod
    def _expiry() -> float:
        return time.time() + 4 * 7 * 86400

    def attack_groups(self, q: SimRequest) -> Any:
        p = self._policy(q)
        return {"attackGroupActions": [{"group": g, "action": a} for g, a in p["attackGroups"].items()]}

    def put_attack_group(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        group = q.params["attackGroupId"]
        if group not in p["attackGroups"]:
            raise not_found(f"attack group {group}")
        p["attackGroups"][group] = self._action_body(q)
        return {"action": p["attackGroups"][group]}

    # -- rate policies -----------------------------------------------------------------------------------
    def _check_rate(self, v: dict[str, Any], data: dict[str, Any], own_id: int | None) -> dict[str, Any]:
        require(data, *RATE_REQUIRED)
        for field in ("averageThreshold", "burstThreshold"):
            if not isinstance(data[field], int) or data[field] < 1:
                raise bad_request(f"{field} must be an integer of at least 1.",
                                            [{"type": "invalid", "title": "Invalid value", "fieldName": field}])
        if "burstWindow" in data and not (isinstance(data["burstWindow"], int) and 1 <= data["burstWindow"] <= 5):
            raise bad_request("burstWindow must be between 1 and 5 seconds.")
        choice(data["clientIdentifier"], ("api-key", "ip-useragent", "ip", "cookie:value"), "clientIdentifier")
        choice(data["type"], ("WAF", "BOTMAN"), "type")
        if any(r["name"] == data["name"] and r["id"] != own_id for r in v["data"]["ratePolicies"].values()):
            raise bad_request(f"A rate policy named {data['name']!r} already exists in this version.")
        return {k: val for k, val in data.items() if k not in RATE_READ_ONLY}

    def list_rate(self, q: SimRequest) -> Any:
        return {"ratePolicies": list(self.store.version(q)["data"]["ratePolicies"].values())}

    def create_rate(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        rid = self.account.next_id() + 300000
        now = self.account.iso()
        policy = {"id": rid} | self._check_rate(v, body_of(q, bad_request), None)
        policy |= {"createDate": now, "updateDate": now, "used": False}
        v["data"]["ratePolicies"][rid] = policy
        return SimResponse(201, policy)

    def get_rate(self, q: SimRequest) -> Any:
        v = self.store.version(q)
        return v["data"]["ratePolicies"][self._item(v["data"]["ratePolicies"], q.params["ratePolicyId"],
                                                    "rate policy")]

    def put_rate(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        rid = self._item(v["data"]["ratePolicies"], q.params["ratePolicyId"], "rate policy")
        old = v["data"]["ratePolicies"][rid]
        policy = {"id": rid} | self._check_rate(v, body_of(q, bad_request), rid)
        policy |= {"createDate": old["createDate"], "updateDate": self.account.iso(), "used": old["used"]}
        v["data"]["ratePolicies"][rid] = policy
        return policy

    def delete_rate(self, q: SimRequest) -> Any:
        v = self.store.version(q, write=True)
        rid = self._item(v["data"]["ratePolicies"], q.params["ratePolicyId"], "rate policy")
        del v["data"]["ratePolicies"][rid]
        for p in v["data"]["policies"].values():
            p["ratePolicyActions"].pop(rid, None)
        return SimResponse(204)

    def rate_actions(self, q: SimRequest) -> Any:
        p = self._policy(q)
        v = self.store.version(q)
        actions = [p["ratePolicyActions"].get(i, {"id": i, "ipv4Action": "none", "ipv6Action": "none"})
                   for i in v["data"]["ratePolicies"]]
        return {"ratePolicyActions": actions}

    def put_rate_action(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        v = self.store.version(q)
        rid = self._item(v["data"]["ratePolicies"], q.params["ratePolicyId"], "rate policy")
        data = body_of(q, bad_request)
        require(data, "ipv4Action", "ipv6Action")
        action = {"id": rid, "ipv4Action": _rate_action(data["ipv4Action"], "ipv4Action"),
                  "ipv6Action": _rate_action(data["ipv6Action"], "ipv6Action")}
        p["ratePolicyActions"][rid] = action
        v["data"]["ratePolicies"][rid]["used"] = True
        return {"ipv4Action": action["ipv4Action"], "ipv6Action": action["ipv6Action"]}

    # -- custom rules (configuration-wide) ---------------------------------------------------------------
    def _rule_status(self, cfg: dict[str, Any], rid: int) -> str:
        status = "unused"
        for v in cfg["versions"].values():
            if any(rid in p["customRuleActions"] for p in v["data"]["policies"].values()):
                if "Active" in (v["staging"]["status"], v["production"]["status"]):
                    return "activated"
                status = "published"
        return status

    def list_custom(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        return {"customRules": [{"id": r["id"], "name": r["name"], "version": r["version"],
                                 "status": self._rule_status(cfg, r["id"]),
                                 "link": f"/appsec/v1/configs/{cfg['id']}/custom-rules/{r['id']}"}
                                for r in cfg["customRules"].values()]}

    def _check_custom(self, data: dict[str, Any]) -> dict[str, Any]:
        require(data, "name", "operation", "structured")
        choice(data["operation"], ("AND", "OR"), "operation")
        conditions = data.get("conditions") or []
        if not isinstance(conditions, list) or any(not isinstance(c, dict) or "type" not in c for c in conditions):
            raise bad_request("conditions must be a list of {type, positiveMatch, value, ...}.")
        return dict(data)

    def create_custom(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        rid = self.account.next_id() + 500000
        rule = self._check_custom(body_of(q, bad_request)) | {"id": rid, "version": 1}
        cfg["customRules"][rid] = rule
        return rule

    def get_custom(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        return cfg["customRules"][self._item(cfg["customRules"], q.params["ruleId"], "custom rule")]

    def put_custom(self, q: SimRequest) -> Any:
        cfg = self.store.config(q)
        rid = self._item(cfg["customRules"], q.params["ruleId"], "custom rule")
        rule = self._check_custom(body_of(q, bad_request))
        rule |= {"id": rid, "version": cfg["customRules"][rid]["version"] + 1}
        cfg["customRules"][rid] = rule
        return rule

    def custom_actions(self, q: SimRequest) -> Any:
        p = self._policy(q)
        cfg = self.store.config(q)
        return {"customRules": [{"id": i, "name": cfg["customRules"][i]["name"], "action": a,
                                 "link": f"/appsec/v1/configs/{cfg['id']}/custom-rules/{i}"}
                                for i, a in p["customRuleActions"].items() if i in cfg["customRules"]]}

    def put_custom_action(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        cfg = self.store.config(q)
        rid = self._item(cfg["customRules"], q.params["ruleId"], "custom rule")
        action = self._action_body(q)
        if action == "none":
            p["customRuleActions"].pop(rid, None)
        else:
            p["customRuleActions"][rid] = action
        return {"action": action}

    # -- IP/Geo firewall, reputation, penalty box --------------------------------------------------------
    def get_ip_geo(self, q: SimRequest) -> Any:
        return self._policy(q)["ipGeo"]

    def put_ip_geo(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        data = body_of(q, bad_request)
        require(data, "block")
        choice(data["block"], ("blockSpecificIPGeo", "blockAllTrafficExceptAllowedIPs"), "block")
        if data["block"] == "blockAllTrafficExceptAllowedIPs" and not (
                (data.get("ipControls") or {}).get("allowedIPNetworkLists")):
            raise bad_request("blockAllTrafficExceptAllowedIPs needs ipControls.allowedIPNetworkLists.")
        p["ipGeo"] = data
        return data

    def list_reputation(self, q: SimRequest) -> Any:
        return {"reputationProfiles": list(self.store.version(q)["data"]["reputationProfiles"].values())}

    def put_reputation_action(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        v = self.store.version(q)
        rid = self._item(v["data"]["reputationProfiles"], q.params["reputationProfileId"], "reputation profile")
        p["reputationActions"][rid] = self._action_body(q)
        return {"action": p["reputationActions"][rid]}

    def get_penalty_box(self, q: SimRequest) -> Any:
        return self._policy(q)["penaltyBox"]

    def put_penalty_box(self, q: SimRequest) -> Any:
        p = self._policy(q, write=True)
        data = body_of(q, bad_request)
        require(data, "penaltyBoxProtection", "action")
        if not isinstance(data["penaltyBoxProtection"], bool):
            raise bad_request("penaltyBoxProtection must be true or false.")
        action = data["action"]
        if action not in ("alert", "abort", "none") and not re.fullmatch(r"deny_custom_\d+", str(action)):
            raise bad_request("action must be alert, abort, none or deny_custom_<id>.")
        p["penaltyBox"] = {"penaltyBoxProtection": data["penaltyBoxProtection"], "action": action}
        return p["penaltyBox"]
