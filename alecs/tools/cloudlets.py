"""Cloudlets v3 (shared policies): policies, versions with match rules, activations with waiting."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import shapes
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, body, local, path, query
from alecs.tools.recovery import newest, start
from alecs.tools.spec import ToolSpec
from alecs.tools.waiting import wait_for

BASE = "/cloudlets/v3"
CLOUDLETS = Toolset("cloudlets", "Cloudlets: policies, versions, match rules, activations")
api = Api("cloudlets/v3", toolset=CLOUDLETS, base=BASE, network="none")
FINAL = frozenset({"SUCCESS", "FAILED"})

POLICY = path("policyId", "Shared policy ID, e.g. 1001 (see list-cloudlet-policies).", int, ge=1)
VERSION = path("policyVersion", "Policy version number, e.g. 2.", int, ge=1, api_name="version")
PAGE = query("page", "Page number, from 0.", int, default=0, ge=0)
SIZE = query("size", "Items per Akamai page (10-1000).", int, default=1000, ge=10, le=1000)
CLOUDLET_TYPE = Literal["AP", "AS", "CD", "ER", "FR", "IG", "VWR"]


async def _activation(call: ToolCall, policy_id: int, activation_id: int) -> Any:
    route = fill_path(f"{BASE}/policies/{{p}}/activations/{{a}}", {"p": policy_id, "a": activation_id})
    return await call.get(route, fresh=True)


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-cloudlet-policy: the version that goes live and the one it replaces."""
    network, version = args["network"], args["policyVersion"]
    policy = await call.get(fill_path(f"{BASE}/policies/{{p}}", {"p": args["policyId"]}), fresh=True)
    effective = ((policy.get("currentActivations") or {}).get(network.lower()) or {}).get("effective") or {}
    active = effective.get("policyVersion")
    verb = "deactivates" if args.get("operation") == "DEACTIVATION" else "activates"
    if active is None:
        return [f"This {verb} version {version}; no version is active on {network} now."]
    return [f"This {verb} version {version}; version {active} is active on {network} now."]


async def activate_policy(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a policy version on a network; with wait, follows the activation to its end. A lost answer, or a
    repeat refused because that activation is still running, returns that activation."""
    req = call.build(args)
    operation = args.get("operation") or "ACTIVATION"

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        listed = await call.get(fill_path(f"{BASE}/policies/{{p}}/activations", {"p": args["policyId"]}),
                                params={"page": 0, "size": 1000}, fresh=True)
        return newest(list(listed.get("content") or []),
                      lambda a: a.get("policyVersion") == args["policyVersion"] and a.get("network") == args[
                          "network"] and a.get("operation") == operation and (sent_at is not None or a.get(
                              "status") == "IN_PROGRESS"), "createdDate", sent_at)

    started = await start(call, lambda: call.send(**req), lookup,
                          f"version {args['policyVersion']} of policy {args['policyId']} on {args['network']}")
    created = started.found if started.found is not None else started.created.data
    result: dict[str, Any] = {"activationId": created.get("id"), "status": created.get("status"),
                              "activation": created} | ({"recovered": started.note} if started.note else {})
    if not args.get("wait") or created.get("status") in FINAL:
        if created.get("status") not in FINAL:
            result["next"] = (f"get-cloudlet-policy-activation with policyId={args['policyId']} "
                              f"activationId={created.get('id')}")
        return result
    final, finished = await wait_for(
        call, lambda: _activation(call, args["policyId"], created["id"]), lambda a: str(a.get("status")),
        FINAL, float(args.get("timeoutSeconds") or 600))
    return result | {"status": final.get("status"), "finished": finished, "activation": final}


TOOLS: list[ToolSpec] = [
    api.get("list-cloudlet-policies", "/policies", title="List Cloudlets policies",
            doc="Shared Cloudlets policies (Edge Redirector ER, Phased Release CD, Request Control IG, ...) with "
                "their active versions.",
            params=(PAGE, SIZE),
            items="content",
            columns=("id", "name", "cloudletType", "groupId", "currentActivations.staging.effective.policyVersion",
                     "currentActivations.production.effective.policyVersion")),
    api.get("get-cloudlet-policy", "/policies/{policyId}", title="Get Cloudlets policy",
            doc="One shared policy with what is active on staging and production.",
            params=(POLICY,)),
    api.post("create-cloudlet-policy", "/policies", title="Create Cloudlets policy",
             doc="Create a shared policy for a Cloudlet type in a group. Returns its id; then add a version.",
             params=(body("name", "Policy name: letters, digits and underscores, e.g. static_assets_redirector.",
                          required=True, pattern=r"^[A-Za-z0-9_]{1,64}$"),
                     body("cloudletType",
                          "ER Edge Redirector, CD Phased Release, FR Forward Rewrite, IG Request Control, AP API "
                          "Prioritization, AS Audience Segmentation, VWR Virtual Waiting Room.", CLOUDLET_TYPE,
                          required=True), body("groupId", "Group ID (number), e.g. 10001.", int, required=True, ge=1),
                     body("description", "What the policy is for.", max_length=255))),
    api.get("list-cloudlet-policy-versions", "/policies/{policyId}/versions", title="List Cloudlets policy versions",
            doc="Versions of a policy, newest first.",
            params=(POLICY, PAGE, SIZE),
            items="content", columns=("version", "description", "modifiedBy", "modifiedDate", "immutable")),
    api.get("get-cloudlet-policy-version", "/policies/{policyId}/versions/{version}",
            title="Get Cloudlets policy version",
            doc="One policy version with its match rules.",
            params=(POLICY, VERSION)),
    api.post("create-cloudlet-policy-version", "/policies/{policyId}/versions",
             title="Create Cloudlets policy version",
             doc="Add a version with match rules, e.g. [{\"type\": \"erMatchRule\", \"name\": \"old blog\", "
                 "\"matchURL\": \"/blog/*\", \"redirectURL\": \"/news/\", \"statusCode\": 301}].",
             params=(POLICY, body("description", "Version note.", required=True, max_length=255),
                     body("matchRules", "Match rules of the policy's Cloudlet type, in order.",
                          list[shapes.MatchRule], required=True, max_length=5000),
                     body("configuration", "Virtual Waiting Room settings.", shapes.WaitingRoomSettings))),
    api.post("activate-cloudlet-policy", "/policies/{policyId}/activations", title="Activate Cloudlets policy",
             doc="Activate (or deactivate) a policy version on STAGING or PRODUCTION. Production changes live "
                 "traffic (destructive). With wait, polls until SUCCESS or FAILED.",
             params=(POLICY, body("policyVersion", "Version to activate.", int, required=True, ge=1),
                     body("network", "STAGING or PRODUCTION.", Literal["STAGING", "PRODUCTION"], required=True),
                     body("operation", "ACTIVATION (default) or DEACTIVATION.", Literal["ACTIVATION", "DEACTIVATION"],
                          default="ACTIVATION"),
                     local("wait", "Wait until the activation finishes (reports progress).", bool, default=False),
                     local("timeoutSeconds", "Longest wait, in seconds.", int, default=600, ge=1, le=7200)),
             destructive=True, handler=activate_policy,
             network="argument:network", confirm=True, preview=activation_preview),
    api.get("get-cloudlet-policy-activation", "/policies/{policyId}/activations/{activationId}",
            title="Get Cloudlets policy activation",
            doc="One activation's status (IN_PROGRESS, SUCCESS, FAILED).",
            params=(POLICY, path("activationId", "Activation ID, e.g. 300001.", int, ge=1))),
]
