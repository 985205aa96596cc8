"""MCP sessions of different token holders against one server whose Akamai client the test builds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from mcp import Client

from alecs.akamai.client import AkamaiClient
from alecs.edgerc import Edgerc
from alecs.principal import CURRENT, Principal, Scope
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer, ServerOptions
from alecs.tools.registry import Registry
from tests.support.mcp import connect


def server_with(sandbox: Sandbox, registry: Registry, *, host: str | None = None, **client: Any) -> AlecsServer:
    """Every tool, on an AkamaiClient built with `client` options, reaching the sandbox (through `host` if given)."""
    edgerc = Edgerc(None, use_env=False)
    creds = sandbox.credentials()
    edgerc.add(replace(creds, host=host) if host else creds)
    akamai = AkamaiClient(edgerc, cache_ttl=0, **client)
    return AlecsServer(registry, akamai, ServerOptions(registry.selection_from("all", None, False), False))


@asynccontextmanager
async def session_of(server: AlecsServer, token_id: str, scope: Scope = "read") -> AsyncIterator[Client]:
    """The SDK's client in a session of token `token_id` (the principal the server sees for its calls)."""
    token = CURRENT.set(Principal(token_id=token_id, scope=scope))
    try:
        async with connect(server) as client:
            yield client
    finally:
        CURRENT.reset(token)
