"""stdio <-> WebSocket relay that survives drops of the WebSocket or the SSH connection.

- One JSON-RPC message per stdin line goes out as one text frame; each frame from the
  server is written to stdout as one line. Nothing else is written to stdout.
- On a new connection the session's ``initialize`` (under a private id, its answer
  swallowed) and ``notifications/initialized`` are replayed before anything else.
- A request in flight when the connection drops is answered with a JSON-RPC error
  naming the cause; it is never re-sent (a tool call may already have had effects).
  The client's own ``initialize`` is the exception: it has no effects and is re-sent.
- Messages sent while disconnected wait up to ``queue_timeout`` seconds.
- Fatal failures (HTTP 401/403, SSH authentication, host key, TLS) are reported once,
  pending requests are answered with the error, and the relay stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .connect import Connector
from .errors import EXIT_OK, TunnelError
from .stdio import open_stdin, open_stdout

log = logging.getLogger("alecs-tunnel")

ERR_CONNECTION_LOST = -32050
ERR_NOT_CONNECTED = -32051
ERR_FATAL = -32052

REPLAY_TIMEOUT = 15.0
DRAIN_TIMEOUT = 3.0
FATAL_LINGER = 2.0
BACKOFF_START = 0.25
BACKOFF_MAX = 10.0
STABLE_AFTER = 10.0  # a connection that lived this long resets the backoff

CLOSE_CAUSES = {
    1001: "the server is shutting down or restarting (1001 going away)",
    1008: "the server closed the connection for a policy violation (1008)",
    1009: "a message was larger than the server accepts (1009 message too big)",
    1011: "the server hit an internal error (1011)",
}


def _key(msg_id: Any) -> str:
    """A JSON-RPC id as a dict key: equal for equal JSON values, distinct otherwise."""
    if type(msg_id) is int:
        return str(msg_id)  # what json.dumps gives
    if type(msg_id) is str:
        return "s" + msg_id  # no JSON text starts with "s"
    return json.dumps(msg_id, sort_keys=True)


@dataclass
class Pending:
    raw: str
    msg: dict[str, Any] | None
    deadline: float

    @property
    def is_request(self) -> bool:
        return self.msg is not None and "method" in self.msg and "id" in self.msg


@dataclass
class RelayOptions:
    queue_timeout: float = 30.0
    backoff_max: float = BACKOFF_MAX
    connect_hook: Callable[[str], None] | None = field(default=None, repr=False)


async def wait_events(*events: asyncio.Event, timeout: float | None = None) -> None:
    """Wait until one of ``events`` is set or ``timeout`` passes.

    Not ``asyncio.wait_for``: on Python 3.11 it can swallow a cancellation that arrives
    just as the inner wait completes, which would leave a task running at shutdown.
    """
    if any(e.is_set() for e in events):
        return
    waiters = {asyncio.ensure_future(e.wait()) for e in events}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class Relay:
    def __init__(self, connector: Connector, write: Callable[[str], None], opts: RelayOptions) -> None:
        self.connector = connector
        self.write = write
        self.opts = opts
        self.outbox: asyncio.Queue[Pending] = asyncio.Queue()
        self.ready = asyncio.Event()
        self.stopping = asyncio.Event()
        self.ws: ClientConnection | None = None  # set while ready
        self.open_ws: ClientConnection | None = None  # set while open
        self.gen = 0
        self.inflight: dict[str, Any] = {}  # key -> original id, for the current connection
        self.init_msg: dict[str, Any] | None = None
        self.init_answered = False
        self.initialized_seen = False
        self.init_resend = False
        self.server_requests: dict[str, int] = {}  # server->client request key -> generation
        self.replay_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.last_cause = "not connected yet"
        self.fatal: TunnelError | None = None

    # ---- client side -------------------------------------------------------------

    def from_client(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            msg = json.loads(text)
        except ValueError:
            msg = None
        if not isinstance(msg, dict):
            msg = None
        item = Pending(text, msg, time.monotonic() + self.opts.queue_timeout)
        if self.fatal is not None:
            self._fail(item, ERR_FATAL, self._fatal_text(), self.fatal.kind)
            return
        if msg is not None and msg.get("method") == "initialize" and "id" in msg:
            self.init_msg = msg
            self.init_answered = False
        self.outbox.put_nowait(item)

    async def sender(self) -> None:
        while True:
            item = await self.outbox.get()
            while True:
                if self.fatal is not None:
                    self._fail(item, ERR_FATAL, self._fatal_text(), self.fatal.kind)
                    break
                if self.ready.is_set() and self.ws is not None:
                    await self._send(item)
                    break
                left = item.deadline - time.monotonic()
                if left <= 0:
                    self._expire(item)
                    break
                await wait_events(self.ready, self.stopping, timeout=left)
                if self.stopping.is_set() and self.fatal is None:
                    return

    async def _send(self, item: Pending) -> None:
        ws, gen, msg = self.ws, self.gen, item.msg
        assert ws is not None
        if msg is not None and "id" in msg and "method" not in msg:
            # A response to a server->client request: only meaningful on the connection that asked.
            origin = self.server_requests.pop(_key(msg["id"]), None)
            if origin is not None and origin != gen:
                log.info("dropping a reply to a server request from a previous connection")
                return
        key = _key(msg["id"]) if item.is_request and msg is not None else None
        if key is not None and msg is not None:
            self.inflight[key] = msg["id"]
        try:
            await ws.send(item.raw)
            if key is not None and msg is not None:
                log.debug("sent %s (id %s) on connection %d", msg.get("method"), key, gen)
            if msg is not None and msg.get("method") == "notifications/initialized":
                self.initialized_seen = True
        except ConnectionClosed as e:
            if key is not None and self.inflight.pop(key, None) is not None:
                self._fail(item, ERR_CONNECTION_LOST, self._lost_text(self._cause(e)), "connection-lost")

    def _expire(self, item: Pending) -> None:
        text = (
            f"alecs-tunnel: not connected to the alecs server ({self.connector.describe()}); "
            f"gave up after waiting {self.opts.queue_timeout:g} s for a reconnect. "
            f"Last error: {self.last_cause}"
        )
        if item.is_request:
            self._fail(item, ERR_NOT_CONNECTED, text, "not-connected")
        else:
            log.warning("dropped a notification sent while disconnected")

    def _fail(self, item: Pending, code: int, text: str, kind: str) -> None:
        if item.is_request and item.msg is not None:
            self._error(item.msg["id"], code, text, kind)

    def _error(self, msg_id: Any, code: int, text: str, kind: str) -> None:
        self.write(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": msg_id,
                    "error": {"code": code, "message": text, "data": {"cause": kind}},
                }
            )
        )

    def _lost_text(self, cause: str) -> str:
        return (
            f"alecs-tunnel: the connection to the alecs server was lost while this request was in flight "
            f"({cause}). It was not re-sent because it may already have taken effect; check, then retry. "
            "The tunnel reconnects by itself."
        )

    def _fatal_text(self) -> str:
        assert self.fatal is not None
        return f"alecs-tunnel cannot connect: {self.fatal.message}"

    # ---- server side -------------------------------------------------------------

    async def reader(self, ws: ClientConnection, gen: int) -> None:
        async for frame in ws:
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            try:
                msg = json.loads(text)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and "id" in msg:
                key = _key(msg["id"])
                if "method" in msg:
                    self.server_requests[key] = gen
                else:
                    waiter = self.replay_waiters.pop(key, None)
                    if waiter is not None:
                        if not waiter.done():
                            waiter.set_result(msg)
                        continue
                    self.inflight.pop(key, None)
                    if self.init_msg is not None and key == _key(self.init_msg.get("id")):
                        self.init_answered = "result" in msg
            self.write(text.replace("\n", " ") if "\n" in text else text)

    # ---- connection management ---------------------------------------------------

    async def manager(self) -> None:
        backoff = BACKOFF_START
        reported: str | None = None
        while not self.stopping.is_set():
            try:
                opened = await self.connector.open()
            except TunnelError as e:
                self.last_cause = str(e)
                if e.fatal:
                    self._go_fatal(e)
                    return
                if reported != str(e):
                    log.warning("cannot connect (%s); retrying with backoff", e)
                    reported = str(e)
                await self._sleep(backoff * (0.8 + 0.4 * random.random()))
                backoff = min(backoff * 2, self.opts.backoff_max)
                continue
            reported = None
            self.gen += 1
            gen, ws = self.gen, opened.ws
            started = time.monotonic()
            log.info(
                "connected to %s%s",
                opened.route,
                f" (token {opened.token_id}, scope {opened.scope})" if opened.scope else "",
            )
            if self.opts.connect_hook:
                self.opts.connect_hook(opened.route)
            self.open_ws = ws
            reader = asyncio.create_task(self.reader(ws, gen))
            cause: str | None = None
            try:
                await self._replay(ws, gen, reader)
                if not reader.done():
                    self.ws = ws
                    self.ready.set()
                stop = asyncio.ensure_future(self.stopping.wait())
                try:
                    await asyncio.wait({reader, stop}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stop.cancel()
            except (ConnectionClosed, TimeoutError) as e:
                cause = (
                    self._cause(e)
                    if isinstance(e, ConnectionClosed)
                    else "the server did not answer the replayed initialize"
                )
            finally:
                self.ready.clear()
                self.ws = None
            if self.stopping.is_set():
                reader.cancel()
                return
            if cause is None:
                exc = reader.exception() if reader.done() and not reader.cancelled() else None
                cause = self._cause(exc if isinstance(exc, ConnectionClosed) else None, ws)
            reader.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
            self.open_ws = None
            self._drop(cause)
            self.last_cause = cause
            if time.monotonic() - started > STABLE_AFTER:
                backoff = BACKOFF_START
            await self._sleep(backoff * (0.8 + 0.4 * random.random()))
            backoff = min(backoff * 2, self.opts.backoff_max)

    async def _replay(self, ws: ClientConnection, gen: int, reader: asyncio.Task[None]) -> None:
        if self.init_msg is None:
            return
        if not self.init_answered:
            if self.init_resend:  # the client's own initialize was lost in flight: re-send it as is
                self.init_resend = False
                self.inflight[_key(self.init_msg["id"])] = self.init_msg["id"]
                await ws.send(json.dumps(self.init_msg))
            return
        rid = f"alecs-tunnel-replay-{gen}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replay_waiters[_key(rid)] = waiter
        await ws.send(json.dumps({**self.init_msg, "id": rid}))
        try:
            await asyncio.wait({waiter, reader}, timeout=REPLAY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.replay_waiters.pop(_key(rid), None)
        if not waiter.done():
            waiter.cancel()
            if reader.done():
                return  # the connection dropped during the replay: the manager handles it
            raise TimeoutError
        answer = waiter.result()
        if "error" in answer:
            log.warning("the server refused the replayed initialize: %s", answer["error"].get("message"))
        else:
            log.info(
                "session re-initialized on the new connection (protocol %s)",
                answer["result"].get("protocolVersion"),
            )
        if self.initialized_seen:
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))

    def _drop(self, cause: str) -> None:
        log.warning("connection lost: %s; reconnecting", cause)
        init_key = _key(self.init_msg["id"]) if self.init_msg else None
        for key, msg_id in list(self.inflight.items()):
            if key == init_key and not self.init_answered:
                self.init_resend = True
                continue
            self._error(msg_id, ERR_CONNECTION_LOST, self._lost_text(cause), "connection-lost")
        self.inflight.clear()
        for waiter in self.replay_waiters.values():
            waiter.cancel()
        self.replay_waiters.clear()

    def _cause(self, e: ConnectionClosed | None, ws: ClientConnection | None = None) -> str:
        if self.connector.ssh_lost():
            assert self.connector.ssh is not None
            return f"the SSH connection was lost ({self.connector.ssh.describe()})"
        rcvd = e.rcvd if e is not None else (ws.protocol.close_rcvd if ws is not None else None)
        if rcvd is not None:
            base = CLOSE_CAUSES.get(rcvd.code, f"the server closed the connection (code {rcvd.code})")
            return base + (f": {rcvd.reason}" if rcvd.reason else "")
        return "the connection dropped without a close frame (server restarted, or the network or SSH failed)"

    def _go_fatal(self, e: TunnelError) -> None:
        self.fatal = e
        log.error("%s", e.message)
        for msg_id in self.inflight.values():
            self._error(msg_id, ERR_FATAL, self._fatal_text(), e.kind)
        self.inflight.clear()
        while not self.outbox.empty():
            self._fail(self.outbox.get_nowait(), ERR_FATAL, self._fatal_text(), e.kind)
        self.stopping.set()

    async def _sleep(self, seconds: float) -> None:
        await wait_events(self.stopping, timeout=seconds)

    async def drain(self) -> None:
        """After stdin closed: send what is queued and wait briefly for in-flight answers."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while (not self.outbox.empty() or self.inflight) and self.fatal is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)


async def run_relay(connector: Connector, opts: RelayOptions, stdin: BinaryIO, stdout: BinaryIO) -> int:
    stdin_closed = asyncio.Event()
    writer = await open_stdout(stdout)
    relay = Relay(connector, writer.write, opts)

    def on_line(line: bytes | None) -> None:
        # Each line goes to the relay as it is read: no task hop. After a fatal error the relay
        # answers requests with the error, until stdin closes or FATAL_LINGER passes.
        if line is None:
            stdin_closed.set()
        elif not stdin_closed.is_set():
            relay.from_client(line)

    stop_reading = await open_stdin(stdin, on_line)
    tasks = [asyncio.create_task(relay.manager()), asyncio.create_task(relay.sender())]
    code = EXIT_OK
    try:
        await wait_events(stdin_closed, relay.stopping)
        if relay.fatal is None:
            await relay.drain()
        if relay.fatal is not None:
            code = relay.fatal.exit_code
            # Claude Desktop's initialize may still be on its way: answer it with the error, then exit.
            await wait_events(stdin_closed, timeout=FATAL_LINGER)
    finally:
        stdin_closed.set()  # stop relaying lines
        relay.stopping.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if relay.open_ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(relay.open_ws.close(), 2)
        await asyncio.to_thread(connector.close)
        stop_reading()
        await writer.aclose()
    return code


def stdio_streams() -> tuple[BinaryIO, BinaryIO]:
    return sys.stdin.buffer, sys.stdout.buffer
