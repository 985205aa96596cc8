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

from alecs import __version__, metrics
from alecs.akamai.client import AkamaiClient
from alecs.asking import Asker, SpentAnswers, boundary, input_required
from alecs.caller import principal_of
from alecs.instructions import instructions
from alecs.principal import CURRENT, LOCAL, Principal
from alecs.seams import connection_of
from alecs.services import Services
from alecs.tools import presend
from alecs.tools.call import ProgressFn
from alecs.tools.executor import Executor, Outcome, describe_validation, internal_error, validate
from alecs.tools.model import CUSTOMER, tool_entry
from alecs.tools.question import Answer, InputNeeded, Question
from alecs.tools.registry import Registry, Selection
from alecs.tools.spec import Toolset, ToolSpec

log = logging.getLogger(__name__)
audit = logging.getLogger("alecs.audit")

@dataclass
class ServerOptions:
    """What the operator chose: the selection of tools and whether sessions start with dynamic toolsets."""

    selection: Selection = field(default_factory=Selection)
    dynamic: bool = False


class AlecsServer:
    """Transport-agnostic: a transport hands `run` a stream pair and the caller's principal."""

    def __init__(self, registry: Registry, client: AkamaiClient, options: ServerOptions | None = None,
                 services: Services | None = None) -> None:
        self.registry = registry
        self.client = client
        self.options = options or ServerOptions()
        self.services = services or Services()
        self.executor = Executor(client, self.services)
        sel, dynamic, store = self.options.selection, self.options.dynamic, self.services.tokens is not None
        self.starting = tuple(registry.starting(sel, dynamic, store))  # what every session lists at first
        self.offered = tuple(registry.offered(sel, dynamic=dynamic, token_store=store))  # all it may ever list
        # Tool entries (schemas, argument models) are built on first use per tool and cached (`tool_entry`), never
        # for tools nobody is shown.
        self._session_toolsets: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()
        self.instructions = instructions({s.name for s in self.offered}, dynamic)
        self.lowlevel: Server[Any] = Server(
            "alecs", version=__version__, title="alecs: Akamai control plane", instructions=self.instructions,
            on_list_tools=self._list_tools, on_call_tool=self._call_tool,
        )
        self.lowlevel.middleware.append(boundary("alecs"))  # seals the state of confirmation questions (2026-07-28)
        self.answers = SpentAnswers()
        self.init_options = self.lowlevel.create_initialization_options(
            NotificationOptions(tools_changed=self.options.dynamic))

    def prepare(self) -> None:
        """Build now every tools/list entry (and argument model) this server may show: a long-lived server does this
        before serving, so the first listing is fast and nothing this large is built after `gc.freeze()`. Over stdio
        entries are built on first use instead (the start-up snapshot answers the first listing)."""
        for spec in self.offered:
            tool_entry(spec)
            if spec.any_operation:
                tool_entry(spec, reads_only=True)

    async def run(self, read_stream: Any, write_stream: Any, principal: Principal = LOCAL) -> None:
        """Serve one MCP session until the read side closes.

        `principal` is the caller of messages that carry none of their own: stdio's local operator. Remote
        transports put the caller on every message's request context (`alecs.caller`), which is what counts for them.
        """
        token = CURRENT.set(principal)
        try:
            await self.lowlevel.run(read_stream, write_stream, self.init_options)
        finally:
            CURRENT.reset(token)

    # -- visibility ------------------------------------------------------------------------------
    def principal(self, ctx: ServerRequestContext[Any]) -> Principal:
        """Who is calling: the caller on the request context (remote), else the session's `run` principal (stdio).

        A remote request without an authenticated caller raises `UnauthenticatedRequest` instead of falling back.
        """
        caller = principal_of(ctx.request)
        return CURRENT.get() if caller is None else caller

    def session_toolsets(self, ctx: ServerRequestContext[Any]) -> set[str]:
        """The toolsets the calling session enabled (dynamic mode), kept as long as its connection lives."""
        return self._session_toolsets.setdefault(connection_of(ctx.session), set())

    def visible(self, ctx: ServerRequestContext[Any]) -> tuple[ToolSpec, ...]:
        """The tools the calling session lists and may call."""
        enabled = frozenset(self.session_toolsets(ctx)) if self.options.dynamic else frozenset()
        return self._visible(self.principal(ctx), enabled)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - the server lives as long as the process
    def _visible(self, principal: Principal, enabled: frozenset[str]) -> tuple[ToolSpec, ...]:
        specs = [s for s in self.starting if self.allowed(principal, s)]
        enableable = self.enableable(principal)
        specs += [s for name, tools in enableable.items() for s in tools
                  if (name in enabled or f"{name}/{s.name}" in enabled) and s not in specs]
        return tuple(specs)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - the server lives as long as the process
    def enableable(self, principal: Principal) -> dict[str, tuple[ToolSpec, ...]]:
        """Dynamic mode: toolset name -> the tools enabling it adds for `principal` (toolsets it may not use, the
        dynamic-toolsets controls and the admin-only token tools, which need no enabling, are left out)."""
        out: dict[str, list[ToolSpec]] = {}
        for spec in self.offered:
            if not (spec.toolset.dynamic_only or spec.toolset.admin_only) and self.allowed(principal, spec):
                out.setdefault(spec.toolset.name, []).append(spec)
        return {name: tuple(tools) for name, tools in out.items()}

    def allowed(self, principal: Principal, spec: ToolSpec) -> bool:
        """Whether `principal` may see and call `spec` at all (scope, read-only mode, the token's toolsets)."""
        if spec.toolset.admin_only:
            return principal.scope == "admin"
        reads = spec.read_only or spec.any_operation  # any_operation: the tool refuses changes per call
        if principal.scope == "read" and not reads:
            return False
        if self.options.selection.read_only and not reads:
            return False
        if (principal.toolsets is not None and not (spec.toolset.admin_only or spec.toolset.dynamic_only)
                and spec.toolset.name not in principal.toolsets):
            return False  # a token's toolsets bound every toolset but the token tools and the dynamic controls
        return True

    def reads_only(self, principal: Principal) -> bool:
        """Whether `principal` may only read: a read token, or the server runs `--read-only`."""
        return principal.scope == "read" or self.options.selection.read_only

    # -- handlers --------------------------------------------------------------------------------
    async def _list_tools(self, ctx: ServerRequestContext[Any],
                          params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        # For read callers (read tokens, --read-only) a tool that chooses its operation per call can only read.
        reads = self.reads_only(self.principal(ctx))
        presend.warm_soon()  # the request checker loads in a thread once this first answer is out
        return types.ListToolsResult(tools=[tool_entry(s, reads and s.any_operation) for s in self.visible(ctx)])

    async def _call_tool(self, ctx: ServerRequestContext[Any],
                         params: types.CallToolRequestParams) -> types.CallToolResult | types.InputRequiredResult:
        principal = self.principal(ctx)
        started = time.monotonic()
        status, customer = "cancelled", "-"  # what the audit line says if the call is cancelled
        try:
            try:
                outcome, customer = await self._outcome(ctx, principal, params)
            except InputNeeded as needed:  # 2026-07-28: the client asks the person and calls again with the answer
                status = "input_required"
                return input_required(needed.question)
            except Exception:
                outcome = internal_error(params.name)
            status = "error" if outcome.is_error else "ok"
        finally:
            seconds = time.monotonic() - started
            audit.info("tool_call token=%s customer=%s tool=%s outcome=%s duration_ms=%.0f", principal.label,
                       customer, params.name, status, seconds * 1000)
            metrics.tool_call(params.name if params.name in self.registry.specs else "unknown", status, seconds)
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
        session = ServerSessionControl(self, ctx, principal, Asker(ctx, params, self.answers))
        return await self.executor.run(spec, args, principal=principal, session=session,
                                       progress=self._progress(ctx)), customer

    @staticmethod
    def _progress(ctx: ServerRequestContext[Any]) -> ProgressFn | None:
        meta = ctx.meta or {}
        token = meta.get("progressToken", meta.get("progress_token")) if isinstance(meta, dict) else None
        if not isinstance(token, str | int) or isinstance(token, bool):
            return None
        progress_token: str | int = token

        async def send(done: float, total: float | None, message: str | None) -> None:
            await ctx.session.send_progress_notification(progress_token, done, total, message)
        return send


class ServerSessionControl:
    """The calling session as tools see it (`alecs.tools.call.SessionControl`): dynamic toolsets, and the person
    behind the client for confirmations (`alecs.asking`)."""

    def __init__(self, server: AlecsServer, ctx: ServerRequestContext[Any], principal: Principal,
                 asker: Asker) -> None:
        self.server, self.ctx, self.principal, self.asker = server, ctx, principal, asker

    @property
    def can_ask(self) -> bool:
        """Whether the client can put a question to the person (MCP form elicitation)."""
        return self.asker.can_ask

    async def ask(self, question: Question) -> Answer:
        """The person's answer (2026-07-28: InputNeeded until the call comes back with it)."""
        return await self.asker.ask(question)

    def toolsets(self) -> list[Toolset]:
        """The toolsets this session may enable, in catalogue order."""
        names = self.server.enableable(self.principal)
        return [t for t in self.server.registry.toolsets() if t.name in names]

    @property
    def read_only(self) -> bool:
        """Whether this caller may only read (read token or `--read-only`): tools that choose their operation per
        call refuse every operation that changes something."""
        return self.server.reads_only(self.principal)

    def restrictable_toolsets(self) -> frozenset[str]:
        """The toolsets a token can be restricted to (the registry's products)."""
        return self.server.registry.restrictable_toolsets()

    def tools_of(self, toolset: str) -> tuple[ToolSpec, ...]:
        """The tools enabling `toolset` adds for this caller (none for a toolset it may not enable)."""
        return self.server.enableable(self.principal).get(toolset, ())

    def enabled(self) -> frozenset[str]:
        """What this session enabled: toolset names, and "toolset/tool" for single tools of a toolset."""
        return frozenset(self.server.session_toolsets(self.ctx))

    async def set_enabled(self, toolset: str, on: bool, tools: tuple[str, ...] = ()) -> None:
        """Enable a toolset, or only `tools` of it, or disable it (and its single tools), for this session; tell
        the client its tool list changed."""
        enabled = self.server.session_toolsets(self.ctx)
        if on:
            enabled.update([f"{toolset}/{t}" for t in tools] if tools else [toolset])
        else:
            enabled.difference_update({e for e in enabled if e == toolset or e.startswith(f"{toolset}/")})
        try:
            await self.ctx.session.send_tool_list_changed()
        except Exception:  # the 2026-07-28 era delivers list changes on listen streams only
            log.debug("tools/list_changed not delivered on this connection", exc_info=True)


def _refusal(text: str) -> Outcome:
    return Outcome({"error": {"title": text}}, text, True)
