"""The check every curated tool's request passes before it leaves (called from `ToolCall.send`).

A request is matched to its operation by method and concrete path: first within the tool's own API, then any
published API (a handler's extra request may reach another one). Tools declared `published=False` are matched
against `alecs.openapi.unpublished` first, the operations Akamai's definitions leave out, described from
Akamai's documentation. A request of a published tool that matches no published operation is refused too: every
request is checked, none is waved through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alecs.openapi import unpublished
from alecs.openapi.index import Index, Operation, load
from alecs.openapi.validate import BODY_REQUIRED, Problem, Request, check, wire

__all__ = ["BODY_REQUIRED", "NoDefinition", "Problem", "operation_for", "problems", "warm"]


class NoDefinition(LookupError):
    """No operation, published or described in `unpublished`, matches the request."""


def operation_for(api: str, method: str, path: str, *, published: bool = True) -> Operation:
    """The operation a tool's request goes to; raises NoDefinition when none is known."""
    indexes: list[Index] = [load()] if published else [unpublished.index(), load()]
    for index in indexes:
        matched = index.match(api, method, path)
        op = matched[0] if matched else index.route(method, path)
        if op is not None:
            return op
    where = "Akamai's published definitions" if published else "the definitions alecs knows"
    raise NoDefinition(f"{method} {path} is not an operation of {where}")


def problems(api: str, method: str, path: str, *, published: bool = True, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, json_body: Any = None,
             data: bytes | None = None) -> list[Problem]:
    """What is wrong with a request a tool is about to send ([] when it conforms); the keywords are those of
    `ToolCall.send`, query values before their wire form. Raises NoDefinition for a request no definition
    covers."""
    op = operation_for(api, method, path, published=published)
    query = {k: wire(v) for k, v in (params or {}).items() if v is not None}
    return check(op, Request(method, path, query, dict(headers or {}), json_body, raw=data))


def warm() -> None:
    """Everything the first check would otherwise load: the index, the unpublished operations and the route
    patterns of every operation (the validator is imported with this module)."""
    for index in (load(), unpublished.index()):
        for op in index:
            op.path_values("")
