"""Network lists (v2): IP and geo lists, their elements, activations on staging and production, snapshots."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, body, local, notify_emails, path, query, with_intents
from alecs.tools.recovery import start
from alecs.tools.results import merged
from alecs.tools.spec import ToolSpec
from alecs.tools.waiting import wait_for

BASE = "/network-list/v2"
NETLISTS = Toolset("netlists", "Network lists: IP and geo lists, elements, activations, snapshots")
api = Api("network-lists/v2", toolset=NETLISTS, base=BASE, network="none")
FINAL_ACTIVATION = frozenset({"ACTIVE", "FAILED", "INACTIVE"})

NL = path("networkListId", "Network list ID (uniqueId), e.g. 1024_BLOCKEDIPS.")
# `network` like every other toolset; Akamai's path segment is {environment}.
NET = path("network", "STAGING or PRODUCTION.", Literal["STAGING", "PRODUCTION"], api_name="environment")
LIST_TYPE = Literal["IP", "GEO"]
ELEMENTS = "IP addresses or CIDR blocks (IP lists, e.g. 192.0.2.0/24) or ISO country codes (GEO lists, e.g. FR)"
EXTENDED = query("extended", "Also return who created/updated it and its staging/production status.", bool)
INCLUDE = query("includeElements", "Include the elements (default true).", bool)
SYNC = body("syncPoint", "The list's current syncPoint (from get-network-list); a stale one is refused (409).",
            int, required=True, ge=0)


async def _activation(call: ToolCall, activation_id: int) -> Any:
    return await call.get(fill_path(f"{BASE}/activations/{{a}}", {"a": activation_id}), fresh=True)


def _activation_status(data: Any) -> str:
    return str(((data or {}).get("networkList") or {}).get("activationStatus", "UNKNOWN"))


async def _list_and_status(call: ToolCall, args: dict[str, Any]) -> tuple[Any, Any]:
    """The list as it is now and its status on the network the call names."""
    route = fill_path(f"{BASE}/network-lists/{{networkListId}}", args)
    listed = await call.get(route, params={"includeElements": True}, fresh=True)
    route = fill_path(f"{BASE}/network-lists/{{networkListId}}/environments/{{network}}/status", args)
    status = await call.get(route, fresh=True)
    return listed or {}, status or {}


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-network-list: the syncPoint that goes live, the one live now and the
    elements added and removed since."""
    env = args["network"]
    listed, status = await _list_and_status(call, args)
    sync, live = listed.get("syncPoint"), status.get("syncPoint")
    if status.get("activationStatus") in (None, "INACTIVE") or live is None:
        return [f"Nothing is active on {env} yet: syncPoint {sync} ({len(listed.get('list') or [])} elements) "
                "will be the first."]
    if live == sync:
        return [f"syncPoint {sync} is already active on {env}."]
    route = fill_path(f"{BASE}/network-lists/{{networkListId}}/sync-points/{{s}}/history",
                      {"networkListId": args["networkListId"], "s": live})
    before, after = set((await call.get(route)).get("list") or []), set(listed.get("list") or [])
    added, removed = sorted(after - before), sorted(before - after)
    return [f"syncPoint {sync} replaces syncPoint {live}, active on {env} now: {len(added)} element(s) added, "
            f"{len(removed)} removed.", *(f"- added {e}" for e in added[:20]),
            *(f"- removed {e}" for e in removed[:20])]


async def activate(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a network list on a network; with wait, follows the activation to its end. A lost answer, or a
    repeat while the list's current syncPoint is being activated, returns that activation."""

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        listed, status = await _list_and_status(call, args)  # a list's activation has no date: match its syncPoint
        same = status.get("activationId") is not None and status.get("syncPoint") == listed.get("syncPoint")
        return dict(status) if same and status.get("activationStatus") in ("PENDING_ACTIVATION", "ACTIVE") else None

    started = await start(call, lambda: call.send(**call.build(args)), lookup,
                          f"{args['networkListId']} on {args['network']}")
    created = started.found if started.found is not None else (started.created.data or {})
    activation_id = created.get("activationId")
    result: dict[str, Any] = dict(created) | ({"recovered": started.note} if started.note else {})
    if not args.get("wait") or activation_id is None:
        result["next"] = (f"get-network-list-activation-status networkListId={args['networkListId']} "
                          f"network={args['network']}")
        return result
    final, finished = await wait_for(call, lambda: _activation(call, activation_id), _activation_status,
                                     FINAL_ACTIVATION, float(args.get("timeoutSeconds") or 900))
    return merged(result | {"activationStatus": _activation_status(final), "finished": finished}, final)


TOOLS: list[ToolSpec] = [
    api.get("list-network-lists", "/network-lists", title="List network lists",
            doc="IP and geo network lists the account can use (ids like 1024_BLOCKEDIPS), optionally filtered by "
                "type or a search string.",
            params=(query("listType", "IP or GEO.", LIST_TYPE),
                    query("search", "Substring of a name or element, e.g. 192.0.2."),
                    query("includeElements", "Include each list's elements.", bool), EXTENDED),
            items="networkLists", columns=("uniqueId", "name", "type", "elementCount", "syncPoint", "readOnly")),
    api.get("get-network-list", "/network-lists/{networkListId}", title="Get network list",
            doc="One network list: elements, syncPoint (needed to update it) and, with extended, its activation "
                "status.",
            params=(NL, EXTENDED, INCLUDE)),
    api.post("create-network-list", "/network-lists", title="Create network list",
             doc="Create an IP or GEO network list. Returns its uniqueId.",
             params=(body("name", "Display name.", required=True, min_length=1, max_length=100),
                     body("type", "IP or GEO.", LIST_TYPE, required=True),
                     body("list", f"Initial elements: {ELEMENTS}.", list[str], default=[]),
                     body("description", "Description.", min_length=1, max_length=255),
                     body("contractId", "Contract for the list, without prefix, e.g. C-0SANDBOX (pair with groupId).",
                          min_length=5, max_length=20),
                     body("groupId", "Group number for the list, e.g. 10001 (pair with contractId).", int))),
    api.put("update-network-list", "/network-lists/{networkListId}", title="Replace network list",
            doc="Replace a list's name, description and ALL its elements (elements left out are removed). Pass the "
                "current syncPoint. To add or remove a few elements use append-network-list-elements or "
                "remove-network-list-element.",
            params=(NL, body("name", "Display name.", required=True, min_length=1, max_length=100),
                    body("type", "IP or GEO (cannot change).", LIST_TYPE, required=True),
                    body("list", f"The complete set of elements: {ELEMENTS}.", list[str], required=True), SYNC,
                    body("description", "Description.", min_length=1, max_length=255))),
    api.put("update-network-list-details", "/network-lists/{networkListId}/details", title="Rename network list",
            doc="Change a list's name or description (elements are untouched).",
            params=(NL, body("name", "Display name.", required=True, min_length=1, max_length=100),
                    body("description", "Description.", min_length=1, max_length=255))),
    api.delete("delete-network-list", "/network-lists/{networkListId}", title="Delete network list",
               doc="Delete a network list. Destructive; only lists never activated can be deleted (409 otherwise).",
               params=(NL,),
               destructive=True,
               confirm=True),
    api.post("append-network-list-elements", "/network-lists/{networkListId}/append",
             title="Append network list elements",
             doc="Add elements to a list (duplicates are ignored). Activate the list for the change to reach the "
                 "edge.",
             params=(NL, body("list", f"Elements to add: {ELEMENTS}.", list[str], required=True, min_length=1))),
    api.delete("remove-network-list-element", "/network-lists/{networkListId}/elements",
               title="Remove network list element",
               doc="Remove one element from a list. Destructive once the list is activated again.",
               params=(NL, query("element", "The element, e.g. 192.0.2.0/24 or FR.", required=True)),
               destructive=True),
    api.post("activate-network-list", "/network-lists/{networkListId}/environments/{environment}/activate",
             title="Activate network list",
             doc="Activate the list's current syncPoint on STAGING or PRODUCTION (production is destructive: it "
                 "changes live traffic). With wait, polls until ACTIVE or FAILED.",
             params=(NL, NET, body("comments", "Activation comment."),
                     notify_emails(api_name="notificationRecipients", required=False),
                     local("wait", "Wait until the activation finishes (reports progress).", bool, default=False),
                     local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)),
             destructive=True, handler=activate,
             network="argument:network", confirm=True, preview=activation_preview),
    api.get("get-network-list-activation-status", "/network-lists/{networkListId}/environments/{environment}/status",
            title="Get network list activation status",
            doc="A list's status on STAGING or PRODUCTION: INACTIVE, PENDING_ACTIVATION, ACTIVE, MODIFIED (changed "
                "since), FAILED.",
            params=(NL, NET)),
    api.get("get-network-list-activation", "/activations/{activationId}", title="Get network list activation",
            doc="One activation request by its id: environment, who requested it, its list status.",
            params=(path("activationId", "Activation ID (a number from activate-network-list).", int, ge=1),)),
    api.get("get-network-list-snapshot", "/network-lists/{networkListId}/sync-points/{syncPoint}/history",
            title="Get network list snapshot",
            doc="The list as it was when a syncPoint was activated (only activated syncPoints have snapshots).",
            params=(NL, path("syncPoint", "An activated syncPoint.", int, ge=0), EXTENDED)),
    api.post("subscribe-network-list-notifications", "/notifications/subscribe",
             title="Subscribe to network list changes",
             doc="Email recipients when any of the given lists changes.",
             params=(body("recipients", "Emails of Control Center users.", list[str], required=True, min_length=1),
                     body("uniqueIds", "Network list ids.", list[str], required=True, min_length=1))),
    api.post("unsubscribe-network-list-notifications", "/notifications/unsubscribe",
             title="Unsubscribe from network list changes",
             doc="Stop emailing recipients about the given lists.",
             params=(body("recipients", "Emails of Control Center users.", list[str], required=True, min_length=1),
                     body("uniqueIds", "Network list ids.", list[str], required=True, min_length=1))),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "list-network-lists": ("list network lists", "find the blocked ips list", "which list contains an ip"),
    "create-network-list": ("create an ip blocklist", "new geo block list"),
    "update-network-list": ("replace every ip of a list",),
    "append-network-list-elements": ("block an ip range", "block an ip address", "add an ip to a blocklist",
                                     "block an ip in the waf's network list",
                                     "allow an office ip", "add a country to a geo list"),
    "remove-network-list-element": ("unblock an ip", "remove an ip from a list"),
    "activate-network-list": ("activate a network list", "push a blocklist live"),
}
TOOLS = with_intents(TOOLS, INTENTS)
