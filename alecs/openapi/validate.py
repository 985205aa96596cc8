"""Checks a request against its published operation before it leaves: path values, query, headers, JSON body.

Schemas are checked by `openapi-schema-validator` (the JSON Schema dialects of OpenAPI 3.0 and 3.1 on top of
`jsonschema`, what openapi-core uses), with the same validator classes and format checkers as the conformance
tests. Parameter values are read from the wire form (strings) into their schema's type first, the way Akamai
reads them. Each problem names the field, the rule and the operation, e.g.
`bulkSearchQuery.match: a required property is missing (POST /papi/v1/bulk/rules-search-requests-synch)`.

The hook for the executor: `find(api, method, path)` then `check(op, Request.prepared(...))`, or `check_request`
for both at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, OAS31Validator

from alecs.openapi.index import Operation, Parameter, load

MAX_PROBLEMS = 8
BODY_REQUIRED = "a request body is required"
JSON_MEDIA = re.compile(r"^(application/([\w.-]+\+)?json|[\w.-]+/[\w.-]+\+json|\*/\*)(;.*)?$")


@dataclass(frozen=True)
class Problem:
    """One way a request breaks its operation's definition."""

    field: str  # dotted body path (e.g. "bulkSearchQuery.match", "items[0].network"), parameter name or "body"
    rule: str  # what the definition requires, in words
    operation: str  # e.g. "POST /papi/v1/bulk/rules-search-requests-synch"
    location: str = "body"  # path, query, header or body
    parameter: str | None = None  # the parameter's name when location is not body

    def __str__(self) -> str:
        return f"{self.field}: {self.rule} ({self.operation})"


@dataclass(frozen=True)
class Request:
    """A request as it will be sent: concrete path (percent-encoded), query, headers and JSON body."""

    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value; None: no body
    raw: bytes | None = None  # a body sent as bytes (an upload, EdgeKV text): checked for its media type

    @classmethod
    def prepared(cls, prepared: Mapping[str, Any]) -> Request:
        """From what `ToolCall.build` returns: method, path, params, headers, json_body."""
        return cls(prepared["method"], prepared["path"], prepared.get("params") or {},
                   prepared.get("headers") or {}, prepared.get("json_body"))


def is_json(media_type: str) -> bool:
    """application/json, any +json vendor type, or */* (the definitions use it where JSON is meant)."""
    return bool(JSON_MEDIA.match(media_type.strip().lower()))


def find(api: str, method: str, path: str) -> Operation | None:
    """The published operation a concrete request belongs to, or None when Akamai publishes none for it."""
    found = load().match(api, method, path)
    return found[0] if found else None


def check_request(api: str, request: Request) -> list[Problem] | None:
    """Problems of `request` against its operation of `api`; None when the operation is not published."""
    op = find(api, request.method, request.path)
    return None if op is None else check(op, request)


def check(op: Operation, request: Request, path_values: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem of `request` (at most MAX_PROBLEMS, most useful first); [] when it conforms. `path_values`,
    when the caller knows them, replace reading them back from the concrete path."""
    if path_values is None:
        encoded = op.path_values(request.path) if request.method.upper() == op.method else None
        if encoded is None:
            return [Problem("path", f"{request.method} {request.path} is not this operation's path", op.label)]
        path_values = {k: unquote(v) for k, v in encoded.items()}
    problems: list[Problem] = []
    values = path_values
    headers = {k.lower(): v for k, v in request.headers.items()}
    for param in op.params:
        if param.location == "path":
            given: Any = values.get(param.name)
        elif param.location == "query":
            given = request.query.get(param.name)
        elif param.location == "header":
            given = headers.get(param.name.lower())
        else:
            continue
        problems += _parameter(op, param, given)
    if request.raw is not None:
        problems += _raw_body(op, request.raw, headers.get("content-type"))
    else:
        problems += _body(op, request.body, headers.get("content-type"))
    return problems[:MAX_PROBLEMS]


def _parameter(op: Operation, param: Parameter, given: Any) -> list[Problem]:
    if given is None:
        if param.required:
            return [Problem(param.name, f"a required {param.location} parameter is missing", op.label,
                            param.location, param.name)]
        return []
    value = deserialize(wire(given), param.schema)
    return [Problem(_join(param.name, path), rule, op.label, param.location, param.name)
            for path, rule in _schema_errors(op, ("param", param.location, param.name), param.schema, value)]


def _body(op: Operation, body: Any, content_type: str | None) -> list[Problem]:
    if body is None:
        if op.body_required:
            return [Problem("body", BODY_REQUIRED, op.label)]
        return []
    if not op.bodies:
        return [Problem("body", "this operation takes no request body", op.label)]
    media = choose_media(op, content_type)
    if media is None:
        allowed = ", ".join(op.bodies)
        return [Problem("body", f"Content-Type {content_type or 'application/json'} is not one it accepts "
                                f"({allowed})", op.label)]
    if not is_json(media):
        return [Problem("body", f"the body must be {media}, not JSON", op.label)]
    return [Problem(_join("", path) or "body", rule, op.label)
            for path, rule in _schema_errors(op, ("body", media), op.bodies[media], body)]


def _raw_body(op: Operation, raw: bytes, content_type: str | None) -> list[Problem]:
    """A body sent as bytes: its media type must be one the operation takes; text is checked as a string."""
    media = choose_media(op, content_type) if content_type else None
    if media is None:
        allowed = ", ".join(op.bodies) or "no body"
        return [Problem("body", f"Content-Type {content_type or '(none)'} is not one it accepts ({allowed})",
                        op.label)]
    if media.startswith("text/"):
        text = raw.decode("utf-8", "replace")
        return [Problem("body", rule, op.label) for _, rule in _schema_errors(op, ("raw", media), op.bodies[media],
                                                                             text)]
    return []


def choose_media(op: Operation, content_type: str | None) -> str | None:
    """The body media type a request uses: its Content-Type if the operation takes it, else the operation's
    JSON type (application/json first)."""
    if content_type:
        wanted = content_type.split(";")[0].strip().lower()
        for media in op.bodies:
            if media.lower() == wanted or (media == "*/*" and is_json(wanted)):
                return media
        return None
    json_types = [m for m in op.bodies if is_json(m)]
    if "application/json" in json_types:
        return "application/json"
    return json_types[-1] if json_types else next(iter(op.bodies), None)


def wire(value: Any) -> Any:
    """A parameter as it goes on the wire (what ToolCall.send does): booleans as true/false, lists joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(wire(v)) for v in value)
    if isinstance(value, dict):  # an object parameter travels as JSON text (etp-report's `filters`)
        return json.dumps(value, separators=(",", ":"))
    return value if isinstance(value, str) else str(value)


def deserialize(text: str, schema: Mapping[str, Any]) -> Any:
    """A parameter's wire text read as its schema's type ('12' -> 12 for integers, 'a,b' -> [a, b] for arrays);
    text that does not read as the type stays text, so the schema check reports it."""
    kind = _type(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if kind == "array":
        items = schema.get("items") or {}
        return [deserialize(part, items) for part in text.split(",")] if text else []
    if kind == "integer" and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None:
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key) or ():
                if isinstance(sub, Mapping) and _type(sub):
                    return _type(sub)
    return kind if isinstance(kind, str) else None


_validators: dict[tuple[str, tuple[str, ...]], Any] = {}


def _validator(op: Operation, where: tuple[str, ...], schema: Mapping[str, Any]) -> Any:
    key = (op.key, where)
    found = _validators.get(key)
    if found is None:
        if op.openapi.startswith("3.1"):
            # As openapi-core: the 3.0 format checker for 3.1 too (byte and binary keep their 3.0 meaning).
            found = OAS31Validator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
        else:
            found = OAS30WriteValidator(schema, format_checker=OAS30WriteValidator.FORMAT_CHECKER)
        _validators[key] = found
    return found


def _schema_errors(op: Operation, where: tuple[str, ...], schema: Mapping[str, Any],
                   value: Any) -> list[tuple[str, str]]:
    errors = sorted(_validator(op, where, schema).iter_errors(value),
                    key=lambda e: (len(e.path), list(map(str, e.path))))
    out: list[tuple[str, str]] = []
    for error in errors:
        out += _explain(error)
    return out


def _explain(error: ValidationError) -> list[tuple[str, str]]:
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        name = _quoted(error.message)
        return [(_dotted(path + [name]), "a required property is missing")]
    if kind == "additionalProperties":
        known = set((error.schema or {}).get("properties") or {}) if isinstance(error.schema, Mapping) else set()
        extras = [k for k in error.instance if k not in known] if isinstance(error.instance, Mapping) else []
        return [(_dotted(path + [k]), "is not a property this operation knows (additional properties are not "
                                      "allowed)") for k in extras] or [(_dotted(path), error.message)]
    if kind in ("oneOf", "anyOf") and error.context:
        if len({id(e.schema) for e in error.context}) == 1:  # one alternative: its own rule says it
            return _explain(min(error.context, key=lambda e: len(e.absolute_path)))
        here = [e for e in error.context if list(e.absolute_path) == path and e.validator not in ("oneOf", "anyOf")]
        if len(here) == len(error.context):  # every alternative is a rule on this value: name them all
            rules = list(dict.fromkeys(_rule(e) for e in here))
            return [(_dotted(path), " or ".join(rules))]
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        inner = _explain(deepest)[0]
        return [(_dotted(path), f"matches none of the allowed shapes ({kind}); for example, "
                                f"{inner[0] or 'the value'}: {inner[1]}")]
    return [(_dotted(path), _rule(error))]


def _rule(error: ValidationError) -> str:
    value: Any = error.validator_value
    schema: Any = error.schema if isinstance(error.schema, Mapping) else {}
    rules: dict[str, Callable[[], str]] = {
        "type": lambda: f"must be {_a(value)}, not {_json_type(error.instance)}",
        "enum": lambda: "must be one of " + ", ".join(map(repr, list(value)[:12])) + (
            ", …" if len(value) > 12 else ""),
        "minimum": lambda: f"must be at least {value}" if schema.get("exclusiveMinimum") is not True
        else f"must be more than {value}",
        "maximum": lambda: f"must be at most {value}" if schema.get("exclusiveMaximum") is not True
        else f"must be less than {value}",
        "exclusiveMinimum": lambda: f"must be more than {value}",
        "exclusiveMaximum": lambda: f"must be less than {value}",
        "minLength": lambda: f"must be at least {value} characters long",
        "maxLength": lambda: f"must be at most {value} characters long",
        "pattern": lambda: f"must match the pattern {value}",
        "format": lambda: f"must be a valid {value}",
        "minItems": lambda: f"must have at least {value} items",
        "maxItems": lambda: f"must have at most {value} items",
        "uniqueItems": lambda: "must not repeat items",
        "minProperties": lambda: f"must have at least {value} properties",
        "maxProperties": lambda: f"must have at most {value} properties",
        "multipleOf": lambda: f"must be a multiple of {value}",
        "readOnly": lambda: "is read-only: Akamai sets it, a request must not send it",
        "const": lambda: f"must be {value!r}",
        "not": lambda: "is not allowed here",
    }
    explain = rules.get(str(error.validator))
    if error.validator == "type" and error.message == "None for not nullable":
        return "must not be null"
    return explain() if explain else error.message


def _a(kind: Any) -> str:
    kinds = kind if isinstance(kind, list) else [kind]
    words = [("an " if str(k)[0] in "aeiou" else "a ") + str(k) for k in kinds]
    return " or ".join(words)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _quoted(message: str) -> str:
    found = re.match(r"^(['\"])(.*)\1 is a required property$", message)
    return found.group(2) if found else message


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(name: str, path: str) -> str:
    if not path:
        return name
    return f"{name}{path}" if path.startswith("[") or not name else f"{name}.{path}"
