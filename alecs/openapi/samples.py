"""Smallest plausible values for OpenAPI schemas: the request examples of operations that publish none.

Used when the index is built (never at run time): a schema's own `example`, `default`, `enum` or `const` first,
then a value that meets its type, format and bounds. Objects get their required properties only; read-only
properties are never sent. The index keeps an example only after the validator accepted it.
"""

from __future__ import annotations

from typing import Any

FORMATS = {
    "date-time": "2025-01-01T00:00:00Z", "date": "2025-01-01", "time": "00:00:00Z", "email": "noc@example.com",
    "uri": "https://www.example.com/", "url": "https://www.example.com/", "hostname": "www.example.com",
    "ipv4": "192.0.2.10", "ipv6": "2001:db8::10", "uuid": "4f1d3b9e-2c8a-4d5e-9f10-1a2b3c4d5e6f",
    "byte": "ZXhhbXBsZQ==", "ip": "192.0.2.10", "cidr": "192.0.2.0/24",
}
DEPTH = 12


def sample(schema: Any, depth: int = 0, choice: int = 0) -> Any:
    """A value `schema` accepts, as small as the schema allows (best effort: the caller validates it). `choice`
    picks which alternative of each oneOf/anyOf to follow (the last one when there are fewer)."""
    if not isinstance(schema, dict) or depth > DEPTH:
        return "example"
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if "allOf" in schema:
        parts = [sample(s, depth + 1, choice) for s in schema["allOf"]]
        own = {k: v for k, v in schema.items() if k != "allOf"}
        if all(isinstance(p, dict) for p in parts):
            merged: dict[str, Any] = {}
            for part in parts + ([sample(own, depth + 1, choice)] if own.get("properties") else []):
                merged.update(part)
            return merged
        return parts[0] if parts else None
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            alternative = schema[key][min(choice, len(schema[key]) - 1)]
            own = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
            return sample(alternative | own if isinstance(alternative, dict) else own, depth + 1, choice)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        names = [n for n in schema.get("required", []) if not (props.get(n) or {}).get("readOnly")]
        optional = [n for n, p in props.items() if n not in names and not (p or {}).get("readOnly")]
        names += optional[: max(0, int(schema.get("minProperties", 0)) - len(names))]
        return {name: sample(props.get(name, {}), depth + 1, choice) for name in names}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        item = sample(schema.get("items", {}), depth + 1, choice)
        return [item] * (1 if schema.get("uniqueItems") else count)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True
    return _string(schema)


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum")
    if low is None:
        value: float = 1
    else:
        value = low + (1 if schema.get("exclusiveMinimum") is True else 0)
    if isinstance(schema.get("exclusiveMinimum"), int | float) and not isinstance(schema["exclusiveMinimum"], bool):
        value = max(value, schema["exclusiveMinimum"] + 1)
    high = schema.get("maximum")
    if high is not None and value > high:
        value = high
    return int(value) if kind == "integer" else value


def _string(schema: dict[str, Any]) -> str:
    text = FORMATS.get(str(schema.get("format")), "example")
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None and len(text) > int(high):
        text = text[: int(high)]
    return text
