"""DataStream 2 (v2): log streams, their activation and activation history."""

from __future__ import annotations

from typing import Any

from alecs.tools.call import ToolCall, fill_path
from alecs.tools.spec import local, path, query, tool
from alecs.tools.waiting import wait_for

API = "datastream-config-api/v2"
BASE = "/datastream-config-api/v2/log"
TS = "datastream"
SETTLED = {"activate": frozenset({"ACTIVATED", "DEACTIVATED", "INACTIVE"}),
           "deactivate": frozenset({"DEACTIVATED", "INACTIVE", "ACTIVATED"})}
TRANSIENT = {"activate": "ACTIVATING", "deactivate": "DEACTIVATING"}

STREAM = path("streamId", "Stream ID, e.g. 7050 (see list-streams).", int, ge=1)
WAIT = local("wait", "Wait until the stream settles (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds (Akamai may take up to an hour).", int, default=900,
                ge=1, le=7200)


def _change(action: str) -> Any:
    async def handler(call: ToolCall, args: dict[str, Any]) -> Any:
        route = fill_path(f"{BASE}/streams/{{s}}", {"s": args["streamId"]})
        data = (await call.send("POST", f"{route}/{action}")).data or {}
        result: dict[str, Any] = {"streamId": args["streamId"], "streamStatus": data.get("streamStatus"),
                                  "streamVersion": data.get("streamVersion")}
        if not args.get("wait") or data.get("streamStatus") != TRANSIENT[action]:
            if data.get("streamStatus") == TRANSIENT[action]:
                result["next"] = f"get-stream with streamId={args['streamId']}"
            return result
        final, finished = await wait_for(call, lambda: call.get(route, fresh=True),
                                         lambda s: str(s.get("streamStatus")), SETTLED[action],
                                         float(args.get("timeoutSeconds") or 900))
        return result | {"streamStatus": final.get("streamStatus"), "finished": finished}
    return handler


TOOLS = [
    tool("list-streams", TS, "List log streams",
         "DataStream 2 log streams (id, name, status, latest version, properties), optionally for one group.",
         "GET", f"{BASE}/streams", API, query("groupId", "Group ID (number), e.g. 10001.", int, ge=1), items=".",
         columns=("streamId", "streamName", "streamStatus", "latestVersion", "productId")),
    tool("get-stream", TS, "Get log stream",
         "One stream: destination, delivery settings, data set fields, properties and status.", "GET",
         f"{BASE}/streams/{{streamId}}", API, STREAM, query("version", "A specific stream version.", int, ge=1)),
    tool("activate-stream", TS, "Activate log stream",
         "Activate a stream's latest version so logs start flowing to its destination. With wait, polls until "
         "ACTIVATED.", "POST", f"{BASE}/streams/{{streamId}}/activate", API, STREAM, WAIT, TIMEOUT,
         handler=_change("activate")),
    tool("deactivate-stream", TS, "Deactivate log stream",
         "Deactivate a stream: log delivery stops. Destructive. With wait, polls until DEACTIVATED.", "POST",
         f"{BASE}/streams/{{streamId}}/deactivate", API, STREAM, WAIT, TIMEOUT, destructive=True,
         handler=_change("deactivate")),
    tool("get-stream-activation-history", TS, "Get stream activation history",
         "Activations and deactivations of every version of a stream, newest first.", "GET",
         f"{BASE}/streams/{{streamId}}/activation-history", API, STREAM, items=".",
         columns=("streamVersion", "status", "modifiedBy", "modifiedDate")),
]
