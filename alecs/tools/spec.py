"""A tool is data: its toolset, its inputs and the Akamai operation it calls (declared with `alecs.tools.declare`)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Where = Literal["path", "query", "body", "body_root", "header", "local"]
ToolHandler = Callable[[Any, dict[str, Any]], Awaitable[Any]]
"""What runs a tool whose work is more than the one request its declaration describes: it gets the running call
(an `alecs.tools.call.ToolCall`: to send requests, report progress, reach the session) and the validated arguments,
and returns the result. The call is typed `Any` here because a running call knows its spec: naming its class would
make the declarations and the call import each other."""
RowRenderer = Callable[[Any], Any]
"""Renders one item of a paged result as its line of text (an `alecs.tools.text.Inline`: e.g. a diff change with its
old and new value); typed `Any` for the same reason as ToolHandler's call (the text module imports this one)."""
Reach = Literal["none", "staging", "production"]
"""What one call changes of what serves live traffic: nothing (reads, drafts that go live only when activated,
alecs' own state), the staging network, or production (activations and purges there, and every write that is live
at once with no staging stage: Edge DNS, GTM, certificates, identity, ...)."""
ReachOf = Callable[[Mapping[str, Any]], Reach]
Preview = Callable[[Any, dict[str, Any]], Awaitable[list[str]]]
"""Lines for the person asked to confirm a call (its first argument is the running call, typed as ToolHandler's):
for an activation, the version and what changed since the one active on that network. Reads only; a preview that
fails is reported in the question, never stops it."""
NETWORK_ARGUMENT = re.compile(r"^argument:(\w+)(?:\[\]\.(\w+))?$")


@dataclass(frozen=True)
class Param:
    """One input field and where it goes in the request."""

    name: str
    description: str
    type: Any = str
    where: Where = "query"
    required: bool = False
    default: Any = None
    api_name: str | None = None
    constraints: Mapping[str, Any] = field(default_factory=dict)
    # The `alecs.services.Services` field that fills this input when the call leaves it out (the operator's
    # ALECS_NOTIFY_EMAILS for notifyEmails); a required input with one is required only while that setting is empty.
    server_default: str | None = None

    @property
    def wire_name(self) -> str:
        """The field's name in Akamai's request (the input's name unless the API spells it otherwise)."""
        return self.api_name or self.name


@dataclass(frozen=True)
class Toolset:
    """Tools that are selected, enabled and restricted together; declared once, in the module of its tools."""

    name: str  # what users type: --toolsets dns, enable-toolset dns, a token's toolsets
    description: str  # one line, shown by list-toolsets, `alecs tools --stats` and docs/tools.md
    default: bool = False  # part of the everyday selection served when no --toolsets/--tools is given
    admin_only: bool = False  # only admin principals (and the local operator) see and call its tools
    dynamic_only: bool = False  # the dynamic-toolsets controls: listed only in dynamic mode, never part of "all"


@dataclass(frozen=True, eq=False)
class ToolSpec:
    """One tool as the registry, the executor and clients see it. Declare tools with `alecs.tools.declare`
    (`Api.get(...)`, `custom_tool(...)`) rather than building this directly."""

    name: str
    toolset: Toolset
    title: str
    description: str
    read_only: bool
    method: str = ""  # the Akamai operation: empty for tools without a fixed route
    path: str = ""
    api: str = ""  # the API's name in Akamai's OpenAPI definitions, e.g. config-dns/v2
    params: tuple[Param, ...] = ()
    destructive: bool = False
    idempotent: bool | None = None  # None: read-only tools, PUT and DELETE are idempotent
    headers: Mapping[str, str] = field(default_factory=dict)
    items: str | None = None  # dotted path of the list in the answer: the result is paged with limit/cursor
    columns: tuple[str, ...] = ()  # fields shown per item in the text result
    handler: ToolHandler | None = None  # None: send the declared request and return Akamai's answer
    example: Mapping[str, Any] = field(default_factory=dict)  # arguments that work against the sandbox
    published: bool = True  # the operation is in Akamai's published OpenAPI definitions
    calls_akamai: bool = True  # False for tools of alecs itself (tokens, catalogue): not open-world
    # The tool calls whichever published Akamai operation its arguments name (call-akamai-operation): whether a
    # call changes anything is known per call, so read-only callers see the tool and its handler refuses each
    # call that would change something.
    any_operation: bool = False
    row: RowRenderer | None = None  # None: items are rendered field=value (alecs.tools.text.render_page)
    # Fields of the structured result by name and Python type, beyond Akamai's answer (a handler's own fields):
    # they become the tool's outputSchema (alecs.tools.outputs).
    returns: Mapping[str, Any] = field(default_factory=dict)
    # Phrases an engineer would type for this job ("block an IP range", "top URLs"): search-tools ranks by them.
    intents: tuple[str, ...] = ()
    # In the everyday (default) selection? None: when its toolset is; False: only when asked for (by toolset or
    # name), to keep the default tools/list within its budget; True: even though its toolset is not.
    everyday: bool | None = None
    # What a call changes of live traffic (see `Reach`), declared for every tool that is not read-only:
    # "none", "production", "argument:<input>" (the network that input names: STAGING or PRODUCTION, any case;
    # "argument:<list>[].<field>" for each item of a list), or a function of the arguments (call-akamai-operation).
    network: str | ReachOf | None = None
    confirm: bool = False  # ask the person before a call that does not stay on staging (alecs.tools.confirm)
    preview: Preview | None = None  # more lines for that question (versions, changed rule paths)
    # Groups of inputs of which a call gives exactly one (Akamai's "provide either this or that"): refused before
    # any request when it gives none or several (alecs.tools.model.ToolArgs).
    one_of: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        unknown = [n for group in self.one_of for n in group if self.param(n) is None]
        if unknown:
            raise ValueError(f"{self.name}: one_of names {', '.join(unknown)}, which are not its inputs")
        if isinstance(self.network, str) and self.network not in ("none", "production"):
            match = NETWORK_ARGUMENT.match(self.network)
            if match is None or self.param(match.group(1)) is None:
                raise ValueError(f"{self.name}: network={self.network!r} is not none, production or "
                                 "argument:<one of its inputs>")

    def reach(self, args: Mapping[str, Any]) -> Reach:
        """What this call changes of live traffic. An argument naming no known network counts as production."""
        if self.read_only or self.network is None or self.network == "none":
            return "none"
        if callable(self.network):
            return self.network(args)
        if self.network == "production":
            return "production"
        match = NETWORK_ARGUMENT.match(self.network)
        assert match is not None  # checked when declared
        value = args.get(match.group(1))
        values = [v.get(match.group(2)) if isinstance(v, Mapping) else None for v in value or [None]] \
            if match.group(2) else [value]
        named = {str(v).lower() for v in values}
        return "staging" if named == {"staging"} else "production"

    @property
    def local(self) -> bool:
        """A tool of alecs itself (tokens, catalogue): it calls no Akamai API."""
        return not self.calls_akamai

    @property
    def is_idempotent(self) -> bool:
        """Whether calling twice with the same arguments has the effect of calling once."""
        if self.idempotent is not None:
            return self.idempotent
        return self.read_only or self.method in ("PUT", "DELETE")

    def placeholders(self) -> list[str]:
        """The `{names}` in the route."""
        return re.findall(r"{(\w+)}", self.path)

    def param(self, name: str) -> Param | None:
        """The input called `name`, if the tool has one."""
        return next((p for p in self.params if p.name == name), None)
