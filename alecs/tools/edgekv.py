"""EdgeKV (v1): the account's key-value database for EdgeWorkers: namespaces, groups, items, access tokens."""

from __future__ import annotations

from typing import Any, Literal

from alecs.errors import ToolInputError
from alecs.tools import shapes
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, body, path, query
from alecs.tools.spec import ToolSpec

BASE = "/edgekv/v1"
EDGEKV = Toolset("edgekv", "EdgeKV: namespaces, groups, items, access tokens")
api = Api("edgekv/v1", toolset=EDGEKV, base=BASE, network="argument:network")
NS_ROUTE = "/networks/{network}/namespaces/{namespaceId}"
ITEM_ROUTE = NS_ROUTE + "/groups/{groupId}/items/{itemId}"
KEY_PATTERN = r"^[A-Za-z0-9_-]{1,512}$"

NETWORK = path("network", "staging or production (the two networks hold separate data).",
               Literal["staging", "production"])
NAMESPACE = path("namespaceId", "Namespace name, e.g. default.", pattern=r"^[A-Za-z0-9_-]{1,32}$")
GROUP = path("group", "Group inside the namespace, e.g. countries (created on first write).", api_name="groupId",
             pattern=KEY_PATTERN)
ITEM = path("item", "Item key, e.g. US (letters, digits, _ and -).", api_name="itemId", pattern=KEY_PATTERN)
SANDBOX = query("sandboxId", "EdgeWorkers sandbox ID, to use that sandbox's data instead.")
RETENTION = body("retentionInSeconds", "How long items are kept: 0 (forever) or 86400 (1 day) to 315360000 "
                 "(10 years).", shapes.Retention, required=True)


async def write_item(call: ToolCall, args: dict[str, Any]) -> Any:
    """JSON objects go as application/json, strings as text/plain: EdgeKV keeps the type it was given."""
    value = args["value"]
    route = fill_path(BASE + ITEM_ROUTE, {"network": args["network"], "namespaceId": args["namespaceId"],
                                          "groupId": args["group"], "itemId": args["item"]})
    params = {"sandboxId": args.get("sandboxId")}
    if isinstance(value, dict):
        answer = await call.send("PUT", route, params=params, json_body=value)
    elif isinstance(value, str):
        answer = await call.send("PUT", route, params=params, data=value.encode(),
                                 headers={"Content-Type": "text/plain; charset=utf-8"})
    else:
        raise ToolInputError("value must be a JSON object or a string.")
    return {"network": args["network"], "namespaceId": args["namespaceId"], "group": args["group"],
            "item": args["item"], "message": (answer.data or "").strip() if isinstance(answer.data, str)
            else answer.data}


TOOLS: list[ToolSpec] = [
    api.get("get-edgekv-status", "/initialize", title="Get EdgeKV status",
            doc="Whether EdgeKV is initialized on the account (staging and production), its CP code and default "
                "data access policy."),
    api.put("initialize-edgekv", "/initialize", title="Initialize EdgeKV",
            doc="Provision EdgeKV for the account (once, before any namespace).",
            params=(body("dataAccessPolicy", "Default for new namespaces (optional).", shapes.DataAccessPolicy),),
            network="production"),
    api.get("list-edgekv-namespaces", "/networks/{network}/namespaces", title="List EdgeKV namespaces",
            doc="Namespaces on a network.",
            params=(NETWORK,),
            items="namespaces", columns=("namespace", "retentionInSeconds", "groupId", "geoLocation")),
    api.get("get-edgekv-namespace", NS_ROUTE, title="Get EdgeKV namespace",
            doc="One namespace: retention, access group, location.",
            params=(NETWORK, NAMESPACE)),
    api.post("create-edgekv-namespace", "/networks/{network}/namespaces", title="Create EdgeKV namespace",
             doc="Create a namespace on a network (create it on both networks to use it in staging and production).",
             params=(NETWORK,
                     body("namespace", "Name, e.g. marketing (letters, digits, _ and -).", required=True,
                          pattern=r"^[A-Za-z0-9_-]{1,32}$"), RETENTION,
                     body("groupId",
                          "Access group allowed to use it as a number (grp_12345 is 12345), or 0 for all groups.",
                          int, required=True, ge=0),
                     body("geoLocation", "Where data is stored on production: US (default), EU or JP.",
                          Literal["US", "EU", "JP"]))),
    api.put("update-edgekv-namespace", NS_ROUTE, title="Update EdgeKV namespace",
            doc="Change a namespace's retention period or access group.",
            params=(NETWORK, NAMESPACE,
                    body("namespace", "The namespace's name (same as namespaceId).", required=True,
                         pattern=r"^[A-Za-z0-9_-]{1,32}$"), RETENTION,
                    body("groupId", "New access group as a number, 0 for all groups.", int, ge=0))),
    api.get("list-edgekv-groups", NS_ROUTE + "/groups", title="List EdgeKV groups",
            doc="Groups that hold items in a namespace.",
            params=(NETWORK, NAMESPACE),
            items="."),
    api.get("list-edgekv-items", NS_ROUTE + "/groups/{groupId}", title="List EdgeKV items",
            doc="Item keys in a group.",
            params=(NETWORK, NAMESPACE, GROUP, query("maxItems", "At most this many keys.", int, ge=1, le=10000),
                    SANDBOX),
            items="."),
    api.get("get-edgekv-item", ITEM_ROUTE, title="Read EdgeKV item",
            doc="The value of one item (JSON or text). Writes take about ten seconds to be read back everywhere.",
            params=(NETWORK, NAMESPACE, GROUP, ITEM, SANDBOX)),
    api.put("write-edgekv-item", ITEM_ROUTE, title="Write EdgeKV item",
            doc="Create or replace an item: a JSON object or a text value (the group is created if needed). "
                "Overwrites any existing value.",
            params=(NETWORK, NAMESPACE, GROUP, ITEM,
                    body("value", "The value: a JSON object, or a string stored as text.", dict[str, Any] | str,
                         required=True), SANDBOX),
            handler=write_item),
    api.delete("delete-edgekv-item", ITEM_ROUTE, title="Delete EdgeKV item",
               doc="Delete an item. Destructive; reads may return the old value for about ten seconds.",
               params=(NETWORK, NAMESPACE, GROUP, ITEM, SANDBOX),
               destructive=True,
               confirm=True),
    api.post("create-edgekv-token", "/tokens", title="Create EdgeKV access token",
             doc="Create the access token an EdgeWorker bundle needs (edgekv_tokens.js) to read or write "
                 "namespaces. Returns the token value once.",
             params=(body("name", "Token name, e.g. my_token.", required=True, pattern=r"^[A-Za-z0-9_-]{1,32}$"),
                     body("allowOnStaging", "Valid on staging.", bool, required=True),
                     body("allowOnProduction", "Valid on production.", bool, required=True),
                     body("expiry", "Expiry date YYYY-MM-DD, at most six months ahead.", required=True,
                          pattern=r"^\d{4}-\d{2}-\d{2}$"),
                     body("namespacePermissions",
                          "Namespace -> permissions, e.g. {\"default\": [\"r\", \"w\"]} (r, w, d).",
                          shapes.NamespacePermissions, required=True, min_length=1, max_length=20),
                     body("restrictToEdgeWorkerIds", "Only these EdgeWorker IDs may use it (default: all).",
                          list[str])),
             network="none"),
    api.get("list-edgekv-tokens", "/tokens", title="List EdgeKV access tokens",
            doc="Access tokens (names, expiry dates).",
            params=(query("includeExpired", "Include expired tokens.", bool),),
            items="tokens", columns=("name", "expiry", "uuid")),
]
