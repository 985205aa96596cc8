"""`alecs serve --transport websocket|http`: settings, TLS, the token store watch, signals, graceful shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import ssl
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio

from alecs.app import AppConfig, build_app
from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore, default_store_path, require_master_key
from alecs.errors import ConfigError
from alecs.sdnotify import SystemdNotifier
from alecs.transports.guard import FailureLimiter, Guard
from alecs.transports.http import HttpTransport
from alecs.transports.websocket import Limits, WebSocketTransport

log = logging.getLogger(__name__)


class Transport(Protocol):
    port: int

    async def start(self) -> None: ...
    def token_ids(self) -> set[str]: ...
    async def close_tokens(self, token_ids: set[str], reason: str = ...) -> None: ...
    async def shutdown(self, grace: float) -> None: ...


@dataclass
class RemoteSettings:
    transport: str = "websocket"
    host: str = "127.0.0.1"
    port: int = 8082
    path: str = "/mcp"
    insecure_bind: bool = False
    cert: str | None = None
    key: str | None = None
    allowed_origins: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    grace: float = 30.0
    reload_seconds: float = 1.0
    flush_seconds: float = 30.0

    @property
    def tls(self) -> tuple[str, str] | None:
        return (self.cert, self.key) if self.cert and self.key else None

    def url(self, port: int | None = None) -> str:
        scheme = ("wss" if self.tls else "ws") if self.transport == "websocket" else ("https" if self.tls else "http")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port if port is None else port}{self.path}"


def _num(env: Mapping[str, str], name: str, default: float, kind: type = float) -> Any:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not '{value}'.") from None
    if number < 0:
        raise ConfigError(f"{name} must not be negative.")
    return number


def resolve_settings(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> RemoteSettings:
    """Flags win over the environment, which wins over the defaults."""
    env = os.environ if env is None else env
    path = args.path or env.get("ALECS_WS_PATH") or "/mcp"
    limits = Limits(
        max_message=_num(env, "ALECS_WS_MAX_MESSAGE_BYTES", 16 * 1024 * 1024, int),
        max_connections=_num(env, "ALECS_WS_MAX_CONNECTIONS", 100, int),
        max_inflight=_num(env, "ALECS_WS_MAX_INFLIGHT", 32, int),
        ping_interval=_num(env, "ALECS_WS_PING_INTERVAL", 20.0),
        ping_timeout=_num(env, "ALECS_WS_PING_TIMEOUT", 20.0),
        handshake_timeout=_num(env, "ALECS_WS_HANDSHAKE_TIMEOUT", 10.0))
    limiter = FailureLimiter(max_failures=_num(env, "ALECS_AUTH_MAX_FAILURES", 10, int),
                             window=_num(env, "ALECS_AUTH_FAILURE_WINDOW_SECONDS", 60.0),
                             block=_num(env, "ALECS_AUTH_BLOCK_SECONDS", 60.0))
    return RemoteSettings(
        transport=args.transport,
        host=args.host or env.get("ALECS_WS_HOST") or "127.0.0.1",
        port=args.port if args.port is not None else _num(env, "ALECS_WS_PORT", 8082, int),
        path=path if path.startswith("/") else "/" + path,
        insecure_bind=bool(args.insecure_bind),
        cert=getattr(args, "tls_cert", None) or env.get("ALECS_SSL_CERT") or None,
        key=getattr(args, "tls_key", None) or env.get("ALECS_SSL_KEY") or None,
        allowed_origins=frozenset(o.strip() for o in env.get("ALECS_WS_ALLOWED_ORIGINS", "").split(",") if o.strip()),
        limits=limits, limiter=limiter,
        grace=_num(env, "ALECS_SHUTDOWN_GRACE_SECONDS", 30.0),
        reload_seconds=_num(env, "ALECS_TOKEN_RELOAD_SECONDS", 1.0) or 1.0,
        flush_seconds=_num(env, "ALECS_TOKEN_FLUSH_SECONDS", 30.0))


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(s: RemoteSettings) -> ssl.SSLContext | None:
    """Refuses unsafe or broken settings with an explanation; returns the TLS context, if any."""
    if bool(s.cert) != bool(s.key):
        raise ConfigError("TLS needs both ALECS_SSL_CERT and ALECS_SSL_KEY (certificate chain and private key).")
    if not s.tls and not is_loopback(s.host) and not s.insecure_bind:
        raise ConfigError(
            f"Refusing to listen on {s.host} without TLS: bearer tokens and Akamai data would cross the network in "
            f"clear text. Set ALECS_SSL_CERT and ALECS_SSL_KEY to serve wss:// (https://), or listen on 127.0.0.1 "
            f"and reach alecs through an SSH tunnel. Only if a TLS-terminating proxy on this same host forwards to "
            f"alecs, pass --insecure-bind (ALECS_INSECURE_BIND=1).")
    if not s.path or "?" in s.path or s.path == "/healthz":
        raise ConfigError(f"Invalid endpoint path '{s.path}'.")
    return load_tls(s.tls) if s.tls else None


def load_tls(tls: tuple[str, str], context: ssl.SSLContext | None = None) -> ssl.SSLContext:
    ctx = context or ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if context is None:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(*tls)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot load the TLS certificate {tls[0]} and key {tls[1]}: {exc}.") from None
    return ctx


class Remote:
    """A running remote server: a transport, the token watch, TLS reload and shutdown."""

    def __init__(self, server: Any, settings: RemoteSettings, tokens: LiveTokens,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings, self.tokens = settings, tokens
        guard = Guard(tokens, settings.allowed_origins, settings.limiter)
        s = settings
        self.transport: Transport
        if s.transport == "http":
            self.transport = HttpTransport(server.lowlevel, guard, host=s.host, port=s.port, path=s.path,
                                           tls=s.tls, limits=s.limits)
        else:
            self.transport = WebSocketTransport(server, guard, host=s.host, port=s.port, path=s.path,
                                                ssl_context=ssl_context, limits=s.limits)
        self._ssl_context = ssl_context
        self._watch: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return self.settings.url(self.transport.port)

    async def start(self) -> None:
        await anyio.to_thread.run_sync(lambda: self.tokens.refresh(force=True))
        await self.transport.start()
        self._watch = asyncio.create_task(self._watch_tokens())

    async def _watch_tokens(self) -> None:
        """Re-read the store when it changes (off the loop); end sessions of revoked or expired tokens."""
        last_flush = time.monotonic()
        while True:
            await asyncio.sleep(self.settings.reload_seconds)
            try:
                if await anyio.to_thread.run_sync(self.tokens.refresh):
                    log.info("token store reloaded")
            except Exception as exc:
                log.error("token store not reloaded (still using the previous one): %s", exc)
            dead = {t for t in self.transport.token_ids() if not self.tokens.valid(t)}
            if dead:
                log.info("closing sessions of revoked or expired tokens: %s", ", ".join(sorted(dead)))
                await self.transport.close_tokens(dead, "token revoked or expired")
            if time.monotonic() - last_flush >= self.settings.flush_seconds:
                last_flush = time.monotonic()
                await anyio.to_thread.run_sync(self.tokens.flush)

    def reload_tls(self) -> None:
        """SIGHUP: load the (renewed) certificate and key into the live context; open sessions are kept."""
        tls = self.settings.tls
        ctx = self._ssl_context or getattr(self.transport, "ssl_context", None)
        if not tls or ctx is None:
            log.info("SIGHUP: no TLS certificate to reload")
            return
        try:
            load_tls(tls, ctx)
            log.info("SIGHUP: TLS certificate reloaded from %s", tls[0])
        except ConfigError as exc:
            log.error("SIGHUP: keeping the previous certificate: %s", exc)

    async def shutdown(self, grace: float | None = None) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.transport.shutdown(self.settings.grace if grace is None else grace)
        await anyio.to_thread.run_sync(self.tokens.flush)


async def run_remote(server: Any, settings: RemoteSettings, tokens: LiveTokens,
                     ssl_context: ssl.SSLContext | None = None) -> int:
    remote = Remote(server, settings, tokens, ssl_context)
    await remote.start()
    print(f"alecs: listening on {remote.url}", file=sys.stderr, flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, remote.reload_tls)
    notifier = SystemdNotifier()  # under systemd (Type=notify): READY=1 now, then WATCHDOG=1 pings from this loop
    notifier.ready(f"serving {remote.url}")
    await stop.wait()
    notifier.stopping()
    log.info("shutting down: finishing in-flight calls (up to %.0fs)", settings.grace)
    await remote.shutdown()
    return 0


def serve_remote(args: argparse.Namespace, cfg: AppConfig) -> int:
    settings = resolve_settings(args)
    ssl_context = check_settings(settings)
    store = TokenStore(default_store_path(), require_master_key())
    tokens = LiveTokens(store)
    tokens.refresh(force=True)  # a wrong key or unreadable store stops here, with its explanation
    with build_app(cfg, {"tokens": store}) as app:
        return asyncio.run(run_remote(app.server, settings, tokens, ssl_context))
