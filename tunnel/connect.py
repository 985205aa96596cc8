"""Opening one WebSocket to the alecs server, directly or through SSH, with a diagnosis on failure."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus, InvalidURI

from . import __version__
from .errors import AuthError, ConfigError, TLSError, TunnelError
from .ssh import SshConnection, SshSettings

log = logging.getLogger("alecs-tunnel")

DEFAULT_URL = "ws://127.0.0.1:8082/mcp"
SUBPROTOCOL = "mcp"
OPEN_TIMEOUT = 15.0
MAX_MESSAGE = 64 * 1024 * 1024
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0


@dataclass
class Settings:
    url: str
    token: str = field(repr=False)
    ssh: SshSettings | None = None
    ca_file: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "wss" else 80)

    @property
    def secure(self) -> bool:
        return urlsplit(self.url).scheme == "wss"


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - validates the port
    except ValueError as e:
        raise ConfigError(f"invalid URL {url!r}: {e}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ConfigError(f"invalid URL {url!r}: expected ws://host:port/path or wss://host/path")
    return url


def load_token(env: dict[str, str] | None = None) -> str:
    """The token from ALECS_TOKEN or ALECS_TOKEN_FILE (never from argv)."""
    env = dict(os.environ) if env is None else env
    token = env.get("ALECS_TOKEN", "").strip()
    source = "ALECS_TOKEN"
    if not token and env.get("ALECS_TOKEN_FILE"):
        path = Path(env["ALECS_TOKEN_FILE"]).expanduser()
        source = f"ALECS_TOKEN_FILE ({path})"
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"cannot read the token file {path}: {e.strerror or e}") from None
    if not token:
        raise ConfigError(
            "no token: set ALECS_TOKEN, or ALECS_TOKEN_FILE to a file holding it "
            "(create one on the server with `alecs token generate`)"
        )
    if not token.isascii() or any(c.isspace() or not c.isprintable() for c in token):
        raise ConfigError(f"the token from {source} contains spaces or control characters")
    return token


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    if ca_file:
        path = Path(ca_file).expanduser()
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(f"cannot load CA file {path}: {e}") from None
    try:  # the OS trust store on macOS and Windows, when available
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:
        return ssl.create_default_context()


@dataclass
class Opened:
    ws: ClientConnection
    token_id: str | None
    scope: str | None
    route: str


class Connector:
    """Opens WebSockets to the server; keeps the SSH connection between them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ssh = SshConnection(settings.ssh) if settings.ssh else None
        self._ssl = ssl_context(settings.ca_file) if settings.secure else None

    def describe(self) -> str:
        s = self.settings
        if self.ssh:
            return f"{self.ssh.describe()} -> {s.host}:{s.port} ({s.url})"
        return s.url

    def ssh_lost(self) -> bool:
        return self.ssh is not None and self.ssh.spec is not None and not self.ssh.is_active()

    async def open(self) -> Opened:
        sock = await self._socket()
        return await self._handshake(sock)

    async def _socket(self) -> socket.socket:
        s = self.settings
        if self.ssh is None:
            return await _tcp_connect(s.host, s.port)
        ssh = self.ssh
        if not ssh.is_active():
            await asyncio.to_thread(ssh.connect)
        try:
            return await asyncio.to_thread(ssh.open_socket, s.host, s.port)
        except TunnelError as e:
            if e.kind != "ssh":
                raise
        # The transport looked alive but is not: reconnect once.
        await asyncio.to_thread(ssh.connect)
        return await asyncio.to_thread(ssh.open_socket, s.host, s.port)

    async def _handshake(self, sock: socket.socket) -> Opened:
        s = self.settings
        kwargs: dict[str, object] = {}
        if self._ssl is not None:
            kwargs["ssl"] = self._ssl
        try:
            ws = await ws_connect(
                s.url,
                sock=sock,
                additional_headers={"Authorization": f"Bearer {s.token}"},
                subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                open_timeout=OPEN_TIMEOUT,
                max_size=MAX_MESSAGE,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
                user_agent_header=f"alecs-tunnel/{__version__}",
                **kwargs,  # type: ignore[arg-type]
            )
        except BaseException as e:
            sock.close()
            if isinstance(e, Exception):
                raise self._diagnose(e) from None
            raise
        if ws.subprotocol != SUBPROTOCOL:
            log.warning("the server did not select the %r subprotocol; continuing", SUBPROTOCOL)
        headers = ws.response.headers if ws.response is not None else {}
        return Opened(ws, headers.get("X-Alecs-Token-Id"), headers.get("X-Alecs-Token-Scope"), self.describe())

    def _diagnose(self, e: Exception) -> TunnelError:
        s = self.settings
        if isinstance(e, InvalidStatus):
            status = e.response.status_code
            detail = _body_error(e.response.body, s.token)
            if status == 401:
                return AuthError(
                    "http-401",
                    f"the server rejected the token (HTTP 401{': ' + detail if detail else ''}). "
                    "Check ALECS_TOKEN / ALECS_TOKEN_FILE; the token may be wrong, revoked or expired "
                    "(create a new one on the server with `alecs token generate`).",
                )
            if status == 403:
                return AuthError(
                    "http-403",
                    f"the server refused the connection (HTTP 403{': ' + detail if detail else ''}). "
                    "alecs answers 403 when the Origin header is not in its allow-list; alecs-tunnel "
                    "sends none, so a proxy in between may be adding one.",
                )
            if status == 404:
                return TunnelError(
                    "http", f"no WebSocket endpoint at {s.url} (HTTP 404): check the path (usually /mcp)"
                )
            return TunnelError("http", f"the server answered HTTP {status} instead of a WebSocket upgrade")
        if isinstance(e, ssl.SSLCertVerificationError):
            return TLSError(
                f"the TLS certificate of {s.host} was not accepted: {e.verify_message or e}. "
                "If the server uses a private CA, pass --ca-file PATH (or ALECS_CA_FILE)."
            )
        if isinstance(e, ssl.SSLError):
            return TLSError(
                f"TLS handshake with {s.host}:{s.port} failed: {e.reason or e}. "
                "Does the server speak TLS on that port (wss:// vs ws://)?"
            )
        if isinstance(e, InvalidMessage):
            return TunnelError(
                "protocol",
                f"{s.host}:{s.port} did not answer with HTTP (is it the alecs WebSocket port, "
                f"and {'TLS' if s.secure else 'plain'} as the URL says?)",
            )
        if isinstance(e, InvalidURI):
            return ConfigError(f"invalid URL {s.url!r}")
        if isinstance(e, InvalidHandshake):
            return TunnelError("protocol", f"WebSocket handshake with {s.url} failed: {e}")
        if isinstance(e, TimeoutError):
            return TunnelError("tcp", f"timed out waiting for the WebSocket handshake with {s.url}")
        if isinstance(e, OSError | EOFError):
            return TunnelError("tcp", f"connection to {s.url} dropped during the handshake: {e}")
        return TunnelError("protocol", f"unexpected failure connecting to {s.url}: {type(e).__name__}: {e}")

    def close(self) -> None:
        if self.ssh:
            self.ssh.close()


def _body_error(body: bytes | None, token: str) -> str:
    if not body:
        return ""
    try:
        text = str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace")
    return text.replace(token, "***")[:200].strip()


async def _tcp_connect(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise TunnelError("dns", f"cannot resolve {host!r}: {e.strerror or e}") from None
    last: OSError | None = None
    for family, type_, proto, _, addr in infos:
        sock = socket.socket(family, type_, proto)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, addr), timeout=OPEN_TIMEOUT)
            return sock
        except TimeoutError:
            sock.close()
            last = TimeoutError(f"timed out after {OPEN_TIMEOUT:.0f} s")
        except OSError as e:
            sock.close()
            last = e
    if isinstance(last, ConnectionRefusedError):
        raise TunnelError("tcp", f"connection refused by {host}:{port}: is the alecs server running?")
    detail = (last.strerror if last and last.strerror else str(last)) if last else "no address"
    raise TunnelError("tcp", f"cannot connect to {host}:{port}: {detail}")
