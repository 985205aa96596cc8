"""MCP's standard Streamable HTTP transport: the SDK's session manager behind the same Guard, served by uvicorn.

Every HTTP request is authenticated; the caller rides in the ASGI scope as the SDK's `AuthenticatedUser`
(`alecs.caller`), where the server reads it and by which the SDK binds each MCP session to the token that opened it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from contextvars import ContextVar

import anyio
import mcp_types as types
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from alecs import metrics
from alecs.caller import authenticated
from alecs.oauth.app import OAuthApp
from alecs.principal import Principal
from alecs.seams import PendingConnections, SessionManager, UvicornServer, advertise, bounded_h11
from alecs.transports import SessionRunner
from alecs.transports.guard import Guard, Refusal, audit_connection
from alecs.transports.inbound import INVALID_REQUEST, SERVER_BUSY, Rejection, parse
from alecs.transports.limits import CallRate, Inflight, Occupancy, Slot
from alecs.transports.scrape import METRICS_PATH, scrape
from alecs.transports.settings import Limits

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 20  # an idle kept-alive connection is closed after this (it waits among the pending ones)
UNBOUNDED = 2**62  # a size limit of 0 means none
CLOSE = (("Connection", "close"),)  # a refused request's connection is not kept: nothing unauthenticated lingers
_OPENING: ContextVar[Slot | None] = ContextVar("alecs_opening_slot", default=None)


class _Active:
    """A request being served, so revocation and shutdown can end it."""

    def __init__(self, token_id: str, method: str) -> None:
        self.token_id, self.method = token_id, method
        self.scope = anyio.CancelScope()


class HttpTransport:
    """Serves MCP's Streamable HTTP transport to callers the Guard admits, request by request; with `oauth`, also
    the OAuth authorization server's endpoints."""

    def __init__(self, server: SessionRunner, guard: Guard, *, host: str, port: int, path: str,
                 tls: tuple[str, str] | None = None, limits: Limits | None = None,
                 oauth: OAuthApp | None = None) -> None:
        self.guard = guard
        self.oauth = oauth  # the OAuth endpoints, when OAuth is on
        self.host, self.port, self.path = host, port, path
        self.tls = tls
        self.limits = limits or Limits()
        advertise(server.lowlevel, server.init_options)  # the SDK's manager passes none of its own
        self.manager = SessionManager(server.lowlevel, on_opened=self._opened, on_closed=self._closed,
                                      max_request_body_size=self.limits.max_message or UNBOUNDED,
                                      session_idle_timeout=self.limits.idle_timeout or None)
        self.occupancy = Occupancy(self.limits.max_connections, self.limits.sessions_per_token)
        self.calls = CallRate(self.limits.calls_per_minute)
        self.sessions: dict[str, Slot] = {}  # open MCP sessions and the places they hold
        self.active: set[_Active] = set()
        self.inflight: dict[str, Inflight] = {}  # per MCP session id, while it has requests being answered
        self._uvicorn: UvicornServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stack = contextlib.AsyncExitStack()

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        client = scope.get("client")
        address = str(client[0]) if client else "-"
        if path == "/healthz" and method in ("GET", "HEAD"):
            await _respond(send, 200, b"ok", "text/plain")
            return
        if path == METRICS_PATH:
            query = scope.get("query_string", b"").decode("latin-1")
            answer = await scrape(self.guard, "http", address, method, query, _Headers(scope).get_all)
            refused = CLOSE if answer.status >= 400 else ()  # a scraper's connection is kept; a refused one is not
            await _respond(send, answer.status, answer.body, answer.content_type, answer.headers + refused)
            return
        if self.oauth is not None and self.oauth.handles(path):
            await self.oauth(scope, receive, send)
            return
        if path != self.path:
            await _respond(send, 404, b'{"error": "not found"}', extra=CLOSE)
            return
        headers = _Headers(scope)
        verdict = await self.guard.admit(address, scope.get("query_string", b"").decode("latin-1"), headers.get_all)
        if isinstance(verdict, Refusal):
            audit_connection("http", verdict.address or address, "refused", reason=verdict.reason,
                             status=verdict.status)
            extra = verdict.headers
            if verdict.status == 401 and self.oauth is not None:
                extra = self.oauth.challenge_headers(verdict.reason, verdict.error)
            await _respond(send, verdict.status, verdict.body(), extra=extra + CLOSE)
            return
        principal = verdict.principal
        address = verdict.address or address
        scope["user"] = authenticated(principal)
        scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"authorization"]
        active = _Active(principal.grant or principal.label, method)  # revoking a grant ends its requests
        self.active.add(active)
        started = time.monotonic()
        try:
            with active.scope:
                if method == "POST":
                    await self._post(scope, receive, send, headers, principal)
                else:
                    await self.manager.handle_request(scope, receive, send)
        finally:
            self.active.discard(active)
            audit_connection("http", address, "served", principal.token_id, method=method,
                             cancelled=active.scope.cancelled_caught, ms=f"{(time.monotonic() - started) * 1000:.0f}")

    async def _post(self, scope: Scope, receive: Receive, send: Send, headers: _Headers,
                    principal: Principal) -> None:
        """One JSON-RPC message: checked like a WebSocket frame, metered and counted, then given to the SDK."""
        body = await _read_body(receive, self.limits.max_message or UNBOUNDED)
        if body is None:
            too_big = Rejection(None, INVALID_REQUEST, f"Request body larger than {self.limits.max_message} bytes.")
            metrics.transport_refusal("http", "message_too_large")
            await _respond(send, 413, too_big.text().encode(), extra=CLOSE)
            return
        message = parse(body)
        if isinstance(message, Rejection):
            metrics.transport_refusal("http", message.reason)
            await _respond(send, 400, message.text().encode())
            return
        request = message if isinstance(message, types.JSONRPCRequest) else None
        if request is not None and request.method == "tools/call":
            refusal = self.calls.spend(principal, request.id)
            if refusal is not None:
                await _refuse(send, refusal)
                return
        replay = _replay(body, receive)
        session_id = next(iter(headers.get_all("mcp-session-id")), None)
        # Without a session id the request may open a session, so it takes one of the token's places until it has
        # (then the session holds it) or has not (then it is given back). A 2026-era client has no sessions: each
        # of its requests holds a place while it is served, so its concurrency is bounded by the same cap.
        if session_id is None:
            await self._open(scope, replay, send, principal, request)
        elif request is None:
            await self.manager.handle_request(scope, replay, send)
        else:
            await self._in_session(scope, replay, send, session_id, request)

    async def _open(self, scope: Scope, receive: Receive, send: Send, principal: Principal,
                    request: types.JSONRPCRequest | None) -> None:
        slot = self.occupancy.take(principal)
        if isinstance(slot, Refusal):
            client = scope.get("client")
            audit_connection("http", str(client[0]) if client else "-", "refused", principal.token_id,
                             reason=slot.reason, status=slot.status)
            rejection = Rejection(request.id if request else None, SERVER_BUSY, slot.error)
            await _respond(send, slot.status, rejection.text().encode(), extra=slot.headers)
            return
        opening = _OPENING.set(slot)  # the manager hands it to the session it opens (`_opened`)
        try:
            await self.manager.handle_request(scope, receive, send)
        finally:
            _OPENING.reset(opening)
            if slot.session is None:  # no session came of it
                slot.release()

    async def _in_session(self, scope: Scope, receive: Receive, send: Send, session_id: str,
                          request: types.JSONRPCRequest) -> None:
        inflight = self.inflight.setdefault(session_id, Inflight(self.limits.max_inflight))
        refusal = inflight.admit(request.id)
        if refusal is not None:
            await _refuse(send, refusal)
            return
        try:
            await self.manager.handle_request(scope, receive, send)
        finally:
            inflight.settle(request.id)
            if not inflight.keys and self.inflight.get(session_id) is inflight:
                del self.inflight[session_id]

    def _opened(self, session_id: str) -> None:
        slot = _OPENING.get()
        if slot is not None and slot.session is None:
            slot.session = session_id
            self.sessions[session_id] = slot
            metrics.session_opened("http")

    def _closed(self, session_id: str) -> None:
        slot = self.sessions.pop(session_id, None)
        if slot is not None:
            slot.release()
            metrics.session_closed("http")

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family, backlog=512)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self, lifespan="off", log_config=None, access_log=False, ws="none",
                                http=bounded_h11(write_timeout=self.limits.write_timeout,
                                                 header_timeout=self.limits.handshake_timeout,
                                                 pending=PendingConnections(self.limits.max_pending)),
                                timeout_keep_alive=KEEPALIVE_SECONDS, proxy_headers=False,
                                ssl_certfile=self.tls[0] if self.tls else None,
                                ssl_keyfile=self.tls[1] if self.tls else None)
        config.load()
        self._uvicorn = UvicornServer(config)
        await self._stack.enter_async_context(self.manager.run())
        self._task = asyncio.create_task(self._uvicorn.serve(sockets=[sock]))
        while not self._uvicorn.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("uvicorn stopped while starting")
            await asyncio.sleep(0.01)

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        return self._uvicorn.config.ssl if self._uvicorn is not None else None

    def token_ids(self) -> set[str]:
        return {a.token_id for a in self.active} | {slot.token for slot in self.sessions.values()}

    async def close_tokens(self, token_ids: set[str], reason: str = "") -> None:
        """End these tokens' requests being served and their open sessions (whose places are given back)."""
        for active in list(self.active):
            if active.token_id in token_ids:
                active.scope.cancel()
        for session_id in [s for s, slot in self.sessions.items() if slot.token in token_ids]:
            await self.manager.end(session_id)

    async def shutdown(self, grace: float) -> None:
        """Stop accepting; let POSTs (tool calls) finish within `grace`; end listen streams at once."""
        if self._uvicorn is None or self._task is None:
            return
        self._uvicorn.config.timeout_graceful_shutdown = max(1, int(grace))
        for active in list(self.active):
            if active.method == "GET":
                active.scope.cancel()
        self._uvicorn.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        await self._stack.aclose()


class _Headers:
    def __init__(self, scope: Scope) -> None:
        self._items = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", [])]

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self._items if k == name]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: nothing to answer
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the SDK: the body already read, then whatever the client does next (disconnects)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()
    return replay


async def _refuse(send: Send, rejection: Rejection) -> None:
    """A JSON-RPC error for one request: 400 for a bad one, 429 with Retry-After when it may be retried."""
    metrics.transport_refusal("http", rejection.reason)
    if rejection.code != SERVER_BUSY:
        await _respond(send, 400, rejection.text().encode())
        return
    wait = (rejection.data or {}).get("retryAfterSeconds", 1)
    await _respond(send, 429, rejection.text().encode(), extra=(("Retry-After", str(wait)),))


async def _respond(send: Send, status: int, body: bytes, content_type: str = "application/json",
                   extra: tuple[tuple[str, str], ...] = ()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

