"""Any published Akamai operation: find it, describe it, call it (the `api` toolset).

Declarations only; the index, search, description and request checks live in `alecs.openapi` and are imported on
first use (never at start-up). Calls go through `ToolCall.send` like every tool: signed, pooled, retried and
cached the same way, with Akamai's errors returned as tool errors.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

from alecs.errors import PermissionDenied, ToolInputError
from alecs.tools import presend
from alecs.tools.call import ToolCall
from alecs.tools.declare import Toolset, body, custom_tool, local
from alecs.tools.results import ToolOutput, paginate, render
from alecs.tools.spec import Reach

audit = logging.getLogger("alecs.audit")  # beside the server's tool_call line: which operation was called
API = Toolset("api", "Any published Akamai API operation: find, describe and call it, checked against Akamai's "
              "definitions", default=True)
OP_HELP = "Id from find-akamai-operations, e.g. papi/v1:get-properties."
ROUTE = re.compile(r"^(get|head|post|put|patch|delete)\s+/", re.IGNORECASE)
ID_KEYS = ("id", "name", "status", "type")  # columns shown for listed items, when their keys end with these
NETWORK_NAMES = frozenset({"network", "environment", "env"})  # how Akamai's operations name the network they change


def _operation(key: str) -> Any:
    from alecs.openapi.index import load

    index = load()
    op = index.get(key.strip())
    if op is None and ROUTE.match(key.strip()):  # "GET /papi/v1/properties", as Akamai's docs write them
        method, _, path = key.strip().partition(" ")
        op = index.route(method.upper(), path.strip().split("?")[0])
    if op is not None:
        return op
    bare = key.strip().rpartition(":")[2]
    same = index.candidates(bare)
    if len(same) > 1:
        raise ToolInputError(f"Several APIs have an operation {bare!r}: {', '.join(o.key for o in same)}. "
                             "Give one of these.")
    raise ToolInputError(f"No published operation {key!r}. Use find-akamai-operations for the ids "
                         "(api:operationId, e.g. papi/v1:get-properties).")


async def find_operations(call: ToolCall, args: dict[str, Any]) -> ToolOutput:
    """Ranked operations for a few words, optionally within one API."""
    await presend.checker()  # the index, read off the event loop (the warm-up's, or this call's wait for it)
    from alecs.openapi.search import searcher

    found = await asyncio.to_thread(searcher)  # built once (about 0.7 s), off the event loop
    hits = found.search(args["query"], api=args.get("api"), limit=args.get("limit") or 10)
    rows = [{"operation": h.op.key, "method": h.op.method, "path": h.op.path, "summary": h.op.summary,
             "api": found.index.apis[h.op.api].title} for h in hits]
    if not rows:
        return ToolOutput({"items": []}, "No operation matches; try other words (e.g. the product's name).")
    text = "\n".join(f"- {r['operation']} ({r['method']} {r['path']}): {r['summary']}" for r in rows)
    return ToolOutput({"items": rows}, text + "\nNext: describe-akamai-operation with one of these.")


async def describe_operation(call: ToolCall, args: dict[str, Any]) -> ToolOutput:
    """Parameters, trimmed body schema and a working example of one operation."""
    await presend.checker()
    from alecs.openapi.describe import describe
    from alecs.openapi.index import load

    op = _operation(args["operation"])
    try:
        data, text = describe(op, load().apis.get(op.api), args.get("field"))
    except LookupError as exc:
        raise ToolInputError(str(exc)) from None
    return ToolOutput(data, text)


def operation_reach(args: Mapping[str, Any]) -> Reach:
    """What a call of any published operation changes of live traffic (decision, see README "Safe changes"):
    GET and HEAD nothing; any other method the staging network when every network the request names (a path,
    query or header parameter, or a top-level body field, called network, environment or env) is staging, and
    production otherwise, since an operation that names no network may change anything live at once."""
    op = _operation(args["operation"])
    if not op.changes:
        return "none"
    named = [v for k, v in (args.get("parameters") or {}).items() if k.lower() in NETWORK_NAMES]
    body = args.get("body")
    if isinstance(body, dict):
        named += [v for k, v in body.items() if k.lower() in NETWORK_NAMES]
    return "staging" if named and all(str(v).lower() == "staging" for v in named) else "production"


def _may_change(call: ToolCall) -> str | None:
    """Why this caller may not run an operation that changes anything, or None."""
    if call.principal.scope == "read":
        return "This token has read scope: only GET and HEAD operations may be called."
    if call.session.read_only:
        return "This server runs read-only (--read-only): only GET and HEAD operations may be called."
    return None


async def call_operation(call: ToolCall, args: dict[str, Any]) -> ToolOutput:
    """Checks the request against the published definition, then sends it like every tool does."""
    await presend.checker()
    from alecs.openapi.calls import CallRefused, prepare

    op = _operation(args["operation"])
    if op.changes:
        refusal = _may_change(call)
        if refusal:
            raise PermissionDenied(f"{refusal} {op.key} is {op.method}; nothing was sent.")
    try:
        prepared = prepare(op, args.get("parameters"), args.get("body"))
    except CallRefused as exc:
        raise ToolInputError(str(exc)) from None
    if prepared.problems:
        lines = "\n".join(f"- {p}" for p in prepared.problems)
        raise ToolInputError(f"Not sent: the request does not match Akamai's definition of {op.key}:\n{lines}\n"
                             "describe-akamai-operation shows what it takes.")
    audit.info("akamai_operation token=%s customer=%s operation=%s method=%s", call.principal.label,
               call.customer, op.key, op.method)
    response = await call.send(**prepared.send_arguments())
    return answer(op, response, args)


def answer(op: Any, response: Any, args: dict[str, Any]) -> ToolOutput:
    """Akamai's answer shaped like every tool's: JSON as structured content, lists paged with limit/cursor."""
    from alecs.openapi.calls import TEXT_ANSWERS
    from alecs.openapi.validate import is_json

    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    meta = {k: headers[k.lower()] for k in ("ETag", "Location") if k.lower() in headers}
    ctype = headers.get("content-type", "").split(";")[0].strip()
    data = response.data
    if op.method == "HEAD" or data is None:
        result = {"status": response.status} | ({"responseHeaders": meta} if meta else {})
        return ToolOutput(result, f"Done: HTTP {response.status}" + "".join(f"\n{k}: {v}" for k, v in meta.items()))
    if ctype and not is_json(ctype) and ctype not in TEXT_ANSWERS:
        size = len(data) if isinstance(data, str | bytes) else 0
        raise ToolInputError(f"Akamai answered {op.key} with HTTP {response.status} and {ctype} content ({size} "
                             "characters), which call-akamai-operation does not return (JSON answers only).")
    found = _list_in(data)
    if found is None:
        result = data if isinstance(data, dict) else {"result": data}
        text = render(data)
    else:
        where, items, rest = found
        page = paginate(items, args.get("limit"), args.get("cursor"))
        result = rest | page | {"listPath": where or "."}
        text = render(page, _columns(items), paged=True)
    if meta:
        result = result | {"responseHeaders": meta}
        text += "".join(f"\n{k}: {v}" for k, v in meta.items())
    return ToolOutput(result, text)


def _list_in(data: Any) -> tuple[str, list[Any], dict[str, Any]] | None:
    """The list an answer carries (top level, a key, or a key's `items`), with the answer's other top-level
    fields; the longest when there are several."""
    if isinstance(data, list):
        return "", data, {}
    if not isinstance(data, dict):
        return None
    found: list[tuple[str, list[Any]]] = []
    for key, value in data.items():
        if isinstance(value, list):
            found.append((key, value))
        elif isinstance(value, dict) and isinstance(value.get("items"), list):
            found.append((f"{key}.items", value["items"]))
    if not found:
        return None
    where, items = max(found, key=lambda f: len(f[1]))
    rest = {k: v for k, v in data.items() if k != where.split(".")[0]}
    return where, items, rest


def _columns(items: list[Any]) -> tuple[str, ...]:
    first = next((i for i in items if isinstance(i, dict)), None)
    if first is None:
        return ()
    keys = [k for k in first if isinstance(first[k], str | int | float | bool)]
    picked = [k for k in keys if k.lower().endswith(ID_KEYS)]
    return tuple(picked[:4]) or tuple(keys[:3])


TOOLS = [
    custom_tool(API, "find-akamai-operations", title="Find Akamai API operations",
                doc="Search all ~1,600 published Akamai API operations by words (e.g. 'image policy'); returns ids "
                    "for describe-akamai-operation.",
                params=(body("query", "Words describing the job.", required=True, min_length=1, max_length=200),
                        body("api", "Only this API, e.g. imaging.", max_length=60),
                        body("limit", "", int, ge=1, le=25)),
                read_only=True, calls_akamai=False, handler=find_operations),
    custom_tool(API, "describe-akamai-operation", title="Describe an Akamai API operation",
                doc="Parameters, body schema and a working example of an operation, for call-akamai-operation.",
                params=(body("operation", OP_HELP, required=True, max_length=160),
                        body("field", "Only this body field (dotted path).", max_length=200)),
                read_only=True, calls_akamai=False, handler=describe_operation),
    custom_tool(API, "call-akamai-operation", title="Call an Akamai API operation",
                doc="Call any published Akamai operation, checked against its definition before sending. Non-GET "
                    "operations change or delete things.",
                params=(body("operation", OP_HELP, required=True, max_length=160),
                        body("parameters", "Path, query and header parameters by name.", dict[str, Any]),
                        body("body", "JSON body.", Any),
                        local("limit", "", int, ge=1, le=500), local("cursor", "", max_length=20)),
                read_only=False, destructive=True, any_operation=True, calls_akamai=True, handler=call_operation,
                network=operation_reach, confirm=True),
]
