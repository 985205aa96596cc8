"""MCP over WebSocket: each connection is one MCP session, one JSON-RPC message per text frame.

The adapter turns a `websockets` connection into the SDK's stream pair of SessionMessage and enforces the limits:
message size, connections, requests in flight (counted per request), keepalive, handshake time, and writes that must
drain within `write_timeout` (a client that stops reading is cut off and everything it held is freed).
Authentication is the Guard's; the admission travels on the connection object from the handshake to its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import anyio
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from alecs import metrics
from alecs.principal import Principal
from alecs.stall import StallWatch
from alecs.transports import SessionRunner
from alecs.transports.guard import Admission, Guard, Refusal, audit_connection
from alecs.transports.inbound import INTERNAL_ERROR, SERVER_BUSY, Rejection, parse
from alecs.transports.limits import CallRate, Inflight, Occupancy, Slot
from alecs.transports.scrape import METRICS_PATH, scrape
from alecs.transports.settings import Limits

if TYPE_CHECKING:
    import mcp_types as types
    from starlette.requests import HTTPConnection

log = logging.getLogger(__name__)
# websockets logs handshake headers (Authorization among them) at DEBUG: its logger never goes below INFO.
wire_log = logging.getLogger("alecs.transports.websocket.wire")
wire_log.setLevel(logging.INFO)

CLOSE_TIMEOUT = 5.0  # after a close frame, how long a silent client gets before the TCP connection is cut
MAX_QUEUE = 4  # frames received but not yet read; beyond it, TCP pushes back on the client


class Connection(StallWatch, ServerConnection):
    """A WebSocket connection carrying its own admission (who, which slot) from the handshake until it is lost.

    Its writes are watched (`StallWatch`): when they stay blocked for `write_timeout` seconds (the client stopped
    reading), the connection is cut at once, whatever waits to be written (answers, keepalive pings, a close frame).
    """

    admission: Admission | None = None
    slot: Slot | None = None
    transport_name = "websocket"  # for the metrics of `StallWatch`

    async def handshake(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().handshake(*args, **kwargs)
        except asyncio.CancelledError:  # websockets' open_timeout: the handshake did not finish in time
            metrics.transport_refusal("websocket", "handshake_timeout")
            raise

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.slot is not None:
            self.slot.release()


def connection_class(write_timeout: float) -> type[Connection]:
    return type("BoundedConnection", (Connection,), {"write_timeout": write_timeout})


@dataclass(eq=False)
class Session:
    ws: Connection
    principal: Principal
    context: HTTPConnection  # the request context of every message: carries the caller (alecs.caller)
    inflight: Inflight
    draining: bool = False
    last_message: float = field(default_factory=time.monotonic)


def json_response(status: int, body: bytes, headers: tuple[tuple[str, str], ...] = (),
                  content_type: str = "application/json") -> Response:
    h = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
    return Response(status, HTTPStatus(status).phrase, h, body)


def request_context(ws: Connection, principal: Principal) -> HTTPConnection:
    """The handshake as an ASGI scope whose user is the caller; the Authorization header is left out."""
    from starlette.requests import HTTPConnection  # the SDK's stack loads after the transport listens

    from alecs.caller import authenticated

    path, _, query = ws.request.path.partition("?") if ws.request else ("", "", "")
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ws.request.headers.raw_items()
               if k.lower() != "authorization"] if ws.request else []
    return HTTPConnection({"type": "websocket", "path": path, "query_string": query.encode("latin-1"),
                           "headers": headers, "client": ws.remote_address[:2] if ws.remote_address else None,
                           "user": authenticated(principal)})


class WebSocketTransport:
    """Serves MCP sessions over WebSocket to callers the Guard admits."""

    def __init__(self, runner: SessionRunner, guard: Guard, *, host: str, port: int, path: str,
                 ssl_context: ssl.SSLContext | None = None, limits: Limits | None = None) -> None:
        self.runner, self.guard = runner, guard
        self.host, self.port, self.path = host, port, path
        self.ssl_context = ssl_context
        self.limits = limits or Limits()
        self.sessions: set[Session] = set()
        self.occupancy = Occupancy(self.limits.max_connections, self.limits.sessions_per_token)
        self.calls = CallRate(self.limits.calls_per_minute)
        self._server: Server | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        lim = self.limits
        self._server = await serve(
            self._handle, self.host, self.port, process_request=self._process_request,
            process_response=self._process_response, subprotocols=["mcp"],  # type: ignore[list-item]
            max_size=lim.max_message or None, open_timeout=lim.handshake_timeout or None,
            ping_interval=lim.ping_interval or None,
            ping_timeout=lim.ping_timeout or None, close_timeout=CLOSE_TIMEOUT, max_queue=MAX_QUEUE,
            ssl=self.ssl_context, logger=wire_log, server_header=None,
            create_connection=connection_class(lim.write_timeout))
        self.port = self._server.sockets[0].getsockname()[1]
        if lim.idle_timeout:
            self._sweeper = asyncio.create_task(self._close_idle(lim.idle_timeout))

    # -- handshake ---------------------------------------------------------------------------------------
    async def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        assert isinstance(conn, Connection)
        path, _, query = request.path.partition("?")
        address = str(conn.remote_address[0]) if conn.remote_address else "-"
        upgrade = "upgrade" in " ".join(request.headers.get_all("Connection")).lower()
        if path == "/healthz" and not upgrade:
            return json_response(200, b"ok", content_type="text/plain")
        if path == METRICS_PATH and not upgrade:
            answer = await scrape(self.guard, "websocket", address, request.method, query, request.headers.get_all)
            return json_response(answer.status, answer.body, answer.headers, answer.content_type)
        if path != self.path:
            return json_response(404, b'{"error": "not found"}')
        verdict = await self.guard.admit(address, query, request.headers.get_all)
        if isinstance(verdict, Refusal):
            audit_connection("websocket", verdict.address or address, "refused", reason=verdict.reason,
                             status=verdict.status)
            return json_response(verdict.status, verdict.body(), verdict.headers)
        slot = self.occupancy.take(verdict.principal)
        if isinstance(slot, Refusal):
            audit_connection("websocket", verdict.address or address, "refused", verdict.principal.token_id,
                             reason=slot.reason, status=slot.status)
            return json_response(slot.status, slot.body(), slot.headers)
        conn.admission, conn.slot = verdict, slot  # given back when the connection is lost, however it ends
        return None

    def _process_response(self, conn: ServerConnection, request: Request, response: Response) -> Response | None:
        admission = conn.admission if isinstance(conn, Connection) else None
        if admission is not None and response.status_code == 101:
            response.headers["X-Alecs-Token-Id"] = admission.record.id
            response.headers["X-Alecs-Token-Scope"] = admission.record.scope
        return None

    # -- sessions ----------------------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        admission = ws.admission if isinstance(ws, Connection) else None
        if admission is None or not isinstance(ws, Connection):  # cannot happen: every handshake was admitted
            await ws.close(CloseCode.POLICY_VIOLATION, "not authenticated")
            return
        principal = admission.principal
        load = getattr(self.runner, "load", None)  # a server still being built (alecs.transports.late): wait for it
        if load is not None:
            await load()
        session = Session(ws, principal, request_context(ws, principal), Inflight(self.limits.max_inflight))
        address = admission.address or (str(ws.remote_address[0]) if ws.remote_address else "-")
        audit_connection("websocket", address, "accepted", principal.token_id, scope=principal.scope)
        self.sessions.add(session)
        metrics.session_opened("websocket")
        started = time.monotonic()
        try:
            await self._serve(session)
        finally:
            self.sessions.discard(session)
            metrics.session_closed("websocket")
            sent = ws.protocol.close_sent
            if sent is not None and sent.code == CloseCode.MESSAGE_TOO_BIG:
                metrics.transport_refusal("websocket", "message_too_large")
            extra = {"stalled": True} if ws.stalled else {}
            audit_connection("websocket", address, "closed", principal.token_id, code=ws.close_code,
                             seconds=f"{time.monotonic() - started:.0f}", **extra)

    async def _serve(self, session: Session) -> None:
        from mcp.shared.message import SessionMessage  # loaded by then: sessions start once the server is built

        read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._run_server, session, read_recv, write_send)
            tg.start_soon(self._writer, session, write_recv)
            try:
                await self._reader(session, read_send)
            finally:
                read_send.close()
                tg.cancel_scope.cancel()  # the client is gone: nobody to answer, nothing to keep

    async def _run_server(self, session: Session, read_recv: Any, write_send: Any) -> None:
        try:
            await self.runner.run(read_recv, write_send, session.principal)
        finally:
            with contextlib.suppress(Exception):
                await session.ws.close()

    async def _reader(self, session: Session, read_send: Any) -> None:
        import mcp_types as types
        from mcp.shared.message import ServerMessageMetadata, SessionMessage

        plain = ServerMessageMetadata(request_context=session.context)
        with contextlib.suppress(ConnectionClosed):
            async for frame in session.ws:
                session.last_message = time.monotonic()
                message = parse(frame)
                if isinstance(message, Rejection):
                    metrics.transport_refusal("websocket", message.reason)
                    await self._answer(session, message)
                    continue
                metadata = plain
                if isinstance(message, types.JSONRPCRequest):
                    refusal = self._admit(session, message)
                    if refusal is not None:
                        metrics.transport_refusal("websocket", refusal.reason)
                        await self._answer(session, refusal)
                        continue
                    metadata = ServerMessageMetadata(
                        request_context=session.context,
                        on_request_unanswered=functools.partial(self._unanswered, session, message.id))
                await read_send.send(SessionMessage(message, metadata=metadata))

    def _admit(self, session: Session, request: types.JSONRPCRequest) -> Rejection | None:
        if session.draining:
            return Rejection(request.id, SERVER_BUSY, "The server is shutting down; reconnect shortly.",
                             reason="shutting_down")
        refusal = session.inflight.admit(request.id)
        if refusal is None and request.method == "tools/call":
            refusal = self.calls.spend(session.principal, request.id)
            if refusal is not None:
                session.inflight.settle(request.id)
        return refusal

    async def _unanswered(self, session: Session, request_id: str | int) -> None:
        """The server settled a request without an answer (the client cancelled it): it no longer counts."""
        session.inflight.settle(request_id)

    async def _writer(self, session: Session, write_recv: Any) -> None:
        import mcp_types as types

        async for item in write_recv:
            message = item.message
            try:
                data = message.model_dump_json(by_alias=True, exclude_unset=True).encode()
            except Exception as exc:  # e.g. an unpaired surrogate in a result: answer with an error instead
                log.warning("could not send a %s: %s", type(message).__name__, type(exc).__name__)
                if not isinstance(message, types.JSONRPCResponse | types.JSONRPCError):
                    continue
                error = Rejection(message.id, INTERNAL_ERROR, "Internal error: the answer could not be encoded.")
                data = error.text().encode()
            try:
                await session.ws.send(data, text=True)  # UTF-8 already: a text frame, encoded once
            except ConnectionClosed:
                return
            if isinstance(message, types.JSONRPCResponse | types.JSONRPCError) and message.id is not None:
                session.inflight.settle(message.id)

    async def _answer(self, session: Session, rejection: Rejection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await session.ws.send(rejection.text())
        # Refusing costs this client, not the others: let the event loop run between refusals, since a buffered
        # burst of frames is otherwise refused without ever yielding.
        await asyncio.sleep(0)

    async def _close_idle(self, idle_timeout: float) -> None:
        """Ends sessions that sent nothing and had nothing in flight for `idle_timeout` seconds (keepalive aside)."""
        while True:
            await asyncio.sleep(min(idle_timeout / 4, 30.0))
            now = time.monotonic()
            idle = [s for s in self.sessions if not s.inflight.keys and now - s.last_message >= idle_timeout]
            if idle:
                reason = f"idle for {idle_timeout / 60:g} minutes"
                await asyncio.gather(*(s.ws.close(CloseCode.NORMAL_CLOSURE, reason) for s in idle),
                                     return_exceptions=True)

    # -- control -----------------------------------------------------------------------------------------
    def token_ids(self) -> set[str]:
        return {s.principal.token_id for s in self.sessions if s.principal.token_id}

    async def close_tokens(self, token_ids: set[str], reason: str = "token revoked or expired") -> None:
        """Close every session of these tokens with 1008 (policy violation)."""
        doomed = [s for s in self.sessions if s.principal.token_id in token_ids]
        await asyncio.gather(*(s.ws.close(CloseCode.POLICY_VIOLATION, reason) for s in doomed),
                             return_exceptions=True)

    async def shutdown(self, grace: float) -> None:
        """Stop accepting, let in-flight requests finish within `grace` seconds, close with 1001."""
        if self._server is None:
            return
        if self._sweeper is not None:
            self._sweeper.cancel()
        self._server.close(close_connections=False)
        for session in self.sessions:
            session.draining = True
        idle = [s.inflight.idle.wait() for s in list(self.sessions)]
        if idle:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*idle), grace)
        await asyncio.gather(*(s.ws.close(CloseCode.GOING_AWAY, "server shutting down") for s in list(self.sessions)),
                             return_exceptions=True)
        await self._server.wait_closed()
