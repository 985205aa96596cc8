"""MCP's standard Streamable HTTP transport: the SDK's session manager behind the same Guard, served by uvicorn.

Every HTTP request is authenticated; the principal rides in the ASGI scope ("alecs.principal") where the server
reads it, and the SDK binds each MCP session to the token that opened it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from typing import Any

import anyio
import uvicorn
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from alecs.oauth.app import OAuthApp
from alecs.principal import CURRENT
from alecs.transports.guard import Guard, Refusal, audit_connection
from alecs.transports.websocket import Limits

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the remote runner owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


class _Active:
    """A request being served, so revocation and shutdown can end it."""

    def __init__(self, token_id: str, method: str) -> None:
        self.token_id, self.method = token_id, method
        self.scope = anyio.CancelScope()


class HttpTransport:
    def __init__(self, lowlevel: Any, guard: Guard, *, host: str, port: int, path: str,
                 tls: tuple[str, str] | None = None, limits: Limits | None = None, grace: float = 30.0,
                 oauth: OAuthApp | None = None) -> None:
        self.guard = guard
        self.oauth = oauth  # the OAuth endpoints, when OAuth is on
        self.host, self.port, self.path = host, port, path
        self.tls = tls
        self.limits = limits or Limits()
        self.manager = StreamableHTTPSessionManager(lowlevel, max_request_body_size=self.limits.max_message)
        self.active: set[_Active] = set()
        self._uvicorn: _Server | None = None
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
        if self.oauth is not None and self.oauth.handles(path):
            await self.oauth(scope, receive, send)
            return
        if path != self.path:
            await _respond(send, 404, b'{"error": "not found"}')
            return
        headers = _Headers(scope)
        verdict = await self.guard.admit(address, scope.get("query_string", b"").decode("latin-1"), headers.get_all)
        if isinstance(verdict, Refusal):
            audit_connection("http", verdict.address or address, "refused", reason=verdict.reason,
                             status=verdict.status)
            extra = verdict.headers
            if verdict.status == 401 and self.oauth is not None:
                extra = self.oauth.challenge_headers(verdict.reason, verdict.error)
            await _respond(send, verdict.status, verdict.body(), extra=extra)
            return
        principal = verdict.principal
        address = verdict.address or address
        scope["alecs.principal"] = principal
        scope["user"] = AuthenticatedUser(AccessToken(token=principal.label, client_id=principal.label,
                                                      scopes=[principal.scope]))
        CURRENT.set(principal)  # sessions opened by this request inherit it
        active = _Active(principal.grant or principal.label, method)  # revoking a grant ends its requests
        self.active.add(active)
        started = time.monotonic()
        try:
            with active.scope:
                await self.manager.handle_request(scope, receive, send)
        finally:
            self.active.discard(active)
            audit_connection("http", address, "served", principal.token_id, method=method,
                             cancelled=active.scope.cancelled_caught, ms=f"{(time.monotonic() - started) * 1000:.0f}")

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family, backlog=512)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self, lifespan="off", log_config=None, access_log=False, ws="none",
                                limit_concurrency=self.limits.max_connections,
                                timeout_keep_alive=int(self.limits.ping_interval) or 5,
                                ssl_certfile=self.tls[0] if self.tls else None,
                                ssl_keyfile=self.tls[1] if self.tls else None)
        config.load()
        self._uvicorn = _Server(config)
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
        return {a.token_id for a in self.active}

    async def close_tokens(self, token_ids: set[str], reason: str = "") -> None:
        for active in list(self.active):
            if active.token_id in token_ids:
                active.scope.cancel()

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


async def _respond(send: Send, status: int, body: bytes, content_type: str = "application/json",
                   extra: tuple[tuple[str, str], ...] = ()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

