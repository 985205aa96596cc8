"""GTM work beyond one request: vendor media types, full property bodies, waiting for propagation."""

from __future__ import annotations

from typing import Any

from alecs.errors import AkamaiError, ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.recovery import start
from alecs.tools.waiting import wait_for

BASE = "/config-gtm/v1"
# Media types exactly as Akamai's published definitions declare them (the datacenter one has no "application/").
DATACENTER_TYPE = "application/datacenter-vnd-config-gtm.v1.5+json"
PROPERTY_TYPE = "application/property-vnd-config-gtm.v1.5+json"
FINAL = frozenset({"COMPLETE", "DENIED"})

PROPERTY_DEFAULTS: dict[str, Any] = {
    "backupCName": None, "backupIp": None, "balanceByDownloadScore": False, "cname": None, "comments": None,
    "dynamicTTL": 60, "failbackDelay": 0, "failoverDelay": 0, "handoutLimit": None, "handoutMode": "normal",
    "healthMax": None, "healthMultiplier": None, "healthThreshold": None, "ipv6": False, "lastModified": None,
    "livenessTests": [], "loadImbalancePercentage": None, "mapName": None, "maxUnreachablePenalty": None,
    "minLiveFraction": None, "mxRecords": [], "scoreAggregationType": "mean", "staticTTL": 600,
    "stickinessBonusConstant": None, "stickinessBonusPercentage": None, "trafficTargets": [],
    "unreachableThreshold": None, "useComputedTargets": False,
}
PROPERTY_FIELDS = set(PROPERTY_DEFAULTS) | {"name", "type", "staticRRSets"}
TEST_DEFAULTS: dict[str, Any] = {
    "answersRequired": False, "disableNonstandardPortWarning": False, "errorPenalty": 75000.0, "hostHeader": None,
    "httpError3xx": True, "httpError4xx": True, "httpError5xx": True, "peerCertificateVerification": False,
    "recursionRequested": False, "requestString": None,
    # required and enumerated without null in the definitions; only DNS tests use it
    "resourceType": "A", "responseString": None,
    "sslClientCertificate": None, "sslClientPrivateKey": None, "testInterval": 60, "testObject": "/",
    "testObjectPassword": None, "testObjectPort": 80, "testObjectProtocol": "HTTP", "testObjectUsername": None,
    "testTimeout": 10.0, "timeoutPenalty": 25000.0,
}
TEST_FIELDS = set(TEST_DEFAULTS) | {"name", "disabled", "httpHeaders", "httpMethod", "httpRequestBody"}
TARGET_DEFAULTS: dict[str, Any] = {"enabled": True, "weight": 1.0, "servers": [], "name": None, "handoutCName": None}
TARGET_FIELDS = set(TARGET_DEFAULTS) | {"datacenterId"}
PROPERTY_ARGS = ("type", "trafficTargets", "livenessTests", "handoutMode", "scoreAggregationType", "dynamicTTL",
                 "staticTTL", "failoverDelay", "failbackDelay", "mapName", "backupIp", "backupCName", "ipv6",
                 "comments")


def _status_of(data: dict[str, Any]) -> str:
    return str(data.get("propagationStatus") or "UNKNOWN")


async def _status(call: ToolCall, domain: str) -> Any:
    return await call.get(fill_path(f"{BASE}/domains/{{d}}/status/current", {"d": domain}), fresh=True)


async def _after_change(call: ToolCall, args: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The change's answer; with wait, polls the domain until the change propagated (COMPLETE) or was DENIED."""
    if not args.get("wait"):
        if (answer.get("status") or {}).get("propagationStatus") == "PENDING":
            answer = answer | {"next": f"get-gtm-domain-status with domainName={args['domainName']} wait=true"}
        return answer
    final, finished = await wait_for(call, lambda: _status(call, args["domainName"]), _status_of, FINAL,
                                     float(args.get("timeoutSeconds") or 900))
    return answer | {"status": final, "finished": finished}


async def domain_status(call: ToolCall, args: dict[str, Any]) -> Any:
    """A domain's propagation status; with wait, polls until COMPLETE or DENIED."""
    if not args.get("wait"):
        return await _status(call, args["domainName"])
    final, finished = await wait_for(call, lambda: _status(call, args["domainName"]), _status_of, FINAL,
                                     float(args.get("timeoutSeconds") or 900))
    return final | {"finished": finished}


async def create_datacenter(call: ToolCall, args: dict[str, Any]) -> Any:
    """Adds a datacenter (GTM assigns its id); with wait, follows the propagation."""
    body = {"datacenterId": 0}  # required by the schema; GTM assigns the real id
    body |= {k: args[k] for k in ("nickname", "city", "stateOrProvince", "country", "continent", "latitude",
                                  "longitude", "cloudServerTargeting", "defaultLoadObject")
             if args.get(k) is not None}
    route = fill_path(f"{BASE}/domains/{{domainName}}/datacenters", args)

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        listed = await call.get(route, fresh=True)  # nicknames are unique in a domain
        found = [d for d in listed.get("items") or [] if d.get("nickname") == args["nickname"]]
        return {"resource": found[0]} if found else None

    started = await start(call, lambda: call.send("POST", route, json_body=body, headers={
        "Content-Type": DATACENTER_TYPE, "Accept": DATACENTER_TYPE}), lookup,
        f"datacenter {args['nickname']} in {args['domainName']}")
    if started.found is not None:
        return await _after_change(call, args, started.found | {"recovered": started.note})
    return await _after_change(call, args, started.created.data)


def _merge(defaults: dict[str, Any], allowed: set[str], *layers: dict[str, Any]) -> dict[str, Any]:
    out = dict(defaults)
    for layer in layers:
        out.update({k: v for k, v in layer.items() if k in allowed})
    return out


async def save_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates or changes a GTM property, keeping settings that were not given."""
    route = fill_path(f"{BASE}/domains/{{domainName}}/properties/{{propertyName}}", args)
    try:
        current = await call.get(route, fresh=True)
    except AkamaiError as exc:
        if exc.status != 404:
            raise
        current = {}
    given = {k: args[k] for k in PROPERTY_ARGS if args.get(k) is not None}
    body = _merge(PROPERTY_DEFAULTS, PROPERTY_FIELDS, current, given, args.get("extra") or {})
    body["name"] = args["propertyName"]
    if not body.get("type"):
        raise ToolInputError(f"Property {args['propertyName']} does not exist yet: give its type, e.g. "
                             "weighted-round-robin or failover.")
    body["trafficTargets"] = [_merge(TARGET_DEFAULTS, TARGET_FIELDS, t) for t in body["trafficTargets"] or []]
    body["livenessTests"] = [_merge(TEST_DEFAULTS, TEST_FIELDS, t) for t in body["livenessTests"] or []]
    params = {"domainModificationComments": args.get("comment")}
    answer = (await call.send("PUT", route, params=params, json_body=body,
                              headers={"Content-Type": PROPERTY_TYPE})).data
    return await _after_change(call, args, answer | {"created": not current})


async def save_map(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates or replaces a geographic or CIDR map; with wait, follows the propagation."""
    route = fill_path(f"{BASE}/domains/{{domainName}}/{{mapType}}-maps/{{mapName}}", args)
    body = {"name": args["mapName"], "defaultDatacenter": args["defaultDatacenter"],
            "assignments": args.get("assignments") or []}
    answer = (await call.send("PUT", route, params={"domainModificationComments": args.get("comment")},
                              json_body=body)).data
    return await _after_change(call, args, answer)


async def delete_item(call: ToolCall, args: dict[str, Any]) -> Any:
    """Deletes a domain item; with wait, follows the propagation."""
    answer = (await call.send(**call.build(args))).data
    return await _after_change(call, args, answer)
