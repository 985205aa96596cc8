"""Edge diagnostics requests that answer asynchronously: start, then poll the request until it finishes."""

from __future__ import annotations

import re
from typing import Any

from alecs.errors import AlecsError, ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.waiting import wait_for

BASE = "/edge-diagnostics/v1"
FINAL = frozenset({"SUCCESS", "FAILURE"})
REFERENCE = re.compile(r"^\s*(?:reference\s*)?#?\s*", re.IGNORECASE)


def _status(data: Any) -> str:
    return str(data.get("executionStatus", "UNKNOWN")) if isinstance(data, dict) else "UNKNOWN"


def _first_interval(data: dict[str, Any]) -> float:
    try:
        return min(max(float(data.get("retryAfter") or 5), 0.5), 30.0)
    except (TypeError, ValueError):
        return 5.0


async def _start_and_wait(call: ToolCall, args: dict[str, Any], scenario: str, body: dict[str, Any] | None = None,
                          params: dict[str, Any] | None = None) -> Any:
    request = call.build(args)
    if body is not None:
        request["json_body"] = body
    started = (await call.send(**request)).data
    if not isinstance(started, dict):
        raise AlecsError(f"Akamai answered the {scenario} request without a result.")
    if _status(started) in FINAL:
        return started
    request_id = started.get("requestId")
    if request_id is None:
        raise AlecsError(f"Akamai accepted the {scenario} request but returned no requestId.")
    if not args.get("wait", True):
        return started | {"next": f"get-diagnostic-result with scenario={scenario} requestId={request_id}"}
    route = fill_path(f"{BASE}/{scenario}/requests/{{r}}", {"r": request_id})
    final, finished = await wait_for(
        call, lambda: call.get(route, params=params, fresh=True), _status, FINAL,
        float(args.get("timeoutSeconds") or 300), first_interval=_first_interval(started),
    )
    return final | {"finished": finished}


async def translate_error(call: ToolCall, args: dict[str, Any]) -> Any:
    """Translates an Akamai error reference ("Reference #18.…" or the bare code); with wait, its result."""
    code = REFERENCE.sub("", args["errorCode"]).strip().rstrip(".")
    if not code:
        raise ToolInputError("errorCode is empty: give the reference string from the error page.")
    body: dict[str, Any] = {"errorCode": code}
    if args.get("traceForwardLogs") is not None:
        body["traceForwardLogs"] = args["traceForwardLogs"]
    return await _start_and_wait(call, args, "error-translator", body)


async def connectivity(call: ToolCall, args: dict[str, Any]) -> Any:
    """Starts a connectivity-problems scenario and, with wait, returns its result."""
    return await _start_and_wait(call, args, "connectivity-problems")


async def content(call: ToolCall, args: dict[str, Any]) -> Any:
    """Starts a content-problems scenario and, with wait, returns its result."""
    return await _start_and_wait(call, args, "content-problems")


async def get_result(call: ToolCall, args: dict[str, Any]) -> Any:
    """The status or result of a scenario request started earlier."""
    scenario = args["scenario"]
    route = fill_path(f"{BASE}/{{s}}/requests/{{r}}", {"s": scenario, "r": args["requestId"]})
    params = {} if scenario == "error-translator" else {
        "includeContentResponseBody": args.get("includeContentResponseBody")}
    return await call.get(route, params=params, fresh=True)
