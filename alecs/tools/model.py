"""Builds what clients see of a tool: its input model (which validates arguments and produces `inputSchema`) and its
`tools/list` entry."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin

import mcp_types as types
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema

from alecs.tools.outputs import listed_output_schema
from alecs.tools.shapes import Shape
from alecs.tools.spec import ToolSpec
from alecs.tools.tidy import FULL, NOISY_APIS

CUSTOMER = "customer"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _segment(value: Any) -> Any:
    """Path values are percent-encoded into one segment; only dot segments and control characters could still
    change the request's meaning, so they are refused."""
    if isinstance(value, str) and (value.strip(".") == "" or CONTROL.search(value)):
        raise ValueError("not a valid identifier")
    return value


def _header_value(value: Any) -> Any:
    """A header value with CR, LF or another control character would split or corrupt the request."""
    if isinstance(value, str) and CONTROL.search(value):
        raise ValueError("a header value may not contain control characters (CR, LF, NUL, ...)")
    return value


# Described once, in the server's instructions, not in every tool's schema (issue: compact catalogue).
CUSTOMER_DOC = None
PAGE_FIELDS = ("limit", "cursor")


def _any_case(kind: Any) -> Any:
    """A choice of words accepting any case, as the schema spells it once read: `staging` or `Staging` for PAPI's
    STAGING, `PRODUCTION` for purge's production. Each API keeps its own spelling on the wire; the assistant need
    not remember which one uses which case. Choices that differ only by case are left as they are."""
    values = get_args(kind) if get_origin(kind) is Literal else ()
    if not values or not all(isinstance(v, str) for v in values) or len({v.lower() for v in values}) < len(values):
        return kind
    spelled = {v.lower(): v for v in values}
    return Annotated[kind, BeforeValidator(lambda v: spelled.get(v.lower(), v) if isinstance(v, str) else v)]


def _shown_as(kind: type, **bounds: Any) -> Any:
    """A field every tool (`customer`) or every list (`limit`, `cursor`) takes, which the server's instructions
    describe once: its schema shows only the type; the bounds are still enforced."""
    return Annotated[kind, Field(**bounds), WithJsonSchema({"type": "integer" if kind is int else "string"})]


class CompactSchema(GenerateJsonSchema):
    """JSON Schema without titles or `null` alternatives: shorter tool lists, same meaning."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        """Never: titles repeat the property names."""
        return False

    def nullable_schema(self, schema: Any) -> Any:
        """Optional inputs are just absent, so `null` is not offered."""
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: Any) -> Any:
        """A `None` default says nothing a client needs."""
        out = super().default_schema(schema)
        if out.get("default", 0) is None:
            del out["default"]
        elif isinstance(out.get("default"), dict) and ("properties" in out or "$ref" in out):
            del out["default"]  # a nested shape's default: its fields show their own defaults
        return out

    def model_schema(self, schema: Any) -> Any:
        """The model's name is not the client's concern, nor a nested shape's docstring (its fields say what it
        takes; the parameter's description says what it is for)."""
        out = _plain(super().model_schema(schema))
        if isinstance(schema.get("cls"), type) and issubclass(schema["cls"], Shape):
            out.pop("description", None)
        return out

    def tagged_union_schema(self, schema: Any) -> Any:
        """Alternatives told apart by a field's constant: the constants say it; OpenAPI's `discriminator` (which
        would point at definitions that are inlined) is left out."""
        out = super().tagged_union_schema(schema)
        out.pop("discriminator", None)
        return out

    def typed_dict_schema(self, schema: Any) -> Any:
        """Nor a typed dict's."""
        return _plain(super().typed_dict_schema(schema))

    def dict_schema(self, schema: Any) -> Any:
        """`additionalProperties: true` is what JSON Schema assumes anyway."""
        return _plain(super().dict_schema(schema))


def _plain(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema.pop("title", None)
        if schema.get("additionalProperties") is True:
            del schema["additionalProperties"]
    return schema


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with each `$ref` to a nested shape replaced by the shape (no shape refers to itself)."""
    if isinstance(schema, list):
        return [_inline(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _inline(defs[ref.rsplit("/", 1)[-1]], defs) | rest
    return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}


class ToolArgs(BaseModel):
    """Base of every tool's input model: unknown fields are refused, and so is a call that gives none or several
    of a group of inputs its tool takes exactly one of (`ToolSpec.one_of`). That rule is checked here and said in
    the inputs' descriptions, not as a top-level `oneOf` in the schema, which some model APIs refuse for tools."""

    model_config = ConfigDict(extra="forbid")
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        for group in self.one_of:
            given = [n for n in group if getattr(self, n) is not None]
            if len(given) != 1:
                raise ValueError(f"give exactly one of {' or '.join(group)}"
                                 + (f", not {' and '.join(given)}" if given else ""))
        return self


def _field(annotation: Any, description: str | None, required: bool, default: Any, constraints: dict[str, Any]) -> Any:
    description = description or None  # an empty description is left out of the schema
    if required:
        return (annotation, Field(..., description=description, **constraints))
    return (annotation | None, Field(default, description=description, **constraints))


@cache
def input_model(spec: ToolSpec) -> type[BaseModel]:
    """The pydantic model that validates a tool's arguments (cached per tool)."""
    fields: dict[str, Any] = {}
    for p in spec.params:
        kind = _any_case(p.type)
        if p.where == "path" and p.type is str:
            kind = Annotated[p.type, AfterValidator(_segment)]
        elif p.where == "header":
            kind = Annotated[p.type, AfterValidator(_header_value)]
        fields[p.name] = _field(kind, p.description, p.required and p.server_default is None, p.default,
                                dict(p.constraints))
    if spec.items:
        fields["limit"] = _field(_shown_as(int, ge=1, le=500), None, False, None, {})
        fields["cursor"] = _field(_shown_as(str, max_length=20), None, False, None, {})
    if spec.api in NOISY_APIS:
        # Declared once for every tool whose API answers with what results leave out by default; the text of a
        # result that left something out says so and names this argument (alecs.tools.tidy).
        fields[FULL] = _field(bool, None, False, None, {})
    fields[CUSTOMER] = _field(_shown_as(str, max_length=64), CUSTOMER_DOC, False, None, {})
    model = create_model(f"Args_{spec.name.replace('-', '_')}", __base__=ToolArgs, **fields)
    model.one_of = spec.one_of
    return model


@cache
def input_schema(spec: ToolSpec) -> dict[str, Any]:
    """The `inputSchema` clients receive for a tool, from the same model (cached per tool)."""
    generated = input_model(spec).model_json_schema(schema_generator=CompactSchema)
    schema: dict[str, Any] = _inline(generated, generated.get("$defs") or {})
    schema.pop("additionalProperties", None)
    schema["additionalProperties"] = False
    return schema


@cache
def tool_entry(spec: ToolSpec, reads_only: bool = False) -> types.Tool:
    """The tool's `tools/list` entry, annotations included (cached per tool). `reads_only`: as read callers see a
    tool that chooses its operation per call (it refuses every change for them)."""
    read_only = spec.read_only or reads_only
    tool = types.Tool(
        name=spec.name, title=spec.title, description=spec.description, input_schema=input_schema(spec),
        annotations=types.ToolAnnotations(
            read_only_hint=read_only, destructive_hint=spec.destructive and not read_only,
            idempotent_hint=spec.is_idempotent or reads_only, open_world_hint=not spec.local,
        ),
    )
    output = listed_output_schema(spec)
    if output is not None:  # set only when there is one: an unset field stays off the wire (exclude_unset)
        tool.output_schema = output
    return tool
