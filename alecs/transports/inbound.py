"""Checking what a client sends before the server sees it, the same way on every remote transport.

`parse` turns one WebSocket frame or HTTP body into a JSON-RPC message, or into a `Rejection`: the JSON-RPC error to
answer with. Whatever arrives (invalid JSON, JSON nested hundreds of levels deep, ids that are floats, booleans,
null or unpaired surrogates, batches) costs the sender one error answer and never the session; nothing is logged
above debug level, so a flood of garbage cannot flood the log either.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mcp_types as types

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, SERVER_BUSY, INTERNAL_ERROR = -32700, -32600, -32000, -32603
MAX_DEPTH = 128  # arrays and objects inside each other; real MCP messages (PAPI rule trees too) stay far below
SURROGATE_ESCAPES = ("\\ud", "\\uD")


@dataclass(frozen=True)
class Rejection:
    """A message refused before the server saw it, as the JSON-RPC error that answers it."""

    id: str | int | None
    code: int
    message: str
    data: dict[str, Any] | None = None
    reason: str = "malformed_message"  # for the metrics (`alecs_transport_refusals_total`); never sent

    def text(self) -> str:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return json.dumps({"jsonrpc": "2.0", "id": self.id, "error": error})


def request_key(request_id: str | int) -> str:
    """The identity of a request id for "is it already in flight": 7 and "7" are one id, as for the SDK."""
    from mcp.shared.dispatcher import coerce_request_id  # the SDK loads after the transport listens

    return str(coerce_request_id(request_id))


def parse(data: str | bytes) -> types.JSONRPCMessage | Rejection:
    try:
        raw = json.loads(data)
    except RecursionError:
        return _refused(None, INVALID_REQUEST, f"Invalid Request: JSON nested deeper than {MAX_DEPTH} levels.")
    except ValueError:  # also invalid UTF-8 in a body
        return _refused(None, PARSE_ERROR, "Parse error: a message must be one JSON-RPC message in JSON.")
    if not isinstance(raw, dict):
        return _refused(None, INVALID_REQUEST, "Invalid Request: one JSON-RPC message object expected (no batches).")
    rid = raw.get("id")
    if "id" in raw and not _valid_id(rid):
        return _refused(None, INVALID_REQUEST, "Invalid Request: the id must be a string or an integer.")
    if _too_deep(raw):
        return _refused(rid, INVALID_REQUEST, f"Invalid Request: JSON nested deeper than {MAX_DEPTH} levels.")
    if _has_escaped_surrogate(data) and _has_lone_surrogate(raw):
        return _refused(rid, INVALID_REQUEST, "Invalid Request: the message holds an unpaired Unicode surrogate.")
    import mcp_types  # the SDK loads after the transport listens (a message arrives once it has)

    try:
        return mcp_types.jsonrpc_message_adapter.validate_python(raw, by_name=False)
    except Exception:
        return _refused(rid, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message.")


def _refused(rid: str | int | None, code: int, message: str) -> Rejection:
    log.debug("refused a message: %s", message)
    return Rejection(rid, code, message)


def _valid_id(rid: object) -> bool:
    if type(rid) is int:
        return True
    if type(rid) is str:
        try:
            rid.encode()
        except UnicodeEncodeError:  # an unpaired surrogate: the id cannot even be echoed back
            return False
        return True
    return False


def _too_deep(value: dict[str, Any]) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if type(item) is dict else item
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth >= MAX_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _has_escaped_surrogate(data: str | bytes) -> bool:
    if isinstance(data, str):
        return any(escape in data for escape in SURROGATE_ESCAPES)
    return any(escape.encode() in data for escape in SURROGATE_ESCAPES)


def _has_lone_surrogate(raw: dict[str, Any]) -> bool:
    try:
        json.dumps(raw, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False
