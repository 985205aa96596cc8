"""Builds what clients see of a tool: its input model (which validates arguments and produces `inputSchema`) and its
`tools/list` entry."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

import mcp_types as types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import GenerateJsonSchema

from alecs.tools.outputs import listed_output_schema
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
        return out

    def model_schema(self, schema: Any) -> Any:
        """The model's name is not the client's concern."""
        out = super().model_schema(schema)
        out.pop("title", None)
        return out


class ToolArgs(BaseModel):
    """Base of every tool's input model: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


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
        kind = p.type
        if p.where == "path" and p.type is str:
            kind = Annotated[p.type, AfterValidator(_segment)]
        elif p.where == "header":
            kind = Annotated[p.type, AfterValidator(_header_value)]
        fields[p.name] = _field(kind, p.description, p.required, p.default, dict(p.constraints))
    if spec.items:
        fields["limit"] = _field(int, None, False, None, {"ge": 1, "le": 500})
        fields["cursor"] = _field(str, None, False, None, {"max_length": 20})
    if spec.api in NOISY_APIS:
        # Declared once for every tool whose API answers with what results leave out by default; the text of a
        # result that left something out says so and names this argument (alecs.tools.tidy).
        fields[FULL] = _field(bool, None, False, None, {})
    fields[CUSTOMER] = _field(str, CUSTOMER_DOC, False, None, {"max_length": 64})
    return create_model(f"Args_{spec.name.replace('-', '_')}", __base__=ToolArgs, **fields)


@cache
def input_schema(spec: ToolSpec) -> dict[str, Any]:
    """The `inputSchema` clients receive for a tool, from the same model (cached per tool)."""
    schema = input_model(spec).model_json_schema(schema_generator=CompactSchema)
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
