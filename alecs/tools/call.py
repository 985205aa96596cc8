"""One running tool call: what declarations and handlers use to reach Akamai, the caller and the session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

from alecs.akamai.client import AkamaiClient, AkamaiResponse
from alecs.principal import Principal
from alecs.services import Services
from alecs.tools.presend import check_outgoing
from alecs.tools.question import Answer, Question
from alecs.tools.spec import Toolset, ToolSpec

ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


class SessionControl(Protocol):
    """What tools may read and change about the calling MCP session: the dynamic toolsets, and the person's
    confirmation of a change (`alecs.tools.confirm`)."""

    @property
    def read_only(self) -> bool:
        """Whether the caller may only read (a read token, or the server runs `--read-only`)."""

    def toolsets(self) -> list[Toolset]:
        """The toolsets this session may enable, in catalogue order."""

    def restrictable_toolsets(self) -> frozenset[str]:
        """The toolsets a token can be restricted to (the registry's products)."""

    def tools_of(self, toolset: str) -> tuple[ToolSpec, ...]:
        """The tools enabling `toolset` adds for this caller (none for a toolset it may not enable)."""

    def enabled(self) -> frozenset[str]:
        """What this session enabled: toolset names, and "toolset/tool" for single tools of a toolset."""

    async def set_enabled(self, toolset: str, on: bool, tools: tuple[str, ...] = ()) -> None:
        """Enable a toolset, or only `tools` of it, or disable it (and its single tools), for this session; tell
        the client its tool list changed."""

    @property
    def can_ask(self) -> bool:
        """Whether the client can put a question to the person (MCP form elicitation)."""

    async def ask(self, question: Question) -> Answer:
        """The person's answer to `question` (accept only when they confirmed). In the 2026-07-28 era this raises
        `alecs.tools.question.InputNeeded` until the call comes back with the answer."""


def fill_path(template: str, values: Mapping[str, Any]) -> str:
    """The route with each `{name}` replaced by its value, percent-encoded into one path segment."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", quote(str(value), safe=""))
    return out


def wire_value(value: Any) -> Any:
    """A query value as Akamai expects it: booleans as true/false, lists comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


class ToolCall:
    """One call of one tool, for one caller in one session. `send` is the single way its requests reach Akamai."""

    def __init__(self, spec: ToolSpec, client: AkamaiClient, *, customer: str, principal: Principal,
                 session: SessionControl, services: Services, progress: ProgressFn | None = None) -> None:
        self.spec = spec
        self.client = client
        self.customer = customer  # the .edgerc section
        self.principal = principal  # who is calling (the local operator or a token's holder)
        self.session = session  # the calling MCP session (dynamic toolsets)
        self.services = services  # server-wide: the token store, the upload folder
        self._progress = progress
        self.requests = 0

    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   json_body: Any = None, headers: Mapping[str, str] | None = None,
                   data: bytes | None = None, fresh: bool = False) -> AkamaiResponse:
        """Sends one request to Akamai for the call's customer; raises AkamaiError on an error answer, and
        RequestRefused, sending nothing, when the request breaks its operation's definition."""
        await check_outgoing(self.spec, method, path, params=params, headers=headers, json_body=json_body, data=data)
        self.requests += 1
        return await self.client.request(
            self.customer, method, path,
            params={k: wire_value(v) for k, v in (params or {}).items() if v is not None},
            json_body=json_body, headers=headers, data=data, fresh=fresh,
            caller=self.principal.label, progress=self._progress,
        )

    async def get(self, path: str, *, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, fresh: bool = False) -> Any:
        """GETs `path` and returns the decoded answer."""
        return (await self.send("GET", path, params=params, headers=headers, fresh=fresh)).data

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Reports progress to the client, when it asked for progress."""
        if self._progress is not None:
            await self._progress(done, total, message)

    def build(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The request this call's declaration describes, from validated arguments (keywords of `send`)."""
        return build_request(self.spec, args)


def build_request(spec: ToolSpec, args: Mapping[str, Any]) -> dict[str, Any]:
    """The request a declaration describes, from validated arguments (keywords of `ToolCall.send`)."""
    path_values: dict[str, Any] = {}
    params: dict[str, Any] = {}
    headers = dict(spec.headers)
    body: Any = None
    for p in spec.params:
        value = args.get(p.name)
        if value is None:
            continue
        if p.where == "path":
            path_values[p.wire_name] = value
        elif p.where == "query":
            params[p.wire_name] = value
        elif p.where == "header":
            headers[p.wire_name] = str(value)
        elif p.where == "body":
            body = {} if body is None else body
            body[p.wire_name] = value
        elif p.where == "body_root":
            body = value
    if body is None and spec.method == "POST" and any(p.where == "body" for p in spec.params):
        body = {}  # a POST whose optional body fields were all left out still sends its JSON object
    return {"method": spec.method, "path": fill_path(spec.path, path_values), "params": params,
            "headers": headers, "json_body": body}
