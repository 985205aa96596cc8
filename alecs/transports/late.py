"""A server that is still being built: a remote transport listens (and answers `/healthz`) at once, while the MCP SDK
loads and the server is built on a worker thread; sessions that arrive meanwhile wait for it, so none is ever served
by a server, or a sandbox, that is not ready."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alecs.principal import LOCAL, Principal

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server
    from mcp.server.models import InitializationOptions

    from alecs.transports import SessionRunner


class LateServer:
    """A `SessionRunner` built by `build` on a worker thread, the first time `load` is awaited."""

    def __init__(self, build: Callable[[], SessionRunner]) -> None:
        self._build = build
        self._task: asyncio.Task[SessionRunner] | None = None
        self.server: SessionRunner | None = None

    async def load(self) -> SessionRunner:
        """The built server (building it on the first call; its error, if it failed, on every call)."""
        if self._task is None:
            self._task = asyncio.ensure_future(asyncio.to_thread(self._build))
        self.server = await asyncio.shield(self._task)
        return self.server

    def _ready(self) -> SessionRunner:
        if self.server is None:
            raise RuntimeError("the server is not built yet: await load() first")
        return self.server

    @property
    def lowlevel(self) -> Server[Any]:
        """The SDK server (once built)."""
        return self._ready().lowlevel

    @property
    def init_options(self) -> InitializationOptions:
        """What `initialize` advertises (once built)."""
        return self._ready().init_options

    async def run(self, read_stream: Any, write_stream: Any, principal: Principal = LOCAL) -> None:
        """Serve one session once the server is built (its messages wait in the transport until then)."""
        server = await self.load()
        await server.run(read_stream, write_stream, principal)
