"""How tool modules declare tools: by keyword, against an `Api` value or, for handler-only tools, `custom_tool`.

    DNS = Toolset("dns", "Edge DNS: zones, record sets, …", default=True)
    api = Api("config-dns/v2", toolset=DNS, base="/config-dns/v2", network="production")  # writes are live
    TOOLS = [
        api.get("get-zone", "/zones/{zone}", title="Get DNS zone", doc="One zone's settings …", params=(ZONE,)),
        api.post("create-zone", "/zones", title=…, doc=…, params=(…), handler=flows.send_with_ids),
        api.post("delete-zones", "/zones/delete-requests", title=…, doc=…, params=(…), confirm=True),
    ]

A tool with a fixed Akamai operation is declared with the HTTP method's name (`get`, `post`, `put`, `patch`,
`delete`) and its route relative to the API's base; its request is built from the inputs' `where`, or by its
`handler` when one request is not the whole job. A tool with no fixed route (it calls whatever its handler
decides, or nothing of Akamai) is `custom_tool(toolset, name, handler=…, calls_akamai=…, read_only=…, …)`.

Every option is a keyword of `ToolOptions`; a new property of tools (an output schema, search synonyms) is one more
key there and one more field of `ToolSpec`. What a write changes of live traffic (`network`, see `ToolSpec.reach`)
and whether the person confirms it (`confirm`, `preview`; see `alecs.tools.confirm`) are such keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Required, TypedDict, Unpack

from alecs.tools.spec import Param, Preview, ReachOf, RowRenderer, ToolHandler, Toolset, ToolSpec, Where

__all__ = ["Api", "Param", "ToolOptions", "Toolset", "body", "custom_tool", "header", "local", "notify_emails",
           "path", "query", "whole_body", "with_intents"]
NOTIFY_EMAILS = "notifyEmails"


class CommonOptions(TypedDict, total=False):
    """Keywords every tool declaration takes."""

    title: Required[str]  # a few words, shown by clients as the tool's name
    doc: Required[str]  # the description the assistant reads: what it does, what to pass, what is destructive
    params: tuple[Param, ...]  # inputs, in the order clients show them (`customer` and paging are added)
    destructive: bool  # it can remove or replace what exists, or change live traffic
    idempotent: bool  # default: read-only tools, PUT and DELETE are idempotent
    items: str  # dotted path of the list in the result: paged with limit/cursor
    columns: tuple[str, ...]  # fields of each item shown in the text result
    example: Mapping[str, Any]  # arguments that work against the sandbox (conformance tests use them)
    row: RowRenderer  # renders one listed item as its line of text (default: field=value)
    returns: Mapping[str, Any]  # fields the handler adds to the result, by Python type (the outputSchema)
    intents: tuple[str, ...]  # task phrases and synonyms search-tools matches ("roll back a property")
    everyday: bool  # False: not in the default selection although its toolset is (default tools/list budget)
    # What a call changes of live traffic; every tool that is not read-only has one (default: its Api's):
    # "none", "production", "argument:network" (the network an input names), or a function of the arguments.
    network: str | ReachOf
    confirm: bool  # ask the person first (production or unknown network; never for a call that stays on staging)
    preview: Preview  # lines added to that question: the version and what changed since the active one
    one_of: tuple[tuple[str, ...], ...]  # groups of inputs of which a call gives exactly one


class ToolOptions(CommonOptions, total=False):
    """Keywords of a tool with a fixed Akamai route (`Api.get` and the other methods)."""

    read_only: bool  # default: GET is read-only, anything else is a change
    headers: Mapping[str, str]  # request headers; default: the Api's
    handler: ToolHandler  # runs the call when one request is not the whole job
    published: bool  # False for operations missing from Akamai's published OpenAPI definitions


@dataclass(frozen=True)
class Api:
    """One Akamai API as its tools are declared: its name in Akamai's OpenAPI definitions, its base path, the
    toolset its tools join, headers every request sends and what its writes change of live traffic unless a tool
    says otherwise (`network`: "production" for APIs live at once, "none" for APIs of drafts and activations)."""

    name: str
    toolset: Toolset
    base: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    network: str | None = None

    def get(self, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool that GETs `base + route` (read-only unless said otherwise)."""
        return self.tool("GET", name, route, **options)

    def post(self, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool that POSTs to `base + route` (a change unless `read_only=True`)."""
        return self.tool("POST", name, route, **options)

    def put(self, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool that PUTs `base + route`."""
        return self.tool("PUT", name, route, **options)

    def patch(self, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool that PATCHes `base + route`."""
        return self.tool("PATCH", name, route, **options)

    def delete(self, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool that DELETEs `base + route` (it must also say `destructive=True`)."""
        return self.tool("DELETE", name, route, **options)

    def tool(self, method: str, name: str, route: str, **options: Unpack[ToolOptions]) -> ToolSpec:
        """A tool calling `method base + route` of this API."""
        fields: dict[str, Any] = dict(options)
        fields["description"] = fields.pop("doc")
        fields.setdefault("read_only", method == "GET")
        fields.setdefault("headers", self.headers)
        if not fields["read_only"]:
            fields.setdefault("network", self.network)
        return ToolSpec(name=name, toolset=self.toolset, method=method, path=self.base + route, api=self.name,
                        **fields)


def custom_tool(toolset: Toolset, name: str, *, handler: ToolHandler, calls_akamai: bool, read_only: bool,
                any_operation: bool = False, **options: Unpack[CommonOptions]) -> ToolSpec:
    """A tool without a fixed route: its handler does all the work. `calls_akamai` says whether it reaches
    Akamai (then it is open-world) or only alecs itself; `any_operation` that it calls whichever published
    operation its arguments name, so read callers see it and it refuses each change for them."""
    fields: dict[str, Any] = dict(options)
    fields["description"] = fields.pop("doc")
    return ToolSpec(name=name, toolset=toolset, handler=handler, calls_akamai=calls_akamai, read_only=read_only,
                    any_operation=any_operation, **fields)


# -- inputs ---------------------------------------------------------------------------------------------------
def path(name: str, description: str, type: Any = str, *, api_name: str | None = None, **constraints: Any) -> Param:
    """A path segment: the value is percent-encoded into it (see call.fill_path and model._segment)."""
    return Param(name, description, type, "path", True, api_name=api_name, constraints=constraints)


def query(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
          api_name: str | None = None, **constraints: Any) -> Param:
    """A query-string parameter (lists are sent comma-separated, booleans as true/false)."""
    return Param(name, description, type, "query", required, default, api_name, constraints)


def body(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
         api_name: str | None = None, **constraints: Any) -> Param:
    """A field of the JSON request body."""
    return Param(name, description, type, "body", required, default, api_name, constraints)


def header(name: str, description: str, *, api_name: str, required: bool = False) -> Param:
    """A request header (e.g. an etag sent as If-Match)."""
    return Param(name, description, str, "header", required, None, api_name)


def whole_body(name: str, description: str, type: Any = dict[str, Any], *, required: bool = True) -> Param:
    """The argument is the whole JSON request body (rule trees, complex Akamai objects)."""
    return Param(name, description, type, "body_root", required)


def notify_emails(where: Where = "body", *, api_name: str | None = None, required: bool = True) -> Param:
    """`notifyEmails`, the one name every toolset gives the addresses Akamai tells about an activation (sent as
    the API spells it: `api_name`); left out, the server's ALECS_NOTIFY_EMAILS fills it."""
    return Param(NOTIFY_EMAILS, "Emails told of the result (default: the server's ALECS_NOTIFY_EMAILS"
                 + ("; required if unset)." if required else ")."), list[str], where, required, None, api_name,
                 {"min_length": 1}, server_default="notify_emails")


def local(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
          **constraints: Any) -> Param:
    """An input only the tool's handler reads (never sent as is)."""
    return Param(name, description, type, "local", required, default, constraints=constraints)


def with_intents(tools: list[ToolSpec], intents: Mapping[str, tuple[str, ...]]) -> list[ToolSpec]:
    """A module's tools with the task phrases of its `INTENTS` table (tool name → phrases an engineer would type),
    kept beside `TOOLS` so that declarations stay as they are. A name that is not one of `tools` is an error."""
    unknown = set(intents) - {t.name for t in tools}
    if unknown:
        raise ValueError(f"INTENTS names tools that are not declared here: {', '.join(sorted(unknown))}")
    return [replace(t, intents=t.intents + tuple(intents[t.name])) if t.name in intents else t for t in tools]
