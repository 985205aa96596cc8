"""The one MCP server: lists and runs tools for whoever the transport says is calling."""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from pydantic import ValidationError

from alecs import __version__
from alecs.akamai.client import AkamaiClient
from alecs.principal import CURRENT, Principal
from alecs.tools.executor import Executor, Outcome, describe_validation, validate
from alecs.tools.model import CUSTOMER, input_schema
from alecs.tools.registry import Registry, Selection
from alecs.tools.spec import ToolSpec

log = logging.getLogger(__name__)
audit = logging.getLogger("alecs.audit")

INSTRUCTIONS = (
    "Tools for Akamai's control plane. Ids carry prefixes (ctr_, grp_, prp_, atv_, ehn_, cpc_). "
    "Every tool takes an optional 'customer': the .edgerc section (Akamai account) to use, default 'default'. "
    "Lists return items, total and nextCursor: pass cursor (and limit, default 50, at most 500) for the next page."
)


@dataclass
class ServerOptions:
    selection: Selection = field(default_factory=Selection)
    dynamic: bool = False


class AlecsServer:
    """Transport-agnostic: a transport hands `run` a stream pair and the caller's principal."""

    def __init__(self, registry: Registry, client: AkamaiClient, options: ServerOptions | None = None,
                 services: dict[str, Any] | None = None) -> None:
        self.registry = registry
        self.client = client
        self.options = options or ServerOptions()
        self.executor = Executor(client)
        self.services = services or {}
        self.exposed = registry.exposed(self.options.selection, self.options.dynamic)
        self._tools = {s.name: self._tool(s) for s in registry}
        self._session_toolsets: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()
        self.lowlevel: Server[Any] = Server(
            "alecs", version=__version__, title="alecs: Akamai control plane", instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools, on_call_tool=self._call_tool,
        )
        self.init_options = self.lowlevel.create_initialization_options(
            NotificationOptions(tools_changed=self.options.dynamic))

    @staticmethod
    def _tool(spec: ToolSpec) -> types.Tool:
        return types.Tool(
            name=spec.name, title=spec.title, description=spec.description, input_schema=input_schema(spec),
            annotations=types.ToolAnnotations(
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive and not spec.read_only,
                idempotent_hint=spec.is_idempotent, open_world_hint=not spec.local,
            ),
        )

    async def run(self, read_stream: Any, write_stream: Any, principal: Principal) -> None:
        """Serve one MCP session until the read side closes."""
        token = CURRENT.set(principal)
        try:
            await self.lowlevel.run(read_stream, write_stream, self.init_options)
        finally:
            CURRENT.reset(token)

    # -- visibility ------------------------------------------------------------------------------
    def principal(self, ctx: ServerRequestContext[Any]) -> Principal:
        request = ctx.request
        scope = getattr(request, "scope", None)
        if isinstance(scope, dict) and isinstance(scope.get("alecs.principal"), Principal):
            return scope["alecs.principal"]
        return CURRENT.get()

    def session_toolsets(self, ctx: ServerRequestContext[Any]) -> set[str]:
        # The SDK builds a ServerSession per request; its Connection is what lives as long as the client's session.
        key = getattr(ctx.session, "_connection", ctx.session)
        return self._session_toolsets.setdefault(key, set())

    def visible(self, ctx: ServerRequestContext[Any]) -> tuple[ToolSpec, ...]:
        enabled = frozenset(self.session_toolsets(ctx)) if self.options.dynamic else frozenset()
        return self._visible(self.principal(ctx), enabled)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - the server lives as long as the process
    def _visible(self, principal: Principal, enabled: frozenset[str]) -> tuple[ToolSpec, ...]:
        specs = list(self.exposed)
        specs += [s for s in self.registry if s.toolset.name in enabled and s not in specs]
        return tuple(s for s in specs if self.allowed(principal, s))

    def allowed(self, principal: Principal, spec: ToolSpec) -> bool:
        if spec.toolset.admin_only:
            return principal.scope == "admin"
        if principal.scope == "read" and not spec.read_only:
            return False
        if self.options.selection.read_only and not spec.read_only:
            return False
        if principal.toolsets is not None and not spec.local and spec.toolset.name not in principal.toolsets:
            return False
        return True

    # -- handlers --------------------------------------------------------------------------------
    async def _list_tools(self, ctx: ServerRequestContext[Any],
                          params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[self._tools[s.name] for s in self.visible(ctx)])

    async def _call_tool(self, ctx: ServerRequestContext[Any],
                         params: types.CallToolRequestParams) -> types.CallToolResult:
        principal = self.principal(ctx)
        started = time.monotonic()
        outcome, customer = await self._outcome(ctx, principal, params)
        audit.info("tool_call token=%s customer=%s tool=%s outcome=%s duration_ms=%.0f", principal.label,
                   customer, params.name, "error" if outcome.is_error else "ok",
                   (time.monotonic() - started) * 1000)
        return types.CallToolResult(content=[types.TextContent(type="text", text=outcome.text)],
                                    structured_content=outcome.data, is_error=outcome.is_error)

    async def _outcome(self, ctx: ServerRequestContext[Any], principal: Principal,
                       params: types.CallToolRequestParams) -> tuple[Outcome, str]:
        spec = self.registry.get(params.name)
        if spec is None or all(s is not spec for s in self.visible(ctx)):
            why = "does not exist" if spec is None else "is not available in this session"
            return _refusal(f"Tool '{params.name}' {why}. Call tools/list for the tools you can use."), "-"
        try:
            args = validate(spec, params.arguments)
        except ValidationError as exc:
            return _refusal(describe_validation(exc)), "-"
        customer = args.get(CUSTOMER) or "default"
        if not principal.may_use_customer(customer):
            return _refusal(f"This token may not use customer '{customer}'."), customer
        return await self.executor.run(spec, args, progress=self._progress(ctx),
                                       services=self.services | {"session": SessionControl(self, ctx),
                                                                "principal": principal}), customer

    def _progress(self, ctx: ServerRequestContext[Any]) -> Any:
        meta = ctx.meta or {}
        token = meta.get("progressToken", meta.get("progress_token")) if isinstance(meta, dict) else None
        if token is None:
            return None

        async def send(done: float, total: float | None, message: str | None) -> None:
            await ctx.session.send_progress_notification(token, done, total, message)
        return send


class SessionControl:
    """What catalogue tools may change about the calling session."""

    def __init__(self, server: AlecsServer, ctx: ServerRequestContext[Any]) -> None:
        self.server, self.ctx = server, ctx

    @property
    def registry(self) -> Registry:
        return self.server.registry

    def may_see_toolset(self, toolset: str) -> bool:
        principal = self.server.principal(self.ctx)
        return any(self.server.allowed(principal, s) for s in self.registry if s.toolset.name == toolset)

    def enabled(self) -> set[str]:
        return self.server.session_toolsets(self.ctx)

    async def set_enabled(self, toolset: str, on: bool) -> None:
        enabled = self.enabled()
        (enabled.add if on else enabled.discard)(toolset)
        try:
            await self.ctx.session.send_tool_list_changed()
        except Exception:  # the 2026-07-28 era delivers list changes on listen streams only
            log.debug("tools/list_changed not delivered on this connection", exc_info=True)


def _refusal(text: str) -> Outcome:
    return Outcome({"error": {"title": text}}, text, True)
