"""SIEM (v1): security events of security configurations, decoded into readable rules, headers and times."""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from alecs.tools.call import ToolCall
from alecs.tools.declare import Api, Toolset, path, query, with_intents
from alecs.tools.results import ToolOutput
from alecs.tools.spec import ToolSpec

BASE = "/siem/v1"
SIEM = Toolset("siem", "SIEM: security events for a configuration")
api = Api("siem/v1", toolset=SIEM, base=BASE)
DEFAULT_WINDOW = 3600
# attackData members that carry one base64 value per triggered rule, separated by semicolons, URL-encoded.
RULE_FIELDS = {"rules": "id", "ruleVersions": "version", "ruleMessages": "message", "ruleTags": "tag",
               "ruleData": "data", "ruleSelectors": "selector", "ruleActions": "action"}


def _b64(value: str) -> str:
    if not value:
        return ""
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value


def decode_values(encoded: str | None) -> list[str]:
    """'YWxlcnQ%3d%3bZGVueQ%3d%3d' -> ['alert', 'deny']."""
    if not encoded:
        return []
    return [_b64(part) for part in unquote(encoded).split(";")]


def decode_headers(encoded: str | None) -> dict[str, str]:
    """HTTP headers from SIEM's URL-encoded header block."""
    headers: dict[str, str] = {}
    for line in unquote(encoded or "").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


def decode_event(event: dict[str, Any]) -> dict[str, Any]:
    """A SIEM event with its encoded members made readable (the raw event's shape otherwise kept)."""
    out = dict(event)
    attack = dict(event.get("attackData") or {})
    columns = {key: decode_values(attack.get(key)) for key in RULE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rules = []
    for i in range(count):
        rules.append({name: (columns[key][i] if i < len(columns[key]) else None)
                      for key, name in RULE_FIELDS.items()})
    for key in RULE_FIELDS:
        if key in attack:
            attack[key] = columns[key]
    attack["triggeredRules"] = rules
    out["attackData"] = attack
    http = dict(event.get("httpMessage") or {})
    for key in ("requestHeaders", "responseHeaders"):
        if key in http:
            http[key] = decode_headers(http[key])
    if "query" in http:
        http["query"] = unquote(http["query"])
    start = http.get("start")
    if isinstance(start, str) and start.isdigit():
        http["startTime"] = datetime.fromtimestamp(int(start), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out["httpMessage"] = http
    if isinstance(event.get("custom"), str):
        out["custom"] = ";".join(decode_values(event["custom"]))
    return out


def _lines(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, dict):
        return [raw]
    items = []
    for line in str(raw or "").splitlines():
        line = line.strip()
        if line:
            items.append(json.loads(line))
    return items


def _summary(event: dict[str, Any]) -> str:
    http, attack, geo = event.get("httpMessage", {}), event.get("attackData", {}), event.get("geo", {})
    actions = ",".join(sorted({r["action"] for r in attack.get("triggeredRules", []) if r.get("action")}))
    messages = "; ".join(r["message"] for r in attack.get("triggeredRules", []) if r.get("message"))
    return (f"- {http.get('startTime', '?')} {attack.get('clientIP')} ({geo.get('country', '?')}) "
            f"{http.get('method')} {http.get('host')}{http.get('path')} -> {http.get('status')} "
            f"[{actions or 'no action'}] {messages}")


TEXT_EVENTS = 50  # events summarised in the text, one line each


async def fetch_events(call: ToolCall, args: dict[str, Any]) -> Any:
    """Security events for a time range or after an offset, decoded, with the offset to continue."""
    params = {"offset": args.get("offset"), "from": args.get("from"), "to": args.get("to"), "limit": args.get("limit")}
    if params["offset"] is None and params["from"] is None:
        params["from"] = int(time.time()) - DEFAULT_WINDOW
    # configId is validated as digits and semicolons; Akamai expects the semicolons unescaped.
    raw = (await call.send("GET", f"{BASE}/configs/{args['configId']}", params=params)).data
    lines = _lines(raw)
    context = lines[-1] if lines and "total" in lines[-1] and "attackData" not in lines[-1] else {}
    events = [decode_event(e) for e in lines if "attackData" in e]
    result = {"events": events, "total": context.get("total", len(events)), "offset": context.get("offset"),
              "limit": context.get("limit")}
    if context.get("offset"):
        result["next"] = f"get-security-events configId={args['configId']} offset={context['offset']}"
    text = f"{len(events)} security event(s) for configuration {args['configId']}"
    if context.get("offset"):
        text += f"; next offset: {context['offset']}"
    out = [text + ":"] + [_summary(e) for e in events[:TEXT_EVENTS]]
    if len(events) > TEXT_EVENTS:
        out.append(f"… {len(events) - TEXT_EVENTS} more row(s) not shown here: the structured content has every "
                     "event (or narrow from/to).")
    if events:
        out.append("Left out of the events' lines: the rest of each event (attackData's rule ids, selectors "
                     "and data, request and response headers, botData, clientData, userRiskData); the structured "
                     "content has every field.")
    if result.get("next"):
        out.append(f"next: {result['next']}")
    return ToolOutput(result, "\n".join(out))


TOOLS: list[ToolSpec] = [
    api.get("get-security-events", "/configs/{configId}", title="Get security events",
            doc="Security events (WAF, bot, rate) of one or more security configurations, with rule ids, messages, "
                "actions, matched data and request headers decoded. Default: the last hour; page on with the "
                "returned offset.",
            params=(path("configId",
                         "Security configuration ID, e.g. 14227; several separated by semicolons (14227;14228).",
                         pattern=r"^\d{1,10}(;\d{1,10}){0,19}$"),
                    query("offset", "Offset from a previous answer: fetch only newer events (not with from/to).",
                          max_length=500),
                    query("from", "Start, Unix epoch seconds, within the last 12 hours (not with offset).", int, ge=0),
                    query("to", "End, Unix epoch seconds (default now; needs from).", int, ge=0),
                    query("limit", "Approximate maximum number of events (default 10000).", int, ge=1, le=600000)),
            handler=fetch_events),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "get-security-events": ("waf attacks", "security events", "who was blocked", "waf logs"),
}
TOOLS = with_intents(TOOLS, INTENTS)
