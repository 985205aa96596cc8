"""The hand-over: the SDK serves the live session, reading first what the front replays.

The SDK's stdio transport (`alecs.transports.stdio.serve_stdio`) gets the wire as its stdin and stdout: it reads the
replay (the answered `initialize` under the front's private id, `notifications/initialized`, every line the front
kept), then the client's lines as they come. Its answer to the replayed `initialize` is not sent (the client has
its answer already) but compared with the front's: a difference means the snapshot was stale, so it is removed and
logged. What the front could not answer is answered again in a fresh session and kept for the next launch.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, cast

import anyio

from alecs.launch.front import REPLAY_ID, Front
from alecs.launch.record import record
from alecs.launch.snapshot import SnapshotStore
from alecs.launch.wire import Inbox, Wire
from alecs.tools import presend
from alecs.transports import SessionRunner
from alecs.transports.stdio import serve_stdio

log = logging.getLogger(__name__)

REPLAY_HEAD = '{"jsonrpc":"2.0","id":' + json.dumps(REPLAY_ID) + ","


class _Stdin:
    """The SDK's stdin: the replay, then the client's lines (ends at the end of input)."""

    def __init__(self, replay: list[bytes], inbox: Inbox, ended: bool) -> None:
        self.replay, self.inbox, self.ended = list(replay), inbox, ended

    def __aiter__(self) -> _Stdin:
        return self

    async def __anext__(self) -> str:
        if self.replay:
            return self.replay.pop(0).decode("utf-8", "replace")
        line = b"" if self.ended else await self.inbox.next_line()
        if not line:
            self.ended = True
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


class _Stdout:
    """The SDK's stdout: each write is one answer line, written to the wire off the event loop, in order."""

    def __init__(self, wire: Wire, front: Front, store: SnapshotStore | None) -> None:
        self.wire, self.front, self.store = wire, front, store
        self._one_at_a_time = anyio.CapacityLimiter(1)

    async def write(self, text: str) -> int:
        if text.startswith(REPLAY_HEAD):
            self._check(text)
            return len(text)
        await anyio.to_thread.run_sync(self.wire.write, text.encode("utf-8"), limiter=self._one_at_a_time)
        return len(text)

    async def flush(self) -> None:
        return None  # every write flushes

    def _check(self, text: str) -> None:
        client = '{"jsonrpc":"2.0","id":' + json.dumps(self.front.client_id, ensure_ascii=False) + ","
        expected = (self.front.initialize_answer or b"").decode("utf-8", "surrogatepass")
        if client + text[len(REPLAY_HEAD):] == expected:
            return
        log.warning("the start-up snapshot's initialize answer differed from the server's; it was removed "
                    "(the next launch answers after loading and keeps a new one)")
        if self.store is not None:
            self.store.discard()


async def serve(server: SessionRunner, front: Front, inbox: Inbox, wire: Wire, store: SnapshotStore | None,
                ended: bool) -> None:
    """Serve the rest of the session with the SDK, after keeping answers for what the front missed.

    Recording comes first: a client that lists the tools and stops the server at once (a health check such as
    `claude mcp list`) would otherwise never leave a snapshot behind. It costs the live session little: the
    recording builds the very schemas the live answers need, and the client's lines wait in the inbox meanwhile.
    """
    inbox.attach(asyncio.get_running_loop())
    if store is not None and front.missed:
        await record(server, front.missed, store)
    if "tools/list" in front.answered:  # as after the server's own first listing (`AlecsServer._list_tools`)
        presend.warm_soon()
    stdin, stdout = _Stdin(front.replay(), inbox, ended), _Stdout(wire, front, store)
    await serve_stdio(server, stdin=cast(Any, stdin), stdout=cast(Any, stdout))
