"""Application Security work that takes more than one request: merged updates, hostnames, activations."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.recovery import newest, start
from alecs.tools.results import merged
from alecs.tools.waiting import wait_for

BASE = "/appsec/v1"
FINAL_ACTIVATION = frozenset({"ACTIVATED", "FAILED", "STOPPED", "REMOVED", "UNDEPLOYED", "DEACTIVATED"})
# Fields Akamai returns but refuses (readOnly) in PUT bodies.
READ_ONLY = {
    "rate": ("id", "createDate", "updateDate", "used"),
    "target": ("effectiveSecurityControls", "validations"),
    "custom": (),
}
RATE_EVALUATION_READ_ONLY = ("version", "burstWindow", "endDate", "evaluationId", "evaluationStatus", "startDate")


def _merged(current: dict[str, Any], changes: dict[str, Any], kind: str) -> dict[str, Any]:
    body = {k: v for k, v in (current | changes).items() if k not in READ_ONLY[kind]}
    if kind == "rate" and isinstance(body.get("evaluation"), dict):
        body["evaluation"] = {k: v for k, v in body["evaluation"].items() if k not in RATE_EVALUATION_READ_ONLY}
    return body


def merge_update(kind: str) -> Any:
    """A handler that reads the object, applies `changes` over it and PUTs the whole object back."""

    async def handler(call: ToolCall, args: dict[str, Any]) -> Any:
        changes = args.get("changes") or {}
        if not changes:
            raise ToolInputError("Give the fields to change in `changes`, e.g. {\"averageThreshold\": 20}.")
        route = call.build(args)["path"]
        current = await call.get(route, fresh=True)
        return (await call.send("PUT", route, json_body=_merged(current, changes, kind))).data

    return handler


async def update_selected_hostnames(call: ToolCall, args: dict[str, Any]) -> Any:
    """Sends the hostnames as the {hostnameList, mode} body the API expects."""
    req = call.build(args)
    req["json_body"] = {"hostnameList": [{"hostname": h} for h in args["hostnames"]], "mode": args["mode"]}
    return (await call.send(**req)).data


async def match_target(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates or updates a match target, binding it to the given security policy."""
    req = call.build(args)
    req["json_body"] = (req["json_body"] or {}) | {"securityPolicy": {"policyId": args["policyId"]}}
    return (await call.send(**req)).data


async def _activation(call: ToolCall, activation_id: int) -> Any:
    return await call.get(fill_path(f"{BASE}/activations/{{a}}", {"a": activation_id}), fresh=True)


async def _request_status(call: ToolCall, status_id: str) -> Any:
    """An activation request's status: {statusId, createDate} while Akamai creates the activation; then Akamai
    answers 303 to the activation, which the client follows, so the answer is the activation itself."""
    return await call.get(fill_path(f"{BASE}/activations/status/{{s}}", {"s": status_id}), fresh=True)


async def _activation_id(call: ToolCall, status_id: str, timeout: float) -> int:
    """Polls an activation request (Akamai's 202 with a statusId) until it names the activation."""
    final, finished = await wait_for(call, lambda: _request_status(call, status_id),
                                     lambda d: "CREATED" if "activationId" in d else "REQUESTED",
                                     frozenset({"CREATED"}), timeout)
    if not finished:
        raise ToolInputError(f"Activation request {status_id} was not created within {timeout:.0f}s; follow it "
                             f"with get-appsec-activation-request statusId={status_id}.")
    return int(final["activationId"])


async def activation_request(call: ToolCall, args: dict[str, Any]) -> Any:
    """Where an activation request stands: still being created, or the activation it became."""
    status_id = args["statusId"]
    data = await _request_status(call, status_id)
    if "activationId" not in data:
        return data | {"status": "REQUESTED", "next": f"get-appsec-activation-request statusId={status_id} again "
                                                      "in a few seconds"}
    return merged({"statusId": status_id, "activationId": data["activationId"], "status": data.get("status"),
                   "next": f"get-appsec-activation with activationId={data['activationId']}"}, data)


def _active_version(config: dict[str, Any], network: str) -> Any:
    return config.get("productionVersion" if network == "PRODUCTION" else "stagingVersion")


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-appsec-config: the version that goes live, the one it replaces and what
    Akamai's version diff says changed."""
    network, version, config_id = args["network"], args["versionNumber"], args["configId"]
    config = await call.get(fill_path(f"{BASE}/configs/{{c}}", {"c": config_id}), fresh=True)
    active = _active_version(config, network)
    if not active:
        return [f"Nothing is active on {network} yet: version {version} will be the first."]
    if active == version:
        return [f"Version {version} is already active on {network}."]
    diff = (await call.send("POST", fill_path(f"{BASE}/configs/{{c}}/versions/diff", {"c": config_id}),
                            json_body={"from": active, "to": version})).data or {}
    changed = sorted(k for k, v in diff.items() if isinstance(v, dict) and v.get("outcome") == "MODIFIED")
    return [f"Version {version} replaces version {active}, active on {network} now; "
            + (f"changed: {', '.join(changed)}." if changed else "Akamai's diff shows no changes.")]


async def activate_config(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates one configuration version on a network; with wait, follows it to a final state. Without wait it
    returns at once with what Akamai gave: the activation, or the status id of a request still being created."""
    config_id, version, network = args["configId"], args["versionNumber"], args["network"]
    body: dict[str, Any] = {
        "action": "ACTIVATE", "network": network, "note": args.get("note") or "Activated with alecs",
        "notificationEmails": args["notifyEmails"],
        "activationConfigs": [{"configId": config_id, "configVersion": version}],
    }
    if args.get("acknowledgedInvalidHosts"):
        body["acknowledgedInvalidHostsByConfig"] = [{"configId": config_id,
                                                     "invalidHosts": args["acknowledgedInvalidHosts"]}]
    timeout = float(args.get("timeoutSeconds") or 900)

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        history = await call.get(fill_path(f"{BASE}/configs/{{c}}/activations", {"c": config_id}), fresh=True)
        return newest(list(history.get("activationHistory") or []),
                      lambda a: a.get("version") == version and a.get("network") == network, "activationDate",
                      sent_at)

    started = await start(call, lambda: call.send("POST", f"{BASE}/activations", json_body=body), lookup,
                          f"version {version} of configuration {config_id} on {network}")
    created = started.found if started.found is not None else (started.created.data or {})
    result: dict[str, Any] = {"network": network, "configId": config_id, "versionNumber": version}
    if started.note:
        result["recovered"] = started.note
    if "activationId" not in created:
        status_id = created.get("statusId")
        if not status_id:
            raise ToolInputError(f"Akamai did not return an activation or status id: {created}")
        if not args.get("wait"):
            return result | {"statusId": status_id, "status": "REQUESTED",
                             "next": f"get-appsec-activation-request with statusId={status_id}"}
        created = {"activationId": await _activation_id(call, status_id, timeout)}
    activation_id = int(created["activationId"])
    result["activationId"] = activation_id
    if not args.get("wait"):
        result["status"] = created.get("status", "RECEIVED")
        result["next"] = f"get-appsec-activation with activationId={activation_id}"
        return result
    final, finished = await wait_for(call, lambda: _activation(call, activation_id),
                                     lambda d: str(d.get("status", "UNKNOWN")), FINAL_ACTIVATION, timeout)
    return merged(result | {"status": final.get("status"), "finished": finished}, final)
