"""Each tool's `outputSchema`: what its structured content is, generated once per tool from its declaration.

What alecs knows of a result, and nothing it could get wrong about Akamai's answers (a client that validates
would otherwise refuse a good answer):

- a paged list: `items` (an array), `total` and, while there are more, `nextCursor`;
- the ids a create or an activation returns, taken from Akamai's `*Link` fields (`versionLink` gives
  `propertyVersion`): named, not typed, since their type is Akamai's;
- the fields a handler declares with `returns=` (their types are alecs' own).

Akamai's own fields pass through (`additionalProperties` stays open). `tools/list` carries a tool's schema only
where it names fields beyond the paging every list shares, which the server's instructions describe once
(`listed_output_schema`): output schemas cost every client bytes and the default `tools/list` has a budget.
Results validate against the whole schema all the same (tests/tools/test_results_registry.py checks every tool).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from alecs.tools.spec import ToolSpec
from alecs.tools.tidy import ids_in_link

PAGE = {"items": {"type": "array"}, "total": {"type": "integer"}, "nextCursor": {"type": "string"}}
PAGE_REQUIRED = ["items", "total"]


def created_ids(spec: ToolSpec) -> list[str]:
    """The ids a POST to a collection answers with, read from its route as from the `*Link` it returns
    (POST /properties/{propertyId}/versions → propertyId, propertyVersion)."""
    if spec.method != "POST" or spec.read_only or not spec.path:
        return []
    ids, _ = ids_in_link(spec.path + "/new")
    return list(ids) if ids and list(ids.values())[-1] == "new" else []


@cache
def _type_schema(kind: Any) -> dict[str, Any]:
    schema = TypeAdapter(kind).json_schema()
    schema.pop("title", None)
    return schema


@cache
def output_schema(spec: ToolSpec) -> dict[str, Any]:
    """The JSON Schema every successful result of `spec` conforms to (cached per tool)."""
    properties: dict[str, Any] = dict(PAGE) if spec.items else {}
    properties |= {name: {} for name in created_ids(spec) if name not in properties}
    properties |= {name: _type_schema(kind) for name, kind in spec.returns.items()}
    schema: dict[str, Any] = {"type": "object"}
    if properties:
        schema["properties"] = properties
    if spec.items:
        schema["required"] = list(PAGE_REQUIRED)
    return schema


def listed_output_schema(spec: ToolSpec) -> dict[str, Any] | None:
    """The schema as `tools/list` carries it: only where it names fields beyond what the server's instructions
    say of every list (items, total, nextCursor), to keep `tools/list` within its budget; None otherwise."""
    schema = output_schema(spec)
    named = {k: v for k, v in schema.get("properties", {}).items() if k not in PAGE}
    if not named:
        return None
    return {"type": "object", "properties": named}
