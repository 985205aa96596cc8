"""Export of a simulated appsec configuration version, and the diff of two exports (Akamai's diff format)."""

from __future__ import annotations

import copy
from typing import Any

from alecs.sandbox import appsec_seed as seed


def _policy_export(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["policyId"], "name": p["policyName"], "hasRatePolicyWithApiKey": False,
        "securityControls": {k: v for k, v in p["controls"].items()},
        "webApplicationFirewall": {"attackGroupActions": [{"group": g, "action": a}
                                                          for g, a in p["attackGroups"].items()]},
        "ratePolicyActions": list(p["ratePolicyActions"].values()),
        "customRuleActions": [{"id": i, "action": a} for i, a in p["customRuleActions"].items()],
        "clientReputation": {"reputationProfileActions": [{"id": i, "action": a}
                                                          for i, a in p["reputationActions"].items()]},
        "ipGeoFirewall": copy.deepcopy(p["ipGeo"]),
        "penaltyBox": dict(p["penaltyBox"]),
        "mode": p["mode"],
    }


def export_version(cfg: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    data = v["data"]
    targets = sorted(data["matchTargets"].values(), key=lambda t: t.get("sequence", 0))
    used_rules = {i for p in data["policies"].values() for i in p["customRuleActions"]}
    out = {
        "configId": cfg["id"], "configName": cfg["name"], "version": v["version"],
        "basedOn": v.get("basedOn", 0), "createDate": v["createDate"], "createdBy": v["createdBy"],
        "versionNotes": v.get("versionNotes", ""), "staging": dict(v["staging"]), "production": dict(v["production"]),
        "selectedHosts": list(data["selectedHosts"]),
        "selectableHosts": [h for h in seed.SELECTABLE if h not in data["selectedHosts"]],
        "errorHosts": [],
        "matchTargets": {"websiteTargets": [copy.deepcopy(t) for t in targets if t["type"] == "website"],
                         "apiTargets": [copy.deepcopy(t) for t in targets if t["type"] == "api"]},
        "ratePolicies": [copy.deepcopy(r) for r in data["ratePolicies"].values()],
        "reputationProfiles": [copy.deepcopy(r) for r in data["reputationProfiles"].values()],
        "customRules": [copy.deepcopy(r) for i, r in cfg["customRules"].items() if i in used_rules],
        "customDenyList": [],
        "ruleSets": [],
        "securityPolicies": [_policy_export(p) for p in data["policies"].values()],
        "siem": {"enableSiem": False},
        "advancedOptions": [{"logging": {"allowSampling": True, "cookies": {"type": "all"},
                                         "customHeaders": {"type": "all"}, "standardHeaders": {"type": "all"}},
                             "prefetch": {"allExtensions": False, "enableAppLayer": True,
                                          "enableRateControls": False, "extensions": ["cgi", "jsp", "php"]}}],
    }
    return out


def _value_diff(a: Any, b: Any, with_unmodified: bool) -> dict[str, Any] | None:
    if isinstance(a, dict) and isinstance(b, dict):
        return _dict_diff(a, b, with_unmodified)
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) and "id" in x for x in a + b):
        return _list_diff(a, b, with_unmodified)
    if a == b:
        return {"outcome": "UNMODIFIED", "value": a} if with_unmodified else None
    if a is None:
        return {"outcome": "ADDED", "from": None, "to": b}
    if b is None:
        return {"outcome": "REMOVED", "from": a, "to": None}
    out: dict[str, Any] = {"outcome": "MODIFIED", "from": a, "to": b}
    if isinstance(a, list) and isinstance(b, list):
        out["added"] = [x for x in b if x not in a]
        out["removed"] = [x for x in a if x not in b]
    return out


def _count(out: dict[str, Any]) -> dict[str, int]:
    counts = {"added": 0, "modified": 0, "removed": 0, "unmodified": 0}
    for value in out.values():
        if isinstance(value, dict) and "outcome" in value:
            counts[value["outcome"].lower()] = counts.get(value["outcome"].lower(), 0) + 1
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "outcome" in item:
                    counts[item["outcome"].lower()] += 1
    return counts


def _dict_diff(a: dict[str, Any], b: dict[str, Any], with_unmodified: bool) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key in list(a) + [k for k in b if k not in a]:
        d = _value_diff(a.get(key), b.get(key), with_unmodified)
        if d is not None:
            out[key] = d
    changed = any(isinstance(v, dict) and v.get("outcome") != "UNMODIFIED" for v in out.values())
    if not changed and not with_unmodified:
        return None
    out["outcome"] = "MODIFIED" if changed else "UNMODIFIED"
    out["changesCount"] = _count(out)
    return out


def _list_diff(a: list[dict[str, Any]], b: list[dict[str, Any]], with_unmodified: bool) -> dict[str, Any] | None:
    before, after = {x["id"]: x for x in a}, {x["id"]: x for x in b}
    out: dict[str, Any] = {}
    added = [{"outcome": "ADDED", "id": i} | after[i] for i in after if i not in before]
    removed = [{"outcome": "REMOVED", "id": i} | before[i] for i in before if i not in after]
    modified = []
    for i in before:
        if i in after:
            d = _dict_diff(before[i], after[i], with_unmodified)
            if d is not None:
                modified.append(d | {"id": i})
    for key, items in (("added", added), ("removed", removed), ("modified", modified)):
        if items:
            out[key] = items
    if not out:
        return {"outcome": "UNMODIFIED"} if with_unmodified else None
    out["outcome"] = "MODIFIED"
    return out


def diff_exports(config_id: int, a: dict[str, Any], b: dict[str, Any], with_unmodified: bool) -> dict[str, Any]:
    skip = ("configId", "configName", "version", "basedOn", "createDate", "createdBy", "staging", "production")
    left = {k: v for k, v in a.items() if k not in skip}
    right = {k: v for k, v in b.items() if k not in skip}
    out = _dict_diff(left, right, with_unmodified) or {"outcome": "UNMODIFIED", "changesCount": _count({})}
    return out | {"configId": config_id}
