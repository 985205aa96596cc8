"""Property Manager work that takes more than one request or surfaces more than the raw answer."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.diff import json_diff
from alecs.tools.results import ToolOutput, render
from alecs.tools.waiting import wait_for

BASE = "/papi/v1"
H = {"PAPI-Use-Prefixes": "true"}
FINAL_ACTIVATION = frozenset({"ACTIVE", "FAILED", "ABORTED", "DEACTIVATED", "INACTIVE"})


def _scope(args: dict[str, Any]) -> dict[str, Any]:
    return {"contractId": args.get("contractId"), "groupId": args.get("groupId")}


def _issues(data: dict[str, Any]) -> str:
    lines = []
    for kind in ("errors", "warnings"):
        for item in data.get(kind) or []:
            lines.append(f"{kind[:-1]}: {item.get('title') or item.get('type')} at {item.get('errorLocation', '?')}"
                         + (f" - {item['detail']}" if item.get("detail") else ""))
    return "\n".join(lines)


def _with_issues(data: dict[str, Any], head: str) -> ToolOutput:
    """A rule tree answer: errors and warnings first, then the rest of the answer (ids, etag, the tree)."""
    issues = _issues(data)
    counts = f"{len(data.get('errors') or [])} error(s), {len(data.get('warnings') or [])} warning(s)"
    rest = {k: v for k, v in data.items() if k not in ("errors", "warnings")}
    text = f"{head}: {counts}" + (f"\n{issues}" if issues else "") + "\n" + render(rest)
    return ToolOutput(data, text)


async def search_properties(call: ToolCall, args: dict[str, Any]) -> Any:
    """Finds properties by exactly one of name, hostname or edge hostname."""
    given = {k: args[k] for k in ("propertyName", "hostname", "edgeHostname") if args.get(k)}
    if len(given) != 1:
        raise ToolInputError("Give exactly one of propertyName, hostname or edgeHostname.")
    return (await call.send("POST", f"{BASE}/search/find-by-value", json_body=given, headers=H)).data


async def get_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """A version's rule tree, with validation errors and warnings summarised in the text."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}/rules", args)
    params = _scope(args) | {"validateMode": args.get("validateMode")}
    data = await call.get(route, params=params, headers=H)
    return _with_issues(data, "Rule tree")


async def update_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """Saves a rule tree (with its etag), summarising validation errors and warnings."""
    req = call.build(args)
    data = (await call.send(**req)).data
    return _with_issues(data, "Saved the rule tree")


async def diff_versions(call: ToolCall, args: dict[str, Any]) -> Any:
    """The changes between two versions' rule trees."""
    trees = []
    for version in (args["fromVersion"], args["toVersion"]):
        route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{v}}/rules",
                          {"propertyId": args["propertyId"], "v": version})
        trees.append((await call.get(route, params=_scope(args), headers=H)).get("rules", {}))
    changes = json_diff(trees[0], trees[1])
    return {"fromVersion": args["fromVersion"], "toVersion": args["toVersion"], "changes": changes}


async def put_hostnames(call: ToolCall, args: dict[str, Any]) -> Any:
    """Replaces a version's hostnames, fetching the version's etag when none was given."""
    if not args.get("etag"):
        route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}", args)
        version = await call.get(route, params=_scope(args), headers=H, fresh=True)
        items = (version.get("versions") or {}).get("items") or [{}]
        args = args | {"etag": items[0].get("etag")}
    return (await call.send(**call.build(args))).data


def _activation_id(link: str) -> str:
    return link.rstrip("/").split("/")[-1].split("?")[0]


async def _activation(call: ToolCall, property_id: str, activation_id: str, args: dict[str, Any]) -> Any:
    route = fill_path(f"{BASE}/properties/{{p}}/activations/{{a}}", {"p": property_id, "a": activation_id})
    return await call.get(route, params=_scope(args), headers=H, fresh=True)


def _activation_status(data: dict[str, Any]) -> str:
    items = (data.get("activations") or {}).get("items") or [{}]
    return str(items[0].get("status", "UNKNOWN"))


async def get_activation(call: ToolCall, args: dict[str, Any]) -> Any:
    """One activation of a property."""
    return await _activation(call, args["propertyId"], args["activationId"], args)


async def activate_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a version; with wait, polls until ACTIVE or failed."""
    created = (await call.send(**call.build(args))).data
    activation_id = _activation_id(created["activationLink"])
    result: dict[str, Any] = {"activationId": activation_id, "activationLink": created["activationLink"]}
    if not args.get("wait"):
        result["status"] = "PENDING"
        result["next"] = f"get-property-activation with propertyId={args['propertyId']} activationId={activation_id}"
        return result
    final, finished = await wait_for(
        call, lambda: _activation(call, args["propertyId"], activation_id, args), _activation_status,
        FINAL_ACTIVATION, float(args.get("timeoutSeconds") or 900),
    )
    result["status"] = _activation_status(final)
    result["finished"] = finished
    result["activation"] = ((final.get("activations") or {}).get("items") or [None])[0]
    return result
