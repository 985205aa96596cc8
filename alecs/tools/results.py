"""Shapes Akamai answers for the assistant: structured JSON plus a short text a person can read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DEFAULT_PAGE = 50
TEXT_LIMIT = 6000


@dataclass
class ToolOutput:
    """What a handler may return when it wants its own text."""

    data: Any
    text: str | None = None


def dig(data: Any, dotted: str) -> Any:
    """The value at a dotted path in nested dictionaries, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def paginate(items: list[Any], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """One page of `items` from a numeric cursor, with the total and the next cursor."""
    start = int(cursor) if cursor and cursor.isdigit() else 0
    size = limit or DEFAULT_PAGE
    page = items[start:start + size]
    nxt = start + size if start + size < len(items) else None
    return {"items": page, "total": len(items), "nextCursor": str(nxt) if nxt is not None else None}


def _line(item: Any, columns: tuple[str, ...]) -> str:
    if isinstance(item, dict) and columns:
        parts = [f"{c}={dig(item, c)}" for c in columns if dig(item, c) is not None]
        if parts:
            return "- " + ", ".join(parts)
    text = json.dumps(item, separators=(",", ":"), default=str)
    return "- " + (text if len(text) <= 200 else text[:197] + "...")


def render(data: Any, columns: tuple[str, ...] = (), paged: bool = False) -> str:
    """The text the assistant reads: a page of items one per line, or the answer as indented JSON."""
    if paged and isinstance(data, dict):
        items = data["items"]
        head = f"{len(items)} of {data['total']} items"
        if data.get("nextCursor"):
            head += f" (more: cursor={data['nextCursor']})"
        return "\n".join([head + ":"] + [_line(i, columns) for i in items])
    if data is None:
        return "Done (no content)."
    text = json.dumps(data, indent=1, default=str) if not isinstance(data, str) else data
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "\n... (truncated; the full result is in the structured content)"
    return text


def structured(data: Any) -> dict[str, Any]:
    """MCP structured content must be an object."""
    if isinstance(data, dict):
        return data
    if isinstance(data, list):
        return {"items": data}
    return {"result": data}
