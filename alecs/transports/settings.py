"""What both remote transports share: where to listen, the limits, and how they are read from the environment.

Settings that govern both transports have transport-neutral names (`ALECS_MAX_CONNECTIONS`, `ALECS_PORT`, …). The
older `ALECS_WS_*` spellings stay accepted as aliases of the same setting (the neutral name wins when both are set);
with `--transport http` an alias still applies but is named in a warning, so a WebSocket-era name never governs the
HTTP transport silently. WebSocket-only settings (`ALECS_WS_PING_*`) keep their `ALECS_WS_` names.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from alecs.auth.addresses import TRUSTED_PROXIES_ENV, TrustedProxies
from alecs.auth.hosts import ALLOWED_HOSTS_ENV, PUBLIC_URL_ENV, HostAllowList, host_allow_list
from alecs.errors import ConfigError
from alecs.transports.guard import FailureLimiter

log = logging.getLogger(__name__)

N = TypeVar("N", int, float)

# neutral name -> the WebSocket-era alias it replaces
ALIASES: dict[str, str] = {
    "ALECS_HOST": "ALECS_WS_HOST",
    "ALECS_PORT": "ALECS_WS_PORT",
    "ALECS_PATH": "ALECS_WS_PATH",
    "ALECS_ALLOWED_ORIGINS": "ALECS_WS_ALLOWED_ORIGINS",
    "ALECS_MAX_MESSAGE_BYTES": "ALECS_WS_MAX_MESSAGE_BYTES",
    "ALECS_MAX_CONNECTIONS": "ALECS_WS_MAX_CONNECTIONS",
    "ALECS_MAX_INFLIGHT": "ALECS_WS_MAX_INFLIGHT",
    "ALECS_HANDSHAKE_TIMEOUT": "ALECS_WS_HANDSHAKE_TIMEOUT",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what one client may hold; shared by the WebSocket and Streamable HTTP transports."""

    max_message: int = 16 * 1024 * 1024  # bytes in one JSON-RPC message (WebSocket frame, HTTP body)
    max_connections: int = 100  # MCP sessions open at once: WebSocket connections or HTTP sessions
    max_inflight: int = 32  # requests being answered at once on one session
    ping_interval: float = 10.0  # WebSocket keepalive: a silent client is closed within about 25 s
    ping_timeout: float = 10.0
    handshake_timeout: float = 10.0  # WebSocket opening handshake; HTTP request headers
    write_timeout: float = 10.0  # a write that does not drain for this long closes the connection
    max_pending: int = 512  # HTTP connections waiting for request headers; beyond it the oldest is closed
    sessions_per_token: int = 10  # sessions one token may hold at once, unless the token says otherwise
    calls_per_minute: int = 300  # tool calls one token may make a minute, unless the token says otherwise
    idle_timeout: float = 600.0  # seconds a session may stay idle (no message, nothing in flight) before it ends


@dataclass
class RemoteSettings:
    """Everything `alecs serve --transport websocket|http` needs besides the server and the token store."""

    transport: str = "websocket"
    host: str = "127.0.0.1"
    port: int = 8082
    path: str = "/mcp"
    insecure_bind: bool = False
    cert: str | None = None
    key: str | None = None
    allowed_origins: frozenset[str] = frozenset()
    allowed_hosts: HostAllowList = field(default_factory=HostAllowList)
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
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


class Environment:
    """Reads settings by their neutral names, accepting the `ALECS_WS_*` aliases (see the module's docstring)."""

    def __init__(self, env: Mapping[str, str], transport: str) -> None:
        self.env, self.transport = env, transport

    def text(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        if value:
            return value
        alias = ALIASES.get(name)
        value = self.env.get(alias, "").strip() if alias else ""
        if not value:
            return None
        if self.transport != "websocket":
            log.warning("%s applies to --transport %s as %s; rename it to %s", alias, self.transport, name, name)
        return value

    def number(self, name: str, default: N, kind: type[N]) -> N:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = kind(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not '{value}'.") from None
        if number < 0 or not math.isfinite(number):
            raise ConfigError(f"{name} must be a finite number of at least 0, not '{value}'.")
        return number


def limits_from(env: Environment) -> Limits:
    d = Limits()
    return Limits(
        max_message=env.number("ALECS_MAX_MESSAGE_BYTES", d.max_message, int),
        max_connections=env.number("ALECS_MAX_CONNECTIONS", d.max_connections, int),
        max_inflight=env.number("ALECS_MAX_INFLIGHT", d.max_inflight, int),
        ping_interval=env.number("ALECS_WS_PING_INTERVAL", d.ping_interval, float),
        ping_timeout=env.number("ALECS_WS_PING_TIMEOUT", d.ping_timeout, float),
        handshake_timeout=env.number("ALECS_HANDSHAKE_TIMEOUT", d.handshake_timeout, float),
        write_timeout=env.number("ALECS_WRITE_TIMEOUT", d.write_timeout, float),
        max_pending=env.number("ALECS_MAX_PENDING_CONNECTIONS", d.max_pending, int),
        sessions_per_token=env.number("ALECS_MAX_SESSIONS_PER_TOKEN", d.sessions_per_token, int),
        calls_per_minute=env.number("ALECS_RATE_PER_MINUTE", d.calls_per_minute, int),
        idle_timeout=env.number("ALECS_IDLE_TIMEOUT_MINUTES", d.idle_timeout / 60, float) * 60)


def resolve_settings(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> RemoteSettings:
    """Flags win over the environment, which wins over the defaults."""
    e = Environment(os.environ if env is None else env, args.transport)
    path = args.path or e.text("ALECS_PATH") or "/mcp"
    origins = e.text("ALECS_ALLOWED_ORIGINS") or ""
    limiter = FailureLimiter(max_failures=e.number("ALECS_AUTH_MAX_FAILURES", 10, int),
                             window=e.number("ALECS_AUTH_FAILURE_WINDOW_SECONDS", 60.0, float),
                             block=e.number("ALECS_AUTH_BLOCK_SECONDS", 60.0, float))
    host = args.host or e.text("ALECS_HOST") or "127.0.0.1"
    cert = getattr(args, "tls_cert", None) or e.text("ALECS_SSL_CERT")
    return RemoteSettings(
        transport=args.transport,
        host=host,
        port=args.port if args.port is not None else e.number("ALECS_PORT", 8082, int),
        path=path if path.startswith("/") else "/" + path,
        insecure_bind=bool(args.insecure_bind),
        cert=cert,
        key=getattr(args, "tls_key", None) or e.text("ALECS_SSL_KEY"),
        allowed_origins=frozenset(o.strip() for o in origins.split(",") if o.strip()),
        allowed_hosts=host_allow_list(listen_host=host, public_url=e.text(PUBLIC_URL_ENV),
                                      allowed=e.text(ALLOWED_HOSTS_ENV), certificate=cert),
        trusted_proxies=TrustedProxies.parse(e.text(TRUSTED_PROXIES_ENV)),
        limits=limits_from(e), limiter=limiter,
        grace=e.number("ALECS_SHUTDOWN_GRACE_SECONDS", 30.0, float),
        reload_seconds=e.number("ALECS_TOKEN_RELOAD_SECONDS", 1.0, float) or 1.0,
        flush_seconds=e.number("ALECS_TOKEN_FLUSH_SECONDS", 30.0, float))
