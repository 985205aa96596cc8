"""Transports hand the server a stream pair and put the caller on every message; they know nothing of tools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from alecs.principal import Principal

if TYPE_CHECKING:  # the SDK loads after a remote transport listens (alecs.transports.late)
    from mcp.server.lowlevel import Server
    from mcp.server.models import InitializationOptions


class SessionRunner(Protocol):
    """The MCP server as every transport sees it (`alecs.server.AlecsServer`).

    Transports that own the message streams (stdio, WebSocket) call `run` once per session; Streamable HTTP lets the
    SDK's session manager drive `lowlevel`, which must then advertise the same `init_options`.
    """

    @property
    def lowlevel(self) -> Server[Any]: ...

    @property
    def init_options(self) -> InitializationOptions: ...

    async def run(self, read_stream: Any, write_stream: Any, principal: Principal) -> None: ...
