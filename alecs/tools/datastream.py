"""DataStream 2 (v2): log streams, their activation and activation history."""

from __future__ import annotations

from typing import Any

from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, local, path, query
from alecs.tools.recovery import start
from alecs.tools.spec import ToolSpec
from alecs.tools.waiting import wait_for

BASE = "/datastream-config-api/v2/log"
DATASTREAM = Toolset("datastream", "DataStream 2: log streams, destinations, activations")
api = Api("datastream-config-api/v2", toolset=DATASTREAM, base=BASE, network="production")
SETTLED = {"activate": frozenset({"ACTIVATED", "DEACTIVATED", "INACTIVE"}),
           "deactivate": frozenset({"DEACTIVATED", "INACTIVE", "ACTIVATED"})}
TRANSIENT = {"activate": "ACTIVATING", "deactivate": "DEACTIVATING"}
_DONE = {"activate": ("ACTIVATED",), "deactivate": ("DEACTIVATED", "INACTIVE")}

STREAM = path("streamId", "Stream ID, e.g. 7050 (see list-streams).", int, ge=1)
WAIT = local("wait", "Wait until the stream settles (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds (Akamai may take up to an hour).", int, default=900,
                ge=1, le=7200)


def _change(action: str) -> Any:
    async def handler(call: ToolCall, args: dict[str, Any]) -> Any:
        route = fill_path(f"{BASE}/streams/{{s}}", {"s": args["streamId"]})

        async def lookup(sent_at: float | None) -> dict[str, Any] | None:
            stream = await call.get(route, fresh=True)  # a stream's status says whether the change was made
            return dict(stream) if stream.get("streamStatus") in (TRANSIENT[action], *_DONE[action]) else None

        started = await start(call, lambda: call.send("POST", f"{route}/{action}"), lookup,
                              f"the {action} of stream {args['streamId']}")
        data = started.found if started.found is not None else (started.created.data or {})
        result: dict[str, Any] = {"streamId": args["streamId"], "streamStatus": data.get("streamStatus"),
                                  "streamVersion": data.get("streamVersion")}
        if started.note:
            result["recovered"] = started.note
        if not args.get("wait") or data.get("streamStatus") != TRANSIENT[action]:
            if data.get("streamStatus") == TRANSIENT[action]:
                result["next"] = f"get-stream with streamId={args['streamId']}"
            return result
        final, finished = await wait_for(call, lambda: call.get(route, fresh=True),
                                         lambda s: str(s.get("streamStatus")), SETTLED[action],
                                         float(args.get("timeoutSeconds") or 900))
        return result | {"streamStatus": final.get("streamStatus"), "finished": finished}
    return handler


TOOLS: list[ToolSpec] = [
    api.get("list-streams", "/streams", title="List log streams",
            doc="DataStream 2 log streams (id, name, status, latest version, properties), optionally for one group.",
            params=(query("groupId", "Group ID (number), e.g. 10001.", int, ge=1),),
            items=".", columns=("streamId", "streamName", "streamStatus", "latestVersion", "productId")),
    api.get("get-stream", "/streams/{streamId}", title="Get log stream",
            doc="One stream: destination, delivery settings, data set fields, properties and status.",
            params=(STREAM, query("version", "A specific stream version.", int, ge=1))),
    api.post("activate-stream", "/streams/{streamId}/activate", title="Activate log stream",
             doc="Activate a stream's latest version so logs start flowing to its destination. With wait, polls "
                 "until ACTIVATED.",
             params=(STREAM, WAIT, TIMEOUT),
             handler=_change("activate")),
    api.post("deactivate-stream", "/streams/{streamId}/deactivate", title="Deactivate log stream",
             doc="Deactivate a stream: log delivery stops. Destructive. With wait, polls until DEACTIVATED.",
             params=(STREAM, WAIT, TIMEOUT),
             destructive=True, handler=_change("deactivate"),
             confirm=True),
    api.get("get-stream-activation-history", "/streams/{streamId}/activation-history",
            title="Get stream activation history",
            doc="Activations and deactivations of every version of a stream, newest first.",
            params=(STREAM,),
            items=".", columns=("streamVersion", "status", "modifiedBy", "modifiedDate")),
]
