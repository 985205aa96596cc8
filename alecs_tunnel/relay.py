"""stdio <-> WebSocket relay that survives drops of the WebSocket or the SSH connection.

- One JSON-RPC message per stdin line goes out as one text frame; each frame from the
  server is written to stdout as one line. Nothing else is written to stdout.
- What a new connection replays first (the session's ``initialize``, ``notifications/initialized``
  and enabled toolsets), which requests a drop answers with an error, and when the client is told
  ``notifications/tools/list_changed`` is ``session.Session``'s bookkeeping; this module does the I/O.
- Messages sent while disconnected wait up to ``queue_timeout`` seconds.
- Fatal failures (HTTP 401/403, SSH authentication, host key, TLS) are reported once,
  pending requests are answered with the error, and the relay stops.
- A server that refuses with HTTP 429 is asked again no sooner than its ``Retry-After``; a message
  that cannot be sent before its wait ends is answered at once with the server's reason, and if
  stdin closes while the server still refuses, the exit code says so (7).

Concurrency: three models remain, each because a library or the OS leaves no other way.

1. The asyncio event loop (a selector loop on every platform) runs the relay, the WebSocket
   client, the SSH channel (``chan_transport``: the loop watches the channel's pipe) and stdin/stdout
   when they are pipes or sockets.
2. The loop's thread pool runs what blocks: paramiko's connect and channel open, and large channel
   writes. The first SSH connect is submitted to it before the loop starts, so it overlaps importing
   websockets (``SshConnection.connect_on``).
3. Threads for stdin and stdout where the loop cannot watch them: a terminal or a file (epoll refuses
   them) and every stdio on Windows (its selector loop takes sockets only). A blocked read cannot be
   cancelled, so the stdin reader is a daemon thread, not a pool worker (the pool is joined at exit).

paramiko also runs one thread per SSH connection (its transport); that is paramiko's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .connect import Connector, Opened
from .diagnosis import seconds
from .errors import EXIT_OK, EXIT_RATE_LIMITED, Kind, TunnelError
from .session import (
    ERR_CONNECTION_LOST,
    ERR_FATAL,
    ERR_NOT_CONNECTED,
    ERR_RATE_LIMITED,
    Message,
    Session,
    error_line,
    key,
)
from .stdio import open_stdin, open_stdout

log = logging.getLogger("alecs-tunnel")

REPLAY_TIMEOUT = 15.0
DRAIN_TIMEOUT = 3.0
FATAL_LINGER = 2.0
BACKOFF_START = 0.25
BACKOFF_MAX = 10.0
STABLE_AFTER = 10.0  # a connection that lived this long resets the backoff
RETRY_AFTER_MAX = 900.0  # the longest a server's Retry-After makes us wait

CLOSE_CAUSES = {
    1001: "the server is shutting down or restarting (1001 going away)",
    1008: "the server closed the connection for a policy violation (1008)",
    1009: "a message was larger than the server accepts (1009 message too big)",
    1011: "the server hit an internal error (1011)",
}


@dataclass(slots=True)
class Queued:
    """A client message waiting for a connection, until ``deadline`` (monotonic seconds)."""

    message: Message
    deadline: float


@dataclass(slots=True)
class Refusal:
    """The server refuses new connections (HTTP 429); the next attempt is at ``until`` (monotonic seconds)."""

    error: TunnelError
    until: float


@dataclass
class RelayOptions:
    """How long messages wait for a connection, how far reconnect attempts back off, a test hook."""

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


def _jitter(seconds: float) -> float:
    return seconds * (0.8 + 0.4 * random.random())


class Relay:
    """Moves the client's lines to the current connection and the server's frames to the client."""

    def __init__(self, connector: Connector, write: Callable[[str], None], opts: RelayOptions) -> None:
        self.connector = connector
        self.write = write
        self.opts = opts
        self.session = Session()
        self.outbox: asyncio.Queue[Queued] = asyncio.Queue()
        self.ready = asyncio.Event()  # ws carries the client's messages (the replay is done)
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()  # the sender reconsiders what it waits for
        self.ws: ClientConnection | None = None  # the open connection
        self.last_cause = "not connected yet"
        self.fatal: TunnelError | None = None
        self.refusal: Refusal | None = None  # while the server answers 429

    # ---- client side -------------------------------------------------------------

    def from_client(self, line: bytes) -> None:
        """One line from stdin: queue it for the server (or answer it at once after a fatal error)."""
        text = line.decode("utf-8", "replace").strip()
        if not text:
            return
        message = self.session.from_client(text)
        if self.fatal is not None:
            self._answer(message, ERR_FATAL, self._fatal_text(), str(self.fatal.kind))
            return
        self.outbox.put_nowait(Queued(message, time.monotonic() + self.opts.queue_timeout))

    async def sender(self) -> None:
        """Send queued messages in order, each as soon as a connection is ready or until it expires."""
        while True:
            item = await self.outbox.get()
            while True:
                if self.fatal is not None:
                    self._answer(item.message, ERR_FATAL, self._fatal_text(), str(self.fatal.kind))
                    break
                if self.ready.is_set() and self.ws is not None:
                    await self._send(self.ws, item.message)
                    break
                left = item.deadline - time.monotonic()
                if left <= 0:
                    self._expire(item.message)
                    break
                if self.refusal is not None and self.refusal.until >= item.deadline:
                    self._refused(item.message, self.refusal)
                    break
                self.wake.clear()
                await wait_events(self.ready, self.stopping, self.wake, timeout=left)
                if self.stopping.is_set() and self.fatal is None:
                    return

    async def _send(self, ws: ClientConnection, message: Message) -> None:
        if not self.session.sending(message):
            return
        try:
            await ws.send(message.raw)
        except ConnectionClosed as e:
            if self.session.not_sent(message):
                self._answer(message, ERR_CONNECTION_LOST, self._lost_text(self._cause(e)), "connection-lost")
            return
        if message.is_request and log.isEnabledFor(logging.DEBUG):
            log.debug("sent %s (id %s) on connection %d", message.method, key(message.id), self.session.connection)

    def _expire(self, message: Message) -> None:
        if not message.is_request:
            log.warning("dropped a notification sent while disconnected")
            return
        text = (
            f"alecs-tunnel: not connected to the alecs server ({self.connector.describe()}); "
            f"gave up after waiting {self.opts.queue_timeout:g} s for a reconnect. "
            f"Last error: {self.last_cause}"
        )
        self._answer(message, ERR_NOT_CONNECTED, text, "not-connected")

    def _refused(self, message: Message, refusal: Refusal) -> None:
        if not message.is_request:
            log.warning("dropped a notification: the server refuses connections for now")
            return
        text = (
            f"alecs-tunnel: not connected to the alecs server ({self.connector.describe()}): "
            f"{refusal.error.message} alecs-tunnel tries again in {seconds(refusal.until - time.monotonic())}; "
            "this request was not sent."
        )
        self._answer(message, ERR_RATE_LIMITED, text, str(Kind.HTTP_429))

    def _answer(self, message: Message, code: int, text: str, cause: str) -> None:
        if message.is_request:
            self.write(error_line(message.id, code, text, cause))

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

    async def reader(self, ws: ClientConnection, replayed: asyncio.Event) -> None:
        """Pass the server's frames to the client, and send the replay's next steps."""
        async for frame in ws:
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            received = self.session.from_server(text)
            for line in received.to_client:
                self.write(line)
            for out in received.to_server:
                await ws.send(out)
            if received.replay_done:
                replayed.set()

    # ---- connection management ---------------------------------------------------

    async def manager(self) -> None:
        """Connect, serve the connection until it drops, back off, reconnect; until stopped or fatal."""
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
                wait = max(_jitter(backoff), min(e.retry_after or 0.0, RETRY_AFTER_MAX))
                if e.kind is Kind.HTTP_429:
                    self.refusal = Refusal(e, time.monotonic() + wait)
                    self.wake.set()
                if reported != str(e):
                    log.warning("cannot connect (%s); retrying in %s", e, seconds(wait))
                    reported = str(e)
                await self._sleep(wait)
                backoff = min(backoff * 2, self.opts.backoff_max)
                continue
            reported = None
            self.refusal = None
            started = time.monotonic()
            cause = await self._serve(opened)
            if cause is None:
                return
            self._lost(cause)
            if time.monotonic() - started > STABLE_AFTER:
                backoff = BACKOFF_START
            await self._sleep(_jitter(backoff))
            backoff = min(backoff * 2, self.opts.backoff_max)

    async def _serve(self, opened: Opened) -> str | None:
        """Replay the session, then relay until the connection drops (its cause) or the relay stops (None)."""
        ws = self.ws = opened.ws
        scope = f" (token {opened.token_id}, scope {opened.scope})" if opened.scope else ""
        log.info("connected to %s%s", opened.route, scope)
        if self.opts.connect_hook:
            self.opts.connect_hook(opened.route)
        replayed = asyncio.Event()
        reader = asyncio.create_task(self.reader(ws, replayed))
        ended = asyncio.Event()
        reader.add_done_callback(lambda _: ended.set())
        cause: str | None = None
        try:
            for frame in self.session.connected():
                await ws.send(frame)
            if self.session.replaying:
                await wait_events(replayed, ended, timeout=REPLAY_TIMEOUT)
                if not (replayed.is_set() or ended.is_set()):
                    cause = f"the server did not answer the replayed session set-up within {REPLAY_TIMEOUT:g} s"
            if cause is None:
                if not ended.is_set():
                    self.ready.set()
                await wait_events(ended, self.stopping)
        except ConnectionClosed as e:
            cause = self._cause(e)
        finally:
            self.ready.clear()
        if self.stopping.is_set():
            reader.cancel()
            return None  # run_relay closes the connection
        if cause is None:
            exc = reader.exception() if reader.done() and not reader.cancelled() else None
            cause = self._cause(exc if isinstance(exc, ConnectionClosed) else None, ws)
        reader.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 2)
        self.ws = None
        return cause

    def _lost(self, cause: str) -> None:
        log.warning("connection lost: %s; reconnecting", cause)
        for msg_id in self.session.lost():
            self.write(error_line(msg_id, ERR_CONNECTION_LOST, self._lost_text(cause), "connection-lost"))
        self.last_cause = cause

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
        for msg_id in self.session.abandon():
            self.write(error_line(msg_id, ERR_FATAL, self._fatal_text(), str(e.kind)))
        while not self.outbox.empty():
            self._answer(self.outbox.get_nowait().message, ERR_FATAL, self._fatal_text(), str(e.kind))
        self.stopping.set()

    async def _sleep(self, seconds: float) -> None:
        await wait_events(self.stopping, timeout=seconds)

    async def drain(self) -> None:
        """After stdin closed: send what is queued and wait briefly for in-flight answers."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while (
            (not self.outbox.empty() or self.session.inflight) and self.fatal is None and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.02)


async def run_relay(connector: Connector, opts: RelayOptions, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Relay until stdin closes (exit 0) or a fatal failure (its exit code)."""
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
            if relay.refusal is not None:
                code = EXIT_RATE_LIMITED
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
        if relay.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(relay.ws.close(), 2)
        await asyncio.to_thread(connector.close)
        stop_reading()
        await writer.aclose()
    return code


def stdio_streams() -> tuple[BinaryIO, BinaryIO]:
    """The process's binary stdin and stdout."""
    return sys.stdin.buffer, sys.stdout.buffer
