"""`StallWatch`: cutting connections whose client stopped reading (one of the seams, see `alecs.seams`).

Relies on the asyncio protocol members of uvicorn's `H11Protocol` and websockets' `ServerConnection` (`loop`,
`transport`, `pause_writing`/`resume_writing`, `connection_lost`). Kept out of `alecs.seams`, which imports the MCP
SDK, so the WebSocket transport can listen before the SDK has loaded (`alecs.transports.late`).
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("alecs.seams")


class StallWatch:
    """Cuts a connection whose writes stay blocked for `write_timeout` seconds: its client stopped reading.

    A mixin for asyncio protocols that keep `self.loop` and `self.transport` and forward asyncio's flow-control
    callbacks (`pause_writing`/`resume_writing`) to their base: uvicorn's `H11Protocol` and websockets'
    `ServerConnection`. Aborting the transport ends whatever waits to be written (answers, pings, a close frame), so
    the connection's work is cancelled and its memory freed at once.
    """

    write_timeout: float = 0.0  # 0: no bound
    transport_name: str = "-"  # the metrics' `transport` label
    stalled: bool = False
    _stall: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self.write_timeout and self._stall is None:
            self._stall = self.loop.call_later(self.write_timeout, self._cut)

    def resume_writing(self) -> None:
        super().resume_writing()  # type: ignore[misc]
        self._stop_watching()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)  # type: ignore[misc]

    def _stop_watching(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _cut(self) -> None:
        self._stall, self.stalled = None, True
        log.info("closing a connection whose client stopped reading (%.0f s without draining)", self.write_timeout)
        from alecs import metrics  # not at start-up: the WebSocket transport listens before the rest loads

        metrics.transport_refusal(self.transport_name, "write_stalled")
        self.transport.abort()
