"""The private members of the MCP SDK and uvicorn that alecs relies on, all in this one module.

Written against mcp 2.3.0 and uvicorn 0.54.0 (`SDK_VERSION`, `UVICORN_VERSION`); `tests/test_seams.py` checks each
member below still exists and behaves as used here, and names these versions when one is gone, so an upgrade fails
loudly in CI instead of quietly at run time. Nothing else in alecs touches a private member of either library.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from mcp.server.session import ServerSession
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

SDK_VERSION = "2.3.0"
UVICORN_VERSION = "0.54.0"


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


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, cut off when its writes stay blocked for `write_timeout` seconds.

    Relies on `H11Protocol.pause_writing`/`resume_writing` (asyncio's flow-control callbacks, which uvicorn
    forwards to its `FlowControl`) and on `self.transport` and `self.loop`: a client that stops reading a response
    (an SSE stream, a large result) is disconnected, which ends the request and frees what it held.
    """

    write_timeout: float = 0.0  # set per server by `bounded_h11`; 0: no bound
    stalled: bool = False
    _stall: asyncio.TimerHandle | None = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.write_timeout and self._stall is None:
            self._stall = self.loop.call_later(self.write_timeout, self._cut)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_stall()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_stall()
        super().connection_lost(exc)

    def _cut(self) -> None:
        self._stall, self.stalled = None, True
        log.info("closing an HTTP connection whose client stopped reading (%.0f s without draining)",
                 self.write_timeout)
        self.transport.abort()

    def _cancel_stall(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None


def bounded_h11(write_timeout: float) -> type[BoundedH11Protocol]:
    """The protocol class to give `uvicorn.Config(http=...)`."""
    return type("BoundedH11", (BoundedH11Protocol,), {"write_timeout": write_timeout})
