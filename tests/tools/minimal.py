"""The smallest arguments a tool's input schema accepts, synthesized from the schema a client sees: required
fields only, each with its least value (the first enum member, the minimum, the fewest items, the shortest
string). This is what a model that reads nothing but the schema may send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A string that matches each pattern the catalogue uses (a pattern not listed here makes the synthesized value
# fail the tool's own model, and the probe says so: add it).
PATTERN_SAMPLES = {
    "^[A-Za-z0-9]{4}$": "abcd",
    "^[A-Za-z0-9_]{1,64}$": "x",
    "^[a-z0-9.-]{3,100}$": "xxx",
    "^tok_[0-9a-f]{16}$": "tok_0000000000000000",
    "^https?://": "https://x",
    "^[A-Za-z0-9_-]{1,512}$": "x",
    "^[A-Za-z0-9_-]{1,32}$": "x",
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$": "2024-01-01T00:00Z",
    r"^\d{4}-\d{2}-\d{2}$": "2024-01-01",
    r"^(alert|abort|none|deny_custom_\d+)$": "alert",
    r"^[^/\\]{1,128}$": "x",
    r"^\d{1,10}(;\d{1,10}){0,19}$": "1",
    r"^\d{4}-(0[1-9]|1[0-2])$": "2024-01",
    r"^(prp_|PRP_)?\d+$": "1",
    r"^(grp_)?\d+$": "1",
    r"^(alert|deny|none|monitor|tarpit|delay|slow|(cond_action|deny_custom|serve_alt|challenge)_\d+)$": "alert",
}
FORMAT_SAMPLES = {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "email": "x@example.com",
                  "uri": "https://x", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1"}


def minimal_arguments(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest arguments `schema` (a tool's inputSchema) accepts."""
    value = minimal(schema, schema.get("$defs") or {})
    assert isinstance(value, dict)
    return value


def minimal(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """The least value of one schema."""
    if "$ref" in schema:
        return minimal(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return minimal(schema[key][0], defs)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        out = {name: minimal(props[name], defs) for name in schema.get("required", ()) if name in props}
        extra = schema.get("additionalProperties")
        while len(out) < schema.get("minProperties", 0):  # the fewest more: declared ones first, then any name
            name = next((n for n in props if n not in out), f"x{len(out)}")
            out[name] = minimal(props.get(name) or (extra if isinstance(extra, dict) else {}), defs)
        return out
    if kind == "array":
        return [minimal(schema.get("items") or {}, defs) for _ in range(schema.get("minItems", 0))]
    if kind == "integer" or kind == "number":
        if "minimum" in schema:
            return schema["minimum"]
        if "exclusiveMinimum" in schema:
            return schema["exclusiveMinimum"] + 1
        return 0
    if kind == "boolean":
        return False
    if kind == "string":
        if "pattern" in schema:
            return PATTERN_SAMPLES.get(schema["pattern"], "x")
        if "format" in schema and schema["format"] in FORMAT_SAMPLES:
            return FORMAT_SAMPLES[schema["format"]]
        return "x" * max(1, schema.get("minLength", 1))
    return {}  # no type at all (any JSON value): the least object
