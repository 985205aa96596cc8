"""The private members of the MCP SDK, uvicorn and websockets that alecs relies on, all in this one module.

Written against mcp 2.3.0, uvicorn 0.54.0 and websockets 17.4 (`SDK_VERSION`, `UVICORN_VERSION`,
`WEBSOCKETS_VERSION`); `tests/test_seams.py` checks each member used here still exists and behaves as used, and names
these versions when one is gone, so an upgrade fails loudly in CI instead of quietly at run time. Nothing else in
alecs touches a private member of these libraries, but `alecs.stall.StallWatch` (the asyncio flow-control members
of uvicorn's and websockets' protocols), kept apart so that the WebSocket transport can listen before the SDK loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import h11
import uvicorn
from mcp.server.auth.middleware.bearer_auth import AuthorizationContext
from mcp.server.lowlevel import Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.server.streamable_http import StreamableHTTPServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from uvicorn.protocols.http.h11_impl import H11Protocol

from alecs import metrics
from alecs.stall import StallWatch

log = logging.getLogger(__name__)

SDK_VERSION = "2.3.0"
UVICORN_VERSION = "0.54.0"
WEBSOCKETS_VERSION = "17.4"


def connection_of(session: ServerSession) -> object:
    """The object that lives as long as the client's MCP session.

    The SDK builds a new `ServerSession` for every request; the per-client `Connection` it wraps
    (`ServerSession._connection`) is the one stable key for per-session state such as enabled toolsets.
    """
    return session._connection


class UvicornServer(uvicorn.Server):
    """uvicorn without its own signal handling: `alecs serve` owns SIGTERM, SIGINT and SIGHUP.

    `uvicorn.Server.serve` wraps the server in `capture_signals()`, which replaces the process's handlers while it
    runs (and re-raises captured signals afterwards); here it does nothing.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PendingConnections:
    """HTTP connections waiting for a request's headers (new, trickling, or idle between requests), oldest first.

    None of them is authenticated yet, so none may hold what authenticated users need: each gets `header_timeout`
    seconds to deliver its headers, and when more than `limit` wait at once the oldest is closed to make room, so a
    flood of unfinished requests cannot keep a real client from being read.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.waiting: dict[BoundedH11Protocol, None] = {}  # insertion-ordered

    def add(self, protocol: BoundedH11Protocol) -> None:
        if protocol in self.waiting:
            return
        self.waiting[protocol] = None
        while self.limit and len(self.waiting) > self.limit:
            oldest = next(iter(self.waiting))
            del self.waiting[oldest]
            oldest.evicted = True
            metrics.transport_refusal("http", "pending_evicted")
            oldest.transport.abort()

    def discard(self, protocol: BoundedH11Protocol) -> None:
        self.waiting.pop(protocol, None)


class BoundedH11Protocol(StallWatch, H11Protocol):
    """uvicorn's HTTP/1.1 protocol with the bounds alecs needs against clients that hold connections.

    - request headers must arrive within `header_timeout` seconds of the connection opening (or, on a kept-alive
      connection, of the next request's first byte), however slowly they trickle;
    - connections waiting for headers are counted in `pending` (`PendingConnections`), apart from authenticated work;
    - a connection whose writes stay blocked for `write_timeout` seconds (its client stopped reading a response) is
      cut, which ends the request and frees what it held (`StallWatch`).

    Relies on uvicorn's `H11Protocol` members `conn` (the h11 connection: `their_state` IDLE means waiting for a
    request), `transport`, `loop`, `connection_made`, `data_received`, `on_response_complete` and `connection_lost`.
    """

    header_timeout: float = 0.0  # set per server by `bounded_h11`, with `write_timeout`; 0: no bound
    transport_name = "http"
    pending: PendingConnections | None = None
    evicted = False
    _headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()
        self._track()

    def data_received(self, data: bytes) -> None:
        if self._headers_due is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None
        if self.pending is not None:
            self.pending.discard(self)
        super().connection_lost(exc)

    def _track(self) -> None:
        """Waiting for headers or not: keeps the pending set and the header timer in step with h11's state."""
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:
            if self.pending is not None:
                self.pending.add(self)
            return
        if self.pending is not None:
            self.pending.discard(self)
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None

    def _arm_header_timer(self) -> None:
        if self.header_timeout:
            self._headers_due = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        self._headers_due = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.debug("closing an HTTP connection that sent no complete request headers in %.0f s",
                      self.header_timeout)
            metrics.transport_refusal("http", "header_timeout")
            self.transport.abort()


def bounded_h11(*, write_timeout: float, header_timeout: float,
                pending: PendingConnections | None) -> type[BoundedH11Protocol]:
    """The protocol class to give `uvicorn.Config(http=...)`, bound to one server's limits."""
    return type("BoundedH11", (BoundedH11Protocol,), {
        "write_timeout": write_timeout, "header_timeout": header_timeout, "pending": pending})


class SessionManager(StreamableHTTPSessionManager):
    """The SDK's Streamable HTTP session manager, telling its owner when an MCP session opens and when it ends.

    Relies on `StreamableHTTPSessionManager._admit_session` (called once per new session, under the manager's
    creation lock, in the task of the request that opens it), `_discard_session` (called however a session ends:
    DELETE, idle timeout, crash, or an opening request that failed; possibly more than once; `on_closed` must
    therefore be idempotent) and `_server_instances` (the open sessions' transports, by session id).
    """

    def __init__(self, app: Server[Any], *, on_opened: Callable[[str], None], on_closed: Callable[[str], None],
                 **options: Any) -> None:
        super().__init__(app, **options)
        self.on_opened, self.on_closed = on_opened, on_closed

    def _admit_session(self, requestor: AuthorizationContext | None) -> StreamableHTTPServerTransport | None:
        transport = super()._admit_session(requestor)
        if transport is not None and transport.mcp_session_id is not None:
            self.on_opened(transport.mcp_session_id)
        return transport

    async def _discard_session(self, session_id: str, transport: StreamableHTTPServerTransport) -> None:
        try:
            await super()._discard_session(session_id, transport)
        finally:
            self.on_closed(session_id)

    async def end(self, session_id: str) -> None:
        """Ends an open session as the SDK ends an expired one (`_server_instances` holds the open ones)."""
        transport = self._server_instances.get(session_id)
        if transport is not None:
            await self._discard_session(session_id, transport)


def advertise(server: Server[Any], options: InitializationOptions) -> None:
    """Make `options` what the SDK answers `initialize` with where a transport cannot pass any.

    The Streamable HTTP session manager drives each session with `serve_loop(...)` and no initialization options,
    and the SDK's `ServerRunner` then falls back to `server.create_initialization_options()`, which knows none of the
    server's notification options (it would advertise `listChanged: false` in dynamic-toolsets mode while sending
    `notifications/tools/list_changed`). Called without arguments, the method now returns the server's own options.
    """
    original = server.create_initialization_options

    def create_initialization_options(*args: Any, **kwargs: Any) -> InitializationOptions:
        return original(*args, **kwargs) if args or kwargs else options
    setattr(server, "create_initialization_options", create_initialization_options)  # noqa: B010 - an instance
