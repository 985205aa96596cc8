"""Property Manager work that takes more than one request or surfaces more than the raw answer."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.diff import change_lines, json_diff
from alecs.tools.recovery import newest, start
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
    issues = _issues(data)
    counts = f"{len(data.get('errors') or [])} error(s), {len(data.get('warnings') or [])} warning(s)"
    text = f"{head}; etag {data.get('etag')}; {counts}" + (f"\n{issues}" if issues else "")
    return ToolOutput(data, text + "\n" + render(data.get("rules")))


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
    return _with_issues(data, f"Rules of {args['propertyId']} v{args['propertyVersion']}")


async def update_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """Saves a rule tree (with its etag), summarising validation errors and warnings."""
    req = call.build(args)
    data = (await call.send(**req)).data
    return _with_issues(data, f"Saved rules of {args['propertyId']} v{args['propertyVersion']}")


async def _rules(call: ToolCall, kind: str, ident: str, version: int, args: dict[str, Any]) -> Any:
    """The rule tree of a property (`kind` "properties") or include ("includes") version."""
    route = fill_path(f"{BASE}/{kind}/{{i}}/versions/{{v}}/rules", {"i": ident, "v": version})
    return (await call.get(route, params=_scope(args), headers=H)).get("rules", {})


async def diff_versions(call: ToolCall, args: dict[str, Any]) -> Any:
    """The changes between two versions' rule trees."""
    old = await _rules(call, "properties", args["propertyId"], args["fromVersion"], args)
    changes = json_diff(old, await _rules(call, "properties", args["propertyId"], args["toVersion"], args))
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


def _items(data: Any, kind: str) -> list[Any]:
    return list(((data or {}).get(kind) or {}).get("items") or [])


async def _preview(call: ToolCall, args: dict[str, Any], kind: str, ident: str, version: int) -> list[str]:
    """The version that goes live, the one it replaces on that network and the rule paths that change."""
    network = args["network"]
    summary = await call.get(fill_path(f"{BASE}/{kind}/{{i}}", {"i": ident}), params=_scope(args), headers=H,
                             fresh=True)
    active = (_items(summary, kind) or [{}])[0].get("productionVersion" if network == "PRODUCTION" else
                                                    "stagingVersion")
    if not active:
        return [f"Nothing is active on {network} yet: version {version} will be the first."]
    if active == version:
        return [f"Version {version} is already active on {network}."]
    changes = json_diff(await _rules(call, kind, ident, active, args), await _rules(call, kind, ident, version, args))
    head = (f"Version {version} replaces version {active}, active on {network} now; "
            + (f"rule paths changed ({len(changes)}):" if changes else "the rule trees are the same."))
    return [head, *change_lines(changes)]


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-property: versions and changed rule paths (diff-property-versions)."""
    return await _preview(call, args, "properties", args["propertyId"], args["propertyVersion"])


async def include_activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-include: versions and changed rule paths."""
    return await _preview(call, args, "includes", args["includeId"], args["includeVersion"])


async def bulk_activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of bulk-activate-properties: each property version and its network."""
    items = args["activatePropertyVersions"]
    lines = [f"- {i.get('propertyId')} version {i.get('propertyVersion')} on {i.get('network')}" for i in items[:20]]
    return [f"{len(items)} activation(s):", *lines] + ([f"- ... and {len(items) - 20} more"] if len(items) > 20 else [])


async def _start(call: ToolCall, args: dict[str, Any], kind: str, ident: str,
                 version_key: str) -> tuple[str, dict[str, Any]]:
    """Sends the activation request once: the activation id and the first fields of the result (its link, or a
    `recovered` note). After a lost answer or Akamai's 422 for a version already active or pending on that
    network, the activation of that version there, looked up."""
    version, network = args[version_key], args["network"]

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        route = fill_path(f"{BASE}/{kind}/{{i}}/activations", {"i": ident})
        items = _items(await call.get(route, params=_scope(args), headers=H, fresh=True), "activations")
        return newest(items, lambda a: a.get(version_key) == version and a.get("network") == network
                      and a.get("activationType", "ACTIVATE") == "ACTIVATE", "submitDate", sent_at)

    started = await start(call, lambda: call.send(**call.build(args)), lookup,
                          f"version {version} of {ident} on {network}")
    if started.found is not None:
        activation_id = str(started.found["activationId"])
        return activation_id, {"activationId": activation_id, "recovered": started.note,
                               "activationLink": f"{BASE}/{kind}/{ident}/activations/{activation_id}"}
    link = started.created.data["activationLink"]
    return _activation_id(link), {"activationId": _activation_id(link), "activationLink": link}


async def activate_include(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates an include version, recovering the activation after a lost answer or a repeated request."""
    _, result = await _start(call, args, "includes", args["includeId"], "includeVersion")
    return result | {"next": f"list-include-activations with includeId={args['includeId']}"}


async def activate_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a version; with wait, polls until ACTIVE or failed. A lost answer or a repeat of an activation
    already active or pending returns that activation (with `recovered` saying so)."""
    activation_id, result = await _start(call, args, "properties", args["propertyId"], "propertyVersion")
    if not args.get("wait"):
        recovered = "recovered" in result  # then it may be active already: say what it is now
        result["status"] = _activation_status(await _activation(call, args["propertyId"], activation_id, args)) \
            if recovered else "PENDING"
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
