"""The server under test in process, wired to the sandbox, and the MCP SDK's own client as its peer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client

from alecs.akamai.client import AkamaiClient
from alecs.edgerc import Edgerc
from alecs.principal import CURRENT, Principal
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer, ServerOptions
from alecs.services import Services
from alecs.tools.registry import Registry, Selection


def make_server(sandbox: Sandbox, registry: Registry, selection: Selection | None = None,
                dynamic: bool = False, services: Services | Mapping[str, Any] | None = None) -> AlecsServer:
    """A server on the sandbox (every toolset unless `selection` says otherwise). `services` is a `Services`, or
    a mapping of its field names (`{"tokens": store}`), which is checked like the dataclass's keywords."""
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(sandbox.credentials())
    client = AkamaiClient(edgerc, cache_ttl=0)
    sel = selection or registry.selection_from("all", None, False)
    given = services if isinstance(services, Services) else Services(**(services or {}))
    return AlecsServer(registry, client, ServerOptions(sel, dynamic), given)


@asynccontextmanager
async def connect(server: AlecsServer, *, mode: str = "legacy", **kw: Any) -> AsyncIterator[Client]:
    """The SDK's client, in process, over the handshake (2025-11-25) flow; `mode="auto"` for the 2026-07-28 era
    (no handshake, each request carries the protocol version and the client's capabilities)."""
    async with Client(server.lowlevel, mode=mode, **kw) as client:
        yield client


@asynccontextmanager
async def connect_as(server: AlecsServer, principal: Principal, **kw: Any) -> AsyncIterator[Client]:
    """`connect` for a session of `principal` (a token holder's rights: networks, confirmation policy, ...)."""
    token = CURRENT.set(principal)
    try:
        async with connect(server, **kw) as client:
            yield client
    finally:
        CURRENT.reset(token)
