"""What a model needs to call an operation: its parameters, its body schema (trimmed) and a working example.

Read-only properties are left out of body schemas (a request must not send them), descriptions are one sentence,
and a schema too large to show whole is cut at a depth with a note saying how to see the part that was cut
(`field`, a dotted path into the body such as `rules.behaviors`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from alecs.openapi.calls import download_refusal, upload_refusal
from alecs.openapi.index import Api, Operation
from alecs.openapi.validate import choose_media

SCHEMA_BUDGET = 6000  # bytes of compact JSON for the body schema shown at once
KEEP = ("type", "enum", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
        "multipleOf", "nullable", "default", "description", "required")


def trim(schema: Any, depth: int | None = None, where: str = "") -> Any:
    """The schema as a model reads it: read-only properties dropped; below `depth` levels of nesting, objects and
    arrays are replaced by a note naming the `field` that shows them."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {k: schema[k] for k in KEEP if k in schema}
    if depth is not None and depth <= 0 and ("properties" in schema or "items" in schema
                                             or any(k in schema for k in ("allOf", "oneOf", "anyOf"))):
        out.pop("required", None)
        out["more"] = f"describe again with field={where!r}" if where else "describe again with a field"
        return out
    nxt = None if depth is None else depth - 1
    props = schema.get("properties")
    if isinstance(props, Mapping):
        composed = any(k in schema for k in ("allOf", "oneOf", "anyOf"))
        # `{}` beside allOf/oneOf/anyOf only names a property its members describe (see definitions._mend).
        out["properties"] = {name: trim(sub, nxt, _field(where, name)) for name, sub in props.items()
                             if not (isinstance(sub, Mapping) and sub.get("readOnly")) and not (composed and sub == {})}
        if "required" in out:
            out["required"] = [r for r in out["required"] if r in out["properties"]]
    if isinstance(schema.get("items"), Mapping):
        out["items"] = trim(schema["items"], nxt, where + "[]" if where else "[]")
    if schema.get("additionalProperties") is False:
        out["additionalProperties"] = False
    elif isinstance(schema.get("additionalProperties"), Mapping):
        out["additionalProperties"] = trim(schema["additionalProperties"], nxt, _field(where, "*"))
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            out[key] = [trim(sub, nxt, where) for sub in schema[key]]
    return out


def _field(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def fit(schema: Any, budget: int = SCHEMA_BUDGET) -> tuple[Any, bool]:
    """The deepest trim of `schema` within `budget` bytes, and whether anything was cut."""
    whole = trim(schema)
    if _size(whole) <= budget:
        return whole, False
    depth = 6
    while depth > 1 and _size(trim(schema, depth)) > budget:
        depth -= 1
    return trim(schema, depth), True


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def schema_at(schema: Any, field: str) -> Any:
    """The part of a body schema at a dotted path (`rules.behaviors`, `[]` for array items, `*` for map values),
    looking through allOf/oneOf/anyOf; None when the path leads nowhere."""
    current = [schema]
    for part in _parts(field):
        found: list[Any] = []
        for node in current:
            for candidate in _branches(node):
                if part == "[]" and isinstance(candidate.get("items"), Mapping):
                    found.append(candidate["items"])
                elif part == "*" and isinstance(candidate.get("additionalProperties"), Mapping):
                    found.append(candidate["additionalProperties"])
                elif isinstance(candidate.get("properties"), Mapping) and part in candidate["properties"]:
                    found.append(candidate["properties"][part])
                elif isinstance(candidate.get("items"), Mapping):  # `rules.children.name`: step into arrays
                    inner = [c["properties"][part] for c in _branches(candidate["items"])
                             if isinstance(c.get("properties"), Mapping) and part in c["properties"]]
                    found += inner
        if not found:
            return None
        current = found
    return current[0] if len(current) == 1 else {"anyOf": current}


def _parts(field: str) -> list[str]:
    out: list[str] = []
    for piece in field.replace("[]", ".[]").split("."):
        if piece:
            out.append(piece)
    return out


def _branches(node: Any) -> list[Mapping[str, Any]]:
    if not isinstance(node, Mapping):
        return []
    out = [node]
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key) or ():
            out += _branches(sub)
    return out


def parameter_line(op: Operation) -> list[dict[str, Any]]:
    """The parameters, each with where it goes, whether it is required, its schema and a short description."""
    return [{"name": p.name, "in": p.location, "required": p.required, "schema": trim(p.schema, 2),
             **({"description": p.description} if p.description else {})}
            for p in op.params if p.name.lower() != "content-type"]


def describe(op: Operation, api: Api | None, field: str | None = None) -> tuple[dict[str, Any], str]:
    """The structured description of `op` and its text; with `field`, only that part of the body schema."""
    media = choose_media(op, None) if op.bodies else None
    body_schema = op.bodies.get(media) if media else None
    if field:
        if body_schema is None:
            raise LookupError(f"{op.key} takes no request body, so it has no field {field!r}.")
        part = schema_at(body_schema, field)
        if part is None:
            raise LookupError(f"The body of {op.key} has no field {field!r}; fields are dotted paths such as "
                              "'a.b', with '[]' for array items.")
        shown, cut = fit(part)
        text = f"{op.key} body field {field}:\n{json.dumps(shown, indent=1)}"
        if cut:
            text += "\n(deeper parts were cut: describe them with a longer field)"
        return {"operation": op.key, "field": field, "schema": shown}, text
    data: dict[str, Any] = {
        "operation": op.key, "api": f"{api.title} ({op.api})" if api else op.api, "method": op.method,
        "path": op.path, "summary": op.summary, "changes": op.changes,
    }
    if op.description and op.description != op.summary:
        data["description"] = op.description
    data["parameters"] = parameter_line(op)
    refusal = upload_refusal(op) or download_refusal(op)
    if body_schema is not None and media is not None:
        shown, cut = fit(body_schema)
        data["body"] = {"mediaType": media, "required": op.body_required, "schema": shown}
        if cut:
            data["body"]["cut"] = "deeper parts are replaced by 'more': describe them with field"
    if op.example is not None:
        data["example"] = {"operation": op.key, **op.example}
    if refusal:
        data["refused"] = refusal
    return data, _text(op, data)


def _text(op: Operation, data: Mapping[str, Any]) -> str:
    lines = [f"{op.key}: {op.summary}", f"{op.method} {op.path} ({'changes things' if op.changes else 'read-only'}; "
             f"{data['api']})"]
    if data.get("description"):
        lines.append(str(data["description"]))
    if data.get("refused"):
        lines.append("Not callable here: " + str(data["refused"]))
    params = data["parameters"]
    if params:
        lines.append("Parameters (pass them by name in 'parameters'):")
        for p in params:
            kind = _kind(p["schema"])
            flag = "required" if p["required"] else "optional"
            lines.append(f"- {p['name']} ({p['in']}, {flag}, {kind})" + (f": {p['description']}"
                                                                          if p.get("description") else ""))
    else:
        lines.append("No parameters.")
    body = data.get("body")
    if body:
        lines.append(f"Body ({body['mediaType']}, {'required' if body['required'] else 'optional'}), its schema:")
        lines.append(json.dumps(body["schema"], separators=(",", ":")))
        if body.get("cut"):
            lines.append("(parts marked 'more' were cut: describe them with field, e.g. field='a.b')")
    if data.get("example"):
        lines.append("Example arguments for call-akamai-operation:")
        lines.append(json.dumps(data["example"], separators=(",", ":"))[:3000])
    return "\n".join(lines)


def _kind(schema: Mapping[str, Any]) -> str:
    kind = str(schema.get("type", "any"))
    if schema.get("enum"):
        kind += " one of " + "|".join(map(str, list(schema["enum"])[:10]))
    elif schema.get("pattern"):
        kind += f" matching {schema['pattern']}"
    return kind
