"""Shapes Akamai answers for the assistant: structured JSON (paged when it is a list) plus the text it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alecs.tools.text import render_object, render_page

DEFAULT_PAGE = 50
PAGE_KEYS = ("items", "total", "nextCursor")  # what `paginate` answers


@dataclass
class ToolOutput:
    """What a handler may return when it wants its own text. `shows` names the top-level fields of `data` that
    text carries (None: all of them); the executor renders the others below it, so that nothing is dropped."""

    data: Any
    text: str | None = None
    shows: tuple[str, ...] | None = None


def dig(data: Any, dotted: str) -> Any:
    """The value at a dotted path in nested dictionaries, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def paginate(items: list[Any], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """One page of `items` from a numeric cursor, with the total and, while there are more, the next cursor."""
    start = int(cursor) if cursor and cursor.isdigit() else 0
    size = limit or DEFAULT_PAGE
    page = {"items": items[start:start + size], "total": len(items)}
    if start + size < len(items):
        page["nextCursor"] = str(start + size)
    return page


def render(data: Any, columns: Sequence[str] = (), paged: bool = False) -> str:
    """The text the assistant reads: a page of items one per line, or the answer as indented `key: value` lines
    (alecs.tools.text)."""
    if paged and isinstance(data, dict):
        return render_page(data, columns).text
    return render_object(data).text


def merged(summary: dict[str, Any], whole: Any) -> dict[str, Any]:
    """A summary (ids, status, what to do next) followed by the rest of the object it summarises, each field
    once: a flow's answer says the same thing only once."""
    rest = {k: v for k, v in whole.items() if k not in summary} if isinstance(whole, dict) else {}
    return summary | rest


def structured(data: Any) -> dict[str, Any]:
    """MCP structured content must be an object."""
    if isinstance(data, dict):
        return data
    if isinstance(data, list):
        return {"items": data}
    return {"result": data}
