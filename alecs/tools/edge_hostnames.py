"""Edge Hostnames API (HAPI v1): find, inspect, change (TTL, IP version) and delete edge hostnames.

HAPI is not in Akamai's published OpenAPI definitions; these declarations follow Akamai's HAPI documentation
(techdocs.akamai.com/edge-hostnames), so they are marked `published=False`.
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, local, path, query, with_intents
from alecs.tools.results import merged
from alecs.tools.spec import ToolSpec
from alecs.tools.waiting import wait_for

BASE = "/hapi/v1"
EDGE_HOSTNAMES = Toolset("edge-hostnames", "Edge hostnames (HAPI): list, inspect, change and delete edge hostnames")
api = Api("hapi/v1", toolset=EDGE_HOSTNAMES, base=BASE, network="production")
FINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
IP_VERSION = Literal["IPV4", "IPV6_COMPLIANCE", "IPV6_PERFORMANCE"]

ZONE = path("dnsZone", "The Akamai zone of the edge hostname: edgesuite.net, edgekey.net, akamaized.net, ...",
            pattern=r"^[a-z0-9.-]{3,100}$")
RECORD = path("recordName", "The part before the zone, e.g. www.example.com for www.example.com.edgekey.net.")
COMMENTS = query("comments", "Why the change is made (kept with the change request).", max_length=1000)
EMAILS = query("statusUpdateEmail", "Emails told when the change completes.", list[str], max_length=10)
WAIT = local("wait", "Wait until the change request completes (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds (Akamai usually takes minutes).", int, default=1800,
                ge=1, le=7200)
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def _hostname_route(args: dict[str, Any]) -> str:
    return fill_path(f"{BASE}/dns-zones/{{z}}/edge-hostnames/{{r}}", {"z": args["dnsZone"], "r": args["recordName"]})


def _query(args: dict[str, Any]) -> dict[str, Any]:
    return {"comments": args.get("comments"), "statusUpdateEmail": args.get("statusUpdateEmail")}


async def _follow(call: ToolCall, change: dict[str, Any], args: dict[str, Any]) -> Any:
    result = {"changeId": change.get("changeId"), "action": change.get("action"), "status": change.get("status")}
    if not args.get("wait") or change.get("status") in FINAL or change.get("changeId") is None:
        if change.get("status") not in FINAL:
            result["next"] = f"get-edge-hostname-change with changeId={change.get('changeId')}"
        return merged(result, change)
    route = fill_path(f"{BASE}/change-requests/{{c}}", {"c": change["changeId"]})
    final, finished = await wait_for(call, lambda: call.get(route, fresh=True), lambda c: str(c.get("status")),
                                     FINAL, float(args.get("timeoutSeconds") or 1800))
    return merged(result | {"status": final.get("status"), "finished": finished}, final)


async def update_edge_hostname(call: ToolCall, args: dict[str, Any]) -> Any:
    """Changes TTL or IP version with a JSON Patch; with wait, follows the change request."""
    ops = [{"op": "replace", "path": f"/{key}", "value": str(args[key])}
           for key in ("ttl", "ipVersionBehavior") if args.get(key) is not None]
    if not ops:
        raise ToolInputError("Give ttl, ipVersionBehavior or both.")
    change = (await call.send("PATCH", _hostname_route(args), params=_query(args), json_body=ops,
                              headers=JSON_PATCH)).data
    return await _follow(call, change or {}, args)


async def delete_edge_hostname(call: ToolCall, args: dict[str, Any]) -> Any:
    """Deletes an edge hostname; with wait, follows the change request."""
    change = (await call.send("DELETE", _hostname_route(args), params=_query(args))).data
    return await _follow(call, change or {}, args)


TOOLS: list[ToolSpec] = [
    api.get("search-edge-hostnames", "/edge-hostnames", title="Search edge hostnames",
            doc="Edge hostnames across the account (no contract or group needed), filtered by name part or zone; "
                "shows TTL, IP version and security type. For the ehn_ ids properties use: list-edge-hostnames.",
            params=(query("recordNameSubstring", "Part of the record name, e.g. example.com."),
                    query("dnsZone", "Only this zone, e.g. edgekey.net.")),
            items="edgeHostnames",
            columns=("edgeHostnameId", "recordName", "dnsZone", "securityType", "ttl", "ipVersionBehavior"),
            published=False),
    api.get("get-edge-hostname-details", "/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
            title="Get edge hostname details",
            doc="One edge hostname by zone and record name: TTL, map, IP version, product, China CDN, comments "
                "(by ehn_ id: get-edge-hostname).",
            params=(ZONE, RECORD),
            published=False),
    api.patch("update-edge-hostname", "/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
              title="Update edge hostname",
              doc="Change an edge hostname's TTL or IP version (a JSON Patch); Akamai answers with a change "
                  "request. With wait, polls it until SUCCEEDED or FAILED.",
              params=(ZONE, RECORD, local("ttl", "New DNS TTL in seconds (60-86400).", int, ge=60, le=86400),
                      local("ipVersionBehavior", "IPV4, IPV6_COMPLIANCE (dual stack) or IPV6_PERFORMANCE.",
                            IP_VERSION), COMMENTS, EMAILS, WAIT, TIMEOUT),
              handler=update_edge_hostname, published=False,
              example={"dnsZone": "edgekey.net", "recordName": "www.example.com", "ttl": 300}),
    api.delete("delete-edge-hostname", "/dns-zones/{dnsZone}/edge-hostnames/{recordName}",
               title="Delete edge hostname",
               doc="Delete an edge hostname that no active property uses. Destructive: its CNAME stops resolving.",
               params=(ZONE, RECORD, COMMENTS, EMAILS, WAIT, TIMEOUT),
               destructive=True, handler=delete_edge_hostname, published=False,
               confirm=True),
    api.get("get-edge-hostname-change", "/change-requests/{changeId}", title="Get edge hostname change request",
            doc="Status of a change request (PENDING, SUCCEEDED, FAILED) from update-edge-hostname or "
                "delete-edge-hostname.",
            params=(path("changeId", "Change request ID, e.g. 52124.", int, ge=1),),
            published=False),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "search-edge-hostnames": ("find an edge hostname",),
    "update-edge-hostname": ("enable ipv6 on an edge hostname", "change an edge hostname ttl"),
}
TOOLS = with_intents(TOOLS, INTENTS)
