"""Application Security work that takes more than one request: merged updates, hostnames, activations."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
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


async def _activation_id(call: ToolCall, created: dict[str, Any], timeout: float) -> int:
    """Akamai answers 200 with the activation, or 202 with a statusId to poll until it names the activation."""
    if "activationId" in created:
        return int(created["activationId"])
    status_id = created.get("statusId")
    if not status_id:
        raise ToolInputError(f"Akamai did not return an activation or status id: {created}")
    route = fill_path(f"{BASE}/activations/status/{{s}}", {"s": status_id})
    final, finished = await wait_for(call, lambda: call.get(route, fresh=True),
                                     lambda d: "CREATED" if "activationId" in d else "REQUESTED",
                                     frozenset({"CREATED"}), timeout)
    if not finished:
        raise ToolInputError(f"Activation request {status_id} was not created within {timeout:.0f}s; "
                             "check list-appsec-activations later.")
    return int(final["activationId"])


async def activate_config(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates one configuration version on a network; with wait, follows it to a final state."""
    body: dict[str, Any] = {
        "action": "ACTIVATE", "network": args["network"], "note": args.get("note") or "Activated with alecs",
        "notificationEmails": args["notificationEmails"],
        "activationConfigs": [{"configId": args["configId"], "configVersion": args["versionNumber"]}],
    }
    if args.get("acknowledgedInvalidHosts"):
        body["acknowledgedInvalidHostsByConfig"] = [{"configId": args["configId"],
                                                     "invalidHosts": args["acknowledgedInvalidHosts"]}]
    timeout = float(args.get("timeoutSeconds") or 900)
    created = (await call.send("POST", f"{BASE}/activations", json_body=body)).data or {}
    activation_id = await _activation_id(call, created, timeout)
    result: dict[str, Any] = {"activationId": activation_id, "network": args["network"],
                              "configId": args["configId"], "versionNumber": args["versionNumber"]}
    if not args.get("wait"):
        result["status"] = created.get("status", "RECEIVED")
        result["next"] = f"get-appsec-activation with activationId={activation_id}"
        return result
    final, finished = await wait_for(call, lambda: _activation(call, activation_id),
                                     lambda d: str(d.get("status", "UNKNOWN")), FINAL_ACTIVATION, timeout)
    return merged(result | {"status": final.get("status"), "finished": finished}, final)
